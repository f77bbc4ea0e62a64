//! `scaffold check` and `scaffold diff` end to end: the real binary in a sandbox (temp
//! HOME and cache, no system git config, no colour, no network), on a small local
//! golden path written by the tests and on git golden paths built with the `git` CLI
//! (tags v1.0.0, v1.1.0, v1.2.0). Drift statuses and policies, --fail-on rules, every
//! output format, --fix, --render, behind-ness, monorepos and .gitignore, diffs, and
//! every kind of bad input (exit 2 with a clear message).

mod env;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use env::Sandbox;

impl Sandbox {
    /// Write the golden path `svc` (version `version`) into `dir`.
    fn write_golden_path(&self, dir: &Path, version: &str, readme_extra: &str) {
        let def = format!(
            "apiVersion: scaffold/v1
kind: GoldenPath
metadata:
  name: svc
  title: Service
  version: {version}
spec:
  parameters:
    type: object
    required: [name]
    properties:
      name: {{type: string, pattern: '^[a-z][a-z0-9-]*$'}}
  skeletons:
    - path: skeleton
  files:
    policy:
      enforced: [.github/ci.yml, CODEOWNERS]
      seed: ['src/**']
"
        );
        write(&dir.join("golden-path.yaml"), &def);
        let sk = dir.join("skeleton");
        write(
            &sk.join(".github/ci.yml.tera"),
            "name: {{ name }} ci\non: push\n",
        );
        write(&sk.join("CODEOWNERS"), "* @acme/platform\n");
        write(
            &sk.join("README.md.tera"),
            &format!("# {{{{ name }}}}\n\nFirst paragraph.\n\nSecond paragraph.\n{readme_extra}"),
        );
        write(&sk.join("src/main.txt"), "fn main() {}\n");
        write(&sk.join("docs/guide.md"), "A guide.\n");
        write(&sk.join("run.sh"), "#!/bin/sh\necho hi\n");
        fs::set_permissions(sk.join("run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// A local golden path; returns its definition file.
    fn local_golden_path(&self) -> PathBuf {
        let dir = self.root().join("templates/svc");
        self.write_golden_path(&dir, "1.0.0", "");
        dir.join("golden-path.yaml")
    }

    /// `scaffold new SOURCE work/DEST --set name=NAME --no-input --no-git`.
    fn new_project(&self, source: &str, dest: &str, name: &str) -> PathBuf {
        self.run(&[
            "new",
            source,
            dest,
            "--set",
            &format!("name={name}"),
            "--no-input",
            "--no-git",
        ])
        .code(0);
        self.work().join(dest)
    }

    /// A project from the local golden path in `work/proj`.
    fn local_project(&self) -> PathBuf {
        let def = self.local_golden_path();
        self.new_project(def.to_str().unwrap(), "proj", "demo")
    }

    /// A git repository `repo` holding the golden path under `tpl/`, tagged v1.0.0,
    /// v1.1.0 (README and CI change) and v1.2.0 (a new file); returns its path.
    fn git_golden_path(&self) -> PathBuf {
        let repo = self.root().join("repo");
        fs::create_dir(&repo).unwrap();
        self.git(&repo, &["init", "-q"]);
        let tpl = repo.join("tpl");
        self.write_golden_path(&tpl, "1.0.0", "");
        self.git(&repo, &["add", "-A"]);
        self.git(&repo, &["commit", "-q", "-m", "v1.0.0"]);
        self.git(&repo, &["tag", "v1.0.0"]);
        self.write_golden_path(&tpl, "1.1.0", "\nThird paragraph, from v1.1.0.\n");
        write(
            &tpl.join("skeleton/.github/ci.yml.tera"),
            "name: {{ name }} ci\non: [push, pull_request]\n",
        );
        self.git(&repo, &["add", "-A"]);
        self.git(&repo, &["commit", "-q", "-m", "v1.1.0"]);
        self.git(&repo, &["tag", "v1.1.0"]);
        write(&tpl.join("skeleton/docs/new.md"), "New in v1.2.0.\n");
        self.git(&repo, &["add", "-A"]);
        self.git(&repo, &["commit", "-q", "-m", "v1.2.0"]);
        self.git(&repo, &["tag", "v1.2.0"]);
        repo
    }

    fn git_source(&self, repo: &Path, reference: &str) -> String {
        format!("file://{}//tpl?ref={reference}", repo.display())
    }
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn append(path: &Path, text: &str) {
    let mut s = fs::read_to_string(path).unwrap();
    s.push_str(text);
    fs::write(path, s).unwrap();
}

fn answers(project: &Path) -> PathBuf {
    project.join(".scaffold/svc.yaml")
}

/// Edit the answers file of `project` with `f`.
fn edit_answers(project: &Path, f: impl FnOnce(String) -> String) {
    let p = answers(project);
    let text = fs::read_to_string(&p).unwrap();
    fs::write(&p, f(text)).unwrap();
}

/// Drift of every kind on the local project: an enforced file edited, a merged file
/// deleted, a seed file edited, an executable bit dropped.
fn drift(project: &Path) {
    append(&project.join("CODEOWNERS"), "* @someone-else\n");
    fs::remove_file(project.join("docs/guide.md")).unwrap();
    append(&project.join("src/main.txt"), "// mine\n");
    fs::set_permissions(project.join("run.sh"), fs::Permissions::from_mode(0o644)).unwrap();
}

/// Snapshot with commit ids and the engine version scrubbed.
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            filters => vec![(r"\b[0-9a-f]{40}\b", "[COMMIT]"), (r"@[0-9a-f]{12}\b", "@[COMMIT]")],
        }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

// ---------------------------------------------------------------------------------
// Local drift and output formats
// ---------------------------------------------------------------------------------

#[test]
fn a_fresh_project_passes() {
    let sb = Sandbox::new();
    sb.local_project();
    let run = sb.run(&["check"]);
    run.code(0);
    snapshot!("check_clean_human", run.transcript());
}

#[test]
fn drift_is_reported_per_file_and_enforced_drift_fails() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    drift(&project);

    let human = sb.run(&["check"]);
    human.code(1);
    snapshot!("check_drift_human", human.transcript());

    let verbose = sb.run(&["check", "-v", "proj"]);
    verbose.code(1);
    snapshot!("check_drift_verbose", verbose.transcript());

    let github = sb.run(&["check", "--format", "github"]);
    github.code(1);
    snapshot!("check_drift_github", github.transcript());

    let json = sb.run(&["check", "--format", "json"]);
    json.code(1);
    snapshot!("check_drift_json", json.stdout);
}

#[test]
fn json_report_has_the_documented_fields() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    drift(&project);
    let v = sb.run(&["check", "--format", "json"]).code(1).json();
    assert_eq!(v["format"], 1);
    assert_eq!(v["passed"], false);
    assert_eq!(v["exit_code"], 1);
    assert_eq!(v["fail_on"], serde_json::json!(["enforced"]));
    let p = &v["projects"][0];
    assert_eq!(p["answers_path"], "proj/.scaffold/svc.yaml");
    assert_eq!(p["outcome"], "failed");
    assert_eq!(p["error"], Value::Null);
    let r = &p["report"];
    for key in [
        "root",
        "answers_file",
        "golden_path",
        "version",
        "source",
        "source_type",
        "commit",
        "baseline",
        "files",
        "counts",
        "latest",
        "behind",
        "manifest_mismatch",
        "notes",
    ] {
        assert!(r.get(key).is_some(), "report lacks `{key}`: {r:#}");
    }
    assert_eq!(r["root"], "proj");
    assert_eq!(r["source_type"], "local");
    assert_eq!(r["baseline"], "manifest");
    let status = |path: &str| {
        r["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| (f["status"].clone(), f["policy"].clone()))
            .unwrap()
    };
    assert_eq!(status("CODEOWNERS"), ("modified".into(), "enforced".into()));
    assert_eq!(status("docs/guide.md"), ("missing".into(), "merged".into()));
    assert_eq!(status("src/main.txt"), ("modified".into(), "seed".into()));
    assert_eq!(status("run.sh"), ("mode_changed".into(), "merged".into()));
    assert_eq!(status("README.md"), ("unchanged".into(), "merged".into()));
    assert_eq!(
        r["counts"],
        serde_json::json!({"total": 6, "unchanged": 2, "modified": 2, "missing": 1, "mode_changed": 1, "enforced_drift": 1})
    );
    assert_eq!(
        p["failures"],
        serde_json::json!([{"kind": "enforced_drift", "path": "CODEOWNERS", "message": "enforced path modified"}])
    );
}

#[test]
fn fail_on_chooses_what_fails() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    // Seed drift alone never fails, whatever the rules.
    append(&project.join("src/main.txt"), "// mine\n");
    sb.run(&["check", "--fail-on", "any"]).code(0);

    fs::remove_file(project.join("docs/guide.md")).unwrap();
    sb.run(&["check"]).code(0);
    sb.run(&["check", "--fail-on", "modified"]).code(0);
    sb.run(&["check", "--fail-on", "missing"])
        .code(1)
        .stdout_has(&["fail: proj/docs/guide.md: merged path missing"]);

    fs::set_permissions(project.join("run.sh"), fs::Permissions::from_mode(0o644)).unwrap();
    sb.run(&["check", "--fail-on", "modified"])
        .code(1)
        .stdout_has(&["fail: proj/run.sh: merged path mode changed (100755 -> 100644)"]);
    sb.run(&["check", "--fail-on", "enforced,behind"]).code(0);

    // An enforced file deleted fails the default rule.
    fs::remove_file(project.join(".github/ci.yml")).unwrap();
    sb.run(&["check"])
        .code(1)
        .stdout_has(&["fail: proj/.github/ci.yml: enforced path missing"]);
    // Several rules, repeated or comma-separated.
    let v = sb
        .run(&[
            "check",
            "--fail-on",
            "missing",
            "--fail-on",
            "enforced,modified",
            "--format",
            "json",
        ])
        .code(1)
        .json();
    let kinds: Vec<&str> = v["projects"][0]["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["enforced_drift", "missing", "modified"]);
}

#[test]
fn a_directory_replaced_by_a_link_is_not_followed() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    // The same content, outside the project, behind a link: still drift.
    let outside = sb.root().join("outside");
    write(&outside.join("guide.md"), "A guide.\n");
    fs::remove_dir_all(project.join("docs")).unwrap();
    std::os::unix::fs::symlink(&outside, project.join("docs")).unwrap();
    let v = sb
        .run(&["check", "--fail-on", "modified", "--format", "json"])
        .code(1)
        .json();
    let f = v["projects"][0]["report"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "docs/guide.md")
        .unwrap()
        .clone();
    assert_eq!(f["status"], "modified");
    assert_eq!(
        f["detail"],
        "a parent directory is a symbolic link (not followed)"
    );
    // A file replaced by a directory is drift too, not an error.
    fs::remove_file(project.join("CODEOWNERS")).unwrap();
    fs::create_dir(project.join("CODEOWNERS")).unwrap();
    sb.run(&["check", "-v"])
        .code(1)
        .stdout_has(&["modified     enforced CODEOWNERS (is a directory, not a file)"]);
}

#[test]
fn quiet_prints_only_failures() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    let run = sb.run(&["check", "-q"]);
    run.code(0);
    assert_eq!(run.stdout, "");
    append(&project.join("CODEOWNERS"), "x\n");
    let run = sb.run(&["-q", "check"]);
    run.code(1);
    assert!(!run.stdout.contains("PROJECT"), "{}", run.transcript());
    run.stdout_has(&["fail: proj/CODEOWNERS: enforced path modified"]);
}

// ---------------------------------------------------------------------------------
// Several projects
// ---------------------------------------------------------------------------------

#[test]
fn finds_every_project_but_not_in_git_or_gitignored_dirs() {
    let sb = Sandbox::new();
    let def = sb.local_golden_path();
    let def = def.to_str().unwrap();
    sb.new_project(def, "mono/services/api", "api");
    sb.new_project(def, "mono/services/web", "web");
    sb.new_project(def, "mono/build/copy", "copy");
    sb.new_project(def, "mono/.git/modules/x", "x");
    write(&sb.work().join("mono/.gitignore"), "build/\n");
    append(&sb.work().join("mono/services/web/CODEOWNERS"), "x\n");
    // Break the copies that must not be looked at.
    for p in ["mono/build/copy", "mono/.git/modules/x"] {
        write(&answers(&sb.work().join(p)), "garbage: [");
    }
    let run = sb.run(&["check", "mono"]);
    run.code(1);
    snapshot!("check_monorepo", run.transcript());

    // Two directories, overlapping: each project once.
    let v = sb
        .run(&[
            "check",
            "mono/services",
            "mono/services/api",
            "--format",
            "json",
        ])
        .code(1)
        .json();
    let found: Vec<&str> = v["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["answers_path"].as_str().unwrap())
        .collect();
    assert_eq!(
        found,
        [
            "mono/services/api/.scaffold/svc.yaml",
            "mono/services/web/.scaffold/svc.yaml"
        ]
    );
}

#[test]
fn one_corrupt_project_does_not_hide_the_others() {
    let sb = Sandbox::new();
    let def = sb.local_golden_path();
    let def = def.to_str().unwrap();
    sb.new_project(def, "mono/a", "a");
    sb.new_project(def, "mono/b", "b");
    write(
        &answers(&sb.work().join("mono/a")),
        "format: 1\nnot yaml: [\n",
    );
    let run = sb.run(&["check", "mono"]);
    run.error_with(&["mono/a/.scaffold/svc.yaml", "invalid answers file"]);
    run.stdout_has(&[
        "mono/b ",
        "passed",
        "2 projects checked: 1 could not be checked",
    ]);
    let run = sb.run(&["check", "mono", "--format", "github"]);
    run.code(2).stdout_has(&[
        "::error file=mono/a/.scaffold/svc.yaml,title=scaffold check::could not check: ",
    ]);
}

// ---------------------------------------------------------------------------------
// --fix and --render
// ---------------------------------------------------------------------------------

#[test]
fn fix_restores_enforced_paths_only() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    let pristine_owners = fs::read(project.join("CODEOWNERS")).unwrap();
    let pristine_ci = fs::read(project.join(".github/ci.yml")).unwrap();
    drift(&project);
    fs::remove_dir_all(project.join(".github")).unwrap();
    let run = sb.run(&["check", "--fix"]);
    run.code(0);
    snapshot!("check_fix", run.transcript());
    assert_eq!(
        fs::read(project.join("CODEOWNERS")).unwrap(),
        pristine_owners
    );
    assert_eq!(
        fs::read(project.join(".github/ci.yml")).unwrap(),
        pristine_ci
    );
    // Merged and seed drift is the project's business: untouched.
    assert!(!project.join("docs/guide.md").exists());
    assert!(
        fs::read_to_string(project.join("src/main.txt"))
            .unwrap()
            .contains("// mine")
    );
    // Nothing left to fix: nothing printed about restoring.
    let again = sb.run(&["check", "--fix"]);
    again.code(0);
    assert!(!again.stdout.contains("restored"), "{}", again.transcript());
}

#[test]
fn render_compares_with_a_fresh_render_and_checks_the_manifest() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    let v = sb
        .run(&["check", "--render", "--format", "json"])
        .code(0)
        .json();
    assert_eq!(v["projects"][0]["report"]["baseline"], "render");
    assert_eq!(
        v["projects"][0]["report"]["manifest_mismatch"],
        serde_json::json!([])
    );

    // A manifest hash that does not match the render of its own version.
    let readme_hash = blake3_hex(&fs::read(project.join("README.md")).unwrap());
    edit_answers(&project, |t| t.replace(&readme_hash, &"0".repeat(64)));
    // The manifest alone now calls README.md modified ...
    sb.run(&["check", "--fail-on", "modified"])
        .code(1)
        .stdout_has(&["fail: proj/README.md: merged path modified"]);
    // ... the render knows better, and reports the manifest.
    let run = sb.run(&["check", "--render", "--fail-on", "modified"]);
    run.code(0).stdout_has(&[
        "note: proj: 1 manifest entries do not match the render of svc 1.0.0: README.md",
    ]);
    sb.run(&["check", "--render", "--fail-on", "any"])
        .code(1)
        .stdout_has(&[
            "fail: proj/README.md: manifest entry does not match the render of its version",
        ]);
}

fn blake3_hex(bytes: &[u8]) -> String {
    scaffold_core::tree::hash_bytes(bytes)
        .strip_prefix("blake3:")
        .unwrap()
        .to_string()
}

// ---------------------------------------------------------------------------------
// diff
// ---------------------------------------------------------------------------------

#[test]
fn diff_shows_what_the_project_changed() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    drift(&project);
    let readme = project.join("README.md");
    let text = fs::read_to_string(&readme)
        .unwrap()
        .replace("First paragraph.", "First paragraph, edited.");
    fs::write(&readme, text).unwrap();
    let run = sb.run(&["diff", "proj"]);
    run.code(0);
    snapshot!("diff_local", run.transcript());

    // Path filters: files and directories, relative to the project root.
    let run = sb.run(&["diff", "proj", "README.md", "docs"]);
    run.code(0).stdout_has(&["a/README.md", "a/docs/guide.md"]);
    assert!(!run.stdout.contains("CODEOWNERS"), "{}", run.transcript());
    sb.run(&["diff", "proj", "nope.txt"])
        .error_with(&["`nope.txt` is not generated by any golden path under `proj`"]);
    sb.run(&["diff", "proj", "../etc/passwd"])
        .error_with(&["`../etc/passwd` is not a path inside the project"]);

    // Paths are relative to DIR, so the diff applies in reverse with `git apply`.
    let run = sb.run(&["diff"]);
    run.code(0)
        .stdout_has(&["--- a/proj/README.md", "+++ b/proj/README.md"]);
}

#[test]
fn diff_of_a_clean_project_is_empty() {
    let sb = Sandbox::new();
    sb.local_project();
    let run = sb.run(&["diff", "proj"]);
    run.code(0);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("no local changes"),
        "{}",
        run.transcript()
    );
}

#[test]
fn diff_is_coloured_only_when_asked() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    append(&project.join("README.md"), "More.\n");
    let plain = sb.run(&["diff", "proj"]);
    assert!(!plain.raw_stdout.contains('\x1b'), "{}", plain.transcript());
    let coloured = sb.run_cmd(
        sb.cmd()
            .env_remove("NO_COLOR")
            .args(["--color", "always", "diff", "proj"]),
    );
    assert!(
        coloured.raw_stdout.contains("\x1b[32m+More."),
        "{}",
        coloured.transcript()
    );
}

// ---------------------------------------------------------------------------------
// Git sources: behind, --offline, diff --upstream
// ---------------------------------------------------------------------------------

#[test]
fn git_source_behind_by_two_versions() {
    let sb = Sandbox::new();
    let repo = sb.git_golden_path();
    sb.new_project(&sb.git_source(&repo, "v1.0.0"), "proj", "demo");

    let run = sb.run(&["check"]);
    run.code(0);
    snapshot!("check_git_behind", run.transcript());
    sb.run(&["check", "--fail-on", "behind"])
        .code(1)
        .stdout_has(&[
            "fail: proj/.scaffold/svc.yaml: svc is behind: 2 versions (v1.0.0 -> v1.2.0)",
        ]);
    let github = sb.run(&["check", "--format", "github"]);
    github.code(0).stdout_has(&[
        "::warning file=proj/.scaffold/svc.yaml,title=scaffold check::svc is behind: 2 versions (v1.0.0 -> v1.2.0); run `scaffold update`",
    ]);
    let v = sb.run(&["check", "--format", "json"]).code(0).json();
    let r = &v["projects"][0]["report"];
    assert_eq!(r["source_type"], "git");
    assert_eq!(r["latest"], "v1.2.0");
    assert_eq!(
        r["behind"],
        serde_json::json!({"versions": 2, "current": "v1.0.0", "latest": "v1.2.0"})
    );
    assert_eq!(r["commit"].as_str().unwrap().len(), 40);

    // --offline: no source access at all for git sources; local drift only.
    let run = sb.run(&["--offline", "check", "--fail-on", "behind"]);
    run.code(0).stdout_has(&["not checked (offline)"]);

    // --render at the recorded commit, from the cache.
    sb.run(&["check", "--render", "--offline"]).code(0);

    // Up to date after generating from the latest tag.
    sb.new_project(&format!("file://{}//tpl", repo.display()), "latest", "demo");
    sb.run(&["check", "latest", "--fail-on", "behind"])
        .code(0)
        .stdout_has(&["up to date (v1.2.0)"]);
}

/// A project whose recorded version is newer than the source's (the golden path was
/// rolled back) is not called up to date: the row says ahead, and a note says why.
#[test]
fn a_project_ahead_of_its_source_is_not_called_up_to_date() {
    let sb = Sandbox::new();
    let def = sb.root().join("templates/svc");
    sb.write_golden_path(&def, "1.1.0", "");
    sb.new_project(
        def.join("golden-path.yaml").to_str().unwrap(),
        "proj",
        "demo",
    );
    sb.write_golden_path(&def, "1.0.0", "");
    let run = sb.run(&["check", "--fail-on", "behind"]);
    run.code(0).stdout_has(&[
        "ahead of the latest (1.1.0 > 1.0.0)",
        "the recorded version 1.1.0 is newer than the version 1.0.0 available from",
    ]);
    assert!(!run.stdout.contains("up to date"), "{}", run.transcript());
    let v = sb.run(&["check", "--format", "json"]).code(0).json();
    let r = &v["projects"][0]["report"];
    assert_eq!(r["latest"], "1.0.0");
    assert_eq!(r["behind"], Value::Null);
}

#[test]
fn diff_upstream_shows_what_update_would_change() {
    let sb = Sandbox::new();
    let repo = sb.git_golden_path();
    let project = sb.new_project(&sb.git_source(&repo, "v1.0.0"), "proj", "demo");
    // A local edit that merges cleanly with v1.1.0's README change, and one to an
    // enforced file that update would overwrite.
    let readme = project.join("README.md");
    let text = fs::read_to_string(&readme)
        .unwrap()
        .replace("First paragraph.", "First paragraph, edited locally.");
    fs::write(&readme, text).unwrap();
    append(&project.join("CODEOWNERS"), "* @someone-else\n");

    let run = sb.run(&["diff", "--upstream", "proj"]);
    run.code(0);
    snapshot!("diff_upstream", run.transcript());

    let run = sb.run(&["diff", "--upstream", "--to", "v1.1.0", "proj", "docs"]);
    run.code(0);
    assert!(run.stdout.is_empty(), "{}", run.transcript());
    sb.run(&["diff", "--upstream", "--to", "v9.9.9", "proj"])
        .error_with(&["`v9.9.9` is not a tag, branch or commit of", "v1.2.0"]);
    // diff never writes.
    assert!(!project.join("docs/new.md").exists());
}

/// The library words the remedy of an uncached or unknown git source as offline mode;
/// the CLI names `--offline` (issue item 4), for an error and inside a check report.
#[test]
fn git_remedies_name_the_offline_flag() {
    let sb = Sandbox::new();
    let repo = sb.git_golden_path();
    let source = sb.git_source(&repo, "v1.0.0");
    sb.run(&[
        "--offline",
        "new",
        &source,
        "off",
        "--set",
        "name=demo",
        "--no-input",
    ])
    .error_with(&["run once without --offline to cache it"]);
    sb.new_project(&source, "proj", "demo");
    sb.run(&[
        "--offline",
        "new",
        &sb.git_source(&repo, "v9.9.9"),
        "off",
        "--set",
        "name=demo",
        "--no-input",
    ])
    .error_with(&["(if the ref is new, fetch again without --offline)"]);
    // The source is gone and the cache with it: check reports the project's error.
    fs::remove_dir_all(&repo).unwrap();
    fs::remove_dir_all(sb.root().join("cache")).ok();
    let remedy = "or use --offline if it is cached";
    let run = sb.run(&["check", "--render"]);
    run.code(2);
    assert!(run.stderr.contains(remedy), "{}", run.transcript());
    let v = sb
        .run(&["check", "--render", "--format", "json"])
        .code(2)
        .json();
    let message = v["projects"][0]["error"]["message"].as_str().unwrap();
    assert!(message.contains(remedy), "{v:#}");
}

/// An unusable stored baseline fails the check; the library names the update's
/// option, the CLI its flag (issue item 4), in every format.
#[test]
fn unusable_baseline_names_reconstruct_base() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    write(&project.join(".scaffold/svc.baseline"), "not a baseline");
    let remedy = "restore it from version control, or run `scaffold update --reconstruct-base`";
    sb.run(&["check"]).code(1).stdout_has(&[remedy]);
    sb.run(&["check", "--format", "github"])
        .code(1)
        .stdout_has(&[remedy]);
    let v = sb.run(&["check", "--format", "json"]).code(1).json();
    let failures = v["projects"][0]["failures"].as_array().unwrap();
    assert!(
        failures
            .iter()
            .any(|f| f["message"].as_str().unwrap().ends_with(remedy)),
        "{v:#}"
    );
}

// ---------------------------------------------------------------------------------
// Bad input: a clear error and exit 2
// ---------------------------------------------------------------------------------

#[test]
fn no_answers_file() {
    let sb = Sandbox::new();
    fs::create_dir(sb.work().join("empty")).unwrap();
    sb.run(&["check", "empty"])
        .error_with(&["no scaffold answers file found under `empty`"]);
    sb.run(&["check", "nowhere"])
        .error_with(&["`nowhere` is not a directory"]);
    sb.run(&["diff", "empty"])
        .error_with(&["no scaffold answers file found under `empty`"]);
}

#[test]
fn corrupt_answers_file() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    write(&answers(&project), "format: 1\ngolden_path: [unclosed\n");
    let run = sb.run(&["check"]);
    run.error_with(&[
        "error: proj/.scaffold/svc.yaml:2:14: invalid answers file: golden_path: invalid type",
        "invalid answers file",
        "restore it from version control",
    ]);
    snapshot!("bad_corrupt", run.transcript());
    sb.run(&["diff", "proj"])
        .error_with(&["invalid answers file"]);
}

#[test]
fn truncated_answers_file() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    edit_answers(&project, |t| {
        let cut = t.find("blake3:").unwrap() + 20;
        t[..cut].to_string()
    });
    sb.run(&["check"])
        .error_with(&["invalid answers file", "missing field"]);
    sb.run(&["check", "--format", "json"]).code(2);
}

#[test]
fn manifest_path_outside_the_project() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    write(&sb.root().join("work/secret.txt"), "secret\n");
    edit_answers(&project, |t| {
        t.replace("\n  README.md:", "\n  ../secret.txt:")
    });
    sb.run(&["check"])
        .error_with(&["manifest path `../secret.txt` is not a normalized path inside the project"]);
    edit_answers(&project, |t| {
        t.replace("\n  ../secret.txt:", "\n  /etc/passwd:")
    });
    sb.run(&["check"])
        .error_with(&["manifest path `/etc/passwd` is not a normalized path inside the project"]);
}

#[test]
fn malformed_hash() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    let hash = blake3_hex(&fs::read(project.join("README.md")).unwrap());
    edit_answers(&project, |t| t.replace(&hash, &"z".repeat(64)));
    sb.run(&["check"])
        .error_with(&["manifest entry `README.md` has a malformed hash"]);
}

#[test]
fn local_definition_deleted() {
    let sb = Sandbox::new();
    let project = sb.local_project();
    fs::remove_dir_all(sb.root().join("templates/svc")).unwrap();
    sb.run(&["check"]).error_with(&[
        "the golden path's definition `[TMP]/templates/svc/golden-path.yaml` no longer exists",
    ]);
    sb.run(&["check", "--offline"])
        .error_with(&["no longer exists"]);
    // The diff needs no source: it compares with the project's stored baseline.
    sb.run(&["diff", "proj"]).code(0);
    assert!(project.join("CODEOWNERS").exists());
}

#[test]
fn git_repository_deleted() {
    let sb = Sandbox::new();
    let repo = sb.git_golden_path();
    sb.new_project(&sb.git_source(&repo, "v1.0.0"), "proj", "demo");
    fs::remove_dir_all(&repo).unwrap();
    // Online: the source cannot be reached.
    sb.run(&["check"])
        .error_with(&["cannot reach git repository file://[TMP]/repo"]);
    // Offline: local drift only, from the manifest.
    sb.run(&["check", "--offline"]).code(0);
    // Offline with a render from the cache still works ...
    sb.run(&["check", "--offline", "--render"]).code(0);
    // ... but not without the cache.
    fs::remove_dir_all(sb.root().join("cache")).unwrap();
    sb.run(&["check", "--offline", "--render"])
        .error_with(&["is not in the cache and offline mode forbids fetching it"]);
    // The diff compares with the stored baseline: no cache, no source needed.
    sb.run(&["--offline", "diff", "proj"]).code(0);
}

#[test]
fn recorded_commit_unknown() {
    let sb = Sandbox::new();
    let repo = sb.git_golden_path();
    let project = sb.new_project(&sb.git_source(&repo, "v1.0.0"), "proj", "demo");
    let fake = "0123456789abcdef0123456789abcdef01234567";
    edit_answers(&project, |t| {
        let start = t.find("commit: ").unwrap() + "commit: ".len();
        format!("{}{fake}{}", &t[..start], &t[start + 40..])
    });
    sb.run(&["check"]).error_with(&[
        "the recorded version v1.0.0 (commit 0123456789ab, ref `v1.0.0`) no longer exists in file://[TMP]/repo",
    ]);
    sb.run(&["check", "--render", "--offline"])
        .error_with(&["`0123456789abcdef0123456789abcdef01234567` is not a tag, branch or commit of file://[TMP]/repo"]);
}

#[test]
fn recorded_ref_deleted() {
    let sb = Sandbox::new();
    let repo = sb.git_golden_path();
    // A branch with a commit no tag contains, then deleted upstream.
    sb.git(&repo, &["checkout", "-q", "-b", "experiment", "v1.0.0"]);
    append(&repo.join("tpl/skeleton/docs/guide.md"), "Experimental.\n");
    sb.git(&repo, &["commit", "-q", "-am", "experiment"]);
    sb.git(&repo, &["checkout", "-q", "main"]);
    sb.new_project(&sb.git_source(&repo, "experiment"), "proj", "demo");
    sb.run(&["check"]).code(0);
    sb.git(&repo, &["branch", "-q", "-D", "experiment"]);
    sb.run(&["check"]).error_with(&[
        "(commit ",
        ", ref `experiment`) no longer exists in file://[TMP]/repo: no tag or branch contains it",
    ]);

    // A deleted tag whose commit a branch still holds is only a note.
    sb.new_project(&sb.git_source(&repo, "v1.1.0"), "other", "demo");
    sb.git(&repo, &["tag", "-d", "v1.1.0"]);
    sb.run(&["check", "other"]).code(0).stdout_has(&[
        "note: other: the recorded ref `v1.1.0` no longer exists in file://[TMP]/repo; its commit",
        "behind: 1 version (v1.1.0 -> v1.2.0)",
    ]);
}

#[test]
fn help_documents_exit_codes_and_rules() {
    let sb = Sandbox::new();
    let run = sb.run(&["check", "--help"]);
    run.code(0).stdout_has(&[
        "Exit codes:",
        "0  every project passed",
        "1  some project failed the --fail-on policy",
        "2  could not check",
        "enforced  an enforced path modified, missing or with another mode",
    ]);
    sb.run(&["diff", "--help"])
        .code(0)
        .stdout_has(&["--upstream", "Exit codes: 0 the diff was printed"]);
}
