//! The distribution channels that live in the repository (docs/image.md,
//! docs/action.md, docs/pre-commit.md): the man pages generated from the clap
//! definition, and the pinned names and versions that must agree with the workspace
//! and with what every golden path's CI renders. (The files' schemas and linters run
//! in tests/golden/harness/channels.py.)

mod common;
mod env;

use std::fs;
use std::path::{Path, PathBuf};

use common::Sandbox;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn repo_file(rel: &str) -> String {
    fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn man_prints_the_page_of_every_command() {
    let sb = Sandbox::new();
    let run = sb.run(&["man"]);
    run.success();
    assert!(
        run.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "not roff:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains(".TH scaffold 1"), "{}", run.stdout);
    // The exit codes of --help are in the page, and every subcommand is listed.
    assert!(run.stdout.contains("Exit codes:"), "{}", run.stdout);
    for sub in [
        "list",
        "show",
        "new",
        "update",
        "check",
        "diff",
        "lint",
        "completions",
        "man",
    ] {
        assert!(
            run.stdout.contains(&format!("scaffold\\-{sub}(1)")),
            "scaffold-{sub}(1) is not referenced:\n{}",
            run.stdout
        );
    }
}

#[test]
fn man_dir_writes_one_page_per_command() {
    let sb = Sandbox::new();
    let dir = sb.join("share/man/man1");
    let run = sb.run(&["man", "--dir", dir.to_str().unwrap()]);
    run.success();
    let mut pages: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "scaffold-check.1",
            "scaffold-completions.1",
            "scaffold-config.1",
            "scaffold-diff.1",
            "scaffold-export-backstage.1",
            "scaffold-export.1",
            "scaffold-fleet-merge.1",
            "scaffold-fleet-report.1",
            "scaffold-fleet-update.1",
            "scaffold-fleet.1",
            "scaffold-init.1",
            "scaffold-lint.1",
            "scaffold-list.1",
            "scaffold-man.1",
            "scaffold-new.1",
            "scaffold-show.1",
            "scaffold-update.1",
            "scaffold.1",
        ]
    );
    // The pages printed are the pages written.
    let printed: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(printed.len(), pages.len(), "{}", run.stdout);
    let new = fs::read_to_string(dir.join("scaffold-new.1")).unwrap();
    assert!(new.contains("\\-\\-dry\\-run"), "{new}");
    // --quiet prints nothing; a directory that cannot be made is an error.
    let quiet = sb.run(&["man", "--quiet", "--dir", dir.to_str().unwrap()]);
    quiet.success();
    assert_eq!(quiet.stdout, "", "--quiet printed");
    fs::write(sb.join("file"), "").unwrap();
    sb.run(&["man", "--dir", sb.join("file/man").to_str().unwrap()])
        .error_with(&["cannot create the man page directory", "file/man"]);
}

fn workspace_version() -> String {
    let manifest = repo_file("Cargo.toml");
    let section = manifest.split("[workspace.package]").nth(1).unwrap();
    section
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("workspace version")
        .to_string()
}

#[test]
fn the_pinned_image_tag_is_the_workspace_version() {
    let version = workspace_version();
    let hooks = repo_file(".pre-commit-hooks.yaml");
    assert!(
        hooks.contains(&format!("entry: ghcr.io/acme/scaffold:{version} check")),
        "the docker hook does not run image tag {version}:\n{hooks}"
    );
    let action = repo_file("action.yml");
    assert!(
        action.contains("    default: ghcr.io/acme/scaffold\n"),
        "action.yml's default image changed:\n{action}"
    );
}

/// The CI of every golden path with a pipeline calls the action, at the version of
/// the scaffold that rendered it, with the image of `scaffold_image`; no hand-written
/// `docker run` of scaffold is left.
#[test]
fn every_golden_path_ci_uses_the_action() {
    let sb = Sandbox::new();
    let version = workspace_version();
    let cases = [
        ("go-microservice", vec![]),
        ("python-api", vec![]),
        ("worker", vec![]),
        ("cli-tool", vec![]),
        ("node-api", vec![]),
        ("web-app", vec![]),
        ("rust-service", vec![]),
        ("java-service", vec![]),
        // An image on another registry: the action of the repository it is named
        // after; an image without a registry host is its own name.
        (
            "go-microservice",
            vec!["scaffold_image=registry.example.com/platform/scaffold"],
        ),
        ("python-api", vec!["scaffold_image=bigcorp/scaffold"]),
    ];
    for (i, (gp, sets)) in cases.iter().enumerate() {
        let dest = format!("service-{i}");
        let mut args = vec![
            "new",
            gp,
            &dest,
            "--set",
            "owner=team-x",
            "--no-input",
            "--no-git",
        ];
        for s in sets {
            args.extend(["--set", s]);
        }
        sb.run(&args).success();
        let ci = fs::read_to_string(sb.work().join(&dest).join(".github/workflows/ci.yml"))
            .unwrap_or_else(|e| panic!("{gp}: {e}"));
        let (action, image) = match sets.first().map(|s| &s["scaffold_image=".len()..]) {
            Some("registry.example.com/platform/scaffold") => (
                "platform/scaffold",
                "registry.example.com/platform/scaffold",
            ),
            Some("bigcorp/scaffold") => ("bigcorp/scaffold", "bigcorp/scaffold"),
            _ => ("acme/scaffold", "ghcr.io/acme/scaffold"),
        };
        let step = format!(
            "      - name: platform-owned files are unchanged\n        uses: {action}@v{version}\n        with:\n          image: {image}\n"
        );
        assert!(ci.contains(&step), "{gp} {sets:?}: no action step\n{ci}");
        assert!(
            !ci.contains("docker run"),
            "{gp}: a hand-written docker run is left"
        );
    }
}
