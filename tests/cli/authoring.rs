//! Authoring: `scaffold init` writes a golden path that lints and renders, and
//! `scaffold lint` checks a definition's shape with the published schema
//! (docs/schema/golden-path.schema.json), every mistake at its own line.

mod common;
mod env;

use std::fs;

use common::Sandbox;

#[test]
fn init_then_lint_then_new() {
    let sb = Sandbox::new();
    let run = sb.run(&["init", "golden-paths/team-service"]);
    run.success().stdout_has(&[
        "Created golden path team-service in golden-paths/team-service:",
        "  golden-path.yaml",
        "  skeleton/README.md.tera",
        "Next: scaffold lint golden-paths/team-service",
    ]);
    let dir = sb.work().join("golden-paths/team-service");
    let definition = fs::read_to_string(dir.join("golden-path.yaml")).unwrap();
    assert!(
        definition.starts_with("# yaml-language-server: $schema=https://"),
        "{definition}"
    );
    sb.run(&["lint", "golden-paths/team-service"])
        .success()
        .stdout_has(&["ok team-service", "1 example(s) rendered"]);
    sb.run(&[
        "new",
        "golden-paths/team-service/golden-path.yaml",
        "billing",
        "--set",
        "owner=team-billing",
        "--no-input",
        "--no-git",
    ])
    .success();
    let readme = fs::read_to_string(sb.work().join("billing/README.md")).unwrap();
    assert!(readme.starts_with("# billing\n"), "{readme}");
    assert!(readme.contains("Owned by team-billing."), "{readme}");
    assert_eq!(
        fs::read_to_string(sb.work().join("billing/CODEOWNERS")).unwrap(),
        "# Enforced by the golden path: `scaffold check` fails on local edits.\n* @team-billing\n"
    );
    // A second init into the same directory writes nothing.
    sb.run(&["init", "golden-paths/team-service"]).error_with(&[
        "is not empty",
        "`CHANGELOG.md`",
        "`golden-path.yaml`",
    ]);
    assert_eq!(
        fs::read_to_string(dir.join("golden-path.yaml")).unwrap(),
        definition
    );
}

#[test]
fn init_names_come_from_the_directory_or_name() {
    let sb = Sandbox::new();
    sb.run(&["init", "Bad_Name"])
        .error_with(&["`Bad_Name` is not a golden-path name", "--name"]);
    assert!(!sb.work().join("Bad_Name").exists(), "a refused init wrote");
    let run = sb.run(&[
        "init",
        "Bad_Name",
        "--name",
        "good-name",
        "--format",
        "json",
    ]);
    run.success();
    let report = run.json();
    assert_eq!(report["golden_path"], "good-name");
    assert_eq!(report["files"][0], "golden-path.yaml");
    sb.run(&["lint", "Bad_Name"]).success();
    // Into the current directory, when it is empty.
    let empty = sb.work().join("empty-one");
    fs::create_dir(&empty).unwrap();
    sb.scaffold(&empty, &["init"]).success();
    assert!(empty.join("golden-path.yaml").is_file());
}

#[test]
fn lint_places_every_shape_mistake_with_the_schema() {
    let sb = Sandbox::new();
    sb.run(&["init", "gp"]).success();
    let path = sb.work().join("gp/golden-path.yaml");
    let text = fs::read_to_string(&path).unwrap();
    // Two unknown keys and a wrong type: the parser would stop at the first.
    let broken = text
        .replace("  version: 0.1.0\n", "  version: 0.1.0\n  colour: blue\n")
        .replace("  skeletons:\n", "  skeleton_dirs: [x]\n  skeletons:\n")
        .replace("      seed: [README.md]\n", "      seed: README.md\n");
    fs::write(&path, &broken).unwrap();
    let line = |needle: &str| broken.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let run = sb.run(&["lint", "gp"]);
    run.expect_code(1).stdout_has(&[
        &format!(
            "gp/golden-path.yaml:{}:3: metadata: unknown key `colour`",
            line("colour:")
        ),
        &format!(
            "gp/golden-path.yaml:{}:3: spec: unknown key `skeleton_dirs`",
            line("skeleton_dirs:")
        ),
        &format!(
            "gp/golden-path.yaml:{}:7: spec.files.policy.seed: \"README.md\" is not of type \"array\"",
            line("seed: README.md")
        ),
        "3 problem(s)",
    ]);
}
