//! `scaffold fleet report`, `merge` and `update` end to end: repositories made
//! with `scaffold new go-microservice@<released version>` (and worker), committed with
//! git and pushed to bare `file://` remotes, one with a drifted enforced file, a
//! monorepo with two answers files, and an unreachable repository. Every number of
//! the JSON report, shards against an unsharded run, merges and their refusals,
//! Markdown, and the HTML page rendered by headless Chromium.

mod env;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use env::Sandbox;

/// `scaffold new REFERENCE DEST` with fixed answers, no git.
fn new_project(sb: &Sandbox, reference: &str, dest: &Path, name: &str) {
    sb.scaffold(
        sb.path(),
        &[
            "new",
            reference,
            dest.to_str().unwrap(),
            "--set",
            &format!("name={name}"),
            "--set",
            "owner=team-payments",
            "--no-input",
            "--no-git",
        ],
    )
    .expect_code(0);
}

/// Commit `work` and clone it bare into `remotes/<name>.git`; returns its `file://` URL.
fn publish(sb: &Sandbox, work: &Path, name: &str) -> String {
    sb.git(work, &["init", "-q"]);
    sb.commit_all(work, "generated");
    let bare = sb.join(&format!("remotes/{name}.git"));
    fs::create_dir_all(bare.parent().unwrap()).unwrap();
    sb.git(
        sb.path(),
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    format!("file://{}", bare.display())
}

struct Fleet {
    sb: Sandbox,
    repos: PathBuf,
    urls: Vec<String>,
    work: PathBuf,
}

/// Five repositories: a (go 1.0.0), b (go 1.2.0), c (go 1.1.0, CODEOWNERS drifted),
/// mono (go 1.0.0 in svc/, worker 1.0.0 in jobs/), gone (unreachable).
fn fleet() -> Fleet {
    let sb = Sandbox::new();
    let work = sb.join("src");
    let mut urls = Vec::new();
    for (name, version) in [("a", "1.0.0"), ("b", "1.2.0"), ("c", "1.1.0")] {
        let dir = work.join(name);
        new_project(
            &sb,
            &format!("go-microservice@{version}"),
            &dir,
            "payments-api",
        );
        if name == "c" {
            fs::write(dir.join("CODEOWNERS"), "* @someone-else\n").unwrap();
        }
        urls.push(publish(&sb, &dir, name));
    }
    let mono = work.join("mono");
    new_project(
        &sb,
        "go-microservice@1.0.0",
        &mono.join("svc"),
        "orders-api",
    );
    new_project(&sb, "worker@1.0.0", &mono.join("jobs"), "orders-worker");
    urls.push(publish(&sb, &mono, "mono"));
    urls.push(format!("file://{}", sb.join("remotes/gone.git").display()));
    let repos = sb.join("repos.txt");
    fs::write(&repos, format!("# the fleet\n{}\n", urls.join("\n"))).unwrap();
    Fleet {
        sb,
        repos,
        urls,
        work,
    }
}

impl Fleet {
    fn report(&self, extra: &[&str]) -> env::Run {
        let mut cmd = self.sb.cmd();
        cmd.args(["fleet", "report", "--repos", self.repos.to_str().unwrap()])
            .args(extra)
            .env("SCAFFOLD_NOW", "2026-12-31")
            .current_dir(self.sb.path());
        self.sb.run_cmd(&mut cmd)
    }

    fn json(&self, extra: &[&str]) -> Value {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        let run = self.report(&args);
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.transcript()))
    }
}

fn row<'a>(report: &'a Value, repo: &str) -> &'a Value {
    report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            let id = r["repository"].as_str().unwrap();
            id.contains(&format!("/{repo}.git")) || id.ends_with(&format!("/{repo}"))
        })
        .unwrap_or_else(|| panic!("no row for {repo}"))
}

#[test]
fn the_report_counts_versions_drift_and_errors_of_every_repository() {
    let f = fleet();
    let run = f.report(&["--format", "json"]);
    run.expect_code(2);
    let r: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["exit_code"], 2);
    assert_eq!(r["generated_on"], "2026-12-31");
    let a = &r["aggregates"];
    assert_eq!(a["repositories"], 5);
    assert_eq!(a["errors"], 1);
    assert_eq!(a["projects"], 5, "{a:#}");
    assert_eq!(a["failing"], 1);
    let go = &a["golden_paths"]["go-microservice"];
    assert_eq!(go["repositories"], 4);
    assert_eq!(go["adoption"], 1.0);
    assert_eq!(
        go["versions"],
        serde_json::json!({"1.0.0": 2, "1.1.0": 1, "1.2.0": 1})
    );
    let worker = &a["golden_paths"]["worker"];
    assert_eq!(worker["repositories"], 1);
    assert_eq!(worker["adoption"], 0.25);
    assert_eq!(
        a["top_drift"],
        serde_json::json!([{"golden_path": "go-microservice", "path": "CODEOWNERS", "projects": 1}])
    );
    // Freshness from the built-in changelogs' dated headings: go-microservice 1.1.0
    // came out on 2026-12-01, 1.2.0 and 1.3.0 on 2026-12-02, worker 1.1.0 on
    // 2026-12-02; so on 2026-12-31 a project at go 1.0.0 is 30 days behind, one at go
    // 1.1.0 or 1.2.0 or at worker 1.0.0 is 29.
    assert_eq!(a["freshness"]["known"], 5, "{a:#}");
    let days = |repo: &str, i: usize| row(&r, repo)["projects"][i]["days_behind"].clone();
    assert_eq!(days("a", 0), 30);
    assert_eq!(days("b", 0), 29);
    assert_eq!(days("c", 0), 29);
    assert_eq!(days("mono", 0), 29, "worker 1.0.0");
    assert_eq!(days("mono", 1), 30, "go-microservice 1.0.0");
    assert_eq!(row(&r, "a")["projects"][0]["superseded_on"], "2026-12-01");

    let ra = row(&r, "a");
    assert_eq!(ra["branch"], "main");
    assert_eq!(ra["commit"].as_str().unwrap().len(), 40);
    let p = &ra["projects"][0];
    assert_eq!(p["answers_file"], ".scaffold/go-microservice.yaml");
    assert_eq!(p["version"], "1.0.0");
    assert_eq!(p["latest"], "1.3.0");
    assert_eq!(p["versions_behind"], 3);
    assert_eq!(p["last_update"], "2024-01-01");
    assert_eq!(p["status"], "pass");
    assert_eq!(row(&r, "b")["projects"][0]["versions_behind"], 1);

    let c = &row(&r, "c")["projects"][0];
    assert_eq!(c["enforced_drift"], serde_json::json!(["CODEOWNERS"]));
    assert_eq!(c["status"], "fail");
    assert_eq!(c["failures"][0]["kind"], "enforced_drift");

    let mono = row(&r, "mono");
    let files: Vec<&str> = mono["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["answers_file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "jobs/.scaffold/worker.yaml",
            "svc/.scaffold/go-microservice.yaml"
        ]
    );
    assert_eq!(mono["projects"][0]["versions_behind"], 2);

    let gone = row(&r, "gone");
    assert!(gone["projects"].as_array().unwrap().is_empty());
    let msg = gone["error"]["message"].as_str().unwrap();
    assert!(msg.contains("gone.git"), "{msg}");
}

#[test]
fn fail_on_behind_fails_every_project_behind_and_the_exit_code_follows_check() {
    let f = fleet();
    fs::write(&f.repos, format!("{}\n", f.urls[1])).unwrap();
    let r = f.json(&[]);
    assert_eq!(r["exit_code"], 0);
    f.report(&[]).expect_code(0);
    let r = f.json(&["--fail-on", "behind"]);
    assert_eq!(r["exit_code"], 1);
    assert_eq!(r["fail_on"], serde_json::json!(["behind"]));
    assert_eq!(row(&r, "b")["projects"][0]["failures"][0]["kind"], "behind");
}

#[test]
fn local_clones_and_a_catalog_are_inputs_too() {
    let f = fleet();
    // The work directories are clones (non-bare) of the same repositories.
    let mut cmd = f.sb.cmd();
    cmd.args(["fleet", "report", "--format", "json"])
        .arg(f.work.join("a"))
        .arg(f.work.join("b"))
        .current_dir(f.sb.path());
    let run = f.sb.run_cmd(&mut cmd);
    run.expect_code(0);
    let r: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(r["aggregates"]["repositories"], 2);
    assert_eq!(r["aggregates"]["projects"], 2);

    let catalog = f.sb.join("catalog-info.yaml");
    fs::write(
        &catalog,
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n  annotations:\n    backstage.io/source-location: url:{}/tree/main/\n---\nkind: System\nmetadata: {{name: s}}\n---\nkind: Component\nmetadata:\n  name: c\n  annotations:\n    backstage.io/source-location: url:{}\n",
            f.urls[0], f.urls[2]
        ),
    )
    .unwrap();
    let mut cmd = f.sb.cmd();
    cmd.args(["fleet", "report", "--format", "json", "--catalog"])
        .arg(&catalog)
        .current_dir(f.sb.path());
    let run = f.sb.run_cmd(&mut cmd);
    run.expect_code(1);
    let r: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(r["aggregates"]["repositories"], 2);
    assert_eq!(row(&r, "a")["branch"], "main");
    assert_eq!(r["aggregates"]["failing"], 1);
}

/// The rows and aggregates, without what differs between runs by design.
fn comparable(mut r: Value) -> Value {
    r.as_object_mut().unwrap().remove("shards");
    r
}

#[test]
fn the_union_of_the_shards_equals_an_unsharded_run() {
    let f = fleet();
    let whole = f.json(&[]);
    let dir = f.sb.join("reports");
    fs::create_dir_all(&dir).unwrap();
    for n in [1u32, 2, 3, 7] {
        let mut files = Vec::new();
        let mut total = 0;
        for i in 1..=n {
            let shard = f.json(&["--shard", &format!("{i}/{n}")]);
            assert_eq!(
                shard["shards"],
                serde_json::json!([{"index": i, "count": n}])
            );
            total += shard["repositories"].as_array().unwrap().len();
            let file = dir.join(format!("{n}-{i}.json"));
            fs::write(&file, shard.to_string()).unwrap();
            files.push(file);
        }
        assert_eq!(total, 5, "{n} shards");
        let mut cmd = f.sb.cmd();
        cmd.args(["fleet", "merge", "--format", "json"])
            .args(&files)
            .current_dir(f.sb.path());
        let run = f.sb.run_cmd(&mut cmd);
        run.expect_code(2);
        let merged: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(merged["shards"].as_array().unwrap().len(), n as usize);
        assert_eq!(comparable(merged), comparable(whole.clone()), "{n} shards");
    }
}

#[test]
fn merges_of_overlapping_shards_or_other_schemas_are_refused() {
    let f = fleet();
    let dir = f.sb.join("reports");
    fs::create_dir_all(&dir).unwrap();
    let one = f.json(&["--shard", "1/2"]);
    let a = dir.join("a.json");
    fs::write(&a, one.to_string()).unwrap();
    let run =
        f.sb.run(&["fleet", "merge", a.to_str().unwrap(), a.to_str().unwrap()]);
    run.expect_code(2)
        .error_with(&["shard 1/2 is in two reports"]);
    let whole = dir.join("whole.json");
    fs::write(&whole, f.json(&[]).to_string()).unwrap();
    let run = f.sb.run(&[
        "fleet",
        "merge",
        whole.to_str().unwrap(),
        whole.to_str().unwrap(),
    ]);
    run.expect_code(2).error_with(&["overlapping shards"]);
    let mut other = one.clone();
    other["schema_version"] = 99.into();
    let b = dir.join("b.json");
    fs::write(&b, other.to_string()).unwrap();
    let run = f.sb.run(&["fleet", "merge", b.to_str().unwrap()]);
    run.expect_code(2).error_with(&["schema version 99"]);
    assert!(run.stdout.is_empty());
}

#[test]
fn bad_inputs_are_clear_errors_and_print_nothing() {
    let f = fleet();
    let run = f.report(&["--shard", "3/2"]);
    run.expect_code(2)
        .error_with(&["shard `3/2`", "1 <= I <= N"]);
    assert!(run.stdout.is_empty());
    fs::write(&f.repos, "file:///x.git main extra\n").unwrap();
    let run = f.report(&[]);
    run.expect_code(2)
        .error_with(&["repos.txt:1", "SOURCE [BRANCH]"]);
    assert!(run.stdout.is_empty());
}

#[test]
fn markdown_and_the_table_carry_the_numbers() {
    let f = fleet();
    let md = f.report(&["--format", "markdown"]);
    md.expect_code(2);
    assert!(md.stdout.starts_with("## Fleet report"), "{}", md.stdout);
    assert!(
        md.stdout
            .contains("| go-microservice | 4 | 100% | 1.0.0 (2), 1.1.0 (1), 1.2.0 (1) |"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout
            .contains("- `CODEOWNERS` (go-microservice): 1 projects")
    );
    let table = f.report(&[]);
    table.expect_code(2);
    assert!(
        table
            .stdout
            .contains("5 repositories (1 unreadable), 5 projects, 1 failing")
    );
    assert!(table.stdout.contains("go-microservice@1.1.0"));
    // Not a terminal: no progress bar on stderr.
    assert!(!table.stderr.contains("/5"), "{}", table.stderr);
}

#[test]
fn the_html_page_shows_the_numbers_in_headless_chromium() {
    let f = fleet();
    let run = f.report(&["--format", "html"]);
    run.expect_code(2);
    let page = f.sb.join("fleet.html");
    fs::write(&page, &run.stdout).unwrap();
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect(
            "chromium is needed for this test: apt-get install -y --no-install-recommends chromium",
        );
    let out = std::process::Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu"])
        .arg(format!(
            "--user-data-dir={}",
            f.sb.join("chromium-profile").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dom.contains("data-repositories=\"5\""), "{dom}");
    assert!(dom.contains("data-projects=\"5\""));
    for (label, value) in [("1.0.0", 2), ("1.1.0", 1), ("1.2.0", 1)] {
        assert!(
            dom.contains(&format!("data-label=\"{label}\" data-value=\"{value}\"")),
            "{label}: {dom}"
        );
    }
    // Every project 29 or 30 days behind (see the report test): the 8-30 bar.
    assert!(
        dom.contains("data-label=\"8-30\" data-value=\"5\""),
        "the freshness histogram: {dom}"
    );
    assert!(dom.contains("<svg"));
}

/// A local golden path `svc` at `version` with a dated changelog, in `dir`.
fn local_golden_path(dir: &Path, version: &str) {
    fs::create_dir_all(dir.join("skeleton")).unwrap();
    fs::write(
        dir.join("golden-path.yaml"),
        format!(
            "apiVersion: scaffold/v1
kind: GoldenPath
metadata:
  name: svc
  title: Service
  version: {version}
spec:
  parameters:
    type: object
    required: [name]
    properties:
      name: {{type: string}}
  skeletons:
    - path: skeleton
  files:
    policy:
      enforced: [CODEOWNERS]
"
        ),
    )
    .unwrap();
    fs::write(dir.join("skeleton/CODEOWNERS"), "* @acme/platform\n").unwrap();
    fs::write(
        dir.join("CHANGELOG.md"),
        "# Changelog\n\n## 1.1.0 - 2024-02-01\n\n- newer\n\n## 1.0.0 - 2024-01-01\n\n- first\n",
    )
    .unwrap();
}

#[test]
fn days_behind_count_from_the_next_versions_dated_changelog_heading() {
    let sb = Sandbox::new();
    let gp = sb.join("gp");
    local_golden_path(&gp, "1.0.0");
    let dir = sb.join("src/svc");
    sb.scaffold(
        sb.path(),
        &[
            "new",
            gp.join("golden-path.yaml").to_str().unwrap(),
            dir.to_str().unwrap(),
            "--set",
            "name=svc",
            "--no-input",
            "--no-git",
        ],
    )
    .expect_code(0);
    let url = publish(&sb, &dir, "svc");
    local_golden_path(&gp, "1.1.0");
    let repos = sb.join("repos.txt");
    fs::write(&repos, format!("{url}\n")).unwrap();
    let report = |slo: &str| -> Value {
        let mut cmd = sb.cmd();
        cmd.args([
            "fleet",
            "report",
            "--format",
            "json",
            "--slo-days",
            slo,
            "--repos",
        ])
        .arg(&repos)
        .env("SCAFFOLD_NOW", "2024-03-02")
        .current_dir(sb.path());
        let run = sb.run_cmd(&mut cmd);
        run.expect_code(0);
        serde_json::from_str(&run.stdout).unwrap()
    };
    let r = report("30");
    let p = &r["repositories"][0]["projects"][0];
    assert_eq!(p["latest"], "1.1.0");
    assert_eq!(p["superseded_on"], "2024-02-01");
    assert_eq!(p["days_behind"], 30);
    let f = &r["aggregates"]["freshness"];
    assert_eq!(
        (f["known"].clone(), f["within_slo"].clone()),
        (1.into(), 1.into())
    );
    assert_eq!(r["aggregates"]["histogram"]["8-30"], 1);
    let r = report("29");
    assert_eq!(r["aggregates"]["freshness"]["within_slo"], 0);
    assert_eq!(r["aggregates"]["freshness"]["share"], 0.0);
}

/// The first line of `rel` that differs between renders of go-microservice at two
/// versions (an edit of it conflicts with the update between them).
fn changed_line(sb: &Sandbox, from: &str, to: &str, rel: &str) -> String {
    let a = sb.join(&format!("renders/{from}"));
    let b = sb.join(&format!("renders/{to}"));
    new_project(sb, &format!("go-microservice@{from}"), &a, "payments-api");
    new_project(sb, &format!("go-microservice@{to}"), &b, "payments-api");
    let (old, new) = (
        fs::read_to_string(a.join(rel)).unwrap(),
        fs::read_to_string(b.join(rel)).unwrap(),
    );
    old.lines()
        .zip(new.lines())
        .find(|(x, y)| x != y)
        .map(|(x, _)| x.to_string())
        .unwrap_or_else(|| panic!("{rel} is the same at {from} and {to}"))
}

fn refs(sb: &Sandbox, bare: &Path) -> String {
    sb.git(bare, &["for-each-ref", "--format=%(refname) %(objectname)"])
}

#[test]
fn a_campaign_never_downgrades_a_repository_ahead_of_its_target() {
    let f = fleet();
    let run = f.sb.scaffold(
        f.sb.path(),
        &[
            "fleet",
            "update",
            "--repos",
            f.repos.to_str().unwrap(),
            "--golden-path",
            "go-microservice",
            "--to",
            "1.1.0",
            "--dry-run",
            "--format",
            "json",
        ],
    );
    let report: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.transcript()));
    assert_eq!(run.code, 2, "{report}");
    assert_eq!(row(&report, "a")["outcome"], "updated", "1.0.0 -> 1.1.0");
    assert_eq!(row(&report, "c")["outcome"], "current", "at 1.1.0 already");
    let b = row(&report, "b");
    assert_eq!(b["outcome"], "failed", "1.2.0 is ahead of 1.1.0: {b}");
    let message = b["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("from 1.2.0 to the older version 1.1.0"),
        "{message}"
    );
    // A campaign has no way to allow it, so the message suggests none.
    assert!(!message.contains("allow"), "{message}");
    // The temporary clone is gone when the report is read: the project is named by
    // its path in the repository.
    assert!(
        message.starts_with("cannot update . (go-microservice)"),
        "{message}"
    );
    assert!(!message.contains("scaffold-fleet-"), "{message}");
}

#[test]
fn fleet_update_commits_and_pushes_a_branch_per_repository() {
    let f = fleet();
    let sb = &f.sb;
    // d is already current; e's local edit conflicts with the update.
    let d = f.work.join("d");
    new_project(sb, "go-microservice@1.3.0", &d, "payments-api");
    let d_url = publish(sb, &d, "d");
    let e = f.work.join("e");
    new_project(sb, "go-microservice@1.2.0", &e, "payments-api");
    let readme = "README.md"; // merged: an edit of a changed line conflicts
    let line = changed_line(sb, "1.2.0", "1.3.0", readme);
    let text = fs::read_to_string(e.join(readme)).unwrap();
    fs::write(
        e.join(readme),
        text.replacen(&line, "# edited by the team", 1),
    )
    .unwrap();
    let e_url = publish(sb, &e, "e");
    let repos = sb.join("campaign.txt");
    let mut urls = f.urls.clone();
    urls.extend([d_url, e_url]);
    fs::write(&repos, urls.join("\n") + "\n").unwrap();
    let bare = |name: &str| sb.join(&format!("remotes/{name}.git"));
    let names = ["a", "b", "c", "mono", "d", "e"];
    let before: Vec<String> = names.iter().map(|n| refs(sb, &bare(n))).collect();
    let branch = "refs/heads/scaffold/go-microservice-1.3.0";
    let campaign = |extra: &[&str]| {
        let mut args = vec![
            "fleet",
            "update",
            "--repos",
            repos.to_str().unwrap(),
            "--golden-path",
            "go-microservice",
            "--to",
            "1.3.0",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let run = sb.scaffold(sb.path(), &args);
        let json: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", run.transcript()));
        (run.code, json)
    };
    let outcome = |report: &Value, repo: &str| row(report, repo)["outcome"].clone();

    // A dry run plans every repository and pushes nothing.
    let (code, dry) = campaign(&["--dry-run"]);
    assert_eq!(code, 2, "the unreachable repository failed: {dry}");
    for (n, b) in names.iter().zip(&before) {
        assert_eq!(&refs(sb, &bare(n)), b, "{n}: nothing pushed in a dry run");
    }
    assert_eq!(outcome(&dry, "a"), "updated");
    assert_eq!(outcome(&dry, "d"), "current");
    assert_eq!(outcome(&dry, "e"), "skipped-conflicts");
    assert_eq!(outcome(&dry, "gone"), "failed");
    let gone = row(&dry, "gone")["error"]["message"].as_str().unwrap();
    assert!(gone.starts_with("cannot clone "), "{gone}");
    assert!(
        !gone.contains("offline"),
        "a campaign has no offline mode to suggest: {gone}"
    );
    assert!(
        row(&dry, "e")["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == readme),
        "{dry}"
    );

    // The campaign: a branch on every remote that is behind and merges cleanly.
    let out = sb.join("campaign-out");
    let (code, report) = campaign(&["--out", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{report}");
    for n in ["a", "b", "c", "mono"] {
        assert_eq!(outcome(&report, n), "updated", "{n}: {report}");
        assert_eq!(row(&report, n)["pushed"], true);
        let answers_rel = if n == "mono" {
            "svc/.scaffold/go-microservice.yaml"
        } else {
            ".scaffold/go-microservice.yaml"
        };
        let answers = sb.git(&bare(n), &["show", &format!("{branch}:{answers_rel}")]);
        assert!(answers.contains("version: 1.3.0"), "{n}: {answers}");
        let msg = sb.git(&bare(n), &["log", "-1", "--format=%B", branch]);
        assert!(msg.starts_with("Update go-microservice from "), "{msg}");
        assert!(msg.contains("## 1.3.0"), "the changelog entries: {msg}");
        let default = sb.git(&bare(n), &["rev-parse", "HEAD"]);
        let parent = sb.git(&bare(n), &["rev-parse", &format!("{branch}^")]);
        assert_eq!(default, parent, "{n}: one commit on the default branch");
        let changed = sb.git(&bare(n), &["diff", "--name-only", "HEAD", branch]);
        assert!(
            changed
                .lines()
                .any(|p| p.ends_with(".scaffold/go-microservice.yaml"))
                && !changed.contains(".scaffold/journal"),
            "{n}: the update's files only: {changed}"
        );
    }
    let codeowners = sb.git(&bare("c"), &["show", &format!("{branch}:CODEOWNERS")]);
    assert!(!codeowners.contains("@someone-else"), "enforced: restored");
    let jobs = sb.git(
        &bare("mono"),
        &["show", &format!("{branch}:jobs/.scaffold/worker.yaml")],
    );
    assert!(jobs.contains("version: 1.0.0"), "the worker is not touched");
    for n in ["d", "e"] {
        assert!(
            !refs(sb, &bare(n)).contains(branch),
            "{n}: no branch pushed"
        );
    }
    let pr = fs::read_to_string(out.join("remotes-a.md")).unwrap();
    assert!(pr.starts_with("# Update go-microservice to 1.3.0"), "{pr}");
    assert!(pr.contains("No conflicts."), "{pr}");
    assert!(out.join("report.json").is_file());
    assert!(
        !out.join("remotes-e.md").exists(),
        "a skipped repository has no PR"
    );
    let summary = &report["summary"];
    assert_eq!(summary["updated"].as_array().unwrap().len(), 4);
    assert_eq!(summary["current"].as_array().unwrap().len(), 1);
    assert_eq!(summary["skipped-conflicts"].as_array().unwrap().len(), 1);
    assert_eq!(summary["failed"].as_array().unwrap().len(), 1);

    // A teammate adds a commit to a's branch; a re-run keeps it (the branch is
    // updated, not replaced), and e's conflicts are pushed when allowed.
    let clone = sb.join("teammate");
    sb.git(
        sb.path(),
        &[
            "clone",
            "-q",
            "-b",
            "scaffold/go-microservice-1.3.0",
            bare("a").to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    fs::write(clone.join("NOTES.md"), "review notes\n").unwrap();
    sb.commit_all(&clone, "notes");
    sb.git(&clone, &["push", "-q", "origin", "HEAD"]);
    let teammate = sb.git(&clone, &["rev-parse", "HEAD"]);
    let (_, again) = campaign(&["--allow-conflicts"]);
    assert_eq!(outcome(&again, "a"), "current", "{again}");
    assert_eq!(row(&again, "a")["branch_existed"], true);
    assert_eq!(sb.git(&bare("a"), &["rev-parse", branch]), teammate);
    assert_eq!(outcome(&again, "e"), "updated-with-conflicts", "{again}");
    let msg = sb.git(&bare("e"), &["log", "-1", "--format=%B", branch]);
    assert!(
        msg.contains(&format!("Conflicts to resolve:\n- {readme}")),
        "{msg}"
    );
    let merged = sb.git(&bare("e"), &["show", &format!("{branch}:{readme}")]);
    assert!(merged.contains("<<<<<<<"), "the conflict is in the file");
}
