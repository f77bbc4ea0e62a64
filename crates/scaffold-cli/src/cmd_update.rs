//! `scaffold update`: find the project(s), carry answers over (asking for new
//! required ones on a terminal), plan the three-way update, then print and apply it.

use std::path::{Path, PathBuf};

use anstream::{eprintln, print, println};

use scaffold_core::project::Project;
use scaffold_core::update::{self, Action, UpdateOptions, UpdatePlan};
use scaffold_core::{Engine, Error};

use crate::cli::{Format, Global, UpdateArgs};
use crate::output::{self, BOLD, CYAN, DIM, GREEN, RED, RESET, YELLOW};
use crate::prompt;

pub fn run(
    engine: &Engine,
    global: &Global,
    config: Option<&scaffold_core::config::UserConfig>,
    args: &UpdateArgs,
) -> Result<u8, Error> {
    // Without DIR: the project the current directory is in (from any subdirectory,
    // as git finds its work tree); with --all, every project below it.
    let dir = Project::command_dir(args.dir.as_deref(), args.all);
    let found = Project::select(&dir, args.golden_path.as_deref(), args.all)?;
    let _locks = lock_roots(&found, args, global)?;
    // Re-open after a rollback: the answers file may have been restored.
    let projects = if _locks.is_empty() {
        found
    } else {
        Project::select(&dir, args.golden_path.as_deref(), args.all)?
    };
    let mut plans = Vec::new();
    let mut warnings: Vec<Option<String>> = Vec::new();
    for project in &projects {
        let plan = plan_one(engine, project, args, global, config)?;
        let warning = scaffold_core::project::vcs::no_dirty_check(&plan.root);
        if !confirm_without_git(&plan, warning.as_deref(), args, global)? {
            eprintln!("Nothing written.");
            return Ok(crate::cli::EXIT_CANCELLED);
        }
        warnings.push(warning);
        plans.push(plan);
    }
    if !confirm_restored(&plans, args)? {
        eprintln!("Nothing written.");
        return Ok(crate::cli::EXIT_CANCELLED);
    }
    // Everything is planned before anything is written.
    if !args.dry_run {
        let hook = crate::fault_hook();
        let opts = scaffold_core::ApplyOptions {
            after_write: hook
                .as_deref()
                .map(|h| h as scaffold_core::write::WriteHook<'_>),
            before_publish: None,
        };
        let progress = output::Progress::new(global.quiet, args.format == Format::Json);
        update::apply_all_with(&plans, &opts, &progress)?;
    }
    // Hooks run once per applied plan, in its project, after everything is written;
    // never in a dry run.
    let hooks = if args.dry_run {
        vec![Vec::new(); plans.len()]
    } else {
        let progress = output::Progress::new(global.quiet, args.format == Format::Json);
        let trusted = |source: &scaffold_core::SourceRecord| {
            args.trust || config.is_some_and(|c| c.trusts(source))
        };
        update::run_update_hooks(&plans, &trusted, &progress)
    };
    let hooks_failed = hooks.iter().any(|h| scaffold_core::hooks::any_failed(h));
    let conflicts = plans.iter().any(UpdatePlan::has_conflicts) || hooks_failed;
    if args.format == Format::Json {
        let reports: Vec<_> = plans
            .iter()
            .zip(&warnings)
            .zip(hooks)
            .map(|((p, w), h)| {
                let mut r = p.report(args.dry_run, w.clone());
                r.hooks = h;
                r
            })
            .collect();
        // One project: an object; --all: always an array, however many were found.
        if args.all {
            output::json(&reports);
        } else {
            output::json(&reports[0]);
        }
    } else {
        for (plan, h) in plans.iter().zip(&hooks) {
            print_plan(plan, args.dry_run, global);
            output::print_hooks(h, global.quiet, global.verbose);
        }
    }
    Ok(u8::from(conflicts))
}

/// One writer per project: lock every root, and roll back an interrupted run there,
/// before anything is read for planning. A dry run locks nothing and refuses a root
/// an interrupted run left half written.
fn lock_roots(
    found: &[Project],
    args: &UpdateArgs,
    global: &Global,
) -> Result<Vec<scaffold_core::ProjectLock>, Error> {
    let mut roots: Vec<PathBuf> = found.iter().map(|p| p.root.clone()).collect();
    roots.sort();
    roots.dedup();
    let mut locks = Vec::new();
    for root in &roots {
        if args.dry_run {
            if scaffold_core::project::journal::interrupted(root) {
                return Err(Error::Usage(format!(
                    "an interrupted scaffold run left `{}` half written; run `scaffold update` without --dry-run to roll it back first",
                    root.display()
                )));
            }
        } else {
            locks.push(crate::lock_and_recover(root, global.quiet)?);
        }
    }
    Ok(locks)
}

/// The update plan of one project: answers from --values and --set (prompting on a
/// terminal for new required ones), conflicts left earlier and a dirty tree refused
/// unless allowed.
fn plan_one(
    engine: &Engine,
    project: &Project,
    args: &UpdateArgs,
    global: &Global,
    config: Option<&scaffold_core::config::UserConfig>,
) -> Result<UpdatePlan, Error> {
    let mut options = UpdateOptions {
        to: args.to.clone(),
        answers: serde_json::Map::new(),
        sets: args.answers.set.clone(),
        reconstruct_base: args.reconstruct_base,
        source: args.source.clone(),
        allow_downgrade: args.allow_downgrade,
    };
    let file = match &args.answers.values {
        Some(f) => Some(scaffold_core::golden_path::answers::ValuesFile::read(f)?),
        None => None,
    };
    // Problems with answers from the file are reported at its lines.
    let located = |e: Error| match &file {
        Some(f) => f.locate(e, &args.answers.set),
        None => e,
    };
    if let Some(f) = &file {
        options.answers = f.values.clone();
    }
    if !args.allow_conflicts {
        update::check_resolved(project)?;
    }
    let mut target = update::load_target(engine, project, &options).map_err(located)?;
    // The configuration answers the parameters the project has no answer for (new in
    // this version); recorded and given answers always win.
    if let Some(c) = config {
        target.answer_from_config(c, &options.sets)?;
    }
    if prompt::interactive(args.answers.no_input) {
        let params = target.golden_path.parameters();
        let mut given = target.values.clone();
        for s in &options.sets {
            let (k, v) = params.parse_set(s)?;
            given.insert(k, v);
        }
        let missing = params.missing_required(&given);
        if !missing.is_empty() {
            let mut origins = std::collections::BTreeMap::new();
            prompt::ask(params, &mut target.values, Some(&missing), &mut origins)?;
        }
    }
    let progress = output::Progress::new(global.quiet, args.format == Format::Json);
    let plan = update::plan_update_with(engine, project, target, &options, &progress);
    drop(progress);
    let plan = plan.map_err(located)?;
    if !args.allow_dirty {
        update::check_clean(&plan)?;
    }
    Ok(plan)
}

/// Without git nothing keeps what the update replaces: warn, and on a terminal ask
/// before writing. True when the update may go ahead.
fn confirm_without_git(
    plan: &UpdatePlan,
    warning: Option<&str>,
    args: &UpdateArgs,
    global: &Global,
) -> Result<bool, Error> {
    let Some(w) = warning else {
        return Ok(true);
    };
    let writes = !args.dry_run && plan.files.iter().any(|f| f.action != Action::Kept);
    if !global.quiet {
        prompt::say_wrapped(&format!("warning: {w}"));
    }
    if !writes {
        return Ok(true);
    }
    if !global.quiet {
        prompt::say_wrapped(NO_SAFETY_NET);
    }
    let name = dir_name(&plan.root);
    Ok(!(prompt::interactive(args.answers.no_input)
        && !args.answers.yes
        && !prompt::confirm(&format!("Update {name} without a safety net?"), false)?))
}

/// On a terminal: ask before overwriting local edits of enforced files (with
/// --no-input or --yes it is done, and reported). True when the update may go ahead.
fn confirm_restored(plans: &[UpdatePlan], args: &UpdateArgs) -> Result<bool, Error> {
    let restored: Vec<&update::Restored> = plans.iter().flat_map(|p| &p.restored).collect();
    if args.dry_run
        || restored.is_empty()
        || !prompt::interactive(args.answers.no_input)
        || args.answers.yes
    {
        return Ok(true);
    }
    for p in plans.iter().filter(|p| !p.restored.is_empty()) {
        let note = p
            .restoring_note()
            .unwrap_or_else(|| "local edits of enforced files are overwritten".to_string());
        prompt::say_wrapped(&format!(
            "{} in {}: {note}:",
            p.golden_path,
            dir_name(&p.root)
        ));
        for r in &p.restored {
            prompt::say_hanging(&format!("  - {r}"), 4);
        }
    }
    let question = format!(
        "Overwrite your edits of {} enforced file{}?",
        restored.len(),
        if restored.len() == 1 { "" } else { "s" }
    );
    prompt::confirm(&question, false)
}

/// A project root as a person names it: its directory's name (`.` is the current
/// directory's).
fn dir_name(root: &Path) -> String {
    std::fs::canonicalize(root)
        .ok()
        .and_then(|r| r.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| root.display().to_string())
}

/// What a missing git repository means for an update, said before it writes.
const NO_SAFETY_NET: &str = "there is no safety net: without git, the files this update changes cannot be compared with their previous content afterwards, and a merge you dislike cannot be undone; commit the project to git first (git init && git add -A && git commit -m baseline), or go on";

fn colour(a: Action) -> &'static str {
    match a {
        Action::Conflict | Action::EnforcedOverwritten => RED,
        Action::Kept => DIM,
        Action::Deleted => YELLOW,
        Action::Created | Action::Updated | Action::Merged | Action::Renamed => GREEN,
    }
}

fn print_plan(plan: &UpdatePlan, dry_run: bool, global: &Global) {
    let verb = if dry_run { "Would update" } else { "Updated" };
    let versions = if plan.same_version {
        format!("{} (no new version)", plan.to_version)
    } else {
        format!("{} -> {}", plan.from_version, plan.to_version)
    };
    println!(
        "{BOLD}{verb} {}{RESET}: {} {versions} {DIM}({}){RESET}",
        plan.root.display(),
        plan.golden_path,
        plan.source
    );
    print_notes(plan, dry_run);
    print_changelog(plan);
    for d in &plan.dropped_answers {
        println!("{YELLOW}note{RESET}: answer `{d}` is no longer a parameter and was dropped");
    }
    print_files(plan, dry_run, global);
    print_summary(plan, dry_run, global);
}

/// The notes before the files: enforced edits overwritten, a reconstructed or
/// inexact base.
fn print_notes(plan: &UpdatePlan, dry_run: bool) {
    if !plan.restored.is_empty() {
        let note = plan.restoring_note().unwrap_or_else(|| {
            format!(
                "overwriting local edits of {} enforced file(s)",
                plan.restored.len()
            )
        });
        let verb_note = if dry_run {
            note.replacen("restoring", "would restore", 1)
        } else {
            note
        };
        println!("{YELLOW}note{RESET}: {verb_note}:");
        for r in &plan.restored {
            println!("  - {r}");
        }
    }
    let from_baseline = plan
        .base_origins
        .keys()
        .all(|o| *o == scaffold_core::project::BaseOrigin::Baseline);
    if !from_baseline {
        let origins: Vec<String> = plan
            .base_origins
            .iter()
            .map(|(o, n)| format!("{n} from {}", o.as_str()))
            .collect();
        println!(
            "{YELLOW}note{RESET}: no stored baseline was used; the base was reconstructed: {}",
            origins.join(", ")
        );
        for n in &plan.base_notes {
            println!("{YELLOW}note{RESET}: {}", output::flag_words(n));
        }
    }
    if !plan.exact_base {
        println!(
            "{YELLOW}note{RESET}: the pristine content of some files is unknown; those changed on both sides are reported as conflicts"
        );
    }
}

/// The changelog entries between the two versions.
fn print_changelog(plan: &UpdatePlan) {
    if plan.changelog.is_empty() {
        return;
    }
    println!("{BOLD}Changes in {}{RESET}:", plan.golden_path);
    for entry in &plan.changelog {
        match &entry.date {
            Some(d) => println!("  {BOLD}{}{RESET} {DIM}({d}){RESET}", entry.version),
            None => println!("  {BOLD}{}{RESET}", entry.version),
        }
        for line in entry.body.lines() {
            if line.is_empty() {
                println!();
            } else {
                println!("    {line}");
            }
        }
    }
}

/// One line per file (kept ones with -v, or when seed), then with a dry run the diffs.
fn print_files(plan: &UpdatePlan, dry_run: bool, global: &Global) {
    for f in &plan.files {
        // Kept files are routine; a kept seed file means the template moved on without it.
        if f.action == Action::Kept && !global.verbose && f.policy != scaffold_core::Policy::Seed {
            continue;
        }
        let extra = match (&f.from, f.conflicts) {
            (Some(from), _) => format!(" (from {from})"),
            (None, n) if n > 1 => format!(" ({n} conflicts)"),
            _ => String::new(),
        };
        println!(
            "  {}{:<20}{RESET} {}{extra} {DIM}{}{RESET}",
            colour(f.action),
            f.action.as_str(),
            f.path,
            output::flag_words(&f.detail)
        );
    }
    if dry_run {
        for f in &plan.files {
            if f.before != f.after {
                print!(
                    "{}",
                    output::unified_diff(&f.path, f.before.as_deref(), f.after.as_deref())
                );
            }
            if let Some(from) = &f.from {
                println!("{CYAN}rename {from} -> {}{RESET}", f.path);
            }
        }
    }
}

/// The counts, and what conflicts ask of the user.
fn print_summary(plan: &UpdatePlan, dry_run: bool, global: &Global) {
    let counts: Vec<String> = plan
        .summary
        .counts
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect();
    let kept = plan.summary.counts.get("kept").copied().unwrap_or(0);
    println!(
        "{}{}",
        if counts.is_empty() {
            "Already up to date: nothing to change".to_string()
        } else {
            format!("Summary: {}", counts.join(", "))
        },
        if kept > 0 && !global.verbose {
            format!(" {DIM}(-v lists kept files){RESET}")
        } else {
            String::new()
        }
    );
    if plan.has_conflicts() {
        let n = plan
            .files
            .iter()
            .filter(|f| f.action == Action::Conflict)
            .count();
        println!(
            "{RED}{n} file(s) with conflicts{RESET}: {}resolve the <<<<<<< markers (and *.theirs files for binaries), then commit",
            if dry_run {
                "a real run would leave them; "
            } else {
                ""
            }
        );
    } else if dry_run {
        println!("{DIM}nothing written (dry run){RESET}");
    }
}
