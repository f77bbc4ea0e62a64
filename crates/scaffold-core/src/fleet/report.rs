//! The fleet report: plain serde data with a schema version (docs/fleet.md). The
//! aggregates are a pure function of the rows ([`Aggregates::of`]), so a merge of
//! shard reports recomputes them from the union of the rows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::inputs::Shard;
use crate::check::{ErrorInfo, Failure};

/// The version of the report's shape; merges refuse other versions.
pub const SCHEMA_VERSION: u32 = 1;

/// A whole fleet report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The day the report was made (`YYYY-MM-DD`, UTC).
    pub generated_on: String,
    /// The freshness SLO, in days.
    pub slo_days: u32,
    /// The rules failures were judged by (`enforced`, `behind`, ...).
    pub fail_on: Vec<String>,
    /// The shards this report covers (empty: the whole fleet, unsharded).
    pub shards: Vec<Shard>,
    /// `0` every project passed, `1` some failed, `2` some repository could not be read.
    pub exit_code: u8,
    /// Every repository, sorted by id.
    pub repositories: Vec<RepoRow>,
    /// What the rows add up to.
    pub aggregates: Aggregates,
}

/// One repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepoRow {
    /// URL, with `#branch` when one was given.
    pub repository: String,
    /// The branch read.
    pub branch: Option<String>,
    /// The commit read.
    pub commit: Option<String>,
    /// Why it could not be fetched or read (then `projects` is empty).
    pub error: Option<ErrorInfo>,
    /// Every answers file in its tree (monorepos hold several).
    pub projects: Vec<ProjectRow>,
}

/// One answers file of a repository: one golden path applied at one directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectRow {
    /// The answers file, relative to the repository root.
    pub answers_file: String,
    /// Golden path.
    pub golden_path: String,
    /// The version in use.
    pub version: String,
    /// The latest version of its source (`None`: unknown).
    pub latest: Option<String>,
    /// Released versions after the one in use (`None`: no version history).
    pub versions_behind: Option<usize>,
    /// The day the version in use was superseded: the release date of the next
    /// version (`None`: current, or the date is unknown).
    pub superseded_on: Option<String>,
    /// Days from `superseded_on` to the report's day (the freshness SLI; `0` when
    /// current, `None` when superseded on an unknown date).
    pub days_behind: Option<i64>,
    /// The day of the last commit that changed the answers file.
    pub last_update: Option<String>,
    /// Enforced paths that drift (modified, missing, other mode), relative to the project.
    pub enforced_drift: Vec<String>,
    /// `pass` or `fail` under the report's rules.
    pub status: Status,
    /// Why it failed.
    pub failures: Vec<Failure>,
}

/// A project's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No failure.
    Pass,
    /// Some failure.
    Fail,
}

/// The fleet in numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Aggregates {
    /// Repositories in the report.
    pub repositories: usize,
    /// Repositories that could not be fetched or read.
    pub errors: usize,
    /// Projects (answers files) found.
    pub projects: usize,
    /// Projects that failed.
    pub failing: usize,
    /// Per golden path: adoption and versions.
    pub golden_paths: BTreeMap<String, GoldenPathStats>,
    /// Projects within the freshness SLO, over all golden paths.
    pub freshness: Freshness,
    /// Projects by days behind: `current`, `1-7`, `8-30`, `31-90`, `91+`, `unknown`.
    pub histogram: BTreeMap<String, usize>,
    /// Enforced paths that drift most often (golden path, path, projects), most first.
    pub top_drift: Vec<DriftCount>,
}

/// One golden path across the fleet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GoldenPathStats {
    /// Repositories that use it (at least one answers file).
    pub repositories: usize,
    /// Its share of the readable repositories (0..1).
    pub adoption: f64,
    /// Projects by version in use.
    pub versions: BTreeMap<String, usize>,
    /// Its projects within the SLO.
    pub freshness: Freshness,
}

/// Projects within the freshness SLO: current, or superseded at most `slo_days` ago.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Freshness {
    /// Projects judged (those whose freshness is known).
    pub known: usize,
    /// Of those, within the SLO.
    pub within_slo: usize,
    /// Projects superseded on an unknown date (left out of the share).
    pub unknown: usize,
    /// `within_slo / known` (1 when none is known).
    pub share: f64,
}

impl Freshness {
    fn add(&mut self, days: Option<i64>, slo: u32) {
        match days {
            Some(d) => {
                self.known += 1;
                if d <= i64::from(slo) {
                    self.within_slo += 1;
                }
            }
            None => self.unknown += 1,
        }
        self.share = if self.known == 0 {
            1.0
        } else {
            self.within_slo as f64 / self.known as f64
        };
    }
}

/// How often one enforced path drifts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftCount {
    /// Golden path.
    pub golden_path: String,
    /// The enforced path, relative to the project.
    pub path: String,
    /// Projects where it drifts.
    pub projects: usize,
}

/// The histogram's buckets, in order.
pub const BUCKETS: [&str; 6] = ["current", "1-7", "8-30", "31-90", "91+", "unknown"];

fn bucket(row: &ProjectRow) -> &'static str {
    match row.days_behind {
        None => "unknown",
        Some(_) if row.superseded_on.is_none() => "current",
        Some(d) if d <= 7 => "1-7",
        Some(d) if d <= 30 => "8-30",
        Some(d) if d <= 90 => "31-90",
        Some(_) => "91+",
    }
}

impl Aggregates {
    /// The aggregates of `rows` under the SLO.
    pub fn of(rows: &[RepoRow], slo_days: u32) -> Aggregates {
        let mut a = Aggregates {
            repositories: rows.len(),
            histogram: BUCKETS.iter().map(|b| (b.to_string(), 0)).collect(),
            ..Aggregates::default()
        };
        let mut drift: BTreeMap<(String, String), usize> = BTreeMap::new();
        for r in rows {
            if r.error.is_some() {
                a.errors += 1;
            }
            let mut used: Vec<&str> = Vec::new();
            for p in &r.projects {
                a.projects += 1;
                if p.status == Status::Fail {
                    a.failing += 1;
                }
                let g = a.golden_paths.entry(p.golden_path.clone()).or_default();
                *g.versions.entry(p.version.clone()).or_default() += 1;
                g.freshness.add(p.days_behind, slo_days);
                a.freshness.add(p.days_behind, slo_days);
                *a.histogram.entry(bucket(p).to_string()).or_default() += 1;
                if !used.contains(&p.golden_path.as_str()) {
                    used.push(&p.golden_path);
                    g.repositories += 1;
                }
                for d in &p.enforced_drift {
                    *drift.entry((p.golden_path.clone(), d.clone())).or_default() += 1;
                }
            }
        }
        let readable = a.repositories - a.errors;
        for g in a.golden_paths.values_mut() {
            g.adoption = if readable == 0 {
                0.0
            } else {
                g.repositories as f64 / readable as f64
            };
        }
        let mut top: Vec<DriftCount> = drift
            .into_iter()
            .map(|((golden_path, path), projects)| DriftCount {
                golden_path,
                path,
                projects,
            })
            .collect();
        top.sort_by(|x, y| {
            y.projects
                .cmp(&x.projects)
                .then_with(|| x.path.cmp(&y.path))
        });
        top.truncate(10);
        a.top_drift = top;
        a
    }
}

impl FleetReport {
    /// A report of `rows` (sorted here), with its aggregates and exit code.
    pub fn new(
        mut rows: Vec<RepoRow>,
        generated_on: String,
        slo_days: u32,
        fail_on: Vec<String>,
        shards: Vec<Shard>,
    ) -> FleetReport {
        rows.sort_by(|a, b| a.repository.cmp(&b.repository));
        let aggregates = Aggregates::of(&rows, slo_days);
        let exit_code = if aggregates.errors > 0 {
            2
        } else if aggregates.failing > 0 {
            1
        } else {
            0
        };
        FleetReport {
            schema_version: SCHEMA_VERSION,
            generated_on,
            slo_days,
            fail_on,
            shards,
            exit_code,
            repositories: rows,
            aggregates,
        }
    }
}
