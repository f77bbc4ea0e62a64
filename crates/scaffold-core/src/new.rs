//! Planning `scaffold new`: compare a render with the destination, refuse what must be
//! refused, and produce the preview and the [`Plan`](crate::write::Plan) to apply.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::golden_path::render::{Dropped, Rendered};
use crate::golden_path::{Answers, GoldenPath, Policy};
use crate::project::provenance::AnswersFile;
use crate::source::SourceRecord;
use crate::tree::{Bytes, FileMode, to_fs_path};
use crate::write::Applied;
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

impl NewOptions {
    /// Where `new` writes, from what the caller gave: `into`, an existing project
    /// directory (an add-on); else `dest`; else `./<name>` from the `name` answer,
    /// which must then be a plain directory name (the default never leaves the
    /// working directory). `force` is left false.
    pub fn for_destination(
        dest: Option<&Path>,
        into: Option<&Path>,
        answers: &Answers,
    ) -> Result<NewOptions> {
        let (dest, into) = match (into, dest) {
            (Some(dir), _) if !dir.is_dir() => {
                return Err(Error::NotADirectory {
                    path: dir.to_path_buf(),
                    must_exist: true,
                });
            }
            (Some(dir), _) => (dir.to_path_buf(), true),
            (None, Some(d)) => (d.to_path_buf(), false),
            (None, None) => match answers.values.get("name").and_then(Value::as_str) {
                Some(n) if !n.is_empty() && n != "." && n != ".." && !n.contains(['/', '\\']) => {
                    (PathBuf::from(n), false)
                }
                other => {
                    return Err(Error::NoDestination {
                        name: other.map(str::to_string),
                    });
                }
            },
        };
        Ok(NewOptions {
            dest,
            force: false,
            into,
        })
    }
}

/// Answers implied by the destination, to start from before values files, settings
/// and prompts (which all win): a `name` parameter defaults to the destination's
/// directory name, as in `scaffold new go-microservice payments-api`.
pub fn implied_answers(gp: &GoldenPath, dest: Option<&Path>) -> Map<String, Value> {
    let mut out = Map::new();
    let has_name = gp.parameters().questions().iter().any(|q| q.name == "name");
    if let (true, Some(n)) = (
        has_name,
        dest.and_then(Path::file_name).and_then(|n| n.to_str()),
    ) {
        out.insert("name".to_string(), Value::String(n.to_string()));
    }
    out
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

impl EntryStatus {
    /// The report word (as in the JSON): `create`, `overwrite`, `unchanged`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Create => "create",
            EntryStatus::Overwrite => "overwrite",
            EntryStatus::Unchanged => "unchanged",
        }
    }
}

impl std::fmt::Display for EntryStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
    pub existing: BTreeMap<String, Bytes>,
    /// Content of every entry, by path (for `--diff`).
    #[serde(skip)]
    pub contents: BTreeMap<String, Bytes>,
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
fn read_existing(path: &Path) -> Option<(Bytes, FileMode)> {
    crate::project::read_entry(path)
        .ok()
        .flatten()
        .map(|e| (e.content, e.mode))
}

/// The rendered files against the destination (`fresh`: empty or absent).
#[derive(Default)]
struct Planned {
    entries: Vec<PreviewEntry>,
    overwrites: Vec<String>,
    existing: BTreeMap<String, Bytes>,
    changes: Vec<Change>,
    contents: BTreeMap<String, Bytes>,
}

impl Planned {
    /// A file of scaffold's own (enforced, never templated), as an entry.
    fn own_entry(&mut self, dest: &Path, path: &str, content: &[u8], source: &str) {
        let status = match read_existing(&to_fs_path(dest, path)) {
            None => EntryStatus::Create,
            Some((c, _)) if c == content => EntryStatus::Unchanged,
            Some((c, _)) => {
                self.existing.insert(path.to_string(), c);
                EntryStatus::Overwrite
            }
        };
        self.entries.push(PreviewEntry {
            path: path.to_string(),
            size: content.len(),
            mode: FileMode::File,
            layer: "(scaffold)".to_string(),
            source: source.to_string(),
            templated: false,
            status,
            policy: Policy::Enforced,
        });
        self.contents
            .insert(path.to_string(), Bytes::copy_from_slice(content));
    }
}

fn plan_files(gp: &GoldenPath, rendered: &Rendered, dest: &Path, fresh: bool) -> Planned {
    let mut out = Planned::default();
    let Planned {
        entries,
        overwrites,
        existing,
        changes,
        contents,
    } = &mut out;
    for (path, f) in &rendered.files {
        let status = if fresh {
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
    out
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
        || rendered
            .files
            .contains_key(crate::project::provenance::ANSWERS_DIR)
    {
        return Err(Error::Usage(format!(
            "the golden path renders `{answers_path}`, which is reserved for scaffold's answers file; rename that skeleton file"
        )));
    }
    if opts.into && !opts.force && to_fs_path(dest, &answers_path).exists() {
        return Err(Error::AlreadyApplied {
            root: dest.clone(),
            golden_path: gp.name().to_string(),
            answers_file: answers_path,
        });
    }

    let mut planned = plan_files(gp, rendered, dest, present.is_empty());
    if opts.into && !opts.force && !planned.overwrites.is_empty() {
        return Err(Error::WouldOverwrite {
            root: dest.clone(),
            paths: planned.overwrites,
        });
    }
    // The answers file is the last entry; the baseline (the pristine render, for later
    // updates) is written before it, and it is written last.
    let answers_file = AnswersFile::new(gp, answers, rendered)
        .to_yaml()
        .into_bytes();
    let baseline_path = AnswersFile::baseline_relative_path(gp.name());
    let baseline = crate::project::baseline::encode(gp, answers, rendered);
    planned.own_entry(dest, &answers_path, &answers_file, "answers file");
    planned.own_entry(dest, &baseline_path, &baseline, "baseline");
    for (path, content) in [
        (baseline_path, baseline),
        (answers_path.clone(), answers_file),
    ] {
        planned.changes.push(Change {
            path,
            op: Op::Write {
                content: content.into(),
                mode: FileMode::File,
            },
        });
    }
    let Planned {
        entries,
        overwrites,
        existing,
        changes,
        contents,
    } = planned;
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

/// The report of a written `new` (`scaffold new --format json`; see docs/json.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewReport {
    /// Golden-path name.
    pub golden_path: String,
    /// Version rendered.
    pub version: String,
    /// Destination.
    pub dest: PathBuf,
    /// Paths written.
    pub written: usize,
    /// Paths that existed with other content and were overwritten.
    pub overwritten: Vec<String>,
    /// The answers file's path in the project.
    pub answers_file: String,
    /// The first commit of the new repository, when one was made.
    pub git_commit: Option<String>,
}

/// One entry of a [`NewPreview`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewRow {
    /// The entry.
    #[serde(flatten)]
    pub entry: PreviewEntry,
    /// With contents asked for: the content (lossy UTF-8), `null` when unknown;
    /// absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Option<String>>,
}

/// The report of `new --dry-run` (`--format json`; see docs/json.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewPreview {
    /// Golden-path name.
    pub golden_path: String,
    /// Version rendered.
    pub version: String,
    /// Where the golden path came from.
    pub source: SourceRecord,
    /// Destination.
    pub dest: PathBuf,
    /// Always true: nothing was written.
    pub dry_run: bool,
    /// Every output path.
    pub entries: Vec<PreviewRow>,
    /// Skeleton entries left out, and why.
    pub dropped: Vec<Dropped>,
    /// Paths that exist with other content and would be overwritten.
    pub overwrites: Vec<String>,
}

impl NewPlan {
    /// The report after [`apply`](crate::write::apply), with the first commit if one was made.
    pub fn report(&self, applied: &Applied, git_commit: Option<String>) -> NewReport {
        NewReport {
            golden_path: self.golden_path.clone(),
            version: self.version.clone(),
            dest: self.dest.clone(),
            written: applied.written,
            overwritten: self.overwrites.clone(),
            answers_file: self.answers_file.clone(),
            git_commit,
        }
    }

    /// The dry-run report; `with_content` adds each entry's content.
    pub fn preview(&self, source: &SourceRecord, with_content: bool) -> NewPreview {
        let entries = self
            .entries
            .iter()
            .map(|e| PreviewRow {
                entry: e.clone(),
                content: with_content.then(|| {
                    self.contents
                        .get(&e.path)
                        .map(|c| String::from_utf8_lossy(c).into_owned())
                }),
            })
            .collect();
        NewPreview {
            golden_path: self.golden_path.clone(),
            version: self.version.clone(),
            source: source.clone(),
            dest: self.dest.clone(),
            dry_run: true,
            entries,
            dropped: self.dropped.clone(),
            overwrites: self.overwrites.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(name: Option<&str>) -> Answers {
        let mut a = Answers::default();
        if let Some(n) = name {
            a.values.insert("name".into(), Value::String(n.into()));
        }
        a
    }

    #[test]
    fn destination_defaults_to_a_plain_name() {
        let o = NewOptions::for_destination(None, None, &answers(Some("svc"))).unwrap();
        assert_eq!(
            (o.dest, o.into, o.force),
            (PathBuf::from("svc"), false, false)
        );
        for bad in ["", ".", "..", "a/b", "a\\b", "/abs"] {
            let e = NewOptions::for_destination(None, None, &answers(Some(bad))).unwrap_err();
            assert!(
                matches!(&e, Error::NoDestination { name: Some(n) } if n == bad),
                "{bad}: {e:?}"
            );
        }
        let e = NewOptions::for_destination(None, None, &answers(None)).unwrap_err();
        assert!(matches!(e, Error::NoDestination { name: None }), "{e:?}");
    }

    #[test]
    fn dest_wins_over_the_name_and_into_must_exist() {
        let tmp = tempfile::tempdir().unwrap();
        let o =
            NewOptions::for_destination(Some(Path::new("x")), None, &answers(Some("svc"))).unwrap();
        assert_eq!((o.dest, o.into), (PathBuf::from("x"), false));
        let o = NewOptions::for_destination(Some(Path::new("x")), Some(tmp.path()), &answers(None))
            .unwrap();
        assert_eq!((o.dest.as_path(), o.into), (tmp.path(), true));
        let missing = tmp.path().join("missing");
        let e = NewOptions::for_destination(None, Some(&missing), &answers(None)).unwrap_err();
        assert!(
            matches!(&e, Error::NotADirectory { path, must_exist: true } if *path == missing),
            "{e:?}"
        );
    }
}
