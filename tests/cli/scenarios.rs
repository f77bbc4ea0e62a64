//! Update scenarios as users live them (issue: exact three-way updates for every
//! source). Each story makes a project, edits it as a team would, changes the template
//! as its owners would, and updates. The result is checked differentially: every file
//! that `git merge-file` merges cleanly from (ours, base, theirs) must be exactly what
//! scaffold wrote, where base is the pristine render of the recorded version and
//! theirs the pristine render of the new one, both made by `scaffold new` into scratch
//! directories. No expected file content is written by hand.

#[path = "env/mod.rs"]
mod env;
#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{Files, Sandbox, TemplateRepo, copy_dir, read_files};

/// Paths never compared: scaffold's own state.
const SKIP: &[&str] = &[".scaffold", ".git"];

/// The manifest policies of the project's answers file.
fn policies(project: &Path, golden_path: &str) -> std::collections::BTreeMap<String, String> {
    let text = fs::read_to_string(project.join(format!(".scaffold/{golden_path}.yaml"))).unwrap();
    let v: Value = serde_yaml::from_str(&text).unwrap();
    v["manifest"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, e)| (k.clone(), e["policy"].as_str().unwrap().to_string()))
        .collect()
}

/// `git merge-file -p` of (ours, base, theirs): `Some(bytes)` when git merges cleanly.
fn git_merge(scratch: &Path, ours: &[u8], base: &[u8], theirs: &[u8]) -> Option<Vec<u8>> {
    fs::create_dir_all(scratch).unwrap();
    let (o, b, t) = (scratch.join("o"), scratch.join("b"), scratch.join("t"));
    fs::write(&o, ours).unwrap();
    fs::write(&b, base).unwrap();
    fs::write(&t, theirs).unwrap();
    let out = Command::new("git")
        .args(["merge-file", "-p"])
        .arg(&o)
        .arg(&b)
        .arg(&t)
        .output()
        .expect("git merge-file runs");
    (out.status.code() == Some(0)).then_some(out.stdout)
}

/// The differential assertion. `ours` is the project before the update, `after` the
/// project after it. Returns how many merged paths were compared (and how many of
/// them had changes on both sides), so each story can assert that it exercised
/// real merges.
fn assert_like_git(
    sb: &Sandbox,
    base: &Files,
    ours: &Files,
    theirs: &Files,
    after: &Files,
    policies: &std::collections::BTreeMap<String, String>,
) -> (usize, usize) {
    let mut compared = 0;
    let mut both = 0;
    let paths: BTreeSet<&String> = base
        .keys()
        .chain(ours.keys())
        .chain(theirs.keys())
        .collect();
    for p in paths {
        if policies.get(p.as_str()).is_some_and(|pol| pol != "merged") {
            continue;
        }
        let (Some(b), Some(o), Some(t)) = (base.get(p), ours.get(p), theirs.get(p)) else {
            continue;
        };
        let Some(expected) = git_merge(&sb.join("merge"), &o.bytes, &b.bytes, &t.bytes) else {
            continue;
        };
        compared += 1;
        if o.bytes != b.bytes && t.bytes != b.bytes && o.bytes != t.bytes {
            both += 1;
        }
        let got = after
            .get(p)
            .unwrap_or_else(|| panic!("{p}: git merges it cleanly, but the update removed it"));
        assert_eq!(
            String::from_utf8_lossy(&got.bytes),
            String::from_utf8_lossy(&expected),
            "{p}: scaffold's merge differs from git merge-file's"
        );
    }
    (compared, both)
}

/// Render `source` with `sets` into a scratch directory and read it back.
fn render(sb: &Sandbox, source: &str, sets: &[&str], into: &str) -> Files {
    let dest = sb.join(into);
    let mut args = vec![
        "new",
        source,
        dest.to_str().unwrap(),
        "--no-git",
        "--no-input",
    ];
    for s in sets {
        args.extend(["--set", s]);
    }
    sb.scaffold(sb.path(), &args).expect_code(0);
    read_files(&dest, SKIP)
}

/// Append `line` after the first line containing `after` in `file`.
fn insert_after(file: &Path, after: &str, line: &str) {
    let t = fs::read_to_string(file).unwrap();
    let i = t
        .find(after)
        .unwrap_or_else(|| panic!("{}: no `{after}`", file.display()));
    let end = i + t[i..].find('\n').unwrap() + 1;
    fs::write(file, format!("{}{line}\n{}", &t[..end], &t[end..])).unwrap();
}

fn replace_in(file: &Path, from: &str, to: &str) {
    let t = fs::read_to_string(file).unwrap();
    assert!(t.contains(from), "{}: no `{from}`", file.display());
    fs::write(file, t.replacen(from, to, 1)).unwrap();
}

// ---------------------------------------------------------------------------
// A local template directory
// ---------------------------------------------------------------------------

const CONF: &str = "# Service configuration for {{ name }}
name = \"{{ name }}\"
port = {{ port }}

[logging]
level = \"info\"
format = \"json\"

[limits]
max_connections = 100
timeout_seconds = 30
retries = 3
";

fn local_template(dir: &Path, version: &str, conf: &str) {
    fs::create_dir_all(dir.join("skeleton")).unwrap();
    fs::write(
        dir.join("golden-path.yaml"),
        format!(
            "apiVersion: scaffold/v1\nkind: GoldenPath\nmetadata:\n  name: notes\n  version: {version}\nspec:\n  parameters:\n    type: object\n    required: [name]\n    properties:\n      name: {{type: string}}\n      port: {{type: integer, default: 8080}}\n      token: {{type: string, x-secret: true, default: ''}}\n  skeletons:\n    - path: skeleton\n"
        ),
    )
    .unwrap();
    fs::write(dir.join("skeleton/service.conf.tera"), conf).unwrap();
    fs::write(dir.join("skeleton/NOTES.txt"), "static file\n").unwrap();
}

/// (a) and (b): the template directory is edited in place after `new`; one line changes
/// on each side of a 13-line file. Run on the original checkout, and on a fresh clone
/// with an empty cache and a new HOME.
fn local_directory_story(fresh_clone: bool) {
    let sb = Sandbox::new();
    let tpl = sb.join("tpl");
    local_template(&tpl, "1.0.0", CONF);
    let tpl_s = tpl.to_str().unwrap().to_string();
    let base = render(&sb, &tpl_s, &["name=notes"], "base-render");
    sb.scaffold(sb.path(), &["new", &tpl_s, "notes", "--no-input"])
        .expect_code(0);
    let mut project = sb.join("notes");
    replace_in(
        &project.join("service.conf"),
        "level = \"info\"",
        "level = \"debug\"",
    );
    sb.commit_all(&project, "team: debug logs");

    // The template is edited in place: a new version, one other line changed.
    local_template(&tpl, "1.1.0", &CONF.replace("retries = 3", "retries = 5"));
    let theirs = render(&sb, &tpl_s, &["name=notes"], "theirs-render");

    if fresh_clone {
        let clone = sb.join("clone");
        sb.git(
            sb.path(),
            &["clone", "-q", project.to_str().unwrap(), "clone"],
        );
        fs::remove_dir_all(sb.join("cache")).unwrap();
        fs::remove_dir_all(sb.join("home")).unwrap();
        fs::create_dir_all(sb.join("home")).unwrap();
        project = clone;
    }
    let ours = read_files(&project, SKIP);
    let run = sb.scaffold(&project, &["update", "--format", "json"]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["base_origins"]["baseline"], 2, "{report}");
    assert_eq!(report["summary"]["conflicts"], 0, "{report}");
    let after = read_files(&project, SKIP);
    let (compared, both) = assert_like_git(
        &sb,
        &base,
        &ours,
        &theirs,
        &after,
        &policies(&project, "notes"),
    );
    assert_eq!((compared, both), (2, 1));
    let conf = fs::read_to_string(project.join("service.conf")).unwrap();
    assert!(conf.contains("level = \"debug\"") && conf.contains("retries = 5"));
}

#[test]
fn a_local_template_edited_in_place() {
    local_directory_story(false);
}

#[test]
fn b_the_same_on_a_fresh_clone_with_empty_cache_and_home() {
    local_directory_story(true);
}

// ---------------------------------------------------------------------------
// A git source whose old tag was deleted
// ---------------------------------------------------------------------------

fn git_files(version: &str, conf: &str) -> Files {
    let dir = tempfile::tempdir().unwrap();
    local_template(dir.path(), version, conf);
    read_files(dir.path(), &[])
}

#[test]
fn d_a_git_source_whose_old_tag_was_deleted() {
    let sb = Sandbox::new();
    let repo_dir = sb.join("repo.git");
    let mut repo = TemplateRepo::init(&repo_dir);
    repo.commit_tag("v1.0.0", &git_files("1.0.0", CONF));
    let src_v1 = repo.source(None, Some("v1.0.0"));
    let base = render(&sb, &src_v1, &["name=notes"], "base-render");
    sb.scaffold(sb.path(), &["new", &src_v1, "notes", "--no-input"])
        .expect_code(0);
    let project = sb.join("notes");
    replace_in(
        &project.join("service.conf"),
        "format = \"json\"",
        "format = \"logfmt\"",
    );
    sb.commit_all(&project, "team: logfmt");

    // The owners rewrite history: v1.0.0 is deleted and its commit pruned; v1.1.0 is
    // a fresh root commit. An empty cache must fetch again and find no v1.0.0.
    drop(repo);
    fs::remove_dir_all(&repo_dir).unwrap();
    let mut repo = TemplateRepo::init(&repo_dir);
    repo.commit_tag(
        "v1.1.0",
        &git_files(
            "1.1.0",
            &CONF.replace("max_connections = 100", "max_connections = 200"),
        ),
    );
    fs::remove_dir_all(sb.join("cache")).unwrap();
    let theirs = render(
        &sb,
        &repo.source(None, Some("v1.1.0")),
        &["name=notes"],
        "theirs-render",
    );

    let ours = read_files(&project, SKIP);
    let run = sb.scaffold(&project, &["update", "--format", "json"]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["to_version"], "v1.1.0", "{report}");
    assert_eq!(report["base_origins"]["baseline"], 2, "{report}");
    let after = read_files(&project, SKIP);
    let (compared, both) = assert_like_git(
        &sb,
        &base,
        &ours,
        &theirs,
        &after,
        &policies(&project, "notes"),
    );
    assert_eq!((compared, both), (2, 1));
}

// ---------------------------------------------------------------------------
// A secret answer used in a template
// ---------------------------------------------------------------------------

const SECRET: &str = "s3cr3t-token-value";

#[test]
fn e_a_secret_answer_used_in_a_template() {
    let sb = Sandbox::new();
    let tpl = sb.join("tpl");
    let conf = format!("{CONF}\n[auth]\ntoken = \"{{{{ token }}}}\"\n");
    local_template(&tpl, "1.0.0", &conf);
    let tpl_s = tpl.to_str().unwrap().to_string();
    let token = format!("token={SECRET}");
    let base = render(&sb, &tpl_s, &["name=notes", &token], "base-render");
    sb.scaffold(
        sb.path(),
        &["new", &tpl_s, "notes", "--no-input", "--set", &token],
    )
    .expect_code(0);
    let project = sb.join("notes");
    // The secret is written nowhere but the rendered file itself.
    for f in ["notes.yaml", "notes.baseline"] {
        let bytes = fs::read(project.join(".scaffold").join(f)).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(SECRET), "{f}");
    }
    let stored = scaffold_core::project::baseline::Baseline::decode(
        &fs::read(project.join(".scaffold/notes.baseline")).unwrap(),
    )
    .unwrap();
    let hash = scaffold_core::tree::hash_bytes(&fs::read(project.join("service.conf")).unwrap());
    let masked = stored.content(&hash, &[]).unwrap();
    assert!(!String::from_utf8_lossy(&masked).contains(SECRET));
    assert!(String::from_utf8_lossy(&masked).contains("scaffold-secret:token"));

    replace_in(
        &project.join("service.conf"),
        "level = \"info\"",
        "level = \"warn\"",
    );
    sb.commit_all(&project, "team: warn");
    local_template(
        &tpl,
        "1.1.0",
        &conf.replace("timeout_seconds = 30", "timeout_seconds = 60"),
    );
    let theirs = render(&sb, &tpl_s, &["name=notes", &token], "theirs-render");

    let ours = read_files(&project, SKIP);
    let run = sb.scaffold(&project, &["update", "--format", "json", "--set", &token]);
    run.expect_code(0);
    assert_eq!(run.json()["summary"]["conflicts"], 0);
    let after = read_files(&project, SKIP);
    let (compared, both) = assert_like_git(
        &sb,
        &base,
        &ours,
        &theirs,
        &after,
        &policies(&project, "notes"),
    );
    assert_eq!((compared, both), (2, 1));
    let conf_after = fs::read_to_string(project.join("service.conf")).unwrap();
    assert!(conf_after.contains(SECRET) && conf_after.contains("level = \"warn\""));
}

// ---------------------------------------------------------------------------
// Built-in go-microservice 1.0.0 -> 1.1.0, and projects written by scaffold 0.1.0
// ---------------------------------------------------------------------------

const SETS: &[&str] = &[
    "name=payments-api",
    "owner=team-payments",
    "database=postgres",
];

/// What a product team typically edits in a fresh go-microservice: the README, a new
/// handler, an environment variable, replica counts.
fn team_edits(project: &Path) {
    insert_after(
        &project.join("README.md"),
        "# payments-api",
        "\nOwned by the payments squad; ask in #payments.",
    );
    insert_after(
        &project.join("internal/server/server.go"),
        "s.handle(mux, \"GET /metrics\", s.handleMetrics)",
        "\ts.handle(mux, \"GET /version\", s.handleIndex)",
    );
    insert_after(
        &project.join("deploy/base/deployment.yaml"),
        "value: info",
        "            - name: FEATURE_FLAGS\n              value: \"payments-v2\"",
    );
    replace_in(
        &project.join("deploy/overlays/prod/hpa-patch.yaml"),
        "maxReplicas: 10",
        "maxReplicas: 20",
    );
}

/// Update `project` (already edited and, where it has git, committed) and check the
/// result against git merge-file, with `base` and `theirs` rendered by `scaffold new`.
fn update_like_git(sb: &Sandbox, project: &Path, base: &Files, args: &[&str]) -> Value {
    let theirs = render(sb, "go-microservice@1.1.0", SETS, "theirs-render");
    let ours = read_files(project, SKIP);
    let mut full = vec!["update", "--to", "1.1.0", "--format", "json", "--no-input"];
    full.extend_from_slice(args);
    let run = sb.scaffold(project, &full);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(report["from_version"], "1.0.0", "{report}");
    assert_eq!(report["to_version"], "1.1.0", "{report}");
    assert_eq!(report["summary"]["conflicts"], 0, "{report}");
    assert_eq!(report["exact_base"], true, "{report}");
    let after = read_files(project, SKIP);
    let (compared, both) = assert_like_git(
        sb,
        base,
        &ours,
        &theirs,
        &after,
        &policies(project, "go-microservice"),
    );
    assert!(compared > 30, "only {compared} merged paths compared");
    assert!(
        both >= 2,
        "only {both} paths changed on both sides: {report}"
    );
    // Every team edit survived.
    let read = |p: &str| fs::read_to_string(project.join(p)).unwrap();
    assert!(read("README.md").contains("ask in #payments"));
    assert!(read("internal/server/server.go").contains("GET /version"));
    assert!(read("deploy/base/deployment.yaml").contains("payments-v2"));
    assert!(read("deploy/overlays/prod/hpa-patch.yaml").contains("maxReplicas: 20"));
    // And the new version's files arrived.
    assert!(project.join("deploy/argocd/prod.yaml").is_file());
    assert!(project.join(".devcontainer/devcontainer.json").is_file());
    // The changelog of 1.1.0 is reported.
    assert!(
        report["changelog"].to_string().contains("1.1.0"),
        "{report}"
    );
    report
}

#[test]
fn c_builtin_1_0_0_to_1_1_0_with_local_edits() {
    let sb = Sandbox::new();
    let base = render(&sb, "go-microservice@1.0.0", SETS, "base-render");
    let mut args = vec!["new", "go-microservice@1.0.0", "payments-api", "--no-input"];
    for s in SETS {
        args.extend(["--set", s]);
    }
    sb.scaffold(sb.path(), &args).expect_code(0);
    let project = sb.join("payments-api");
    team_edits(&project);
    sb.commit_all(&project, "team edits");
    let report = update_like_git(&sb, &project, &base, &[]);
    assert_eq!(
        report["base_origins"]["baseline"],
        report["base_origins"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>()
    );
    // A second update has nothing to do: the first one recorded the new baseline.
    sb.commit_all(&project, "update to 1.1.0");
    let again = sb.scaffold(&project, &["update", "--to", "1.1.0", "--format", "json"]);
    again.expect_code(0);
    assert_eq!(again.json()["to_version"], "1.1.0");
    assert!(sb.git(&project, &["status", "--porcelain"]).is_empty());
}

#[test]
fn f_upgrade_from_a_scaffold_0_1_0_builtin_project() {
    let sb = Sandbox::new();
    let base = render(&sb, "go-microservice@1.0.0", SETS, "base-render");
    let project = copy_fixture(&sb, "builtin", "payments-api");
    let answers = fs::read_to_string(project.join(".scaffold/go-microservice.yaml")).unwrap();
    assert!(
        answers.contains("format: 1\n"),
        "the fixture is a 0.1.0 project"
    );
    assert!(!project.join(".scaffold/go-microservice.baseline").exists());
    team_edits(&project);
    // No git: the base is reconstructed from built-in 1.0.0 as released.
    let report = update_like_git(&sb, &project, &base, &[]);
    let origins = report["base_origins"].as_object().unwrap();
    assert!(origins["render"].as_u64().unwrap() > 30, "{report}");
    assert!(!origins.contains_key("missing"), "{report}");
    // The upgraded project is format 2 with a baseline that check accepts.
    let answers = fs::read_to_string(project.join(".scaffold/go-microservice.yaml")).unwrap();
    assert!(answers.contains("format: 2\n"));
    let check = sb.scaffold(&project, &["check", "--offline", "--format", "json"]);
    let json = check.json();
    assert_eq!(
        json["projects"][0]["report"]["stored_baseline"]["state"], "ok",
        "{json}"
    );
}

#[test]
fn f_upgrade_from_a_scaffold_0_1_0_local_project_whose_template_is_gone() {
    let sb = Sandbox::new();
    let project = sb.join("notes");
    sb.git(
        sb.path(),
        &[
            "clone",
            "-q",
            fixture("local-project.bundle").to_str().unwrap(),
            "notes",
        ],
    );
    // The recorded template path no longer exists anywhere.
    let answers = fs::read_to_string(project.join(".scaffold/notes.yaml")).unwrap();
    let recorded = answers
        .lines()
        .find_map(|l| l.trim().strip_prefix("path: "))
        .unwrap()
        .to_string();
    assert!(
        !Path::new(&recorded).exists(),
        "{recorded} exists on this machine; the story needs it gone"
    );
    let base = read_files(&project, SKIP);
    replace_in(
        &project.join("service.conf"),
        "level = \"info\"",
        "level = \"debug\"",
    );
    sb.commit_all(&project, "team: debug logs");
    // Without a source, update says what to do.
    sb.scaffold(&project, &["update"]).expect_code(2);
    // The template moved, and changed, meanwhile.
    let tpl = sb.join("moved-template");
    copy_dir(&fixture("local-template-0.1.0"), &tpl);
    replace_in(
        &tpl.join("golden-path.yaml"),
        "version: 0.1.0",
        "version: 0.2.0",
    );
    replace_in(
        &tpl.join("skeleton/service.conf.tera"),
        "retries = 3",
        "retries = 5",
    );
    let tpl_s = tpl.to_str().unwrap().to_string();
    let theirs = render(&sb, &tpl_s, &["name=notes"], "theirs-render");
    let ours = read_files(&project, SKIP);
    let run = sb.scaffold(
        &project,
        &["update", "--source", &tpl_s, "--format", "json"],
    );
    run.expect_code(0);
    let report = run.json();
    // The base came from the first commit `new` made.
    assert_eq!(report["base_origins"]["git-history"], 2, "{report}");
    let after = read_files(&project, SKIP);
    let (compared, both) = assert_like_git(
        &sb,
        &base,
        &ours,
        &theirs,
        &after,
        &policies(&project, "notes"),
    );
    assert_eq!((compared, both), (2, 1));
}

// ---------------------------------------------------------------------------
// Helpers for the built-in stories

// ---------------------------------------------------------------------------

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/upgrade-0.1.0")
        .join(name)
}

fn copy_fixture(sb: &Sandbox, name: &str, to: &str) -> PathBuf {
    let dest = sb.join(to);
    copy_dir(&fixture(name), &dest);
    dest
}

// ---------------------------------------------------------------------------
// Conflicts left by an update fail `check` and stop the next `update`
// ---------------------------------------------------------------------------

#[test]
fn conflict_markers_fail_check_and_block_the_next_update() {
    let sb = Sandbox::new();
    let tpl = sb.join("tpl");
    local_template(&tpl, "1.0.0", CONF);
    let tpl_s = tpl.to_str().unwrap().to_string();
    sb.scaffold(sb.path(), &["new", &tpl_s, "notes", "--no-input"])
        .expect_code(0);
    let project = sb.join("notes");
    // Before any conflict, check passes.
    sb.scaffold(&project, &["check", "--offline"])
        .expect_code(0);
    replace_in(&project.join("service.conf"), "retries = 3", "retries = 4");
    sb.commit_all(&project, "team: 4 retries");
    local_template(&tpl, "1.1.0", &CONF.replace("retries = 3", "retries = 5"));
    sb.scaffold(&project, &["update"]).expect_code(1);
    let conf = fs::read_to_string(project.join("service.conf")).unwrap();
    let line = conf.lines().position(|l| l == "<<<<<<< ours").unwrap() + 1;
    sb.commit_all(&project, "update with a conflict");

    // check fails on the markers, naming the file and line.
    let check = sb.scaffold(&project, &["check", "--offline"]);
    check.expect_code(1);
    let needle = format!("service.conf:{line}");
    let json = sb
        .scaffold(&project, &["check", "--offline", "--format", "json"])
        .json();
    let conflicts = &json["projects"][0]["report"]["conflicts"];
    assert_eq!(conflicts[0]["path"], "service.conf", "{json}");
    assert_eq!(conflicts[0]["line"], line, "{json}");
    let github = sb.scaffold(&project, &["check", "--offline", "--format", "github"]);
    github.expect_code(1);
    assert!(
        github.stdout.contains("file=service.conf")
            && github
                .stdout
                .contains(&format!("conflict markers at line {line}")),
        "{}",
        github.stdout
    );

    // A second update refuses, and writes nothing.
    local_template(&tpl, "1.2.0", &CONF.replace("retries = 3", "retries = 6"));
    let refused = sb.scaffold(&project, &["update"]);
    refused.expect_code(2);
    assert!(
        refused.stderr.contains("unresolved conflict"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains(&needle), "{}", refused.stderr);
    assert_eq!(
        fs::read_to_string(project.join("service.conf")).unwrap(),
        conf
    );

    // Resolved by hand: check passes and update runs again.
    let resolved: String = CONF
        .replace("{{ name }}", "notes")
        .replace("{{ port }}", "8080")
        .replace("retries = 3", "retries = 4");
    fs::write(project.join("service.conf"), &resolved).unwrap();
    sb.commit_all(&project, "resolved");
    sb.scaffold(&project, &["check", "--offline"])
        .expect_code(0);
    sb.scaffold(&project, &["update", "--allow-conflicts"])
        .expect_code(1);
}
