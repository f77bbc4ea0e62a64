//! Planning `scaffold new`: compare a render with the destination, refuse what must be
//! refused, and produce the preview and the [`Plan`](crate::write::Plan) to apply.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::golden_path::{Answers, GoldenPath, Policy};
use crate::provenance::AnswersFile;
use crate::render::{Dropped, Rendered};
use crate::tree::{FileMode, to_fs_path};
use crate::write::{Change, Op, Plan};

/// How `new` treats the destination.
#[derive(Debug, Clone, Default)]
pub struct NewOptions {
    /// Where to write.
    pub dest: PathBuf,
    /// Overwrite existing files that differ.
    pub force: bool,
    /// Apply to an existing project (an add-on): existing files are fine where they
    /// are identical; differing ones need `force`.
    pub into: bool,
}

/// What will happen to one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryStatus {
    /// New path.
    Create,
    /// Replaces a different existing file.
    Overwrite,
    /// Already there with the same content and mode.
    Unchanged,
}

/// One row of the preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewEntry {
    /// Output path.
    pub path: String,
    /// Size in bytes.
    pub size: usize,
    /// Mode.
    pub mode: FileMode,
    /// Skeleton layer that produced it.
    pub layer: String,
    /// Skeleton file, relative to its layer.
    pub source: String,
    /// Rendered (`.tera`) or copied.
    pub templated: bool,
    /// Create, overwrite or unchanged.
    pub status: EntryStatus,
    /// Policy of the path.
    pub policy: Policy,
}

/// The plan and preview of `scaffold new`.
#[derive(Debug, Clone, Serialize)]
pub struct NewPlan {
    /// Golden-path name.
    pub golden_path: String,
    /// Version rendered.
    pub version: String,
    /// Destination.
    pub dest: PathBuf,
    /// Every output path (the answers file included, last).
    pub entries: Vec<PreviewEntry>,
    /// Skeleton entries left out, and why.
    pub dropped: Vec<Dropped>,
    /// Paths that exist with other content and will be overwritten.
    pub overwrites: Vec<String>,
    /// The answers file's path in the project.
    pub answers_file: String,
    /// What to write.
    #[serde(skip)]
    pub plan: Plan,
    /// What the overwritten paths hold now (for `--diff`).
    #[serde(skip)]
    pub existing: BTreeMap<String, Vec<u8>>,
    /// Content of every entry, by path (for `--diff`).
    #[serde(skip)]
    pub contents: BTreeMap<String, Vec<u8>>,
}

fn existing_entries(dest: &Path) -> Result<Vec<String>> {
    match std::fs::read_dir(dest) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            // DEST itself, or one of its parents, is a file: name the file.
            let file = dest
                .ancestors()
                .find(|a| std::fs::symlink_metadata(a).is_ok_and(|m| !m.is_dir()))
                .unwrap_or(dest);
            Err(Error::Usage(if file == dest {
                format!(
                    "destination `{}` is a file, not a directory",
                    dest.display()
                )
            } else {
                format!(
                    "`{}` is a file, so destination `{}` cannot be created inside it",
                    file.display(),
                    dest.display()
                )
            }))
        }
        Err(e) => Err(Error::io("cannot read destination", dest, e)),
        Ok(it) => {
            let mut v: Vec<String> = it
                .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect();
            v.sort();
            Ok(v)
        }
    }
}

/// What a path holds now (content and mode), read without following links.
fn read_existing(path: &Path) -> Option<(Vec<u8>, FileMode)> {
    crate::project::read_entry(path)
        .ok()
        .flatten()
        .map(|e| (e.content, e.mode))
}

/// Plan writing `rendered` to `opts.dest`, with the answers file last.
pub fn plan_new(
    gp: &GoldenPath,
    answers: &Answers,
    rendered: &Rendered,
    opts: &NewOptions,
) -> Result<NewPlan> {
    let dest = &opts.dest;
    let present = existing_entries(dest)?;
    if !present.is_empty() && !opts.force && !opts.into {
        return Err(Error::DestinationNotEmpty {
            path: dest.clone(),
            entries: present,
        });
    }
    let answers_path = AnswersFile::relative_path(gp.name());
    if rendered.files.contains_key(&answers_path)
        || rendered.files.contains_key(crate::provenance::ANSWERS_DIR)
    {
        return Err(Error::Usage(format!(
            "the golden path renders `{answers_path}`, which is reserved for scaffold's answers file; rename that skeleton file"
        )));
    }
    if opts.into && !opts.force && to_fs_path(dest, &answers_path).exists() {
        return Err(Error::Usage(format!(
            "`{}` already has golden path `{}` applied ({answers_path}); use `scaffold update` to change it, or --force to apply it again",
            dest.display(),
            gp.name()
        )));
    }

    let mut entries = Vec::new();
    let mut overwrites = Vec::new();
    let mut existing = BTreeMap::new();
    let mut changes = Vec::new();
    let mut contents = BTreeMap::new();
    for (path, f) in &rendered.files {
        let status = if present.is_empty() {
            EntryStatus::Create
        } else {
            match read_existing(&to_fs_path(dest, path)) {
                None => EntryStatus::Create,
                Some((c, m)) if c == f.content && m == f.mode => EntryStatus::Unchanged,
                Some((c, _)) => {
                    existing.insert(path.clone(), c);
                    EntryStatus::Overwrite
                }
            }
        };
        if status == EntryStatus::Overwrite {
            overwrites.push(path.clone());
        }
        if status != EntryStatus::Unchanged {
            changes.push(Change {
                path: path.clone(),
                op: Op::Write {
                    content: f.content.clone(),
                    mode: f.mode,
                },
            });
        }
        contents.insert(path.clone(), f.content.clone());
        entries.push(PreviewEntry {
            path: path.clone(),
            size: f.content.len(),
            mode: f.mode,
            layer: f.layer.clone(),
            source: f.source.clone(),
            templated: f.templated,
            status,
            policy: gp.policy().of(path),
        });
    }
    if opts.into && !opts.force && !overwrites.is_empty() {
        return Err(Error::WouldOverwrite {
            root: dest.clone(),
            paths: overwrites,
        });
    }
    let answers_file = AnswersFile::new(gp, answers, rendered)
        .to_yaml()
        .into_bytes();
    let answers_status = match read_existing(&to_fs_path(dest, &answers_path)) {
        None => EntryStatus::Create,
        Some((c, _)) if c == answers_file => EntryStatus::Unchanged,
        Some((c, _)) => {
            existing.insert(answers_path.clone(), c);
            EntryStatus::Overwrite
        }
    };
    entries.push(PreviewEntry {
        path: answers_path.clone(),
        size: answers_file.len(),
        mode: FileMode::File,
        layer: "(scaffold)".to_string(),
        source: "answers file".to_string(),
        templated: false,
        status: answers_status,
        policy: Policy::Enforced,
    });
    // The baseline (the pristine render, for later updates), then the answers file.
    let baseline_path = AnswersFile::baseline_relative_path(gp.name());
    let baseline = crate::baseline::encode(gp, answers, rendered);
    let baseline_status = match read_existing(&to_fs_path(dest, &baseline_path)) {
        None => EntryStatus::Create,
        Some((c, _)) if c == baseline => EntryStatus::Unchanged,
        Some((c, _)) => {
            existing.insert(baseline_path.clone(), c);
            EntryStatus::Overwrite
        }
    };
    entries.push(PreviewEntry {
        path: baseline_path.clone(),
        size: baseline.len(),
        mode: FileMode::File,
        layer: "(scaffold)".to_string(),
        source: "baseline".to_string(),
        templated: false,
        status: baseline_status,
        policy: Policy::Enforced,
    });
    contents.insert(baseline_path.clone(), baseline.clone());
    changes.push(Change {
        path: baseline_path,
        op: Op::Write {
            content: baseline,
            mode: FileMode::File,
        },
    });
    contents.insert(answers_path.clone(), answers_file.clone());
    changes.push(Change {
        path: answers_path.clone(),
        op: Op::Write {
            content: answers_file,
            mode: FileMode::File,
        },
    });
    Ok(NewPlan {
        golden_path: gp.name().to_string(),
        version: gp.version.clone(),
        dest: dest.clone(),
        entries,
        dropped: rendered.dropped.clone(),
        overwrites,
        answers_file: answers_path,
        plan: Plan {
            root: dest.clone(),
            changes,
        },
        existing,
        contents,
    })
}
