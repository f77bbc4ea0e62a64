//! `scaffold fleet`: judge many repositories at once (docs/fleet.md).
//!
//! [`report`] mirrors every repository into the git cache (bounded parallelism),
//! reads its default branch's tree from the object database (no work tree), finds
//! every answers file in it (monorepos too) and checks each with
//! [`crate::check::check_tree`], the same comparison `scaffold check` makes on a
//! disk directory. The rows become a [`FleetReport`] whose aggregates are a pure
//! function of the rows, so [`merge`] of shard reports equals an unsharded run.
//! Progress goes through a callback; nothing here prints.
//!
//! Freshness: a project's version is *superseded* on the release date of the next
//! version after it: the committer date of the next version's tag for git sources,
//! the date of the next version's changelog heading (`## 1.2.0 - 2026-11-02`) for
//! built-in and local golden paths. Days behind count from that day to the report's
//! day; a version whose successor has no known date has unknown freshness.

pub mod inputs;
pub mod render;
pub mod report;
pub mod update;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::check::{CheckOptions, ErrorInfo, FailOn, TreeProject};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::golden_path::Policy;
use crate::project::provenance::AnswersFile;
use crate::source::SourceRecord;
use crate::source::git::{CachedRepo, FetchPolicy, GitCache};
use crate::source::parse_version;

pub use inputs::{RepoInput, Shard};
pub use report::{FleetReport, ProjectRow, RepoRow, Status};

/// How to run a fleet report.
#[derive(Debug, Clone)]
pub struct FleetOptions {
    /// The report's "now", in seconds since the Unix epoch.
    pub now: i64,
    /// The freshness SLO, in days.
    pub slo_days: u32,
    /// Repositories read at once (at least 1).
    pub jobs: usize,
    /// What fails a project.
    pub fail_on: Vec<FailOn>,
    /// Read the cache as it is: fetch nothing (a repository not cached is an error).
    pub offline: bool,
    /// The shard this run covers, recorded in the report.
    pub shard: Option<Shard>,
}

/// The day (`YYYY-MM-DD`, UTC) of a Unix time.
pub fn day_of(secs: i64) -> String {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The Unix time of midnight UTC of a `YYYY-MM-DD` day; `None` for a day that is not
/// in the calendar (`2026-02-29`, `2026-04-31`, month 13).
pub fn parse_day(day: &str) -> Option<i64> {
    let mut it = day.trim().splitn(3, '-');
    let year: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.get(..2)?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let secs = (era * 146_097 + doe - 719_468) * 86_400;
    // A day the month does not have would land in the next month.
    (day_of(secs) == format!("{year:04}-{m:02}-{d:02}")).then_some(secs)
}

/// Release dates of one golden-path source: version → Unix time (when known).
type Releases = Arc<Vec<(semver::Version, Option<i64>)>>;

/// What a run shares across threads: the release dates of each source, once.
struct Shared<'a> {
    engine: &'a Engine,
    cache: GitCache,
    opts: &'a FleetOptions,
    releases: Mutex<HashMap<String, Releases>>,
}

impl Shared<'_> {
    fn releases(&self, file: &AnswersFile) -> Releases {
        let key = match &file.source {
            SourceRecord::Git { url, .. } => format!("git:{url}"),
            other => format!("{other}:{}", file.golden_path),
        };
        if let Some(r) = self
            .releases
            .lock()
            .map(|m| m.get(&key).cloned())
            .ok()
            .flatten()
        {
            return r;
        }
        let found = Arc::new(self.find_releases(file).unwrap_or_default());
        if let Ok(mut m) = self.releases.lock() {
            m.insert(key, found.clone());
        }
        found
    }

    fn find_releases(&self, file: &AnswersFile) -> Result<Vec<(semver::Version, Option<i64>)>> {
        let mut out = match &file.source {
            SourceRecord::Git { url, .. } => {
                let repo = self
                    .engine
                    .remote()?
                    .open(url, &crate::source::remote::Target::Latest)?;
                repo.versions()?
                    .into_iter()
                    .map(|(_, v, commit)| (v, repo.commit_time(&commit).ok()))
                    .collect::<Vec<_>>()
            }
            record => {
                let located = self.engine.locate_recorded(
                    record,
                    &file.golden_path,
                    &crate::source::remote::Target::Latest,
                )?;
                let gp = crate::golden_path::GoldenPath::load(&located)?;
                crate::golden_path::changelog::read(&gp)?
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|e| {
                        Some((
                            parse_version(&e.version)?,
                            e.date.as_deref().and_then(parse_day),
                        ))
                    })
                    .collect()
            }
        };
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// (superseded on, days behind) of a project at `current`.
    fn superseded(&self, file: &AnswersFile) -> (Option<String>, Option<i64>) {
        let Some(cur) = parse_version(&file.version) else {
            return (None, None);
        };
        let releases = self.releases(file);
        let next = releases
            .iter()
            .find(|(v, _)| *v > cur && (v.pre.is_empty() || !cur.pre.is_empty()));
        match next {
            None => (None, Some(0)),
            Some((_, Some(t))) => (
                Some(day_of(*t)),
                Some((self.opts.now - t).div_euclid(86_400).max(0)),
            ),
            Some((_, None)) => (None, None),
        }
    }
}

/// The answers files of a tree: `<dir>/.scaffold/<name>.yaml`, grouped by project
/// directory.
fn answers_files(tree: &crate::tree::Tree) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in tree.keys() {
        let (dir, name) = match path.rsplit_once("/.scaffold/") {
            Some((dir, name)) => (dir, name),
            None => match path.strip_prefix(".scaffold/") {
                Some(name) => ("", name),
                None => continue,
            },
        };
        if name.ends_with(".yaml") && !name.contains('/') {
            out.entry(dir.to_string()).or_default().push(path.clone());
        }
    }
    out
}

fn open(shared: &Shared<'_>, input: &RepoInput) -> Result<CachedRepo> {
    let policy = if shared.opts.offline || shared.engine.is_offline() {
        FetchPolicy::Offline
    } else {
        FetchPolicy::Always
    };
    Ok(shared.cache.open(&input.url, policy)?)
}

fn read_repo(shared: &Shared<'_>, input: &RepoInput) -> RepoRow {
    let mut row = RepoRow {
        repository: input.id(),
        branch: input.branch.clone(),
        commit: None,
        error: None,
        projects: Vec::new(),
    };
    if let Err(e) = fill_row(shared, input, &mut row) {
        row.error = Some(ErrorInfo::of(&e));
        row.projects.clear();
    }
    row
}

fn fill_row(shared: &Shared<'_>, input: &RepoInput, row: &mut RepoRow) -> Result<()> {
    let repo = open(shared, input)?;
    let resolved = match &input.branch {
        Some(b) => repo.resolve(Some(b))?,
        None => repo.resolve_default_branch()?,
    };
    if row.branch.is_none() {
        row.branch = Some(resolved.reference.clone());
    }
    row.commit = Some(resolved.commit.clone());
    let tree = repo.read_tree(&resolved.commit, None)?.entries;
    let check = CheckOptions {
        render: false,
        offline: shared.opts.offline,
    };
    for (dir, paths) in answers_files(&tree) {
        let mut files = Vec::new();
        for path in &paths {
            let label = format!("{}@{}:{path}", input.url, &resolved.commit[..12]);
            let text = String::from_utf8_lossy(&tree[path].content).into_owned();
            files.push((path, AnswersFile::parse_fast(&label, &text)?));
        }
        for (i, (path, file)) in files.iter().enumerate() {
            let siblings: Vec<AnswersFile> = files
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (_, f))| f.clone())
                .collect();
            let label = PathBuf::from(format!("{}:{path}", input.id()));
            let answers_rel = path
                .strip_prefix(&format!("{dir}/"))
                .unwrap_or(path.as_str());
            let report = crate::check::check_tree(
                shared.engine,
                &TreeProject {
                    tree: &tree,
                    root: &dir,
                    answers_rel,
                    file,
                    siblings: &siblings,
                    label: &label,
                },
                &check,
            )?;
            let failures = crate::check::failures(&report, &shared.opts.fail_on);
            let (superseded_on, days_behind) = shared.superseded(file);
            let last_update = repo.last_change(&resolved.commit, path)?.map(day_of);
            row.projects.push(ProjectRow {
                answers_file: path.to_string(),
                golden_path: report.golden_path.clone(),
                version: report.version.clone(),
                latest: report.latest.clone(),
                versions_behind: match &report.behind {
                    Some(b) => b.versions,
                    None => Some(0),
                },
                superseded_on,
                days_behind,
                last_update,
                enforced_drift: report
                    .files
                    .iter()
                    .filter(|f| f.policy == Policy::Enforced && f.status.is_drift())
                    .map(|f| f.path.clone())
                    .collect(),
                status: if failures.is_empty() {
                    Status::Pass
                } else {
                    Status::Fail
                },
                failures,
            });
        }
    }
    Ok(())
}

/// `per_repo` of every input on a pool of `jobs` threads (at least 1), in input
/// order, as the [`Stage::Fleet`](crate::progress::Stage) stage: one step per
/// repository done. Errors: a pool that cannot start.
pub(crate) fn each_repo<T: Send>(
    inputs: &[RepoInput],
    jobs: usize,
    progress: &dyn crate::progress::Observer,
    per_repo: impl Fn(&RepoInput) -> T + Sync,
) -> Result<Vec<T>> {
    use crate::progress::{Event, Stage};
    crate::progress::stage(progress, Stage::Fleet, Some(inputs.len()), || {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .build()
            .map_err(|e| Error::Usage(format!("cannot start the fleet's threads: {e}")))?;
        let done = std::sync::atomic::AtomicUsize::new(0);
        Ok(pool.install(|| {
            inputs
                .par_iter()
                .map(|input| {
                    let out = per_repo(input);
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    progress.event(&Event::Advance {
                        stage: Stage::Fleet,
                        done: n,
                    });
                    out
                })
                .collect()
        }))
    })
}

/// Judge every repository of `inputs` (see the module docs). A repository that
/// cannot be fetched or read is a row with its error; the others still report.
/// Errors: only a cache that cannot be located.
pub fn report(
    engine: &Engine,
    inputs: &[RepoInput],
    opts: &FleetOptions,
    progress: &dyn crate::progress::Observer,
) -> Result<FleetReport> {
    let cache = engine.remote()?.cache().clone();
    let shared = Shared {
        engine,
        cache,
        opts,
        releases: Mutex::new(HashMap::new()),
    };
    let rows = each_repo(inputs, opts.jobs, progress, |input| {
        read_repo(&shared, input)
    })?;
    Ok(FleetReport::new(
        rows,
        day_of(opts.now),
        opts.slo_days,
        opts.fail_on
            .iter()
            .map(|f| f.as_str().to_string())
            .collect(),
        opts.shard.into_iter().collect(),
    ))
}

/// Combine shard reports (`(file, JSON text)`) into one, the aggregates recomputed
/// from the union of the rows. Errors ([`Error::FleetMerge`]): a file that is not a
/// fleet report, another schema version, another SLO or rules than the first, a
/// shard or a repository in two reports.
pub fn merge(reports: &[(PathBuf, String)]) -> Result<FleetReport> {
    let bad = |file: &Path, message: String| Error::FleetMerge {
        file: file.to_path_buf(),
        message,
    };
    let mut parsed: Vec<(&Path, FleetReport)> = Vec::new();
    for (file, text) in reports {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(file, format!("not JSON: {e}")))?;
        let schema = value.get("schema_version").and_then(|v| v.as_u64());
        if schema != Some(u64::from(report::SCHEMA_VERSION)) {
            return Err(bad(
                file,
                format!(
                    "schema version {} where {} is expected; make every shard's report with the same scaffold",
                    schema.map_or("(none)".to_string(), |s| s.to_string()),
                    report::SCHEMA_VERSION
                ),
            ));
        }
        let r: FleetReport = serde_json::from_value(value)
            .map_err(|e| bad(file, format!("not a fleet report: {e}")))?;
        parsed.push((file, r));
    }
    let Some((first_file, first)) = parsed.first() else {
        return Err(Error::Usage("no fleet report to merge".to_string()));
    };
    let mut shards: Vec<Shard> = Vec::new();
    let mut seen: HashMap<String, &Path> = HashMap::new();
    let mut rows = Vec::new();
    for (file, r) in &parsed {
        if r.slo_days != first.slo_days || r.fail_on != first.fail_on {
            return Err(bad(
                file,
                format!(
                    "made with another SLO or other failure rules than {}; run every shard with the same settings",
                    first_file.display()
                ),
            ));
        }
        for s in &r.shards {
            if shards.contains(s) {
                return Err(bad(file, format!("shard {s} is in two reports")));
            }
            if shards.first().is_some_and(|f| f.count != s.count) {
                return Err(bad(file, format!("shard {s} of another shard count")));
            }
            shards.push(*s);
        }
        for row in &r.repositories {
            if let Some(other) = seen.insert(row.repository.clone(), file) {
                return Err(bad(
                    file,
                    format!(
                        "{} is also in {} (overlapping shards)",
                        row.repository,
                        other.display()
                    ),
                ));
            }
            rows.push(row.clone());
        }
    }
    shards.sort_by_key(|s| s.index);
    let generated_on = parsed
        .iter()
        .map(|(_, r)| r.generated_on.clone())
        .max()
        .unwrap_or_default();
    Ok(FleetReport::new(
        rows,
        generated_on,
        first.slo_days,
        first.fail_on.clone(),
        shards,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        for d in ["1970-01-01", "2000-02-29", "2026-12-02", "2024-03-01"] {
            assert_eq!(day_of(parse_day(d).unwrap()), d);
        }
        assert_eq!(parse_day("2026-12-02"), Some(1_796_169_600));
        assert!(parse_day("2026-13-01").is_none());
        assert!(parse_day("2026-02-29").is_none(), "2026 is not a leap year");
        assert!(parse_day("2026-04-31").is_none());
        assert_eq!(parse_day("2024-02-29"), Some(1_709_164_800));
    }

    #[test]
    fn answers_files_of_a_monorepo() {
        let e = crate::tree::Entry {
            mode: crate::tree::FileMode::File,
            content: crate::tree::Bytes::from(Vec::new()),
        };
        let tree: crate::tree::Tree = [
            ".scaffold/a.yaml",
            ".scaffold/a.baseline",
            "svc/b/.scaffold/b.yaml",
            "svc/b/.scaffold/x/c.yaml",
            "docs/a.yaml",
        ]
        .into_iter()
        .map(|p| (p.to_string(), e.clone()))
        .collect();
        let found = answers_files(&tree);
        assert_eq!(found[""], vec![".scaffold/a.yaml"]);
        assert_eq!(found["svc/b"], vec!["svc/b/.scaffold/b.yaml"]);
        assert_eq!(found.len(), 2);
    }
}
