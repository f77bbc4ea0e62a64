//! `scaffold export backstage`: the library's export written with its plan, and the
//! report printed.

use anstream::{eprintln, println};

use scaffold_core::export::{self, backstage};
use scaffold_core::{Engine, Error};

use crate::cli::{ExportBackstageArgs, Format, Global};
use crate::output::{self, BOLD, GREEN, RESET, YELLOW};

pub const BACKSTAGE_HELP: &str = "\
The template's engine step uses the `scaffold:new` action: install the backend module
in integrations/backstage/ in the Backstage backend, with the scaffold binary on its
PATH (or SCAFFOLD_BIN). Register template.yaml in the catalog (a Location entity, or
catalog.locations in app-config.yaml). See docs/backstage.md.

Examples:
  scaffold export backstage node-api --out templates/node-api
  scaffold export backstage gh:acme/golden-paths//node-api?ref=v1.2.0 --out templates/node-api";

pub fn backstage(
    engine: &Engine,
    global: &Global,
    args: &ExportBackstageArgs,
) -> Result<u8, Error> {
    let gp = engine.load(&args.name)?;
    let reference = args
        .reference
        .clone()
        .unwrap_or_else(|| backstage::pinned_reference(&gp, &args.name));
    let report = backstage::export(&gp, &reference)?;
    let plan = export::plan_files(&report.files, &args.out, args.force)?;
    if !plan.changes.is_empty() {
        export::write(&plan)?;
    }
    if args.format == Format::Json {
        output::json(&report);
        return Ok(0);
    }
    for note in &report.notes {
        eprintln!("{YELLOW}warning{RESET}: {note}");
    }
    if global.quiet {
        return Ok(0);
    }
    let file = args.out.join(backstage::TEMPLATE_FILE);
    let verb = if plan.changes.is_empty() {
        "unchanged"
    } else {
        "wrote"
    };
    println!(
        "{GREEN}{verb}{RESET} {} ({BOLD}{}{RESET} {}, runs `{}`)",
        file.display(),
        report.golden_path,
        report.version,
        report.reference
    );
    for page in &report.pages {
        println!("  page {}: {}", page.title, page.parameters.join(", "));
    }
    println!("  steps: {}", report.steps.join(", "));
    Ok(0)
}
