//! Hostile templates and faults (issue 9), end to end with the real binary: every test
//! reproduces an attack or a fault and checks that scaffold refuses it with a message
//! that names the culprit, and that nothing was written where it must not be.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{Sandbox, names_in};

/// Write a golden path `name` into the sandbox library: a definition with `spec_extra`
/// (YAML lines indented for `spec:`) and the skeleton `files` (`path`, content; a
/// content starting with `->` makes a symbolic link to the rest).
fn golden_path(
    sb: &Sandbox,
    name: &str,
    params: &str,
    spec_extra: &str,
    files: &[(&str, &str)],
) -> PathBuf {
    let dir = sb.lib().join(name);
    let skel = dir.join("skel");
    fs::create_dir_all(&skel).unwrap();
    fs::write(
        dir.join("golden-path.yaml"),
        format!(
            "apiVersion: scaffold/v1\nkind: GoldenPath\nmetadata:\n  name: {name}\n  version: 1.0.0\nspec:\n  parameters:\n    type: object\n    properties: {params}\n  skeletons:\n    - path: skel\n{spec_extra}  examples:\n    - {{}}\n"
        ),
    )
    .unwrap();
    for (path, content) in files {
        let p = skel.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        if let Some(target) = content.strip_prefix("->") {
            std::os::unix::fs::symlink(target, &p).unwrap();
        } else {
            fs::write(&p, content).unwrap();
        }
    }
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

// ---------------------------------------------------------------------------------
// Security 1: nothing is rendered into `.git/` or `.scaffold/`.

#[test]
fn an_answer_may_not_render_into_the_git_directory() {
    let sb = Sandbox::new();
    let gp = golden_path(
        &sb,
        "dotgit",
        "{dir: {type: string, default: src}}",
        "",
        &[(
            "{{ dir }}/config",
            "[core]\n\tfsmonitor = touch /tmp/pwned\n",
        )],
    );
    for dir in [".git", ".GIT", ".Git", "vendor/lib/.git", ".git/modules/x"] {
        let run = sb.run(&[
            "new",
            s(&gp),
            "out",
            "--no-input",
            "--set",
            &format!("dir={dir}"),
        ]);
        run.error_with(&["never writes", "`/dir`", "{{ dir }}/config"]);
        assert!(
            !sb.work().join("out").exists(),
            "{dir}: something was written"
        );
    }
    assert_eq!(names_in(&sb.work()), Vec::<String>::new());
}

#[test]
fn a_templated_name_may_not_render_into_the_git_directory() {
    let sb = Sandbox::new();
    let gp = golden_path(
        &sb,
        "dotgit-name",
        "{}",
        "",
        &[(
            "{{ \".\" ~ \"git\" }}/config",
            "[core]\n\tfsmonitor = evil\n",
        )],
    );
    let run = sb.run(&["new", s(&gp), "out", "--no-input"]);
    run.error_with(&[
        "`.git/config`",
        "never writes",
        "dotgit-name/skel/{{ \".\" ~ \"git\" }}/config",
    ]);
    assert!(!sb.work().join("out").exists());
    // Into an existing repository: its .git/config is untouched.
    let repo = sb.work().join("repo");
    fs::create_dir_all(repo.join(".git")).unwrap();
    fs::write(repo.join(".git/config"), "[core]\n").unwrap();
    let run = sb.run(&["new", s(&gp), "--into", s(&repo), "--no-input"]);
    run.error_with(&["never writes"]);
    assert_eq!(
        fs::read_to_string(repo.join(".git/config")).unwrap(),
        "[core]\n"
    );
}

#[test]
fn a_skeleton_may_not_hold_a_submodule_git_file_or_scaffold_state() {
    let sb = Sandbox::new();
    for (i, path) in [
        "vendor/x/.git",
        "a/.Git/HEAD",
        ".scaffold/f.txt",
        "sub/.scaffold/other.yaml",
    ]
    .iter()
    .enumerate()
    {
        let gp = golden_path(
            &sb,
            &format!("reserved{i}"),
            "{}",
            "",
            &[(path, "gitdir: /tmp/evil\n")],
        );
        let run = sb.run(&["new", s(&gp), &format!("out{i}"), "--no-input"]);
        run.error_with(&["never writes", path]);
        assert!(!sb.work().join(format!("out{i}")).exists());
    }
}
