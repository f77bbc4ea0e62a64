//! Hostile templates and faults (issue 9), end to end with the real binary: every test
//! reproduces an attack or a fault and checks that scaffold refuses it with a message
//! that names the culprit, and that nothing was written where it must not be.

mod common;
mod env;

use std::fs;
use std::path::{Path, PathBuf};

use common::{Sandbox, names_in, read_tree};

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

// ---------------------------------------------------------------------------------
// Security 2: skeleton links are resolved against the rendered tree.

#[test]
fn a_link_chain_that_leaves_the_tree_is_refused() {
    let sb = Sandbox::new();
    fs::write(sb.lib().join("secret.txt"), "secret").unwrap();
    let gp = golden_path(
        &sb,
        "chain",
        "{}",
        "",
        &[
            ("d1/y", "->.."),
            ("x", "->d1/y/../secret.txt"),
            ("ok.txt", "ok"),
        ],
    );
    let run = sb.run(&["new", s(&gp), "out", "--no-input", "--no-git"]);
    run.error_with(&["symbolic link `x (from skel/x)`", "d1/y/../secret.txt"]);
    assert!(!sb.work().join("out").exists());
}

#[test]
fn a_link_in_a_directory_that_renders_to_dot_is_refused() {
    let sb = Sandbox::new();
    let gp = golden_path(
        &sb,
        "dotdir",
        "{d: {type: string, default: sub}}",
        "",
        &[("{{ d }}/up", "->../outside")],
    );
    // With `d=sub` the link stays inside...
    sb.run(&["new", s(&gp), "fine", "--no-input", "--no-git"])
        .success();
    assert_eq!(
        fs::read_link(sb.work().join("fine/sub/up")).unwrap(),
        Path::new("../outside")
    );
    // ...with `d=.` it would leave the project.
    let run = sb.run(&[
        "new",
        s(&gp),
        "out",
        "--no-input",
        "--no-git",
        "--set",
        "d=.",
    ]);
    run.error_with(&["symbolic link `up", "../outside"]);
    assert!(!sb.work().join("out").exists());
}

#[test]
fn a_link_into_the_git_directory_is_refused_and_link_loops_too() {
    let sb = Sandbox::new();
    let gp = golden_path(&sb, "gitlink", "{}", "", &[("hooks", "->.git/hooks")]);
    sb.run(&["new", s(&gp), "out", "--no-input", "--no-git"])
        .error_with(&["symbolic link `hooks"]);
    let gp = golden_path(&sb, "loop", "{}", "", &[("a", "->b/x"), ("b", "->a/y")]);
    sb.run(&["new", s(&gp), "out2", "--no-input", "--no-git"])
        .error_with(&["symbolic link `a"]);
    assert_eq!(names_in(&sb.work()), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------
// Security 3: rendering is bounded.

const NESTED_LOOPS: &str =
    "{% for i in range(end=100000) %}{% for j in range(end=100000) %}{% endfor %}{% endfor %}";
const NESTED_OUTPUT: &str = "head\n{% for i in range(end=100000) %}{% for j in range(end=100000) %}xxxxxxxxxxxxxxxx{% endfor %}{% endfor %}";

#[test]
fn nested_loops_without_output_stop_at_the_render_time_limit() {
    let sb = Sandbox::new();
    let gp = golden_path(
        &sb,
        "spin",
        "{}",
        "",
        &[("a.txt", "a"), ("spin.txt.tera", NESTED_LOOPS)],
    );
    for args in [
        vec![
            "new",
            s(&gp),
            "out",
            "--no-input",
            "--max-render-time",
            "0.5",
        ],
        vec![
            "new",
            s(&gp),
            "out",
            "--no-input",
            "--dry-run",
            "--max-render-time",
            "0.5",
        ],
        vec!["lint", s(&gp), "--max-render-time", "0.5"],
    ] {
        let started = std::time::Instant::now();
        let run = sb.run(&args);
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_secs(20),
            "{args:?} took {took:?}"
        );
        assert!(
            run.stdout.contains("spin/skel/spin.txt.tera:1:")
                || run.stderr.contains("spin/skel/spin.txt.tera:1:"),
            "{args:?}: the file and line are not named\n{}",
            run.transcript()
        );
        assert!(
            format!("{}{}", run.stdout, run.stderr).contains("took longer than the limit of 0.5s"),
            "{}",
            run.transcript()
        );
        assert_ne!(run.code, 0);
        assert!(!run.stderr.contains("panicked"));
    }
    assert!(!sb.work().join("out").exists());
}

#[test]
fn the_definition_sets_the_limits_and_the_command_line_wins() {
    let sb = Sandbox::new();
    let gp = golden_path(
        &sb,
        "spin2",
        "{}",
        "  limits: {maxRenderSeconds: 0.3, maxFileBytes: 1000}\n",
        &[
            ("spin.txt.tera", NESTED_LOOPS),
            (
                "big.txt.tera",
                "{% for i in range(end=2000) %}x{% endfor %}",
            ),
        ],
    );
    let started = std::time::Instant::now();
    sb.run(&["new", s(&gp), "out", "--no-input", "--dry-run"])
        .error_with(&["spin2/skel/"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    // Only the big file: its 2000 bytes break the definition's 1000-byte bound...
    fs::remove_file(gp.join("skel/spin.txt.tera")).unwrap();
    sb.run(&["new", s(&gp), "out", "--no-input", "--dry-run"])
        .error_with(&[
            "spin2/skel/big.txt.tera",
            "larger than the limit of 1000 bytes",
        ]);
    // ...which the command line may lift.
    sb.run(&[
        "new",
        s(&gp),
        "out",
        "--no-input",
        "--dry-run",
        "--max-file-bytes",
        "5000",
    ])
    .success();
}

#[test]
fn output_inside_runaway_loops_stops_at_the_size_limits_without_aborting() {
    let sb = Sandbox::new();
    let gp = golden_path(&sb, "flood", "{}", "", &[("flood.txt.tera", NESTED_OUTPUT)]);
    let started = std::time::Instant::now();
    let run = sb.run(&["new", s(&gp), "out", "--no-input"]);
    run.error_with(&[
        "flood/skel/flood.txt.tera",
        "larger than the limit of 16777216 bytes",
    ]);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    // The total bound, across files rendered in parallel.
    let gp = golden_path(
        &sb,
        "flood2",
        "{}",
        "",
        &[
            (
                "a.txt.tera",
                "{% for i in range(end=3000) %}0123456789{% endfor %}",
            ),
            (
                "b.txt.tera",
                "{% for i in range(end=3000) %}0123456789{% endfor %}",
            ),
        ],
    );
    sb.run(&[
        "new",
        s(&gp),
        "out",
        "--no-input",
        "--dry-run",
        "--max-total-bytes",
        "50000",
    ])
    .error_with(&[
        "flood2/skel/",
        "larger than the limit of 50000 bytes in total",
    ]);
    sb.run(&[
        "new",
        s(&gp),
        "out",
        "--no-input",
        "--dry-run",
        "--max-total-bytes",
        "60000",
    ])
    .success();
    assert!(!sb.work().join("out").exists());
}

/// The library names the limit overrides; the CLI names its flags (issue item 4).
#[test]
fn limit_messages_name_the_flags_that_raise_them() {
    let sb = Sandbox::new();
    let gp = golden_path(
        &sb,
        "bounded",
        "{}",
        "",
        &[(
            "big.txt.tera",
            "{% for i in range(end=2000) %}x{% endfor %}",
        )],
    );
    let dry = |flag: &str, value: &str| {
        sb.run(&["new", s(&gp), "out", "--no-input", "--dry-run", flag, value])
    };
    dry("--max-file-bytes", "1000").error_with(&[
        "larger than the limit of 1000 bytes; raise it with spec.limits.maxFileBytes or --max-file-bytes if the file is meant to be this big",
    ]);
    dry("--max-total-bytes", "1000").error_with(&[
        "larger than the limit of 1000 bytes in total; raise it with spec.limits.maxTotalBytes or --max-total-bytes",
    ]);
    let spin = golden_path(&sb, "spin3", "{}", "", &[("spin.txt.tera", NESTED_LOOPS)]);
    sb.run(&[
        "new",
        s(&spin),
        "out",
        "--no-input",
        "--dry-run",
        "--max-render-time",
        "0.2",
    ])
    .error_with(&["raise it with spec.limits.maxRenderSeconds or --max-render-time"]);
    sb.run(&["lint", s(&gp), "--max-file-bytes", "1000"])
        .stdout_has(&["or --max-file-bytes if the file is meant to be this big"]);
}

#[test]
fn loops_render_exactly_as_before_instrumentation() {
    let sb = Sandbox::new();
    let gp = golden_path(
        &sb,
        "loops",
        "{}",
        "",
        &[(
            "out.txt.tera",
            "{% for i in [1, 2] -%}\n  a{{ i }}\n{% endfor %}|{% for i in [3] %} b{{ i }} {% endfor %}|{% raw %}{% for x in y %}{% endraw %}",
        )],
    );
    sb.run(&["new", s(&gp), "out", "--no-input", "--no-git"])
        .success();
    assert_eq!(
        fs::read_to_string(sb.work().join("out/out.txt")).unwrap(),
        "a1\na2\n| b3 |{% for x in y %}"
    );
}

// ---------------------------------------------------------------------------------
// Data safety 5, 6, 7: crash-safe writes, one writer at a time, `new` leaves nothing.

const FILES: usize = 40;

/// A golden path `gp` of FILES files at version 1.0.0, a project made from it (git
/// committed), and the template moved to 2.0.0 (every file changed, one added).
fn project_and_v2(sb: &Sandbox) -> (PathBuf, PathBuf) {
    let files: Vec<(String, String)> = (0..FILES)
        .map(|i| (format!("d{}/f{i}.txt", i % 4), format!("v1 {i}\n")))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let gp = golden_path(sb, "gp", "{}", "", &refs);
    sb.run(&["new", s(&gp), "proj", "--no-input"]).success();
    let def = gp.join("golden-path.yaml");
    fs::write(
        &def,
        fs::read_to_string(&def).unwrap().replace("1.0.0", "2.0.0"),
    )
    .unwrap();
    for (path, _) in &files {
        fs::write(gp.join("skel").join(path), format!("v2 {path}\n")).unwrap();
    }
    fs::write(gp.join("skel/new/added.txt"), "added\n").unwrap_or_else(|_| {
        fs::create_dir_all(gp.join("skel/new")).unwrap();
        fs::write(gp.join("skel/new/added.txt"), "added\n").unwrap();
    });
    (gp, sb.work().join("proj"))
}

fn update(sb: &Sandbox, proj: &Path, fault: Option<&str>) -> common::Run {
    let mut cmd = sb.cmd();
    cmd.current_dir(proj).args(["update", "--no-input"]);
    if let Some(f) = fault {
        cmd.env("SCAFFOLD_FAULT", f);
    }
    sb.run_cmd(&mut cmd)
}

#[test]
fn an_update_killed_after_n_files_is_rolled_back_by_the_next_run() {
    let sb = Sandbox::new();
    let (_gp, proj) = project_and_v2(&sb);
    let v1 = read_tree(&proj);
    // The reference: a clean update of a copy.
    let clean = sb.work().join("clean");
    common::copy_tree(&proj, &clean);
    update(&sb, &clean, None).success();
    let v2 = read_tree(&clean);
    assert_ne!(v1, v2);
    for n in [1, 7, FILES / 2, FILES + 1] {
        let run = update(&sb, &proj, Some(&format!("abort@{n}")));
        assert_eq!(run.code, -1, "not killed at {n}\n{}", run.transcript());
        assert_ne!(
            read_tree(&proj),
            v1,
            "nothing was written before the kill at {n}"
        );
        assert!(proj.join(".scaffold/journal").is_dir());
        // check reports the interrupted run and writes nothing.
        let check = sb.run_cmd(sb.cmd().current_dir(&proj).arg("check"));
        check.expect_code(2);
        assert!(
            check.stderr.contains("interrupted scaffold run"),
            "{}",
            check.transcript()
        );
        // An injected error rolls back at once, journal or not.
        let mut cmd = sb.cmd();
        cmd.current_dir(&proj)
            .args(["update", "--no-input", "--dry-run"]);
        sb.run_cmd(&mut cmd)
            .error_with(&["interrupted scaffold run"]);
        // The next run rolls back first: the tree is v1 again, byte for byte...
        let recovered = sb.run_cmd(
            sb.cmd()
                .current_dir(&proj)
                .args(["update", "--no-input"])
                .env("SCAFFOLD_FAULT", "error@1"),
        );
        recovered.error_with(&["rolled back an interrupted scaffold run", "injected fault"]);
        assert_eq!(
            read_tree(&proj),
            v1,
            "not rolled back after the kill at {n}"
        );
    }
    // ...and a run without faults gives exactly the clean update.
    update(&sb, &proj, None).success();
    let mut got = read_tree(&proj);
    let mut want = v2;
    // The git history differs (other commit times); compare the work trees.
    got.retain(|k, _| !k.starts_with(".git/") && k != ".git");
    want.retain(|k, _| !k.starts_with(".git/") && k != ".git");
    assert_eq!(got, want);
    assert!(
        !names_in(&proj.join(".scaffold"))
            .iter()
            .any(|n| n != "gp.yaml" && n != "gp.baseline"),
        "scaffold's state after a clean update is the answers file and the baseline"
    );
}

#[test]
fn a_real_kill_9_during_an_update_is_recovered() {
    let sb = Sandbox::new();
    let (_gp, proj) = project_and_v2(&sb);
    let v1 = read_tree(&proj);
    let mut child = sb
        .cmd()
        .current_dir(&proj)
        .args(["update", "--no-input"])
        .env("SCAFFOLD_FAULT", "pause@5:60000")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !proj.join(".scaffold/journal").is_dir() || read_tree(&proj) == v1 {
        assert!(
            started.elapsed().as_secs() < 60,
            "the update never started writing"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_ne!(read_tree(&proj), v1);
    let run = update(&sb, &proj, None);
    run.success();
    assert!(
        run.stderr
            .contains("rolled back an interrupted scaffold run"),
        "{}",
        run.transcript()
    );
    assert_eq!(
        fs::read_to_string(proj.join("d1/f5.txt")).unwrap(),
        "v2 d1/f5.txt\n"
    );
    assert!(
        fs::read_to_string(proj.join(".scaffold/gp.yaml"))
            .unwrap()
            .contains("2.0.0")
    );
    assert!(!proj.join(".scaffold/journal").exists());
    // No temporary files are left anywhere.
    let tree = read_tree(&proj);
    assert!(
        !tree.keys().any(|k| k.contains(".scaffold-tmp-")),
        "{:?}",
        tree.keys()
    );
}

#[test]
fn two_updates_at_once_run_one_after_the_other() {
    let sb = Sandbox::new();
    let (_gp, proj) = project_and_v2(&sb);
    let first = sb
        .cmd()
        .current_dir(&proj)
        .args(["update", "--no-input", "--format", "json"])
        .env("SCAFFOLD_FAULT", "pause@3:1500")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !proj.join(".scaffold/journal").is_dir() {
        assert!(
            started.elapsed().as_secs() < 60,
            "the first update never started writing"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // The first holds the lock mid-write: the second waits, then finds nothing to do.
    let mut cmd = sb.cmd();
    cmd.current_dir(&proj)
        .args(["update", "--no-input", "--format", "json"]);
    let second = sb.run_cmd(&mut cmd);
    let first = first.wait_with_output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    second.success();
    assert!(
        second.stderr.contains("waiting for another scaffold run"),
        "{}",
        second.transcript()
    );
    let json: serde_json::Value = serde_json::from_str(&second.stdout).unwrap();
    assert_eq!(json["from_version"], "2.0.0", "{}", second.stdout);
    assert!(!second.stderr.contains("rolled back"));
    assert_eq!(
        fs::read_to_string(proj.join("d2/f6.txt")).unwrap(),
        "v2 d2/f6.txt\n"
    );
}

#[test]
fn new_killed_mid_write_leaves_no_destination_and_the_next_run_cleans_up() {
    let sb = Sandbox::new();
    let gp = golden_path(
        &sb,
        "many",
        "{}",
        "",
        &[("a.txt", "a"), ("b/c.txt", "c"), ("d.txt", "d")],
    );
    let run = sb.run_cmd(
        sb.cmd()
            .args(["new", s(&gp), "out", "--no-input"])
            .env("SCAFFOLD_FAULT", "abort@2"),
    );
    assert_eq!(run.code, -1, "{}", run.transcript());
    assert!(!sb.work().join("out").exists());
    let stale: Vec<String> = names_in(&sb.work());
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert!(stale[0].starts_with(".scaffold-staging-"));
    // An injected error: nothing left, not even a staging directory.
    sb.run_cmd(
        sb.cmd()
            .args(["new", s(&gp), "out2", "--no-input"])
            .env("SCAFFOLD_FAULT", "error@1"),
    )
    .error_with(&["injected fault"]);
    // The next run removes the stale staging directory and writes the project, with
    // its first commit made before the tree became visible.
    sb.run(&["new", s(&gp), "out", "--no-input"]).success();
    assert_eq!(names_in(&sb.work()), vec!["out".to_string()]);
    assert!(sb.work().join("out/.git/HEAD").is_file());
    let log = std::process::Command::new("git")
        .args(["log", "--oneline"])
        .current_dir(sb.work().join("out"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&log.stdout).contains("Generate from golden path many"));
}

// ---------------------------------------------------------------------------------
// The "Smaller" list.

#[test]
fn a_computed_value_may_not_shadow_an_answer() {
    let sb = Sandbox::new();
    let gp = golden_path(
        &sb,
        "shadow",
        "{name: {type: string, default: a}}",
        "  computed:\n    name: \"{{ 'evil' }}\"\n",
        &[("x.txt", "x")],
    );
    sb.run(&["new", s(&gp), "out", "--no-input"])
        .error_with(&["spec.computed.name would shadow the answer of parameter `name`"]);
    assert!(!sb.work().join("out").exists());
}

#[test]
fn a_nul_byte_in_a_rendered_path_names_the_parameter() {
    let sb = Sandbox::new();
    let gp = golden_path(
        &sb,
        "nul",
        "{f: {type: string, default: a}}",
        "",
        &[("{{ f }}.txt", "x")],
    );
    sb.run(&["new", s(&gp), "out", "--no-input", "--set", "f=a\u{1}b"])
        .success();
    let run = sb.run(&[
        "new",
        s(&gp),
        "out2",
        "--no-input",
        "--values",
        s(&write_values(&sb, "f: \"a\\0b\"\n")),
    ]);
    run.error_with(&["`/f`"]);
    assert!(!sb.work().join("out2").exists());
}

fn write_values(sb: &Sandbox, text: &str) -> PathBuf {
    let p = sb.root().join("values.yaml");
    fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_file_that_is_not_a_definition_is_not_dumped_into_the_error() {
    let sb = Sandbox::new();
    let fake = sb.root().join("passwd");
    let secret = "root:x:0:0:root:/root:/bin/bash daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin";
    fs::write(&fake, secret).unwrap();
    let run = sb.run(&["new", s(&fake), "out", "--no-input"]);
    run.error_with(&["invalid golden-path definition"]);
    assert!(!run.stderr.contains("daemon"), "{}", run.transcript());
}

#[test]
fn values_from_an_endless_file_are_refused_quickly() {
    let sb = Sandbox::new();
    let gp = golden_path(&sb, "vals", "{}", "", &[("x.txt", "x")]);
    let started = std::time::Instant::now();
    sb.run(&["new", s(&gp), "out", "--no-input", "--values", "/dev/zero"])
        .error_with(&["/dev/zero", "larger than 4 MiB"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn non_utf8_skeleton_names_that_collide_are_an_error() {
    use std::os::unix::ffi::OsStrExt;
    let sb = Sandbox::new();
    let gp = golden_path(&sb, "lossy", "{}", "", &[("x.txt", "x")]);
    let skel = gp.join("skel");
    for name in [&b"a\xffb.txt"[..], &b"a\xfeb.txt"[..]] {
        if fs::write(skel.join(std::ffi::OsStr::from_bytes(name)), "x").is_err() {
            panic!("the filesystem refuses non-UTF-8 names; this test needs one that accepts them");
        }
    }
    sb.run(&["new", s(&gp), "out", "--no-input"])
        .error_with(&["two entries named `a\u{FFFD}b.txt`"]);
    assert!(!sb.work().join("out").exists());
}

#[test]
fn an_unknown_name_in_an_if_is_an_error() {
    let sb = Sandbox::new();
    let gp = golden_path(
        &sb,
        "ifs",
        "{db: {type: string}}",
        "",
        &[(
            "a.txt.tera",
            "x\n{% if db %}db{% endif %}{% for i in [1] %}{{ i }}{% set j = 2 %}{{ j }}{% endfor %}\n{% if nosuch %}y{% endif %}\n",
        )],
    );
    sb.run(&["new", s(&gp), "out", "--no-input"]).error_with(&[
        "ifs/skel/a.txt.tera:3:7",
        "Variable `nosuch` is not defined",
    ]);
    assert!(!sb.work().join("out").exists());
    // Declared but unanswered parameters are fine.
    fs::write(gp.join("skel/a.txt.tera"), "{% if db %}db{% endif %}ok").unwrap();
    sb.run(&["new", s(&gp), "out", "--no-input", "--no-git"])
        .success();
    assert_eq!(
        fs::read_to_string(sb.work().join("out/a.txt")).unwrap(),
        "ok"
    );
}

#[test]
fn an_include_loop_names_the_file() {
    let sb = Sandbox::new();
    let gp = golden_path(
        &sb,
        "incloop",
        "{}",
        "",
        &[
            ("a.txt.tera", "{% include \"skel/b.txt.tera\" %}"),
            ("b.txt.tera", "{% include \"skel/a.txt.tera\" %}"),
        ],
    );
    sb.run(&["new", s(&gp), "out", "--no-input"]).error_with(&[
        "template error at [TMP]/lib/incloop/skel/a.txt.tera",
        "Circular include",
    ]);
    assert!(!sb.work().join("out").exists());
}

#[test]
fn update_says_when_there_is_no_dirty_check() {
    let sb = Sandbox::new();
    let (_gp, proj) = project_and_v2(&sb);
    // A `.git` file pointing nowhere (a moved worktree).
    fs::remove_dir_all(proj.join(".git")).unwrap();
    fs::write(proj.join(".git"), "gitdir: /nonexistent/worktrees/x\n").unwrap();
    let mut cmd = sb.cmd();
    cmd.current_dir(&proj)
        .args(["update", "--no-input", "--dry-run", "--format", "json"]);
    let run = sb.run_cmd(&mut cmd);
    run.success();
    assert!(
        run.stderr.contains("does not open as a repository"),
        "{}",
        run.transcript()
    );
    assert!(run.stderr.contains("no check for uncommitted changes"));
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(json["no_dirty_check"].as_str().unwrap().contains(".git"));
    // No `.git` at all.
    fs::remove_file(proj.join(".git")).unwrap();
    let run = update(&sb, &proj, None);
    run.success();
    assert!(
        run.stderr
            .contains("is not in a git work tree; there is no check for uncommitted changes"),
        "{}",
        run.transcript()
    );
}

#[test]
fn new_force_killed_mid_write_is_rolled_back_by_the_next_run() {
    let sb = Sandbox::new();
    let gp = golden_path(
        &sb,
        "force",
        "{}",
        "",
        &[("a.txt", "new a"), ("b.txt", "new b"), ("c/d.txt", "new d")],
    );
    let dest = sb.work().join("mine");
    fs::create_dir_all(&dest).unwrap();
    fs::write(dest.join("a.txt"), "my a").unwrap();
    fs::write(dest.join("b.txt"), "my b").unwrap();
    fs::write(dest.join("keep.txt"), "keep").unwrap();
    let before = read_tree(&dest);
    let run = sb.run_cmd(
        sb.cmd()
            .args(["new", s(&gp), "mine", "--force", "--no-input", "--no-git"])
            .env("SCAFFOLD_FAULT", "abort@2"),
    );
    assert_eq!(run.code, -1, "{}", run.transcript());
    assert_ne!(read_tree(&dest), before);
    // The next run rolls back before planning, then writes the whole golden path.
    let run = sb.run_cmd(
        sb.cmd()
            .args(["new", s(&gp), "mine", "--force", "--no-input", "--no-git"])
            .env("SCAFFOLD_FAULT", "error@1"),
    );
    run.error_with(&["rolled back an interrupted scaffold run", "injected fault"]);
    assert_eq!(read_tree(&dest), before, "not rolled back");
    sb.run(&["new", s(&gp), "mine", "--force", "--no-input", "--no-git"])
        .success();
    for (p, c) in [
        ("a.txt", "new a"),
        ("b.txt", "new b"),
        ("c/d.txt", "new d"),
        ("keep.txt", "keep"),
    ] {
        assert_eq!(fs::read_to_string(dest.join(p)).unwrap(), c, "{p}");
    }
}
