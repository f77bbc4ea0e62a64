//! The one sandbox every CLI test runs the real binary in (new, lint, check, update,
//! scenarios, ...): a temp dir holding HOME, the caches and config, a template library
//! (`lib/`, `templates/`) and a working directory (`work/`), with the one environment:
//! no system or global git config, no repository discovery above the root, no colour,
//! fixed git dates and identity, and none of the variables that would change
//! scaffold's or git's behaviour. tests/cli/common and tests/cli/support re-export it
//! and add helpers of their own (fixtures, trees, template repositories).
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The date of every git commit made in a sandbox.
pub const GIT_DATE: &str = "2024-01-01T00:00:00+00:00";

/// The variables the sandbox of `root` sets (for a command built another way, such
/// as a pseudo-terminal's in tests/cli/prompts.rs).
pub fn sandbox_vars(root: &Path) -> Vec<(&'static str, std::ffi::OsString)> {
    vec![
        ("HOME", root.join("home").into()),
        ("XDG_CACHE_HOME", root.join("home/.cache").into()),
        ("XDG_CONFIG_HOME", root.join("home/.config").into()),
        ("SCAFFOLD_CACHE_DIR", root.join("cache").into()),
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ("GIT_CONFIG_GLOBAL", "/dev/null".into()),
        ("GIT_CEILING_DIRECTORIES", root.into()),
        ("GIT_AUTHOR_DATE", GIT_DATE.into()),
        ("GIT_COMMITTER_DATE", GIT_DATE.into()),
        ("NO_COLOR", "1".into()),
    ]
}

/// Variables that would change scaffold's or git's behaviour, removed.
pub const REMOVED_VARS: [&str; 9] = [
    "SCAFFOLD_TEMPLATES",
    "SCAFFOLD_CONFIG",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "CLICOLOR_FORCE",
    "RUST_BACKTRACE",
    "COLUMNS",
];

/// Give `cmd` the sandbox environment of `root` (which holds `home/` and `cache/`).
pub fn sandbox_env(cmd: &mut Command, root: &Path) {
    for (k, v) in sandbox_vars(root) {
        cmd.env(k, v);
    }
    for var in REMOVED_VARS {
        cmd.env_remove(var);
    }
}

/// What a run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output: from [`Sandbox::run`] with the sandbox paths replaced by
    /// `[TMP]` and ANSI escapes removed; from [`Sandbox::scaffold`] as printed.
    pub stdout: String,
    /// Standard output exactly as printed.
    pub raw_stdout: String,
    /// Standard error, treated as `stdout` is.
    pub stderr: String,
    /// Standard error exactly as printed.
    pub raw_stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr in one text, for snapshots.
    pub fn transcript(&self) -> String {
        format!(
            "exit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Panic with the transcript unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            code,
            "unexpected exit code\n{}",
            self.transcript()
        );
        self
    }

    /// The exit code is `code` and the binary did not panic.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        self.expect_code(code);
        assert!(
            !self.stderr.contains("panicked"),
            "the binary panicked\n{}",
            self.transcript()
        );
        self
    }

    /// Success (exit 0).
    #[track_caller]
    pub fn success(&self) -> &Self {
        self.expect_code(0)
    }

    /// An error (exit 2, no panic) whose stderr contains every one of `needles`.
    #[track_caller]
    pub fn error_with(&self, needles: &[&str]) -> &Self {
        self.code(2);
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr lacks {n:?}\n{}",
                self.transcript()
            );
        }
        self
    }

    /// Stdout contains every one of `needles`.
    #[track_caller]
    pub fn stdout_has(&self, needles: &[&str]) -> &Self {
        for n in needles {
            assert!(
                self.stdout.contains(n),
                "stdout lacks {n:?}\n{}",
                self.transcript()
            );
        }
        self
    }

    /// Stdout parsed as JSON (panics with the whole output when it is not).
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{}", self.transcript()))
    }
}

/// A private temp dir: `home/`, `cache/`, `xdg-cache/`, `xdg-config/`, the working
/// directory `work/` and the template libraries `lib/` and `templates/`.
pub struct Sandbox {
    tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    /// A fresh sandbox (its root canonical, so that paths printed match).
    pub fn new() -> Sandbox {
        let tmp = tempfile::Builder::new()
            .prefix("scaffold-test-")
            .tempdir()
            .expect("temp dir");
        let root = fs::canonicalize(tmp.path()).expect("canonical temp dir");
        for d in [
            "home",
            "cache",
            "xdg-cache",
            "xdg-config",
            "work",
            "lib",
            "templates",
        ] {
            fs::create_dir(root.join(d)).expect("sandbox dir");
        }
        Sandbox { tmp, root }
    }

    /// The sandbox root (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The sandbox root (canonical); the same as [`Sandbox::root`].
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// A path inside the sandbox.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// The working directory the binary runs in by default.
    pub fn work(&self) -> PathBuf {
        self.root.join("work")
    }

    /// The template library directory (`lib/`), for `--templates`.
    pub fn lib(&self) -> PathBuf {
        self.root.join("lib")
    }

    /// A `scaffold` command with the sandbox environment, run in `work/`.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_scaffold"));
        c.current_dir(self.work());
        sandbox_env(&mut c, &self.root);
        c
    }

    /// Run `scaffold ARGS` in `work/`; the output scrubbed (see [`Run::stdout`]).
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_cmd(self.cmd().args(args))
    }

    /// Run a prepared command; the output scrubbed.
    pub fn run_cmd(&self, cmd: &mut Command) -> Run {
        let out = cmd.output().expect("run scaffold");
        let raw_stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let raw_stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: self.scrub(&strip_ansi(&raw_stdout)),
            stderr: self.scrub(&strip_ansi(&raw_stderr)),
            raw_stdout,
            raw_stderr,
        }
    }

    /// Run `scaffold ARGS` in `cwd`; the output as printed.
    pub fn scaffold(&self, cwd: &Path, args: &[&str]) -> Run {
        let out = self
            .cmd()
            .args(args)
            .current_dir(cwd)
            .output()
            .expect("run scaffold");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        Run {
            code: out.status.code().unwrap_or(-1),
            raw_stdout: stdout.clone(),
            raw_stderr: stderr.clone(),
            stdout,
            stderr,
        }
    }

    /// Replace the sandbox paths and the engine version by placeholders.
    pub fn scrub(&self, text: &str) -> String {
        let mut t = text.replace(&*self.root.to_string_lossy(), "[TMP]");
        let raw = self.tmp.path().to_string_lossy();
        if raw != self.root.to_string_lossy() {
            t = t.replace(&*raw, "[TMP]");
        }
        t.replace(
            &format!("scaffold {}", scaffold_core::ENGINE_VERSION),
            "scaffold [VERSION]",
        )
    }

    /// Run `git ARGS` in `cwd` with the sandbox environment, a fixed identity and no
    /// signing; panics when git fails, returns its stdout.
    pub fn git(&self, cwd: &Path, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        cmd.args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(cwd);
        sandbox_env(&mut cmd, &self.root);
        let out = cmd.output().expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `git add -A && git commit -m MESSAGE` in `cwd`.
    pub fn commit_all(&self, cwd: &Path, message: &str) {
        self.git(cwd, &["add", "-A"]);
        self.git(cwd, &["commit", "-q", "-m", message]);
    }
}

/// Replace each word (a run of ASCII letters and digits) of 7 hexadecimal digits
/// or more by `placeholder`: full and abbreviated commit ids, which differ from run
/// to run. A word of digits only counts too: an abbreviated id can be one (about one
/// in 27 is).
pub fn mask_hashes(text: &str, placeholder: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.len() >= 7 && word.chars().all(|c| c.is_ascii_hexdigit()) {
            out.push_str(placeholder);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Remove ANSI escape sequences (`ESC [ ... letter`).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
