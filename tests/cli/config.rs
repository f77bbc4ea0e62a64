//! The user configuration (docs/config.md): found at $XDG_CONFIG_HOME/scaffold/config.yaml
//! (or `SCAFFOLD_CONFIG`, `--config`); its defaults sit between `--values` and the
//! schema default; its libraries and shorthands feed the engine; `scaffold config`
//! shows each value's origin. (The precedence table itself is `config::tests` in the
//! library.)

mod common;
mod env;

use std::fs;
use std::path::PathBuf;

use common::Sandbox;

fn write_golden_path(sb: &Sandbox, dir: &str) -> String {
    let dir = sb.join(dir).join("configured");
    fs::create_dir_all(dir.join("skeleton")).unwrap();
    fs::write(
        dir.join("golden-path.yaml"),
        "apiVersion: scaffold/v1
kind: GoldenPath
metadata:
  name: configured
  version: 1.0.0
spec:
  parameters:
    type: object
    required: [name]
    properties:
      name: {type: string}
      owner: {type: string, default: nobody}
      org: {type: string, default: acme}
      port: {type: integer, default: 8080, minimum: 1}
  skeletons:
    - path: skeleton
  examples:
    - name: demo
",
    )
    .unwrap();
    fs::write(
        dir.join("skeleton/README.md.tera"),
        "{{ name }} {{ owner }} {{ org }} {{ port }}\n",
    )
    .unwrap();
    dir.join("golden-path.yaml").display().to_string()
}

fn config_file(sb: &Sandbox, text: &str) -> PathBuf {
    let path = sb.join("home/.config/scaffold/config.yaml");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn config_defaults_sit_between_values_and_the_schema_default() {
    let sb = Sandbox::new();
    let def = write_golden_path(&sb, "paths");
    config_file(
        &sb,
        "defaults:\n  owner: team-x\n  org: from-config\n  unrelated: 1\ngolden_paths:\n  configured:\n    defaults:\n      port: 9000\n",
    );
    fs::write(sb.work().join("values.yaml"), "org: from-values\n").unwrap();
    sb.run(&[
        "new",
        &def,
        "svc",
        "--no-input",
        "--no-git",
        "--values",
        "values.yaml",
    ])
    .success();
    assert_eq!(
        fs::read_to_string(sb.work().join("svc/README.md")).unwrap(),
        "svc team-x from-values 9000\n"
    );
    // `scaffold config NAME` says where each value comes from.
    let run = sb.run(&[
        "config",
        &def,
        "--values",
        "values.yaml",
        "--set",
        "port=1234",
        "--format",
        "json",
    ]);
    run.success();
    let report = run.json();
    assert_eq!(report["exists"], true, "{}", run.transcript());
    let origins: Vec<(String, String, String)> = report["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["value"].to_string(),
                p["origin"].to_string(),
            )
        })
        .collect();
    let row = |n: &str, v: &str, o: &str| (n.to_string(), v.to_string(), o.to_string());
    assert_eq!(
        origins,
        [
            row("name", "null", "null"),
            row("owner", "\"team-x\"", "\"config\""),
            row("org", "\"from-values\"", "\"values\""),
            row("port", "1234", "\"set\""),
        ]
    );
    let run = sb.run(&["config", &def]);
    run.success().stdout_has(&[
        "Configuration [TMP]/home/.config/scaffold/config.yaml",
        "defaults: owner=team-x, org=from-config, unrelated=1",
        "defaults of configured: port=9000",
        "owner",
        "config",
    ]);
}

#[test]
fn without_a_file_config_says_so_and_a_named_file_must_exist() {
    let sb = Sandbox::new();
    sb.run(&["config"]).success().stdout_has(&[
        "Configuration none ([TMP]/home/.config/scaffold/config.yaml does not exist",
    ]);
    sb.run(&["--config", "missing.yaml", "list"])
        .code(2)
        .error_with(&["`missing.yaml` does not exist"]);
    let run = sb.run_cmd(
        sb.cmd()
            .args(["config", "--format", "json"])
            .env("SCAFFOLD_CONFIG", sb.join("other.yaml")),
    );
    run.code(2);
    fs::write(sb.join("other.yaml"), "trusted: [built-in]\n").unwrap();
    let run = sb.run_cmd(
        sb.cmd()
            .args(["config", "--format", "json"])
            .env("SCAFFOLD_CONFIG", sb.join("other.yaml")),
    );
    run.success();
    assert_eq!(run.json()["config"]["trusted"][0], "built-in");
}

#[test]
fn a_bad_configuration_is_an_error_at_its_line() {
    let sb = Sandbox::new();
    let def = write_golden_path(&sb, "paths");
    config_file(&sb, "defaults:\n  owner: x\nlibrary: [x]\n");
    sb.run(&["list"]).code(2).error_with(&[
        "[TMP]/home/.config/scaffold/config.yaml:3:",
        "unknown field `library`",
    ]);
    config_file(
        &sb,
        "golden_paths:\n  configured:\n    defaults:\n      port: 0\n",
    );
    sb.run(&["new", &def, "svc", "--no-input", "--no-git"])
        .code(2)
        .error_with(&["config.yaml:4:", "default `port` for configured"]);
    assert!(!sb.work().join("svc").exists());
}

#[test]
fn configured_libraries_come_after_the_command_line_and_before_built_in() {
    let sb = Sandbox::new();
    write_golden_path(&sb, "home/.config/scaffold/paths");
    config_file(&sb, "libraries: [paths]\n");
    let run = sb.run(&["list", "--format", "json"]);
    run.success();
    let list = run.json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "configured"),
        "{}",
        run.transcript()
    );
    sb.run(&["new", "configured", "svc", "--no-input", "--no-git"])
        .success();
    assert_eq!(
        fs::read_to_string(sb.work().join("svc/README.md")).unwrap(),
        "svc nobody acme 8080\n"
    );
}
