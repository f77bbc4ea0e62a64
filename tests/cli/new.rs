//! `scaffold new` end to end: the real binary in a sandbox, on the small fixture golden
//! paths of `tests/fixtures/golden-paths/` (and the built-in go-microservice for the
//! README command). Rendering rules (SPEC §3), answers (§9), the answers file (§4),
//! git, preview (§8), `list`/`show`/`completions`, and every kind of bad input, each
//! checked for its message, exit code 2 and an untouched destination.

mod common;
mod env;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{Node, Sandbox, listing, names_in, read, read_tree};
use serde_json::{Value, json};

/// `scaffold new render-rules DEST --templates lib ARGS`, owner always answered.
fn new_render_rules(sb: &Sandbox, dest: &str, args: &[&str]) -> common::Run {
    sb.fixture_with_empty_dir("render-rules", "base/var/empty");
    let lib = sb.lib();
    let mut all = vec![
        "new",
        "render-rules",
        dest,
        "--templates",
        lib.to_str().unwrap(),
        "--set",
        "owner=team-a",
        "--no-input",
    ];
    all.extend_from_slice(args);
    sb.run(&all)
}

fn file(tree: &std::collections::BTreeMap<String, Node>, path: &str) -> (u32, Vec<u8>) {
    match tree.get(path) {
        Some(Node::File { mode, bytes }) => (*mode, bytes.clone()),
        other => panic!("`{path}` is not a file: {other:?}"),
    }
}

fn text(tree: &std::collections::BTreeMap<String, Node>, path: &str) -> String {
    String::from_utf8(file(tree, path).1).expect("utf-8")
}

/// Assert that `dir` holds exactly what it held before.
#[track_caller]
fn assert_untouched(dir: &Path, before: &std::collections::BTreeMap<String, Node>) {
    assert_eq!(&read_tree(dir), before, "{} was modified", dir.display());
}

// ---------------------------------------------------------------------------------
// Rendering rules
// ---------------------------------------------------------------------------------

#[test]
fn renders_every_rule_of_the_skeleton() {
    let sb = Sandbox::new();
    let run = new_render_rules(&sb, "demo", &["--no-git"]);
    run.success();
    let dest = sb.work().join("demo");
    let src = sb.lib().join("render-rules/base");
    let tree = read_tree(&dest);

    // `.tera` files are rendered and lose the suffix; the answers, schema defaults,
    // computed values (in order, one using another) and `scaffold` are in the context.
    assert_eq!(
        text(&tree, "README.md"),
        "# demo\n\nOwner: team-a\nPort: 8080\nTier: 2\nImage: registry.example.com/demo:latest\nConst: DEMO\nGolden path: render-rules 1.2.3\n"
    );
    assert!(
        tree.keys().all(|p| !p.ends_with(".tera")),
        "{}",
        listing(&dest)
    );
    // Everything else is copied byte for byte, template syntax and binaries included.
    assert_eq!(
        file(&tree, "raw.yaml").1,
        fs::read(src.join("raw.yaml")).unwrap()
    );
    assert_eq!(
        file(&tree, "logo.png").1,
        fs::read(src.join("logo.png")).unwrap()
    );
    // The executable bit is kept, for copied and rendered files alike.
    let (mode, bytes) = file(&tree, "tool.sh");
    assert_ne!(mode & 0o100, 0, "tool.sh lost its executable bit");
    assert_eq!(bytes, fs::read(src.join("tool.sh")).unwrap());
    let (mode, bytes) = file(&tree, "run.sh");
    assert_ne!(mode & 0o100, 0, "run.sh lost its executable bit");
    assert_eq!(bytes, b"#!/bin/sh\necho \"demo on 8080\"\n");
    assert_eq!(
        file(&tree, "README.md").0 & 0o111,
        0,
        "README.md became executable"
    );
    // Rendered directory names; names that render empty drop the file or directory.
    assert_eq!(text(&tree, "src/core/mod.txt"), "module demo\n");
    assert!(!tree.contains_key("CHANGELOG.md") && !tree.contains_key("docs"));
    // A later layer wins; a layer whose `when` is false is left out.
    assert_eq!(text(&tree, "shared.txt"), "from overlay\n");
    assert!(!tree.contains_key("db.sql"));
    // Excludes.
    assert!(!tree.contains_key("notes.swp") && !tree.contains_key("ignored"));
    // Symbolic links inside the skeleton and empty directories are kept.
    assert_eq!(tree.get("link.yaml"), Some(&Node::Link("raw.yaml".into())));
    assert_eq!(tree.get("var/empty"), Some(&Node::Dir));
    assert!(names_in(&dest.join("var/empty")).is_empty());
    // Arrays and objects reach templates as values.
    assert_eq!(
        text(&tree, "config.json"),
        "{\"tags\": [], \"labels\": {}, \"docs\": false}\n"
    );
    assert!(!dest.join(".git").exists(), "--no-git still created .git");
    size_filters().bind(|| insta::assert_snapshot!("render_rules_tree", listing(&dest)));
    insta::assert_snapshot!("render_rules_stdout", run.transcript());
}

#[test]
fn when_true_adds_the_layer_and_conditional_names_appear() {
    let sb = Sandbox::new();
    new_render_rules(
        &sb,
        "demo-db",
        &[
            "--no-git",
            "--set",
            "database=postgres",
            "--set",
            "with_docs=true",
        ],
    )
    .success();
    let tree = read_tree(&sb.work().join("demo-db"));
    assert_eq!(text(&tree, "db.sql"), "CREATE DATABASE demo_db;\n");
    assert_eq!(text(&tree, "docs/guide.md"), "Guide for demo-db\n");
    assert_eq!(text(&tree, "CHANGELOG.md"), "changes\n");
    assert_eq!(
        text(&tree, "config.json"),
        "{\"tags\": [], \"labels\": {}, \"docs\": true}\n"
    );
}

#[test]
fn custom_delimiters_from_spec_syntax() {
    let sb = Sandbox::new();
    let gp = sb.fixture("custom-syntax");
    sb.run(&["new", gp.to_str().unwrap(), "web", "--no-input", "--no-git"])
        .success();
    let tree = read_tree(&sb.work().join("web"));
    assert_eq!(
        text(&tree, "values.yaml"),
        "\nname: web\nchart: web-chart\nreplicas: {{ .Values.replicas }}\npublic: true\nrun: ${{ github.run_id }} {% raw %}\n"
    );
    // A name in the custom syntax is rendered; `{{ }}` in a name is not syntax here.
    assert_eq!(text(&tree, "web.txt"), "file for web\n");
    assert_eq!(text(&tree, "{{ name }}.txt"), "kept {{ name }}\n");
    // `when` uses the custom delimiters too.
    assert_eq!(
        text(&tree, "Chart.yaml"),
        "apiVersion: v2\nname: web-chart\n"
    );

    sb.run(&[
        "new",
        gp.to_str().unwrap(),
        "nohelm",
        "--set",
        "helm=false",
        "--no-input",
        "--no-git",
    ])
    .success();
    assert!(!sb.work().join("nohelm/Chart.yaml").exists());
    assert!(sb.work().join("nohelm/nohelm.txt").is_file());
}

// ---------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------

#[test]
fn set_values_are_typed_by_the_schema() {
    let sb = Sandbox::new();
    new_render_rules(
        &sb,
        "typed",
        &[
            "--no-git",
            "--set",
            "port=9090",
            "--set",
            "with_docs=yes",
            "--set",
            r#"tags=["a","b"]"#,
            "--set",
            r#"labels={"team":{"n":1}}"#,
            "--set",
            "tier=3",
        ],
    )
    .success();
    let dest = sb.work().join("typed");
    let tree = read_tree(&dest);
    assert!(text(&tree, "README.md").contains("Port: 9090\nTier: 3\n"));
    assert_eq!(
        text(&tree, "config.json"),
        "{\"tags\": [\"a\",\"b\"], \"labels\": {\"team\":{\"n\":1}}, \"docs\": true}\n"
    );
    let answers: Value =
        serde_yaml::from_str(&read(dest.join(".scaffold/render-rules.yaml"))).unwrap();
    let a = &answers["answers"];
    assert_eq!(a["port"], json!(9090), "port must be an integer: {a}");
    assert_eq!(a["with_docs"], json!(true));
    assert_eq!(a["tags"], json!(["a", "b"]));
    assert_eq!(a["labels"], json!({"team": {"n": 1}}));
    assert_eq!(a["tier"], json!("3"), "an enum of strings stays a string");
}

#[test]
fn values_files_yaml_and_json_with_set_winning() {
    let sb = Sandbox::new();
    let yaml = sb.root().join("answers.yaml");
    fs::write(&yaml, "owner: team-yaml\nport: 9000\ntags: [x]\n").unwrap();
    new_render_rules(
        &sb,
        "from-yaml",
        &[
            "--no-git",
            "--values",
            yaml.to_str().unwrap(),
            "--set",
            "port=9001",
        ],
    )
    .success();
    let readme = read(sb.work().join("from-yaml/README.md"));
    // --set (owner=team-a from the helper, port=9001) wins over the file.
    assert!(readme.contains("Owner: team-a\nPort: 9001\n"), "{readme}");
    assert!(read(sb.work().join("from-yaml/config.json")).contains("[\"x\"]"));

    let json_file = sb.root().join("answers.json");
    fs::write(
        &json_file,
        r#"{"name": "from-json", "port": 9002, "tier": "1"}"#,
    )
    .unwrap();
    let lib = sb.lib();
    sb.run(&[
        "new",
        "render-rules",
        "--templates",
        lib.to_str().unwrap(),
        "--values",
        json_file.to_str().unwrap(),
        "--set",
        "owner=team-json",
        "--no-input",
        "--no-git",
    ])
    .success();
    // No DEST: ./<name answer>.
    let readme = read(sb.work().join("from-json/README.md"));
    assert!(
        readme.contains("Owner: team-json\nPort: 9002\nTier: 1\n"),
        "{readme}"
    );
}

#[test]
fn dest_defaults_to_the_name_answer() {
    let sb = Sandbox::new();
    let lib = sb.lib();
    sb.fixture("tiny");
    sb.run(&[
        "new",
        "tiny",
        "--templates",
        lib.to_str().unwrap(),
        "--set",
        "name=hello",
        "--no-input",
        "--no-git",
    ])
    .success();
    assert_eq!(read(sb.work().join("hello/README.md")), "# hello\n");
    assert_eq!(names_in(&sb.work()), vec!["hello"]);
}

#[test]
fn name_defaults_to_the_dest_directory_name() {
    let sb = Sandbox::new();
    let gp = sb.fixture("tiny");
    sb.run(&[
        "new",
        gp.to_str().unwrap(),
        "nested/my-svc",
        "--no-input",
        "--no-git",
    ])
    .success();
    assert_eq!(
        read(sb.work().join("nested/my-svc/README.md")),
        "# my-svc\n"
    );
}

#[test]
fn answers_file_records_answers_and_a_manifest_of_hashes_and_modes() {
    let sb = Sandbox::new();
    new_render_rules(
        &sb,
        "svc",
        &[
            "--no-git",
            "--set",
            "token=s3cret-value",
            "--set",
            "port=9100",
        ],
    )
    .success();
    let dest = sb.work().join("svc");
    let text = read(dest.join(".scaffold/render-rules.yaml"));
    assert!(
        !text.contains("s3cret-value"),
        "a secret answer reached the disk:\n{text}"
    );
    let af: Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(af["golden_path"], "render-rules");
    assert_eq!(af["version"], "1.2.3");
    assert_eq!(af["source"]["type"], "local");
    assert_eq!(
        af["source"]["path"],
        json!(
            sb.lib()
                .join("render-rules/golden-path.yaml")
                .to_string_lossy()
        )
    );
    assert_eq!(
        af["answers"],
        json!({
            "name": "svc", "owner": "team-a", "port": 9100, "tier": "2",
            "database": "none", "with_docs": false, "module": "core",
            "tags": [], "labels": {}
        })
    );
    // Every generated path is in the manifest, with the hash of what is on disk.
    let manifest = af["manifest"].as_object().expect("manifest map");
    let tree = read_tree(&dest);
    let generated: Vec<&String> = tree
        .iter()
        .filter(|(p, n)| {
            !p.starts_with(".scaffold")
                && (!matches!(n, Node::Dir) || names_in(&dest.join(p)).is_empty())
        })
        .map(|(p, _)| p)
        .collect();
    let in_manifest: Vec<&String> = manifest.keys().collect();
    assert_eq!(in_manifest, generated);
    for (path, entry) in manifest {
        let (bytes, mode) = match &tree[path] {
            Node::File { mode, bytes } => (
                bytes.clone(),
                if mode & 0o111 != 0 {
                    "100755"
                } else {
                    "100644"
                },
            ),
            Node::Link(t) => (t.clone().into_bytes(), "120000"),
            Node::Dir => (Vec::new(), "040000"),
        };
        assert_eq!(
            entry["hash"].as_str().unwrap(),
            scaffold_core::tree::hash_bytes(&bytes),
            "{path}"
        );
        let hash = entry["hash"].as_str().unwrap();
        assert!(
            hash.starts_with("blake3:") && hash.len() == 7 + 64,
            "{hash}"
        );
        assert_eq!(entry["mode"], mode, "{path}");
    }
    assert_eq!(manifest["CODEOWNERS"]["policy"], "enforced");
    assert_eq!(manifest["src/core/mod.txt"]["policy"], "seed");
    assert_eq!(manifest["README.md"]["policy"], "merged");
}

// ---------------------------------------------------------------------------------
// git
// ---------------------------------------------------------------------------------

#[test]
fn new_initialises_git_with_a_first_commit() {
    let sb = Sandbox::new();
    new_render_rules(&sb, "repo", &[]).success();
    let dest = sb.work().join("repo");
    let repo = git2::Repository::open(&dest).expect("a git repository in DEST");
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.parent_count(), 0);
    let tree = head.tree().unwrap();
    for path in [
        "README.md",
        ".scaffold/render-rules.yaml",
        "src/core/mod.txt",
    ] {
        assert!(
            tree.get_path(Path::new(path)).is_ok(),
            "{path} not committed"
        );
    }
    assert_eq!(
        tree.get_path(Path::new("run.sh")).unwrap().filemode(),
        0o100755
    );
    assert_eq!(
        tree.get_path(Path::new("link.yaml")).unwrap().filemode(),
        0o120000
    );
    // Everything generated is committed: the work tree is clean.
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true).recurse_untracked_dirs(true);
    let statuses = repo.statuses(Some(&mut opts)).unwrap();
    let dirty: Vec<String> = statuses
        .iter()
        .filter_map(|s| s.path().ok().map(str::to_string))
        .collect();
    assert!(dirty.is_empty(), "uncommitted after new: {dirty:?}");
}

#[test]
fn no_nested_repository_inside_an_existing_work_tree() {
    let sb = Sandbox::new();
    let outer = sb.work().join("mono");
    git2::Repository::init(&outer).unwrap();
    new_render_rules(&sb, "mono/services/svc", &[]).success();
    assert!(outer.join("services/svc/README.md").is_file());
    assert!(!outer.join("services/svc/.git").exists());
}

// ---------------------------------------------------------------------------------
// Preview
// ---------------------------------------------------------------------------------

fn size_filters() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    // The answers file embeds the (temp) definition path, so its size varies.
    s.add_filter(r"\d+ +(\.scaffold/)", "[N] $1");
    s.add_filter(r"\d+ entries, [\d.]+ (B|KiB)", "[N] entries, [SIZE]");
    s
}

#[test]
fn dry_run_prints_the_tree_and_writes_nothing() {
    let sb = Sandbox::new();
    let run = new_render_rules(&sb, "preview", &["--dry-run"]);
    run.success();
    assert!(!sb.work().join("preview").exists());
    assert_eq!(names_in(&sb.work()), Vec::<String>::new());
    for needle in [
        "README.md",
        "run.sh",
        "100755",
        "120000",
        "var/empty",
        "base",
        "overlay",
        "layer postgres: `when: database == 'postgres'` is false",
        "its name rendered empty",
        "excluded by spec.files.exclude",
        "overridden by layer overlay",
    ] {
        assert!(run.stdout.contains(needle), "{needle:?}\n{}", run.stdout);
    }
    size_filters().bind(|| insta::assert_snapshot!("dry_run", run.transcript()));
}

#[test]
fn dry_run_diff_shows_the_content() {
    let sb = Sandbox::new();
    let gp = sb.fixture("tiny");
    let run = sb.run(&[
        "new",
        gp.to_str().unwrap(),
        "hello",
        "--no-input",
        "--dry-run",
        "--diff",
    ]);
    run.success();
    assert!(!sb.work().join("hello").exists());
    assert!(
        run.stdout
            .contains("+++ b/README.md\n@@ -0,0 +1 @@\n+# hello\n")
    );
    let mut s = size_filters();
    // The answers file's content holds the temp path and the engine version.
    s.add_filter(
        r"(?s)\+\+\+ b/\.scaffold/tiny\.yaml\n.*?\n\n",
        "[ANSWERS FILE DIFF]\n\n",
    );
    s.bind(|| insta::assert_snapshot!("dry_run_diff", run.transcript()));
}

#[test]
fn dry_run_json_with_and_without_diff() {
    let sb = Sandbox::new();
    let run = new_render_rules(&sb, "preview", &["--dry-run", "--format", "json"]);
    run.success();
    assert!(!sb.work().join("preview").exists());
    let v: Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(v["dry_run"], true);
    let entries = v["entries"].as_array().unwrap();
    let readme = entries
        .iter()
        .find(|e| e["path"] == "README.md")
        .expect("README.md entry");
    assert_eq!(readme["mode"], "100644");
    assert_eq!(readme["layer"], "base");
    assert_eq!(readme["status"], "create");
    let expected = "# preview\n\nOwner: team-a\nPort: 8080\nTier: 2\nImage: registry.example.com/preview:latest\nConst: PREVIEW\nGolden path: render-rules 1.2.3\n";
    assert_eq!(readme["size"], json!(expected.len()));
    assert!(readme.get("content").is_none());
    let run_sh = entries.iter().find(|e| e["path"] == "run.sh").unwrap();
    assert_eq!(run_sh["mode"], "100755");
    let shared = entries.iter().find(|e| e["path"] == "shared.txt").unwrap();
    assert_eq!(shared["layer"], "overlay");
    let dropped = v["dropped"].as_array().unwrap();
    let reasons: Vec<(String, String)> = dropped
        .iter()
        .map(|d| {
            (
                format!(
                    "{}/{}",
                    d["layer"].as_str().unwrap(),
                    d["source"].as_str().unwrap()
                ),
                d["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for expected in [
        ("postgres/", "layer-disabled"),
        (
            "base/{% if with_docs %}CHANGELOG.md{% endif %}",
            "empty-name",
        ),
        ("base/notes.swp", "excluded"),
        ("base/ignored/file.txt", "excluded"),
        ("base/shared.txt", "overridden"),
    ] {
        assert!(
            reasons.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} not in {reasons:?}"
        );
    }

    let run = new_render_rules(&sb, "preview", &["--dry-run", "--diff", "--format", "json"]);
    run.success();
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let readme = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "README.md")
        .unwrap()
        .clone();
    assert_eq!(readme["content"], expected);
    assert_eq!(names_in(&sb.work()), Vec::<String>::new());
}

#[test]
fn dry_run_over_an_existing_destination_shows_overwrites() {
    let sb = Sandbox::new();
    let dest = sb.work().join("existing");
    fs::create_dir(&dest).unwrap();
    fs::write(dest.join("README.md"), "mine\n").unwrap();
    fs::write(dest.join("shared.txt"), "from overlay\n").unwrap();
    let before = read_tree(&dest);
    let run = new_render_rules(
        &sb,
        "existing",
        &["--dry-run", "--force", "--format", "json"],
    );
    run.success();
    assert_untouched(&dest, &before);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["overwrites"], json!(["README.md"]));
    let status = |p: &str| {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == p)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("README.md"), "overwrite");
    assert_eq!(status("shared.txt"), "unchanged");
    assert_eq!(status("CODEOWNERS"), "create");
}

// ---------------------------------------------------------------------------------
// Existing destinations
// ---------------------------------------------------------------------------------

#[test]
fn non_empty_dest_is_refused_without_force() {
    let sb = Sandbox::new();
    let dest = sb.work().join("taken");
    fs::create_dir(&dest).unwrap();
    fs::write(dest.join("README.md"), "mine\n").unwrap();
    fs::write(dest.join("notes.txt"), "keep\n").unwrap();
    let before = read_tree(&dest);
    let run = new_render_rules(&sb, "taken", &[]);
    run.error_with(&["is not empty", "--force", "`README.md`"]);
    assert_untouched(&dest, &before);
    insta::assert_snapshot!("non_empty_dest", run.transcript());
}

#[test]
fn force_overwrites_and_lists_what_it_overwrote() {
    let sb = Sandbox::new();
    let dest = sb.work().join("taken");
    fs::create_dir(&dest).unwrap();
    fs::write(dest.join("README.md"), "mine\n").unwrap();
    fs::write(dest.join("CODEOWNERS"), "* @someone-else\n").unwrap();
    fs::write(dest.join("notes.txt"), "keep\n").unwrap();
    let run = new_render_rules(&sb, "taken", &["--force", "--no-git"]);
    run.success();
    assert!(
        run.stdout
            .contains("Overwrote 2 existing file(s):\n  CODEOWNERS\n  README.md\n"),
        "{}",
        run.transcript()
    );
    assert!(read(dest.join("README.md")).starts_with("# taken\n"));
    assert_eq!(read(dest.join("notes.txt")), "keep\n");
    assert!(dest.join(".scaffold/render-rules.yaml").is_file());
    insta::assert_snapshot!("force_overwrites", run.transcript());
}

#[test]
fn force_never_writes_through_a_symlinked_directory() {
    let sb = Sandbox::new();
    let dest = sb.work().join("taken");
    let elsewhere = sb.root().join("elsewhere");
    fs::create_dir_all(&dest).unwrap();
    fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dest.join("src")).unwrap();
    fs::write(dest.join("README.md"), "mine\n").unwrap();
    let before = read_tree(&dest);
    let run = new_render_rules(&sb, "taken", &["--force", "--no-git"]);
    run.error_with(&["refusing to write `src/core/mod.txt`", "symbolic link"]);
    assert_untouched(&dest, &before);
    assert!(names_in(&elsewhere).is_empty(), "wrote through the link");
}

// ---------------------------------------------------------------------------------
// Atomicity
// ---------------------------------------------------------------------------------

/// A name longer than any file system allows makes the write fail half-way.
fn too_long() -> String {
    "x".repeat(300)
}

#[test]
fn a_failed_write_leaves_nothing_of_the_new_tree() {
    let sb = Sandbox::new();
    let gp = sb.fixture("path-escape");
    let target = format!("target={}", too_long());
    let run = sb.run(&[
        "new",
        gp.to_str().unwrap(),
        "out",
        "--set",
        &target,
        "--no-input",
    ]);
    run.error_with(&["cannot"]);
    assert_eq!(
        names_in(&sb.work()),
        Vec::<String>::new(),
        "left behind after a failed write"
    );
}

#[test]
fn a_failed_write_with_force_restores_the_existing_tree() {
    let sb = Sandbox::new();
    let gp = sb.fixture("path-escape");
    let dest = sb.work().join("out");
    fs::create_dir(&dest).unwrap();
    fs::write(dest.join("a-first.txt"), "mine\n").unwrap();
    fs::write(dest.join("other.txt"), "other\n").unwrap();
    let before = read_tree(&dest);
    let target = format!("target={}", too_long());
    let run = sb.run(&[
        "new",
        gp.to_str().unwrap(),
        "out",
        "--set",
        &target,
        "--no-input",
        "--force",
    ]);
    run.error_with(&["cannot"]);
    assert_untouched(&dest, &before);
    assert_eq!(names_in(&sb.work()), vec!["out"]);
}

#[test]
fn a_failed_write_leaves_no_parent_directories() {
    let sb = Sandbox::new();
    let gp = sb.fixture("path-escape");
    let target = format!("target={}", too_long());
    let run = sb.run(&[
        "new",
        gp.to_str().unwrap(),
        "deep/er/out",
        "--set",
        &target,
        "--no-input",
    ]);
    run.error_with(&["cannot"]);
    assert_eq!(
        names_in(&sb.work()),
        Vec::<String>::new(),
        "left behind after a failed write"
    );
}

// ---------------------------------------------------------------------------------
// Bad input: a clear message, exit 2, nothing written
// ---------------------------------------------------------------------------------

#[test]
fn unknown_golden_path_suggests_the_closest_names() {
    let sb = Sandbox::new();
    sb.fixture("tiny");
    let lib = sb.lib();
    let run = sb.run(&[
        "new",
        "tinyy",
        "out",
        "--templates",
        lib.to_str().unwrap(),
        "--no-input",
    ]);
    run.error_with(&["unknown golden path `tinyy`", "did you mean `tiny`"]);
    assert!(!sb.work().join("out").exists());
    insta::assert_snapshot!("unknown_golden_path", run.transcript());

    let run = sb.run(&["new", "go-microservise", "out", "--no-input"]);
    run.error_with(&["did you mean `go-microservice`", "scaffold list"]);
    assert!(!sb.work().join("out").exists());
}

#[test]
fn malformed_definition_yaml_names_file_and_line() {
    let sb = Sandbox::new();
    let gp = sb.fixture("malformed-yaml");
    let run = sb.run(&["new", gp.to_str().unwrap(), "out", "--no-input"]);
    run.error_with(&["[TMP]/lib/malformed-yaml/golden-path.yaml:9:"]);
    assert!(!sb.work().join("out").exists());
    insta::assert_snapshot!("malformed_yaml", run.transcript());
}

#[test]
fn parameters_that_are_not_a_json_schema_are_refused() {
    let sb = Sandbox::new();
    let gp = sb.fixture("bad-schema");
    let run = sb.run(&[
        "new",
        gp.to_str().unwrap(),
        "out",
        "--set",
        "name=x",
        "--no-input",
    ]);
    run.error_with(&[
        "[TMP]/lib/bad-schema/golden-path.yaml:12:14:",
        "not a valid JSON Schema",
    ]);
    assert!(!sb.work().join("out").exists());
    insta::assert_snapshot!("invalid_json_schema", run.transcript());
}

#[test]
fn set_of_an_unknown_parameter() {
    let sb = Sandbox::new();
    let run = new_render_rules(&sb, "out", &["--set", "ownr=team-b"]);
    run.error_with(&[
        "unknown parameter `ownr`",
        "did you mean `owner`",
        "scaffold show render-rules",
    ]);
    assert!(!sb.work().join("out").exists());
    insta::assert_snapshot!("unknown_parameter", run.transcript());
}

#[test]
fn set_of_the_wrong_type() {
    let sb = Sandbox::new();
    for (set, needle) in [
        (
            "port=eighty",
            "`port` is an integer, and `eighty` is not one",
        ),
        ("with_docs=maybe", "`with_docs` is a boolean"),
        ("tags=a,b", "`tags` is array and must be given as JSON"),
    ] {
        let run = new_render_rules(&sb, "out", &["--set", set]);
        run.error_with(&[&format!("invalid --set `{set}`"), needle]);
        assert!(!sb.work().join("out").exists());
    }
    // A values file with a wrong type is caught by validation, with its pointer.
    let values = sb.root().join("v.yaml");
    fs::write(&values, "port: not-a-number\n").unwrap();
    let run = new_render_rules(&sb, "out", &["--values", values.to_str().unwrap()]);
    run.error_with(&["/port:", "(HTTP port)"]);
    assert!(!sb.work().join("out").exists());
}

/// The library says "expected key=value"; the CLI names its flag (issue item 4).
#[test]
fn set_without_an_equals_sign_names_the_flag() {
    let sb = Sandbox::new();
    let run = new_render_rules(&sb, "out", &["--set", "port"]);
    run.error_with(&["invalid --set `port`: expected key=value, e.g. --set owner=team-payments"]);
    assert!(!sb.work().join("out").exists());
}

#[test]
fn pattern_mismatch() {
    let sb = Sandbox::new();
    let run = new_render_rules(&sb, "out", &["--set", "name=Bad_Name"]);
    run.error_with(&["/name:", "Bad_Name", "(Service name)", "--set name="]);
    assert!(!sb.work().join("out").exists());
}

#[test]
fn value_outside_an_enum() {
    let sb = Sandbox::new();
    let run = new_render_rules(&sb, "out", &["--set", "tier=7"]);
    run.error_with(&["/tier:", "\"7\"", "(Criticality tier)"]);
    assert!(!sb.work().join("out").exists());
}

#[test]
fn every_answer_problem_is_reported_at_once() {
    let sb = Sandbox::new();
    sb.fixture("render-rules");
    let lib = sb.lib();
    // No owner (required, no default) under --no-input, plus three bad answers.
    let run = sb.run(&[
        "new",
        "render-rules",
        "out",
        "--templates",
        lib.to_str().unwrap(),
        "--set",
        "name=Bad_Name",
        "--set",
        "port=80",
        "--set",
        "tier=7",
        "--no-input",
    ]);
    run.error_with(&[
        "/name:",
        "/owner:",
        "(Owning team)",
        "/port:",
        "(HTTP port)",
        "/tier:",
    ]);
    assert!(!sb.work().join("out").exists());
    insta::assert_snapshot!("all_answer_problems", run.transcript());
}

#[test]
fn set_errors_are_reported_with_every_other_answer_problem() {
    let sb = Sandbox::new();
    sb.fixture("render-rules");
    let lib = sb.lib();
    let run = sb.run(&[
        "new",
        "render-rules",
        "out",
        "--templates",
        lib.to_str().unwrap(),
        "--set",
        "port=eighty",
        "--set",
        "tier=7",
        "--set",
        "ownr=team-a",
        "--no-input",
    ]);
    run.error_with(&["port", "eighty", "/tier:", "ownr", "/owner:"]);
    assert!(!sb.work().join("out").exists());
}

#[test]
fn no_input_lists_every_missing_required_parameter() {
    let sb = Sandbox::new();
    sb.fixture("render-rules");
    let lib = sb.lib();
    let run = sb.run(&[
        "new",
        "render-rules",
        "--templates",
        lib.to_str().unwrap(),
        "--no-input",
    ]);
    run.error_with(&["/name:", "(Service name)", "/owner:", "(Owning team)"]);
    assert_eq!(names_in(&sb.work()), Vec::<String>::new());
}

#[test]
fn parent_dir_answer_in_a_rendered_path_is_refused() {
    let sb = Sandbox::new();
    let gp = sb.fixture("path-escape");
    let run = sb.run(&[
        "new",
        gp.to_str().unwrap(),
        "out",
        "--set",
        "target=../../escaped",
        "--no-input",
    ]);
    run.error_with(&["would leave the destination", "`/target`"]);
    assert!(!sb.work().join("out").exists());
    assert!(!sb.root().join("escaped.txt").exists());
    assert_eq!(names_in(&sb.work()), Vec::<String>::new());
    insta::assert_snapshot!("parent_dir_answer", run.transcript());
}

#[test]
fn absolute_answer_in_a_rendered_path_is_refused() {
    let sb = Sandbox::new();
    let gp = sb.fixture("path-escape");
    let abs = sb.root().join("abs");
    let run = sb.run(&[
        "new",
        gp.to_str().unwrap(),
        "out",
        "--set",
        &format!("target={}", abs.display()),
        "--no-input",
    ]);
    run.error_with(&["would leave the destination", "`/target`"]);
    assert!(!sb.work().join("out").exists());
    assert!(!sb.root().join("abs.txt").exists());
}

#[test]
fn absolute_answer_in_a_nested_rendered_path_is_refused() {
    let sb = Sandbox::new();
    let run = new_render_rules(&sb, "out", &["--set", "module=/etc"]);
    run.error_with(&["`/module`"]);
    assert!(!sb.work().join("out").exists());
}

#[test]
fn name_answer_used_as_default_dest_may_not_leave_the_working_directory() {
    let sb = Sandbox::new();
    let gp = sb.fixture("path-escape");
    let run = sb.run(&[
        "new",
        gp.to_str().unwrap(),
        "--set",
        "name=../escaped",
        "--no-input",
        "--no-git",
    ]);
    let escaped = sb.root().join("escaped");
    let leaked = escaped.exists();
    let _ = fs::remove_dir_all(&escaped);
    assert!(
        !leaked,
        "wrote {} outside the working directory",
        escaped.display()
    );
    run.error_with(&["`/name`"]);
}

#[test]
fn tera_syntax_error_names_file_line_and_column() {
    let sb = Sandbox::new();
    let gp = sb.fixture("tera-syntax");
    let run = sb.run(&["new", gp.to_str().unwrap(), "out", "--no-input"]);
    run.error_with(&["[TMP]/lib/tera-syntax/skeleton/broken.txt.tera:3:"]);
    assert!(!sb.work().join("out").exists());
    insta::assert_snapshot!("tera_syntax_error", run.transcript());
}

#[test]
fn undefined_variable_names_file_line_and_variable() {
    let sb = Sandbox::new();
    let gp = sb.fixture("undefined-var");
    let run = sb.run(&["new", gp.to_str().unwrap(), "out", "--no-input"]);
    run.error_with(&[
        "[TMP]/lib/undefined-var/skeleton/service.yaml.tera:2:",
        "`nmae`",
    ]);
    assert!(!sb.work().join("out").exists());
    insta::assert_snapshot!("undefined_variable", run.transcript());
}

#[test]
fn dest_that_cannot_be_written() {
    let sb = Sandbox::new();
    let gp = sb.fixture("tiny");
    let scratch = sb.root().join("scratch");
    fs::create_dir(&scratch).unwrap();
    let (dest, guard) = if common::permissions_enforced(&scratch) {
        // A read-only parent directory.
        let ro = sb.work().join("ro");
        fs::create_dir(&ro).unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
        (ro.join("svc"), Some(ro))
    } else {
        // Running as root: permissions are not enforced, so use a parent that is a
        // regular file.
        let f = sb.work().join("ro");
        fs::write(&f, "a file, not a directory\n").unwrap();
        (f.join("svc"), None)
    };
    let before = read_tree(&sb.work());
    let run = sb.run(&[
        "new",
        gp.to_str().unwrap(),
        dest.to_str().unwrap(),
        "--no-input",
    ]);
    if let Some(ro) = &guard {
        fs::set_permissions(ro, fs::Permissions::from_mode(0o755)).unwrap();
    }
    run.error_with(&["[TMP]/work/ro"]);
    assert_untouched(&sb.work(), &before);
    assert!(!dest.exists());
}

#[test]
fn dest_under_a_regular_file_names_the_file() {
    let sb = Sandbox::new();
    let gp = sb.fixture("tiny");
    fs::write(sb.work().join("afile"), "x\n").unwrap();
    let run = sb.run(&["new", gp.to_str().unwrap(), "afile/svc", "--no-input"]);
    run.error_with(&["`afile`"]);
    assert!(
        !run.stderr.contains("`afile/svc` is a file"),
        "afile/svc does not exist; its parent is the file\n{}",
        run.transcript()
    );
}

#[test]
fn symlink_pointing_outside_the_skeleton_is_refused() {
    for (name, target) in [
        ("parent", "../../outside.txt"),
        ("deep", "sub/../../golden-path.yaml"),
        ("absolute", "/etc/hostname"),
    ] {
        let sb = Sandbox::new();
        let gp = sb.fixture("tiny");
        std::os::unix::fs::symlink(target, gp.join("skeleton").join(name)).unwrap();
        let run = sb.run(&["new", gp.to_str().unwrap(), "out", "--no-input"]);
        run.error_with(&[
            &format!("symbolic link `[TMP]/lib/tiny/skeleton/{name}` points to `{target}`"),
            "outside its skeleton",
        ]);
        assert_eq!(names_in(&sb.work()), Vec::<String>::new());
        if name == "parent" {
            insta::assert_snapshot!("symlink_outside", run.transcript());
        }
    }
}

#[test]
fn symlink_escaping_through_another_link_is_refused() {
    let sb = Sandbox::new();
    let gp = sb.fixture("tiny");
    let skel = gp.join("skeleton");
    std::os::unix::fs::symlink(".", skel.join("a")).unwrap();
    std::os::unix::fs::symlink("a/../golden-path.yaml", skel.join("b")).unwrap();
    // On disk, skeleton/b resolves to the definition file, outside the skeleton.
    assert_eq!(
        fs::canonicalize(skel.join("b")).unwrap(),
        gp.join("golden-path.yaml")
    );
    let run = sb.run(&["new", gp.to_str().unwrap(), "out", "--no-input"]);
    run.error_with(&["outside its skeleton"]);
    assert_eq!(names_in(&sb.work()), Vec::<String>::new());
}

#[test]
fn definition_at_the_skeleton_root_is_not_generated() {
    let sb = Sandbox::new();
    let gp = sb.lib().join("flat");
    fs::create_dir_all(&gp).unwrap();
    fs::write(
        gp.join("golden-path.yaml"),
        "apiVersion: scaffold/v1\nkind: GoldenPath\nmetadata: {name: flat, version: 1.0.0}\nspec:\n  skeletons: [{path: .}]\n",
    )
    .unwrap();
    fs::write(gp.join("README.md"), "flat\n").unwrap();
    sb.run(&["new", gp.to_str().unwrap(), "out", "--no-input", "--no-git"])
        .success();
    let names = names_in(&sb.work().join("out"));
    assert_eq!(names, vec![".scaffold", "README.md"]);
}

// ---------------------------------------------------------------------------------
// The README command, on the built-in golden path
// ---------------------------------------------------------------------------------

#[test]
fn readme_command_generates_go_microservice() {
    let sb = Sandbox::new();
    let run = sb.run(&[
        "new",
        "go-microservice",
        "payments-api",
        "--set",
        "owner=team-payments",
        "--no-input",
    ]);
    run.success();
    let dest = sb.work().join("payments-api");
    let catalog = read(dest.join("catalog-info.yaml"));
    assert!(catalog.contains("name: payments-api"), "{catalog}");
    assert!(catalog.contains("owner: group:team-payments"), "{catalog}");
    let af: Value =
        serde_yaml::from_str(&read(dest.join(".scaffold/go-microservice.yaml"))).unwrap();
    assert_eq!(af["golden_path"], "go-microservice");
    assert_eq!(af["source"]["type"], "builtin");
    assert_eq!(af["answers"]["name"], "payments-api");
    assert_eq!(af["answers"]["owner"], "team-payments");
    let repo = git2::Repository::open(&dest).expect("git repository");
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert!(
        head.tree()
            .unwrap()
            .get_path(Path::new("catalog-info.yaml"))
            .is_ok()
    );
    assert!(
        run.stdout
            .contains("Created payments-api from go-microservice 1.3.0"),
        "{}",
        run.transcript()
    );
}

// ---------------------------------------------------------------------------------
// list, show, completions, libraries
// ---------------------------------------------------------------------------------

#[test]
fn list_shows_templates_libraries_and_the_builtin_one() {
    let sb = Sandbox::new();
    sb.fixture("tiny");
    sb.fixture("render-rules");
    sb.fixture("malformed-yaml");
    let lib = sb.lib();
    let run = sb.run(&["list", "--templates", lib.to_str().unwrap()]);
    run.success();
    insta::assert_snapshot!("list", run.transcript());

    let run = sb.run(&[
        "list",
        "--templates",
        lib.to_str().unwrap(),
        "--format",
        "json",
    ]);
    run.success();
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "malformed-yaml",
            "render-rules",
            "tiny",
            "add-postgres",
            "add-redis",
            "cli-tool",
            "go-microservice",
            "java-service",
            "node-api",
            "python-api",
            "rust-service",
            "web-app",
            "worker"
        ]
    );
    // The add-on says what it applies to; golden paths apply to nothing.
    assert_eq!(
        v[3]["applies_to"],
        serde_json::json!(["go-microservice", "python-api"])
    );
    assert_eq!(
        v[4]["applies_to"],
        serde_json::json!(["go-microservice", "python-api"])
    );
    assert_eq!(v[5]["applies_to"], serde_json::json!([]));
    let tiny = &v[2];
    assert_eq!(tiny["version"], "0.3.0");
    assert_eq!(tiny["source"], "[TMP]/lib/tiny/golden-path.yaml");
    assert!(
        v[0]["error"]
            .as_str()
            .unwrap()
            .contains("golden-path.yaml:9")
    );
    assert_eq!(v[3]["source"], "built-in");
}

#[test]
fn scaffold_templates_environment_variable_adds_libraries() {
    let sb = Sandbox::new();
    let one = sb.root().join("one");
    let two = sb.root().join("two");
    common::copy_tree(&common::fixtures_dir().join("tiny"), &one.join("tiny"));
    common::copy_tree(
        &common::fixtures_dir().join("custom-syntax"),
        &two.join("custom-syntax"),
    );
    let joined = format!("{}:{}", one.display(), two.display());
    let run = sb.run_cmd(
        sb.cmd()
            .env("SCAFFOLD_TEMPLATES", &joined)
            .args(["list", "--format", "json"]),
    );
    run.success();
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "tiny",
            "custom-syntax",
            "add-postgres",
            "add-redis",
            "cli-tool",
            "go-microservice",
            "java-service",
            "node-api",
            "python-api",
            "rust-service",
            "web-app",
            "worker"
        ]
    );
    // And `new` finds them by name.
    sb.run_cmd(sb.cmd().env("SCAFFOLD_TEMPLATES", &joined).args([
        "new",
        "custom-syntax",
        "web",
        "--no-input",
        "--no-git",
    ]))
    .success();
    assert!(sb.work().join("web/web.txt").is_file());
}

/// `show` lists the tools a generated project needs (`spec.requirements`), in text and
/// JSON, and a definition without them shows no `Requires:` line.
#[test]
fn show_lists_toolchain_requirements() {
    let sb = Sandbox::new();
    let run = sb.run_cmd(sb.cmd().env("COLUMNS", "200").args(["show", "python-api"]));
    run.success();
    assert!(
        run.stdout.contains(
            "Requires: Python 3.11 (the virtualenv, tests and lint), make (the Makefile targets)"
        ),
        "{}",
        run.stdout
    );
    let json = sb.run(&["show", "go-microservice", "--format", "json"]);
    json.success();
    let info: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        info["requirements"][0],
        serde_json::json!({"tool": "Go", "version": ">= 1.26", "purpose": "build and test"})
    );
    std::fs::create_dir(sb.join("lib/skel")).unwrap();
    std::fs::write(sb.join("lib/skel/a.txt"), "a\n").unwrap();
    std::fs::write(
        sb.join("lib/bare.yaml"),
        "apiVersion: scaffold/v1\nkind: GoldenPath\nmetadata: {name: bare, version: 1.0.0}\nspec:\n  skeletons: [{path: skel}]\n",
    )
    .unwrap();
    let bare = sb.run(&["show", "../lib/bare.yaml"]);
    bare.success();
    assert!(!bare.stdout.contains("Requires:"), "{}", bare.stdout);
    std::fs::write(
        sb.join("lib/bad.yaml"),
        "apiVersion: scaffold/v1\nkind: GoldenPath\nmetadata: {name: bad, version: 1.0.0}\nspec:\n  skeletons: [{path: skel}]\n  requirements: [{tool: Go, versions: '1'}]\n",
    )
    .unwrap();
    let run = sb.run(&["show", "../lib/bad.yaml"]);
    assert_ne!(run.code, 0, "an unknown requirement field must be an error");
    assert!(run.stderr.contains("versions"), "{}", run.stderr);
}

/// `show` of a built-in golden path with long descriptions fits 80 columns (COLUMNS),
/// and a wider COLUMNS gives longer lines.
#[test]
fn show_fits_the_width() {
    let sb = Sandbox::new();
    let run = sb.run_cmd(
        sb.cmd()
            .env("COLUMNS", "80")
            .args(["show", "go-microservice"]),
    );
    run.success();
    for line in run.stdout.lines() {
        assert!(line.chars().count() <= 80, "wider than 80: {line}");
    }
    for needle in [
        "\nParameters\n",
        "  name  string, required\n",
        "      default: A Go microservice built on the go-microservice golden path.\n",
        "computed from name, org",
        "constant: 1.26",
        "\nPaths\n  enforced: ",
        "deploy/base/poddisruptionbudget.yaml",
        "  seed: ",
        "\nExamples\n  name=payments-api owner=team-payments\n",
    ] {
        assert!(
            run.stdout.contains(needle),
            "{needle:?} missing:\n{}",
            run.stdout
        );
    }
    let wide = sb.run_cmd(
        sb.cmd()
            .env("COLUMNS", "160")
            .args(["show", "go-microservice"]),
    );
    wide.success();
    assert!(
        wide.stdout.lines().any(|l| l.chars().count() > 80),
        "{}",
        wide.stdout
    );
}

#[test]
fn show_prints_the_parameters() {
    let sb = Sandbox::new();
    sb.fixture("render-rules");
    let lib = sb.lib();
    let run = sb.run_cmd(sb.cmd().env("COLUMNS", "80").args([
        "show",
        "render-rules",
        "--templates",
        lib.to_str().unwrap(),
    ]));
    run.success();
    insta::assert_snapshot!("show", run.transcript());
    // Computed values are described; their templates only with -v.
    assert!(!run.stdout.contains("{{"), "{}", run.stdout);
    let verbose = sb.run_cmd(sb.cmd().env("COLUMNS", "80").args([
        "show",
        "render-rules",
        "-v",
        "--templates",
        lib.to_str().unwrap(),
    ]));
    verbose.success();
    assert!(
        verbose.stdout.contains("= registry.example.com/{{ name }}"),
        "{}",
        verbose.stdout
    );

    let run = sb.run(&[
        "show",
        "render-rules",
        "--templates",
        lib.to_str().unwrap(),
        "--format",
        "json",
    ]);
    run.success();
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["name"], "render-rules");
    assert_eq!(v["version"], "1.2.3");
    let params = v["parameters"].as_array().unwrap();
    let names: Vec<&str> = params.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        vec![
            "name",
            "owner",
            "port",
            "tier",
            "database",
            "with_docs",
            "module",
            "tags",
            "labels",
            "token"
        ]
    );
    let port = &params[2];
    assert_eq!(port["kind"], "integer");
    assert_eq!(port["default"], json!(8080));
    assert_eq!(port["required"], false);
    assert_eq!(params[0]["required"], true);
    assert_eq!(params[3]["choices"], json!(["1", "2", "3"]));
    assert_eq!(params[9]["secret"], true);

    let run = sb.run(&["show", "go-microservice"]);
    run.success();
    assert!(run.stdout.contains("owner"), "{}", run.stdout);
}

#[test]
fn no_color_means_no_escape_codes() {
    let sb = Sandbox::new();
    let gp = sb.fixture("tiny");
    let gp = gp.to_str().unwrap();
    let lib = sb.lib();
    let runs = [
        sb.run(&["list", "--templates", lib.to_str().unwrap()]),
        sb.run(&["show", gp]),
        sb.run(&["new", gp, "x", "--no-input", "--dry-run", "--diff"]),
        sb.run(&[
            "new",
            gp,
            "x",
            "--no-input",
            "--dry-run",
            "--color",
            "never",
        ]),
    ];
    for run in &runs {
        run.success();
        assert!(
            !run.raw_stdout.contains('\x1b') && !run.raw_stderr.contains('\x1b'),
            "escape codes with NO_COLOR=1:\n{:?}",
            run.raw_stdout
        );
    }
}

#[test]
fn completions_for_bash() {
    let sb = Sandbox::new();
    let run = sb.run(&["completions", "bash"]);
    run.success();
    assert!(run.stdout.contains("_scaffold()"), "{}", run.stdout);
    assert!(run.stdout.contains("complete -F _scaffold"));
    for sub in ["list", "show", "new", "lint", "--dry-run", "--no-input"] {
        assert!(run.stdout.contains(sub), "{sub} missing");
    }
    let run = sb.run(&["completions", "no-such-shell"]);
    run.expect_code(2);
}
