//! Paths the way users type them (issue 11): a bare directory name for `lint`, the one
//! rule for a word that is both a directory and a golden path, the project found from
//! any subdirectory, `scaffold diff PATH`, and the `gh:`/`gl:` shorthands.

mod common;
mod env;

use std::fs;
use std::path::{Path, PathBuf};

use common::Sandbox;

/// `scaffold new go-microservice work/svc` (no git), returning the project root.
fn service(sb: &Sandbox) -> PathBuf {
    sb.run(&[
        "new",
        "go-microservice",
        "svc",
        "--set",
        "owner=team-payments",
        "--no-input",
        "--no-git",
    ])
    .success();
    sb.work().join("svc")
}

/// Run `scaffold ARGS` in `dir`.
fn run_in(sb: &Sandbox, dir: &Path, args: &[&str]) -> common::Run {
    sb.run_cmd(sb.cmd().current_dir(dir).args(args))
}

#[test]
fn lint_takes_a_bare_directory_name() {
    let sb = Sandbox::new();
    sb.fixture("tiny");
    let run = run_in(&sb, &sb.lib(), &["lint", "tiny"]);
    run.success();
    assert_eq!(
        run.stdout,
        "ok tiny ([TMP]/lib/tiny/golden-path.yaml): 1 example(s) rendered\n"
    );
    // A bare library directory (definitions under it) is linted as a library.
    let run = run_in(&sb, sb.root(), &["lint", "lib"]);
    run.success();
    assert!(run.stdout.contains("ok tiny ("), "{}", run.transcript());
}

#[test]
fn a_local_directory_wins_over_a_library_name_and_name_at_latest_means_the_library() {
    let sb = Sandbox::new();
    // A local template directory called like the built-in golden path.
    let dir = sb.work().join("go-microservice");
    fs::create_dir_all(dir.join("skeleton")).unwrap();
    fs::write(
        dir.join("golden-path.yaml"),
        "apiVersion: scaffold/v1\nkind: GoldenPath\nmetadata:\n  name: go-microservice\n  title: Local copy\n  version: 9.0.0\nspec:\n  skeletons:\n    - path: skeleton\n  examples:\n    - {}\n",
    )
    .unwrap();
    fs::write(dir.join("skeleton/local.txt"), "local\n").unwrap();
    for cmd in [
        &["show", "go-microservice"][..],
        &["lint", "go-microservice"],
    ] {
        let run = sb.run(cmd);
        run.success();
        assert!(
            run.stdout
                .contains("[TMP]/work/go-microservice/golden-path.yaml")
                || run.stdout.contains("Local copy"),
            "{cmd:?}: {}",
            run.transcript()
        );
    }
    let run = sb.run(&["show", "go-microservice@latest", "--format", "json"]);
    run.success();
    assert!(
        run.stdout.contains("\"version\": \"1.3.0\""),
        "{}",
        run.transcript()
    );
    // A directory of the same name without a definition is not a golden path: the
    // library's wins (a project generated into ./go-microservice must not break `new`).
    let sb = Sandbox::new();
    fs::create_dir_all(sb.work().join("go-microservice/src")).unwrap();
    let run = sb.run(&["show", "go-microservice", "--format", "json"]);
    run.success();
    assert!(
        run.stdout.contains("\"version\": \"1.3.0\""),
        "{}",
        run.transcript()
    );
}

#[test]
fn a_bare_directory_that_is_no_golden_path_says_so() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.work().join("notes")).unwrap();
    let run = sb.run(&["lint", "notes"]);
    run.expect_code(2);
    insta::assert_snapshot!("bare_directory_without_definition", run.stderr);
}

#[test]
fn project_commands_find_the_root_from_a_subdirectory() {
    let sb = Sandbox::new();
    let root = service(&sb);
    let sub = root.join("deploy/base");
    assert!(sub.is_dir());
    // check: the project the directory is in.
    let run = run_in(&sb, &sub, &["check", "--offline"]);
    run.success();
    assert!(run.stdout.contains("../.."), "{}", run.transcript());
    assert!(
        run.stdout.contains("1 project checked: passed"),
        "{}",
        run.transcript()
    );
    // diff: no local changes, found from below.
    let run = run_in(&sb, &sub, &["diff"]);
    run.success();
    assert!(
        run.stderr.contains("no local changes"),
        "{}",
        run.transcript()
    );
    // show: the project's golden path at its recorded version.
    let run = run_in(&sb, &sub, &["show", "--format", "json"]);
    run.success();
    assert!(
        run.stdout.contains("\"name\": \"go-microservice\""),
        "{}",
        run.transcript()
    );
    // update: the project, not "no answers file here".
    let run = run_in(&sb, &sub, &["update", "--dry-run", "--no-input"]);
    run.success();
    // Outside every project the error names the current directory.
    let run = run_in(&sb, sb.root(), &["update", "--dry-run", "--no-input"]);
    run.expect_code(2);
    assert!(run.stderr.contains(".scaffold"), "{}", run.transcript());
}

#[test]
fn diff_with_a_path_limits_the_diff_to_it() {
    let sb = Sandbox::new();
    let root = service(&sb);
    let pdb = root.join("deploy/base/poddisruptionbudget.yaml");
    let mut text = fs::read_to_string(&pdb).unwrap();
    text.push_str("# local edit\n");
    fs::write(&pdb, text).unwrap();
    let readme = root.join("README.md");
    let mut text = fs::read_to_string(&readme).unwrap();
    text.push_str("\nLocal notes.\n");
    fs::write(&readme, text).unwrap();

    // From the root: only deploy/base.
    let run = run_in(&sb, &root, &["diff", "deploy/base"]);
    run.success();
    assert!(
        run.stdout
            .contains("diff --git a/deploy/base/poddisruptionbudget.yaml"),
        "{}",
        run.transcript()
    );
    assert!(!run.stdout.contains("README.md"), "{}", run.transcript());
    // From a subdirectory, relative to it (as git does); paths stay root-relative.
    let run = run_in(&sb, &root.join("deploy"), &["diff", "base"]);
    run.success();
    assert!(
        run.stdout
            .contains("diff --git a/deploy/base/poddisruptionbudget.yaml"),
        "{}",
        run.transcript()
    );
    assert!(!run.stdout.contains("README.md"), "{}", run.transcript());
    // Whole project from below.
    let run = run_in(&sb, &root.join("deploy"), &["diff"]);
    run.success();
    assert!(run.stdout.contains("README.md"), "{}", run.transcript());
    // DIR first still works, with root-relative paths after it.
    let run = sb.run(&["diff", "svc", "README.md"]);
    run.success();
    assert!(
        run.stdout.contains("diff --git a/README.md b/README.md"),
        "{}",
        run.transcript()
    );
    assert!(
        !run.stdout.contains("diff --git a/deploy"),
        "{}",
        run.transcript()
    );
    // A path that selects nothing managed is an error, as before.
    let run = run_in(&sb, &root, &["diff", "no/such/dir"]);
    run.expect_code(2);
    insta::assert_snapshot!(
        "diff_unmatched_path",
        run.stderr.replace(&*root.to_string_lossy(), "[ROOT]")
    );
    // A path outside every project.
    let run = run_in(&sb, sb.root(), &["diff", "home/nosuch.txt"]);
    run.expect_code(2);
    insta::assert_snapshot!("diff_path_outside_projects", run.stderr);
}

#[test]
fn hosting_shorthands_are_git_sources() {
    let sb = Sandbox::new();
    // Offline, an uncached shorthand fails as a git source of its expanded URL.
    let run = sb.run(&["--offline", "show", "gh:acme/golden-paths//svc?ref=v1.0.0"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("https://github.com/acme/golden-paths.git"),
        "{}",
        run.transcript()
    );
    let run = sb.run(&["show", "gh:acme"]);
    run.expect_code(2);
    insta::assert_snapshot!("shorthand_without_repo", run.stderr);
    let help = sb.run(&["new", "--help"]);
    help.success();
    assert!(
        help.stdout.contains("gh:acme/golden-paths"),
        "{}",
        help.stdout
    );
    assert!(help.stdout.contains("gl:"), "{}", help.stdout);
}
