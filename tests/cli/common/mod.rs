//! Shared helpers of the CLI tests over the one sandbox of tests/cli/env: copy fixture
//! golden paths into it, and describe trees so tests can compare them.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The fixture golden paths of the repository.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/golden-paths")
}

#[allow(unused_imports)]
pub use crate::env::{Run, Sandbox, strip_ansi};

impl Sandbox {
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
