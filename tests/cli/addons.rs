//! Add-ons (issue 12): a golden path with `spec.appliesTo`, applied to an existing
//! project with `scaffold new ADD-ON --into DIR`. It starts from the host's answers,
//! merges its changes into the host's files three-way (a local edit survives, an
//! overlapping one is a conflict), refuses a project of another golden path and a
//! second application, writes nothing when it refuses, and `check` judges the files it
//! changed by its own manifest.

mod common;
mod env;

use std::fs;
use std::path::{Path, PathBuf};

use common::{Sandbox, read, read_tree};

/// `scaffold new svc-host work/svc` from the fixture library, returning the root.
fn host(sb: &Sandbox) -> PathBuf {
    sb.fixture("addon-host");
    sb.fixture("addon-db");
    sb.run(&[
        "--templates",
        "../lib",
        "new",
        "svc-host",
        "svc",
        "--set",
        "owner=team-a",
        "--no-input",
        "--no-git",
    ])
    .success();
    sb.work().join("svc")
}

/// `scaffold --templates ../lib new add-db --into svc ARGS...`.
fn apply(sb: &Sandbox, into: &str, args: &[&str]) -> common::Run {
    let mut all = vec![
        "--templates",
        "../lib",
        "new",
        "add-db",
        "--into",
        into,
        "--no-input",
    ];
    all.extend_from_slice(args);
    sb.run(&all)
}

fn check(sb: &Sandbox, dir: &Path) -> common::Run {
    sb.run_cmd(sb.cmd().args([
        "--templates",
        "../lib",
        "check",
        "--offline",
        "--fail-on",
        "any",
        dir.to_str().unwrap(),
    ]))
}

#[test]
fn an_add_on_applies_with_the_hosts_answers_and_check_passes() {
    let sb = Sandbox::new();
    let svc = host(&sb);
    let run = apply(&sb, "svc", &[]);
    run.success();
    assert!(
        run.stdout
            .contains("Applied add-on add-db 1.0.0 to svc (svc-host project, 5 files written)"),
        "{}",
        run.transcript()
    );
    assert!(
        run.stdout.contains("Merged into 2 file(s) of svc-host"),
        "{}",
        run.transcript()
    );
    // The host's answers reached the add-on: name and owner, and `host` itself.
    assert_eq!(
        read(svc.join("db.yaml")),
        "postgres database for svc (svc-host, owned by team-a)\n"
    );
    assert_eq!(
        read(svc.join("deps.txt")),
        "alpha\nbeta\ngamma\ndb-driver\n"
    );
    assert_eq!(
        read(svc.join("catalog.yaml")),
        "name: svc\nowner: team-a\ndependsOn: [resource:svc-db]\n"
    );
    let answers = read(svc.join(".scaffold/add-db.yaml"));
    assert!(answers.contains("\nhost: svc-host\n"), "{answers}");
    assert!(answers.contains("  owner: team-a\n"), "{answers}");
    // The host's own answers file and baseline are untouched.
    assert!(svc.join(".scaffold/svc-host.baseline").is_file());
    // Neither the host nor the add-on reports the add-on's change as drift.
    let run = check(&sb, &svc);
    run.success();
    // A local edit of a file the add-on changed is drift again, for both.
    fs::write(
        svc.join("deps.txt"),
        "alpha\nbeta\ngamma\ndb-driver\nmine\n",
    )
    .unwrap();
    let run = check(&sb, &svc);
    run.expect_code(1);
}

#[test]
fn a_local_edit_of_a_host_file_survives_the_merge() {
    let sb = Sandbox::new();
    let svc = host(&sb);
    fs::write(svc.join("deps.txt"), "local-first\nalpha\nbeta\ngamma\n").unwrap();
    apply(&sb, "svc", &[]).success();
    assert_eq!(
        read(svc.join("deps.txt")),
        "local-first\nalpha\nbeta\ngamma\ndb-driver\n"
    );
}

#[test]
fn an_overlapping_local_edit_is_a_conflict_reported_like_updates() {
    let sb = Sandbox::new();
    let svc = host(&sb);
    fs::write(svc.join("deps.txt"), "alpha\nbeta\ngamma-local\n").unwrap();
    let run = apply(&sb, "svc", &[]);
    run.expect_code(1);
    assert!(
        run.stdout.contains("Conflicts in 1 file(s)") && run.stdout.contains("  deps.txt\n"),
        "{}",
        run.transcript()
    );
    let deps = read(svc.join("deps.txt"));
    assert!(
        deps.contains("<<<<<<< ours\n")
            && deps.contains("gamma-local\n")
            && deps.contains("||||||| base svc-host 1.0.0\n")
            && deps.contains(">>>>>>> theirs add-db 1.0.0\n"),
        "{deps}"
    );
    // The rest of the add-on was written, and check reports the conflict.
    assert!(svc.join("db.yaml").is_file());
    let run = check(&sb, &svc);
    run.expect_code(1);
    assert!(
        run.stdout.contains("deps.txt") && run.stdout.contains("conflict"),
        "{}",
        run.transcript()
    );
}

#[test]
fn applying_twice_is_an_error_that_writes_nothing() {
    let sb = Sandbox::new();
    let svc = host(&sb);
    apply(&sb, "svc", &[]).success();
    fs::write(svc.join("deps.txt"), "changed\n").unwrap();
    let before = read_tree(&svc);
    for extra in [&[][..], &["--force"][..]] {
        apply(&sb, "svc", extra).error_with(&[
            "add-on `add-db` is already applied to `svc` (.scaffold/add-db.yaml)",
            "run `scaffold update --golden-path add-db` in the project",
        ]);
        assert_eq!(read_tree(&svc), before, "something was written");
    }
}

#[test]
fn an_add_on_refuses_a_project_of_another_golden_path_and_a_plain_directory() {
    let sb = Sandbox::new();
    host(&sb);
    sb.fixture("tiny");
    sb.run(&[
        "--templates",
        "../lib",
        "new",
        "tiny",
        "t",
        "--no-input",
        "--no-git",
    ])
    .success();
    let t = sb.work().join("t");
    let before = read_tree(&t);
    apply(&sb, "t", &[]).error_with(&[
        "add-on `add-db` cannot be applied to `t`: it is a `tiny` project; it applies to projects of `svc-host`",
    ]);
    assert_eq!(read_tree(&t), before, "something was written");

    let plain = sb.work().join("plain");
    fs::create_dir(&plain).unwrap();
    fs::write(plain.join("deps.txt"), "x\n").unwrap();
    apply(&sb, "plain", &[])
        .error_with(&["cannot be applied to `plain`: it is not a scaffold project"]);
    assert_eq!(
        common::names_in(&plain),
        vec!["deps.txt".to_string()],
        "something was written"
    );
    // Without --into an add-on says how it is applied.
    sb.run(&["--templates", "../lib", "new", "add-db", "x", "--no-input"])
        .error_with(&["`add-db` is an add-on", "--into DIR"]);
    assert!(!sb.work().join("x").exists());
}

#[test]
fn an_add_on_may_not_change_a_file_the_host_enforces() {
    let sb = Sandbox::new();
    let svc = host(&sb);
    let before = read_tree(&svc);
    apply(&sb, "svc", &["--set", "touch_ci=true"])
        .error_with(&["add-on `add-db` changes `ci.yml`, which golden path `svc-host` enforces"]);
    assert_eq!(read_tree(&svc), before, "something was written");
}

#[test]
fn a_dry_run_shows_the_merges_and_writes_nothing() {
    let sb = Sandbox::new();
    let svc = host(&sb);
    let before = read_tree(&svc);
    let run = apply(&sb, "svc", &["--dry-run", "--format", "json"]);
    run.success();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let status = |p: &str| {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == p)
            .map(|e| e["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status("deps.txt").as_deref(), Some("merge"), "{v}");
    assert_eq!(status("db.yaml").as_deref(), Some("create"), "{v}");
    assert_eq!(read_tree(&svc), before, "a dry run wrote");
}

#[test]
fn list_groups_add_ons_and_show_names_them() {
    let sb = Sandbox::new();
    host(&sb);
    let run = sb.run(&["--templates", "../lib", "list"]);
    run.success();
    let (golden_paths, add_ons) = run
        .stdout
        .split_once("Add-ons")
        .unwrap_or_else(|| panic!("no add-on group\n{}", run.transcript()));
    assert!(golden_paths.contains("svc-host") && !golden_paths.contains("add-db"));
    assert!(add_ons.contains("add-db") && add_ons.contains("svc-host"));
    let run = sb.run(&["--templates", "../lib", "show", "svc-host"]);
    run.success();
    assert!(
        run.stdout.contains("Add-ons: add-db\n"),
        "{}",
        run.transcript()
    );
    let run = sb.run(&[
        "--templates",
        "../lib",
        "show",
        "add-db",
        "--format",
        "json",
    ]);
    run.success();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["applies_to"], serde_json::json!(["svc-host"]));
}

#[test]
fn the_hosts_update_keeps_the_add_ons_change() {
    let sb = Sandbox::new();
    let svc = host(&sb);
    apply(&sb, "svc", &[]).success();
    // A new host version changes the first line of the file the add-on extended.
    let lib = sb.lib().join("addon-host");
    let def = read(lib.join("golden-path.yaml")).replace("version: 1.0.0", "version: 1.1.0");
    fs::write(lib.join("golden-path.yaml"), def).unwrap();
    fs::write(lib.join("skeleton/deps.txt"), "alpha2\nbeta\ngamma\n").unwrap();
    sb.run_cmd(sb.cmd().current_dir(&svc).args([
        "--templates",
        "../../lib",
        "update",
        "--golden-path",
        "svc-host",
        "--allow-dirty",
    ]))
    .success();
    assert_eq!(
        read(svc.join("deps.txt")),
        "alpha2\nbeta\ngamma\ndb-driver\n"
    );
}

#[test]
fn the_built_in_add_postgres_refuses_cli_tool_and_a_second_application() {
    let sb = Sandbox::new();
    sb.run(&[
        "new",
        "cli-tool",
        "tool",
        "--set",
        "owner=team-tools",
        "--no-input",
        "--no-git",
    ])
    .success();
    let tool = sb.work().join("tool");
    let before = read_tree(&tool);
    sb.run(&["new", "add-postgres", "--into", "tool", "--no-input"])
        .error_with(&[
            "add-on `add-postgres` cannot be applied to `tool`: it is a `cli-tool` project; it applies to projects of `go-microservice`",
        ]);
    assert_eq!(read_tree(&tool), before, "something was written");

    sb.run(&[
        "new",
        "go-microservice",
        "svc",
        "--set",
        "owner=team-a",
        "--no-input",
        "--no-git",
    ])
    .success();
    let svc = sb.work().join("svc");
    sb.run(&["new", "add-postgres", "--into", "svc", "--no-input"])
        .success();
    assert!(read(svc.join("go.mod")).contains("github.com/jackc/pgx/v5"));
    assert!(read(svc.join("catalog-info.yaml")).contains("- resource:svc-db"));
    assert!(svc.join("deploy/base/postgres/cluster.yaml").is_file());
    // The host's files keep naming the host (and its version) as their origin.
    assert!(
        read(svc.join("catalog-info.yaml")).contains(
            "scaffold/golden-path: go-microservice\n    scaffold/golden-path-version: \"1.3.0\"\n"
        ),
        "{}",
        read(svc.join("catalog-info.yaml"))
    );
    assert!(
        read(svc.join("README.md"))
            .contains("Generated from the `go-microservice` golden path 1.3.0.")
    );
    let before = read_tree(&svc);
    sb.run(&["new", "add-postgres", "--into", "svc", "--no-input"])
        .error_with(&["add-on `add-postgres` is already applied to `svc`"]);
    assert_eq!(read_tree(&svc), before, "something was written");
}
