//! The README's commands work (as just's tests/readme.rs runs the justfiles of its
//! README): every line of its ```sh blocks is run, the `cargo run --release --`
//! ones as the `scaffold` binary in a sandbox, and each `scaffold SUBCOMMAND` of its
//! command table exists. A README line this test does not know how to run fails it,
//! so a new example cannot go untested.

mod common;
mod env;

use std::path::Path;

use common::Sandbox;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
        .expect("README.md")
}

/// The lines of every ```sh block.
fn sh_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            inside = !inside && t == "```sh";
            continue;
        }
        if inside && !t.is_empty() && !t.starts_with('#') {
            out.push(t.to_string());
        }
    }
    out
}

#[test]
fn readme_commands_run() {
    let lines = sh_lines(&readme());
    let sb = Sandbox::new();
    let mut ran = 0;
    for line in &lines {
        assert!(
            !line.contains(['"', '\'', '|', '&', ';', '$', '\\']),
            "`{line}`: this test splits on spaces only"
        );
        if let Some(rest) = line.strip_prefix("cargo run --release -- ") {
            let args: Vec<&str> = rest.split_whitespace().collect();
            sb.run(&args).success();
            if let ["new", _, dest, ..] = args.as_slice() {
                let dir = sb.work().join(dest);
                assert!(dir.join(".scaffold").is_dir(), "`{line}` wrote no project");
                assert!(
                    dir.join(".git").is_dir(),
                    "`{line}` initialised no repository"
                );
            }
            ran += 1;
        } else {
            // Running the test suite from inside the test suite would recurse.
            assert_eq!(
                line, "cargo test --workspace",
                "a README command this test cannot run"
            );
        }
    }
    assert!(ran >= 1, "the README shows no scaffold command: {lines:?}");
}

#[test]
fn readme_table_names_real_subcommands() {
    let text = readme();
    let subcommands: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("| `scaffold "))
        .filter_map(|l| l.split([' ', '`']).next())
        .collect();
    assert!(subcommands.len() >= 8, "{subcommands:?}");
    let sb = Sandbox::new();
    for sub in subcommands {
        sb.run(&[sub, "--help"]).success();
    }
}
