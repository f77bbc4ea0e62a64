//! A generated project: one answers file, the directory it governs, and the way back
//! to its pristine render (the base of `update`, the reference of `check --render`,
//! `check --fix` and `diff`).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::golden_path::{AnswerInput, Answers, GoldenPath};
use crate::provenance::{ANSWERS_DIR, AnswersFile};
use crate::remote::{self, Target};
use crate::render::Rendered;
use crate::source::SourceRecord;
use crate::tree::{Entry, FileMode, Tree, to_fs_path};

/// A project governed by one answers file.
#[derive(Debug, Clone)]
pub struct Project {
    /// The directory holding `.scaffold/`.
    pub root: PathBuf,
    /// The answers file on disk.
    pub answers_path: PathBuf,
    /// The answers file's path relative to `root`.
    pub answers_rel: String,
    /// Its parsed content.
    pub file: AnswersFile,
}

/// A golden path loaded for a project, with resolved answers and the render.
#[derive(Debug)]
pub struct Loaded {
    /// The golden path.
    pub golden_path: GoldenPath,
    /// The answers used.
    pub answers: Answers,
    /// The render.
    pub rendered: Rendered,
}

impl Project {
    /// Open the project of one answers file (`<root>/.scaffold/<name>.yaml`).
    pub fn open(answers_path: &Path) -> Result<Project> {
        let file = AnswersFile::read(answers_path)?;
        let dir = answers_path
            .parent()
            .filter(|d| d.file_name().is_some_and(|n| n == ANSWERS_DIR))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "`{}` is not inside a {ANSWERS_DIR}/ directory",
                    answers_path.display()
                ))
            })?;
        let root = dir
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let name = answers_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Project {
            root,
            answers_path: answers_path.to_path_buf(),
            answers_rel: format!("{ANSWERS_DIR}/{name}"),
            file,
        })
    }

    /// The projects under `dir`: every answers file found (see
    /// [`AnswersFile::find_all`]), optionally only those of one golden path.
    pub fn find(dir: &Path, golden_path: Option<&str>) -> Result<Vec<Project>> {
        if !dir.is_dir() {
            return Err(Error::NotADirectory {
                path: dir.to_path_buf(),
                must_exist: false,
            });
        }
        let found = AnswersFile::find_all(dir)?;
        if found.is_empty() {
            return Err(Error::NoProject(dir.to_path_buf()));
        }
        let mut out = Vec::new();
        for p in found {
            let project = Project::open(&p)?;
            if golden_path.is_none_or(|g| g == project.file.golden_path) {
                out.push(project);
            }
        }
        if out.is_empty() {
            return Err(Error::Usage(format!(
                "no answers file for golden path `{}` under `{}`",
                golden_path.unwrap_or_default(),
                dir.display()
            )));
        }
        Ok(out)
    }

    /// The projects a command run in `dir` acts on. With `all`, every project below
    /// `dir` (see [`Project::find`]). Without, the one golden path applied to `dir`
    /// itself (only `golden_path`'s, if given): no answers file there is
    /// [`Error::NoProjectHere`], several are [`Error::AmbiguousProject`].
    pub fn select(dir: &Path, golden_path: Option<&str>, all: bool) -> Result<Vec<Project>> {
        if all {
            return Project::find(dir, golden_path);
        }
        let answers_dir = dir.join(ANSWERS_DIR);
        let mut here: Vec<PathBuf> = match std::fs::read_dir(&answers_dir) {
            Ok(it) => it
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
                .collect(),
            Err(_) => Vec::new(),
        };
        here.sort();
        if let Some(name) = golden_path {
            here.retain(|p| p.file_stem().is_some_and(|s| s == name));
        }
        match here.as_slice() {
            [] => Err(Error::NoProjectHere {
                answers_dir,
                golden_path: golden_path.map(str::to_string),
            }),
            [one] => Ok(vec![Project::open(one)?]),
            many => Err(Error::AmbiguousProject {
                dir: dir.to_path_buf(),
                golden_paths: many
                    .iter()
                    .filter_map(|p| p.file_stem())
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect(),
            }),
        }
    }

    /// Render the recorded version with the recorded answers (plus `sets`, for secrets
    /// that were never written down). For git sources this is the recorded commit;
    /// built-in and local sources have only their current version, so a version
    /// mismatch is reported as [`Error::BaseUnavailable`].
    pub fn base(&self, engine: &Engine, sets: &[String]) -> Result<Loaded> {
        let target = match &self.file.source {
            SourceRecord::Git { commit, .. } => Target::Ref(commit.clone()),
            _ => Target::Latest,
        };
        let located =
            remote::locate_recorded(engine, &self.file.source, &self.file.golden_path, &target)?;
        let gp = GoldenPath::load(&located)?;
        if gp.version != self.file.version && !matches!(self.file.source, SourceRecord::Git { .. })
        {
            return Err(Error::BaseUnavailable {
                root: self.root.clone(),
                golden_path: self.file.golden_path.clone(),
                version: self.file.version.clone(),
                available: gp.version.clone(),
                source_label: gp.source.to_string(),
            });
        }
        // Only answers that were never recorded (secrets) may be supplied for the base,
        // and only for parameters the recorded version has.
        let props = gp
            .parameters()
            .schema()
            .get("properties")
            .cloned()
            .unwrap_or_default();
        let sets: Vec<String> = sets
            .iter()
            .filter(|s| {
                s.split_once('=').is_some_and(|(k, _)| {
                    let k = k.trim();
                    !self.file.answers.contains_key(k) && props.get(k).is_some()
                })
            })
            .cloned()
            .collect();
        self.render_with(gp, &self.file.answers, &sets)
    }

    /// Render `gp` with `values` (validated, defaults filled) and `sets`.
    pub fn render_with(
        &self,
        gp: GoldenPath,
        values: &Map<String, Value>,
        sets: &[String],
    ) -> Result<Loaded> {
        let known: Map<String, Value> = values
            .iter()
            .filter(|(k, _)| {
                gp.parameters()
                    .schema()
                    .get("properties")
                    .and_then(|p| p.get(k.as_str()))
                    .is_some()
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let answers = gp.resolve_answers(&AnswerInput {
            values: known,
            sets: sets.to_vec(),
        })?;
        let rendered = gp.render(&answers)?;
        Ok(Loaded {
            golden_path: gp,
            answers,
            rendered,
        })
    }

    /// Read the working-tree state of `paths` (relative to the root): `None` where a
    /// path is absent. Symbolic links are read as links, never followed.
    pub fn read_paths<'a>(&self, paths: impl IntoIterator<Item = &'a String>) -> Result<Tree> {
        let paths: Vec<&String> = paths.into_iter().collect();
        // Never read through a symbolic link standing for a directory on the way: it
        // could lead outside the project.
        let links = crate::tree::LinksOnTheWay::find(&self.root, paths.iter().map(|p| p.as_str()));
        let mut out = Tree::new();
        for p in paths {
            if let Some(dir) = links.first(p) {
                return Err(Error::Usage(format!(
                    "`{}` is a symbolic link, so `{p}` may lie outside the project; replace the link with a directory",
                    to_fs_path(&self.root, dir).display()
                )));
            }
            if let Some(e) = read_entry(&to_fs_path(&self.root, p))? {
                out.insert(p.clone(), e);
            }
        }
        Ok(out)
    }
}

/// Read one path as an entry without following links; `None` if absent.
pub fn read_entry(path: &Path) -> Result<Option<Entry>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        // A path under something that is now a file does not exist either.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(Error::io("cannot read", path, e)),
    };
    if meta.file_type().is_symlink() {
        let t = std::fs::read_link(path).map_err(|e| Error::io("cannot read link", path, e))?;
        return Ok(Some(Entry {
            mode: FileMode::Symlink,
            content: t.to_string_lossy().into_owned().into_bytes(),
        }));
    }
    if meta.is_dir() {
        // A directory the template created empty may fill up: that is not drift.
        return Ok(Some(Entry {
            mode: FileMode::Dir,
            content: Vec::new(),
        }));
    }
    let content = std::fs::read(path).map_err(|e| Error::io("cannot read", path, e))?;
    Ok(Some(Entry {
        mode: FileMode::of(&meta),
        content,
    }))
}
