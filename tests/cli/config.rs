//! The user configuration (docs/config.md): found at $XDG_CONFIG_HOME/scaffold/config.yaml
//! (or `SCAFFOLD_CONFIG`, `--config`); its defaults sit between `--values` and the
//! schema default; its libraries and shorthands feed the engine; `scaffold config`
//! shows each value's origin. (The precedence table itself is `config::tests` in the
//! library.)

mod common;
mod env;
mod support;

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

#[test]
fn a_configured_shorthand_is_read_as_its_git_source_and_can_be_trusted() {
    let sb = Sandbox::new();
    let mut repo = support::TemplateRepo::init(&sb.join("repos/team/tpl.git"));
    let def = support::definition(
        "short",
        "1.0.0",
        &serde_json::json!({"type": "object", "properties": {"name": {"type": "string"}}}),
        &serde_json::Value::Null,
    );
    let def = format!("{def}\n");
    let mut files = support::template_tree(
        "golden-path.yaml",
        &def,
        "skel/",
        &support::files([("README.md.tera", support::text("# {{ name }}\n"))]),
    );
    // A hook, to see the shorthand in a trusted pattern too.
    let with_hook = def.replacen(
        "\"skeletons\"",
        "\"hooks\": [{\"run\": \"touch hook-ran\"}],\n    \"skeletons\"",
        1,
    );
    files.insert("golden-path.yaml".into(), support::text(&with_hook));
    repo.commit_tag("v1.0.0", &files);
    config_file(
        &sb,
        &format!(
            "shorthands:\n  acme: 'file://{}/repos/{{}}.git'\ntrusted: ['acme:team/*']\n",
            sb.root().display()
        ),
    );
    let run = sb.run(&[
        "new",
        "acme:team/tpl?ref=v1.0.0",
        "svc",
        "--no-input",
        "--no-git",
        "--format",
        "json",
    ]);
    run.success();
    assert_eq!(
        run.json()["hooks"][0]["status"],
        "passed",
        "{}",
        run.transcript()
    );
    assert_eq!(
        fs::read_to_string(sb.work().join("svc/README.md")).unwrap(),
        "# svc\n"
    );
    assert!(sb.work().join("svc/hook-ran").exists());
}

#[test]
fn update_takes_a_new_required_answer_from_the_configuration() {
    let sb = Sandbox::new();
    let def = write_golden_path(&sb, "paths");
    config_file(&sb, "defaults:\n  owner: team-x\n  team: platform\n");
    sb.run(&["new", &def, "svc", "--no-input", "--no-git"])
        .success();
    // Version 1.1.0 requires a new parameter, `team`.
    let text = fs::read_to_string(&def)
        .unwrap()
        .replace("version: 1.0.0", "version: 1.1.0")
        .replace("required: [name]", "required: [name, team]")
        .replace(
            "      name: {type: string}\n",
            "      name: {type: string}\n      team: {type: string}\n",
        );
    fs::write(&def, text).unwrap();
    let readme = PathBuf::from(&def).with_file_name("skeleton/README.md.tera");
    fs::write(&readme, "{{ name }} {{ owner }} {{ team }}\n").unwrap();
    let svc = sb.work().join("svc");
    let run = sb.scaffold(&svc, &["update", "--no-input"]);
    run.success();
    assert_eq!(
        fs::read_to_string(svc.join("README.md")).unwrap(),
        "svc team-x platform\n",
        "{}",
        run.transcript()
    );
    // The recorded answer wins over a changed configuration.
    config_file(&sb, "defaults:\n  owner: someone-else\n  team: other\n");
    sb.scaffold(&svc, &["update", "--no-input"]).success();
    assert_eq!(
        fs::read_to_string(svc.join("README.md")).unwrap(),
        "svc team-x platform\n"
    );
}

/// A project of `configured` 1.0.0 made with `config` in place, then version 1.1.0
/// adding an optional parameter `region` (schema default `us-east-1`) shown in the
/// README. Returns the sandbox and the project.
fn project_before_a_new_optional_parameter(config: &str) -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    let def = write_golden_path(&sb, "paths");
    config_file(&sb, config);
    sb.run(&["new", &def, "svc", "--no-input", "--no-git"])
        .success();
    let text = fs::read_to_string(&def)
        .unwrap()
        .replace("version: 1.0.0", "version: 1.1.0")
        .replace(
            "      name: {type: string}\n",
            "      name: {type: string}\n      region: {type: string, default: us-east-1}\n",
        );
    fs::write(&def, text).unwrap();
    let readme = PathBuf::from(&def).with_file_name("skeleton/README.md.tera");
    fs::write(&readme, "{{ name }} {{ region }}\n").unwrap();
    let svc = sb.work().join("svc");
    (sb, svc)
}

#[test]
fn update_takes_a_new_optional_answer_from_the_configuration_over_the_schema_default() {
    let (sb, svc) = project_before_a_new_optional_parameter("defaults:\n  region: eu-west-1\n");
    let run = sb.scaffold(&svc, &["update", "--no-input"]);
    run.success();
    assert_eq!(
        fs::read_to_string(svc.join("README.md")).unwrap(),
        "svc eu-west-1\n",
        "{}",
        run.transcript()
    );
    let answers = fs::read_to_string(svc.join(".scaffold/configured.yaml")).unwrap();
    assert!(answers.contains("region: eu-west-1"), "{answers}");

    // `--set` wins over the configuration for a new parameter too.
    let (sb, svc) = project_before_a_new_optional_parameter("defaults:\n  region: eu-west-1\n");
    sb.scaffold(
        &svc,
        &["update", "--no-input", "--set", "region=ap-south-1"],
    )
    .success();
    assert_eq!(
        fs::read_to_string(svc.join("README.md")).unwrap(),
        "svc ap-south-1\n"
    );

    // Without a configured value the schema's default is taken.
    let (sb, svc) = project_before_a_new_optional_parameter("defaults:\n  owner: team-x\n");
    sb.scaffold(&svc, &["update", "--no-input"]).success();
    assert_eq!(
        fs::read_to_string(svc.join("README.md")).unwrap(),
        "svc us-east-1\n"
    );
}
