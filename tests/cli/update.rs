//! End-to-end tests of `scaffold update` through the real binary: a template git
//! repository with several tagged versions, projects generated from it with
//! `scaffold new`, local edits committed with git, then updates checked file by file,
//! together with their reports, exit codes and dry runs. Failure paths (render errors,
//! write errors, invalid or missing answers, a dirty work tree) are checked to leave
//! the whole project (content, modes, `.git/`) exactly as it was.

#![allow(clippy::print_stderr)] // a test skipped as root says so

#[path = "env/mod.rs"]
mod env;
#[path = "support/mod.rs"]
mod support;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use support::{Files, Sandbox, TemplateRepo, bytes, exe, link, text};

// ---------------------------------------------------------------------------
// The template: golden path `svc`, versions v1.0.0 and v1.1.0 (and variants)
// ---------------------------------------------------------------------------

const POLICY: &str =
    r#"{"enforced": [".github/workflows/platform.yml", "zz-enforced.yml"], "seed": ["src/**"]}"#;

fn policy() -> Value {
    serde_json::from_str(POLICY).unwrap()
}

fn params_v1() -> Value {
    json!({
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "description": "Service name"},
            "owner": {"type": "string", "default": "team-a"},
            "tier": {"type": "string", "enum": ["1", "2", "3"], "default": "2"},
            "legacy_flag": {"type": "boolean", "default": false}
        }
    })
}

/// v1.1.0: `legacy_flag` dropped, `region` added (required, with a default).
fn params_v2() -> Value {
    json!({
        "type": "object",
        "required": ["name", "region"],
        "properties": {
            "name": {"type": "string", "description": "Service name"},
            "owner": {"type": "string", "default": "team-a"},
            "tier": {"type": "string", "enum": ["1", "2", "3"], "default": "2"},
            "region": {"type": "string", "default": "eu-west-1"}
        }
    })
}

fn png(tag: &[u8]) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    v.extend_from_slice(tag);
    v.extend_from_slice(b"\x00\x01");
    v
}

fn entries(n: usize, edit: Option<(usize, &str)>) -> String {
    (1..=n)
        .map(|i| match edit {
            Some((j, s)) if i == j => format!("{s}\n"),
            _ => format!("entry {i}\n"),
        })
        .collect()
}

fn skel_v1() -> Files {
    support::files([
        (
            "README.md.tera",
            text("# {{ name }}\n\nOwned by {{ owner }}.\n\n## Usage\n\nRun it.\n"),
        ),
        (
            "config.yaml.tera",
            text(
                "name: {{ name }}\ntier: \"{{ tier }}\"\nport: 8080\nlog: info\ntimeout: 30\nretries: 3\nreplicas: 1\n",
            ),
        ),
        ("conflict.txt", text("alpha\nbeta\ngamma\n")),
        ("removed.txt", text("removed in v1.1\n")),
        ("old-name.txt", text(&entries(10, None))),
        ("logo.png", bytes(&png(b"v1"))),
        ("icon.png", bytes(&png(b"icon v1"))),
        ("scripts/run.sh", text("#!/bin/sh\necho run\n")),
        (
            ".github/workflows/platform.yml",
            text("name: platform\non: push\n"),
        ),
        ("src/main.txt.tera", text("main for {{ name }}\n")),
        ("user-deleted.txt", text("u1\n")),
        ("legacy.txt", text("legacy\n")),
        ("unchanged.txt", text("same\n")),
    ])
}

fn skel_v2() -> Files {
    support::files([
        (
            "README.md.tera",
            text(
                "# {{ name }}\n\nOwned by {{ owner }}.\n\n## Usage\n\nRun it.\n\n## Region\n\nDeployed to {{ region }}.\n",
            ),
        ),
        (
            "config.yaml.tera",
            text(
                "name: {{ name }}\ntier: \"{{ tier }}\"\nport: 8080\nlog: info\ntimeout: 60\nretries: 3\nreplicas: 1\nregion: {{ region }}\n",
            ),
        ),
        ("conflict.txt", text("alpha\nBETA from v1.1\ngamma\n")),
        (
            "new-name.txt",
            text(&entries(10, Some((10, "entry 10 (v1.1)")))),
        ),
        ("logo.png", bytes(&png(b"v2"))),
        ("icon.png", bytes(&png(b"icon v2"))),
        ("scripts/run.sh", exe("#!/bin/sh\necho run\n")),
        (
            ".github/workflows/platform.yml",
            text("name: platform\non: [push, pull_request]\n"),
        ),
        ("src/main.txt.tera", text("main for {{ name }} v1.1\n")),
        ("src/extra.txt", text("extra seed\n")),
        ("docs/new.md.tera", text("New docs for {{ name }}\n")),
        ("user-deleted.txt", text("u2\n")),
        ("unchanged.txt", text("same\n")),
    ])
}

/// A version of the template: tag, parameters, skeleton.
struct Version {
    tag: &'static str,
    params: Value,
    skel: Files,
}

fn v1() -> Version {
    Version {
        tag: "v1.0.0",
        params: params_v1(),
        skel: skel_v1(),
    }
}

fn v2() -> Version {
    Version {
        tag: "v1.1.0",
        params: params_v2(),
        skel: skel_v2(),
    }
}

/// A bare repository with golden path `svc` (golden-path.yaml + skel/) at each version.
fn template(sb: &Sandbox, versions: &[Version]) -> (TemplateRepo, Vec<String>) {
    let mut repo = TemplateRepo::init(&sb.join("template.git"));
    let commits = versions
        .iter()
        .map(|v| {
            let def = support::definition("svc", v.tag, &v.params, &policy());
            repo.commit_tag(
                v.tag,
                &support::template_tree("golden-path.yaml", &def, "skel/", &v.skel),
            )
        })
        .collect();
    (repo, commits)
}

/// `scaffold new SRC?ref=v1.0.0 DEST --no-input --set owner=team-payments [more]`.
fn generate(sb: &Sandbox, repo: &TemplateRepo, dest: &str, more: &[&str]) -> PathBuf {
    let src = repo.source(None, Some("v1.0.0"));
    let mut args = vec![
        "new",
        src.as_str(),
        dest,
        "--no-input",
        "--set",
        "owner=team-payments",
    ];
    args.extend_from_slice(more);
    sb.scaffold(sb.path(), &args).expect_code(0);
    sb.join(dest)
}

/// The local edits of the main scenario (the project is `shop`).
fn local_edits(project: &Path) {
    let w = |p: &str, s: &[u8]| {
        let path = project.join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, s).unwrap();
    };
    w(
        "README.md",
        b"# shop\n\nOwned by team-payments (on call: #payments).\n\n## Usage\n\nRun it.\n",
    );
    w(
        "config.yaml",
        b"name: shop\ntier: \"2\"\nport: 9090\nlog: info\ntimeout: 30\nretries: 3\nreplicas: 1\n",
    );
    w("conflict.txt", b"alpha\nbeta (mine)\ngamma\n");
    w(
        "old-name.txt",
        entries(10, Some((2, "entry 2 (local)"))).as_bytes(),
    );
    w("logo.png", &png(b"mine"));
    w(
        ".github/workflows/platform.yml",
        b"name: platform\non: [push]\n# local tweak\n",
    );
    w("src/main.txt", b"main for shop, customised\n");
    w("legacy.txt", b"legacy\nlocal note\n");
    fs::remove_file(project.join("user-deleted.txt")).unwrap();
}

/// What the main scenario's project holds after the update (`.scaffold/`, `.git/` aside).
fn expected_after_update() -> Files {
    support::files([
        (
            "README.md",
            text(
                "# shop\n\nOwned by team-payments (on call: #payments).\n\n## Usage\n\nRun it.\n\n## Region\n\nDeployed to eu-west-1.\n",
            ),
        ),
        (
            "config.yaml",
            text(
                "name: shop\ntier: \"2\"\nport: 9090\nlog: info\ntimeout: 60\nretries: 3\nreplicas: 1\nregion: eu-west-1\n",
            ),
        ),
        (
            "conflict.txt",
            text(
                "alpha\n<<<<<<< ours\nbeta (mine)\n||||||| base v1.0.0\nbeta\n=======\nBETA from v1.1\n>>>>>>> theirs v1.1.0\ngamma\n",
            ),
        ),
        (
            "new-name.txt",
            text(
                &entries(10, Some((2, "entry 2 (local)")))
                    .replace("entry 10\n", "entry 10 (v1.1)\n"),
            ),
        ),
        ("logo.png", bytes(&png(b"mine"))),
        ("logo.png.theirs", bytes(&png(b"v2"))),
        ("icon.png", bytes(&png(b"icon v2"))),
        ("scripts/run.sh", exe("#!/bin/sh\necho run\n")),
        (
            ".github/workflows/platform.yml",
            text("name: platform\non: [push, pull_request]\n"),
        ),
        ("src/main.txt", text("main for shop, customised\n")),
        ("src/extra.txt", text("extra seed\n")),
        ("docs/new.md", text("New docs for shop\n")),
        ("legacy.txt", text("legacy\nlocal note\n")),
        ("unchanged.txt", text("same\n")),
    ])
}

/// The report of the main scenario: (path, action, conflicts, from).
fn expected_report() -> Vec<(&'static str, &'static str, u64, Option<&'static str>)> {
    vec![
        (
            ".github/workflows/platform.yml",
            "enforced-overwritten",
            0,
            None,
        ),
        ("README.md", "merged", 0, None),
        ("config.yaml", "merged", 0, None),
        ("conflict.txt", "conflict", 1, None),
        ("docs/new.md", "created", 0, None),
        ("icon.png", "updated", 0, None),
        ("legacy.txt", "kept", 0, None),
        ("logo.png", "conflict", 1, None),
        ("new-name.txt", "renamed", 0, Some("old-name.txt")),
        ("removed.txt", "deleted", 0, None),
        ("scripts/run.sh", "updated", 0, None),
        ("src/extra.txt", "created", 0, None),
        ("src/main.txt", "kept", 0, None),
        ("user-deleted.txt", "kept", 0, None),
    ]
}

/// (path, action, conflicts, from) of a JSON report's files, sorted by path.
fn report_rows(report: &Value) -> Vec<(String, String, u64, Option<String>)> {
    let mut rows: Vec<_> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["action"].as_str().unwrap().to_string(),
                f["conflicts"].as_u64().unwrap(),
                f.get("from").and_then(Value::as_str).map(str::to_string),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn owned(
    rows: Vec<(&'static str, &'static str, u64, Option<&'static str>)>,
) -> Vec<(String, String, u64, Option<String>)> {
    rows.into_iter()
        .map(|(p, a, c, f)| (p.to_string(), a.to_string(), c, f.map(str::to_string)))
        .collect()
}

/// (action, path) pairs of a human report's per-file lines.
fn human_rows(stdout: &str) -> Vec<(String, String)> {
    const ACTIONS: [&str; 8] = [
        "updated",
        "merged",
        "conflict",
        "kept",
        "deleted",
        "created",
        "renamed",
        "enforced-overwritten",
    ];
    let mut rows: Vec<(String, String)> = stdout
        .lines()
        .filter(|l| l.starts_with("  "))
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let action = w.next()?;
            let path = w.next()?;
            ACTIONS
                .contains(&action)
                .then(|| (action.to_string(), path.to_string()))
        })
        .collect();
    rows.sort();
    rows
}

/// The answers file of a project, parsed.
fn answers_file(project: &Path, name: &str) -> Value {
    let text = fs::read_to_string(project.join(format!(".scaffold/{name}.yaml"))).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// Replace the sandbox path and commit ids so a report can be snapshotted.
fn redact(sb: &Sandbox, s: &str) -> String {
    let mut out = s.to_string();
    for p in [
        sb.path().to_path_buf(),
        fs::canonicalize(sb.path()).unwrap(),
    ] {
        out = out.replace(&p.display().to_string(), "[SANDBOX]");
    }
    env::mask_hashes(&out, "[COMMIT]")
}

// ---------------------------------------------------------------------------
// The main scenario
// ---------------------------------------------------------------------------

/// v1.0.0 -> latest (v1.1.0) over committed local edits: every rule of the table, the
/// policies, the exit code, the human and JSON reports, the answers file, and a dry
/// run on a copy of the pre-update project that predicts exactly the same.
#[test]
fn update_applies_every_rule_end_to_end() {
    let sb = Sandbox::new();
    let (repo, commits) = template(&sb, &[v1(), v2()]);
    let project = generate(&sb, &repo, "shop", &[]);
    assert!(project.join(".git").is_dir(), "new initialises git");
    local_edits(&project);
    sb.commit_all(&project, "local edits");
    let copy = sb.join("shop-copy");
    support::copy_dir(&project, &copy);

    // The real run, human report with -v.
    let run = sb.scaffold(&project, &["update", "-v"]);
    run.expect_code(1);
    let diff = support::files_diff(
        &expected_after_update(),
        &support::read_files(&project, &[".scaffold", ".git"]),
    );
    assert!(diff.is_empty(), "tree after update:\n{diff}");
    assert!(
        support::empty_dirs(&project, &[".git"]).is_empty(),
        "no empty directory is left behind"
    );
    let want: Vec<(String, String)> = expected_report()
        .into_iter()
        .map(|(p, a, _, _)| (a.to_string(), p.to_string()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(human_rows(&run.stdout), want, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("Summary: 2 conflict, 2 created, 1 deleted, 1 enforced-overwritten, 3 kept, 2 merged, 1 renamed, 2 updated"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("note: answer `legacy_flag` is no longer a parameter and was dropped"),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!("main_scenario_human_report", redact(&sb, &run.stdout));

    // The answers file: new version, resolved commit, new default, dropped answer,
    // manifest of the new render.
    let answers = answers_file(&project, "svc");
    assert_eq!(answers["version"], json!("v1.1.0"));
    assert_eq!(answers["source"]["commit"], json!(commits[1]));
    assert_eq!(answers["answers"]["region"], json!("eu-west-1"));
    assert_eq!(answers["answers"]["owner"], json!("team-payments"));
    assert!(
        answers["answers"].get("legacy_flag").is_none(),
        "{answers:?}"
    );
    let manifest = answers["manifest"].as_mapping_keys();
    assert!(
        manifest.contains(&"new-name.txt".to_string()),
        "{manifest:?}"
    );
    assert!(
        manifest.contains(&"docs/new.md".to_string()),
        "{manifest:?}"
    );
    assert!(
        !manifest.contains(&"old-name.txt".to_string()),
        "{manifest:?}"
    );
    assert!(
        !manifest.contains(&"removed.txt".to_string()),
        "{manifest:?}"
    );

    // A dry run on the copy of the pre-update project predicts the same, writes nothing.
    let before = support::snapshot(&copy);
    let dry = sb.scaffold(&copy, &["update", "--dry-run", "--format", "json"]);
    dry.expect_code(1);
    support::assert_unchanged(&copy, &before, "update --dry-run --format json");
    let report = dry.json();
    assert_eq!(report_rows(&report), owned(expected_report()));
    assert_eq!(report["dry_run"], json!(true));
    assert_eq!(report["from_version"], json!("v1.0.0"));
    assert_eq!(report["to_version"], json!("v1.1.0"));
    assert_eq!(report["golden_path"], json!("svc"));
    assert_eq!(report["exact_base"], json!(true));
    assert_eq!(report["dropped_answers"], json!(["legacy_flag"]));
    assert_eq!(report["source"]["commit"], json!(commits[1]));
    assert_eq!(report["summary"]["conflicts"], json!(2));
    assert_eq!(report["summary"]["counts"]["kept"], json!(3));
    let rename = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == json!("new-name.txt"))
        .unwrap();
    assert_eq!(rename["from"], json!("old-name.txt"));
    for f in report["files"].as_array().unwrap() {
        for k in ["path", "action", "policy", "detail", "conflicts"] {
            assert!(f.get(k).is_some(), "file entry lacks {k}: {f}");
        }
    }
    let policies: Vec<(&str, &str)> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["policy"].as_str().unwrap()))
        .filter(|(_, p)| *p != "merged")
        .collect();
    assert_eq!(
        policies,
        vec![
            (".github/workflows/platform.yml", "enforced"),
            ("src/extra.txt", "seed"),
            ("src/main.txt", "seed")
        ]
    );

    // The human dry run: same classification (kept hidden without -v), a unified diff.
    let human = sb.scaffold(&copy, &["update", "--dry-run"]);
    human.expect_code(1);
    support::assert_unchanged(&copy, &before, "update --dry-run");
    let shown: Vec<(String, String)> = expected_report()
        .into_iter()
        .filter(|(p, a, _, _)| *a != "kept" || p.starts_with("src/"))
        .map(|(p, a, _, _)| (a.to_string(), p.to_string()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(human_rows(&human.stdout), shown, "{}", human.stdout);
    for needle in [
        "Would update ",
        "--- a/config.yaml",
        "+++ b/config.yaml",
        "-timeout: 30",
        "+timeout: 60",
        "+region: eu-west-1",
        "--- a/removed.txt",
        "+++ /dev/null",
        "rename old-name.txt -> new-name.txt",
        "(-v lists kept files)",
        "a real run would leave them",
    ] {
        assert!(
            human.stdout.contains(needle),
            "dry run lacks `{needle}`:\n{}",
            human.stdout
        );
    }

    // And the real run on the copy does what the dry run said.
    let real = sb.scaffold(&copy, &["update", "--format", "json"]);
    real.expect_code(1);
    assert_eq!(report_rows(&real.json()), report_rows(&report));
    assert_eq!(real.json()["files"], report["files"]);
}

/// Helper trait: the keys of a YAML-derived JSON object.
trait MappingKeys {
    fn as_mapping_keys(&self) -> Vec<String>;
}

impl MappingKeys for Value {
    fn as_mapping_keys(&self) -> Vec<String> {
        self.as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

/// `update --set` without `--to` re-renders the recorded version with the new answer,
/// as the same three-way operation: untouched files take the new render, edited ones
/// merge, and the newer tag is not applied.
#[test]
fn set_without_to_changes_answers_at_the_same_version() {
    let sb = Sandbox::new();
    let (repo, commits) = template(&sb, &[v1(), v2()]);
    let project = generate(&sb, &repo, "shop", &[]);
    fs::write(
        project.join("config.yaml"),
        "name: shop\ntier: \"2\"\nport: 8080\nlog: info\ntimeout: 30\nretries: 5\nreplicas: 1\n",
    )
    .unwrap();
    fs::write(
        project.join("README.md"),
        "# shop\n\nOwned by team-payments.\n\n## Usage\n\nRun it.\n\nLocal section.\n",
    )
    .unwrap();
    sb.commit_all(&project, "local edits");

    let run = sb.scaffold(
        &project,
        &[
            "update",
            "--set",
            "tier=3",
            "--set",
            "owner=team-cart",
            "--format",
            "json",
        ],
    );
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["from_version"], json!("v1.0.0"));
    assert_eq!(report["to_version"], json!("v1.0.0"));
    assert_eq!(
        report_rows(&report),
        owned(vec![
            ("README.md", "merged", 0, None),
            ("config.yaml", "merged", 0, None),
        ])
    );
    assert_eq!(
        fs::read_to_string(project.join("config.yaml")).unwrap(),
        "name: shop\ntier: \"3\"\nport: 8080\nlog: info\ntimeout: 30\nretries: 5\nreplicas: 1\n"
    );
    assert_eq!(
        fs::read_to_string(project.join("README.md")).unwrap(),
        "# shop\n\nOwned by team-cart.\n\n## Usage\n\nRun it.\n\nLocal section.\n"
    );
    assert!(!project.join("docs/new.md").exists(), "v1.1.0 not applied");
    let answers = answers_file(&project, "svc");
    assert_eq!(answers["version"], json!("v1.0.0"));
    assert_eq!(answers["source"]["commit"], json!(commits[0]));
    assert_eq!(answers["answers"]["tier"], json!("3"));
    assert_eq!(answers["answers"]["owner"], json!("team-cart"));
}

/// An answer that moves a file (a directory named after `name`) carries the user's
/// edits to the new path: the same skeleton file renders there.
#[test]
fn set_that_renames_a_path_carries_local_edits() {
    let sb = Sandbox::new();
    let mut v = v1();
    v.skel.insert(
        "{{ name }}/main.go.tera".into(),
        text("package {{ name }}\n\n// entry point\n\nfunc main() {}\n"),
    );
    let (repo, _) = template(&sb, &[v]);
    let project = generate(&sb, &repo, "shop", &[]);
    fs::write(
        project.join("shop/main.go"),
        "package shop\n\n// entry point\n\nfunc main() { serve() }\n",
    )
    .unwrap();
    sb.commit_all(&project, "local edits");
    let run = sb.scaffold(
        &project,
        &["update", "--set", "name=cart", "--format", "json"],
    );
    run.expect_code(0);
    let rows = report_rows(&run.json());
    assert!(
        rows.contains(&(
            "cart/main.go".into(),
            "renamed".into(),
            0,
            Some("shop/main.go".into())
        )),
        "{rows:?}"
    );
    assert_eq!(
        fs::read_to_string(project.join("cart/main.go")).unwrap(),
        "package cart\n\n// entry point\n\nfunc main() { serve() }\n"
    );
    assert!(!project.join("shop").exists(), "old directory removed");
}

/// A new required parameter without a default: with --no-input, an error listing every
/// one of them (and the --set that fixes each), exit 2, nothing written.
#[test]
fn new_required_parameter_without_default_is_an_error() {
    let sb = Sandbox::new();
    let mut v3 = v2();
    v3.tag = "v1.2.0";
    v3.params["required"] = json!(["name", "region", "team", "cost_center"]);
    v3.params["properties"]["team"] = json!({"type": "string", "description": "Owning team"});
    v3.params["properties"]["cost_center"] = json!({"type": "string"});
    v3.skel.insert(
        "team.txt.tera".into(),
        text("{{ team }} pays via {{ cost_center }}\n"),
    );
    let (repo, _) = template(&sb, &[v1(), v3]);
    let project = generate(&sb, &repo, "shop", &[]);
    let before = support::snapshot(&project);

    let run = sb.scaffold(&project, &["update", "--no-input"]);
    run.expect_code(2);
    support::assert_unchanged(&project, &before, "a refused update");
    for needle in ["/team", "/cost_center", "--set team=", "--set cost_center="] {
        assert!(
            run.stderr.contains(needle),
            "lacks `{needle}`:\n{}",
            run.stderr
        );
    }
    insta::assert_snapshot!("new_required_parameter_error", redact(&sb, &run.stderr));
}

/// Giving the new required parameters with --set (and --to) makes the update work.
#[test]
fn new_required_parameters_given_with_set() {
    let sb = Sandbox::new();
    let mut v3 = v2();
    v3.tag = "v1.2.0";
    v3.params["required"] = json!(["name", "region", "team"]);
    v3.params["properties"]["team"] = json!({"type": "string"});
    v3.skel
        .insert("team.txt.tera".into(), text("owned by {{ team }}\n"));
    let (repo, _) = template(&sb, &[v1(), v3]);
    let project = generate(&sb, &repo, "shop", &[]);
    let run = sb.scaffold(
        &project,
        &[
            "update",
            "--no-input",
            "--to",
            "v1.2.0",
            "--set",
            "team=payments",
        ],
    );
    run.expect_code(0);
    assert_eq!(
        fs::read_to_string(project.join("team.txt")).unwrap(),
        "owned by payments\n"
    );
    assert_eq!(
        answers_file(&project, "svc")["answers"]["team"],
        json!("payments")
    );
}

/// A recorded answer that the new version's schema rejects (an enum narrowed): an
/// error naming the answer and the --set that fixes it; nothing written. Following the
/// advice (with the target version) then works.
#[test]
fn recorded_answer_invalid_under_new_schema() {
    let sb = Sandbox::new();
    let mut narrowed = v2();
    narrowed.params["properties"]["tier"] =
        json!({"type": "string", "enum": ["1", "2"], "default": "2"});
    let (repo, _) = template(&sb, &[v1(), narrowed]);
    let project = generate(&sb, &repo, "shop", &["--set", "tier=3"]);
    let before = support::snapshot(&project);

    let run = sb.scaffold(&project, &["update"]);
    run.expect_code(2);
    support::assert_unchanged(&project, &before, "a refused update");
    for needle in ["/tier", "recorded answer \"3\"", "--set tier="] {
        assert!(
            run.stderr.contains(needle),
            "lacks `{needle}`:\n{}",
            run.stderr
        );
    }
    insta::assert_snapshot!("recorded_answer_invalid", redact(&sb, &run.stderr));

    let fixed = sb.scaffold(
        &project,
        &[
            "update", "--to", "v1.1.0", "--set", "tier=2", "--format", "json",
        ],
    );
    fixed.expect_code(0);
    assert_eq!(fixed.json()["to_version"], json!("v1.1.0"));
    assert!(
        fs::read_to_string(project.join("config.yaml"))
            .unwrap()
            .contains("tier: \"2\"\n")
    );
    assert_eq!(answers_file(&project, "svc")["answers"]["tier"], json!("2"));
}

/// The advice printed for an invalid recorded answer must work as printed: `--set`
/// without `--to` re-renders the recorded version, so the hint must name the target.
#[test]
fn invalid_answer_hint_names_the_target_version() {
    let sb = Sandbox::new();
    let mut narrowed = v2();
    narrowed.params["properties"]["tier"] =
        json!({"type": "string", "enum": ["1", "2"], "default": "2"});
    let (repo, _) = template(&sb, &[v1(), narrowed]);
    let project = generate(&sb, &repo, "shop", &["--set", "tier=3"]);
    let run = sb.scaffold(&project, &["update"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("scaffold update --to v1.1.0 --set tier="),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------
// Safety
// ---------------------------------------------------------------------------

/// Uncommitted changes in paths the update would touch: refused (exit 2, listed),
/// nothing written; changes elsewhere do not matter; --allow-dirty runs anyway.
#[test]
fn dirty_work_tree_is_refused_unless_allow_dirty() {
    let sb = Sandbox::new();
    let (repo, _) = template(&sb, &[v1(), v2()]);
    let project = generate(&sb, &repo, "shop", &[]);
    // Dirty, but not touched by the update: an untracked note and an edit to a file
    // the template did not change.
    fs::write(project.join("notes.md"), "mine\n").unwrap();
    fs::write(project.join("unchanged.txt"), "same, edited\n").unwrap();
    let ok = sb.scaffold(&project, &["update", "--dry-run", "--format", "json"]);
    ok.expect_code(0);

    // Dirty in touched paths: a modified file and a deleted one.
    fs::write(project.join("config.yaml"), "uncommitted\n").unwrap();
    fs::remove_file(project.join("removed.txt")).unwrap();
    let before = support::snapshot(&project);
    let run = sb.scaffold(&project, &["update"]);
    run.expect_code(2);
    support::assert_unchanged(&project, &before, "a refused update");
    assert!(
        run.stderr.contains("uncommitted changes in 1 path(s)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("  - config.yaml"), "{}", run.stderr);
    assert!(run.stderr.contains("--allow-dirty"), "{}", run.stderr);
    for quiet in ["notes.md", "unchanged.txt", "removed.txt"] {
        assert!(
            !run.stderr.contains(quiet),
            "lists {quiet}:\n{}",
            run.stderr
        );
    }
    insta::assert_snapshot!("dirty_work_tree", redact(&sb, &run.stderr));
    // The dry run refuses the same way (it exits as the real run would).
    sb.scaffold(&project, &["update", "--dry-run"])
        .expect_code(2);

    let run = sb.scaffold(&project, &["update", "--allow-dirty", "--format", "json"]);
    run.expect_code(1);
    assert!(
        fs::read_to_string(project.join("config.yaml"))
            .unwrap()
            .contains("<<<<<<< ours\nuncommitted\n"),
        "the uncommitted edit is merged, not lost"
    );
    assert_eq!(
        fs::read_to_string(project.join("notes.md")).unwrap(),
        "mine\n"
    );
}

/// In a monorepo (the project in a sub-directory of a git work tree), dirty paths are
/// matched relative to the project, and changes outside it do not count.
#[test]
fn dirty_check_in_a_monorepo_subdirectory() {
    let sb = Sandbox::new();
    let (repo, _) = template(&sb, &[v1(), v2()]);
    let mono = sb.join("mono");
    fs::create_dir_all(&mono).unwrap();
    sb.git(&mono, &["init", "-q", "-b", "main"]);
    fs::write(mono.join("README.md"), "monorepo\n").unwrap();
    let src = repo.source(None, Some("v1.0.0"));
    sb.scaffold(sb.path(), &["new", &src, "mono/services/api", "--no-input"])
        .expect_code(0);
    let project = mono.join("services/api");
    assert!(!project.join(".git").exists(), "no nested repository");
    sb.commit_all(&mono, "add api");

    fs::write(mono.join("README.md"), "monorepo, edited\n").unwrap();
    fs::write(project.join("config.yaml"), "uncommitted\n").unwrap();
    let before = support::snapshot(&mono);
    let run = sb.scaffold(&project, &["update"]);
    run.expect_code(2);
    support::assert_unchanged(&mono, &before, "a refused update");
    assert!(
        run.stderr.contains("uncommitted changes in 1 path(s)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("  - config.yaml"), "{}", run.stderr);

    sb.git(&mono, &["checkout", "--", "services/api/config.yaml"]);
    let run = sb.scaffold(&project, &["update", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.json()["to_version"], json!("v1.1.0"));
}

/// A project that is not a git repository can be updated (no dirty check applies).
#[test]
fn non_git_project_updates() {
    let sb = Sandbox::new();
    let (repo, _) = template(&sb, &[v1(), v2()]);
    let project = generate(&sb, &repo, "shop", &["--no-git"]);
    assert!(!project.join(".git").exists());
    fs::write(
        project.join("config.yaml"),
        "name: shop\ntier: \"2\"\nport: 9090\nlog: info\ntimeout: 30\nretries: 3\nreplicas: 1\n",
    )
    .unwrap();
    let run = sb.scaffold(sb.path(), &["update", "shop", "--format", "json"]);
    run.expect_code(0);
    let rows = report_rows(&run.json());
    assert!(
        rows.contains(&("config.yaml".into(), "merged".into(), 0, None)),
        "{rows:?}"
    );
    assert_eq!(
        fs::read_to_string(project.join("config.yaml")).unwrap(),
        "name: shop\ntier: \"2\"\nport: 9090\nlog: info\ntimeout: 60\nretries: 3\nreplicas: 1\nregion: eu-west-1\n"
    );
    assert!(
        !project.join(".git").exists(),
        "update does not create a repository"
    );
}

/// v1.2.0 has an undefined variable in one file: the update fails naming the file and
/// the variable, and the project (content, modes, .git) is byte for byte as it was.
#[test]
fn render_failure_leaves_the_project_untouched() {
    let sb = Sandbox::new();
    let mut broken = v2();
    broken.tag = "v1.2.0";
    broken.skel.insert(
        "docs/broken.md.tera".into(),
        text("fine line\nregion: {{ regoin }}\n"),
    );
    let (repo, _) = template(&sb, &[v1(), broken]);
    let project = generate(&sb, &repo, "shop", &[]);
    local_edits(&project);
    sb.commit_all(&project, "local edits");
    let before = support::snapshot(&project);
    for args in [vec!["update"], vec!["update", "--dry-run"]] {
        let run = sb.scaffold(&project, &args);
        run.expect_code(2);
        support::assert_unchanged(&project, &before, "a failed update");
        assert!(run.stderr.contains("regoin"), "{}", run.stderr);
        assert!(run.stderr.contains("broken.md.tera"), "{}", run.stderr);
        assert!(run.stderr.contains(":2:"), "names the line: {}", run.stderr);
    }
}

/// A write that fails in the middle of applying (a local file stands where the new
/// version needs a directory, after many other changes were written): everything is
/// rolled back.
#[test]
fn write_failure_rolls_back_every_change() {
    let sb = Sandbox::new();
    let mut v = v2();
    v.skel.insert("zz-dir/new.yml".into(), text("new: v2\n"));
    let (repo, _) = template(&sb, &[v1(), v]);
    let project = generate(&sb, &repo, "shop", &[]);
    local_edits(&project);
    fs::write(
        project.join("zz-dir"),
        "a local file where v2 needs a directory\n",
    )
    .unwrap();
    sb.commit_all(&project, "local edits");
    let before = support::snapshot(&project);

    // The dry run plans it (whatever its exit code: see
    // `dry_run_predicts_a_directory_in_the_way`).
    let dry = sb.scaffold(&project, &["update", "--dry-run", "--format", "json"]);
    support::assert_unchanged(&project, &before, "a dry run");
    assert!(
        report_rows(&dry.json()).len() > 10,
        "many changes come before the failing one"
    );

    let run = sb.scaffold(&project, &["update"]);
    run.expect_code(2);
    assert!(run.stderr.contains("zz-dir"), "{}", run.stderr);
    support::assert_unchanged(&project, &before, "a failed update");
    let leftovers: Vec<String> = support::snapshot(&project)
        .into_keys()
        .filter(|p| p.contains(".scaffold-tmp") || p.contains(".scaffold-staging"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// The dry run exits with the code the real run would: a directory (with other files)
/// standing where an enforced file must be written is known when planning, reported as
/// a conflict, and left alone, so both exit 1.
#[test]
fn dry_run_predicts_a_directory_in_the_way() {
    let sb = Sandbox::new();
    let (repo, _) = template(&sb, &[v1(), v2()]);
    let project = generate(&sb, &repo, "shop", &[]);
    fs::remove_file(project.join(".github/workflows/platform.yml")).unwrap();
    fs::create_dir_all(project.join(".github/workflows/platform.yml/sub")).unwrap();
    fs::write(project.join(".github/workflows/platform.yml/sub/x"), "x\n").unwrap();
    sb.commit_all(&project, "a directory in the way");
    let before = support::snapshot(&project);
    let dry = sb.scaffold(&project, &["update", "--dry-run"]);
    support::assert_unchanged(&project, &before, "a dry run");
    let real = sb.scaffold(&project, &["update"]);
    real.expect_code(1);
    assert!(
        real.stdout
            .contains("a directory with other files stands where this file goes"),
        "{}",
        real.stdout
    );
    assert_eq!(
        fs::read_to_string(project.join(".github/workflows/platform.yml/sub/x")).unwrap(),
        "x\n"
    );
    assert_eq!(
        dry.code, real.code,
        "dry run:\n{}{}",
        dry.stdout, dry.stderr
    );
}

/// Same with a write that fails in a sub-directory: a read-only `src/` where
/// permissions apply; as root (CI), which writes anyway, an empty directory standing
/// where the new seed file `src/extra.txt` goes, which no one can replace with a file.
/// Either way the real run fails after other writes and everything is rolled back.
#[test]
fn write_failure_in_a_read_only_directory_rolls_back() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let as_root = support::permissions_are_bypassed(sb.path());
    let (repo, _) = template(&sb, &[v1(), v2()]);
    let project = generate(&sb, &repo, "shop", &["--no-git"]);
    local_edits(&project);
    // src/ holds the seed file and receives the new seed file src/extra.txt.
    if as_root {
        fs::create_dir(project.join("src/extra.txt")).unwrap();
    } else {
        fs::set_permissions(project.join("src"), fs::Permissions::from_mode(0o555)).unwrap();
    }
    let before = support::snapshot(&project);
    let run = sb.scaffold(&project, &["update"]);
    fs::set_permissions(project.join("src"), fs::Permissions::from_mode(0o755)).unwrap();
    run.expect_code(2);
    assert!(run.stderr.contains("src"), "{}", run.stderr);
    let mut before = before;
    before.insert("src".into(), "dir 755".into());
    support::assert_unchanged(&project, &before, "a failed update");
}

/// The answers file is the plan's last change (so a failure before it leaves the old
/// provenance), and after a successful update it records the new version and commit.
#[test]
fn answers_file_is_written_last() {
    let sb = Sandbox::new();
    let (repo, commits) = template(&sb, &[v1(), v2()]);
    let project = generate(&sb, &repo, "shop", &[]);
    let engine = scaffold_core::Engine::builder()
        .cache_dir(sb.join("cache").join("git"))
        .build();
    let opened =
        scaffold_core::project::Project::open(&project.join(".scaffold/svc.yaml")).unwrap();
    let options = scaffold_core::update::UpdateOptions::default();
    let target = scaffold_core::update::load_target(&engine, &opened, &options).unwrap();
    let plan = scaffold_core::update::plan_update(&engine, &opened, target, &options).unwrap();
    let paths: Vec<&str> = plan.plan.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths.last(), Some(&".scaffold/svc.yaml"), "{paths:?}");
    assert_eq!(
        paths.iter().filter(|p| **p == ".scaffold/svc.yaml").count(),
        1
    );

    let before = fs::read_to_string(project.join(".scaffold/svc.yaml")).unwrap();
    assert!(before.contains(&commits[0]));
    sb.scaffold(&project, &["update"]).expect_code(0);
    let answers = answers_file(&project, "svc");
    assert_eq!(answers["version"], json!("v1.1.0"));
    assert_eq!(answers["source"]["commit"], json!(commits[1]));
    assert_eq!(answers["source"]["reference"], json!("v1.1.0"));
}

/// `--to v1.0.0` on a project already at v1.0.0: nothing to change,
/// exit 0, the tree byte for byte as it was.
#[test]
fn no_op_update_reports_nothing_to_change() {
    let sb = Sandbox::new();
    let (repo, _) = template(&sb, &[v1(), v2()]);
    let project = generate(&sb, &repo, "shop", &[]);
    let before = support::snapshot(&project);
    let run = sb.scaffold(&project, &["update", "--to", "v1.0.0"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("Already up to date: nothing to change"),
        "{}",
        run.stdout
    );
    support::assert_unchanged(&project, &before, "a no-op update");
    let run = sb.scaffold(&project, &["update", "--to", "v1.0.0", "--format", "json"]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["files"], json!([]));
    assert_eq!(report["summary"], json!({"counts": {}, "conflicts": 0}));
    support::assert_unchanged(&project, &before, "a no-op update");
}

/// An unknown --to ref is an error naming it and what exists.
#[test]
fn unknown_ref_is_an_error() {
    let sb = Sandbox::new();
    let (repo, _) = template(&sb, &[v1(), v2()]);
    let project = generate(&sb, &repo, "shop", &[]);
    let before = support::snapshot(&project);
    let run = sb.scaffold(&project, &["update", "--to", "v9.9.9"]);
    run.expect_code(2);
    support::assert_unchanged(&project, &before, "a failed update");
    assert!(run.stderr.contains("v9.9.9"), "{}", run.stderr);
    assert!(
        run.stderr.contains("v1.1.0"),
        "lists what exists: {}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------
// Add-ons: new --into, update --golden-path, update --all
// ---------------------------------------------------------------------------

fn addon_skel(version: &str) -> Files {
    let pg = if version == "v1.0.0" { "15" } else { "16" };
    let mut schema = "create table {{ db_name }}_items (id int);\n".to_string();
    if version != "v1.0.0" {
        schema.push_str("create index {{ db_name }}_items_id on {{ db_name }}_items (id);\n");
    }
    support::files([
        ("db/schema.sql.tera", text(&schema)),
        (
            "db/compose.yml",
            text(&format!("services: {{db: postgres:{pg}}}\n")),
        ),
    ])
}

/// A repository holding two golden paths (svc//, addon//) at v1.0.0 and v1.1.0.
fn two_golden_paths(sb: &Sandbox) -> TemplateRepo {
    let mut repo = TemplateRepo::init(&sb.join("template.git"));
    let addon_params =
        json!({"type": "object", "properties": {"db_name": {"type": "string", "default": "app"}}});
    for v in [v1(), v2()] {
        let svc = support::definition("svc", v.tag, &v.params, &policy());
        let addon = support::definition("addon", v.tag, &addon_params, &Value::Null);
        let mut tree = support::template_tree("svc/golden-path.yaml", &svc, "svc/skel/", &v.skel);
        tree.extend(support::template_tree(
            "addon/golden-path.yaml",
            &addon,
            "addon/skel/",
            &addon_skel(v.tag),
        ));
        repo.commit_tag(v.tag, &tree);
    }
    repo
}

/// `new ADDON --into DIR` applies a second golden path with its own answers file,
/// refusing to overwrite differing files without --force; then `update` needs
/// --golden-path or --all, and `--all` updates both.
#[test]
fn into_add_on_then_update_all() {
    let sb = Sandbox::new();
    let repo = two_golden_paths(&sb);
    let svc = repo.source(Some("svc"), Some("v1.0.0"));
    let addon = repo.source(Some("addon"), Some("v1.0.0"));
    sb.scaffold(
        sb.path(),
        &[
            "new",
            &svc,
            "shop",
            "--no-input",
            "--set",
            "owner=team-payments",
        ],
    )
    .expect_code(0);
    let project = sb.join("shop");
    let project_arg = project.to_string_lossy().into_owned();

    // An identical file is fine; a differing one is refused.
    fs::create_dir_all(project.join("db")).unwrap();
    fs::write(
        project.join("db/compose.yml"),
        "services: {db: postgres:15}\n",
    )
    .unwrap();
    fs::write(project.join("db/schema.sql"), "-- my own schema\n").unwrap();
    sb.commit_all(&project, "my db files");
    let before = support::snapshot(&project);
    let run = sb.scaffold(
        sb.path(),
        &["new", &addon, "--into", &project_arg, "--no-input"],
    );
    run.expect_code(2);
    support::assert_unchanged(&project, &before, "a refused --into");
    assert!(run.stderr.contains("db/schema.sql"), "{}", run.stderr);
    assert!(!run.stderr.contains("db/compose.yml"), "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);

    sb.scaffold(
        sb.path(),
        &[
            "new",
            &addon,
            "--into",
            &project_arg,
            "--no-input",
            "--force",
        ],
    )
    .expect_code(0);
    assert_eq!(
        fs::read_to_string(project.join("db/schema.sql")).unwrap(),
        "create table app_items (id int);\n"
    );
    assert_eq!(answers_file(&project, "addon")["version"], json!("v1.0.0"));
    assert_eq!(answers_file(&project, "svc")["version"], json!("v1.0.0"));
    sb.commit_all(&project, "add-on");

    // Several golden paths: update needs a choice.
    let run = sb.scaffold(&project, &["update"]);
    run.expect_code(2);
    assert!(run.stderr.contains("addon, svc"), "{}", run.stderr);
    assert!(run.stderr.contains("--golden-path"), "{}", run.stderr);

    let run = sb.scaffold(
        &project,
        &[
            "update",
            "--golden-path",
            "addon",
            "--dry-run",
            "--format",
            "json",
        ],
    );
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["golden_path"], json!("addon"));
    assert_eq!(
        report_rows(&report),
        owned(vec![
            ("db/compose.yml", "updated", 0, None),
            ("db/schema.sql", "updated", 0, None),
        ])
    );

    // --all: both, from the parent directory too.
    let run = sb.scaffold(sb.path(), &["update", "--all", "shop", "--format", "json"]);
    run.expect_code(0);
    let reports = run.json();
    let reports = reports.as_array().expect("one report per answers file");
    let names: Vec<&str> = reports
        .iter()
        .map(|r| r["golden_path"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["addon", "svc"]);
    for r in reports {
        assert_eq!(r["to_version"], json!("v1.1.0"));
    }
    assert_eq!(
        fs::read_to_string(project.join("db/schema.sql")).unwrap(),
        "create table app_items (id int);\ncreate index app_items_id on app_items (id);\n"
    );
    assert_eq!(
        fs::read_to_string(project.join("docs/new.md")).unwrap(),
        "New docs for shop\n"
    );
    assert_eq!(answers_file(&project, "addon")["version"], json!("v1.1.0"));
    assert_eq!(answers_file(&project, "svc")["version"], json!("v1.1.0"));
}

/// `update --all` over one project with two golden paths is one operation: when the
/// update of one golden path fails to apply (a file where a directory must go), the
/// other's writes (and both answers files) are rolled back too.
#[test]
fn update_all_is_atomic_across_golden_paths() {
    let sb = Sandbox::new();
    let repo = two_golden_paths(&sb);
    let svc = repo.source(Some("svc"), Some("v1.0.0"));
    let addon = repo.source(Some("addon"), Some("v1.0.0"));
    sb.scaffold(sb.path(), &["new", &svc, "shop", "--no-input"])
        .expect_code(0);
    let project = sb.join("shop");
    let project_arg = project.to_string_lossy().into_owned();
    sb.scaffold(
        sb.path(),
        &["new", &addon, "--into", &project_arg, "--no-input"],
    )
    .expect_code(0);
    // v1.1.0 of svc creates docs/new.md; a local file `docs` makes that write fail.
    fs::write(
        project.join("docs"),
        "a local file where v1.1.0 needs a directory\n",
    )
    .unwrap();
    sb.commit_all(&project, "add-on, and a file in the way");
    let before = support::snapshot(&project);
    let run = sb.scaffold(&project, &["update", "--all"]);
    run.expect_code(2);
    support::assert_unchanged(&project, &before, "a failed update --all");
}

/// v1 has files `a` and `b`, v2 has `a/x` and `b/x`, and the user edited `b`: the
/// kept `b` blocks `b/x`, which the dry run reports as a conflict, exactly as the real
/// run does; the real run writes `a/x`, keeps `b` byte for byte and exits 1 (issue 9,
/// item 4). The rollback of a real failure is tested in write.rs.
#[test]
fn kept_file_blocking_a_new_directory_is_a_predicted_conflict() {
    let sb = Sandbox::new();
    let mut one = v1();
    one.skel = support::files([("a", text("a v1\n")), ("b", text("b v1\n"))]);
    let mut two = v2();
    two.params = params_v1();
    two.skel = support::files([("a/x", text("a/x v2\n")), ("b/x", text("b/x v2\n"))]);
    let (repo, _) = template(&sb, &[one, two]);
    let project = generate(&sb, &repo, "shop", &[]);
    fs::write(project.join("b"), "b edited\n").unwrap();
    sb.commit_all(&project, "edit b");
    let before = support::snapshot(&project);

    let dry = sb.scaffold(&project, &["update", "--dry-run", "--format", "json"]);
    support::assert_unchanged(&project, &before, "a dry run");
    dry.expect_code(1);
    let rows = report_rows(&dry.json());
    let row = |p: &str| rows.iter().find(|r| r.0 == p).cloned();
    assert_eq!(
        row("b/x").map(|r| (r.1, r.2)),
        Some(("conflict".into(), 1)),
        "{rows:?}"
    );
    assert_eq!(row("a/x").map(|r| r.1), Some("created".into()), "{rows:?}");
    assert_eq!(row("b").map(|r| r.1), Some("kept".into()), "{rows:?}");

    let real = sb.scaffold(&project, &["update", "--format", "json"]);
    assert_eq!(real.code, dry.code, "{}{}", real.stdout, real.stderr);
    assert_eq!(report_rows(&real.json()), rows);
    assert_eq!(fs::read_to_string(project.join("b")).unwrap(), "b edited\n");
    assert_eq!(fs::read_to_string(project.join("a/x")).unwrap(), "a/x v2\n");
    assert!(!project.join("a").is_file());
}

/// `update --all` over several project roots is all or nothing too: when the second
/// root fails to apply (a local file where v1.1.0 needs a directory), the first root,
/// already updated, is put back byte for byte, and so is the second.
#[test]
fn update_all_is_atomic_across_roots() {
    let sb = Sandbox::new();
    let mut v = v2();
    v.skel.insert("zz-dir/new.yml".into(), text("new: v2\n"));
    let (repo, _) = template(&sb, &[v1(), v]);
    let first = generate(&sb, &repo, "projects/a-shop", &[]);
    let second = generate(&sb, &repo, "projects/b-shop", &[]);
    local_edits(&first);
    local_edits(&second);
    fs::write(
        second.join("zz-dir"),
        "a local file where v2 needs a directory\n",
    )
    .unwrap();
    sb.commit_all(&first, "local edits");
    sb.commit_all(&second, "local edits");
    let projects = sb.join("projects");
    let before = support::snapshot(&projects);

    let dry = sb.scaffold(
        &projects,
        &["update", "--all", "--dry-run", "--format", "json"],
    );
    let reports = dry.json();
    let reports = reports.as_array().expect("an array under --all");
    assert_eq!(reports.len(), 2);
    assert!(
        report_rows(&reports[0]).len() > 5,
        "the first root has changes to roll back"
    );

    let run = sb.scaffold(&projects, &["update", "--all"]);
    run.expect_code(2);
    assert!(run.stderr.contains("zz-dir"), "{}", run.stderr);
    support::assert_unchanged(&projects, &before, "a failed update --all over two roots");
}

// ---------------------------------------------------------------------------
// Secrets and symbolic links
// ---------------------------------------------------------------------------

/// A template with a secret parameter (never recorded) used in one file.
fn secret_versions() -> Vec<Version> {
    let mut out = Vec::new();
    for v in [v1(), v2()] {
        let mut v = v;
        v.params["properties"]["token"] = json!({"type": "string", "x-secret": true});
        v.skel
            .insert("secret.txt.tera".into(), text("token={{ token }}\n"));
        out.push(v);
    }
    out
}

/// The secret is not written down, and `--to` plus `--set` supplies it for both renders.
#[test]
fn secret_answer_is_not_recorded_and_can_be_supplied() {
    let sb = Sandbox::new();
    let (repo, _) = template(&sb, &secret_versions());
    let project = generate(&sb, &repo, "shop", &["--set", "token=s3cr3t"]);
    let answers = fs::read_to_string(project.join(".scaffold/svc.yaml")).unwrap();
    assert!(!answers.contains("s3cr3t"), "{answers}");
    let run = sb.scaffold(
        &project,
        &[
            "update",
            "--to",
            "v1.1.0",
            "--set",
            "token=s3cr3t",
            "--format",
            "json",
        ],
    );
    run.expect_code(0);
    assert_eq!(run.json()["to_version"], json!("v1.1.0"));
    assert_eq!(
        fs::read_to_string(project.join("secret.txt")).unwrap(),
        "token=s3cr3t\n"
    );
    let answers = fs::read_to_string(project.join(".scaffold/svc.yaml")).unwrap();
    assert!(!answers.contains("s3cr3t"), "{answers}");
}

/// Supplying a secret (which was never recorded, so it changes no answer) is not an
/// answers-only update: `update --set token=...` goes to the latest version.
#[test]
fn supplying_a_secret_still_updates_to_latest() {
    let sb = Sandbox::new();
    let (repo, _) = template(&sb, &secret_versions());
    let project = generate(&sb, &repo, "shop", &["--set", "token=s3cr3t"]);
    let run = sb.scaffold(
        &project,
        &["update", "--set", "token=s3cr3t", "--format", "json"],
    );
    run.expect_code(0);
    assert_eq!(run.json()["to_version"], json!("v1.1.0"));
}

fn link_versions() -> Vec<Version> {
    let mut a = v1();
    a.skel.insert("current".into(), link("conflict.txt"));
    let mut b = v2();
    b.skel.insert("current".into(), link("unchanged.txt"));
    vec![a, b]
}

/// A symbolic link the template retargets (the user left it alone) follows the template.
#[test]
fn symlink_retargeted_by_the_template_is_updated() {
    let sb = Sandbox::new();
    let (repo, _) = template(&sb, &link_versions());
    let project = generate(&sb, &repo, "shop", &[]);
    assert_eq!(
        fs::read_link(project.join("current")).unwrap(),
        Path::new("conflict.txt")
    );
    let run = sb.scaffold(&project, &["update", "--format", "json"]);
    run.expect_code(0);
    assert!(
        report_rows(&run.json()).contains(&("current".into(), "updated".into(), 0, None)),
        "{}",
        run.stdout
    );
    assert_eq!(
        fs::read_link(project.join("current")).unwrap(),
        Path::new("unchanged.txt")
    );
}

/// A project whose link `current` the template retargets in its next version and the
/// user retargeted too (committed).
fn link_retargeted_on_both_sides() -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    let (repo, _) = template(&sb, &link_versions());
    let project = generate(&sb, &repo, "shop", &[]);
    fs::remove_file(project.join("current")).unwrap();
    std::os::unix::fs::symlink("README.md", project.join("current")).unwrap();
    sb.commit_all(&project, "retarget");
    (sb, project)
}

/// The entry of `path` in an update report's `files`.
fn file_entry(report: &Value, path: &str) -> Value {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == json!(path))
        .unwrap()
        .clone()
}

/// A link retargeted on both sides is a conflict; the report must not claim a
/// `.theirs` file that is never written.
#[test]
fn symlink_conflict_reports_only_what_it_writes() {
    let (sb, project) = link_retargeted_on_both_sides();
    let run = sb.scaffold(&project, &["update", "--format", "json"]);
    run.expect_code(1);
    let report = run.json();
    let entry = file_entry(&report, "current");
    assert_eq!(entry["action"], json!("conflict"));
    assert_eq!(
        fs::read_link(project.join("current")).unwrap(),
        Path::new("README.md"),
        "ours kept"
    );
    let claims = entry["detail"].as_str().unwrap().contains("current.theirs");
    let exists = fs::symlink_metadata(project.join("current.theirs")).is_ok();
    assert_eq!(claims, exists, "detail: {}", entry["detail"]);
}

/// The library's detail of a link conflict says the upstream diff shows theirs; the
/// CLI names the command (issue item 4), in its text and in its JSON.
#[test]
fn symlink_conflict_detail_names_diff_upstream() {
    let (sb, project) = link_retargeted_on_both_sides();
    let detail = "changed on both sides: ours kept (compare with `scaffold diff --upstream`)";
    let run = sb.scaffold(&project, &["update", "--dry-run"]);
    run.expect_code(1);
    assert!(run.stdout.contains(detail), "{}", run.transcript());
    let run = sb.scaffold(&project, &["update", "--dry-run", "--format", "json"]);
    let report = run.json();
    let entry = file_entry(&report, "current");
    assert_eq!(entry["detail"], json!(detail), "{}", run.transcript());
}

/// Issue 11, item 2: an update at the same version over an edited enforced file says
/// "no new version; restoring N enforced files", names each file and where the
/// overwritten content is: in a git project, the commit at HEAD (`git show` prints
/// it); without git, a copy under `.scaffold/overwritten/`, which check ignores.
#[test]
fn same_version_update_restores_enforced_files_and_says_where_the_edit_is() {
    let sb = Sandbox::new();
    let (repo, _) = template(&sb, &[v1(), v2()]);
    let edit = "name: platform\non: push\n# a local edit\n";

    // A git project: the edit is committed (update refuses a dirty work tree).
    let project = generate(&sb, &repo, "shop", &[]);
    fs::write(project.join(".github/workflows/platform.yml"), edit).unwrap();
    sb.commit_all(&project, "edit an enforced file");
    let head = sb.git(&project, &["rev-parse", "--short", "HEAD"]);
    let head = head.trim();
    let run = sb.scaffold(&project, &["update", "--to", "v1.0.0", "--no-input"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("svc v1.0.0 (no new version)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("note: no new version; restoring 1 enforced file:\n"),
        "{}",
        run.stdout
    );
    let show = format!("git show {head}:./.github/workflows/platform.yml");
    assert!(
        run.stdout.contains(&format!(
            "  - .github/workflows/platform.yml (your version is in commit {head}: {show})\n"
        )),
        "{}",
        run.stdout
    );
    assert_eq!(
        fs::read_to_string(project.join(".github/workflows/platform.yml")).unwrap(),
        "name: platform\non: push\n",
        "restored"
    );
    // The command named prints the overwritten content.
    let shown = sb.git(
        &project,
        &["show", &format!("{head}:./.github/workflows/platform.yml")],
    );
    assert_eq!(shown, edit);
    assert!(!project.join(".scaffold/overwritten").exists());

    // The same in JSON.
    sb.commit_all(&project, "restored by update");
    fs::write(project.join(".github/workflows/platform.yml"), edit).unwrap();
    sb.commit_all(&project, "edit it again");
    let head = sb.git(&project, &["rev-parse", "--short", "HEAD"]);
    let head = head.trim();
    let run = sb.scaffold(
        &project,
        &["update", "--to", "v1.0.0", "--no-input", "--format", "json"],
    );
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["same_version"], json!(true));
    assert_eq!(
        report["restored"],
        json!([{
            "path": ".github/workflows/platform.yml",
            "saved": {
                "kind": "commit",
                "commit": head,
                "show": format!("git show {head}:./.github/workflows/platform.yml"),
            }
        }])
    );

    // Without git: a saved copy, which check, diff and the next update leave alone.
    let plain = generate(&sb, &repo, "plain", &["--no-git"]);
    fs::write(plain.join(".github/workflows/platform.yml"), edit).unwrap();
    let run = sb.scaffold(
        &plain,
        &["update", "--to", "v1.0.0", "--no-input", "--format", "json"],
    );
    run.expect_code(0);
    let copy = ".scaffold/overwritten/svc/.github/workflows/platform.yml";
    assert_eq!(
        run.json()["restored"],
        json!([{
            "path": ".github/workflows/platform.yml",
            "saved": {"kind": "copy", "path": copy}
        }])
    );
    assert_eq!(fs::read_to_string(plain.join(copy)).unwrap(), edit);
    assert_eq!(
        fs::read_to_string(plain.join(".github/workflows/platform.yml")).unwrap(),
        "name: platform\non: push\n"
    );
    let check = sb.scaffold(&plain, &["check", "--offline", "--fail-on", "any"]);
    check.expect_code(0);
    let diff = sb.scaffold(&plain, &["diff"]);
    diff.expect_code(0);
    assert!(!diff.stdout.contains("overwritten"), "{}", diff.stdout);
    let again = sb.scaffold(&plain, &["update", "--to", "v1.0.0", "--no-input"]);
    again.expect_code(0);
    assert!(
        again.stdout.contains("Already up to date"),
        "{}",
        again.stdout
    );
    assert_eq!(fs::read_to_string(plain.join(copy)).unwrap(), edit);
}

/// The redaction masks every abbreviated commit id, digits-only ones too (CI once
/// made `6372749`), and leaves versions and short numbers alone.
#[test]
fn redaction_masks_every_commit_id() {
    let sb = Sandbox::new();
    let text = format!(
        "{}/t.git@0a1b2c3d4e5f v1.1.0 commit 6372749: git show 6372749:./x 123456 beefcafe1",
        sb.path().display()
    );
    assert_eq!(
        redact(&sb, &text),
        "[SANDBOX]/t.git@[COMMIT] v1.1.0 commit [COMMIT]: git show [COMMIT]:./x 123456 [COMMIT]"
    );
}
