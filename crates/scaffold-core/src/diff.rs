//! `scaffold diff`: what a project changed against its pristine render
//! ([`diff_local`]), and what `update` would change ([`upstream_changes`], the update
//! planner's own plan), for one project or every project under a directory, with the
//! PATH filters of the command line.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::check::{FileStatus, read_working_tree};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::golden_path::Policy;
use crate::project::Project;
use crate::tree::{Entry, FileMode, normalize_relative};
use crate::update::{self, UpdateOptions, UpdatePlan};

// ---------------------------------------------------------------------------
// Diff against the pristine render
// ---------------------------------------------------------------------------

/// One path whose working-tree state differs from the reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileDiff {
    /// Path relative to the project root.
    pub path: String,
    /// Its policy.
    pub policy: Policy,
    /// How the working tree stands against the pristine render.
    pub status: FileStatus,
    /// The pristine render (`None`: not in the render).
    #[serde(skip)]
    pub pristine: Option<Entry>,
    /// The working tree (`None`: absent).
    #[serde(skip)]
    pub working: Option<Entry>,
}

/// What the project changed against its pristine render.
#[derive(Debug, Clone, Serialize)]
pub struct LocalDiff {
    /// Every differing managed path, sorted.
    pub files: Vec<FileDiff>,
    /// Path filters that matched no managed path.
    pub unmatched: Vec<String>,
}

/// Whether `path` is selected by `filters` (each a path or a directory prefix;
/// no filter selects everything).
pub fn matches_filter(path: &str, filters: &[String]) -> bool {
    filters.is_empty()
        || filters.iter().any(|f| {
            let f = f.trim_end_matches('/');
            f == "." || path == f || path.strip_prefix(f).is_some_and(|r| r.starts_with('/'))
        })
}

pub(crate) fn check_filters(filters: &[String]) -> Result<Vec<String>> {
    filters
        .iter()
        .map(|f| {
            if f == "." || f == "./" {
                return Ok(".".to_string());
            }
            normalize_relative(f).map_err(|_| Error::PathOutsideProject(f.to_string()))
        })
        .collect()
}

/// The managed paths (restricted to `filters`, relative to the project root) whose
/// working-tree content or mode differs from the pristine render of the recorded
/// version.
pub fn diff_local(engine: &Engine, project: &Project, filters: &[String]) -> Result<LocalDiff> {
    let filters = check_filters(filters)?;
    let base = project.pristine(engine, &crate::project::PristineOptions::default())?;
    let selected: Vec<&String> = base
        .entries
        .keys()
        .filter(|p| matches_filter(p, &filters))
        .collect();
    let unmatched = filters
        .iter()
        .filter(|f| !selected.iter().any(|p| matches_filter(p, &[(*f).clone()])))
        .cloned()
        .collect();
    let working = read_working_tree(&project.root, selected.par_iter().copied())?;
    let mut files = Vec::new();
    for path in selected {
        let r = &base.entries[path];
        let Some(content) = &r.content else {
            return Err(Error::BaselineUnavailable {
                file: project.baseline_rel(),
                problem: format!("the pristine content of `{path}` is not known"),
            });
        };
        let pristine = Entry {
            mode: r.mode,
            content: content.clone(),
        };
        let ours = working.get(path);
        let status = match ours {
            None => FileStatus::Missing,
            Some(o) if o.mode == FileMode::Dir && pristine.mode == FileMode::Dir => {
                FileStatus::Unchanged
            }
            Some(o) if o.content != pristine.content || kind_differs(o.mode, pristine.mode) => {
                FileStatus::Modified
            }
            Some(o) if o.mode != pristine.mode => FileStatus::ModeChanged,
            Some(_) => FileStatus::Unchanged,
        };
        if status.is_drift() {
            files.push(FileDiff {
                path: path.clone(),
                policy: project.file.manifest[path].policy,
                status,
                pristine: Some(pristine),
                working: ours.cloned(),
            });
        }
    }
    Ok(LocalDiff { files, unmatched })
}

/// [`diff_local`] of every project found under `dir` (`scaffold diff DIR PATH...`):
/// a filter that selects no managed path of any project is an
/// [`Error::UnmatchedPaths`].
pub fn diff_local_all(
    engine: &Engine,
    dir: &Path,
    projects: &[Project],
    filters: &[String],
) -> Result<Vec<LocalDiff>> {
    let mut diffs = Vec::new();
    let mut matched = vec![false; filters.len()];
    for p in projects {
        let d = diff_local(engine, p, filters)?;
        for (m, f) in matched.iter_mut().zip(filters) {
            *m |= !d.unmatched.contains(f);
        }
        diffs.push(d);
    }
    require_matched(dir, filters, &matched)?;
    Ok(diffs)
}

/// [`upstream_changes`] of every project found under `dir` (`scaffold diff
/// --upstream DIR PATH...`), each plan's files restricted to `filters`. A filter may
/// name a generated path that update leaves alone (an empty diff); one that selects
/// no changed and no generated path is an [`Error::UnmatchedPaths`].
pub fn diff_upstream_all(
    engine: &Engine,
    dir: &Path,
    projects: &[Project],
    to: Option<&str>,
    filters: &[String],
) -> Result<Vec<UpdatePlan>> {
    let mut plans = Vec::new();
    for p in projects {
        plans.push(upstream_changes(engine, p, to)?);
    }
    let matched: Vec<bool> = filters
        .iter()
        .map(|f| {
            let one = std::slice::from_ref(f);
            plans
                .iter()
                .any(|plan| plan.files.iter().any(|c| matches_filter(&c.path, one)))
                || projects
                    .iter()
                    .any(|p| p.file.manifest.keys().any(|k| matches_filter(k, one)))
        })
        .collect();
    require_matched(dir, filters, &matched)?;
    for plan in &mut plans {
        plan.files.retain(|f| matches_filter(&f.path, filters));
    }
    Ok(plans)
}

fn require_matched(dir: &Path, filters: &[String], matched: &[bool]) -> Result<()> {
    let paths: Vec<String> = filters
        .iter()
        .zip(matched)
        .filter(|(_, m)| !**m)
        .map(|(f, _)| f.clone())
        .collect();
    if paths.is_empty() {
        Ok(())
    } else {
        Err(Error::UnmatchedPaths {
            dir: dir.to_path_buf(),
            paths,
        })
    }
}

/// What one `scaffold diff` acts on: the directory it was given (or found), the
/// projects under it, and the paths (relative to each project's root) it is limited to.
#[derive(Debug, Clone)]
pub struct DiffScope {
    /// The directory the diff's paths are relative to.
    pub dir: PathBuf,
    /// The projects diffed.
    pub projects: Vec<Project>,
    /// Path filters relative to each project's root; empty selects everything.
    pub filters: Vec<String>,
}

/// Read `scaffold diff [DIR] [PATH...]`, typed in `cwd`, as git reads `git diff [PATH...]`:
///
/// - no words: every project under `cwd` or, when there is none, the project `cwd`
///   is in (found from any subdirectory, see [`Project::enclosing_root`]);
/// - a first word naming a directory with projects under it (a project root, a
///   monorepo directory) is DIR, and the words after it are paths relative to each
///   project's root (as before);
/// - otherwise every word is a path relative to `cwd` (`scaffold diff deploy/base`
///   inside a project), limiting the diff of the project it is in to it; paths in
///   several projects give one scope per project, in the order first named.
pub fn diff_scopes(cwd: &Path, words: &[String]) -> Result<Vec<DiffScope>> {
    let projects_under = |dir: &Path| -> Result<Vec<Project>> {
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        crate::project::provenance::AnswersFile::find_all(dir)?
            .iter()
            .map(|p| Project::open(p))
            .collect()
    };
    let Some((first, rest)) = words.split_first() else {
        let here = projects_under(cwd)?;
        if !here.is_empty() {
            return Ok(vec![DiffScope {
                dir: cwd.to_path_buf(),
                projects: here,
                filters: Vec::new(),
            }]);
        }
        let root =
            Project::enclosing_root(cwd).ok_or_else(|| Error::NoProject(cwd.to_path_buf()))?;
        return Ok(vec![scope_at(&root, Vec::new())?]);
    };
    let first_dir = cwd.join(first);
    let under = projects_under(&first_dir)?;
    if !under.is_empty() {
        // As typed (relative to the process's directory when that is `cwd`), so that
        // messages and paths read as before.
        let typed = PathBuf::from(first);
        let same_cwd = std::env::current_dir().is_ok_and(|d| d == cwd);
        let (dir, projects) = if same_cwd && typed.is_dir() {
            (typed.clone(), Project::find(&typed, None)?)
        } else {
            (first_dir, under)
        };
        return Ok(vec![DiffScope {
            dir,
            projects,
            filters: rest.to_vec(),
        }]);
    }
    let mut groups: Vec<(PathBuf, Vec<String>)> = Vec::new();
    for word in words {
        let path = crate::project::absolute(&cwd.join(word));
        let Some(root) = Project::enclosing_root(&path) else {
            if path.is_dir() {
                // A directory given as DIR that holds no project.
                return Err(Error::NoProject(PathBuf::from(word)));
            }
            return Err(Error::NotInProject(word.to_string()));
        };
        let rel = path
            .strip_prefix(&root)
            .map(|r| {
                r.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default();
        let rel = if rel.is_empty() { ".".to_string() } else { rel };
        match groups.iter_mut().find(|(r, _)| *r == root) {
            Some((_, filters)) => filters.push(rel),
            None => groups.push((root, vec![rel])),
        }
    }
    groups
        .into_iter()
        .map(|(root, filters)| scope_at(&root, filters))
        .collect()
}

/// The projects whose root is `root`, as one scope.
fn scope_at(root: &Path, filters: Vec<String>) -> Result<DiffScope> {
    let projects: Vec<Project> = Project::find(root, None)?
        .into_iter()
        .filter(|p| crate::project::absolute(&p.root) == crate::project::absolute(root))
        .collect();
    Ok(DiffScope {
        dir: root.to_path_buf(),
        projects,
        filters,
    })
}

/// Where the paths of the project at `root` sit relative to `dir`, the directory a
/// command was given (`""` for `dir` itself, else e.g. `svc/`), so that a diff's
/// paths are relative to `dir`.
pub fn path_prefix(dir: &Path, root: &Path) -> String {
    let strip = |p: &Path| -> PathBuf {
        p.components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect()
    };
    let rel = strip(root)
        .strip_prefix(strip(dir))
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| strip(root));
    let s = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    if s.is_empty() { s } else { format!("{s}/") }
}

fn kind_differs(a: FileMode, b: FileMode) -> bool {
    let file = |m| matches!(m, FileMode::File | FileMode::Executable);
    file(a) != file(b) || (!file(a) && a != b)
}

// ---------------------------------------------------------------------------
// Upstream: what update would change
// ---------------------------------------------------------------------------

/// What `scaffold update` would change in a project: the update planner's own plan
/// for the latest version (or `to`: a tag, branch or commit of a git source), so
/// `scaffold diff --upstream` shows exactly what `update --dry-run` would. Each
/// [`crate::update::FileUpdate`] carries the content before and after.
pub fn upstream_changes(
    engine: &Engine,
    project: &Project,
    to: Option<&str>,
) -> Result<UpdatePlan> {
    let options = UpdateOptions {
        to: Some(to.unwrap_or("latest").to_string()),
        ..UpdateOptions::default()
    };
    let target = update::load_target(engine, project, &options)?;
    update::plan_update(engine, project, target, &options)
}
