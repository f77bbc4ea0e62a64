//! The answers file (`.scaffold/<golden-path>.yaml`): provenance and manifest.
//!
//! It records the golden path, its source and resolved commit, the version, the
//! answers (secrets left out) and, for every generated path, the hash and mode of its
//! pristine rendered content and its policy. `update` re-renders the base from it;
//! `check` compares the working tree against the manifest without rendering anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Location, Result};
use crate::golden_path::{Answers, GoldenPath, Policy};
use crate::render::Rendered;
use crate::source::SourceRecord;
use crate::tree::{FileMode, hash_bytes, normalize_relative};

/// Directory of answers files inside a project.
pub const ANSWERS_DIR: &str = ".scaffold";

/// Format version of the answers file.
pub const ANSWERS_FORMAT: u32 = 1;

/// One generated path as rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    /// `blake3:<hex>` of the pristine rendered content (link target for links).
    pub hash: String,
    /// Git-style mode.
    pub mode: FileMode,
    /// Policy at the time of rendering.
    pub policy: Policy,
}

/// The whole answers file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersFile {
    /// Format version, currently 1.
    pub format: u32,
    /// Golden-path name.
    pub golden_path: String,
    /// Golden-path version rendered.
    pub version: String,
    /// Where it came from (with the resolved commit for git).
    pub source: SourceRecord,
    /// The scaffold version that wrote this file.
    pub engine_version: String,
    /// Answers after defaults, secrets left out.
    pub answers: Map<String, Value>,
    /// Every generated path.
    pub manifest: BTreeMap<String, ManifestEntry>,
}

impl AnswersFile {
    /// Build the answers file for a render.
    pub fn new(gp: &GoldenPath, answers: &Answers, rendered: &Rendered) -> AnswersFile {
        let secrets = gp.parameters().secrets();
        let answers = answers
            .values
            .iter()
            .filter(|(k, _)| !secrets.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        AnswersFile {
            format: ANSWERS_FORMAT,
            golden_path: gp.name().to_string(),
            version: gp.version.clone(),
            source: gp.source.clone(),
            engine_version: crate::ENGINE_VERSION.to_string(),
            answers,
            manifest: manifest_of(gp, rendered),
        }
    }

    /// Where this golden path's answers file lives in a project (relative path).
    pub fn relative_path(golden_path: &str) -> String {
        format!("{ANSWERS_DIR}/{golden_path}.yaml")
    }

    /// The YAML text, with a header saying what the file is.
    pub fn to_yaml(&self) -> String {
        let body = serde_yaml::to_string(self).expect("answers file serializes");
        format!(
            "# Written by scaffold {}: provenance of the files generated from golden path `{}`.\n# `scaffold update` and `scaffold check` read it. Do not edit the manifest by hand.\n{body}",
            self.engine_version, self.golden_path
        )
    }

    /// Parse an answers file; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<AnswersFile> {
        let parsed: AnswersFile = serde_yaml::from_str(text).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            Error::AnswersFile {
                location: Location {
                    file: file.to_string(),
                    line,
                    column,
                },
                message: format!(
                    "{}; restore it from version control (git checkout -- {file})",
                    e.to_string().split(" at line ").next().unwrap_or_default()
                ),
            }
        })?;
        let bad = |message: String| Error::AnswersFile {
            location: Location {
                file: file.to_string(),
                line: 0,
                column: 0,
            },
            message,
        };
        if parsed.format != ANSWERS_FORMAT {
            return Err(bad(format!(
                "format {} is not supported by this scaffold (it reads format {ANSWERS_FORMAT}); upgrade scaffold",
                parsed.format
            )));
        }
        for (path, entry) in &parsed.manifest {
            if normalize_relative(path).as_deref() != Ok(path.as_str()) {
                return Err(bad(format!(
                    "manifest path `{path}` is not a normalized path inside the project; the file was edited or is corrupt"
                )));
            }
            if path == ANSWERS_DIR || path.starts_with(&format!("{ANSWERS_DIR}/")) {
                return Err(bad(format!(
                    "manifest path `{path}` is inside {ANSWERS_DIR}/"
                )));
            }
            if !entry.hash.starts_with("blake3:") || entry.hash.len() != "blake3:".len() + 64 {
                return Err(bad(format!(
                    "manifest entry `{path}` has a malformed hash `{}`",
                    entry.hash
                )));
            }
        }
        Ok(parsed)
    }

    /// Read and parse an answers file from disk.
    pub fn read(path: &Path) -> Result<AnswersFile> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io("cannot read answers file", path, e))?;
        AnswersFile::parse(&path.display().to_string(), &text)
    }

    /// Every answers file under `root` (skipping `.git` and what `.gitignore` ignores),
    /// sorted by path.
    pub fn find_all(root: &Path) -> Result<Vec<PathBuf>> {
        let mut found = Vec::new();
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(false)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        for entry in walker {
            let entry = entry
                .map_err(|e| Error::Usage(format!("cannot search {}: {e}", root.display())))?;
            let p = entry.path();
            let in_answers_dir = p
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n == ANSWERS_DIR);
            let yaml = p.extension().is_some_and(|x| x == "yaml");
            if in_answers_dir && yaml && entry.file_type().is_some_and(|t| t.is_file()) {
                found.push(p.to_path_buf());
            }
        }
        found.sort();
        Ok(found)
    }
}

/// The manifest of a render under a golden path's policies.
pub fn manifest_of(gp: &GoldenPath, rendered: &Rendered) -> BTreeMap<String, ManifestEntry> {
    rendered
        .files
        .iter()
        .map(|(path, f)| {
            (
                path.clone(),
                ManifestEntry {
                    hash: hash_bytes(&f.content),
                    mode: f.mode,
                    policy: gp.policy().of(path),
                },
            )
        })
        .collect()
}
