//! `scaffold export backstage NAME --out DIR`: the template written (snapshot of a
//! built-in golden path's), refusing to replace a changed file without --force, the
//! JSON report, add-ons refused, and `lint` reporting an export that does not
//! round-trip.

mod common;
mod env;

use std::fs;

use common::Sandbox;

#[test]
fn the_template_of_a_built_in_golden_path() {
    let sb = Sandbox::new();
    let run = sb.run(&[
        "export",
        "backstage",
        "go-microservice",
        "--out",
        "templates/go",
    ]);
    run.success();
    assert!(
        run.stdout
            .starts_with("wrote templates/go/template.yaml (go-microservice "),
        "{}",
        run.transcript()
    );
    assert!(
        run.stdout
            .contains("  steps: scaffold, publish, register\n"),
        "{}",
        run.transcript()
    );
    let text = fs::read_to_string(sb.work().join("templates/go/template.yaml")).unwrap();
    insta::assert_snapshot!("go_microservice_template", sb.scrub(&text));
    // Nothing but the template in the directory (no journal or staging left).
    assert_eq!(
        common::names_in(&sb.work().join("templates/go")),
        ["template.yaml"]
    );
}

#[test]
fn a_changed_template_is_replaced_only_with_force() {
    let sb = Sandbox::new();
    let out = sb.work().join("t");
    sb.run(&["export", "backstage", "node-api", "--out", "t"])
        .success();
    let exported = fs::read_to_string(out.join("template.yaml")).unwrap();

    let again = sb.run(&["export", "backstage", "node-api", "--out", "t"]);
    again.success();
    assert!(
        again.stdout.starts_with("unchanged t/template.yaml"),
        "{}",
        again.transcript()
    );

    fs::write(out.join("template.yaml"), "# edited\n").unwrap();
    fs::write(out.join("README.md"), "mine\n").unwrap();
    sb.run(&["export", "backstage", "node-api", "--out", "t"])
        .expect_code(2)
        .error_with(&[
            "1 file(s) in `t` exist with other content",
            "template.yaml",
            "--force",
        ]);
    assert_eq!(
        fs::read_to_string(out.join("template.yaml")).unwrap(),
        "# edited\n"
    );

    sb.run(&["export", "backstage", "node-api", "--out", "t", "--force"])
        .success();
    assert_eq!(
        fs::read_to_string(out.join("template.yaml")).unwrap(),
        exported
    );
    assert_eq!(fs::read_to_string(out.join("README.md")).unwrap(), "mine\n");
    assert_eq!(common::names_in(&out), ["README.md", "template.yaml"]);
}

#[test]
fn the_json_report() {
    let sb = Sandbox::new();
    let run = sb.run(&[
        "export",
        "backstage",
        "node-api",
        "--out",
        "t",
        "--format",
        "json",
        "--reference",
        "/srv/golden-paths/node-api.yaml",
    ]);
    run.success();
    let json = run.json();
    assert_eq!(json["golden_path"], "node-api");
    assert_eq!(json["reference"], "/srv/golden-paths/node-api.yaml");
    assert_eq!(json["action"], "scaffold:new");
    assert_eq!(
        json["steps"],
        serde_json::json!(["scaffold", "publish", "register"])
    );
    assert_eq!(json["pages"][0]["title"], "Identity");
    assert_eq!(json["pages"][0]["parameters"][0], "name");
    assert_eq!(json["files"][0]["path"], "template.yaml");
    assert_eq!(json["notes"], serde_json::json!([]));
    let text = fs::read_to_string(sb.work().join("t/template.yaml")).unwrap();
    assert_eq!(json["files"][0]["size"], text.len());
    assert!(
        text.contains("goldenPath: /srv/golden-paths/node-api.yaml\n"),
        "{text}"
    );
}

#[test]
fn an_add_on_cannot_be_exported_and_nothing_is_written() {
    let sb = Sandbox::new();
    sb.run(&["export", "backstage", "add-postgres", "--out", "t"])
        .expect_code(2)
        .error_with(&["cannot export `add-postgres`", "add-on", "--into"]);
    assert!(!sb.work().join("t").exists());
}

#[test]
fn lint_reports_an_export_that_does_not_round_trip() {
    let sb = Sandbox::new();
    let gp = sb.fixture("export-lossy");
    let run = sb.run(&["lint", gp.to_str().unwrap()]);
    run.expect_code(1);
    assert!(
        run.stdout.contains(
            "[TMP]/lib/export-lossy/golden-path.yaml:12:5: the Backstage export (`scaffold export backstage`) does not round-trip: spec.parameters at /title: is lost"
        ),
        "{}",
        run.transcript()
    );
    assert!(
        run.stdout.contains("export-lossy: 1 problem(s)"),
        "{}",
        run.transcript()
    );
}
