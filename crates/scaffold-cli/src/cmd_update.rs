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

fn projects(dir: &Path, args: &UpdateArgs) -> Result<Vec<Project>, Error> {
    if args.all {
        return Project::find(dir, args.golden_path.as_deref());
    }
    let answers_dir = dir.join(scaffold_core::provenance::ANSWERS_DIR);
    let mut here: Vec<PathBuf> = match std::fs::read_dir(&answers_dir) {
        Ok(it) => it
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect(),
        Err(_) => Vec::new(),
    };
    here.sort();
    if let Some(name) = &args.golden_path {
        here.retain(|p| p.file_stem().is_some_and(|s| s == name.as_str()));
    }
    match here.len() {
        0 => Err(Error::Usage(format!(
            "no answers file in `{}`{}; run update in the project's root, or pass --all to update every project below it",
            answers_dir.display(),
            args.golden_path
                .as_ref()
                .map(|g| format!(" for golden path `{g}`"))
                .unwrap_or_default()
        ))),
        1 => Ok(vec![Project::open(&here[0])?]),
        _ => Err(Error::Usage(format!(
            "`{}` has several golden paths applied ({}); choose one with --golden-path NAME, or pass --all",
            dir.display(),
            here.iter()
                .filter_map(|p| p.file_stem())
                .map(|s| s.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

pub fn run(engine: &Engine, global: &Global, args: &UpdateArgs) -> Result<u8, Error> {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let found = projects(&dir, args)?;
    // One writer per project: lock every root, and roll back an interrupted run there,
    // before anything is read for planning.
    let mut roots: Vec<PathBuf> = found.iter().map(|p| p.root.clone()).collect();
    roots.sort();
    roots.dedup();
    let mut _locks = Vec::new();
    for root in &roots {
        if args.dry_run {
            if scaffold_core::journal::interrupted(root) {
                return Err(Error::Usage(format!(
                    "an interrupted scaffold run left `{}` half written; run `scaffold update` without --dry-run to roll it back first",
                    root.display()
                )));
            }
        } else {
            _locks.push(crate::lock_and_recover(root, global.quiet)?);
        }
    }
    // Re-open after a rollback: the answers file may have been restored.
    let projects = if _locks.is_empty() {
        found
    } else {
        projects(&dir, args)?
    };
    let mut plans = Vec::new();
    let mut warnings: Vec<Option<String>> = Vec::new();
    for project in &projects {
        let mut options = UpdateOptions {
            to: args.to.clone(),
            answers: serde_json::Map::new(),
            sets: args.answers.set.clone(),
            reconstruct_base: args.reconstruct_base,
            source: args.source.clone(),
        };
        if let Some(f) = &args.answers.values {
            options.answers = scaffold_core::answers::read_values_file(f)?;
        }
        if !args.allow_conflicts {
            update::check_resolved(project)?;
        }
        let mut target = update::load_target(engine, project, &options)?;
        if prompt::interactive(args.answers.no_input) {
            let params = target.golden_path.parameters();
            let mut given = target.values.clone();
            for s in &options.sets {
                let (k, v) = params.parse_set(s)?;
                given.insert(k, v);
            }
            let missing = params.missing_required(&given);
            if !missing.is_empty() {
                prompt::ask(params, &mut target.values, Some(&missing))?;
            }
        }
        let progress = output::spinner(
            global.quiet,
            &format!("planning the update of {}", project.root.display()),
        );
        let plan = update::plan_update(engine, project, target, &options);
        drop(progress);
        let plan = plan?;
        if !args.allow_dirty {
            update::check_clean(&plan)?;
        }
        let warning = scaffold_core::vcs::no_dirty_check(&plan.root);
        if let Some(w) = &warning {
            if !global.quiet {
                eprintln!("warning: {w}");
            }
        }
        warnings.push(warning);
        plans.push(plan);
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
        for plan in combined(&plans) {
            scaffold_core::apply_with(&plan, &opts)?;
        }
    }
    let conflicts = plans.iter().any(UpdatePlan::has_conflicts);
    if args.format == Format::Json {
        let v: Vec<serde_json::Value> = plans
            .iter()
            .zip(&warnings)
            .map(|(p, w)| {
                let mut v = serde_json::to_value(p).expect("plan serializes");
                v["dry_run"] = serde_json::Value::Bool(args.dry_run);
                v["no_dirty_check"] = w
                    .clone()
                    .map_or(serde_json::Value::Null, serde_json::Value::String);
                v
            })
            .collect();
        // One project: an object; --all: always an array, however many were found.
        output::json(&if args.all {
            serde_json::Value::Array(v)
        } else {
            v[0].clone()
        });
    } else {
        for plan in &plans {
            print_plan(plan, args.dry_run, global);
        }
    }
    Ok(u8::from(conflicts))
}

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
    println!(
        "{BOLD}{verb} {}{RESET}: {} {} -> {} {DIM}({}){RESET}",
        plan.root.display(),
        plan.golden_path,
        plan.from_version,
        plan.to_version,
        plan.source
    );
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
            println!("{YELLOW}note{RESET}: {n}");
        }
    }
    if !plan.exact_base {
        println!(
            "{YELLOW}note{RESET}: the pristine content of some files is unknown; those changed on both sides are reported as conflicts"
        );
    }
    if !plan.changelog.is_empty() {
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
    for d in &plan.dropped_answers {
        println!("{YELLOW}note{RESET}: answer `{d}` is no longer a parameter and was dropped");
    }
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
            f.detail
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

/// One plan per project root, so that golden paths applied to the same project are
/// updated all or nothing: every file change first, then every answers file.
fn combined(plans: &[UpdatePlan]) -> Vec<scaffold_core::Plan> {
    let mut out: Vec<(scaffold_core::Plan, Vec<scaffold_core::Change>)> = Vec::new();
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
                scaffold_core::Plan {
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
