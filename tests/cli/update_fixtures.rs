//! Data-driven tests of `scaffold update`: one folder per case under
//! `tests/fixtures/update/`, run through the real binary.
//!
//! A case folder holds:
//! - `base/`: the skeleton at v1.0.0; `theirs/`: the skeleton at v1.1.0;
//! - `ours/`: the project's working tree after local edits (`.scaffold/` excluded);
//! - `expected/`: the tree after the update (`.scaffold/` excluded);
//! - `expected-report.json`: `{"exit_code": N, "files": [{"path", "action",
//!   "conflicts", "from"?, "policy"?}]}`, the report's files (kept ones included);
//! - optionally `answers.json` (answers given to `new` with `--values`; each key
//!   becomes a parameter of the fixture's schema, besides `name` = "demo"),
//!   `policy.yaml` (`seed:`/`enforced:` globs, the same in both versions), `modes`
//!   (`side/path 755` lines: every other file is 644, whatever git checked out),
//!   `update-args` (extra arguments for both update runs, one per line) and `ignore`
//!   (the reason the case is skipped: a known bug; the case still runs and reports
//!   whether it passes now).
//!
//! For each case the harness builds a template repository (golden-path.yaml with
//! `skeletons: [{path: skel}]`, skel/ = base/ tagged v1.0.0, then theirs/ tagged
//! v1.1.0), runs `scaffold new git+REPO?ref=v1.0.0 demo --no-input --no-git` (so
//! `name` is "demo" unless answers.json says otherwise),
//! replaces the project's files with ours/, then runs `update --dry-run --format
//! json`, a human `--dry-run`, the real `update --format json` and a second update.
//! It checks: the dry runs wrote nothing (whole-tree snapshot with modes); the real
//! tree equals expected/ byte for byte and mode for mode, with no empty directory left
//! behind; the report and exit code match expected-report.json; the dry run predicted
//! exactly the real run's files, summary and exit code; the answers file records
//! v1.1.0; and a second update refuses over the conflicts the first one left, and
//! with `--allow-conflicts` is a no-op that exits 0.
//!
//! `UPDATE_FIXTURE=<case>` runs one case; `UPDATE_FIXTURE_VERBOSE=1` prints why each
//! ignored case still fails.

#![allow(clippy::print_stderr)] // the harness lists every case it ran

#[path = "env/mod.rs"]
mod env;
#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use support::{Files, Sandbox, TemplateRepo};

/// Where the case folders live.
fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/update")
}

/// One fixture case, loaded (or generated).
struct Case {
    name: String,
    base: Files,
    theirs: Files,
    ours: Files,
    expected: Files,
    report: Value,
    answers: Option<Value>,
    policy: Value,
    update_args: Vec<String>,
    ignore: Option<String>,
}

fn read_side(dir: &Path, side: &str, modes: &[(String, u32)]) -> Files {
    let root = dir.join(side);
    if !root.is_dir() {
        return Files::new();
    }
    let mut files = support::read_files(&root, &[]);
    for f in files.values_mut() {
        f.mode = 0o644;
    }
    let prefix = format!("{side}/");
    for (p, mode) in modes {
        if let Some(rel) = p.strip_prefix(&prefix) {
            let f = files
                .get_mut(rel)
                .unwrap_or_else(|| panic!("{}: `modes` names missing file {p}", dir.display()));
            f.mode = *mode;
        }
    }
    files
}

fn load_case(dir: &Path) -> Case {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let read = |f: &str| fs::read_to_string(dir.join(f)).ok();
    let modes: Vec<(String, u32)> = read("modes")
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (p, m) = l
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("{name}/modes: bad line `{l}`"));
            (
                p.trim().to_string(),
                u32::from_str_radix(m.trim(), 8).expect("octal mode"),
            )
        })
        .collect();
    let report: Value = serde_json::from_str(
        &read("expected-report.json").unwrap_or_else(|| panic!("{name}: no expected-report.json")),
    )
    .unwrap_or_else(|e| panic!("{name}/expected-report.json: {e}"));
    let answers = read("answers.json")
        .map(|t| serde_json::from_str(&t).unwrap_or_else(|e| panic!("{name}/answers.json: {e}")));
    let policy = read("policy.yaml")
        .map(|t| {
            serde_yaml::from_str::<Value>(&t).unwrap_or_else(|e| panic!("{name}/policy.yaml: {e}"))
        })
        .unwrap_or(Value::Null);
    let update_args = read("update-args")
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    Case {
        base: read_side(dir, "base", &modes),
        theirs: read_side(dir, "theirs", &modes),
        ours: read_side(dir, "ours", &modes),
        expected: read_side(dir, "expected", &modes),
        report,
        answers,
        policy,
        update_args,
        ignore: read("ignore").map(|s| s.trim().to_string()),
        name,
    }
}

/// The fixture's parameter schema: `name` (default "demo") plus one property per key
/// of answers.json, typed after its value.
fn parameters(answers: Option<&Value>) -> Value {
    let mut props = serde_json::Map::new();
    props.insert("name".into(), json!({"type": "string", "default": "demo"}));
    if let Some(Value::Object(a)) = answers {
        for (k, v) in a {
            let t = match v {
                Value::Bool(_) => "boolean",
                Value::Number(n) if n.is_i64() => "integer",
                Value::Number(_) => "number",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
                _ => "string",
            };
            props.insert(k.clone(), json!({ "type": t }));
        }
    }
    json!({"type": "object", "properties": props})
}

/// The report's files reduced to what expected-report.json pins down.
fn project_files(files: &Value, keys: &[&str]) -> Vec<Value> {
    let mut out: Vec<Value> = files
        .as_array()
        .expect("files is an array")
        .iter()
        .map(|f| {
            let mut o = serde_json::Map::new();
            for k in keys {
                if let Some(v) = f.get(*k) {
                    o.insert((*k).to_string(), v.clone());
                }
            }
            Value::Object(o)
        })
        .collect();
    out.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    out
}

fn pretty(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

/// Run one case; every failed check is collected (so one run shows them all).
fn run_case(case: &Case) -> Result<(), String> {
    let mut errors: Vec<String> = Vec::new();
    macro_rules! check {
        ($cond:expr, $($msg:tt)+) => {
            if !$cond {
                errors.push(format!($($msg)+));
            }
        };
    }
    if case.base.is_empty() || case.theirs.is_empty() {
        return Err("base/ and theirs/ must each hold a file (git keeps no empty skel/)".into());
    }
    let sb = Sandbox::new();
    let mut repo = TemplateRepo::init(&sb.join("template.git"));
    let params = parameters(case.answers.as_ref());
    for (tag, skel) in [("v1.0.0", &case.base), ("v1.1.0", &case.theirs)] {
        let def = support::definition("fixture", tag, &params, &case.policy);
        repo.commit_tag(
            tag,
            &support::template_tree("golden-path.yaml", &def, "skel/", skel),
        );
    }

    // Generate the project at v1.0.0, then make its tree ours/.
    let project = sb.join("demo");
    let src = repo.source(None, Some("v1.0.0"));
    let mut new_args = vec!["new", src.as_str(), "demo", "--no-input", "--no-git"];
    let answers_path = sb.join("answers.json");
    let answers_arg = answers_path.to_string_lossy().into_owned();
    if let Some(a) = &case.answers {
        fs::write(&answers_path, pretty(a)).unwrap();
        new_args.extend(["--values", answers_arg.as_str()]);
    }
    let new = sb.scaffold(sb.path(), &new_args);
    if new.code != 0 {
        return Err(format!(
            "scaffold new failed ({}):\n{}{}",
            new.code, new.stdout, new.stderr
        ));
    }
    for entry in fs::read_dir(&project).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().is_some_and(|n| n == ".scaffold") {
            continue;
        }
        if p.is_dir() {
            fs::remove_dir_all(&p).unwrap();
        } else {
            fs::remove_file(&p).unwrap();
        }
    }
    support::write_files(&project, &case.ours);

    let extra: Vec<&str> = case.update_args.iter().map(String::as_str).collect();
    let update = |more: &[&str]| {
        let mut args = vec!["update", "demo"];
        args.extend_from_slice(more);
        args.extend_from_slice(&extra);
        sb.scaffold(sb.path(), &args)
    };

    // Dry runs: JSON and human. Neither may write anything.
    let before = support::snapshot(&project);
    let dry = update(&["--dry-run", "--format", "json"]);
    let after_dry = support::snapshot(&project);
    let diff = support::snapshot_diff(&before, &after_dry);
    check!(
        diff.is_empty(),
        "the JSON dry run wrote to the project:\n{diff}"
    );
    let human = update(&["--dry-run", "-v"]);
    let diff = support::snapshot_diff(&before, &support::snapshot(&project));
    check!(
        diff.is_empty(),
        "the human dry run wrote to the project:\n{diff}"
    );
    if dry.code != 0 && dry.code != 1 {
        return Err(format!(
            "dry run failed ({}):\n{}{}",
            dry.code, dry.stdout, dry.stderr
        ));
    }

    // The real run.
    let real = update(&["--format", "json"]);
    if real.code != 0 && real.code != 1 {
        errors.push(format!(
            "update failed ({}):\n{}{}",
            real.code, real.stdout, real.stderr
        ));
        return Err(errors.join("\n"));
    }
    let dry_json = dry.json();
    let real_json = real.json();

    // Exit code and report.
    let want_code = case.report["exit_code"].as_i64().expect("exit_code") as i32;
    check!(
        real.code == want_code,
        "exit code {} (expected {want_code})",
        real.code
    );
    let want_files = project_files(
        &case.report["files"],
        &["path", "action", "conflicts", "from", "policy"],
    );
    let mut keys = vec!["path", "action", "conflicts", "from"];
    if want_files.iter().any(|f| f.get("policy").is_some()) {
        keys.push("policy");
    }
    let got_files = project_files(&real_json["files"], &keys);
    let want_files = project_files(&Value::Array(want_files), &keys);
    check!(
        got_files == want_files,
        "report files differ\nexpected: {}\nactual:   {}",
        pretty(&want_files),
        pretty(&got_files)
    );
    let conflicts: u64 = real_json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["conflicts"].as_u64().unwrap())
        .sum();
    check!(
        real_json["summary"]["conflicts"].as_u64() == Some(conflicts),
        "summary.conflicts {} is not the sum of the files' {conflicts}",
        real_json["summary"]["conflicts"]
    );
    check!(
        (conflicts > 0) == (real.code == 1),
        "exit code {} does not match {conflicts} conflict(s)",
        real.code
    );
    for (k, v) in [
        ("golden_path", json!("fixture")),
        ("from_version", json!("v1.0.0")),
        ("exact_base", json!(true)),
        ("dry_run", json!(false)),
    ] {
        check!(
            real_json[k] == v,
            "report field {k} = {} (expected {v})",
            real_json[k]
        );
    }
    if !extra.iter().any(|a| a.starts_with("--to")) {
        check!(
            real_json["to_version"] == json!("v1.1.0"),
            "to_version = {} (expected the latest tag, v1.1.0)",
            real_json["to_version"]
        );
    }
    for k in ["root", "source", "dropped_answers", "files", "summary"] {
        check!(real_json.get(k).is_some(), "report lacks field {k}");
    }

    // The dry run predicted exactly this.
    check!(
        dry_json["dry_run"] == json!(true),
        "dry run report lacks dry_run: true"
    );
    check!(
        dry.code == real.code,
        "dry run exit code {} != real run's {}",
        dry.code,
        real.code
    );
    check!(
        dry_json["files"] == real_json["files"],
        "dry run predicted other files\ndry:  {}\nreal: {}",
        pretty(&dry_json["files"]),
        pretty(&real_json["files"])
    );
    check!(
        dry_json["summary"] == real_json["summary"],
        "dry run summary {} != real {}",
        dry_json["summary"],
        real_json["summary"]
    );

    // The human dry run: one line per reported file (kept ones with -v), a summary,
    // the same exit code.
    check!(
        human.code == real.code,
        "human dry run exit code {} != {}",
        human.code,
        real.code
    );
    for f in real_json["files"].as_array().unwrap() {
        let (action, path) = (f["action"].as_str().unwrap(), f["path"].as_str().unwrap());
        check!(
            human.stdout.lines().any(|l| {
                let mut words = l.split_whitespace();
                words.next() == Some(action) && words.next() == Some(path)
            }),
            "human dry run has no `{action} {path}` line:\n{}",
            human.stdout
        );
    }
    check!(
        human.stdout.contains("Summary: ") || human.stdout.contains("Already up to date"),
        "human dry run has no summary line:\n{}",
        human.stdout
    );

    // The tree.
    let got = support::read_files(&project, &[".scaffold"]);
    let diff = support::files_diff(&case.expected, &got);
    check!(diff.is_empty(), "tree differs from expected/:\n{diff}");
    let empty = support::empty_dirs(&project, &[".scaffold"]);
    check!(empty.is_empty(), "empty directories left behind: {empty:?}");
    let answers_file =
        fs::read_to_string(project.join(".scaffold/fixture.yaml")).unwrap_or_default();
    let to_version = real_json["to_version"].as_str().unwrap_or("?");
    check!(
        answers_file
            .lines()
            .any(|l| l == format!("version: {to_version}")),
        "the answers file does not record version {to_version}:\n{answers_file}"
    );

    // A second update has nothing to do. Over conflicts it left, update refuses unless
    // told to go on; told so, it is still a no-op.
    let before_second = support::snapshot(&project);
    let allowed = case.update_args.iter().any(|a| a == "--allow-conflicts");
    let has_conflicts = real_json["summary"]["conflicts"].as_u64().unwrap_or(0) > 0;
    if has_conflicts && !allowed {
        let refused = update(&["--format", "json"]);
        check!(
            refused.code == 2 && refused.stderr.contains("unresolved conflict"),
            "an update over unresolved conflicts must refuse (exit {}):\n{}",
            refused.code,
            refused.stderr
        );
    }
    let second = if allowed {
        update(&["--format", "json"])
    } else {
        update(&["--format", "json", "--allow-conflicts"])
    };
    check!(
        second.code == 0,
        "second update exited {}:\n{}{}",
        second.code,
        second.stdout,
        second.stderr
    );
    if second.code == 0 {
        let acts: BTreeSet<String> = second.json()["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["action"].as_str().unwrap().to_string())
            .collect();
        check!(
            acts.iter().all(|a| a == "kept"),
            "second update did more than keep files: {}",
            second.stdout
        );
    }
    let diff = support::snapshot_diff(&before_second, &support::snapshot(&project));
    check!(diff.is_empty(), "second update changed the tree:\n{diff}");

    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

fn case_dirs() -> Vec<PathBuf> {
    let only = std::env::var("UPDATE_FIXTURE").ok();
    let mut dirs: Vec<PathBuf> = fs::read_dir(cases_dir())
        .expect("tests/fixtures/update exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            only.as_deref()
                .is_none_or(|o| p.file_name().is_some_and(|n| n == o))
        })
        .collect();
    dirs.sort();
    dirs
}

/// Run cases on a few threads; fail listing every failed case, print ignored ones.
fn run_all(cases: Vec<Case>) {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let queue = std::sync::Mutex::new(cases.into_iter());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let Some(case) = queue.lock().unwrap().next() else {
                        break;
                    };
                    let r = run_case(&case);
                    results.lock().unwrap().push((case.name, case.ignore, r));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    // Ignored cases are written straight to the process's stderr (not the test's
    // captured output), so every run shows which known bugs are still open.
    let mut always = std::io::stderr();
    let mut failed = Vec::new();
    for (name, ignore, r) in &results {
        match (ignore, r) {
            (None, Ok(())) => eprintln!("ok       {name}"),
            (None, Err(e)) => {
                eprintln!("FAILED   {name}");
                failed.push(format!("--- case {name}:\n{e}"));
            }
            (Some(why), Ok(())) => {
                let _ = writeln!(
                    always,
                    "fixture {name}: ignored ({why}), but it PASSES now: delete its `ignore` file"
                );
            }
            (Some(why), Err(e)) => {
                let _ = writeln!(always, "fixture {name}: ignored ({why})");
                if std::env::var_os("UPDATE_FIXTURE_VERBOSE").is_some() {
                    let _ = writeln!(always, "{e}");
                }
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{} fixture case(s) failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn fixture_cases() {
    let cases: Vec<Case> = case_dirs().iter().map(|d| load_case(d)).collect();
    assert!(
        std::env::var_os("UPDATE_FIXTURE").is_some() || cases.len() >= 30,
        "expected the whole fixture set, found {} cases",
        cases.len()
    );
    run_all(cases);
}

/// Every action and every exit code the report knows appears in some case.
#[test]
fn fixtures_cover_every_action() {
    let mut actions = BTreeSet::new();
    let mut codes = BTreeSet::new();
    for d in case_dirs() {
        let case = load_case(&d);
        codes.insert(case.report["exit_code"].as_i64().unwrap());
        for f in case.report["files"].as_array().unwrap() {
            actions.insert(f["action"].as_str().unwrap().to_string());
        }
    }
    if std::env::var_os("UPDATE_FIXTURE").is_some() {
        return;
    }
    for a in [
        "created",
        "updated",
        "merged",
        "conflict",
        "kept",
        "deleted",
        "renamed",
        "enforced-overwritten",
    ] {
        assert!(actions.contains(a), "no fixture case reports `{a}`");
    }
    assert_eq!(codes, BTreeSet::from([0, 1]), "exit codes covered");
}

/// A 20,000-line file merged on both sides (generated, not committed): a clean
/// merge of distant edits plus one conflict, byte for byte.
#[test]
fn large_file() {
    let lines: Vec<String> = (0..20_000)
        .map(|i| format!("line {i:05} of a large generated file\n"))
        .collect();
    let join = |ls: &[String]| ls.concat();
    let mut theirs = lines.clone();
    theirs[100] = "line 00100 changed by the template\n".into();
    theirs[10_000] = "line 10000 changed by the template\n".into();
    theirs.push("appended by the template\n".into());
    let mut ours = lines.clone();
    ours[5] = "line 00005 changed locally\n".into();
    ours[10_000] = "line 10000 changed locally\n".into();
    ours[15_000] = "line 15000 changed locally\n".into();
    let mut expected = ours.clone();
    expected[100] = theirs[100].clone();
    expected[10_000] = format!(
        "<<<<<<< ours\n{}||||||| base v1.0.0\n{}=======\n{}>>>>>>> theirs v1.1.0\n",
        ours[10_000], lines[10_000], theirs[10_000]
    );
    expected.push("appended by the template\n".into());
    let f = |s: String| support::bytes(s.as_bytes());
    let case = Case {
        name: "large-file (generated)".into(),
        base: support::files([("big.txt", f(join(&lines)))]),
        theirs: support::files([("big.txt", f(join(&theirs)))]),
        ours: support::files([("big.txt", f(join(&ours)))]),
        expected: support::files([("big.txt", f(join(&expected)))]),
        report: json!({
            "exit_code": 1,
            "files": [{"path": "big.txt", "action": "conflict", "conflicts": 1}]
        }),
        answers: None,
        policy: Value::Null,
        update_args: Vec::new(),
        ignore: None,
    };
    run_all(vec![case]);
}
