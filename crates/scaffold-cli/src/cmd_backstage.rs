//! What `new` shows of a Backstage Template's run: its steps (not-run ones with
//! their inputs), `debug:log` messages and the template's output links.

use anstream::{eprintln, println};

use scaffold_core::backstage::{RunReport, StepStatus};
use scaffold_core::golden_path::render::Rendered;
use scaffold_core::{Answers, Error, GoldenPath};

use crate::output::{DIM, RESET, YELLOW};

/// The render, and for a Template the report of its run.
pub fn render(gp: &GoldenPath, answers: &Answers) -> Result<(Rendered, Option<RunReport>), Error> {
    match gp.backstage() {
        Some(t) => t
            .run(gp, answers)
            .map(|run| (run.rendered, Some(run.report))),
        None => gp.render(answers).map(|r| (r, None)),
    }
}

/// The steps, log and output links, for people (stdout; warnings of steps that did
/// not run on stderr too).
pub fn print(report: &RunReport, quiet: bool) {
    for line in &report.log {
        if !quiet {
            println!("{DIM}log:{RESET} {line}");
        }
    }
    for s in &report.steps {
        match s.status {
            StepStatus::NotRun => {
                eprintln!(
                    "{YELLOW}not run{RESET}: step `{}` ({}): {}",
                    s.id,
                    s.action,
                    s.note.as_deref().unwrap_or_default()
                );
                if let Some(input) = &s.input {
                    eprintln!("  input: {input}");
                }
            }
            StepStatus::Skipped if !quiet => {
                println!("{DIM}skipped{RESET}: step `{}` ({})", s.id, s.action)
            }
            StepStatus::Ran if !quiet => match &s.note {
                Some(n) => println!("{DIM}ran{RESET}: step `{}` ({}): {n}", s.id, s.action),
                None => println!("{DIM}ran{RESET}: step `{}` ({})", s.id, s.action),
            },
            _ => {}
        }
    }
    let links = report
        .output
        .as_ref()
        .and_then(|o| o.get("links"))
        .and_then(|l| l.as_array());
    for link in links.into_iter().flatten() {
        let title = link.get("title").and_then(|t| t.as_str()).unwrap_or("link");
        let target = link
            .get("url")
            .or_else(|| link.get("entityRef"))
            .map(scaffold_core::golden_path::answers::display_value)
            .unwrap_or_default();
        if !quiet {
            println!("{title}: {target}");
        }
    }
}
