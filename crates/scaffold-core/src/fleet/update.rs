//! `scaffold fleet update` (docs/fleet.md): one update campaign over many
//! repositories. For each repository: a temporary clone, the campaign's branch
//! (taken from the remote when it exists, so a re-run adds to it, else made from the
//! branch the repository is read from), the three-way update of every project of the
//! golden path in it ([`crate::update`], the same planner and writer as `scaffold
//! update`), a commit whose message carries the changelog entries and the conflicts,
//! and a push of the branch to the repository's own remote. Nothing is committed or
//! pushed under a dry run. A repository already at the version is skipped, and so is
//! one whose update would leave conflicts unless they are allowed.

use std::path::Path;

use serde::Serialize;

use crate::check::ErrorInfo;
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::fleet::RepoInput;
use crate::golden_path::changelog::ChangelogEntry;
use crate::progress::Observer;
use crate::project::Project;
use crate::source::git::GitError;
use crate::update::{Action, UpdateOptions};

/// What a campaign does.
#[derive(Debug, Clone)]
pub struct CampaignOptions {
    /// The golden path to update.
    pub golden_path: String,
    /// The version to update to.
    pub to: String,
    /// The branch the update is committed on and pushed to.
    pub branch: String,
    /// Commit and push updates that leave conflicts (else they are skipped).
    pub allow_conflicts: bool,
    /// Plan only: nothing is committed or pushed.
    pub dry_run: bool,
    /// Repositories worked on at the same time (at least 1).
    pub jobs: usize,
}

/// What became of one repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Updated, committed and pushed (or, in a dry run, would be) without conflicts.
    Updated,
    /// Updated with conflicts left in the files (only with conflicts allowed).
    UpdatedWithConflicts,
    /// Every project of the golden path is already at the version.
    Current,
    /// The update would leave conflicts, and they are not allowed: nothing done.
    SkippedConflicts,
    /// The repository has no project of the golden path.
    NotUsed,
    /// It could not be cloned, updated, committed or pushed.
    Failed,
}

/// One repository's part of the campaign.
#[derive(Debug, Clone, Serialize)]
pub struct RepoUpdate {
    /// The repository, as in [`RepoInput::id`].
    pub repository: String,
    /// What became of it.
    pub outcome: Outcome,
    /// Each updated project: its directory in the repository and its versions.
    pub projects: Vec<ProjectUpdate>,
    /// The changelog entries between the oldest recorded version and the new one.
    pub changelog: Vec<ChangelogEntry>,
    /// Paths left with conflicts (relative to the repository root).
    pub conflicts: Vec<String>,
    /// The commit made on the branch, when one was.
    pub commit: Option<String>,
    /// Whether the branch was pushed.
    pub pushed: bool,
    /// Whether the branch already existed on the remote (a re-run adds to it).
    pub branch_existed: bool,
    /// The pull request's description (Markdown), for updated repositories.
    pub pr_description: Option<String>,
    /// Why it failed.
    pub error: Option<ErrorInfo>,
}

/// One project updated in a repository.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectUpdate {
    /// Its directory, relative to the repository root (`.` for the root).
    pub root: String,
    /// The recorded version before.
    pub from_version: String,
    /// The version after.
    pub to_version: String,
}

/// The campaign's report (`scaffold fleet update --format json`).
#[derive(Debug, Clone, Serialize)]
pub struct CampaignReport {
    /// The golden path.
    pub golden_path: String,
    /// The version updated to.
    pub to: String,
    /// The branch.
    pub branch: String,
    /// Whether nothing was committed or pushed.
    pub dry_run: bool,
    /// Every repository, in input order.
    pub repositories: Vec<RepoUpdate>,
    /// The repositories by outcome.
    pub summary: std::collections::BTreeMap<Outcome, Vec<String>>,
    /// 0: every repository updated, current or not using the golden path; 1: some
    /// were skipped for conflicts or left with them; 2: some failed.
    pub exit_code: u8,
}

/// Run the campaign over `inputs`. Each repository's failure is its own row; the
/// others go on. Errors: only a branch name git refuses, or a thread pool that
/// cannot start.
pub fn run(
    engine: &Engine,
    inputs: &[RepoInput],
    opts: &CampaignOptions,
    progress: &dyn Observer,
) -> Result<CampaignReport> {
    if !git2::Branch::name_is_valid(&opts.branch).unwrap_or(false) {
        return Err(Error::FleetInput {
            location: crate::error::Location {
                file: "the campaign's branch".into(),
                line: 0,
                column: 0,
            },
            message: format!("`{}` is not a valid git branch name", opts.branch),
        });
    }
    let repositories = crate::fleet::each_repo(inputs, opts.jobs, progress, |input| {
        update_repo(engine, input, opts)
    })?;
    let mut summary = std::collections::BTreeMap::<Outcome, Vec<String>>::new();
    for r in &repositories {
        summary
            .entry(r.outcome)
            .or_default()
            .push(r.repository.clone());
    }
    let exit_code = if summary.contains_key(&Outcome::Failed) {
        2
    } else if summary.contains_key(&Outcome::SkippedConflicts)
        || summary.contains_key(&Outcome::UpdatedWithConflicts)
    {
        1
    } else {
        0
    };
    Ok(CampaignReport {
        golden_path: opts.golden_path.clone(),
        to: opts.to.clone(),
        branch: opts.branch.clone(),
        dry_run: opts.dry_run,
        repositories,
        summary,
        exit_code,
    })
}

fn update_repo(engine: &Engine, input: &RepoInput, opts: &CampaignOptions) -> RepoUpdate {
    let mut row = RepoUpdate {
        repository: input.id(),
        outcome: Outcome::Failed,
        projects: Vec::new(),
        changelog: Vec::new(),
        conflicts: Vec::new(),
        commit: None,
        pushed: false,
        branch_existed: false,
        pr_description: None,
        error: None,
    };
    let tmp = match tempfile::Builder::new().prefix("scaffold-fleet-").tempdir() {
        Ok(t) => t,
        Err(e) => {
            let e = Error::io("cannot make a temporary directory", std::env::temp_dir(), e);
            row.error = Some(ErrorInfo::of(&e));
            return row;
        }
    };
    let clone = tmp.path().join("repo");
    if let Err(e) = fill(engine, input, opts, &clone, &mut row) {
        row.outcome = Outcome::Failed;
        row.error = Some(in_repository(ErrorInfo::of(&e), &clone));
    }
    row
}

/// An error as the repository's own: paths inside the temporary clone become paths
/// relative to the repository's root (the clone itself `.`), since the clone is gone
/// by the time anybody reads the report.
fn in_repository(mut info: ErrorInfo, clone: &Path) -> ErrorInfo {
    let root = clone.display().to_string();
    let strip = |text: &str| text.replace(&format!("{root}/"), "").replace(&root, ".");
    info.message = strip(&info.message);
    for cause in &mut info.causes {
        *cause = strip(cause);
    }
    info
}

/// A clone or push (`action`) that failed: the repository could not be reached, or
/// refused the credentials.
fn no_access(action: &'static str, url: &str) -> impl FnOnce(git2::Error) -> Error + use<> {
    let url = url.to_string();
    move |source| {
        Error::Git(GitError::RepositoryAccess {
            action,
            url,
            source,
        })
    }
}

fn fill(
    engine: &Engine,
    input: &RepoInput,
    opts: &CampaignOptions,
    dir: &Path,
    row: &mut RepoUpdate,
) -> Result<()> {
    let repo = git2::Repository::clone(&input.url, dir).map_err(no_access("clone", &input.url))?;
    row.branch_existed = checkout_campaign_branch(&repo, input, &opts.branch)?;
    let projects = match Project::find(dir, Some(&opts.golden_path)) {
        Ok(p) => p,
        Err(Error::NoProject(_) | Error::GoldenPathNotApplied { .. }) => {
            row.outcome = Outcome::NotUsed;
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let wanted = opts.to.trim_start_matches('v');
    let behind: Vec<Project> = projects
        .into_iter()
        .filter(|p| p.file.version.trim_start_matches('v') != wanted)
        .collect();
    if behind.is_empty() {
        row.outcome = Outcome::Current;
        return Ok(());
    }
    let options = UpdateOptions {
        to: Some(opts.to.clone()),
        ..UpdateOptions::default()
    };
    let mut plans = Vec::new();
    for project in &behind {
        let target = crate::update::load_target(engine, project, &options)?;
        plans.push(crate::update::plan_update(
            engine, project, target, &options,
        )?);
    }
    let rel = |root: &Path| {
        let r = root
            .strip_prefix(dir)
            .unwrap_or(root)
            .to_string_lossy()
            .replace('\\', "/");
        if r.is_empty() { ".".to_string() } else { r }
    };
    for plan in &plans {
        row.projects.push(ProjectUpdate {
            root: rel(&plan.root),
            from_version: plan.from_version.clone(),
            to_version: plan.to_version.clone(),
        });
        if row.changelog.len() < plan.changelog.len() {
            row.changelog = plan.changelog.clone();
        }
        let prefix = rel(&plan.root);
        for f in plan.files.iter().filter(|f| f.action == Action::Conflict) {
            row.conflicts.push(if prefix == "." {
                f.path.clone()
            } else {
                format!("{prefix}/{}", f.path)
            });
        }
    }
    let conflicted = !row.conflicts.is_empty();
    if conflicted && !opts.allow_conflicts {
        row.outcome = Outcome::SkippedConflicts;
        return Ok(());
    }
    row.outcome = if conflicted {
        Outcome::UpdatedWithConflicts
    } else {
        Outcome::Updated
    };
    row.pr_description = Some(pr_description(opts, row));
    if opts.dry_run {
        return Ok(());
    }
    crate::update::apply_all(&plans, &crate::write::ApplyOptions::default())?;
    row.commit = crate::project::vcs::commit_all(dir, &commit_message(opts, row))?;
    if row.commit.is_some() {
        let refspec = format!("refs/heads/{b}:refs/heads/{b}", b = opts.branch);
        repo.find_remote("origin")
            .and_then(|mut remote| remote.push(&[refspec.as_str()], None))
            .map_err(no_access("push to", &input.url))?;
        row.pushed = true;
    }
    Ok(())
}

/// Check out the campaign's branch in a fresh clone: the remote's when it exists
/// (returns true), else a new one from the branch the repository is read from.
fn checkout_campaign_branch(
    repo: &git2::Repository,
    input: &RepoInput,
    branch: &str,
) -> Result<bool> {
    let git = |e: git2::Error| Error::Git(GitError::Git(e));
    let remote_branch = repo
        .find_branch(&format!("origin/{branch}"), git2::BranchType::Remote)
        .ok();
    let existed = remote_branch.is_some();
    let start = match (&remote_branch, &input.branch) {
        (Some(b), _) => b.get().peel_to_commit(),
        (None, Some(from)) => repo
            .find_branch(&format!("origin/{from}"), git2::BranchType::Remote)
            .and_then(|b| b.get().peel_to_commit()),
        (None, None) => repo.head().and_then(|h| h.peel_to_commit()),
    }
    .map_err(git)?;
    repo.branch(branch, &start, true).map_err(git)?;
    repo.set_head(&format!("refs/heads/{branch}"))
        .map_err(git)?;
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .map_err(git)?;
    Ok(existed)
}

/// The commit message: a subject, the changelog entries and the conflicts.
pub fn commit_message(opts: &CampaignOptions, row: &RepoUpdate) -> String {
    let from: Vec<&str> = row
        .projects
        .iter()
        .map(|p| p.from_version.as_str())
        .collect();
    let mut msg = format!(
        "Update {} from {} to {}\n",
        opts.golden_path,
        from.join(", "),
        opts.to
    );
    if !row.changelog.is_empty() {
        msg.push_str("\nChanges:\n");
        for e in &row.changelog {
            msg.push_str(&format!("\n## {}\n\n{}\n", e.version, e.body));
        }
    }
    if !row.conflicts.is_empty() {
        msg.push_str("\nConflicts to resolve:\n");
        for c in &row.conflicts {
            msg.push_str(&format!("- {c}\n"));
        }
    }
    msg
}

/// The pull request's description in Markdown.
pub fn pr_description(opts: &CampaignOptions, row: &RepoUpdate) -> String {
    let mut md = format!(
        "# Update {} to {}\n\nThis branch (`{}`) re-applies golden path `{}` at version {} as a three-way merge (`scaffold fleet update`): local edits are kept.\n\n| project | from | to |\n|---|---|---|\n",
        opts.golden_path, opts.to, opts.branch, opts.golden_path, opts.to
    );
    for p in &row.projects {
        md.push_str(&format!(
            "| `{}` | {} | {} |\n",
            p.root, p.from_version, p.to_version
        ));
    }
    if !row.changelog.is_empty() {
        md.push_str("\n## Changelog\n");
        for e in &row.changelog {
            md.push_str(&format!("\n### {}\n\n{}\n", e.version, e.body));
        }
    }
    if row.conflicts.is_empty() {
        md.push_str("\nNo conflicts.\n");
    } else {
        md.push_str("\n## Conflicts to resolve before merging\n\n");
        for c in &row.conflicts {
            md.push_str(&format!("- [ ] `{c}`\n"));
        }
    }
    md
}
