//! `scaffold new`: answers (file, --set, prompts), render, preview or write, git init.

use std::collections::BTreeMap;

use anstream::{eprintln, print, println};
use serde_json::{Map, Value};

use scaffold_core::{
    AnswerInput, AnswerOrigin, Engine, EntryStatus, Error, GoldenPath, NewOptions,
};

use crate::cli::{AnswerArgs, Format, Global, NewArgs};
use crate::output::{self, BOLD, DIM, GREEN, RESET, YELLOW};
use crate::prompt;

/// Collect answers from the configuration's defaults, `base` (implied by DEST),
/// --values, --set and (on a terminal) prompts for the rest, then resolve them; with
/// where each answer came from.
pub fn collect_answers(
    gp: &GoldenPath,
    args: &AnswerArgs,
    base: Map<String, Value>,
    config: Option<&scaffold_core::config::UserConfig>,
) -> Result<(scaffold_core::Answers, BTreeMap<String, AnswerOrigin>), Error> {
    let file = match &args.values {
        Some(f) => Some(scaffold_core::golden_path::answers::ValuesFile::read(f)?),
        None => None,
    };
    // Problems with answers from the file are reported at its lines.
    let located = |e: Error| match &file {
        Some(f) => f.locate(e, &args.set),
        None => e,
    };
    if let Some(f) = &file {
        gp.parameters().check_keys(&f.values).map_err(located)?;
    }
    // Parsed here only to know what not to ask; resolve_answers reports bad ones.
    let sets = args
        .set
        .iter()
        .filter_map(|s| gp.parameters().parse_set(s).ok())
        .collect();
    let layers = scaffold_core::config::AnswerLayers {
        config: match config {
            Some(c) => c.defaults_for(gp)?,
            None => Map::new(),
        },
        destination: base,
        values: file.as_ref().map(|f| f.values.clone()).unwrap_or_default(),
        sets,
    };
    let (mut values, mut origins) = scaffold_core::config::layer_answers(&layers);
    if prompt::interactive(args.no_input) {
        prompt::ask(gp.parameters(), &mut values, None, &mut origins)?;
    }
    let answers = gp
        .resolve_answers(&AnswerInput {
            values,
            sets: args.set.clone(),
        })
        .map_err(located)?;
    Ok((answers, origins))
}

pub fn run(
    engine: &Engine,
    global: &Global,
    config: Option<&scaffold_core::config::UserConfig>,
    args: &NewArgs,
) -> Result<u8, Error> {
    let gp = engine.load(&args.name)?;
    // An add-on goes into an existing project and starts from the host's answers;
    // whether it applies (and is not applied yet) is known before any question.
    let base = scaffold_core::new::starting_answers(&gp, args.dest.as_deref(), args.into.as_deref())
        .map_err(|e| match e {
            Error::AddOnNeedsProject { add_on, applies_to } => Error::Usage(format!(
                "`{add_on}` is an add-on: apply it to an existing project of {} with `scaffold new {} --into DIR`",
                applies_to.join(", "),
                args.name
            )),
            e => e,
        })?;
    let (answers, origins) = collect_answers(&gp, &args.answers, base, config)?;
    let progress = output::spinner(global.quiet, &format!("rendering {}", gp.name()));
    let rendered = crate::cmd_backstage::render(&gp, &answers);
    drop(progress);
    let (rendered, run) = rendered?;
    let mut options =
        NewOptions::for_destination(args.dest.as_deref(), args.into.as_deref(), &answers)?;
    options.force = args.force;
    let (dest, into) = (options.dest.clone(), options.into);
    // An existing project is written in place: one writer at a time, and an
    // interrupted run rolled back before the plan looks at the tree.
    let _lock = if !args.dry_run
        && dest
            .join(scaffold_core::project::provenance::ANSWERS_DIR)
            .is_dir()
    {
        Some(crate::lock_and_recover(&dest, global.quiet)?)
    } else {
        None
    };
    let progress = output::Progress::new(global.quiet, args.format == Format::Json);
    let plan = scaffold_core::new::plan_new_with(&gp, &answers, &rendered, &options, &progress);
    drop(progress);
    let plan = plan?;

    if args.dry_run {
        match &run {
            Some(run) if args.format == Format::Json => {
                output::json(&scaffold_core::backstage::WithRun {
                    report: &plan.preview(&gp.source, args.diff),
                    backstage: run,
                });
            }
            _ => preview(&gp, &plan, args, global),
        }
        if let (Some(run), Format::Human) = (&run, args.format) {
            crate::cmd_backstage::print(run, global.quiet);
        }
        return Ok(0);
    }
    if !confirm(&gp, args, &answers, &origins, &dest, into)? {
        eprintln!("Nothing written.");
        return Ok(crate::cli::EXIT_CANCELLED);
    }

    let want_git = scaffold_core::new::wants_git(&dest, into, args.no_git);
    let hook = crate::fault_hook();
    let progress = output::Progress::new(global.quiet, args.format == Format::Json);
    let applied = scaffold_core::new::apply_new_with(
        &gp,
        &plan,
        want_git,
        hook.as_deref()
            .map(|h| h as scaffold_core::write::WriteHook<'_>),
        &progress,
    );
    let (applied, git) = applied?;
    // The hooks run once, in the project at its place, after the first commit.
    let trusted = args.trust || config.is_some_and(|c| c.trusts(&gp.source));
    let hooks = scaffold_core::new::run_new_hooks(&gp, &plan, git.as_deref(), trusted, &progress)?;
    drop(progress);
    let hooks_failed = scaffold_core::hooks::any_failed(&hooks.reports);
    let failed = u8::from(!plan.conflicts.is_empty() || hooks_failed);
    let report = plan.report(&applied, git.clone()).with_hooks(hooks);
    if args.format == Format::Json {
        match &run {
            Some(run) => output::json(&scaffold_core::backstage::WithRun {
                report: &report,
                backstage: run,
            }),
            None => output::json(&report),
        }
        return Ok(failed);
    }
    output::print_hooks(&report.hooks, global.quiet, global.verbose);
    print_written(&gp, &plan, &applied, git.is_some(), global, into);
    if let Some(run) = &run {
        crate::cmd_backstage::print(run, global.quiet);
    }
    // The process ends now: freeing every file of the render and the plan one by one
    // would only delay the exit.
    std::mem::forget((plan, rendered, gp));
    Ok(failed)
}

/// On a terminal: the answers, then one question before anything is written. True
/// when writing may go ahead.
fn confirm(
    gp: &GoldenPath,
    args: &NewArgs,
    answers: &scaffold_core::Answers,
    origins: &BTreeMap<String, AnswerOrigin>,
    dest: &std::path::Path,
    into: bool,
) -> Result<bool, Error> {
    if !prompt::interactive(args.answers.no_input) || args.answers.yes {
        return Ok(true);
    }
    eprintln!("{BOLD}Answers{RESET}");
    for line in gp.parameters().summary(&answers.values, origins) {
        eprintln!("  {}", prompt::cut(&line.to_string(), prompt::width() - 2));
    }
    let question = if into {
        format!("Apply {} to {}?", gp.name(), dest.display())
    } else {
        format!("Create {}?", dest.display())
    };
    prompt::confirm(&question, true)
}

/// What was written, as text.
fn print_written(
    gp: &GoldenPath,
    plan: &scaffold_core::NewPlan,
    applied: &scaffold_core::Applied,
    git: bool,
    global: &Global,
    into: bool,
) {
    let dest = &plan.dest;
    if !plan.overwrites.is_empty() && !global.quiet {
        println!(
            "{YELLOW}Overwrote {} existing file(s):{RESET}",
            plan.overwrites.len()
        );
        for p in &plan.overwrites {
            println!("  {p}");
        }
    }
    if global.verbose {
        for e in plan
            .entries
            .iter()
            .filter(|e| e.status != EntryStatus::Unchanged)
        {
            println!("  {GREEN}{:<9}{RESET} {}", e.status.as_str(), e.path);
        }
    }
    let message = match &plan.host {
        Some(host) => format!(
            "{GREEN}Applied{RESET} add-on {} {} to {BOLD}{}{RESET} ({host} project, {} files written)",
            gp.name(),
            gp.version,
            dest.display(),
            applied.written
        ),
        None => format!(
            "{GREEN}Created{RESET} {BOLD}{}{RESET} from {} {} ({} files{})",
            dest.display(),
            gp.name(),
            gp.version,
            applied.written,
            if git {
                ", git repository initialised"
            } else {
                ""
            }
        ),
    };
    output::say(global.quiet, &message);
    if !plan.merged.is_empty() && !global.quiet {
        println!(
            "Merged into {} file(s) of {}: {}",
            plan.merged.len(),
            plan.host.as_deref().unwrap_or_default(),
            plan.merged.join(", ")
        );
    }
    if !plan.conflicts.is_empty() {
        println!(
            "{YELLOW}Conflicts in {} file(s){RESET} (resolve the markers, or compare PATH.theirs for binaries, then commit):",
            plan.conflicts.len()
        );
        for p in &plan.conflicts {
            println!("  {p}");
        }
    }
    if !global.quiet && !into {
        println!(
            "{DIM}Answers and manifest: {}/{}{RESET}",
            dest.display(),
            plan.answers_file
        );
        println!(
            "{DIM}Next: cd {} && see README.md; later, `scaffold update` pulls golden-path improvements.{RESET}",
            dest.display()
        );
    }
}

fn preview(gp: &GoldenPath, plan: &scaffold_core::NewPlan, args: &NewArgs, global: &Global) {
    if args.format == Format::Json {
        output::json(&plan.preview(&gp.source, args.diff));
        return;
    }
    println!(
        "{BOLD}Would write {}{RESET} from {} {} ({}):",
        plan.dest.display(),
        gp.name(),
        gp.version,
        gp.source
    );
    let rows: Vec<Vec<String>> = plan
        .entries
        .iter()
        .map(|e| {
            vec![
                e.status.to_string(),
                e.mode.to_string(),
                e.size.to_string(),
                e.path.clone(),
                format!("{DIM}{}{RESET}", e.layer),
            ]
        })
        .collect();
    print!(
        "{}",
        output::table(&["STATUS", "MODE", "SIZE", "PATH", "LAYER"], &rows)
    );
    if !plan.dropped.is_empty() {
        println!("\n{BOLD}Dropped{RESET}");
        for d in &plan.dropped {
            let what = if d.source.is_empty() {
                format!("layer {}", d.layer)
            } else {
                format!("{}/{}", d.layer, d.source)
            };
            let why = match &d.reason {
                scaffold_core::golden_path::render::DropReason::LayerDisabled { when } => {
                    format!("`when: {when}` is false")
                }
                scaffold_core::golden_path::render::DropReason::EmptyName => {
                    "its name rendered empty".to_string()
                }
                scaffold_core::golden_path::render::DropReason::Excluded => {
                    "excluded by spec.files.exclude".to_string()
                }
                scaffold_core::golden_path::render::DropReason::Overridden { by } => {
                    format!("overridden by layer {by}")
                }
            };
            println!("  {what}: {why}");
        }
    }
    if args.diff {
        println!();
        for e in &plan.entries {
            if e.status == EntryStatus::Unchanged {
                continue;
            }
            let new = plan.contents.get(&e.path).map(|b| &b[..]);
            let old = plan.existing.get(&e.path).map(|b| &b[..]);
            print!("{}", output::unified_diff(&e.path, old, new));
        }
    }
    let total: usize = plan.entries.iter().map(|e| e.size).sum();
    if !global.quiet {
        println!(
            "\n{} entries, {}; {} overwrite(s); nothing written (dry run)",
            plan.entries.len(),
            output::human_size(total),
            plan.overwrites.len()
        );
    }
}
