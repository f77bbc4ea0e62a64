//! `scaffold fleet report` and `scaffold fleet merge`: glue over
//! `scaffold_core::fleet` (inputs, progress bar, output, exit code).

use std::path::PathBuf;

use scaffold_core::fleet::{self, FleetOptions, FleetReport, RepoInput, Shard};
use scaffold_core::{Engine, Error};

use crate::cli::{
    FleetFormat, FleetInputArgs, FleetMergeArgs, FleetReportArgs, FleetUpdateArgs, Format, Global,
};

fn read(path: &std::path::Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        action: "cannot read",
        path: path.to_path_buf(),
        source,
    })
}

fn inputs(args: &FleetInputArgs) -> Result<Vec<RepoInput>, Error> {
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

/// The inputs, and the shard of them asked for.
fn selected(args: &FleetInputArgs) -> Result<(Vec<RepoInput>, Option<Shard>), Error> {
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let mut inputs = inputs(args)?;
    if let Some(s) = &shard {
        inputs = s.select(&inputs);
    }
    Ok((inputs, shard))
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

/// The report in a format; its texts (errors, failures) worded with the CLI's flags.
/// The library's phrases hold no character the Markdown and HTML renderings escape.
fn print(report: &FleetReport, format: FleetFormat) {
    use crate::output::flag_words;
    match format {
        FleetFormat::Json => crate::output::json(report),
        FleetFormat::Human => print!("{}", flag_words(&fleet::render::table(report))),
        FleetFormat::Markdown => print!("{}", flag_words(&fleet::render::markdown(report))),
        FleetFormat::Html => print!("{}", flag_words(&fleet::render::html(report))),
    }
}

/// `scaffold fleet report`.
pub fn report(engine: &Engine, global: &Global, args: &FleetReportArgs) -> Result<u8, Error> {
    let (inputs, shard) = selected(&args.input)?;
    let opts = FleetOptions {
        now: now()?,
        slo_days: args.slo_days,
        jobs: args.input.jobs,
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

/// `scaffold fleet update`.
pub fn update(engine: &Engine, global: &Global, args: &FleetUpdateArgs) -> Result<u8, Error> {
    let (inputs, _) = selected(&args.input)?;
    let opts = fleet::update::CampaignOptions {
        golden_path: args.golden_path.clone(),
        to: args.to.clone(),
        branch: args
            .branch
            .clone()
            .unwrap_or_else(|| format!("scaffold/{}-{}", args.golden_path, args.to)),
        allow_conflicts: args.allow_conflicts,
        dry_run: args.dry_run,
        jobs: args.input.jobs,
    };
    let progress = crate::output::Progress::new(global.quiet, args.format == Format::Json);
    let report = fleet::update::run(engine, &inputs, &opts, &progress)?;
    drop(progress);
    if let Some(dir) = &args.out {
        write_out(dir, &report)?;
    }
    match args.format {
        Format::Json => crate::output::json(&report),
        Format::Human => print!("{}", campaign_text(&report)),
    }
    Ok(report.exit_code)
}

/// The campaign's report.json and one `<repository>.md` PR description per updated
/// repository, in `dir` (created when missing).
fn write_out(dir: &std::path::Path, report: &fleet::update::CampaignReport) -> Result<(), Error> {
    let io = |action: &'static str, path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    };
    std::fs::create_dir_all(dir).map_err(io("cannot create", dir))?;
    for r in &report.repositories {
        if let Some(md) = &r.pr_description {
            let path = dir.join(format!("{}.md", slug(&r.repository)));
            std::fs::write(&path, crate::output::flag_words(md))
                .map_err(io("cannot write", &path))?;
        }
    }
    let path = dir.join("report.json");
    let json = crate::output::json_text(report);
    std::fs::write(&path, json + "\n").map_err(io("cannot write", &path))
}

/// A file name for a repository id: its last path components, other bytes as `-`.
fn slug(repository: &str) -> String {
    let tail: Vec<&str> = repository
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .take(2)
        .collect();
    let name: String = tail
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.trim_end_matches(".git").to_string()
}

fn campaign_text(report: &fleet::update::CampaignReport) -> String {
    use fleet::update::Outcome;
    let mut out = format!(
        "Campaign: {} to {} on branch {}{}\n",
        report.golden_path,
        report.to,
        report.branch,
        if report.dry_run {
            " (dry run: nothing committed or pushed)"
        } else {
            ""
        }
    );
    for (outcome, label) in [
        (Outcome::Updated, "updated cleanly"),
        (Outcome::UpdatedWithConflicts, "updated with conflicts"),
        (Outcome::Current, "already current"),
        (
            Outcome::SkippedConflicts,
            "skipped: the update would conflict (--allow-conflicts to push it)",
        ),
        (Outcome::NotUsed, "not using the golden path"),
        (Outcome::Failed, "failed"),
    ] {
        let repos = report
            .summary
            .get(&outcome)
            .map(Vec::as_slice)
            .unwrap_or_default();
        out.push_str(&format!("{:>4} {label}\n", repos.len()));
        for r in repos {
            let row = report.repositories.iter().find(|x| &x.repository == r);
            let why = row
                .and_then(|x| x.error.as_ref())
                .map(|e| format!(": {}", crate::output::flag_words(&e.message)))
                .unwrap_or_default();
            out.push_str(&format!("       {r}{why}\n"));
        }
    }
    out
}
