//! `scaffold fleet report` and `scaffold fleet merge`: glue over
//! `scaffold_core::fleet` (inputs, progress bar, output, exit code).

use std::path::PathBuf;

use scaffold_core::fleet::{self, FleetOptions, FleetReport, RepoInput, Shard};
use scaffold_core::{Engine, Error};

use crate::cli::{FleetFormat, FleetMergeArgs, FleetReportArgs, Global};

fn read(path: &std::path::Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        action: "cannot read",
        path: path.to_path_buf(),
        source,
    })
}

fn inputs(args: &FleetReportArgs) -> Result<Vec<RepoInput>, Error> {
    let mut all = Vec::new();
    for f in &args.repos {
        all.extend(fleet::inputs::parse_repos(f, &read(f)?)?);
    }
    for c in &args.catalog {
        all.extend(fleet::inputs::parse_catalog(c)?);
    }
    all.extend(fleet::inputs::local_clones(&args.dirs)?);
    if all.is_empty() {
        return Err(Error::Usage(
            "no repositories: give --repos FILE, --catalog PATH or directories of local clones"
                .to_string(),
        ));
    }
    Ok(fleet::inputs::dedup(all))
}

/// The report's "now": the hidden `SCAFFOLD_NOW` (`YYYY-MM-DD`, for tests), else the clock.
fn now() -> Result<i64, Error> {
    if let Ok(day) = std::env::var("SCAFFOLD_NOW") {
        return fleet::parse_day(&day)
            .ok_or_else(|| Error::Usage(format!("SCAFFOLD_NOW `{day}` is not YYYY-MM-DD")));
    }
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64))
}

fn print(report: &FleetReport, format: FleetFormat) {
    match format {
        FleetFormat::Json => crate::output::json(report),
        FleetFormat::Human => print!("{}", fleet::render::table(report)),
        FleetFormat::Markdown => print!("{}", fleet::render::markdown(report)),
        FleetFormat::Html => print!("{}", fleet::render::html(report)),
    }
}

/// `scaffold fleet report`.
pub fn report(engine: &Engine, global: &Global, args: &FleetReportArgs) -> Result<u8, Error> {
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let mut inputs = inputs(args)?;
    if let Some(s) = &shard {
        inputs = s.select(&inputs);
    }
    let opts = FleetOptions {
        now: now()?,
        slo_days: args.slo_days,
        jobs: args.jobs,
        fail_on: crate::cmd_check::rules(&args.fail_on),
        offline: global.offline,
        shard,
    };
    // A bar on a terminal only: never in CI logs or with JSON output.
    let progress = crate::output::Progress::new(global.quiet, args.format == FleetFormat::Json);
    let report = fleet::report(engine, &inputs, &opts, &progress)?;
    drop(progress);
    print(&report, args.format);
    Ok(report.exit_code)
}

/// `scaffold fleet merge`.
pub fn merge(args: &FleetMergeArgs) -> Result<u8, Error> {
    let texts = args
        .reports
        .iter()
        .map(|p| Ok((p.clone(), read(p)?)))
        .collect::<Result<Vec<(PathBuf, String)>, Error>>()?;
    let report = fleet::merge(&texts)?;
    print(&report, args.format);
    Ok(report.exit_code)
}
