//! `scaffold lint PATH`: every problem of a golden path with its location, exit 1 when
//! there is any, 0 when clean, 2 when the path cannot be linted at all.

mod common;
mod env;

use std::fs;

use common::Sandbox;
use serde_json::Value;

fn lint(sb: &Sandbox, fixture: &str, extra: &[&str]) -> common::Run {
    let gp = sb.fixture(fixture);
    let mut args = vec!["lint", gp.to_str().unwrap()];
    args.extend_from_slice(extra);
    sb.run(&args)
}

#[test]
fn clean_golden_paths_pass() {
    let sb = Sandbox::new();
    let run = lint(&sb, "render-rules", &[]);
    run.success();
    assert_eq!(
        run.stdout,
        "ok render-rules ([TMP]/lib/render-rules/golden-path.yaml): 2 example(s) rendered\n"
    );
    let run = lint(&sb, "custom-syntax", &[]);
    run.success();
    assert!(run.stdout.contains("1 example(s) rendered"));
}

#[test]
fn the_builtin_golden_path_is_clean() {
    let sb = Sandbox::new();
    let run = sb.run(&["lint", "go-microservice"]);
    run.success();
    assert!(
        run.stdout.starts_with(
            "ok go-microservice (built-in:golden-paths/go-microservice.yaml): 5 example(s) rendered"
        ),
        "{}",
        run.transcript()
    );
}

#[test]
fn every_template_that_fails_to_parse_is_reported() {
    let sb = Sandbox::new();
    let run = lint(&sb, "lint-templates", &[]);
    run.expect_code(1);
    for needle in [
        "[TMP]/lib/lint-templates/skeleton/one.txt.tera:2:",
        "[TMP]/lib/lint-templates/skeleton/two.txt.tera:3:",
        "[TMP]/lib/lint-templates/skeleton/{{ name | }}.txt:1:",
        "lint-templates: 3 problem(s)",
    ] {
        assert!(
            run.stdout.contains(needle),
            "{needle:?}\n{}",
            run.transcript()
        );
    }
    assert!(!run.stdout.contains("good.txt.tera"));
    insta::assert_snapshot!("lint_templates", run.transcript());
}

#[test]
fn every_example_that_fails_to_validate_or_render_is_reported() {
    let sb = Sandbox::new();
    let run = lint(&sb, "lint-examples", &[]);
    run.expect_code(1);
    for needle in [
        "examples[1] fails: invalid answers:",
        "/name: \"Bad\" does not match",
        "examples[2] fails: template error at [TMP]/lib/lint-examples/skeleton/alerts.yaml.tera:2:",
        "`pager`",
        // `pager` is declared nowhere: even the example whose `if` skips it fails.
        "examples[0] fails: template error at [TMP]/lib/lint-examples/skeleton/alerts.yaml.tera:2:24: Variable `pager` is not defined",
        "lint-examples: 3 problem(s)",
    ] {
        assert!(
            run.stdout.contains(needle),
            "{needle:?}\n{}",
            run.transcript()
        );
    }
    insta::assert_snapshot!("lint_examples", run.transcript());
}

#[test]
fn malformed_yaml_is_reported_with_its_line() {
    let sb = Sandbox::new();
    let run = lint(&sb, "malformed-yaml", &[]);
    run.expect_code(1);
    assert!(
        run.stdout
            .contains("error: [TMP]/lib/malformed-yaml/golden-path.yaml:9:"),
        "{}",
        run.transcript()
    );
}

#[test]
fn every_definition_rule_is_reported_at_once() {
    let sb = Sandbox::new();
    let dir = sb.lib().join("shape");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("golden-path.yaml"),
        "apiVersion: scaffold/v9\nkind: Template\nmetadata:\n  name: Bad_Name\n  version: one\nspec:\n  parameters: {type: string}\n  skeletons:\n    - path: missing-dir\n  files:\n    exclude: ['a/[z-a]']\n",
    )
    .unwrap();
    let run = sb.run(&["lint", dir.to_str().unwrap()]);
    run.expect_code(1);
    let file = "[TMP]/lib/shape/golden-path.yaml";
    for needle in [
        format!("{file}:1:1: apiVersion must be `scaffold/v1`"),
        format!("{file}:2:1: kind must be `GoldenPath`"),
        format!("{file}:4:3: metadata.name `Bad_Name`"),
        format!("{file}:5:3: metadata.version `one`"),
        format!("{file}:7:3: spec.parameters must describe an object"),
        format!("{file}:9:13: skeleton `missing-dir` does not exist"),
        format!("{file}:11:16: invalid glob `a/[z-a]`"),
    ] {
        assert!(
            run.stdout.contains(&needle),
            "{needle:?}\n{}",
            run.transcript()
        );
    }
    insta::assert_snapshot!("lint_shape", run.transcript());
}

#[test]
fn invalid_schema_and_template_errors_are_both_reported() {
    let sb = Sandbox::new();
    let run = lint(&sb, "bad-schema", &[]);
    run.expect_code(1);
    assert!(
        run.stdout.contains("not a valid JSON Schema"),
        "{}",
        run.transcript()
    );
    assert!(
        run.stdout
            .contains("[TMP]/lib/bad-schema/skeleton/broken.txt.tera:3:1: Unexpected end of input: the `{% if %}` at line 2 is never closed"),
        "{}",
        run.transcript()
    );
}

#[test]
fn invalid_json_schema_is_reported_with_its_location() {
    let sb = Sandbox::new();
    let run = lint(&sb, "bad-schema", &[]);
    run.expect_code(1);
    assert!(
        run.stdout.contains(
            "error: [TMP]/lib/bad-schema/golden-path.yaml:12:14: spec.parameters is not a valid JSON Schema"
        ),
        "{}",
        run.transcript()
    );
}

#[test]
fn json_report() {
    let sb = Sandbox::new();
    let run = lint(&sb, "lint-templates", &["--format", "json"]);
    run.expect_code(1);
    let v: Value = serde_json::from_str(&run.stdout).expect("JSON report");
    let report = &v[0];
    assert_eq!(report["golden_path"], "lint-templates");
    assert_eq!(report["file"], "[TMP]/lib/lint-templates/golden-path.yaml");
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    for p in problems {
        assert!(p["location"]["line"].as_u64().unwrap() > 0, "{p}");
        assert!(p["location"]["column"].as_u64().unwrap() > 0, "{p}");
    }
    let run = lint(&sb, "tiny", &["--format", "json"]);
    run.success();
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v[0]["problems"], serde_json::json!([]));
    assert_eq!(v[0]["examples_rendered"], 1);
}

#[test]
fn a_library_directory_lints_every_golden_path() {
    let sb = Sandbox::new();
    sb.fixture("tiny");
    sb.fixture("undefined-var");
    let lib = sb.lib();
    let run = sb.run(&["lint", lib.to_str().unwrap()]);
    run.expect_code(1);
    assert!(run.stdout.contains("ok tiny ("), "{}", run.transcript());
    assert!(
        run.stdout
            .contains("[TMP]/lib/undefined-var/skeleton/service.yaml.tera:2:"),
        "{}",
        run.transcript()
    );

    let empty = sb.root().join("empty-lib");
    fs::create_dir(&empty).unwrap();
    let run = sb.run(&["lint", empty.to_str().unwrap()]);
    run.error_with(&["no golden-path definitions found"]);
    let run = sb.run(&["lint", "no-such-golden-path"]);
    run.error_with(&["unknown golden path `no-such-golden-path`"]);
}
