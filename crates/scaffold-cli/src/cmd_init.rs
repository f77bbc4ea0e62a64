//! `scaffold init [DIR]`: the library plans a new golden path, `write` writes it, and
//! this prints what was made and what to do next.

use std::path::Path;

use anstream::println;
use scaffold_core::Error;
use scaffold_core::init::{InitOptions, plan_init};

use crate::cli::Format;
use crate::output;

pub fn run(
    dir: Option<&Path>,
    name: Option<String>,
    format: Format,
    quiet: bool,
) -> Result<u8, Error> {
    let opts = InitOptions {
        dir: dir.unwrap_or(Path::new(".")).to_path_buf(),
        name,
    };
    let (plan, report) = plan_init(&opts)?;
    scaffold_core::apply(&plan)?;
    if format == Format::Json {
        output::json(&report);
        return Ok(0);
    }
    if quiet {
        return Ok(0);
    }
    let shown = report.dir.display();
    println!("Created golden path {} in {shown}:", report.golden_path);
    for f in &report.files {
        println!("  {f}");
    }
    println!("Next: scaffold lint {shown}");
    println!(
        "      scaffold new {shown}/golden-path.yaml example-service --set owner=team-example"
    );
    Ok(0)
}
