//! `scaffold update`: re-apply a golden path to a project as a three-way merge.
//!
//! base = the recorded version rendered with the recorded answers, theirs = the new
//! version rendered with the new answers, ours = the working tree. All three are held
//! in memory and every path is classified (SPEC section 6) before anything is
//! written; the result is an [`UpdatePlan`]: a report plus a [`Plan`] whose last change
//! is the new answers file. `--dry-run` prints the same plan, so its predicted
//! conflicts are exactly those of the real run.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::golden_path::{AnswerInput, GoldenPath, Policy};
use crate::merge::{MergeLabels, is_binary, merge_text, similarity};
use crate::project::{BaseOrigin, Pristine, PristineOptions, Project};
use crate::provenance::AnswersFile;
use crate::remote::{self, Target};
use crate::source::SourceRecord;
use crate::tree::{Entry, FileMode, Tree, hash_bytes};
use crate::write::{Applied, Change, Op, Plan};

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    /// Version to update to (tag, branch, commit, or `latest`). `None` means latest,
    /// or the recorded version when `answers` change answers only.
    pub to: Option<String>,
    /// Answers to change or add (already typed), applied over the recorded ones.
    pub answers: Map<String, Value>,
    /// `--set key=value` strings, applied last.
    pub sets: Vec<String>,
    /// Ignore the stored baseline and reconstruct the base from the template source and
    /// the project's git history (see [`crate::project::Project::pristine`]).
    pub reconstruct_base: bool,
}

/// What happened (or will happen) to one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Created from the new version.
    Created,
    /// Replaced by the new version (the user had not changed it).
    Updated,
    /// Three-way merged without conflict.
    Merged,
    /// Merged with conflict markers, or a binary kept with theirs beside it.
    Conflict,
    /// The user's version kept (the template did not change it, or it is seed).
    Kept,
    /// Deleted because the new version dropped it.
    Deleted,
    /// Moved to a new path by the template, carrying the user's edits.
    Renamed,
    /// An enforced path where a local edit was overwritten.
    EnforcedOverwritten,
}

impl Action {
    /// The report word.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Merged => "merged",
            Action::Conflict => "conflict",
            Action::Kept => "kept",
            Action::Deleted => "deleted",
            Action::Renamed => "renamed",
            Action::EnforcedOverwritten => "enforced-overwritten",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileUpdate {
    /// The path (the new path for renames).
    pub path: String,
    /// What happens.
    pub action: Action,
    /// The path's policy in the new version.
    pub policy: Policy,
    /// The old path, for renames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Why, in a few words.
    pub detail: String,
    /// Number of conflict regions (text) — 1 for a binary conflict.
    pub conflicts: usize,
    /// The working tree's content before (for diffs).
    #[serde(skip)]
    pub before: Option<Vec<u8>>,
    /// The content after (for diffs); `None` when deleted.
    #[serde(skip)]
    pub after: Option<Vec<u8>>,
}

/// Counts per action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Per action word.
    pub counts: BTreeMap<String, usize>,
    /// Total conflict regions.
    pub conflicts: usize,
}

/// The whole update of one project, computed before anything is written.
#[derive(Debug, Clone, Serialize)]
pub struct UpdatePlan {
    /// Project root.
    pub root: std::path::PathBuf,
    /// Golden path name.
    pub golden_path: String,
    /// Version before.
    pub from_version: String,
    /// Version after.
    pub to_version: String,
    /// Source after (with resolved commit for git).
    pub source: SourceRecord,
    /// Whether the content of every base path is known (else hashes from the manifest
    /// stood in for some, and those paths, edited on both sides, are conflicts).
    pub exact_base: bool,
    /// Where the base came from: paths per origin (`baseline`, `render`,
    /// `git-history`, `missing`).
    pub base_origins: BTreeMap<BaseOrigin, usize>,
    /// What the reconstruction of the base could not do (projects without a baseline).
    pub base_notes: Vec<String>,
    /// Answers that the new version no longer has, dropped.
    pub dropped_answers: Vec<String>,
    /// Every path that changes or is worth reporting, sorted.
    pub files: Vec<FileUpdate>,
    /// Counts.
    pub summary: Summary,
    /// What to write; the answers file last. Empty writes besides it mean a no-op.
    #[serde(skip)]
    pub plan: Plan,
}

impl UpdatePlan {
    /// Whether conflicts remain after applying this plan.
    pub fn has_conflicts(&self) -> bool {
        self.summary.conflicts > 0
    }

    /// Paths (relative to the root) the plan writes or deletes.
    pub fn touched(&self) -> Vec<String> {
        self.plan.changes.iter().map(|c| c.path.clone()).collect()
    }
}

/// The report of one project's update (`scaffold update --format json`; see
/// docs/json.md): the plan's report fields plus whether it was a dry run.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateReport<'a> {
    /// The plan.
    #[serde(flatten)]
    pub plan: &'a UpdatePlan,
    /// Whether nothing was written.
    pub dry_run: bool,
}

impl UpdatePlan {
    /// This plan's report.
    pub fn report(&self, dry_run: bool) -> UpdateReport<'_> {
        UpdateReport {
            plan: self,
            dry_run,
        }
    }
}

/// Apply the plans of several projects (`update --all`), all or nothing. The golden
/// paths applied to one root form one plan (every file change first, then every
/// answers file), applied atomically by [`crate::write::apply`]; when a root fails,
/// the roots already updated are put back as they were before, so a failure leaves
/// every project as it was. Returns what was done per root, in order.
pub fn apply_all(plans: &[UpdatePlan]) -> Result<Vec<Applied>> {
    let mut undo: Vec<Plan> = Vec::new();
    let mut out = Vec::new();
    for plan in combined(plans) {
        let back = undo_plan(&plan)?;
        match crate::write::apply(&plan) {
            Ok(a) => {
                out.push(a);
                undo.push(back);
            }
            Err(e) => {
                // Best effort, newest first: each undo is itself applied atomically.
                for u in undo.iter().rev() {
                    let _ = crate::write::apply(u);
                }
                return Err(e);
            }
        }
    }
    Ok(out)
}

/// One plan per project root: every file change first, then every answers file.
fn combined(plans: &[UpdatePlan]) -> Vec<Plan> {
    let mut out: Vec<(Plan, Vec<Change>)> = Vec::new();
    for p in plans {
        let (files, answers) = p
            .plan
            .changes
            .split_at(p.plan.changes.len().saturating_sub(1));
        match out.iter_mut().find(|(plan, _)| plan.root == p.plan.root) {
            Some((plan, tail)) => {
                plan.changes.extend_from_slice(files);
                tail.extend_from_slice(answers);
            }
            None => out.push((
                Plan {
                    root: p.plan.root.clone(),
                    changes: files.to_vec(),
                },
                answers.to_vec(),
            )),
        }
    }
    out.into_iter()
        .map(|(mut plan, tail)| {
            plan.changes.extend(tail);
            plan
        })
        .collect()
}

/// The plan that puts back what the paths of `plan` hold now: deletes of what it
/// creates first, then writes of what it replaces or deletes.
fn undo_plan(plan: &Plan) -> Result<Plan> {
    let mut deletes = Vec::new();
    let mut writes = Vec::new();
    let mut seen = HashSet::new();
    for c in &plan.changes {
        if !seen.insert(c.path.as_str()) {
            continue;
        }
        match crate::project::read_entry(&crate::tree::to_fs_path(&plan.root, &c.path))? {
            None => deletes.push(Change {
                path: c.path.clone(),
                op: Op::Delete,
            }),
            Some(e) => writes.push(Change {
                path: c.path.clone(),
                op: Op::Write {
                    content: e.content,
                    mode: e.mode,
                },
            }),
        }
    }
    deletes.extend(writes);
    Ok(Plan {
        root: plan.root.clone(),
        changes: deletes,
    })
}

/// The new golden path and answers an update will render, before rendering: lets a
/// front end ask for new required parameters first.
pub struct UpdateTarget {
    /// The golden path at the target version.
    pub golden_path: GoldenPath,
    /// Recorded answers that the new version still has, then `options.answers`.
    pub values: Map<String, Value>,
    /// Recorded answers the new version dropped.
    pub dropped: Vec<String>,
}

/// Load the target version of a project's golden path and carry the answers over.
pub fn load_target(
    engine: &Engine,
    project: &Project,
    options: &UpdateOptions,
) -> Result<UpdateTarget> {
    // Changing a recorded answer without --to re-renders the same version; supplying a
    // secret (never recorded) or a new parameter does not.
    let recorded = |k: &str| project.file.answers.contains_key(k.trim());
    let answers_only = options.to.is_none()
        && (options.answers.keys().any(|k| recorded(k))
            || options
                .sets
                .iter()
                .any(|s| s.split_once('=').is_some_and(|(k, _)| recorded(k))));
    let target = match (&project.file.source, options.to.as_deref()) {
        (SourceRecord::Git { commit, .. }, None) if answers_only => Target::Ref(commit.clone()),
        (_, None | Some("latest")) => Target::Latest,
        (_, Some(r)) => Target::Ref(r.to_string()),
    };
    if !matches!(project.file.source, SourceRecord::Git { .. }) && matches!(target, Target::Ref(_))
    {
        return Err(Error::NotAGitSource {
            root: project.root.clone(),
            source_label: project.file.source.to_string(),
        });
    }
    let located = remote::locate_recorded(
        engine,
        &project.file.source,
        &project.file.golden_path,
        &target,
    )?;
    let gp = GoldenPath::load(&located)?;
    if gp.name() != project.file.golden_path {
        return Err(Error::Usage(format!(
            "the source now defines golden path `{}`, not `{}`",
            gp.name(),
            project.file.golden_path
        )));
    }
    let props = gp
        .parameters()
        .schema()
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut values = Map::new();
    let mut dropped = Vec::new();
    for (k, v) in &project.file.answers {
        if props.is_empty() || props.contains_key(k) {
            values.insert(k.clone(), v.clone());
        } else {
            dropped.push(k.clone());
        }
    }
    for (k, v) in &options.answers {
        values.insert(k.clone(), v.clone());
    }
    Ok(UpdateTarget {
        golden_path: gp,
        values,
        dropped,
    })
}

/// Recorded answers failed the new schema: say which, and the `--set` that fixes each.
fn explain_answers(err: Error, recorded: &Map<String, Value>, version: &str) -> Error {
    match err {
        Error::InvalidAnswers { mut problems } => {
            for p in &mut problems {
                let top = p
                    .pointer
                    .trim_start_matches('/')
                    .split('/')
                    .next()
                    .unwrap_or("")
                    .to_string();
                if let Some(old) = recorded.get(&top) {
                    p.message = format!("recorded answer {old} no longer validates: {}", p.message);
                }
                if !top.is_empty() {
                    p.hint = Some(format!(
                        "fix it with scaffold update --to {version} --set {top}=..."
                    ));
                }
            }
            Error::InvalidAnswers { problems }
        }
        other => other,
    }
}

/// Plan the update of one project. `theirs` is the result of [`load_target`] after the
/// caller filled any new required answers into its `values`.
pub fn plan_update(
    engine: &Engine,
    project: &Project,
    target: UpdateTarget,
    options: &UpdateOptions,
) -> Result<UpdatePlan> {
    let UpdateTarget {
        golden_path: new_gp,
        values,
        dropped,
    } = target;

    // theirs
    let answers = new_gp
        .resolve_answers(&AnswerInput {
            values,
            sets: options.sets.clone(),
        })
        .map_err(|e| explain_answers(e, &project.file.answers, &new_gp.version))?;
    if let Some(plan) = unchanged_fast_path(project, &new_gp, &answers, &dropped)? {
        return Ok(plan);
    }
    let theirs_render = new_gp.render(&answers)?;

    // base: the pristine render of the recorded version, from the project's baseline.
    let pristine = project.pristine(
        engine,
        &PristineOptions {
            secrets: crate::baseline::secret_values(&new_gp, &answers),
            reconstruct: options.reconstruct_base,
        },
    )?;
    let base = &pristine;
    let exact_base = pristine.is_exact();
    let theirs = theirs_render.tree();

    // ours: every path any side knows.
    let mut all: BTreeSet<String> = base.entries.keys().cloned().collect();
    all.extend(theirs.keys().cloned());
    all.extend(project.file.manifest.keys().cloned());
    let mut ours = project.read_paths(all.iter())?;
    // A directory that only holds other paths is not an entry of its own (a template
    // file may replace it once its files are gone); remember the ones in the way.
    let dirs_in_way: BTreeSet<String> = ours
        .iter()
        .filter(|(p, e)| e.mode == FileMode::Dir && base.mode(p) != Some(FileMode::Dir))
        .map(|(p, _)| p.clone())
        .collect();
    for d in &dirs_in_way {
        ours.remove(d);
    }

    let labels_base = format!("base {}", project.file.version);
    let labels_theirs = format!("theirs {}", new_gp.version);
    let labels = MergeLabels {
        ours: "ours",
        base: &labels_base,
        theirs: &labels_theirs,
    };

    // Renames: base paths the template dropped, matched to paths it added.
    let new_policy = new_gp.policy();
    let movable = |old: &str, new: &str| {
        let old_policy = project
            .file
            .manifest
            .get(old)
            .map_or(Policy::Merged, |m| m.policy);
        old_policy == Policy::Merged && new_policy.of(new) == Policy::Merged
    };
    let renames = find_renames(base, &theirs_render, &theirs, &ours, &movable);
    let rename_targets: HashSet<&String> = renames.values().collect();

    let mut files = Vec::new();
    let mut changes = Vec::new();
    for path in &all {
        let b_has = base.has(path);
        let o = ours.get(path);
        let t = theirs.get(path);
        let policy = if t.is_some() || !b_has {
            new_policy.of(path)
        } else {
            project
                .file
                .manifest
                .get(path)
                .map_or_else(|| new_policy.of(path), |m| m.policy)
        };
        if rename_targets.contains(path) {
            continue; // handled with its source path
        }
        if let Some(to) = renames.get(path) {
            rename(
                path,
                to,
                base,
                &ours,
                &theirs,
                &labels,
                new_policy.of(to),
                &mut files,
                &mut changes,
            );
            continue;
        }
        let report =
            |action: Action, detail: &str, after: Option<&Entry>, conflicts: usize| FileUpdate {
                path: path.clone(),
                action,
                policy,
                from: None,
                detail: detail.to_string(),
                conflicts,
                before: o.map(|e| e.content.clone()),
                after: after.map(|e| e.content.clone()),
            };
        let ours_unchanged = base.same(path, o);
        let theirs_unchanged = base.same(path, t);
        match policy {
            Policy::Seed => {
                // Written once: only a seed file that is new to the project is created.
                if o.is_none() && !b_has {
                    if let Some(t) = t {
                        push_write(&mut changes, path, t);
                        files.push(report(Action::Created, "new seed file", Some(t), 0));
                    }
                } else if !theirs_unchanged && o.is_some() {
                    files.push(report(Action::Kept, "seed: never updated", o, 0));
                }
                continue;
            }
            Policy::Enforced => {
                if o == t {
                    continue;
                }
                let action = if ours_unchanged {
                    match (b_has, t) {
                        (_, None) => Action::Deleted,
                        (false, Some(_)) => Action::Created,
                        (true, Some(_)) => Action::Updated,
                    }
                } else {
                    Action::EnforcedOverwritten
                };
                let detail = if action == Action::EnforcedOverwritten {
                    "enforced: local edit overwritten"
                } else {
                    "enforced"
                };
                match t {
                    Some(t) => push_write(&mut changes, path, t),
                    None => push_delete(&mut changes, path),
                }
                files.push(report(action, detail, t, 0));
                continue;
            }
            Policy::Merged => {}
        }
        if o == t {
            continue; // nothing to do (includes both absent)
        }
        if ours_unchanged {
            match t {
                Some(t) => {
                    push_write(&mut changes, path, t);
                    let (action, detail) = if o.is_none() {
                        (Action::Created, "new in this version")
                    } else if o.is_some_and(|o| o.content == t.content) {
                        (Action::Updated, "mode changed")
                    } else {
                        (Action::Updated, "taken from the new version")
                    };
                    files.push(report(action, detail, Some(t), 0));
                }
                None => {
                    push_delete(&mut changes, path);
                    files.push(report(Action::Deleted, "removed in this version", None, 0));
                }
            }
            continue;
        }
        if theirs_unchanged {
            files.push(report(
                Action::Kept,
                "local change kept; the template did not change this file",
                o,
                0,
            ));
            continue;
        }
        // All three differ.
        match (o, t) {
            (None, Some(_)) => files.push(report(
                Action::Kept,
                "deleted locally; the new version changed it (not restored)",
                None,
                0,
            )),
            (Some(_), None) => files.push(report(
                Action::Kept,
                "edited locally; the new version deleted it (kept)",
                o,
                0,
            )),
            (Some(o), Some(t)) => {
                let base_content = base.content(path);
                let binary = o.mode == FileMode::Symlink
                    || t.mode == FileMode::Symlink
                    || o.mode == FileMode::Dir
                    || t.mode == FileMode::Dir
                    || is_binary(&o.content)
                    || is_binary(&t.content)
                    || base_content.is_some_and(is_binary);
                if binary {
                    let beside = format!("{path}.theirs");
                    let free = crate::project::read_entry(&crate::tree::to_fs_path(
                        &project.root,
                        &beside,
                    ))?
                    .is_none();
                    let detail = if t.mode == FileMode::Symlink || t.mode == FileMode::Dir {
                        "changed on both sides: ours kept (compare with `scaffold diff --upstream`)"
                            .to_string()
                    } else if free {
                        push_write(&mut changes, &beside, t);
                        format!(
                            "binary changed on both sides: ours kept, theirs written to {beside}"
                        )
                    } else {
                        format!(
                            "binary changed on both sides: ours kept; {beside} already exists, so theirs was not written"
                        )
                    };
                    let mut r = report(Action::Conflict, &detail, Some(o), 1);
                    r.after = r.before.clone();
                    files.push(r);
                    continue;
                }
                let merged =
                    merge_text(base_content.unwrap_or(&[]), &o.content, &t.content, labels);
                let mode = match base.mode(path) {
                    Some(bm) if bm != o.mode => o.mode,
                    _ => t.mode,
                };
                let entry = Entry {
                    mode,
                    content: merged.content,
                };
                if Some(&entry) != Some(o) {
                    push_write(&mut changes, path, &entry);
                }
                let (action, detail) = match (merged.conflicts, b_has) {
                    (0, true) => (Action::Merged, "local and template changes combined"),
                    (0, false) => (Action::Merged, "added on both sides; combined"),
                    (_, true) => (
                        Action::Conflict,
                        "overlapping changes: resolve the conflict markers",
                    ),
                    (_, false) => (
                        Action::Conflict,
                        "added on both sides with different content: resolve the conflict markers",
                    ),
                };
                files.push(report(action, detail, Some(&entry), merged.conflicts));
            }
            (None, None) => {}
        }
    }

    // A write onto a directory that keeps other files cannot happen: report it as a
    // conflict now, so the dry run and the real run agree.
    let deleted: BTreeSet<String> = changes
        .iter()
        .filter(|c| c.op == Op::Delete)
        .map(|c| c.path.clone())
        .collect();
    let mut blocked = BTreeSet::new();
    for d in &dirs_in_way {
        let dir = crate::tree::to_fs_path(&project.root, d);
        let stays = walkdir::WalkDir::new(&dir)
            .min_depth(1)
            .into_iter()
            .filter_map(|e| e.ok())
            .any(|e| {
                !e.file_type().is_dir()
                    && e.path()
                        .strip_prefix(&project.root)
                        .ok()
                        .map(|r| {
                            r.components()
                                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                                .collect::<Vec<_>>()
                                .join("/")
                        })
                        .is_none_or(|r| !deleted.contains(&r))
            });
        if stays
            && changes
                .iter()
                .any(|c| c.path == *d && matches!(c.op, Op::Write { .. }))
        {
            blocked.insert(d.clone());
        }
    }
    // A write under a file the update keeps (the user edited it, the new version
    // moved a directory there) cannot happen either.
    let under_kept = writes_under_kept_files(&changes, &ours);
    for (path, kept) in &under_kept {
        let detail = format!(
            "`{kept}` is kept (it has local changes), and this path needs a directory there: move `{kept}`, then update again"
        );
        match files.iter_mut().find(|f| f.path == *path) {
            Some(f) => {
                f.action = Action::Conflict;
                f.conflicts = f.conflicts.max(1);
                f.detail = detail;
                f.after = f.before.clone();
            }
            None => files.push(FileUpdate {
                path: path.clone(),
                action: Action::Conflict,
                policy: new_policy.of(path),
                from: None,
                detail,
                conflicts: 1,
                before: None,
                after: None,
            }),
        }
    }
    changes.retain(|c| !under_kept.contains_key(&c.path));
    if !blocked.is_empty() {
        changes.retain(|c| !blocked.contains(&c.path));
        for f in files.iter_mut().filter(|f| blocked.contains(&f.path)) {
            f.action = Action::Conflict;
            f.conflicts = f.conflicts.max(1);
            f.detail = "a directory with other files stands where this file goes: move it, then update again".to_string();
            f.after = None;
        }
    }
    // Deletes first (so a file may replace an emptied directory), then writes; the
    // answers file last.
    changes.sort_by_key(|c| !matches!(c.op, Op::Delete));

    // The new baseline, then the answers file, last.
    changes.push(Change {
        path: project.baseline_rel(),
        op: Op::Write {
            content: crate::baseline::encode(&new_gp, &answers, &theirs_render),
            mode: FileMode::File,
        },
    });
    let new_file = AnswersFile::new(&new_gp, &answers, &theirs_render);
    changes.push(Change {
        path: project.answers_rel.clone(),
        op: Op::Write {
            content: new_file.to_yaml().into_bytes(),
            mode: FileMode::File,
        },
    });

    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut summary = Summary::default();
    for f in &files {
        *summary
            .counts
            .entry(f.action.as_str().to_string())
            .or_default() += 1;
        summary.conflicts += f.conflicts;
    }
    Ok(UpdatePlan {
        root: project.root.clone(),
        golden_path: new_gp.name().to_string(),
        from_version: project.file.version.clone(),
        to_version: new_gp.version.clone(),
        source: new_gp.source.clone(),
        exact_base,
        base_origins: pristine.counts(),
        base_notes: pristine.notes.clone(),
        dropped_answers: dropped,
        files,
        summary,
        plan: Plan {
            root: project.root.clone(),
            changes,
        },
    })
}

/// The writes of `changes` whose path lies under a file or link of `ours` that the
/// changes do not delete, each with that file.
fn writes_under_kept_files(changes: &[Change], ours: &Tree) -> BTreeMap<String, String> {
    let deleted: HashSet<&str> = changes
        .iter()
        .filter(|c| c.op == Op::Delete)
        .map(|c| c.path.as_str())
        .collect();
    let mut out = BTreeMap::new();
    for c in changes.iter().filter(|c| matches!(c.op, Op::Write { .. })) {
        let mut dir = c.path.as_str();
        while let Some((parent, _)) = dir.rsplit_once('/') {
            let stays = ours
                .get(parent)
                .is_some_and(|e| e.mode != FileMode::Dir && !deleted.contains(parent));
            if stays {
                out.insert(c.path.clone(), parent.to_string());
                break;
            }
            dir = parent;
        }
    }
    out
}

fn push_write(changes: &mut Vec<Change>, path: &str, e: &Entry) {
    changes.push(Change {
        path: path.to_string(),
        op: Op::Write {
            content: e.content.clone(),
            mode: e.mode,
        },
    });
}

fn push_delete(changes: &mut Vec<Change>, path: &str) {
    changes.push(Change {
        path: path.to_string(),
        op: Op::Delete,
    });
}

/// Map base paths the template dropped to the path it moved them to: first a path
/// rendered from the same skeleton file, else the most similar added file (>= 50%).
/// Only paths the user edited need carrying; untouched ones follow the normal rules.
fn find_renames(
    base: &Pristine,
    theirs_render: &crate::render::Rendered,
    theirs: &Tree,
    ours: &Tree,
    movable: &dyn Fn(&str, &str) -> bool,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    // Only paths whose pristine content is known can be carried to a new path.
    let removed: Vec<(&String, &[u8])> = base
        .entries
        .iter()
        .filter(|(p, _)| !theirs.contains_key(*p))
        .filter_map(|(p, e)| Some((p, e.content.as_deref()?)))
        .collect();
    let mut added: Vec<&String> = theirs
        .keys()
        .filter(|p| !base.has(p) && !ours.contains_key(*p))
        .collect();
    for (old, b) in removed {
        let Some(o) = ours.get(old) else { continue };
        if base.same(old, Some(o)) || o.mode == FileMode::Dir {
            continue;
        }
        let same_source = base.origins.get(old).and_then(|src| {
            added.iter().position(|n| {
                theirs_render
                    .files
                    .get(*n)
                    .is_some_and(|f| (&f.layer, &f.source) == (&src.layer, &src.source))
            })
        });
        let pick = same_source.or_else(|| {
            let mut best: Option<(usize, f64)> = None;
            for (i, n) in added.iter().enumerate() {
                let s = similarity(b, &theirs[*n].content);
                if s >= 0.5 && best.is_none_or(|(_, bs)| s > bs) {
                    best = Some((i, s));
                }
            }
            best.map(|(i, _)| i)
        });
        if let Some(i) = pick.filter(|i| movable(old, added[*i])) {
            out.insert(old.clone(), added.remove(i).clone());
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn rename(
    from: &str,
    to: &str,
    base: &Pristine,
    ours: &Tree,
    theirs: &Tree,
    labels: &MergeLabels<'_>,
    policy: Policy,
    files: &mut Vec<FileUpdate>,
    changes: &mut Vec<Change>,
) {
    let o = &ours[from];
    let t = &theirs[to];
    let base_content = base.content(from).unwrap_or(&[]);
    let (entry, conflicts) = if is_binary(&o.content)
        || is_binary(&t.content)
        || o.mode == FileMode::Symlink
        || t.mode == FileMode::Symlink
    {
        (o.clone(), 1)
    } else {
        let m = merge_text(base_content, &o.content, &t.content, *labels);
        let mode = match base.mode(from) {
            Some(bm) if bm != o.mode => o.mode,
            _ => t.mode,
        };
        (
            Entry {
                mode,
                content: m.content,
            },
            m.conflicts,
        )
    };
    push_write(changes, to, &entry);
    push_delete(changes, from);
    files.push(FileUpdate {
        path: to.to_string(),
        action: if conflicts > 0 {
            Action::Conflict
        } else {
            Action::Renamed
        },
        policy,
        from: Some(from.to_string()),
        detail: if conflicts > 0 {
            format!("moved from {from}; local edits carried over with conflicts")
        } else {
            format!("moved from {from}; local edits carried over")
        },
        conflicts,
        before: Some(o.content.clone()),
        after: Some(entry.content),
    });
}

/// Refuse when paths the plan touches have uncommitted changes (git projects only).
pub fn check_clean(plan: &UpdatePlan) -> Result<()> {
    let Some(dirty) = crate::vcs::dirty_paths(&plan.root)? else {
        return Ok(());
    };
    let touched: HashSet<String> = plan.touched().into_iter().collect();
    let mut hits: Vec<String> = dirty.into_iter().filter(|d| touched.contains(d)).collect();
    // An untracked directory is reported as `dir/`; match paths inside it too.
    hits.sort();
    hits.dedup();
    if hits.is_empty() {
        Ok(())
    } else {
        Err(Error::DirtyWorkTree { paths: hits })
    }
}

/// Same source, same commit, same answers, same engine: theirs is the recorded base, so
/// nothing is written. Local edits are found from the manifest's hashes alone (no
/// render). A locally edited enforced path needs the full plan (it is restored).
fn unchanged_fast_path(
    project: &Project,
    new_gp: &GoldenPath,
    answers: &crate::golden_path::Answers,
    dropped: &[String],
) -> Result<Option<UpdatePlan>> {
    let secrets = new_gp.parameters().secrets();
    let recorded_answers: Map<String, Value> = answers
        .values
        .iter()
        .filter(|(k, _)| !secrets.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let same = new_gp.source == project.file.source
        && new_gp.version == project.file.version
        && project.file.engine_version == crate::ENGINE_VERSION
        && recorded_answers == project.file.answers
        && dropped.is_empty()
        && secrets.is_empty();
    if !same {
        return Ok(None);
    }
    let ours = project.read_paths(project.file.manifest.keys())?;
    let mut files = Vec::new();
    for (path, m) in &project.file.manifest {
        let o = ours.get(path);
        let unchanged = o.is_some_and(|e| {
            e.mode == m.mode && (e.mode == FileMode::Dir || hash_bytes(&e.content) == m.hash)
        });
        if unchanged {
            continue;
        }
        if m.policy == Policy::Enforced {
            return Ok(None);
        }
        files.push(FileUpdate {
            path: path.clone(),
            action: Action::Kept,
            policy: m.policy,
            from: None,
            detail: if o.is_some() {
                "local change kept; the template did not change this file"
            } else {
                "deleted locally; kept deleted"
            }
            .to_string(),
            conflicts: 0,
            before: o.map(|e| e.content.clone()),
            after: o.map(|e| e.content.clone()),
        });
    }
    let mut summary = Summary::default();
    if !files.is_empty() {
        summary
            .counts
            .insert(Action::Kept.as_str().to_string(), files.len());
    }
    Ok(Some(UpdatePlan {
        root: project.root.clone(),
        golden_path: new_gp.name().to_string(),
        from_version: project.file.version.clone(),
        to_version: new_gp.version.clone(),
        source: new_gp.source.clone(),
        exact_base: true,
        base_origins: BTreeMap::new(),
        base_notes: Vec::new(),
        dropped_answers: Vec::new(),
        files,
        summary,
        plan: Plan {
            root: project.root.clone(),
            changes: Vec::new(),
        },
    }))
}
