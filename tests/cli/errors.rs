//! Errors from lint and answers (issue 11): every message names the place (file:line:col
//! or the values file's line) and what to do; each is a reviewed insta snapshot.

mod common;
mod env;

use std::fs;
use std::path::{Path, PathBuf};

use common::Sandbox;

/// Write a golden path `lib/NAME/` with `definition` and skeleton `files`.
fn golden_path(sb: &Sandbox, name: &str, definition: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = sb.lib().join(name);
    fs::create_dir_all(dir.join("skeleton")).unwrap();
    fs::write(dir.join("golden-path.yaml"), definition).unwrap();
    for (path, text) in files {
        let p = dir.join("skeleton").join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    dir
}

fn lint(sb: &Sandbox, dir: &Path) -> common::Run {
    sb.run(&["lint", dir.to_str().unwrap()])
}

const HEAD: &str =
    "apiVersion: scaffold/v1\nkind: GoldenPath\nmetadata:\n  name: demo\n  version: 1.0.0\nspec:\n";

#[test]
fn a_schema_typo_is_reported_at_its_own_line() {
    let sb = Sandbox::new();
    let def = format!(
        "{HEAD}  parameters:\n    type: object\n    properties:\n      service_name: {{type: string, default: svc}}\n      grpc:\n        type: strng\n  skeletons:\n    - path: skeleton\n  examples:\n    - {{}}\n"
    );
    let dir = golden_path(&sb, "demo", &def, &[("a.txt.tera", "{{ service_name }}\n")]);
    let run = lint(&sb, &dir);
    run.expect_code(1);
    assert!(
        run.stdout.contains(
            "[TMP]/lib/demo/golden-path.yaml:12:9: spec.parameters is not a valid JSON Schema"
        ),
        "{}",
        run.transcript()
    );
    insta::assert_snapshot!("schema_typo", run.stdout);
}

#[test]
fn a_default_that_breaks_its_schema_is_a_lint_error_at_the_default() {
    let sb = Sandbox::new();
    let def = format!(
        "{HEAD}  parameters:\n    type: object\n    properties:\n      port:\n        type: integer\n        minimum: 1024\n        default: 80\n  skeletons:\n    - path: skeleton\n  examples:\n    - {{port: 8080}}\n"
    );
    let dir = golden_path(&sb, "demo", &def, &[("a.txt.tera", "{{ port }}\n")]);
    let run = lint(&sb, &dir);
    run.expect_code(1);
    assert!(
        run.stdout.contains(
            "[TMP]/lib/demo/golden-path.yaml:13:9: the default of `port` does not satisfy its own schema"
        ),
        "{}",
        run.transcript()
    );
    insta::assert_snapshot!("default_breaks_schema", run.stdout);
}

#[test]
fn an_undefined_variable_suggests_the_closest_name() {
    let sb = Sandbox::new();
    let def = format!(
        "{HEAD}  parameters:\n    type: object\n    properties:\n      service_name: {{type: string, default: svc}}\n      owner: {{type: string, default: team}}\n  skeletons:\n    - path: skeleton\n  examples:\n    - {{}}\n"
    );
    let dir = golden_path(
        &sb,
        "demo",
        &def,
        &[("a.txt.tera", "name: {{ servce_name }}\n")],
    );
    let run = lint(&sb, &dir);
    run.expect_code(1);
    assert!(
        run.stdout.contains("Did you mean `service_name`?"),
        "{}",
        run.transcript()
    );
    insta::assert_snapshot!("undefined_variable", run.stdout);
    // The same at render time (`new`), where Tera itself finds it in a condition.
    fs::write(
        dir.join("skeleton/a.txt.tera"),
        "{% if ownr == 'x' %}x{% endif %}\n",
    )
    .unwrap();
    let run = sb.run(&[
        "new",
        dir.to_str().unwrap(),
        "out",
        "--no-input",
        "--no-git",
    ]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("Did you mean `owner`?"),
        "{}",
        run.transcript()
    );
}

#[test]
fn tera_syntax_errors_say_what_was_expected() {
    let sb = Sandbox::new();
    let def = format!(
        "{HEAD}  parameters:\n    type: object\n    properties:\n      name: {{type: string, default: x}}\n  skeletons:\n    - path: skeleton\n  examples:\n    - {{}}\n"
    );
    let dir = golden_path(
        &sb,
        "demo",
        &def,
        &[
            ("unclosed.txt.tera", "a\n{% if name %}\nb\n"),
            ("bad-filter.txt.tera", "{{ name | }}\n"),
        ],
    );
    let run = lint(&sb, &dir);
    run.expect_code(1);
    insta::assert_snapshot!("tera_syntax", run.stdout);
}

#[test]
fn templates_are_linted_even_when_the_schema_is_invalid() {
    let sb = Sandbox::new();
    let def = format!(
        "{HEAD}  parameters:\n    type: object\n    properties:\n      name: {{type: 12}}\n  skeletons:\n    - path: skeleton\n  examples:\n    - {{name: demo}}\n"
    );
    let dir = golden_path(
        &sb,
        "demo",
        &def,
        &[("broken.txt.tera", "ok\n{{ name | }}\n")],
    );
    let run = lint(&sb, &dir);
    run.expect_code(1);
    assert!(
        run.stdout
            .contains("golden-path.yaml:10:14: spec.parameters is not a valid JSON Schema"),
        "{}",
        run.transcript()
    );
    assert!(
        run.stdout
            .contains("[TMP]/lib/demo/skeleton/broken.txt.tera:2:"),
        "{}",
        run.transcript()
    );
}

const ANSWERS_DEF: &str = "apiVersion: scaffold/v1\nkind: GoldenPath\nmetadata:\n  name: demo\n  version: 1.0.0\nspec:\n  parameters:\n    type: object\n    properties:\n      name: {type: string, default: demo}\n      port: {type: integer, default: 8080, description: HTTP port}\n      grpc: {type: boolean, default: false}\n  skeletons:\n    - path: skeleton\n  examples:\n    - {}\n";

fn answers_golden_path(sb: &Sandbox) -> PathBuf {
    golden_path(
        sb,
        "demo",
        ANSWERS_DEF,
        &[("a.txt.tera", "{{ name }} {{ port }} {{ grpc }}\n")],
    )
}

#[test]
fn values_file_problems_name_the_file_and_the_line() {
    let sb = Sandbox::new();
    let dir = answers_golden_path(&sb);
    let values = sb.work().join("values.yaml");
    let new = |values: &Path| {
        sb.run(&[
            "new",
            dir.to_str().unwrap(),
            "out",
            "--values",
            values.to_str().unwrap(),
            "--no-input",
            "--no-git",
        ])
    };
    // A value of the wrong type, at its line.
    fs::write(&values, "name: demo\n\nport: eighty\n").unwrap();
    let run = new(&values);
    run.expect_code(2);
    assert!(
        run.stderr.contains("[TMP]/work/values.yaml:3:1: /port:"),
        "{}",
        run.transcript()
    );
    insta::assert_snapshot!("values_wrong_type", run.stderr);
    // An unknown parameter, at its line, with the closest name.
    fs::write(&values, "name: demo\nprot: 80\n").unwrap();
    let run = new(&values);
    run.expect_code(2);
    assert!(
        run.stderr.contains("[TMP]/work/values.yaml:2:1: /prot:"),
        "{}",
        run.transcript()
    );
    insta::assert_snapshot!("values_unknown_parameter", run.stderr);
    // YAML that does not parse, at the parser's line.
    fs::write(&values, "name: demo\nport: [80\n").unwrap();
    let run = new(&values);
    run.expect_code(2);
    assert!(
        run.stderr.contains("[TMP]/work/values.yaml") && run.stderr.contains("line "),
        "{}",
        run.transcript()
    );
    insta::assert_snapshot!("values_syntax", run.stderr);
    // --set wins over the file, and its problem is not placed in the file.
    fs::write(&values, "port: 80\n").unwrap();
    let run = sb.run(&[
        "new",
        dir.to_str().unwrap(),
        "out",
        "--values",
        values.to_str().unwrap(),
        "--set",
        "port=abc",
        "--no-input",
        "--no-git",
    ]);
    run.expect_code(2);
    assert!(!run.stderr.contains("values.yaml:"), "{}", run.transcript());
}

#[test]
fn booleans_follow_one_rule_in_set_and_values_files() {
    let sb = Sandbox::new();
    let dir = answers_golden_path(&sb);
    let dry = |extra: &[&str]| {
        let mut args = vec![
            "new",
            dir.to_str().unwrap(),
            "out",
            "--no-input",
            "--dry-run",
            "--diff",
        ];
        args.extend_from_slice(extra);
        sb.run(&args)
    };
    for word in ["yes", "TRUE", "on", "y", "1"] {
        let set = format!("grpc={word}");
        let run = dry(&["--set", &set]);
        run.success();
        assert!(
            run.stdout.contains(" 8080 true"),
            "{word}: {}",
            run.transcript()
        );
    }
    for word in ["no", "False", "off", "n", "0"] {
        let set = format!("grpc={word}");
        let run = dry(&["--set", &set]);
        run.success();
        assert!(
            run.stdout.contains(" 8080 false"),
            "{word}: {}",
            run.transcript()
        );
    }
    let run = dry(&["--set", "grpc=maybe"]);
    run.expect_code(2);
    insta::assert_snapshot!("boolean_refused", run.stderr);
    // The same words in a values file, where YAML 1.2 reads `yes` as text.
    let values = sb.work().join("values.yaml");
    fs::write(&values, "grpc: \"yes\"\n").unwrap();
    let run = dry(&["--values", values.to_str().unwrap()]);
    run.success();
    assert!(run.stdout.contains(" 8080 true"), "{}", run.transcript());
    fs::write(&values, "grpc: maybe\n").unwrap();
    let run = dry(&["--values", values.to_str().unwrap()]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("[TMP]/work/values.yaml:1:1: /grpc:"),
        "{}",
        run.transcript()
    );
}

#[test]
fn check_format_github_reports_its_own_failures_as_annotations() {
    let sb = Sandbox::new();
    // No project at all.
    let run = sb.run(&["check", "--format", "github"]);
    run.expect_code(2);
    assert!(
        run.stdout
            .starts_with("::error title=scaffold check::could not check: "),
        "{}",
        run.transcript()
    );
    insta::assert_snapshot!("github_no_project", run.stdout);
    // A corrupt answers file.
    let answers = sb.work().join("svc/.scaffold/demo.yaml");
    fs::create_dir_all(answers.parent().unwrap()).unwrap();
    fs::write(&answers, "this: [is not an answers file\n").unwrap();
    let run = sb.run(&["check", "--format", "github"]);
    run.expect_code(2);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("::error file=svc/.scaffold/demo.yaml")),
        "{}",
        run.transcript()
    );
}

#[test]
fn every_format_flag_has_help_text() {
    let sb = Sandbox::new();
    for cmd in ["list", "show", "new", "update", "check", "lint"] {
        let run = sb.run(&[cmd, "--help"]);
        run.success();
        let text = &run.stdout;
        let at = text
            .find("--format <FORMAT>")
            .unwrap_or_else(|| panic!("{cmd}: no --format\n{text}"));
        let rest = &text[at..];
        let block: String = rest.lines().take(8).collect::<Vec<_>>().join("\n");
        assert!(
            block.contains("Output format"),
            "{cmd}: --format without help\n{block}"
        );
        assert!(block.contains("json"), "{cmd}: values not listed\n{block}");
    }
}
