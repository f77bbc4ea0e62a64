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
use crate::project::provenance::AnswersFile;
use crate::project::{BaseOrigin, Pristine, PristineEntry, PristineOptions, Project};
use crate::source::SourceRecord;
use crate::source::remote::Target;
use crate::tree::{Bytes, Entry, FileMode, Tree, hash_bytes};
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
    /// A new source for the golden path (a name, definition file or directory, or git
    /// source), when the template moved: theirs comes from it, and the answers file
    /// records it. It must define the same golden path.
    pub source: Option<String>,
    /// Take a target version older than the recorded one. Without it such an update
    /// (also `latest` when the recorded version is newer, e.g. a project written by a
    /// newer scaffold) is refused with [`Error::Downgrade`]: the older template would
    /// undo the changes between the two versions wherever the user had not edited.
    pub allow_downgrade: bool,
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
    pub before: Option<Bytes>,
    /// The content after (for diffs); `None` when deleted.
    #[serde(skip)]
    pub after: Option<Bytes>,
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
    /// The changelog entries of the versions after `from_version` up to and including
    /// `to_version`, newest first (empty without a changelog, or for a downgrade).
    pub changelog: Vec<crate::golden_path::changelog::ChangelogEntry>,
    /// Whether the version stays the same (`from_version` = `to_version`): an update
    /// that only restores enforced files or applies changed answers.
    pub same_version: bool,
    /// The enforced files whose local edits this update overwrites, sorted, each with
    /// where the overwritten content can be found.
    pub restored: Vec<Restored>,
    /// Every path that changes or is worth reporting, sorted.
    pub files: Vec<FileUpdate>,
    /// Counts.
    pub summary: Summary,
    /// What to write; the answers file last. Empty writes besides it mean a no-op.
    #[serde(skip)]
    pub plan: Plan,
    /// The new version's hooks (`spec.hooks`), run after the plan is applied
    /// ([`run_update_hooks`]), never for the renders it was planned from.
    #[serde(skip)]
    pub hooks: Vec<crate::golden_path::definition::Hook>,
}

/// The folder of `.scaffold/` where an update without git keeps the content of the
/// enforced files it overwrites: `.scaffold/overwritten/<golden-path>/<path>`.
/// `check`, `diff` and the manifest never look there; each update replaces the copy
/// of a path it overwrites again.
pub const OVERWRITTEN_DIR: &str = "overwritten";

/// An enforced file whose local edit an update overwrites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restored {
    /// The path.
    pub path: String,
    /// Where the overwritten content is; `None` when there was none (the file had been
    /// deleted).
    pub saved: Option<Saved>,
}

/// Where the content an update overwrites can be found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Saved {
    /// In the project's git history: the commit at HEAD holds exactly that content.
    Commit {
        /// HEAD's abbreviated hash.
        commit: String,
        /// The command that prints it: `git show HASH:PATH` (path from the repository's
        /// top, run in the project).
        show: String,
    },
    /// A copy the update writes (no git, or HEAD holds other content).
    Copy {
        /// The copy, relative to the project root
        /// (`.scaffold/overwritten/<golden-path>/<path>`).
        path: String,
    },
}

impl std::fmt::Display for Restored {
    /// `path (your version: git show HASH:PATH)` or `path (your version is saved in
    /// COPY)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.saved {
            Some(Saved::Commit { commit, show }) => write!(
                f,
                "{} (your version is in commit {commit}: {show})",
                self.path
            ),
            Some(Saved::Copy { path }) => {
                write!(f, "{} (your version is saved in {path})", self.path)
            }
            None => write!(f, "{} (it had been deleted)", self.path),
        }
    }
}

impl UpdatePlan {
    /// The report's headline for an update that brings no new version but overwrites
    /// local edits of enforced files: `no new version; restoring N enforced files`.
    pub fn restoring_note(&self) -> Option<String> {
        (self.same_version && !self.restored.is_empty()).then(|| {
            format!(
                "no new version; restoring {} enforced file{}",
                self.restored.len(),
                if self.restored.len() == 1 { "" } else { "s" }
            )
        })
    }

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
    /// Why uncommitted changes could not be looked for (no git repository, or one
    /// that points nowhere); `null` when they were.
    pub no_dirty_check: Option<String>,
    /// The new version's hooks of `update`, run or not; absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<crate::hooks::HookReport>,
}

impl UpdatePlan {
    /// This plan's report.
    pub fn report(&self, dry_run: bool, no_dirty_check: Option<String>) -> UpdateReport<'_> {
        UpdateReport {
            plan: self,
            dry_run,
            no_dirty_check,
            hooks: Vec::new(),
        }
    }

    /// Whether applying this plan changes any project file (besides scaffold's own).
    pub fn writes_files(&self) -> bool {
        self.files.iter().any(|f| f.action != Action::Kept)
    }
}

/// Run the `update` hooks of each applied plan in its project, once per plan, in
/// order, after [`apply_all`] wrote them all; `trusted` says of each plan's source
/// whether its hooks may run. A plan that changed no file runs none (there was
/// nothing to follow up). Returns one list of reports per plan.
pub fn run_update_hooks(
    plans: &[UpdatePlan],
    trusted: &dyn Fn(&SourceRecord) -> bool,
    observer: &dyn crate::progress::Observer,
) -> Vec<Vec<crate::hooks::HookReport>> {
    plans
        .iter()
        .map(|p| {
            if !p.writes_files() {
                return Vec::new();
            }
            crate::hooks::run_hooks(
                &p.hooks,
                crate::hooks::HookStage::Update,
                &p.root,
                &p.golden_path,
                trusted(&p.source),
                observer,
            )
        })
        .collect()
}

/// Apply the plans of several projects (`update --all`), all or nothing. The golden
/// paths applied to one root form one plan (every file change first, then every
/// answers file), applied atomically by [`crate::write::apply`]; when a root fails,
/// the roots already updated are put back as they were before, so a failure leaves
/// every project as it was. Returns what was done per root, in order.
pub fn apply_all(
    plans: &[UpdatePlan],
    opts: &crate::write::ApplyOptions<'_>,
) -> Result<Vec<Applied>> {
    apply_all_with(plans, opts, &crate::progress::Silent)
}

/// [`apply_all`], telling `observer` of the [`Stage::Write`](crate::progress::Stage)
/// stage: every change of every plan, counted as written.
pub fn apply_all_with(
    plans: &[UpdatePlan],
    opts: &crate::write::ApplyOptions<'_>,
    observer: &dyn crate::progress::Observer,
) -> Result<Vec<Applied>> {
    use crate::progress::{Event, Stage};
    let total: usize = plans.iter().map(|p| p.plan.changes.len()).sum();
    let before = std::sync::atomic::AtomicUsize::new(0);
    let counted = |written: usize| -> Result<()> {
        observer.event(&Event::Advance {
            stage: Stage::Write,
            done: before.load(std::sync::atomic::Ordering::Relaxed) + written,
        });
        opts.after_write.map_or(Ok(()), |h| h(written))
    };
    let opts = crate::write::ApplyOptions {
        after_write: Some(&counted),
        before_publish: opts.before_publish,
    };
    crate::progress::stage(observer, Stage::Write, Some(total), || {
        apply_combined(plans, &opts, &before)
    })
}

fn apply_combined(
    plans: &[UpdatePlan],
    opts: &crate::write::ApplyOptions<'_>,
    before: &std::sync::atomic::AtomicUsize,
) -> Result<Vec<Applied>> {
    let mut undo: Vec<Plan> = Vec::new();
    let mut out = Vec::new();
    for plan in combined(plans) {
        let back = undo_plan(&plan)?;
        match crate::write::apply_with(&plan, opts) {
            Ok(a) => {
                before.fetch_add(plan.changes.len(), std::sync::atomic::Ordering::Relaxed);
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

impl UpdateTarget {
    /// Answer from the user configuration's defaults for this golden path
    /// ([`UserConfig::defaults_for`](crate::config::UserConfig::defaults_for)) every
    /// parameter that has no answer yet: none recorded in the project (it is new in
    /// this version, or a secret, which is never recorded) and none given by the
    /// caller (`sets`, or the values already in [`UpdateTarget::values`]). Recorded
    /// and given answers always win; a configured default wins over the schema's.
    /// Returns the parameters answered, sorted.
    pub fn answer_from_config(
        &mut self,
        config: &crate::config::UserConfig,
        sets: &[String],
    ) -> Result<Vec<String>> {
        let given: HashSet<&str> = sets
            .iter()
            .filter_map(|s| s.split_once('=').map(|(k, _)| k.trim()))
            .collect();
        let mut answered = Vec::new();
        for (name, value) in config.defaults_for(&self.golden_path)? {
            if !given.contains(name.as_str()) && !self.values.contains_key(&name) {
                self.values.insert(name.clone(), value);
                answered.push(name);
            }
        }
        answered.sort();
        Ok(answered)
    }
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
        && options.source.is_none()
        && (options.answers.keys().any(|k| recorded(k))
            || options
                .sets
                .iter()
                .any(|s| s.split_once('=').is_some_and(|(k, _)| recorded(k))));
    let target = match options.to.as_deref() {
        None if answers_only => project.file.recorded_target(),
        None | Some("latest") => Target::Latest,
        Some(r) => Target::Ref(r.to_string()),
    };
    // The project's baseline (the base of the merge to come) is decoded beside the
    // locating and loading of the target, which is mostly waiting on git (libgit2's
    // first use initialises OpenSSL, tens of milliseconds) and reading its tree.
    let (located, ()) = rayon::join(
        || locate_target(engine, project, options, &target),
        || {
            if !options.reconstruct_base {
                project.preload_baseline();
            }
        },
    );
    let gp = GoldenPath::load(&located?)?;
    target_from(project, options, gp)
}

/// Where the target version of [`load_target`] is.
fn locate_target(
    engine: &Engine,
    project: &Project,
    options: &UpdateOptions,
    target: &Target,
) -> Result<crate::source::Located> {
    Ok(match &options.source {
        Some(new_source) => locate_new_source(engine, new_source, target)?,
        None => {
            if let (SourceRecord::Local { .. }, Target::Ref(r)) = (&project.file.source, target) {
                return Err(Error::SingleVersion {
                    project: Some(project.root.clone()),
                    version: r.to_string(),
                    source_text: project.file.source.to_string(),
                });
            }
            engine.locate_recorded(&project.file.source, &project.file.golden_path, target)?
        }
    })
}

/// [`Error::Downgrade`] when `to` is older than the project's recorded version.
fn refuse_downgrade(project: &Project, to: &str) -> Result<()> {
    let from = &project.file.version;
    if !crate::source::is_downgrade(from, to) {
        return Ok(());
    }
    Err(Error::Downgrade {
        project: project.root.clone(),
        golden_path: project.file.golden_path.clone(),
        from: from.clone(),
        to: to.to_string(),
    })
}

/// The [`UpdateTarget`] of [`load_target`] once its golden path is loaded.
fn target_from(project: &Project, options: &UpdateOptions, gp: GoldenPath) -> Result<UpdateTarget> {
    if gp.name() != project.file.golden_path {
        return Err(Error::SourceMismatch {
            source_text: options
                .source
                .clone()
                .unwrap_or_else(|| project.file.source.to_string()),
            expected: project.file.golden_path.clone(),
            found: gp.name().to_string(),
        });
    }
    if !options.allow_downgrade {
        refuse_downgrade(project, &gp.version)?;
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

/// The golden path at `target` from a source the project moves to: a git source at
/// the target (its own `?ref=` when no target is given), a built-in golden path at a
/// released version, or a local definition (one version only).
fn locate_new_source(
    engine: &Engine,
    new_source: &str,
    target: &Target,
) -> Result<crate::source::Located> {
    if crate::source::git::GitSource::looks_like_git(new_source) {
        let spec = crate::source::git::GitSource::parse(new_source)?;
        let target = match (target, spec.reference) {
            (Target::Latest, Some(r)) => Target::Ref(r),
            (t, _) => t.clone(),
        };
        return engine
            .remote()?
            .locate(&spec.url, spec.subpath.as_deref(), &target);
    }
    let located = match target {
        Target::Latest => engine.locate(new_source)?,
        Target::Ref(r) => {
            let located = engine.locate(new_source)?;
            match located.record {
                SourceRecord::Builtin { .. } => engine.locate_version(&located.name, r)?,
                _ => {
                    return Err(Error::SingleVersion {
                        project: None,
                        version: r.to_string(),
                        source_text: located.fs.display(&located.definition).to_string(),
                    });
                }
            }
        }
    };
    Ok(located)
}

/// The detail of a link or directory changed on both sides: there is no `.theirs` beside
/// it, so theirs is seen in the upstream diff (`check::diff_upstream`).
const BOTH_CHANGED_OURS_KEPT: &str =
    "changed on both sides: ours kept (the upstream diff shows theirs)";

/// Recorded answers failed the new schema: say which, and that an answer given with the
/// update to `version` fixes each.
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
                        "fix it by updating to {version} with a valid value for `/{top}`"
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
    plan_update_with(engine, project, target, options, &crate::progress::Silent)
}

/// [`plan_update`], telling `observer` of its [`Stage::Render`](crate::progress::Stage)
/// (the new version) and [`Stage::Plan`](crate::progress::Stage) (base, ours, the
/// three-way classification) stages.
pub fn plan_update_with(
    engine: &Engine,
    project: &Project,
    target: UpdateTarget,
    options: &UpdateOptions,
    observer: &dyn crate::progress::Observer,
) -> Result<UpdatePlan> {
    use crate::progress::Stage;
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
    let theirs_render =
        crate::progress::stage(observer, Stage::Render, None, || new_gp.render(&answers))?;
    crate::progress::stage(observer, Stage::Plan, None, || {
        plan_against(
            engine,
            project,
            options,
            new_gp,
            answers,
            &theirs_render,
            dropped,
        )
    })
}

/// The plan of [`plan_update_with`] once the new version is rendered.
fn plan_against(
    engine: &Engine,
    project: &Project,
    options: &UpdateOptions,
    new_gp: GoldenPath,
    answers: crate::golden_path::Answers,
    theirs_render: &crate::golden_path::render::Rendered,
    dropped: Vec<String>,
) -> Result<UpdatePlan> {
    // base: the pristine render of the recorded version, from the project's baseline.
    let pristine = project.pristine(
        engine,
        &PristineOptions {
            secrets: crate::project::baseline::secret_values(&new_gp, &answers),
            reconstruct: options.reconstruct_base,
        },
    )?;
    let theirs = theirs_render.tree();

    // ours: every path any side knows.
    let mut all: BTreeSet<String> = pristine.entries.keys().cloned().collect();
    all.extend(theirs.keys().cloned());
    all.extend(project.file.manifest.keys().cloned());
    let (ours, dirs_in_way) = read_ours(project, &pristine, &all)?;

    let labels_base = format!("base {}", project.file.version);
    let labels_theirs = format!("theirs {}", new_gp.version);
    let mut planner = Planner {
        root: &project.root,
        base: &pristine,
        ours: &ours,
        theirs: &theirs,
        labels: MergeLabels {
            ours: "ours",
            base: &labels_base,
            theirs: &labels_theirs,
        },
        files: Vec::new(),
        changes: Vec::new(),
    };

    let new_policy = new_gp.policy();
    planner.plan_paths(&all, project, new_policy, theirs_render)?;
    planner.block_impossible_writes(&dirs_in_way, |p| new_policy.of(p));
    let Planner {
        mut files,
        mut changes,
        ..
    } = planner;

    files.sort_by(|a, b| a.path.cmp(&b.path));
    let restored = save_overwritten(project, new_gp.name(), &files, &mut changes);
    order_changes(&mut changes, project, &new_gp, &answers, theirs_render);
    Ok(UpdatePlan {
        root: project.root.clone(),
        golden_path: new_gp.name().to_string(),
        from_version: project.file.version.clone(),
        to_version: new_gp.version.clone(),
        source: new_gp.source.clone(),
        exact_base: pristine.is_exact(),
        base_origins: pristine.counts(),
        base_notes: pristine.notes.clone(),
        changelog: crate::golden_path::changelog::entries_between(
            &new_gp,
            &project.file.version,
            &new_gp.version,
        ),
        dropped_answers: dropped,
        same_version: project.file.version == new_gp.version,
        restored,
        summary: Summary::of(&files),
        hooks: new_gp.definition.spec.hooks.clone(),
        files,
        plan: Plan {
            root: project.root.clone(),
            changes,
        },
    })
}

/// Where the content of each enforced file whose local edit is overwritten can be
/// found: the commit at HEAD when it holds exactly that content (update refuses a
/// dirty work tree, so it does unless `--allow-dirty`), else a copy under
/// `.scaffold/overwritten/<golden-path>/`, added to `changes`.
fn save_overwritten(
    project: &Project,
    golden_path: &str,
    files: &[FileUpdate],
    changes: &mut Vec<Change>,
) -> Vec<Restored> {
    let mut out = Vec::new();
    for f in files
        .iter()
        .filter(|f| f.action == Action::EnforcedOverwritten)
    {
        let Some(before) = &f.before else {
            out.push(Restored {
                path: f.path.clone(),
                saved: None,
            });
            continue;
        };
        let at_head = crate::project::vcs::head_blob(&project.root, &f.path)
            .filter(|(_, content)| content == before);
        let saved = match at_head {
            Some((commit, _)) => {
                let show = format!("git show {commit}:./{}", f.path);
                Saved::Commit { commit, show }
            }
            None => {
                let path = format!(
                    "{}/{OVERWRITTEN_DIR}/{golden_path}/{}",
                    crate::tree::SCAFFOLD_DIR,
                    f.path
                );
                let mode = project
                    .file
                    .manifest
                    .get(&f.path)
                    .map(|m| m.mode)
                    .filter(|m| *m != FileMode::Dir)
                    .unwrap_or(FileMode::File);
                changes.push(Change {
                    path: path.clone(),
                    op: Op::Write {
                        content: before.clone(),
                        mode,
                    },
                });
                Saved::Copy { path }
            }
        };
        out.push(Restored {
            path: f.path.clone(),
            saved: Some(saved),
        });
    }
    out
}

/// Deletes first (so a file may replace an emptied directory), then writes; the new
/// baseline, then the answers file, last.
fn order_changes(
    changes: &mut Vec<Change>,
    project: &Project,
    new_gp: &GoldenPath,
    answers: &crate::golden_path::Answers,
    theirs_render: &crate::golden_path::render::Rendered,
) {
    changes.sort_by_key(|c| !matches!(c.op, Op::Delete));
    changes.push(Change {
        path: project.baseline_rel(),
        op: Op::Write {
            content: crate::project::baseline::encode(new_gp, answers, theirs_render).into(),
            mode: FileMode::File,
        },
    });
    changes.push(Change {
        path: project.answers_rel.clone(),
        op: Op::Write {
            content: AnswersFile::new(new_gp, answers, theirs_render)
                .to_yaml()
                .into_bytes()
                .into(),
            mode: FileMode::File,
        },
    });
}

/// The working tree at `paths`, without the directories that only hold other paths
/// (not entries of their own: a template file may replace one once its files are
/// gone), which are returned beside it.
fn read_ours(
    project: &Project,
    base: &Pristine,
    paths: &BTreeSet<String>,
) -> Result<(Tree, BTreeSet<String>)> {
    let mut ours = project.read_paths(paths.iter())?;
    let dirs_in_way: BTreeSet<String> = ours
        .iter()
        .filter(|(p, e)| e.mode == FileMode::Dir && base.mode(p) != Some(FileMode::Dir))
        .map(|(p, _)| p.clone())
        .collect();
    for d in &dirs_in_way {
        ours.remove(d);
    }
    Ok((ours, dirs_in_way))
}

impl Summary {
    /// The counts of a report.
    pub fn of(files: &[FileUpdate]) -> Summary {
        let mut summary = Summary::default();
        for f in files {
            *summary
                .counts
                .entry(f.action.as_str().to_string())
                .or_default() += 1;
            summary.conflicts += f.conflicts;
        }
        summary
    }
}

/// What to do with one path, decided from its three sides and its policy alone
/// ([`classify`]), before it becomes changes and a report line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing to do or to report.
    Skip,
    /// Leave the working tree's version (or absence) as it is, and report it.
    Keep {
        /// The report's action.
        action: Action,
        /// Why.
        detail: &'static str,
    },
    /// Take the new version: write it, or delete the path when it has none.
    Take {
        /// The report's action.
        action: Action,
        /// Why.
        detail: &'static str,
    },
    /// Changed on both sides: three-way merge (see [`merge_entry`]).
    Merge,
}

/// The per-path rule of SPEC section 6: `base` is the pristine entry (`None`: not in
/// the recorded render), `ours` the working tree, `theirs` the new render, `policy`
/// the path's policy. Pure: no file system, no git.
pub fn classify(
    base: Option<&PristineEntry>,
    ours: Option<&Entry>,
    theirs: Option<&Entry>,
    policy: Policy,
) -> Decision {
    let same = |e: Option<&Entry>| match (base, e) {
        (None, None) => true,
        (Some(b), Some(e)) => b.same(e),
        _ => false,
    };
    let (ours_unchanged, theirs_unchanged) = (same(ours), same(theirs));
    let keep = |detail| Decision::Keep {
        action: Action::Kept,
        detail,
    };
    let take = |action, detail| Decision::Take { action, detail };
    match policy {
        // Written once: only a seed file that is new to the project is created.
        Policy::Seed => {
            return match (ours, base, theirs) {
                (None, None, Some(_)) => take(Action::Created, "new seed file"),
                (None, None, None) => Decision::Skip,
                (Some(_), _, _) if !theirs_unchanged => keep("seed: never updated"),
                _ => Decision::Skip,
            };
        }
        Policy::Enforced => {
            return match (ours == theirs, ours_unchanged, base, theirs) {
                (true, ..) => Decision::Skip,
                (false, false, ..) => take(
                    Action::EnforcedOverwritten,
                    "enforced: local edit overwritten",
                ),
                (false, true, _, None) => take(Action::Deleted, "enforced"),
                (false, true, None, Some(_)) => take(Action::Created, "enforced"),
                (false, true, Some(_), Some(_)) => take(Action::Updated, "enforced"),
            };
        }
        Policy::Merged => {}
    }
    if ours == theirs {
        return Decision::Skip; // nothing to do (includes both absent)
    }
    if ours_unchanged {
        return match (ours, theirs) {
            (None, Some(_)) => take(Action::Created, "new in this version"),
            (Some(o), Some(t)) if o.content == t.content => take(Action::Updated, "mode changed"),
            (_, Some(_)) => take(Action::Updated, "taken from the new version"),
            (_, None) => take(Action::Deleted, "removed in this version"),
        };
    }
    if theirs_unchanged {
        return keep("local change kept; the template did not change this file");
    }
    match (ours, theirs) {
        (None, Some(_)) => keep("deleted locally; the new version changed it (not restored)"),
        (Some(_), None) => keep("edited locally; the new version deleted it (kept)"),
        (Some(_), Some(_)) => Decision::Merge,
        (None, None) => Decision::Skip,
    }
}

/// The one merge of an entry changed on both sides: the texts three-way merged, with
/// the mode the user changed, else the template's; `None` when it cannot be merged as
/// text (a link or a directory on either side, or binary content on any side).
pub fn merge_entry(
    base: Option<&PristineEntry>,
    ours: &Entry,
    theirs: &Entry,
    labels: MergeLabels<'_>,
) -> Option<(Entry, usize)> {
    let base_content = base.and_then(|b| b.content.as_deref());
    let opaque = |m: FileMode| matches!(m, FileMode::Symlink | FileMode::Dir);
    if opaque(ours.mode)
        || opaque(theirs.mode)
        || is_binary(&ours.content)
        || is_binary(&theirs.content)
        || base_content.is_some_and(is_binary)
    {
        return None;
    }
    let merged = merge_text(
        base_content.unwrap_or(&[]),
        &ours.content,
        &theirs.content,
        labels,
    );
    let mode = match base.map(|b| b.mode) {
        Some(bm) if bm != ours.mode => ours.mode,
        _ => theirs.mode,
    };
    Some((
        Entry {
            mode,
            content: merged.content.into(),
        },
        merged.conflicts,
    ))
}

/// The three sides of a project being planned, and the plan so far.
struct Planner<'a> {
    root: &'a std::path::Path,
    base: &'a Pristine,
    ours: &'a Tree,
    theirs: &'a Tree,
    labels: MergeLabels<'a>,
    files: Vec<FileUpdate>,
    changes: Vec<Change>,
}

impl Planner<'_> {
    fn report(
        &self,
        path: &str,
        policy: Policy,
        (action, detail): (Action, String),
        after: Option<&Entry>,
        conflicts: usize,
    ) -> FileUpdate {
        FileUpdate {
            path: path.to_string(),
            action,
            policy,
            from: None,
            detail,
            conflicts,
            before: self.ours.get(path).map(|e| e.content.clone()),
            after: after.map(|e| e.content.clone()),
        }
    }

    /// Plan every path: renames first matched (base paths the template dropped, to
    /// paths it added), then each path by its policy.
    fn plan_paths(
        &mut self,
        all: &BTreeSet<String>,
        project: &Project,
        new_policy: &crate::golden_path::PolicyMatcher,
        theirs_render: &crate::golden_path::render::Rendered,
    ) -> Result<()> {
        let recorded_policy = |p: &str| project.file.manifest.get(p).map(|m| m.policy);
        let movable = |old: &str, new: &str| {
            recorded_policy(old).unwrap_or(Policy::Merged) == Policy::Merged
                && new_policy.of(new) == Policy::Merged
        };
        let renames = find_renames(self.base, theirs_render, self.theirs, self.ours, &movable);
        let rename_targets: HashSet<&String> = renames.values().collect();
        for path in all {
            if rename_targets.contains(path) {
                continue; // handled with its source path
            }
            if let Some(to) = renames.get(path) {
                self.rename(path, to, new_policy.of(to));
                continue;
            }
            // A path the new version dropped keeps the policy it was generated with.
            let policy = if self.theirs.contains_key(path) || !self.base.has(path) {
                new_policy.of(path)
            } else {
                recorded_policy(path).unwrap_or_else(|| new_policy.of(path))
            };
            self.path(path, policy)?;
        }
        Ok(())
    }

    /// Plan one path (not a rename).
    fn path(&mut self, path: &str, policy: Policy) -> Result<()> {
        let (o, t) = (self.ours.get(path), self.theirs.get(path));
        let b = self.base.entries.get(path);
        match classify(b, o, t, policy) {
            Decision::Skip => {}
            Decision::Keep { action, detail } => {
                let r = self.report(path, policy, (action, detail.into()), o, 0);
                self.files.push(r);
            }
            Decision::Take { action, detail } => {
                match t {
                    Some(t) => push_write(&mut self.changes, path, t),
                    None => push_delete(&mut self.changes, path),
                }
                let r = self.report(path, policy, (action, detail.into()), t, 0);
                self.files.push(r);
            }
            Decision::Merge => {
                let (Some(o), Some(t)) = (o, t) else {
                    unreachable!("classify merges only paths present on both sides")
                };
                self.merge(path, policy, b, o, t)?;
            }
        }
        Ok(())
    }

    fn merge(
        &mut self,
        path: &str,
        policy: Policy,
        b: Option<&PristineEntry>,
        o: &Entry,
        t: &Entry,
    ) -> Result<()> {
        let Some((entry, conflicts)) = merge_entry(b, o, t, self.labels) else {
            return self.binary_conflict(path, policy, o, t);
        };
        if entry != *o {
            push_write(&mut self.changes, path, &entry);
        }
        let detail = match (conflicts, b.is_some()) {
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
        let r = self.report(
            path,
            policy,
            (detail.0, detail.1.into()),
            Some(&entry),
            conflicts,
        );
        self.files.push(r);
        Ok(())
    }

    /// Ours is kept; theirs goes beside it as `PATH.theirs` when that is free.
    fn binary_conflict(&mut self, path: &str, policy: Policy, o: &Entry, t: &Entry) -> Result<()> {
        let beside = format!("{path}.theirs");
        let free =
            crate::project::read_entry(&crate::tree::to_fs_path(self.root, &beside))?.is_none();
        let detail = if t.mode == FileMode::Symlink || t.mode == FileMode::Dir {
            BOTH_CHANGED_OURS_KEPT.to_string()
        } else if free {
            push_write(&mut self.changes, &beside, t);
            format!("binary changed on both sides: ours kept, theirs written to {beside}")
        } else {
            format!(
                "binary changed on both sides: ours kept; {beside} already exists, so theirs was not written"
            )
        };
        let r = self.report(path, policy, (Action::Conflict, detail), Some(o), 1);
        self.files.push(r);
        Ok(())
    }

    /// Carry the user's edits of `from` to the path the template moved it to; a path
    /// the user deleted stays deleted at its new path too.
    fn rename(&mut self, from: &str, to: &str, policy: Policy) {
        let Some(o) = self.ours.get(from) else {
            self.files.push(FileUpdate {
                path: to.to_string(),
                action: Action::Kept,
                policy,
                from: Some(from.to_string()),
                detail: format!(
                    "deleted locally; the new version moved it from {from}, so it is not re-created"
                ),
                conflicts: 0,
                before: None,
                after: None,
            });
            return;
        };
        let t = &self.theirs[to];
        let (entry, conflicts) = merge_entry(self.base.entries.get(from), o, t, self.labels)
            .unwrap_or_else(|| (o.clone(), 1));
        push_write(&mut self.changes, to, &entry);
        push_delete(&mut self.changes, from);
        let carried = if conflicts > 0 {
            "local edits carried over with conflicts"
        } else {
            "local edits carried over"
        };
        self.files.push(FileUpdate {
            path: to.to_string(),
            action: if conflicts > 0 {
                Action::Conflict
            } else {
                Action::Renamed
            },
            policy,
            from: Some(from.to_string()),
            detail: format!("moved from {from}; {carried}"),
            conflicts,
            before: Some(o.content.clone()),
            after: Some(entry.content),
        });
    }

    /// Writes that cannot happen, reported as conflicts now so the dry run and the
    /// real run agree: onto a directory that keeps other files, or under a file the
    /// update keeps (the user edited it; the new version has a directory there).
    fn block_impossible_writes(
        &mut self,
        dirs_in_way: &BTreeSet<String>,
        policy_of: impl Fn(&str) -> Policy,
    ) {
        let under_kept = writes_under_kept_files(&self.changes, self.ours);
        for (path, kept) in &under_kept {
            let detail = format!(
                "`{kept}` is kept (it has local changes), and this path needs a directory there: move `{kept}`, then update again"
            );
            match self.files.iter_mut().find(|f| f.path == *path) {
                Some(f) => {
                    f.action = Action::Conflict;
                    f.conflicts = f.conflicts.max(1);
                    f.detail = detail;
                    f.after = f.before.clone();
                }
                None => self.files.push(FileUpdate {
                    path: path.clone(),
                    action: Action::Conflict,
                    policy: policy_of(path),
                    from: None,
                    detail,
                    conflicts: 1,
                    before: None,
                    after: None,
                }),
            }
        }
        self.changes.retain(|c| !under_kept.contains_key(&c.path));
        let blocked = dirs_that_stay(self.root, dirs_in_way, &self.changes);
        if blocked.is_empty() {
            return;
        }
        self.changes.retain(|c| !blocked.contains(&c.path));
        for f in self.files.iter_mut().filter(|f| blocked.contains(&f.path)) {
            f.action = Action::Conflict;
            f.conflicts = f.conflicts.max(1);
            f.detail = "a directory with other files stands where this file goes: move it, then update again".to_string();
            f.after = None;
        }
    }
}

/// The directories of `dirs_in_way` that `changes` write a file onto while they keep
/// files the changes do not delete.
fn dirs_that_stay(
    root: &std::path::Path,
    dirs_in_way: &BTreeSet<String>,
    changes: &[Change],
) -> BTreeSet<String> {
    let deleted: BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.op == Op::Delete)
        .map(|c| c.path.as_str())
        .collect();
    let rel = |p: &std::path::Path| -> Option<String> {
        let r = p.strip_prefix(root).ok()?;
        Some(
            r.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/"),
        )
    };
    dirs_in_way
        .iter()
        .filter(|d| {
            changes
                .iter()
                .any(|c| c.path == **d && matches!(c.op, Op::Write { .. }))
        })
        .filter(|d| {
            walkdir::WalkDir::new(crate::tree::to_fs_path(root, d))
                .min_depth(1)
                .into_iter()
                .filter_map(|e| e.ok())
                .any(|e| {
                    !e.file_type().is_dir()
                        && rel(e.path()).is_none_or(|r| !deleted.contains(r.as_str()))
                })
        })
        .cloned()
        .collect()
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
/// Only paths the user edited or deleted are matched; untouched ones follow the normal
/// rules.
fn find_renames(
    base: &Pristine,
    theirs_render: &crate::golden_path::render::Rendered,
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
        // An untouched path simply moves (delete + create); an edited one carries its
        // edits; a deleted one stays deleted at its new path too.
        if let Some(o) = ours.get(old) {
            if base.same(old, Some(o)) || o.mode == FileMode::Dir {
                continue;
            }
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

/// Refuse to update over conflicts an earlier update left unresolved (conflict markers
/// in merged or enforced files, `.theirs` files): merging again would nest markers.
pub fn check_resolved(project: &Project) -> Result<()> {
    let left = crate::check::unresolved_conflicts(project)?;
    if left.is_empty() {
        return Ok(());
    }
    Err(Error::UnresolvedConflicts {
        conflicts: left.iter().map(ToString::to_string).collect(),
    })
}

/// Refuse when paths the plan touches have uncommitted changes (git projects only).
pub fn check_clean(plan: &UpdatePlan) -> Result<()> {
    // The baseline is scaffold's own copy of the render, rewritten by every update; an
    // uncommitted one leaves the answers file uncommitted too, which is looked at.
    // (Asking git about it would hash the whole render once more.)
    let baseline = AnswersFile::baseline_relative_path(&plan.golden_path);
    let touched: Vec<String> = plan
        .touched()
        .into_iter()
        .filter(|p| *p != baseline)
        .collect();
    let Some(dirty) = crate::project::vcs::dirty_paths(&plan.root, Some(&touched))? else {
        return Ok(());
    };
    let touched: HashSet<String> = touched.into_iter().collect();
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
    let summary = Summary::of(&files);
    Ok(Some(UpdatePlan {
        root: project.root.clone(),
        golden_path: new_gp.name().to_string(),
        from_version: project.file.version.clone(),
        to_version: new_gp.version.clone(),
        source: new_gp.source.clone(),
        exact_base: true,
        base_origins: BTreeMap::new(),
        base_notes: Vec::new(),
        changelog: Vec::new(),
        dropped_answers: Vec::new(),
        same_version: true,
        restored: Vec::new(),
        files,
        summary,
        plan: Plan {
            root: project.root.clone(),
            changes: Vec::new(),
        },
        hooks: new_gp.definition.spec.hooks.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The remedies in an update's messages name the update's target and the answer,
    /// not the CLI's flags (the CLI words them).
    #[test]
    fn update_hints_name_no_flag() {
        let err = Error::InvalidAnswers {
            problems: vec![crate::error::AnswerProblem {
                pointer: "/tier".into(),
                message: "\"3\" is not one of \"1\" or \"2\"".into(),
                description: None,
                hint: None,
                location: None,
            }],
        };
        let recorded = serde_json::json!({"tier": "3"});
        let text = explain_answers(err, recorded.as_object().unwrap(), "v1.1.0").to_string();
        assert!(
            text.contains("fix it by updating to v1.1.0 with a valid value for `/tier`"),
            "{text}"
        );
        assert_eq!(crate::error::flag_in(&text), None, "{text}");
        assert_eq!(crate::error::flag_in(BOTH_CHANGED_OURS_KEPT), None);
    }

    fn file(s: &str) -> Entry {
        Entry {
            mode: FileMode::File,
            content: Bytes::copy_from_slice(s.as_bytes()),
        }
    }

    fn exe(s: &str) -> Entry {
        Entry {
            mode: FileMode::Executable,
            content: Bytes::copy_from_slice(s.as_bytes()),
        }
    }

    fn base(e: &Entry, known: bool) -> PristineEntry {
        PristineEntry {
            mode: e.mode,
            hash: hash_bytes(&e.content),
            content: known.then(|| e.content.clone()),
            origin: BaseOrigin::Baseline,
        }
    }

    fn kept(detail: &'static str) -> Decision {
        Decision::Keep {
            action: Action::Kept,
            detail,
        }
    }

    fn take(action: Action, detail: &'static str) -> Decision {
        Decision::Take { action, detail }
    }

    type Row<'a> = (
        Option<&'a Entry>,
        Option<&'a Entry>,
        Option<&'a Entry>,
        Policy,
        Decision,
    );

    /// Every row: base, ours, theirs, policy -> decision. `base` is checked both
    /// with its content known and with only its hash (a format-1 project).
    #[test]
    fn classify_table() {
        use Policy::{Enforced, Merged, Seed};
        let (a, b, c) = (file("a\n"), file("b\n"), file("c\n"));
        let a_exe = exe("a\n");
        let rows: Vec<Row<'_>> = vec![
            // merged
            (Some(&a), Some(&a), Some(&a), Merged, Decision::Skip),
            (None, None, None, Merged, Decision::Skip),
            (
                Some(&a),
                Some(&a),
                Some(&b),
                Merged,
                take(Action::Updated, "taken from the new version"),
            ),
            (
                Some(&a),
                Some(&a),
                Some(&a_exe),
                Merged,
                take(Action::Updated, "mode changed"),
            ),
            (
                None,
                None,
                Some(&b),
                Merged,
                take(Action::Created, "new in this version"),
            ),
            (
                Some(&a),
                Some(&a),
                None,
                Merged,
                take(Action::Deleted, "removed in this version"),
            ),
            (
                Some(&a),
                Some(&b),
                Some(&a),
                Merged,
                kept("local change kept; the template did not change this file"),
            ),
            (
                Some(&a),
                None,
                Some(&a),
                Merged,
                kept("local change kept; the template did not change this file"),
            ),
            (Some(&a), Some(&b), Some(&b), Merged, Decision::Skip),
            (Some(&a), Some(&b), Some(&c), Merged, Decision::Merge),
            (None, Some(&b), Some(&c), Merged, Decision::Merge),
            (
                Some(&a),
                None,
                Some(&c),
                Merged,
                kept("deleted locally; the new version changed it (not restored)"),
            ),
            (
                Some(&a),
                Some(&b),
                None,
                Merged,
                kept("edited locally; the new version deleted it (kept)"),
            ),
            // seed
            (
                None,
                None,
                Some(&b),
                Seed,
                take(Action::Created, "new seed file"),
            ),
            (Some(&a), None, Some(&b), Seed, Decision::Skip),
            (
                Some(&a),
                Some(&a),
                Some(&b),
                Seed,
                kept("seed: never updated"),
            ),
            (Some(&a), Some(&b), Some(&a), Seed, Decision::Skip),
            (None, Some(&a), Some(&b), Seed, kept("seed: never updated")),
            // enforced
            (Some(&a), Some(&a), Some(&a), Enforced, Decision::Skip),
            (
                Some(&a),
                Some(&a),
                Some(&b),
                Enforced,
                take(Action::Updated, "enforced"),
            ),
            (
                None,
                None,
                Some(&b),
                Enforced,
                take(Action::Created, "enforced"),
            ),
            (
                Some(&a),
                Some(&a),
                None,
                Enforced,
                take(Action::Deleted, "enforced"),
            ),
            (
                Some(&a),
                Some(&c),
                Some(&b),
                Enforced,
                take(
                    Action::EnforcedOverwritten,
                    "enforced: local edit overwritten",
                ),
            ),
            (
                Some(&a),
                None,
                Some(&a),
                Enforced,
                take(
                    Action::EnforcedOverwritten,
                    "enforced: local edit overwritten",
                ),
            ),
        ];
        for (i, (b0, o, t, policy, want)) in rows.iter().enumerate() {
            for known in [true, false] {
                let b = b0.map(|e| base(e, known));
                let got = classify(b.as_ref(), *o, *t, *policy);
                assert_eq!(got, *want, "row {i} (base content known: {known})");
            }
        }
    }

    #[test]
    fn merge_entry_rules() {
        let labels = MergeLabels {
            ours: "ours",
            base: "base",
            theirs: "theirs",
        };
        let b = file("1\n2\n3\n");
        let o = exe("0\n1\n2\n3\n");
        let t = file("1\n2\n3\n4\n");
        let (merged, conflicts) = merge_entry(Some(&base(&b, true)), &o, &t, labels).unwrap();
        assert_eq!(conflicts, 0);
        assert_eq!(merged.content, &b"0\n1\n2\n3\n4\n"[..]);
        assert_eq!(
            merged.mode,
            FileMode::Executable,
            "the mode the user changed wins"
        );
        let (merged, _) = merge_entry(Some(&base(&b, true)), &b, &exe("1\n"), labels).unwrap();
        assert_eq!(merged.mode, FileMode::Executable, "else the template's");

        let bin = Entry {
            mode: FileMode::File,
            content: Bytes::from_static(&[0, 1, 2]),
        };
        let link = Entry {
            mode: FileMode::Symlink,
            content: Bytes::from_static(b"target"),
        };
        for (o, t) in [(&bin, &t), (&o, &bin), (&link, &t), (&o, &link)] {
            assert_eq!(merge_entry(Some(&base(&b, true)), o, t, labels), None);
        }
        assert_eq!(merge_entry(Some(&base(&bin, true)), &o, &t, labels), None);
    }
}
