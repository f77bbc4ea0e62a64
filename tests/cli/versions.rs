//! Released versions end to end: `NAME@VERSION` for `new`, `show` and `lint`,
//! `list --versions`, `update --to` and `check` behind-ness for built-in projects,
//! changelog entries in `update`, and `update --source` for a template that moved.
//! Expected renders come from the committed release locks
//! (tests/fixtures/releases/*.lock) and expected versions from `list --versions`, never
//! from hand-written lists.

mod env;
mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::{Sandbox, assert_unchanged, definition, snapshot, text, write_files};

/// `path -> "mode hash"` of one example of a release lock.
fn lock_example(name_version: &str, example: usize) -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../tests/fixtures/releases/{name_version}.lock"));
    let lock = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = format!("[example {example}]");
    lock.lines()
        .skip_while(|l| *l != header)
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut parts = l.rsplitn(3, ' ');
            let hash = parts.next().unwrap();
            let mode = parts.next().unwrap();
            let p = parts.next().unwrap();
            (p.to_string(), format!("{mode} {hash}"))
        })
        .collect()
}

/// `path -> "mode hash"` of every file and link under `root`, `.scaffold/` left out.
fn tree_hashes(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in walk(root) {
        let rel = e.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        if rel.starts_with(".scaffold/") {
            continue;
        }
        let meta = fs::symlink_metadata(&e).unwrap();
        let (mode, content) = if meta.file_type().is_symlink() {
            (
                "120000",
                fs::read_link(&e)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
                    .into_bytes(),
            )
        } else {
            use std::os::unix::fs::PermissionsExt;
            let mode = if meta.permissions().mode() & 0o111 != 0 {
                "100755"
            } else {
                "100644"
            };
            (mode, fs::read(&e).unwrap())
        };
        out.insert(rel, format!("{mode} {}", blake3::hash(&content).to_hex()));
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let meta = fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The versions `list --versions --format json` gives for one golden path.
fn listed_versions(sb: &Sandbox, name: &str) -> Vec<Value> {
    let list = sb.scaffold(sb.path(), &["list", "--versions", "--format", "json"]);
    list.expect_code(0);
    list.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("{name} not listed"))["versions"]
        .as_array()
        .unwrap()
        .clone()
}

fn new_builtin(sb: &Sandbox, reference: &str, dest: &str) -> PathBuf {
    sb.scaffold(
        sb.path(),
        &[
            "new",
            reference,
            dest,
            "--set",
            "name=payments-api",
            "--set",
            "owner=team-payments",
            "--no-input",
            "--no-git",
        ],
    )
    .expect_code(0);
    sb.join(dest)
}

fn answers_yaml(project: &Path, name: &str) -> serde_yaml::Value {
    serde_yaml::from_str(
        &fs::read_to_string(project.join(format!(".scaffold/{name}.yaml"))).unwrap(),
    )
    .unwrap()
}

#[test]
fn new_at_a_released_version_renders_it_as_released() {
    let sb = Sandbox::new();
    let project = new_builtin(&sb, "go-microservice@1.0.0", "svc");
    // spec.examples[0] of go-microservice is exactly these answers.
    assert_eq!(
        tree_hashes(&project),
        lock_example("go-microservice@1.0.0", 0),
        "the project differs from the released 1.0.0 render"
    );
    let answers = answers_yaml(&project, "go-microservice");
    assert_eq!(answers["version"], "1.0.0");
    assert_eq!(answers["source"]["type"], "builtin");
    assert!(answers["source"]["engine_version"].is_string());
}

#[test]
fn latest_is_the_head() {
    let sb = Sandbox::new();
    let head = new_builtin(&sb, "go-microservice", "head");
    let latest = new_builtin(&sb, "go-microservice@latest", "latest");
    assert_eq!(tree_hashes(&head), tree_hashes(&latest));
    let versions = listed_versions(&sb, "go-microservice");
    assert_eq!(
        answers_yaml(&latest, "go-microservice")["version"],
        versions[0]["version"].as_str().unwrap()
    );
}

#[test]
fn unknown_and_invalid_versions_are_errors_that_write_nothing() {
    let sb = Sandbox::new();
    let before = snapshot(sb.path());
    let run = sb.scaffold(
        sb.path(),
        &[
            "new",
            "go-microservice@9.9.9",
            "svc",
            "--no-input",
            "--set",
            "owner=t",
        ],
    );
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("golden path `go-microservice` has no version 9.9.9; available: "),
        "{}",
        run.stderr
    );
    for v in listed_versions(&sb, "go-microservice") {
        assert!(
            run.stderr.contains(v["version"].as_str().unwrap()),
            "{}",
            run.stderr
        );
    }
    let run = sb.scaffold(
        sb.path(),
        &[
            "new",
            "go-microservice@one",
            "svc",
            "--no-input",
            "--set",
            "owner=t",
        ],
    );
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("`one` is not a version of golden path `go-microservice`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"));
    let run = sb.scaffold(sb.path(), &["show", "go-microservic@1.0.0"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("unknown golden path `go-microservic`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`go-microservice`"), "{}", run.stderr);
    assert_unchanged(sb.path(), &before, "a refused version");
}

#[test]
fn list_versions_is_newest_first_with_one_latest() {
    let sb = Sandbox::new();
    let versions = listed_versions(&sb, "go-microservice");
    let parsed: Vec<semver::Version> = versions
        .iter()
        .map(|v| semver::Version::parse(v["version"].as_str().unwrap()).unwrap())
        .collect();
    assert!(
        parsed.contains(&semver::Version::new(1, 0, 0)),
        "{versions:?}"
    );
    let mut sorted = parsed.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(parsed, sorted, "not newest first, or a version twice");
    let latest: Vec<bool> = versions.iter().map(|v| v["latest"] == true).collect();
    assert!(
        latest[0] && latest.iter().filter(|l| **l).count() == 1,
        "{versions:?}"
    );

    let human = sb.scaffold(sb.path(), &["list", "--versions"]);
    human.expect_code(0);
    for v in &versions {
        let line = human
            .stdout
            .lines()
            .find(|l| {
                l.starts_with("go-microservice") && l.contains(v["version"].as_str().unwrap())
            })
            .unwrap_or_else(|| panic!("no line for {v}:\n{}", human.stdout));
        assert_eq!(line.contains("(latest)"), v["latest"] == true, "{line}");
    }
}

#[test]
fn show_and_lint_take_a_version() {
    let sb = Sandbox::new();
    let run = sb.scaffold(
        sb.path(),
        &["show", "go-microservice@1.0.0", "--format", "json"],
    );
    run.expect_code(0);
    let v = run.json();
    assert_eq!(v["version"], "1.0.0");
    assert_eq!(v["changelog_newest"]["version"], "1.0.0");
    let human = sb.scaffold(sb.path(), &["show", "go-microservice@1.0.0"]);
    human.expect_code(0);
    assert!(
        human
            .stdout
            .contains("Changelog 1.0.0 (2026-12-01): First release"),
        "{}",
        human.stdout
    );
    let lint = sb.scaffold(sb.path(), &["lint", "go-microservice@1.0.0"]);
    lint.expect_code(0);
    assert!(
        lint.stdout.contains("built-in go-microservice@1.0.0:"),
        "{}",
        lint.stdout
    );
}

#[test]
fn update_to_a_built_in_version() {
    let sb = Sandbox::new();
    let project = new_builtin(&sb, "go-microservice@1.0.0", "svc");
    let before = snapshot(&project);
    // Built-in sources take --to now; the project is at 1.0.0 already.
    let run = sb.scaffold(&project, &["update", "--to", "1.0.0", "--format", "json"]);
    run.expect_code(0);
    let plan = run.json();
    assert_eq!(plan["from_version"], "1.0.0");
    assert_eq!(plan["to_version"], "1.0.0");
    assert_eq!(plan["changelog"], json!([]));
    assert_unchanged(&project, &before, "update --to the recorded version");

    let run = sb.scaffold(&project, &["update", "--to", "9.9.9"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("has no version 9.9.9"),
        "{}",
        run.stderr
    );
    let run = sb.scaffold(&project, &["update", "--to", "main"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("`main` is not a version"),
        "{}",
        run.stderr
    );
    assert_unchanged(&project, &before, "a refused --to");

    let latest = listed_versions(&sb, "go-microservice")[0]["version"]
        .as_str()
        .unwrap()
        .to_string();
    let run = sb.scaffold(
        &project,
        &["update", "--to", "latest", "--dry-run", "--format", "json"],
    );
    run.expect_code(0);
    assert_eq!(run.json()["to_version"], latest.as_str());
}

#[test]
fn a_downgrade_is_refused_unless_allowed() {
    let sb = Sandbox::new();
    let versions = listed_versions(&sb, "go-microservice");
    let (newest, oldest) = (
        versions[0]["version"].as_str().unwrap(),
        versions.last().unwrap()["version"].as_str().unwrap(),
    );
    assert_ne!(newest, oldest, "go-microservice has several releases");
    let project = new_builtin(&sb, &format!("go-microservice@{newest}"), "svc");
    let before = snapshot(&project);

    let run = sb.scaffold(&project, &["update", "--to", oldest]);
    run.expect_code(2);
    assert!(
        run.stderr.contains(&format!(
            "from {newest} to the older version {oldest}: a downgrade takes back"
        )) && run.stderr.contains("or pass --allow-downgrade"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("allow_downgrade"), "{}", run.stderr);
    assert_unchanged(&project, &before, "a refused downgrade");

    // Allowed, it is an update like any other: the project becomes the older release.
    let run = sb.scaffold(
        &project,
        &[
            "update",
            "--to",
            oldest,
            "--allow-downgrade",
            "--format",
            "json",
        ],
    );
    run.expect_code(0);
    let plan = run.json();
    assert_eq!(plan["from_version"], newest);
    assert_eq!(plan["to_version"], oldest);
    assert_eq!(answers_yaml(&project, "go-microservice")["version"], oldest);
    // An unedited project becomes the older release's render, except seed files, which
    // update keeps whatever the version.
    let kept: Vec<&str> = plan["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["action"] == "kept")
        .map(|f| {
            assert_eq!(f["policy"], "seed", "only seed files are kept: {f}");
            f["path"].as_str().unwrap()
        })
        .collect();
    let older = lock_example(&format!("go-microservice@{oldest}"), 0);
    let mut got = tree_hashes(&project);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        older.keys().collect::<Vec<_>>(),
        "the older release's paths"
    );
    got.retain(|p, _| !kept.contains(&p.as_str()));
    let mut want = older;
    want.retain(|p, _| !kept.contains(&p.as_str()));
    assert!(want.len() > 30, "most paths are compared: {}", want.len());
    assert_eq!(
        got, want,
        "an allowed downgrade gives the older release's render"
    );
}

#[test]
fn check_counts_built_in_versions_behind() {
    let sb = Sandbox::new();
    let project = new_builtin(&sb, "go-microservice@1.0.0", "svc");
    let versions = listed_versions(&sb, "go-microservice");
    let latest = versions[0]["version"].as_str().unwrap().to_string();
    let newer_than = |v: &str| {
        let v = semver::Version::parse(v).unwrap();
        versions
            .iter()
            .filter(|x| semver::Version::parse(x["version"].as_str().unwrap()).unwrap() > v)
            .count()
    };
    let run = sb.scaffold(&project, &["check", "--offline", "--format", "json"]);
    let report = run.json();
    let p = &report["projects"][0]["report"];
    assert_eq!(p["latest"], latest.as_str(), "{report}");
    let behind_now = newer_than("1.0.0");
    if behind_now == 0 {
        assert!(p["behind"].is_null(), "{report}");
    } else {
        assert_eq!(p["behind"]["versions"], behind_now, "{report}");
    }
    // Pretend the project was made from an older release than any shipped.
    let answers = project.join(".scaffold/go-microservice.yaml");
    let text = fs::read_to_string(&answers).unwrap();
    fs::write(
        &answers,
        text.replacen("version: 1.0.0", "version: 0.9.0", 1),
    )
    .unwrap();
    let run = sb.scaffold(
        &project,
        &[
            "check",
            "--offline",
            "--fail-on",
            "behind",
            "--format",
            "json",
        ],
    );
    run.expect_code(1);
    let report = run.json();
    let p = &report["projects"][0]["report"];
    assert_eq!(p["behind"]["versions"], newer_than("0.9.0"), "{report}");
    assert_eq!(p["behind"]["current"], "0.9.0");
    assert_eq!(p["behind"]["latest"], latest.as_str());
    let human = sb.scaffold(&project, &["check", "--offline", "--fail-on", "behind"]);
    let n = newer_than("0.9.0");
    let expected = if n == 1 {
        "behind: 1 version (0.9.0 -> ".to_string()
    } else {
        format!("behind: {n} versions (0.9.0 -> ")
    };
    assert!(human.stdout.contains(&expected), "{}", human.stdout);
}

/// A local golden path `svc` (one file, `README.md`) with a changelog beside it.
fn local_template(dir: &Path, version: &str, readme: &str, changelog: &str) {
    let params =
        json!({"type": "object", "properties": {"name": {"type": "string", "default": "svc"}}});
    write_files(
        dir,
        &[
            (
                "golden-path.yaml".to_string(),
                text(&definition("svc", version, &params, &Value::Null)),
            ),
            ("skel/README.md".to_string(), text(readme)),
            ("CHANGELOG.md".to_string(), text(changelog)),
        ]
        .into_iter()
        .collect(),
    );
}

const CHANGELOG: &str = "# svc\n\n## 1.2.0 - 2026-12-01\n\n- Third: a longer README.\n\n## 1.1.0\n\n- Second.\n\n## 1.0.0\n\n- First.\n";

#[test]
fn update_prints_the_changelog_between_versions() {
    let sb = Sandbox::new();
    let tpl = sb.join("tpl");
    local_template(&tpl, "1.0.0", "one\n", CHANGELOG);
    let tpl_s = tpl.to_string_lossy().into_owned();
    sb.scaffold(
        sb.path(),
        &["new", &tpl_s, "proj", "--no-input", "--no-git"],
    )
    .expect_code(0);
    let project = sb.join("proj");
    // The template is edited in place to 1.2.0.
    local_template(&tpl, "1.2.0", "one\ntwo\n", CHANGELOG);
    let dry = sb.scaffold(&project, &["update", "--dry-run", "--format", "json"]);
    dry.expect_code(0);
    let plan = dry.json();
    assert_eq!(
        plan["changelog"],
        json!([
            {"version": "1.2.0", "date": "2026-12-01", "body": "- Third: a longer README."},
            {"version": "1.1.0", "body": "- Second."}
        ])
    );
    let run = sb.scaffold(&project, &["update"]);
    run.expect_code(0);
    let at = |needle: &str| {
        run.stdout
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing:\n{}", run.stdout))
    };
    assert!(at("Changes in svc") < at("1.2.0 (2026-12-01)"));
    assert!(at("1.2.0 (2026-12-01)") < at("- Third: a longer README."));
    assert!(at("- Third: a longer README.") < at("- Second."));
    assert!(!run.stdout.contains("- First."), "{}", run.stdout);
    assert_eq!(
        fs::read_to_string(project.join("README.md")).unwrap(),
        "one\ntwo\n"
    );
    // A local definition has one version: --to is refused, writing nothing.
    let before = snapshot(&project);
    let run = sb.scaffold(&project, &["update", "--to", "1.0.0"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("has one version only"),
        "{}",
        run.stderr
    );
    assert_unchanged(&project, &before, "update --to of a local source");
}

#[test]
fn update_source_records_a_moved_template() {
    let sb = Sandbox::new();
    let tpl = sb.join("old/tpl");
    local_template(&tpl, "1.0.0", "one\n", CHANGELOG);
    let tpl_s = tpl.to_string_lossy().into_owned();
    sb.scaffold(
        sb.path(),
        &["new", &tpl_s, "proj", "--no-input", "--no-git"],
    )
    .expect_code(0);
    let project = sb.join("proj");
    // The template moves, and gets a new version on the way.
    let moved = sb.join("new/tpl");
    fs::create_dir_all(sb.join("new")).unwrap();
    fs::rename(&tpl, &moved).unwrap();
    local_template(&moved, "1.1.0", "one\ntwo\n", CHANGELOG);
    let before = snapshot(&project);
    let run = sb.scaffold(&project, &["update"]);
    run.expect_code(2);
    assert!(run.stderr.contains("no longer exists"), "{}", run.stderr);
    assert!(
        run.stderr.contains("run `scaffold update --source NEW`"),
        "{}",
        run.stderr
    );
    let run = sb.scaffold(&project, &["check"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains(
            "is gone: restore it, or point the project at the golden path's new location"
        ),
        "{}",
        run.stderr
    );
    assert_unchanged(&project, &before, "update from a source that is gone");

    // A source of another golden path is refused.
    let other = sb.join("other");
    let params = json!({"type": "object"});
    write_files(
        &other,
        &[
            (
                "golden-path.yaml".to_string(),
                text(&definition("other", "1.0.0", &params, &Value::Null)),
            ),
            ("skel/x".to_string(), text("x\n")),
        ]
        .into_iter()
        .collect(),
    );
    let run = sb.scaffold(&project, &["update", "--source", &other.to_string_lossy()]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("defines golden path `other`, not `svc`"),
        "{}",
        run.stderr
    );
    assert_unchanged(&project, &before, "update --source of another golden path");

    let moved_s = moved.to_string_lossy().into_owned();
    let run = sb.scaffold(
        &project,
        &["update", "--source", &moved_s, "--format", "json"],
    );
    run.expect_code(0);
    let plan = run.json();
    assert_eq!(plan["to_version"], "1.1.0");
    assert_eq!(plan["changelog"][0]["version"], "1.1.0");
    let recorded = answers_yaml(&project, "svc");
    let def = fs::canonicalize(moved.join("golden-path.yaml")).unwrap();
    assert_eq!(recorded["source"]["type"], "local");
    assert_eq!(recorded["source"]["path"], def.to_string_lossy().as_ref());
    assert_eq!(recorded["version"], "1.1.0");
    assert_eq!(
        fs::read_to_string(project.join("README.md")).unwrap(),
        "one\ntwo\n"
    );
    // From now on the recorded source is the new one.
    sb.scaffold(&project, &["update"]).expect_code(0);
    sb.scaffold(&project, &["check"]).expect_code(0);
}

#[test]
fn update_source_follows_a_moved_git_repository() {
    let sb = Sandbox::new();
    let params = json!({"type": "object"});
    let mut repo = support::TemplateRepo::init(&sb.join("old.git"));
    for (tag, readme) in [
        ("v1.0.0", "a\nb\nc\nd\ne\n"),
        ("v1.1.0", "a\nb\nc\nd\ne\nf\n"),
    ] {
        let def = definition("svc", tag, &params, &Value::Null);
        let skel: support::Files = [("README.md".to_string(), text(readme))]
            .into_iter()
            .collect();
        repo.commit_tag(
            tag,
            &support::template_tree("golden-path.yaml", &def, "skel/", &skel),
        );
    }
    let old = repo.source(None, Some("v1.0.0"));
    sb.scaffold(sb.path(), &["new", &old, "proj", "--no-input", "--no-git"])
        .expect_code(0);
    let project = sb.join("proj");
    fs::write(project.join("README.md"), "A\nb\nc\nd\ne\n").unwrap();
    // The repository moves; only the cache still has the recorded commit.
    fs::rename(sb.join("old.git"), sb.join("new.git")).unwrap();
    let before = snapshot(&project);
    let run = sb.scaffold(&project, &["update"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("cannot reach git repository"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--source NEW"), "{}", run.stderr);
    assert_unchanged(&project, &before, "update from a repository that moved");

    let new = format!("git+{}", sb.join("new.git").display());
    let run = sb.scaffold(&project, &["update", "--source", &new, "--format", "json"]);
    run.expect_code(0);
    let plan = run.json();
    assert_eq!(plan["to_version"], "v1.1.0");
    assert_eq!(plan["exact_base"], true, "{plan}");
    // The base (v1.0.0 from the cache) makes the edits on both sides merge cleanly.
    assert_eq!(
        fs::read_to_string(project.join("README.md")).unwrap(),
        "A\nb\nc\nd\ne\nf\n"
    );
    let recorded = answers_yaml(&project, "svc");
    assert_eq!(
        recorded["source"]["url"],
        format!("file://{}", sb.join("new.git").display()).as_str(),
        "{recorded:?}"
    );
    sb.scaffold(&project, &["update"]).expect_code(0);
}

#[test]
fn a_library_golden_path_has_its_one_version() {
    let sb = Sandbox::new();
    local_template(&sb.join("lib/svc"), "1.2.0", "one\n", CHANGELOG);
    let lib = sb.join("lib").to_string_lossy().into_owned();
    let run = sb.scaffold(
        sb.path(),
        &["--templates", &lib, "show", "svc@1.2.0", "--format", "json"],
    );
    run.expect_code(0);
    assert_eq!(run.json()["version"], "1.2.0");
    assert_eq!(run.json()["changelog_newest"]["version"], "1.2.0");
    let run = sb.scaffold(sb.path(), &["--templates", &lib, "show", "svc@1.1.0"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("golden path `svc` has no version 1.1.0; available: 1.2.0"),
        "{}",
        run.stderr
    );
    let run = sb.scaffold(
        sb.path(),
        &[
            "--templates",
            &lib,
            "list",
            "--versions",
            "--format",
            "json",
        ],
    );
    run.expect_code(0);
    let svc = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "svc")
        .cloned()
        .unwrap();
    assert_eq!(svc["versions"].as_array().unwrap().len(), 1, "{svc}");
    assert_eq!(svc["versions"][0]["version"], "1.2.0");
}
