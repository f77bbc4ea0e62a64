//! `scaffold check` and `scaffold diff`: how a generated project stands against its
//! golden path.
//!
//! A check has two independent halves. *Local drift* compares the working tree with
//! the manifest of the answers file (the hash and mode of every pristine rendered
//! path), so it needs no rendering and no network: every path is stat'ed first (a
//! missing file costs no read), then read once and hashed with BLAKE3, in parallel.
//! With [`CheckOptions::render`] the recorded version is rendered again and the
//! working tree compared with that render instead, which also shows a manifest that
//! does not match its own render. *Freshness* asks the source for its latest version:
//! the semver tags of a git source (through the cache; skipped offline), or the
//! version a built-in or local definition has now.
//!
//! Reports are plain data ([`ProjectReport`], [`CheckRun`]) with stable, documented
//! serde field names (docs/check.md); what fails is decided separately by
//! [`failures`] from a list of [`FailOn`] rules, so callers choose the policy.
//! [`fix_plan`] restores enforced paths as a [`Plan`] for [`crate::write::apply`];
//! [`diff_local`] and [`upstream_changes`] return the content pairs behind
//! `scaffold diff` and `scaffold diff --upstream`. Nothing here prints or writes.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::{Error, GoneVersion, Location, Result};
use crate::golden_path::{GoldenPath, Policy};
use crate::project::provenance::{AnswersFile, ManifestEntry, manifest_of};
use crate::project::{Loaded, Project};
use crate::source::SourceRecord;
use crate::source::parse_version;
use crate::source::remote::Target;
use crate::tree::{Entry, FileMode, LinksOnTheWay, Tree, to_fs_path};
use crate::write::{Change, Op, Plan};

// ---------------------------------------------------------------------------
// Report types
// ---------------------------------------------------------------------------

/// How to check a project.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Render the recorded version again and compare the working tree with that
    /// render, instead of with the manifest (needs the source; reports manifest
    /// entries that do not match the render).
    pub render: bool,
    /// Do not ask git sources for their latest version (no network). An offline
    /// [`Engine`] implies it. Built-in and local sources are still compared.
    pub offline: bool,
}

/// How one managed path stands against its pristine render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Same content and mode.
    Unchanged,
    /// Different content (or a different kind: a file became a link or a directory).
    Modified,
    /// Absent from the working tree.
    Missing,
    /// Same content, different mode (the executable bit).
    ModeChanged,
}

impl FileStatus {
    /// The status as written in reports: `unchanged`, `modified`, `missing`,
    /// `mode_changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Unchanged => "unchanged",
            FileStatus::Modified => "modified",
            FileStatus::Missing => "missing",
            FileStatus::ModeChanged => "mode_changed",
        }
    }

    /// Anything but [`FileStatus::Unchanged`].
    pub fn is_drift(self) -> bool {
        self != FileStatus::Unchanged
    }
}

impl fmt::Display for FileStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One managed path of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// Path relative to the project root, `/`-separated.
    pub path: String,
    /// Its policy (from the manifest; from the golden path with `render`).
    pub policy: Policy,
    /// How it stands.
    pub status: FileStatus,
    /// Mode of the pristine render.
    pub expected_mode: FileMode,
    /// Mode in the working tree (`None` when missing or not looked at).
    pub actual_mode: Option<FileMode>,
    /// Why, when the status needs explaining (e.g. "is a directory").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Unresolved conflict left by an update: scaffold's conflict markers in a merged or
/// enforced file, or a `<path>.theirs` file written beside a binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftoverConflict {
    /// The file, relative to the project root.
    pub path: String,
    /// The line of the first `<<<<<<< ours` marker (markers), or `None` for a
    /// `.theirs` file.
    pub line: Option<usize>,
}

impl fmt::Display for LeftoverConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: unresolved conflict markers", self.path),
            None => write!(
                f,
                "{}: theirs of a binary conflict, not yet resolved",
                self.path
            ),
        }
    }
}

/// The first line (1-based) where a scaffold conflict region starts: a line
/// `<<<<<<< ours` followed later by a line starting `>>>>>>> `.
fn conflict_marker_line(content: &[u8]) -> Option<usize> {
    let text = String::from_utf8_lossy(content);
    let mut start = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if start.is_none() && line == "<<<<<<< ours" {
            start = Some(i + 1);
        } else if start.is_some() && line.starts_with(">>>>>>> ") {
            return start;
        }
    }
    None
}

/// Conflicts an update left unresolved in `project`: conflict markers in a merged or
/// enforced file that differs from the manifest, and `<path>.theirs` files beside
/// manifest paths. Seed files belong to the project and are not looked at.
pub fn leftover_conflicts(project: &Project, files: &[FileReport]) -> Vec<LeftoverConflict> {
    let mut out: Vec<LeftoverConflict> = files
        .par_iter()
        .filter(|f| f.status == FileStatus::Modified && f.policy != Policy::Seed)
        .filter_map(|f| {
            let content = std::fs::read(to_fs_path(&project.root, &f.path)).ok()?;
            conflict_marker_line(&content).map(|line| LeftoverConflict {
                path: f.path.clone(),
                line: Some(line),
            })
        })
        .collect();
    // A `.theirs` file is written only beside a binary whose local version was kept,
    // which then differs from the manifest: only modified paths need a look.
    for path in files
        .iter()
        .filter(|f| f.status == FileStatus::Modified)
        .map(|f| &f.path)
    {
        let theirs = format!("{path}.theirs");
        if !project.file.manifest.contains_key(&theirs)
            && std::fs::symlink_metadata(to_fs_path(&project.root, &theirs)).is_ok()
        {
            out.push(LeftoverConflict {
                path: theirs,
                line: None,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// [`leftover_conflicts`] of a project, comparing it with its manifest first.
pub fn unresolved_conflicts(project: &Project) -> Result<Vec<LeftoverConflict>> {
    let files = compare_manifest(project, &project.file.manifest)?;
    Ok(leftover_conflicts(project, &files))
}

/// How far the recorded version is behind the latest one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Behind {
    /// Number of newer released versions, up to and including the latest (`None`
    /// when the source has no version history: local, or untagged git).
    pub versions: Option<usize>,
    /// The recorded version.
    pub current: String,
    /// The latest version available.
    pub latest: String,
}

impl fmt::Display for Behind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.versions {
            Some(1) => write!(f, "behind: 1 version ({} -> {})", self.current, self.latest),
            Some(n) => write!(
                f,
                "behind: {n} versions ({} -> {})",
                self.current, self.latest
            ),
            None => write!(f, "behind: {} -> {}", self.current, self.latest),
        }
    }
}

/// What the working tree was compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// The manifest of the answers file (no rendering, no network).
    Manifest,
    /// A fresh render of the recorded version.
    Render,
}

/// Path counts by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Paths checked.
    pub total: usize,
    /// Unchanged paths.
    pub unchanged: usize,
    /// Modified paths.
    pub modified: usize,
    /// Missing paths.
    pub missing: usize,
    /// Paths whose mode changed.
    pub mode_changed: usize,
    /// Enforced paths that drifted (modified, missing or mode changed).
    pub enforced_drift: usize,
}

impl Counts {
    fn of(files: &[FileReport]) -> Counts {
        let mut c = Counts {
            total: files.len(),
            ..Counts::default()
        };
        for f in files {
            match f.status {
                FileStatus::Unchanged => c.unchanged += 1,
                FileStatus::Modified => c.modified += 1,
                FileStatus::Missing => c.missing += 1,
                FileStatus::ModeChanged => c.mode_changed += 1,
            }
            if f.policy == Policy::Enforced && f.status.is_drift() {
                c.enforced_drift += 1;
            }
        }
        c
    }
}

/// The check of one project (one answers file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectReport {
    /// The project directory (the directory holding `.scaffold/`), as found.
    pub root: PathBuf,
    /// The answers file, relative to `root`.
    pub answers_file: String,
    /// Golden-path name.
    pub golden_path: String,
    /// The recorded version.
    pub version: String,
    /// The source, as shown to users (`built-in (scaffold 0.1.0)`, a path, `URL@commit`).
    pub source: String,
    /// `builtin`, `local` or `git`.
    pub source_type: String,
    /// The recorded commit (git sources).
    pub commit: Option<String>,
    /// What the working tree was compared with.
    pub baseline: Baseline,
    /// Every managed path, sorted.
    pub files: Vec<FileReport>,
    /// Counts by status.
    pub counts: Counts,
    /// The latest version of the source; `None` when not asked (offline git source).
    pub latest: Option<String>,
    /// Set when the recorded version is older than `latest`.
    pub behind: Option<Behind>,
    /// With `render`: paths whose manifest entry does not match the render (or that
    /// only one of them has).
    pub manifest_mismatch: Vec<String>,
    /// The state of the stored baseline (`.scaffold/<name>.baseline`).
    pub stored_baseline: StoredBaseline,
    /// Conflicts an update left unresolved (markers, `.theirs` files).
    pub conflicts: Vec<LeftoverConflict>,
    /// The `backstage.io/template-version` annotation of the project's generated
    /// `catalog-info.yaml`, when it has one (projects from Backstage Templates); a
    /// value other than `version` is a note.
    pub template_version_annotation: Option<String>,
    /// Things worth knowing that are not drift (a deleted recorded ref, a recorded
    /// version newer than the source's, a template-version annotation that
    /// disagrees with the answers file).
    pub notes: Vec<String>,
}

/// The state of a project's stored baseline, which `update` takes its base from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum StoredBaseline {
    /// Present, and it holds every manifest entry's content.
    Ok,
    /// An answers file of format 1 (scaffold 0.1.0) has none; the next update
    /// reconstructs the base and records one.
    None,
    /// Missing, corrupt or not matching the manifest.
    Unusable {
        /// What is wrong.
        problem: String,
    },
}

/// What fails a check (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailOn {
    /// An enforced path modified, missing or with another mode (the default).
    Enforced,
    /// A merged or enforced path missing (seed paths belong to the project).
    Missing,
    /// The recorded version is behind the latest.
    Behind,
    /// A merged or enforced path modified or with another mode.
    Modified,
    /// All of the above, and a manifest that does not match its render.
    Any,
}

impl FailOn {
    /// The rule's name as given to `--fail-on`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Enforced => "enforced",
            FailOn::Missing => "missing",
            FailOn::Behind => "behind",
            FailOn::Modified => "modified",
            FailOn::Any => "any",
        }
    }
}

/// Why a project failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// An enforced path drifted.
    EnforcedDrift,
    /// A managed path is missing.
    Missing,
    /// A managed path was modified (or its mode changed).
    Modified,
    /// The template moved on.
    Behind,
    /// The manifest does not match the render of its own version.
    ManifestMismatch,
    /// The stored baseline is missing, corrupt or does not match the manifest.
    Baseline,
    /// An update left conflict markers or a `.theirs` file unresolved.
    Conflict,
}

/// One reason a project failed its policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// The path, relative to the project root (`None` for project-wide failures).
    pub path: Option<String>,
    /// A one-line explanation, e.g. `enforced path modified`.
    pub message: String,
}

/// The failures of a report under the given rules (empty: the project passes).
/// Seed paths never fail: they belong to the project from day one.
pub fn failures(report: &ProjectReport, rules: &[FailOn]) -> Vec<Failure> {
    let on = |r: FailOn| rules.contains(&r) || rules.contains(&FailOn::Any);
    let mut out = Vec::new();
    for f in &report.files {
        if !f.status.is_drift() || f.policy == Policy::Seed {
            continue;
        }
        let what = match f.status {
            FileStatus::Missing => "missing".to_string(),
            FileStatus::ModeChanged => format!(
                "mode changed ({} -> {})",
                f.expected_mode,
                f.actual_mode.map_or("?", FileMode::as_str)
            ),
            _ => "modified".to_string(),
        };
        let kind = if f.policy == Policy::Enforced && on(FailOn::Enforced) {
            FailureKind::EnforcedDrift
        } else if f.status == FileStatus::Missing && on(FailOn::Missing) {
            FailureKind::Missing
        } else if f.status != FileStatus::Missing && on(FailOn::Modified) {
            FailureKind::Modified
        } else {
            continue;
        };
        let message = if f.policy == Policy::Enforced {
            format!("enforced path {what}")
        } else {
            format!("{} path {what}", f.policy)
        };
        out.push(Failure {
            kind,
            path: Some(f.path.clone()),
            message,
        });
    }
    if let Some(b) = &report.behind
        && on(FailOn::Behind)
    {
        out.push(Failure {
            kind: FailureKind::Behind,
            path: None,
            message: format!("{} is {b}", report.golden_path),
        });
    }
    if on(FailOn::Enforced) || on(FailOn::Missing) || on(FailOn::Modified) {
        for c in &report.conflicts {
            out.push(Failure {
                kind: FailureKind::Conflict,
                path: Some(c.path.clone()),
                message: match c.line {
                    Some(l) => format!(
                        "unresolved conflict markers at line {l}: resolve them, then commit"
                    ),
                    None => {
                        "unresolved binary conflict: keep one version, delete this file".to_string()
                    }
                },
            });
        }
    }
    if let StoredBaseline::Unusable { problem } = &report.stored_baseline
        && (on(FailOn::Missing) || on(FailOn::Enforced))
    {
        out.push(Failure {
            kind: FailureKind::Baseline,
            path: Some(baseline_rel(&report.answers_file)),
            message: format!(
                "{problem}; restore it from version control, or update with the base reconstructed (update's `reconstruct_base` option)"
            ),
        });
    }
    if rules.contains(&FailOn::Any) {
        for p in &report.manifest_mismatch {
            out.push(Failure {
                kind: FailureKind::ManifestMismatch,
                path: Some(p.clone()),
                message: "manifest entry does not match the render of its version".to_string(),
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Many projects
// ---------------------------------------------------------------------------

/// An answers file found under the directories to check, opened or not.
#[derive(Debug)]
pub struct FoundProject {
    /// The answers file.
    pub answers_path: PathBuf,
    /// The project, or why its answers file cannot be used.
    pub project: Result<Project>,
}

/// Every answers file under `dirs` (default `.`), sorted and without duplicates,
/// each opened on its own so one corrupt file does not hide the others.
///
/// A directory that does not exist, or holds no answers file at all, is an error.
pub fn find_projects(dirs: &[PathBuf]) -> Result<Vec<FoundProject>> {
    // Without DIR: the projects under the current directory or, when there are none,
    // the project it is in (found from any subdirectory, as git does).
    let default = [PathBuf::from(".")];
    let enclosing;
    let dirs = if !dirs.is_empty() {
        dirs
    } else if AnswersFile::find_all(Path::new("."))?.is_empty() {
        enclosing = [Project::default_dir(Path::new("."))];
        &enclosing[..]
    } else {
        &default[..]
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for dir in dirs {
        if !dir.is_dir() {
            return Err(Error::NotAProjectDirectory(dir.to_path_buf()));
        }
        let found = AnswersFile::find_all(dir)?;
        if found.is_empty() {
            return Err(Error::NoProject(dir.clone()));
        }
        for answers_path in found {
            let key = std::fs::canonicalize(&answers_path).unwrap_or_else(|_| answers_path.clone());
            if seen.insert(key) {
                out.push(answers_path);
            }
        }
    }
    Ok(out
        .into_par_iter()
        .map(|answers_path| FoundProject {
            project: open_project(&answers_path),
            answers_path,
        })
        .collect())
}

fn open_project(answers_path: &Path) -> Result<Project> {
    Project::open(answers_path)
}

/// An error, flattened for reports: its message and its causes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// The error's message.
    pub message: String,
    /// Its cause chain, outermost first.
    pub causes: Vec<String>,
}

impl ErrorInfo {
    /// Flatten an error.
    pub fn of(e: &Error) -> ErrorInfo {
        let mut causes = Vec::new();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            causes.push(s.to_string());
            source = s.source();
        }
        ErrorInfo {
            message: e.to_string(),
            causes,
        }
    }
}

impl fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for c in &self.causes {
            write!(f, ": {c}")?;
        }
        Ok(())
    }
}

/// The outcome of one project in a [`CheckRun`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Checked, no failure.
    Passed,
    /// Checked, with failures.
    Failed,
    /// Could not be checked.
    Error,
}

/// One project of a [`CheckRun`].
#[derive(Debug, Clone, Serialize)]
pub struct CheckedProject {
    /// The answers file, as found.
    pub answers_path: PathBuf,
    /// Passed, failed or error.
    pub outcome: Outcome,
    /// The report (absent on error).
    pub report: Option<ProjectReport>,
    /// Why it failed.
    pub failures: Vec<Failure>,
    /// Why it could not be checked.
    pub error: Option<ErrorInfo>,
}

/// A whole `scaffold check`: every project, and the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct CheckRun {
    /// Version of this report's shape (currently 1).
    pub format: u32,
    /// Passed (no failure, no error).
    pub passed: bool,
    /// `0` passed, `1` failed the policy, `2` could not check some project.
    pub exit_code: u8,
    /// The rules applied.
    pub fail_on: Vec<FailOn>,
    /// Every project, in path order.
    pub projects: Vec<CheckedProject>,
}

/// Check every found project and judge it under `rules`.
pub fn check_all(
    engine: &Engine,
    found: Vec<FoundProject>,
    opts: &CheckOptions,
    rules: &[FailOn],
) -> CheckRun {
    check_all_with(engine, found, opts, rules, &crate::progress::Silent)
}

/// [`check_all`], telling `observer` of the [`Stage::Check`](crate::progress::Stage)
/// stage: one step per project.
pub fn check_all_with(
    engine: &Engine,
    found: Vec<FoundProject>,
    opts: &CheckOptions,
    rules: &[FailOn],
    observer: &dyn crate::progress::Observer,
) -> CheckRun {
    use crate::progress::{Event, Stage};
    observer.event(&Event::Start {
        stage: Stage::Check,
        total: Some(found.len()),
    });
    let projects: Vec<CheckedProject> = found
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let result = f.project.and_then(|p| check_project(engine, &p, opts));
            observer.event(&Event::Advance {
                stage: Stage::Check,
                done: i + 1,
            });
            match result {
                Ok(report) => {
                    let failures = failures(&report, rules);
                    CheckedProject {
                        answers_path: f.answers_path,
                        outcome: if failures.is_empty() {
                            Outcome::Passed
                        } else {
                            Outcome::Failed
                        },
                        report: Some(report),
                        failures,
                        error: None,
                    }
                }
                Err(e) => CheckedProject {
                    answers_path: f.answers_path,
                    outcome: Outcome::Error,
                    report: None,
                    failures: Vec::new(),
                    error: Some(ErrorInfo::of(&e)),
                },
            }
        })
        .collect();
    observer.event(&Event::Finish {
        stage: Stage::Check,
    });
    let exit_code = if projects.iter().any(|p| p.outcome == Outcome::Error) {
        2
    } else if projects.iter().any(|p| p.outcome == Outcome::Failed) {
        1
    } else {
        0
    };
    CheckRun {
        format: 1,
        passed: exit_code == 0,
        exit_code,
        fail_on: rules.to_vec(),
        projects,
    }
}

// ---------------------------------------------------------------------------
// One project
// ---------------------------------------------------------------------------

/// Check one project: local drift (against the manifest, or a render with
/// `opts.render`) and how far the recorded version is behind the source's latest.
///
/// Errors: an unusable manifest hash, an unreadable working tree, a source that no
/// longer exists or cannot be reached (git, unless offline), and a recorded git
/// commit that no tag or branch of the source contains any more.
pub fn check_project(
    engine: &Engine,
    project: &Project,
    opts: &CheckOptions,
) -> Result<ProjectReport> {
    let file = &project.file;
    let (files, manifest_mismatch, baseline) = if opts.render {
        let loaded = project.base(engine, &[])?;
        let (files, mismatch) = compare_render(project, &loaded)?;
        (files, mismatch, Baseline::Render)
    } else {
        (
            compare_manifest(project, &with_add_ons(project))?,
            Vec::new(),
            Baseline::Manifest,
        )
    };
    let fresh = freshness(
        engine,
        file,
        &project.answers_path,
        opts.offline || engine.is_offline(),
    )?;
    let (source_type, commit) = match &file.source {
        SourceRecord::Builtin { .. } => ("builtin", None),
        SourceRecord::Local { .. } => ("local", None),
        SourceRecord::Git { commit, .. } => ("git", Some(commit.clone())),
    };
    let conflicts = leftover_conflicts(project, &files);
    let annotation = template_version_annotation(file, |rel| {
        let path = project.root.join(rel);
        if !std::fs::symlink_metadata(&path).ok()?.is_file() {
            return None;
        }
        std::fs::read_to_string(path).ok()
    });
    let mut notes = fresh.notes;
    notes.extend(annotation_note(annotation.as_deref(), &file.version));
    Ok(ProjectReport {
        root: project.root.clone(),
        answers_file: project.answers_rel.clone(),
        golden_path: file.golden_path.clone(),
        version: file.version.clone(),
        source: file.source.to_string(),
        source_type: source_type.to_string(),
        commit,
        baseline,
        counts: Counts::of(&files),
        files,
        latest: fresh.latest,
        behind: fresh.behind,
        manifest_mismatch,
        stored_baseline: stored_baseline(project),
        conflicts,
        template_version_annotation: annotation,
        notes,
    })
}

/// The template-version annotation of the project's `catalog-info.yaml`, when the
/// project generated one (a path of its manifest); `read` gives the file's text
/// (`None`: absent, or not a regular file).
fn template_version_annotation(
    file: &AnswersFile,
    read: impl FnOnce(&str) -> Option<String>,
) -> Option<String> {
    const CATALOG: &str = "catalog-info.yaml";
    file.manifest.get(CATALOG)?;
    crate::backstage::catalog::template_version(&read(CATALOG)?)
}

/// The note for an annotation that disagrees with the recorded version.
fn annotation_note(annotation: Option<&str>, version: &str) -> Option<String> {
    let a = annotation?;
    (a.trim_start_matches('v') != version.trim_start_matches('v')).then(|| {
        format!(
            "catalog-info.yaml says {} \"{a}\", but the answers file records version {version}: the annotation was edited by hand, or it is not the file scaffold generated",
            crate::backstage::VERSION_ANNOTATION
        )
    })
}

/// A project read from a git tree rather than a disk directory: what
/// [`check_tree`] judges.
#[derive(Debug, Clone, Copy)]
pub struct TreeProject<'a> {
    /// The whole tree of the commit (paths relative to the repository root).
    pub tree: &'a Tree,
    /// The project directory in the tree (`""` for the repository root).
    pub root: &'a str,
    /// The answers file, relative to `root`.
    pub answers_rel: &'a str,
    /// Its parsed content.
    pub file: &'a AnswersFile,
    /// The other answers files beside it (add-ons applied over it).
    pub siblings: &'a [AnswersFile],
    /// Where the answers file is, for messages (e.g. `URL@commit:path`).
    pub label: &'a Path,
}

/// [`check_project`] on a tree read from a git object database (no work tree):
/// the same manifest comparison, freshness, stored baseline and leftover conflicts.
/// Directories of the manifest count as present (git records no empty
/// directories). Errors as [`check_project`].
pub fn check_tree(
    engine: &Engine,
    p: &TreeProject<'_>,
    opts: &CheckOptions,
) -> Result<ProjectReport> {
    let file = p.file;
    let mut manifest = file.manifest.clone();
    overlay_add_ons(file, &mut manifest, p.siblings);
    let at = |rel: &str| crate::tree::join_lexical(p.root, rel).unwrap_or_else(|| rel.to_string());
    let files = manifest
        .par_iter()
        .map(|(path, e)| {
            let hash = parse_hash(p.label, path, e)?;
            let (status, actual_mode, detail) = if e.mode == FileMode::Dir {
                (FileStatus::Unchanged, Some(FileMode::Dir), None)
            } else {
                match p.tree.get(&at(path)) {
                    None => (FileStatus::Missing, None, None),
                    Some(entry) => judge(entry.mode, e.mode, || {
                        Ok(blake3::hash(&entry.content) == hash)
                    })?,
                }
            };
            Ok(FileReport {
                path: path.clone(),
                policy: e.policy,
                status,
                expected_mode: e.mode,
                actual_mode,
                detail,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let fresh = freshness(engine, file, p.label, opts.offline || engine.is_offline())?;
    let (source_type, commit) = match &file.source {
        SourceRecord::Builtin { .. } => ("builtin", None),
        SourceRecord::Local { .. } => ("local", None),
        SourceRecord::Git { commit, .. } => ("git", Some(commit.clone())),
    };
    let baseline_path = at(&baseline_rel(p.answers_rel));
    let stored = baseline_state(
        file,
        match p.tree.get(&baseline_path) {
            Some(e) => crate::project::baseline::Baseline::decode(&e.content),
            None => Err(crate::project::baseline::BaselineProblem::Missing),
        },
    );
    let mut conflicts: Vec<LeftoverConflict> = files
        .iter()
        .filter(|f| f.status == FileStatus::Modified && f.policy != Policy::Seed)
        .filter_map(|f| {
            let content = &p.tree.get(&at(&f.path))?.content;
            conflict_marker_line(content).map(|line| LeftoverConflict {
                path: f.path.clone(),
                line: Some(line),
            })
        })
        .collect();
    for f in files.iter().filter(|f| f.status == FileStatus::Modified) {
        let theirs = format!("{}.theirs", f.path);
        if !file.manifest.contains_key(&theirs) && p.tree.contains_key(&at(&theirs)) {
            conflicts.push(LeftoverConflict {
                path: theirs,
                line: None,
            });
        }
    }
    conflicts.sort_by(|a, b| a.path.cmp(&b.path));
    let annotation = template_version_annotation(file, |rel| {
        let e = p
            .tree
            .get(&at(rel))
            .filter(|e| matches!(e.mode, FileMode::File | FileMode::Executable))?;
        String::from_utf8(e.content.to_vec()).ok()
    });
    let mut notes = fresh.notes;
    notes.extend(annotation_note(annotation.as_deref(), &file.version));
    Ok(ProjectReport {
        root: PathBuf::from(p.root),
        answers_file: p.answers_rel.to_string(),
        golden_path: file.golden_path.clone(),
        version: file.version.clone(),
        source: file.source.to_string(),
        source_type: source_type.to_string(),
        commit,
        baseline: Baseline::Manifest,
        counts: Counts::of(&files),
        files,
        latest: fresh.latest,
        behind: fresh.behind,
        manifest_mismatch: Vec::new(),
        stored_baseline: stored,
        conflicts,
        template_version_annotation: annotation,
        notes,
    })
}

/// The manifest `check` judges a project by: its own, where every path an add-on
/// applied over it (an answers file beside its own whose `host` is this golden path)
/// generated too takes the add-on's entry, since the add-on's version of the file is
/// now the intended one (docs/golden-paths.md, "Add-ons"). An add-on's answers file
/// that does not read is left out here (it is checked, and reported, on its own).
fn with_add_ons(project: &Project) -> BTreeMap<String, ManifestEntry> {
    let mut manifest = project.file.manifest.clone();
    if project.file.host.is_some() {
        return manifest;
    }
    let Ok(dir) = std::fs::read_dir(project.root.join(crate::project::provenance::ANSWERS_DIR))
    else {
        return manifest;
    };
    let mut add_ons: Vec<PathBuf> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml") && *p != project.answers_path)
        .collect();
    add_ons.sort();
    let add_ons: Vec<AnswersFile> = add_ons
        .iter()
        .filter_map(|path| AnswersFile::read(path).ok())
        .collect();
    overlay_add_ons(&project.file, &mut manifest, &add_ons);
    manifest
}

/// Give every path an add-on (of `add_ons`, the other answers files beside `file`)
/// applied over `file`'s golden path the add-on's entry.
fn overlay_add_ons(
    file: &AnswersFile,
    manifest: &mut BTreeMap<String, ManifestEntry>,
    add_ons: &[AnswersFile],
) {
    if file.host.is_some() {
        return;
    }
    for add_on in add_ons {
        if add_on.host.as_deref() != Some(file.golden_path.as_str()) {
            continue;
        }
        for (p, e) in &add_on.manifest {
            if let Some(own) = manifest.get_mut(p) {
                own.hash.clone_from(&e.hash);
                own.mode = e.mode;
            }
        }
    }
}

/// The baseline file beside an answers file (`.scaffold/x.yaml` -> `.scaffold/x.baseline`).
fn baseline_rel(answers_file: &str) -> String {
    match answers_file.strip_suffix(".yaml") {
        Some(stem) => format!("{stem}.baseline"),
        None => format!("{answers_file}.baseline"),
    }
}

/// Decode the stored baseline and verify that it holds every manifest entry.
fn stored_baseline(project: &Project) -> StoredBaseline {
    if project.file.format < 2 {
        return StoredBaseline::None;
    }
    baseline_state(
        &project.file,
        crate::project::baseline::read(&project.baseline_path()),
    )
}

/// How a decoded (or undecodable) baseline stands against `file`'s manifest.
fn baseline_state(
    file: &AnswersFile,
    read: std::result::Result<
        crate::project::baseline::Baseline,
        crate::project::baseline::BaselineProblem,
    >,
) -> StoredBaseline {
    if file.format < 2 {
        return StoredBaseline::None;
    }
    let problem = match read {
        Ok(b) => {
            let missing = b.missing(
                file.manifest
                    .iter()
                    .filter(|(_, m)| m.mode != FileMode::Dir)
                    .map(|(p, m)| (p, m.hash.as_str())),
            );
            if missing.is_empty() {
                return StoredBaseline::Ok;
            }
            crate::project::baseline::BaselineProblem::Mismatch(missing)
        }
        Err(p) => p,
    };
    StoredBaseline::Unusable {
        problem: problem.to_string(),
    }
}

/// The expected state of one path: hash and mode of its pristine content.
struct Expected<'a> {
    path: &'a str,
    hash: blake3::Hash,
    mode: FileMode,
    policy: Policy,
}

fn parse_hash(answers_path: &Path, path: &str, entry: &ManifestEntry) -> Result<blake3::Hash> {
    entry
        .hash
        .strip_prefix("blake3:")
        .and_then(|h| blake3::Hash::from_hex(h).ok())
        .ok_or_else(|| Error::AnswersFile {
            location: Location {
                file: answers_path.display().to_string(),
                line: 0,
                column: 0,
            },
            message: format!(
                "manifest entry `{path}` has a malformed hash `{}`; restore the file from version control",
                entry.hash
            ),
        })
}

fn compare_manifest(
    project: &Project,
    manifest: &BTreeMap<String, ManifestEntry>,
) -> Result<Vec<FileReport>> {
    let expected = manifest
        .iter()
        .map(|(path, e)| {
            Ok(Expected {
                path,
                hash: parse_hash(&project.answers_path, path, e)?,
                mode: e.mode,
                policy: e.policy,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    compare(&project.root, &expected)
}

fn compare_render(project: &Project, loaded: &Loaded) -> Result<(Vec<FileReport>, Vec<String>)> {
    let gp = &loaded.golden_path;
    let rendered = &loaded.rendered.files;
    let hashes: Vec<blake3::Hash> = rendered
        .par_iter()
        .map(|(_, f)| blake3::hash(&f.content))
        .collect();
    let expected: Vec<Expected<'_>> = rendered
        .iter()
        .zip(hashes)
        .map(|((path, f), hash)| Expected {
            path,
            hash,
            mode: f.mode,
            policy: gp.policy().of(path),
        })
        .collect();
    let files = compare(&project.root, &expected)?;
    let fresh = manifest_of(gp, &loaded.rendered);
    let recorded = &project.file.manifest;
    let mismatch = fresh
        .keys()
        .chain(recorded.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|p| match (fresh.get(*p), recorded.get(*p)) {
            (Some(a), Some(b)) => a.hash != b.hash || a.mode != b.mode,
            _ => true,
        })
        .cloned()
        .collect();
    Ok((files, mismatch))
}

/// Compare the working tree under `root` with the expected states, in parallel.
fn compare(root: &Path, expected: &[Expected<'_>]) -> Result<Vec<FileReport>> {
    let links = LinksOnTheWay::find(root, expected.iter().map(|e| e.path));
    expected
        .par_iter()
        .map(|e| {
            let (status, actual_mode, detail) = if links.first(e.path).is_some() {
                (
                    FileStatus::Modified,
                    None,
                    Some("a parent directory is a symbolic link (not followed)".to_string()),
                )
            } else {
                check_path(&to_fs_path(root, e.path), &e.hash, e.mode)?
            };
            Ok(FileReport {
                path: e.path.to_string(),
                policy: e.policy,
                status,
                expected_mode: e.mode,
                actual_mode,
                detail,
            })
        })
        .collect()
}

thread_local! {
    /// One read buffer per worker thread: files are hashed without allocating.
    static READ_BUF: RefCell<Vec<u8>> = RefCell::new(vec![0; 256 * 1024]);
}

/// BLAKE3 of a file's content, read once through the thread's buffer.
fn hash_file(path: &Path) -> std::io::Result<blake3::Hash> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    READ_BUF.with_borrow_mut(|buf| {
        loop {
            match file.read(buf) {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    hasher.update(&buf[..n]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    })?;
    Ok(hasher.finalize())
}

type PathState = (FileStatus, Option<FileMode>, Option<String>);

/// Compare one path with its expected hash and mode, never following a link.
fn check_path(path: &Path, hash: &blake3::Hash, mode: FileMode) -> Result<PathState> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                || e.kind() == std::io::ErrorKind::NotADirectory =>
        {
            return Ok((FileStatus::Missing, None, None));
        }
        Err(e) => return Err(Error::io("cannot read", path, e)),
    };
    judge(FileMode::of(&meta), mode, || match FileMode::of(&meta) {
        FileMode::Dir => Ok(true),
        FileMode::Symlink => {
            let target =
                std::fs::read_link(path).map_err(|e| Error::io("cannot read link", path, e))?;
            Ok(blake3::hash(target.to_string_lossy().as_bytes()) == *hash)
        }
        _ => Ok(hash_file(path).map_err(|e| Error::io("cannot read", path, e))? == *hash),
    })
}

/// The status of a path whose actual mode is `actual` against the expected `mode`;
/// `same` says whether its content has the expected hash (asked only when the kinds
/// agree). The one rule for the working tree and for trees read from git.
fn judge(
    actual: FileMode,
    mode: FileMode,
    same: impl FnOnce() -> Result<bool>,
) -> Result<PathState> {
    let kind = |m: FileMode| match m {
        FileMode::File | FileMode::Executable => "a file",
        FileMode::Symlink => "a symbolic link",
        FileMode::Dir => "a directory",
    };
    let is_file = |m: FileMode| matches!(m, FileMode::File | FileMode::Executable);
    if is_file(mode) != is_file(actual) || (!is_file(mode) && mode != actual) {
        return Ok((
            FileStatus::Modified,
            Some(actual),
            Some(format!("is {}, not {}", kind(actual), kind(mode))),
        ));
    }
    let same = same()?;
    let status = if !same {
        FileStatus::Modified
    } else if actual != mode {
        FileStatus::ModeChanged
    } else {
        FileStatus::Unchanged
    };
    Ok((status, Some(actual), None))
}

/// Read the working-tree entry of `rel` under `root` like [`crate::project::read_entry`],
/// but refusing to go through a symbolic link on the way (`None`: absent or behind a link).
fn read_working(root: &Path, rel: &str) -> Result<Option<Entry>> {
    if crate::tree::link_on_the_way(root, rel).is_some() {
        return Ok(None);
    }
    crate::project::read_entry(&to_fs_path(root, rel))
}

pub(crate) fn read_working_tree<'a>(
    root: &Path,
    paths: impl IntoParallelIterator<Item = &'a String>,
) -> Result<BTreeMap<String, Entry>> {
    let read: Vec<(String, Option<Entry>)> = paths
        .into_par_iter()
        .map(|p| Ok((p.clone(), read_working(root, p)?)))
        .collect::<Result<_>>()?;
    Ok(read
        .into_iter()
        .filter_map(|(p, e)| e.map(|e| (p, e)))
        .collect())
}

// ---------------------------------------------------------------------------
// Freshness
// ---------------------------------------------------------------------------

struct Freshness {
    latest: Option<String>,
    behind: Option<Behind>,
    notes: Vec<String>,
}

fn freshness(
    engine: &Engine,
    file: &AnswersFile,
    answers_path: &Path,
    offline: bool,
) -> Result<Freshness> {
    match &file.source {
        SourceRecord::Git {
            url,
            commit,
            reference,
            ..
        } => {
            if offline {
                return Ok(Freshness {
                    latest: None,
                    behind: None,
                    notes: Vec::new(),
                });
            }
            git_freshness(
                engine,
                file,
                answers_path,
                url,
                commit,
                reference.as_deref(),
            )
        }
        SourceRecord::Builtin { .. } => builtin_freshness(engine, file),
        record => {
            let located = engine.locate_recorded(record, &file.golden_path, &Target::Latest)?;
            let gp = GoldenPath::load(&located)?;
            let mut notes = Vec::new();
            let behind = match (parse_version(&file.version), parse_version(&gp.version)) {
                (Some(cur), Some(new)) if new > cur => Some(Behind {
                    versions: None,
                    current: file.version.clone(),
                    latest: gp.version.clone(),
                }),
                (Some(cur), Some(new)) if new < cur => {
                    notes.push(format!(
                        "the recorded version {} is newer than the version {} available from {}",
                        file.version, gp.version, gp.source
                    ));
                    None
                }
                (_, _) if file.version != gp.version => Some(Behind {
                    versions: None,
                    current: file.version.clone(),
                    latest: gp.version.clone(),
                }),
                _ => None,
            };
            Ok(Freshness {
                latest: Some(gp.version),
                behind,
                notes,
            })
        }
    }
}

/// Built-in golden paths carry every released version: count the released versions
/// after the recorded one, up to the head (offline: nothing is fetched).
fn builtin_freshness(engine: &Engine, file: &AnswersFile) -> Result<Freshness> {
    let head = engine.locate_recorded(&file.source, &file.golden_path, &Target::Latest)?;
    let head_version = crate::source::declared_version(&head)?;
    let released = crate::source::builtin_versions(crate::ENGINE_VERSION, &file.golden_path)?;
    let mut notes = Vec::new();
    if !released
        .iter()
        .any(|v| crate::source::same_version(&v.version, &file.version))
    {
        notes.push(format!(
            "the recorded version {} of {} is not one that this scaffold ({}) ships; released: {}",
            file.version,
            file.golden_path,
            crate::ENGINE_VERSION,
            released
                .iter()
                .map(|v| v.version.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let behind = match (parse_version(&file.version), parse_version(&head_version)) {
        (Some(cur), Some(new)) if new > cur => {
            let newer: BTreeSet<semver::Version> = released
                .iter()
                .filter_map(|v| parse_version(&v.version))
                .filter(|v| *v > cur && *v <= new && (v.pre.is_empty() || !new.pre.is_empty()))
                .collect();
            Some(Behind {
                versions: Some(newer.len()),
                current: file.version.clone(),
                latest: head_version.clone(),
            })
        }
        (Some(cur), Some(new)) if new < cur => {
            notes.push(format!(
                "the recorded version {} is newer than the built-in version {head_version} of this scaffold ({}); upgrade scaffold",
                file.version,
                crate::ENGINE_VERSION
            ));
            None
        }
        (Some(_), Some(_)) => None,
        _ if !crate::source::same_version(&file.version, &head_version) => Some(Behind {
            versions: None,
            current: file.version.clone(),
            latest: head_version.clone(),
        }),
        _ => None,
    };
    Ok(Freshness {
        latest: Some(head_version),
        behind,
        notes,
    })
}

fn git_freshness(
    engine: &Engine,
    file: &AnswersFile,
    answers_path: &Path,
    url: &str,
    commit: &str,
    reference: Option<&str>,
) -> Result<Freshness> {
    let repo = engine.remote()?.open(url, &Target::Latest)?;
    ensure_recorded_commit(file, answers_path, &repo, url, commit, reference)?;
    let mut notes = Vec::new();
    if let Some(r) = reference.filter(|r| *r != commit)
        && repo.resolve(Some(r)).is_err()
    {
        notes.push(format!(
            "the recorded ref `{r}` no longer exists in {url}; its commit {} still does",
            short(commit)
        ));
    }
    let latest = repo.resolve(None)?;
    let latest_name = latest
        .version
        .clone()
        .unwrap_or_else(|| format!("{}@{}", latest.reference, short(&latest.commit)));
    if latest.commit == commit {
        return Ok(Freshness {
            latest: Some(latest_name),
            behind: None,
            notes,
        });
    }
    let versions = repo.versions()?;
    let current = parse_version(&file.version);
    let latest_v = latest.version.as_deref().and_then(parse_version);
    let behind = match (current, latest_v) {
        (Some(cur), Some(new)) if new > cur => {
            let newer: BTreeSet<&semver::Version> = versions
                .iter()
                .map(|(_, v, _)| v)
                .filter(|v| **v > cur && **v <= new && (v.pre.is_empty() || !new.pre.is_empty()))
                .collect();
            Some(Behind {
                versions: Some(newer.len()),
                current: file.version.clone(),
                latest: latest_name.clone(),
            })
        }
        (Some(_), Some(_)) => {
            notes.push(format!(
                "the recorded version {} is not older than the latest tag {latest_name}",
                file.version
            ));
            None
        }
        _ => Some(Behind {
            versions: None,
            current: file.version.clone(),
            latest: latest_name.clone(),
        }),
    };
    Ok(Freshness {
        latest: Some(latest_name),
        behind,
        notes,
    })
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// The recorded commit must still be in the source: contained in one of its tags or
/// branches (a commit only the cache still holds would vanish from a fresh cache).
fn ensure_recorded_commit(
    file: &AnswersFile,
    answers_path: &Path,
    repo: &crate::source::git::CachedRepo,
    url: &str,
    commit: &str,
    reference: Option<&str>,
) -> Result<()> {
    let reachable = repo.contains(commit)?;
    if reachable {
        return Ok(());
    }
    Err(Error::RecordedVersionGone(Box::new(GoneVersion {
        answers_file: answers_path.to_path_buf(),
        version: file.version.clone(),
        commit: short(commit).to_string(),
        reference: reference.filter(|r| *r != commit).map(str::to_string),
        url: url.to_string(),
    })))
}

// ---------------------------------------------------------------------------
// Fix
// ---------------------------------------------------------------------------

/// What `check --fix` will restore.
#[derive(Debug, Clone, Serialize)]
pub struct FixPlan {
    /// The writes (apply with [`crate::write::apply`]).
    pub plan: Plan,
    /// The enforced paths restored, with how they stood before.
    pub restored: Vec<FileReport>,
}

/// Plan restoring every enforced path that is modified, missing or has another mode,
/// from the project's pristine render (its baseline).
pub fn fix_plan(engine: &Engine, project: &Project) -> Result<FixPlan> {
    let pristine = project.pristine(engine, &crate::project::PristineOptions::default())?;
    let files = compare_manifest(project, &project.file.manifest)?;
    let mut changes = Vec::new();
    let mut restored = Vec::new();
    for f in files {
        if f.policy != Policy::Enforced || !f.status.is_drift() {
            continue;
        }
        let e = &pristine.entries[&f.path];
        let Some(content) = &e.content else {
            return Err(Error::BaselineUnavailable {
                file: project.baseline_rel(),
                problem: format!("the pristine content of `{}` is not known", f.path),
            });
        };
        changes.push(Change {
            path: f.path.clone(),
            op: Op::Write {
                content: content.clone(),
                mode: e.mode,
            },
        });
        restored.push(f);
    }
    Ok(FixPlan {
        plan: Plan {
            root: project.root.clone(),
            changes,
        },
        restored,
    })
}

/// `path` as a user in `cwd` should see it: relative to `cwd` where it lies under it,
/// without `./`, and `.` for `cwd` itself.
pub fn display_path(path: &Path, cwd: Option<&Path>) -> String {
    let rel = match cwd {
        Some(cwd) if path.is_absolute() => path
            .strip_prefix(cwd)
            .map_or_else(|_| path.to_path_buf(), Path::to_path_buf),
        _ => path.to_path_buf(),
    };
    let clean: PathBuf = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if clean.as_os_str().is_empty() {
        ".".to_string()
    } else {
        clean.display().to_string()
    }
}

impl CheckRun {
    /// Show every path of the report as a user in `cwd` sees it (see
    /// [`display_path`]), error messages included.
    pub fn relative_to(&mut self, cwd: Option<&Path>) {
        for p in &mut self.projects {
            let raw = p.answers_path.display().to_string();
            p.answers_path = PathBuf::from(display_path(&p.answers_path, cwd));
            if let Some(e) = &mut p.error {
                // Name the answers file as the rest of the report does.
                let clean = p.answers_path.display().to_string();
                e.message = e.message.replace(&raw, &clean);
            }
            if let Some(r) = &mut p.report {
                r.root = PathBuf::from(display_path(&r.root, cwd));
            }
        }
    }
}

pub use crate::diff::{
    FileDiff, LocalDiff, diff_local, diff_local_all, diff_upstream_all, matches_filter,
    path_prefix, upstream_changes,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::check_filters;

    #[test]
    fn filters_match_paths_and_directories() {
        let f = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(matches_filter("a/b.txt", &[]));
        assert_eq!(path_prefix(Path::new("."), Path::new("./svc")), "svc/");
        assert_eq!(path_prefix(Path::new("mono"), Path::new("mono")), "");
        assert_eq!(
            path_prefix(Path::new("mono"), Path::new("mono/a/b")),
            "a/b/"
        );
        let cwd = Path::new("/w");
        assert_eq!(display_path(Path::new("/w/p/q"), Some(cwd)), "p/q");
        assert_eq!(display_path(Path::new("/w"), Some(cwd)), ".");
        assert_eq!(display_path(Path::new("./x/./y"), Some(cwd)), "x/y");
        assert_eq!(
            display_path(Path::new("/elsewhere"), Some(cwd)),
            "/elsewhere"
        );
        assert!(matches_filter("a/b.txt", &f(&["a"])));
        assert!(matches_filter("a/b.txt", &f(&["a/"])));
        assert!(matches_filter("a/b.txt", &f(&["a/b.txt"])));
        assert!(!matches_filter("ab/c", &f(&["a"])));
        assert!(check_filters(&f(&["../x"])).is_err());
    }

    #[test]
    fn failures_follow_rules() {
        let report = |files: Vec<FileReport>| ProjectReport {
            root: PathBuf::from("."),
            answers_file: ".scaffold/x.yaml".into(),
            golden_path: "x".into(),
            version: "1.0.0".into(),
            source: "built-in".into(),
            source_type: "builtin".into(),
            commit: None,
            baseline: Baseline::Manifest,
            counts: Counts::of(&files),
            files,
            latest: Some("1.1.0".into()),
            behind: Some(Behind {
                versions: Some(1),
                current: "1.0.0".into(),
                latest: "1.1.0".into(),
            }),
            manifest_mismatch: vec![],
            stored_baseline: StoredBaseline::Ok,
            conflicts: vec![],
            template_version_annotation: None,
            notes: vec![],
        };
        let f = |path: &str, policy, status| FileReport {
            path: path.into(),
            policy,
            status,
            expected_mode: FileMode::File,
            actual_mode: Some(FileMode::File),
            detail: None,
        };
        let r = report(vec![
            f("e", Policy::Enforced, FileStatus::Modified),
            f("m", Policy::Merged, FileStatus::Missing),
            f("s", Policy::Seed, FileStatus::Missing),
            f("x", Policy::Merged, FileStatus::Modified),
        ]);
        let kinds = |rules: &[FailOn]| {
            failures(&r, rules)
                .into_iter()
                .map(|f| (f.kind, f.path))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            kinds(&[FailOn::Enforced]),
            vec![(FailureKind::EnforcedDrift, Some("e".into()))]
        );
        assert_eq!(
            kinds(&[FailOn::Missing]),
            vec![(FailureKind::Missing, Some("m".into()))]
        );
        assert_eq!(kinds(&[FailOn::Behind]), vec![(FailureKind::Behind, None)]);
        assert_eq!(kinds(&[FailOn::Any]).len(), 4);
        // An unusable stored baseline: the remedy is the update's option, named as such.
        let mut unusable = report(vec![]);
        unusable.stored_baseline = StoredBaseline::Unusable {
            problem: "truncated".into(),
        };
        let baseline = failures(&unusable, &[FailOn::Missing]);
        assert_eq!(baseline[0].kind, FailureKind::Baseline);
        assert!(
            baseline[0].message.contains("`reconstruct_base` option"),
            "{}",
            baseline[0].message
        );
        assert_eq!(
            crate::error::flag_in(&baseline[0].message),
            None,
            "{}",
            baseline[0].message
        );
        assert_eq!(
            r.behind.as_ref().unwrap().to_string(),
            "behind: 1 version (1.0.0 -> 1.1.0)"
        );
    }
}
