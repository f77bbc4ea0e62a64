//! Shared helpers of the CLI tests: run the real `scaffold` binary in a sandbox (temp
//! HOME, caches and working directory, no system git config, no colour, no network),
//! copy fixture golden paths into it, and describe trees so tests can compare them.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The fixture golden paths of the repository.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/golden-paths")
}

/// A sandbox: a temp dir holding HOME, the caches, a template library and the working
/// directory the binary runs in.
pub struct Sandbox {
    tmp: tempfile::TempDir,
    root: PathBuf,
}

/// What a run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output, temp paths replaced by `[TMP]`, ANSI escapes removed.
    pub stdout: String,
    /// Standard output exactly as printed.
    pub raw_stdout: String,
    /// Standard error, temp paths replaced by `[TMP]`, ANSI escapes removed.
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

    /// Success (exit 0).
    #[track_caller]
    pub fn success(&self) -> &Self {
        self.expect_code(0)
    }

    /// An error (exit 2) whose stderr contains every one of `needles`.
    #[track_caller]
    pub fn error_with(&self, needles: &[&str]) -> &Self {
        self.expect_code(2);
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr lacks {n:?}\n{}",
                self.transcript()
            );
        }
        assert!(
            !self.stderr.contains("panicked"),
            "the binary panicked\n{}",
            self.transcript()
        );
        self
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = fs::canonicalize(tmp.path()).expect("canonical temp dir");
        for d in ["home", "cache", "xdg-cache", "xdg-config", "work", "lib"] {
            fs::create_dir(root.join(d)).expect("sandbox dir");
        }
        Sandbox { tmp, root }
    }

    /// The sandbox root (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The working directory the binary runs in.
    pub fn work(&self) -> PathBuf {
        self.root.join("work")
    }

    /// The template library directory (`lib/`), for `--templates`.
    pub fn lib(&self) -> PathBuf {
        self.root.join("lib")
    }

    /// Copy fixture `name` into the library (`lib/<name>/`), once, and return its directory.
    pub fn fixture(&self, name: &str) -> PathBuf {
        let dest = self.lib().join(name);
        if !dest.exists() {
            copy_tree(&fixtures_dir().join(name), &dest);
        }
        dest
    }

    /// Copy fixture `name` into the library and add an empty directory `rel` to it
    /// (git cannot keep empty directories in the repository's fixtures).
    pub fn fixture_with_empty_dir(&self, name: &str, rel: &str) -> PathBuf {
        let dir = self.fixture(name);
        fs::create_dir_all(dir.join(rel)).expect("empty dir");
        dir
    }

    /// A `scaffold` command with the sandbox environment and working directory.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_scaffold"));
        c.current_dir(self.work());
        crate::env::sandbox_env(&mut c, &self.root);
        c
    }

    /// Run `scaffold ARGS` and collect the result.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_cmd(self.cmd().args(args))
    }

    /// Run a prepared command.
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

/// Copy a directory tree, keeping modes and symbolic links.
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create copy root");
    for item in fs::read_dir(from).expect("read fixture dir") {
        let item = item.expect("fixture entry");
        let src = item.path();
        let dst = to.join(item.file_name());
        let meta = fs::symlink_metadata(&src).expect("fixture metadata");
        if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&src).expect("link"), &dst).expect("symlink");
        } else if meta.is_dir() {
            copy_tree(&src, &dst);
        } else {
            fs::copy(&src, &dst).expect("copy fixture file");
            fs::set_permissions(&dst, meta.permissions()).expect("keep mode");
        }
    }
}

/// One entry of a tree on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A regular file: permission bits and bytes.
    File { mode: u32, bytes: Vec<u8> },
    /// A symbolic link and its target.
    Link(String),
    /// A directory (listed so that empty ones show).
    Dir,
}

/// Everything under `dir` (relative `/` paths), `.git` left out.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Node> {
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Node>) {
    let mut items: Vec<_> = fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .collect();
    items.sort();
    for p in items {
        let rel = p
            .strip_prefix(root)
            .expect("under root")
            .to_string_lossy()
            .into_owned();
        if rel == ".git" {
            continue;
        }
        let meta = fs::symlink_metadata(&p).expect("metadata");
        if meta.file_type().is_symlink() {
            let t = fs::read_link(&p).expect("link");
            out.insert(rel, Node::Link(t.to_string_lossy().into_owned()));
        } else if meta.is_dir() {
            out.insert(rel, Node::Dir);
            walk(root, &p, out);
        } else {
            out.insert(
                rel,
                Node::File {
                    mode: meta.permissions().mode() & 0o777,
                    bytes: fs::read(&p).expect("read"),
                },
            );
        }
    }
}

/// A listing of a tree, one line per entry: kind (`exec` for executable files, so the
/// listing does not depend on the umask), size and path.
pub fn listing(dir: &Path) -> String {
    read_tree(dir)
        .iter()
        .map(|(p, n)| match n {
            Node::File { mode, bytes } => {
                let kind = if mode & 0o111 != 0 { "exec" } else { "file" };
                format!("{kind} {:>5} {p}\n", bytes.len())
            }
            Node::Link(t) => format!("link       {p} -> {t}\n"),
            Node::Dir => format!("dir        {p}/\n"),
        })
        .collect()
}

/// The names directly in `dir`, sorted (empty when it does not exist).
pub fn names_in(dir: &Path) -> Vec<String> {
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<String> = rd
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Whether the OS enforces permissions for us (false when running as root).
pub fn permissions_enforced(scratch: &Path) -> bool {
    let d = scratch.join("perm-probe");
    fs::create_dir(&d).expect("probe dir");
    fs::set_permissions(&d, fs::Permissions::from_mode(0o555)).expect("chmod");
    let enforced = fs::write(d.join("x"), "x").is_err();
    let _ = fs::remove_file(d.join("x"));
    fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).expect("chmod back");
    fs::remove_dir(&d).expect("remove probe");
    enforced
}

/// Read a file as text.
pub fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
