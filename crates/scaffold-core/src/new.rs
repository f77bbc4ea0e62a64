//! Planning `scaffold new`: compare a render with the destination, refuse what must be
//! refused, and produce the preview and the [`Plan`](crate::write::Plan) to apply.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::golden_path::render::{Dropped, Rendered};
use crate::golden_path::{Answers, GoldenPath, Policy};
use crate::merge::MergeLabels;
use crate::project::provenance::{ANSWERS_DIR, AnswersFile};
use crate::project::{Pristine, PristineOptions, Project};
use crate::source::SourceRecord;
use crate::tree::{Bytes, Entry, FileMode, to_fs_path};
use crate::update::{Decision, classify, merge_entry};
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

/// The project add-on `gp` is applied to in `dir`: the answers file in `dir/.scaffold/`
/// of one of the golden paths the add-on applies to (`spec.appliesTo`; add-ons applied
/// there before are not hosts). [`Error::AddOnApplied`] when the add-on is applied to
/// `dir` already, [`Error::NotApplicable`] when `dir` is no project of a supported golden
/// path. Reads only answers files.
pub fn find_host(gp: &GoldenPath, dir: &Path) -> Result<Project> {
    let own = AnswersFile::relative_path(gp.name());
    if to_fs_path(dir, &own).exists() {
        return Err(Error::AddOnApplied {
            root: dir.to_path_buf(),
            add_on: gp.name().to_string(),
            answers_file: own,
        });
    }
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir.join(ANSWERS_DIR)) {
        Ok(it) => it
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml") && p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let mut found = Vec::new();
    for f in files {
        let project = Project::open(&f)?;
        if project.file.host.is_some() {
            continue; // an add-on applied earlier
        }
        if gp.applies_to().contains(&project.file.golden_path) {
            return Ok(project);
        }
        found.push(project.file.golden_path.clone());
    }
    Err(Error::NotApplicable {
        root: dir.to_path_buf(),
        add_on: gp.name().to_string(),
        found,
        applies_to: gp.applies_to().to_vec(),
    })
}

/// The answers an add-on starts from when applied to `host` (before values files,
/// settings and prompts, which all win): the host's recorded answers of every parameter
/// the add-on declares too (`name`, `owner`, ...), `host` (the host's golden path) and,
/// when the add-on declares it, `host_version` (the host's recorded version).
pub fn host_answers(gp: &GoldenPath, host: &Project) -> Map<String, Value> {
    let declared: Vec<String> = gp
        .parameters()
        .questions()
        .into_iter()
        .map(|q| q.name)
        .collect();
    let mut out: Map<String, Value> = host
        .file
        .answers
        .iter()
        .filter(|(k, _)| declared.contains(k) && !matches!(k.as_str(), "host" | "host_version"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.insert(
        "host".to_string(),
        Value::String(host.file.golden_path.clone()),
    );
    if declared.iter().any(|d| d == "host_version") {
        out.insert(
            "host_version".to_string(),
            Value::String(host.file.version.clone()),
        );
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
    /// An add-on's change to a file of its host, three-way merged into the working
    /// file (base: the host's pristine render) without conflict.
    Merge,
    /// As `merge`, with conflict markers (or, for a binary, ours kept and theirs
    /// written to `PATH.theirs`).
    Conflict,
    /// An add-on's change to a host file the user deleted: left deleted.
    Kept,
}

impl EntryStatus {
    /// The report word (as in the JSON): `create`, `overwrite`, `unchanged`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryStatus::Create => "create",
            EntryStatus::Overwrite => "overwrite",
            EntryStatus::Unchanged => "unchanged",
            EntryStatus::Merge => "merge",
            EntryStatus::Conflict => "conflict",
            EntryStatus::Kept => "kept",
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
    /// For an add-on: the golden path of the project it is applied to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// For an add-on: host files its changes were merged into cleanly.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<String>,
    /// For an add-on: host files merged with conflicts (markers, or `PATH.theirs`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
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
            Err(Error::DestinationIsFile {
                dest: dest.to_path_buf(),
                file: file.to_path_buf(),
            })
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
    merged: Vec<String>,
    conflicts: Vec<String>,
}

impl Planned {
    /// A file of scaffold's own (enforced, never templated), as an entry.
    fn own_entry(&mut self, dest: &Path, path: &str, content: &Bytes, source: &str) {
        let status = match read_existing(&to_fs_path(dest, path)) {
            None => EntryStatus::Create,
            Some((c, _)) if c == *content => EntryStatus::Unchanged,
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
        self.contents.insert(path.to_string(), content.clone());
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
        ..
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

/// An add-on's render against its host: paths the host did not generate are planned as
/// for any `--into` (created, or overwrites refused without `force`); a path the host
/// generated is the three-way merge of update (SPEC section 6, `update::classify`) with
/// base = the host's pristine render (its baseline), ours = the working tree, theirs = the
/// add-on's render, so the add-on's change lands and a local edit survives.
fn plan_add_on_files(
    gp: &GoldenPath,
    rendered: &Rendered,
    dest: &Path,
    host: &Project,
    pristine: &Pristine,
) -> Result<Planned> {
    let mut out = Planned::default();
    let mut enforced = Vec::new();
    let label_base = format!("base {} {}", host.file.golden_path, host.file.version);
    let label_theirs = format!("theirs {} {}", gp.name(), gp.version);
    let labels = MergeLabels {
        ours: "ours",
        base: &label_base,
        theirs: &label_theirs,
    };
    for (path, f) in &rendered.files {
        let Some(recorded) = host.file.manifest.get(path) else {
            continue; // planned below as any --into path
        };
        let theirs = Entry {
            mode: f.mode,
            content: f.content.clone(),
        };
        let base = pristine.entries.get(path);
        if recorded.policy == Policy::Enforced && !base.is_some_and(|b| b.same(&theirs)) {
            enforced.push(path.clone());
            continue;
        }
        let ours = crate::project::read_entry(&to_fs_path(dest, path))?;
        let sides = Sides {
            base,
            ours: ours.as_ref(),
            theirs: &theirs,
        };
        let status = merge_into_host(&mut out, dest, path, &sides, labels)?;
        if let Some(o) = &ours {
            if !matches!(status, EntryStatus::Unchanged | EntryStatus::Kept) {
                out.existing.insert(path.clone(), o.content.clone());
            }
        }
        match status {
            EntryStatus::Merge => out.merged.push(path.clone()),
            EntryStatus::Conflict => out.conflicts.push(path.clone()),
            _ => {}
        }
        if let Some(Change {
            op: Op::Write { content, .. },
            ..
        }) = out.changes.iter().rev().find(|c| c.path == *path)
        {
            out.contents.insert(path.clone(), content.clone());
        } else {
            out.contents.insert(path.clone(), f.content.clone());
        }
        out.entries.push(PreviewEntry {
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
    if !enforced.is_empty() {
        return Err(Error::AddOnChangesEnforced {
            add_on: gp.name().to_string(),
            host: host.file.golden_path.clone(),
            paths: enforced,
        });
    }
    Ok(out)
}

/// The three sides of a host file an add-on also renders.
struct Sides<'a> {
    /// The host's pristine version.
    base: Option<&'a crate::project::PristineEntry>,
    /// The working tree's.
    ours: Option<&'a Entry>,
    /// The add-on's.
    theirs: &'a Entry,
}

/// Plan one host file the add-on also renders: the add-on's version taken, merged
/// three-way, or (a binary changed on both sides) ours kept with theirs beside it.
fn merge_into_host(
    out: &mut Planned,
    dest: &Path,
    path: &str,
    sides: &Sides<'_>,
    labels: MergeLabels<'_>,
) -> Result<EntryStatus> {
    let Sides { base, ours, theirs } = *sides;
    let mut write = |content: Bytes, mode: FileMode| {
        out.changes.push(Change {
            path: path.to_string(),
            op: Op::Write { content, mode },
        });
    };
    let decision = if base.is_some_and(|b| b.same(theirs)) {
        Decision::Skip // the add-on's version is the host's: nothing to merge
    } else {
        classify(base, ours, Some(theirs), Policy::Merged)
    };
    Ok(match decision {
        Decision::Skip => EntryStatus::Unchanged,
        Decision::Keep { .. } => EntryStatus::Kept,
        Decision::Take { .. } => {
            write(theirs.content.clone(), theirs.mode);
            match ours {
                None => EntryStatus::Create,
                Some(_) => EntryStatus::Merge,
            }
        }
        Decision::Merge => {
            let o = ours.expect("classify merges only what exists");
            match merge_entry(base, o, theirs, labels) {
                Some((merged, conflicts)) => {
                    write(merged.content, merged.mode);
                    if conflicts == 0 {
                        EntryStatus::Merge
                    } else {
                        EntryStatus::Conflict
                    }
                }
                None => {
                    // A binary: ours kept, theirs beside it when that is free.
                    let beside = format!("{path}.theirs");
                    if crate::project::read_entry(&to_fs_path(dest, &beside))?.is_none() {
                        write_beside(out, beside, theirs);
                    }
                    EntryStatus::Conflict
                }
            }
        }
    })
}

fn write_beside(out: &mut Planned, beside: String, theirs: &Entry) {
    out.changes.push(Change {
        path: beside,
        op: Op::Write {
            content: theirs.content.clone(),
            mode: theirs.mode,
        },
    });
}

/// An add-on's host, checked: `new` applies an add-on only `into` a project of a golden
/// path it applies to, and only with the host's golden path as its `host` answer.
/// `None` for a golden path that is no add-on.
fn checked_host(gp: &GoldenPath, answers: &Answers, opts: &NewOptions) -> Result<Option<Project>> {
    if !gp.is_add_on() {
        return Ok(None);
    }
    let dest = &opts.dest;
    let host = find_host(gp, dest)?;
    if !opts.into {
        return Err(Error::NotApplicable {
            root: dest.clone(),
            add_on: gp.name().to_string(),
            found: vec![host.file.golden_path],
            applies_to: gp.applies_to().to_vec(),
        });
    }
    let given = answers.values.get("host").and_then(Value::as_str);
    if given != Some(host.file.golden_path.as_str()) {
        return Err(Error::InvalidAnswers {
            problems: vec![crate::error::AnswerProblem {
                pointer: "/host".to_string(),
                message: format!(
                    "is `{}`, but the project is a `{}` project: the engine answers `host` with the host's golden path; leave it unset",
                    given.unwrap_or_default(),
                    host.file.golden_path
                ),
                description: None,
                hint: None,
                location: None,
            }],
        });
    }
    Ok(Some(host))
}

/// The files of an add-on on its host: the host's own paths merged three-way against
/// its pristine render (its baseline; a format-1 host is reconstructed from the
/// built-in library and its git history), the others planned as for `into`.
fn plan_on_host(
    gp: &GoldenPath,
    rendered: &Rendered,
    dest: &Path,
    host: &Project,
) -> Result<Planned> {
    let pristine = host.pristine(&crate::Engine::new(), &PristineOptions::default())?;
    let mut on_host = plan_add_on_files(gp, rendered, dest, host, &pristine)?;
    let rest = Rendered {
        files: rendered
            .files
            .iter()
            .filter(|(p, _)| !host.file.manifest.contains_key(*p))
            .map(|(p, f)| (p.clone(), f.clone()))
            .collect(),
        dropped: Vec::new(),
    };
    let other = plan_files(gp, &rest, dest, false);
    on_host.entries.extend(other.entries);
    on_host.entries.sort_by(|a, b| a.path.cmp(&b.path));
    on_host.overwrites = other.overwrites;
    on_host.existing.extend(other.existing);
    on_host.changes.extend(other.changes);
    on_host.contents.extend(other.contents);
    Ok(on_host)
}

/// [`plan_new`] as the [`Stage::Plan`](crate::progress::Stage) stage of `observer`.
pub fn plan_new_with(
    gp: &GoldenPath,
    answers: &Answers,
    rendered: &Rendered,
    opts: &NewOptions,
    observer: &dyn crate::progress::Observer,
) -> Result<NewPlan> {
    crate::progress::stage(observer, crate::progress::Stage::Plan, None, || {
        plan_new(gp, answers, rendered, opts)
    })
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
    // An add-on goes into a project of a golden path it applies to, once.
    let host = checked_host(gp, answers, opts)?;
    if opts.into && !opts.force && to_fs_path(dest, &answers_path).exists() {
        return Err(Error::AlreadyApplied {
            root: dest.clone(),
            golden_path: gp.name().to_string(),
            answers_file: answers_path,
        });
    }

    // scaffold's own files do not depend on the plan: they are made while it is.
    let (planned, state) = rayon::join(
        || match &host {
            Some(host) => plan_on_host(gp, rendered, dest, host),
            None => Ok(plan_files(gp, rendered, dest, present.is_empty())),
        },
        || state_files(gp, answers, rendered),
    );
    let mut planned = planned?;
    if opts.into && !opts.force && !planned.overwrites.is_empty() {
        return Err(Error::WouldOverwrite {
            root: dest.clone(),
            paths: planned.overwrites,
        });
    }
    add_state_files(&mut planned, gp, state, dest);
    let Planned {
        entries,
        overwrites,
        existing,
        changes,
        contents,
        merged,
        conflicts,
    } = planned;
    Ok(NewPlan {
        golden_path: gp.name().to_string(),
        version: gp.version.clone(),
        dest: dest.clone(),
        entries,
        dropped: rendered.dropped.clone(),
        overwrites,
        answers_file: answers_path,
        host: host.map(|h| h.file.golden_path),
        merged,
        conflicts,
        plan: Plan {
            root: dest.clone(),
            changes,
        },
        existing,
        contents,
    })
}

/// scaffold's own files: the answers file and the baseline (the pristine render, for
/// later updates), made side by side.
struct StateFiles {
    answers_file: Bytes,
    baseline: Bytes,
}

fn state_files(gp: &GoldenPath, answers: &Answers, rendered: &Rendered) -> StateFiles {
    let (answers_file, baseline) = rayon::join(
        || {
            AnswersFile::new(gp, answers, rendered)
                .to_yaml()
                .into_bytes()
        },
        || crate::project::baseline::encode(gp, answers, rendered),
    );
    StateFiles {
        answers_file: answers_file.into(),
        baseline: baseline.into(),
    }
}

/// scaffold's own files, last: the baseline, then the answers file, which is the last
/// entry and is written last.
fn add_state_files(planned: &mut Planned, gp: &GoldenPath, state: StateFiles, dest: &Path) {
    let answers_path = AnswersFile::relative_path(gp.name());
    let baseline_path = AnswersFile::baseline_relative_path(gp.name());
    planned.own_entry(dest, &answers_path, &state.answers_file, "answers file");
    planned.own_entry(dest, &baseline_path, &state.baseline, "baseline");
    for (path, content) in [
        (baseline_path, state.baseline),
        (answers_path, state.answers_file),
    ] {
        planned.changes.push(Change {
            path,
            op: Op::Write {
                content,
                mode: FileMode::File,
            },
        });
    }
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
    /// For an add-on: the golden path of the project it was applied to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// For an add-on: host files its changes were merged into cleanly.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<String>,
    /// For an add-on: host files merged with conflicts, to resolve as after an update.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
    /// The golden path's hooks that belong to `new`, run or not ([`run_new_hooks`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<crate::hooks::HookReport>,
    /// The commit of what the hooks changed, when `new` made the repository, every
    /// hook passed and they changed something.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hooks_commit: Option<String>,
}

/// What [`run_new_hooks`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewHooks {
    /// One report per hook of `new`.
    pub reports: Vec<crate::hooks::HookReport>,
    /// The second commit, with what the hooks changed.
    pub commit: Option<String>,
}

impl NewReport {
    /// The report with what the hooks did.
    pub fn with_hooks(mut self, hooks: NewHooks) -> NewReport {
        self.hooks = hooks.reports;
        self.hooks_commit = hooks.commit;
        self
    }
}

/// Run the golden path's `new` hooks in the written project ([`crate::hooks`]), once,
/// after [`apply_new`]: in the project at its place (never in the staging directory),
/// after the first commit, which therefore holds exactly the golden path's files.
/// When `new` made that commit (`first_commit`) and every hook passed, what they
/// changed is committed too, so nothing is left uncommitted; after a failure the
/// changes stay in the work tree to look at. Not trusted: nothing runs, and each hook
/// is reported as untrusted.
pub fn run_new_hooks(
    gp: &GoldenPath,
    plan: &NewPlan,
    first_commit: Option<&str>,
    trusted: bool,
    observer: &dyn crate::progress::Observer,
) -> Result<NewHooks> {
    let reports = crate::hooks::run_hooks(
        &gp.definition.spec.hooks,
        crate::hooks::HookStage::New,
        &plan.dest,
        gp.name(),
        trusted,
        observer,
    );
    let ran = reports
        .iter()
        .any(|r| r.status == crate::hooks::HookStatus::Passed);
    let commit = if first_commit.is_some() && ran && !crate::hooks::any_failed(&reports) {
        crate::project::vcs::commit_all(
            &plan.dest,
            &format!("Run the hooks of golden path {}", gp.name()),
        )?
    } else {
        None
    };
    Ok(NewHooks { reports, commit })
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
            host: self.host.clone(),
            merged: self.merged.clone(),
            conflicts: self.conflicts.clone(),
            hooks: Vec::new(),
            hooks_commit: None,
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

/// The answers `new` starts from, before values files, settings and prompts: for an
/// add-on the host's ([`host_answers`]; an add-on goes `into` an existing project, so
/// without one it is [`Error::AddOnNeedsProject`], and [`find_host`] refuses a project
/// it does not apply to); else the answers implied by `dest` ([`implied_answers`]).
pub fn starting_answers(
    gp: &GoldenPath,
    dest: Option<&Path>,
    into: Option<&Path>,
) -> Result<Map<String, Value>> {
    if !gp.is_add_on() {
        return Ok(implied_answers(gp, dest));
    }
    let Some(dir) = into else {
        return Err(Error::AddOnNeedsProject {
            add_on: gp.name().to_string(),
            applies_to: gp.applies_to().to_vec(),
        });
    };
    let host = find_host(gp, dir)?;
    Ok(host_answers(gp, &host))
}

/// Whether `new` makes `dest` a git repository with a first commit: unless the caller
/// asks for none, never when applying `into` an existing project, and never inside a
/// work tree (asked from `dest`'s nearest existing ancestor).
pub fn wants_git(dest: &Path, into: bool, no_git: bool) -> bool {
    if no_git || into {
        return false;
    }
    let nearest = dest
        .ancestors()
        .find(|a| a.as_os_str().is_empty() || a.exists())
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .unwrap_or(Path::new("."));
    !crate::project::vcs::inside_work_tree(nearest)
}

/// The message of the first commit `new` makes.
pub fn commit_message(gp: &GoldenPath) -> String {
    format!(
        "Generate from golden path {} {}\n\nCreated by scaffold {}.",
        gp.name(),
        gp.version,
        crate::ENGINE_VERSION
    )
}

/// Write the plan of `new`, and with `git` give the project its repository and first
/// commit ([`commit_message`]): a fresh tree gets them in the staging directory, before
/// it becomes visible (a failure there leaves nothing behind); a tree written in place
/// gets them afterwards. Returns what was written and the commit made, if any.
pub fn apply_new(
    gp: &GoldenPath,
    plan: &NewPlan,
    git: bool,
    after_write: Option<crate::write::WriteHook<'_>>,
) -> Result<(Applied, Option<String>)> {
    apply_new_with(gp, plan, git, after_write, &crate::progress::Silent)
}

/// [`apply_new`], telling `observer` of the [`Stage::Write`](crate::progress::Stage)
/// (each file written) and [`Stage::Commit`](crate::progress::Stage) stages.
pub fn apply_new_with(
    gp: &GoldenPath,
    plan: &NewPlan,
    git: bool,
    after_write: Option<crate::write::WriteHook<'_>>,
    observer: &dyn crate::progress::Observer,
) -> Result<(Applied, Option<String>)> {
    use crate::progress::{Event, Stage};
    let message = commit_message(gp);
    let precompressed = precompressed(gp, plan);
    let commit = std::sync::Mutex::new(None::<String>);
    // The write stage ends once: before the commit in the staging directory, or after
    // the write.
    let write_over = std::sync::atomic::AtomicBool::new(false);
    let finish_write = || {
        if !write_over.swap(true, std::sync::atomic::Ordering::Relaxed) {
            observer.event(&Event::Finish {
                stage: Stage::Write,
            });
        }
    };
    let init = |staging: &Path| -> Result<()> {
        if git {
            finish_write();
            let id = crate::progress::stage(observer, Stage::Commit, None, || {
                crate::project::vcs::init_and_commit(staging, &message, &precompressed)
            })?;
            *commit.lock().expect("not poisoned") = Some(id);
        }
        Ok(())
    };
    let counted = |written: usize| -> Result<()> {
        observer.event(&Event::Advance {
            stage: Stage::Write,
            done: written,
        });
        after_write.map_or(Ok(()), |h| h(written))
    };
    let opts = crate::write::ApplyOptions {
        after_write: Some(&counted),
        before_publish: Some(&init),
    };
    observer.event(&Event::Start {
        stage: Stage::Write,
        total: Some(plan.plan.changes.len()),
    });
    let applied = crate::write::apply_with(&plan.plan, &opts);
    finish_write();
    let staged_commit = commit.lock().expect("not poisoned").take();
    let applied = applied?;
    let made = if applied.staged {
        staged_commit
    } else if git {
        Some(crate::progress::stage(
            observer,
            Stage::Commit,
            None,
            || crate::project::vcs::init_and_commit(&plan.dest, &message, &precompressed),
        )?)
    } else {
        None
    };
    Ok((applied, made))
}

/// The plan's files that are compressed already, for the first commit: the baseline.
fn precompressed<'a>(
    gp: &GoldenPath,
    plan: &'a NewPlan,
) -> Vec<crate::project::vcs::Precompressed<'a>> {
    let baseline = AnswersFile::baseline_relative_path(gp.name());
    plan.plan
        .changes
        .iter()
        .filter(|c| c.path == baseline)
        .filter_map(|c| match &c.op {
            Op::Write { content, .. } => Some(crate::project::vcs::Precompressed {
                path: &c.path,
                content,
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golden_path::AnswerInput;

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

    fn fixture(name: &str) -> GoldenPath {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/golden-paths")
            .join(name)
            .join("golden-path.yaml");
        GoldenPath::load(&crate::source::local_definition(&file)).unwrap()
    }

    fn write_new(gp: &GoldenPath, answers: &Answers, dest: &Path, into: bool) -> Result<NewPlan> {
        let rendered = gp.render(answers)?;
        let opts = NewOptions {
            dest: dest.to_path_buf(),
            force: false,
            into,
        };
        let plan = plan_new(gp, answers, &rendered, &opts)?;
        crate::write::apply(&plan.plan)?;
        Ok(plan)
    }

    #[test]
    fn an_add_on_finds_its_host_merges_three_way_and_applies_once() {
        let tmp = tempfile::tempdir().unwrap();
        let svc = tmp.path().join("svc");
        let (host, add_on) = (fixture("addon-host"), fixture("addon-db"));
        assert!(add_on.is_add_on() && !host.is_add_on());
        // Not a project yet: not applicable, naming no golden path.
        std::fs::create_dir(&svc).unwrap();
        let e = find_host(&add_on, &svc).unwrap_err();
        assert!(
            matches!(&e, Error::NotApplicable { found, applies_to, .. } if found.is_empty() && applies_to == &["svc-host"]),
            "{e:?}"
        );
        assert_eq!(e.kind(), crate::ErrorKind::NotApplicable);
        std::fs::remove_dir(&svc).unwrap();

        let mut input = AnswerInput::default();
        input.values.insert("name".into(), "svc".into());
        input.values.insert("owner".into(), "team-a".into());
        write_new(&host, &host.resolve_answers(&input).unwrap(), &svc, false).unwrap();
        // A local edit of the file the add-on extends.
        std::fs::write(
            svc.join("deps.txt"),
            "mine
alpha
beta
gamma
",
        )
        .unwrap();

        let project = find_host(&add_on, &svc).unwrap();
        let implied = host_answers(&add_on, &project);
        assert_eq!(
            Value::Object(implied.clone()),
            serde_json::json!({"name": "svc", "owner": "team-a", "host": "svc-host"})
        );
        let answers = add_on
            .resolve_answers(&AnswerInput {
                values: implied,
                sets: Vec::new(),
            })
            .unwrap();
        // Without --into the add-on is refused, and nothing is planned.
        let rendered = add_on.render(&answers).unwrap();
        let e = plan_new(
            &add_on,
            &answers,
            &rendered,
            &NewOptions {
                dest: svc.clone(),
                force: true,
                into: false,
            },
        )
        .unwrap_err();
        assert!(matches!(e, Error::NotApplicable { .. }), "{e:?}");

        let plan = write_new(&add_on, &answers, &svc, true).unwrap();
        assert_eq!(plan.host.as_deref(), Some("svc-host"));
        assert_eq!(plan.merged, ["catalog.yaml", "deps.txt"]);
        assert!(plan.conflicts.is_empty());
        assert_eq!(
            std::fs::read_to_string(svc.join("deps.txt")).unwrap(),
            "mine
alpha
beta
gamma
db-driver
"
        );
        let recorded = AnswersFile::read(&svc.join(".scaffold/add-db.yaml")).unwrap();
        assert_eq!(recorded.host.as_deref(), Some("svc-host"));
        // The add-on's manifest holds its own render, not the merge.
        assert_eq!(
            recorded.manifest["deps.txt"].hash,
            crate::tree::hash_bytes(b"alpha\nbeta\ngamma\ndb-driver\n")
        );

        // A second time: refused before anything is planned.
        let e = find_host(&add_on, &svc).unwrap_err();
        assert!(matches!(e, Error::AddOnApplied { .. }), "{e:?}");
        assert_eq!(e.kind(), crate::ErrorKind::AlreadyApplied);
        let e = plan_new(
            &add_on,
            &answers,
            &rendered,
            &NewOptions {
                dest: svc.clone(),
                force: true,
                into: true,
            },
        )
        .unwrap_err();
        assert!(matches!(e, Error::AddOnApplied { .. }), "{e:?}");
    }

    #[test]
    fn an_add_on_refuses_a_host_answer_that_is_not_the_hosts() {
        let tmp = tempfile::tempdir().unwrap();
        let svc = tmp.path().join("svc");
        let (host, add_on) = (fixture("addon-host"), fixture("addon-db"));
        let mut input = AnswerInput::default();
        input.values.insert("name".into(), "svc".into());
        input.values.insert("owner".into(), "team-a".into());
        write_new(&host, &host.resolve_answers(&input).unwrap(), &svc, false).unwrap();
        let mut answers = add_on
            .resolve_answers(&AnswerInput {
                values: host_answers(&add_on, &find_host(&add_on, &svc).unwrap()),
                sets: Vec::new(),
            })
            .unwrap();
        answers.values.insert("host".into(), "other".into());
        let e = write_new(&add_on, &answers, &svc, true).unwrap_err();
        assert_eq!(e.pointers(), ["/host"], "{e:?}");
        assert!(!svc.join(".scaffold/add-db.yaml").exists());
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
