//! Hooks (`spec.hooks`, SPEC §10b, docs/hooks.md): run after `new` and `update` only
//! when the source is trusted (`--trust` or the configuration's `trusted:`), never in a
//! dry run, once per update in the project; a failing or hanging hook leaves the files
//! written, is reported, and exits 1.

mod common;
mod env;

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::Sandbox;

/// A local golden path `hooked` at `paths/hooked/` with these hooks (YAML list items).
fn golden_path(sb: &Sandbox, version: &str, readme: &str, hooks: &str) -> String {
    let dir = sb.join("paths/hooked");
    fs::create_dir_all(dir.join("skeleton")).unwrap();
    fs::write(
        dir.join("golden-path.yaml"),
        format!(
            "apiVersion: scaffold/v1
kind: GoldenPath
metadata:
  name: hooked
  version: {version}
spec:
  parameters:
    type: object
    required: [name]
    properties:
      name: {{type: string}}
  skeletons:
    - path: skeleton
  examples:
    - name: demo
  hooks:
{hooks}"
        ),
    )
    .unwrap();
    fs::write(dir.join("skeleton/README.md.tera"), readme).unwrap();
    dir.join("golden-path.yaml").display().to_string()
}

fn new_json(sb: &Sandbox, def: &str, extra: &[&str]) -> env::Run {
    let mut args = vec!["new", def, "svc", "--no-input", "--format", "json"];
    args.extend_from_slice(extra);
    sb.run(&args)
}

#[test]
fn untrusted_hooks_are_reported_and_not_run() {
    let sb = Sandbox::new();
    let def = golden_path(
        &sb,
        "1.0.0",
        "# {{ name }}\n",
        "    - run: touch made-by-hook\n",
    );
    let run = new_json(&sb, &def, &[]);
    run.success();
    let report = run.json();
    assert_eq!(
        report["hooks"][0]["status"],
        "untrusted",
        "{}",
        run.transcript()
    );
    assert_eq!(report["hooks"][0]["command"], "touch made-by-hook");
    assert!(!sb.work().join("svc/made-by-hook").exists());
    assert!(sb.work().join("svc/README.md").exists());
    // In words: how to trust it.
    let sb = Sandbox::new();
    let def = golden_path(
        &sb,
        "1.0.0",
        "# {{ name }}\n",
        "    - run: touch made-by-hook\n",
    );
    let run = sb.run(&["new", &def, "svc", "--no-input"]);
    run.success();
    assert!(
        run.stderr.contains("1 hook(s) not run") && run.stderr.contains("--trust"),
        "{}",
        run.transcript()
    );
    assert!(!sb.work().join("svc/made-by-hook").exists());
}

#[test]
fn trusted_hooks_run_once_in_the_project_and_their_changes_are_committed() {
    let sb = Sandbox::new();
    let def = golden_path(
        &sb,
        "1.0.0",
        "# {{ name }}\n",
        "    - run: echo \"$SCAFFOLD_HOOK $SCAFFOLD_GOLDEN_PATH\" > made-by-hook; echo done\n      when: new\n    - run: touch after-update\n      when: update\n",
    );
    let run = new_json(&sb, &def, &["--trust"]);
    run.success();
    let report = run.json();
    let hooks = report["hooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 1, "{}", run.transcript());
    assert_eq!(hooks[0]["status"], "passed");
    assert_eq!(hooks[0]["exit_code"], 0);
    assert_eq!(hooks[0]["stdout"], "done\n");
    assert_eq!(hooks[0]["timed_out"], false);
    let svc = sb.work().join("svc");
    assert_eq!(
        fs::read_to_string(svc.join("made-by-hook")).unwrap(),
        "new hooked\n"
    );
    assert!(!svc.join("after-update").exists());
    // The first commit is the golden path's; the hooks' changes are the second.
    assert!(report["hooks_commit"].is_string(), "{}", run.transcript());
    assert_eq!(sb.git(&svc, &["status", "--porcelain"]), "");
    let log = sb.git(&svc, &["log", "--format=%s"]);
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [
            "Run the hooks of golden path hooked",
            "Generate from golden path hooked 1.0.0"
        ]
    );
    // The command is shown before it runs.
    let sb2 = Sandbox::new();
    let def2 = golden_path(&sb2, "1.0.0", "x\n", "    - run: echo hi\n");
    let run = sb2.run(&["new", &def2, "svc", "--no-input", "--trust"]);
    run.success();
    assert!(
        run.stderr.contains("hook 1/1: echo hi"),
        "{}",
        run.transcript()
    );
}

#[test]
fn a_source_trusted_in_the_configuration_runs_its_hooks() {
    let sb = Sandbox::new();
    let def = golden_path(
        &sb,
        "1.0.0",
        "# {{ name }}\n",
        "    - run: touch made-by-hook\n",
    );
    let config = sb.join("home/.config/scaffold/config.yaml");
    fs::create_dir_all(config.parent().unwrap()).unwrap();
    fs::write(
        &config,
        format!("trusted:\n  - '{}/paths/**'\n", sb.root().display()),
    )
    .unwrap();
    let run = new_json(&sb, &def, &[]);
    run.success();
    assert_eq!(
        run.json()["hooks"][0]["status"],
        "passed",
        "{}",
        run.transcript()
    );
    assert!(sb.work().join("svc/made-by-hook").exists());
    // A pattern for other sources does not trust this one.
    fs::write(&config, "trusted: ['gh:acme/*', built-in]\n").unwrap();
    let run = sb.run(&["new", &def, "other", "--no-input", "--format", "json"]);
    run.success();
    assert_eq!(run.json()["hooks"][0]["status"], "untrusted");
    assert!(!sb.work().join("other/made-by-hook").exists());
}

#[test]
fn a_dry_run_never_runs_hooks() {
    let sb = Sandbox::new();
    let def = golden_path(
        &sb,
        "1.0.0",
        "# {{ name }}\n",
        "    - run: touch ../hook-ran\n",
    );
    sb.run(&["new", &def, "svc", "--no-input", "--trust", "--dry-run"])
        .success();
    assert!(!sb.work().join("hook-ran").exists());
    assert!(!sb.work().join("svc").exists());
}

#[test]
fn a_failing_hook_leaves_the_files_reports_and_exits_1() {
    let sb = Sandbox::new();
    let def = golden_path(
        &sb,
        "1.0.0",
        "# {{ name }}\n",
        "    - run: echo broke >&2; exit 7\n    - run: touch never\n",
    );
    let run = new_json(&sb, &def, &["--trust"]);
    run.code(1);
    let report = run.json();
    assert_eq!(
        report["hooks"][0]["status"],
        "failed",
        "{}",
        run.transcript()
    );
    assert_eq!(report["hooks"][0]["exit_code"], 7);
    assert_eq!(report["hooks"][0]["stderr"], "broke\n");
    assert_eq!(report["hooks"][1]["status"], "skipped");
    assert!(report["hooks_commit"].is_null());
    let svc = sb.work().join("svc");
    assert_eq!(
        fs::read_to_string(svc.join("README.md")).unwrap(),
        "# svc\n"
    );
    assert!(svc.join(".scaffold/hooked.yaml").exists());
    assert!(!svc.join("never").exists());
    // In words: the failure and its output.
    let sb = Sandbox::new();
    let def = golden_path(&sb, "1.0.0", "x\n", "    - run: echo broke >&2; exit 7\n");
    let run = sb.run(&["new", &def, "svc", "--no-input", "--trust"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("hook failed (exit 7): echo broke >&2; exit 7")
            && run.stderr.contains("| broke")
            && run.stderr.contains("The files are written"),
        "{}",
        run.transcript()
    );
}

#[test]
fn a_hook_that_hangs_is_killed_at_its_timeout() {
    let sb = Sandbox::new();
    let def = golden_path(
        &sb,
        "1.0.0",
        "# {{ name }}\n",
        "    - run: sleep 30\n      timeoutSeconds: 1\n",
    );
    let started = Instant::now();
    let run = new_json(&sb, &def, &["--trust"]);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    run.code(1);
    let report = run.json();
    assert_eq!(
        report["hooks"][0]["status"],
        "timed-out",
        "{}",
        run.transcript()
    );
    assert_eq!(report["hooks"][0]["timed_out"], true);
    assert!(report["hooks"][0]["exit_code"].is_null());
    assert!(sb.work().join("svc/README.md").exists());
}

#[test]
fn update_runs_its_hooks_exactly_once_in_the_project() {
    let sb = Sandbox::new();
    let count: PathBuf = sb.join("count.txt");
    let hooks = format!(
        "    - run: echo \"$SCAFFOLD_HOOK $(pwd)\" >> '{}'\n",
        count.display()
    );
    let def = golden_path(&sb, "1.0.0", "# {{ name }}\n", &hooks);
    new_json(&sb, &def, &["--trust"]).success();
    let svc = sb.work().join("svc");
    let lines = || -> Vec<String> {
        fs::read_to_string(&count)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(lines(), [format!("new {}", svc.display())]);

    golden_path(&sb, "1.1.0", "# {{ name }}\n\nNow with more.\n", &hooks);
    // A dry run renders both versions and runs nothing.
    sb.scaffold(&svc, &["update", "--trust", "--dry-run"])
        .success();
    assert_eq!(lines().len(), 1);
    // Untrusted: reported, not run.
    let run = sb.scaffold(&svc, &["update", "--format", "json", "--dry-run"]);
    run.success();
    assert!(run.json().get("hooks").is_none(), "{}", run.transcript());

    let run = sb.scaffold(&svc, &["update", "--trust", "--format", "json"]);
    run.success();
    assert_eq!(
        run.json()["hooks"][0]["status"],
        "passed",
        "{}",
        run.transcript()
    );
    assert_eq!(
        lines(),
        [
            format!("new {}", svc.display()),
            format!("update {}", svc.display())
        ]
    );
    assert_eq!(
        fs::read_to_string(svc.join("README.md")).unwrap(),
        "# svc\n\nNow with more.\n"
    );
}

#[test]
fn an_untrusted_update_reports_its_hooks() {
    let sb = Sandbox::new();
    let def = golden_path(
        &sb,
        "1.0.0",
        "# {{ name }}\n",
        "    - run: touch hook-ran\n      when: update\n",
    );
    new_json(&sb, &def, &[]).success();
    golden_path(
        &sb,
        "1.1.0",
        "# {{ name }}!\n",
        "    - run: touch hook-ran\n      when: update\n",
    );
    let svc = sb.work().join("svc");
    let run = sb.scaffold(&svc, &["update", "--format", "json"]);
    run.success();
    assert_eq!(
        run.json()["hooks"][0]["status"],
        "untrusted",
        "{}",
        run.transcript()
    );
    assert!(!svc.join("hook-ran").exists());
}

#[test]
fn lint_and_show_list_the_hooks_and_lint_checks_them() {
    let sb = Sandbox::new();
    let def = golden_path(
        &sb,
        "1.0.0",
        "# {{ name }}\n",
        "    - run: make setup\n      when: new\n      timeoutSeconds: 120\n",
    );
    let run = sb.run(&["lint", &def]);
    run.success()
        .stdout_has(&["hook (after new, timeout 120 s): make setup"]);
    sb.run(&["show", &def])
        .success()
        .stdout_has(&["Hook (after new): make setup"]);
    let run = sb.run(&["lint", &def, "--format", "json"]);
    assert_eq!(
        run.json()[0]["hooks"],
        serde_json::json!([{"run": "make setup", "when": "new", "timeoutSeconds": 120.0}])
    );
    let def = golden_path(
        &sb,
        "1.0.0",
        "# {{ name }}\n",
        "    - run: make setup\n      timeoutSeconds: 0\n    - run: x\n      when: later\n",
    );
    let run = sb.run(&["lint", &def]);
    run.code(1);
    assert!(run.stdout.contains("when"), "{}", run.transcript());
}
