//! Helpers shared by the `scaffold update` CLI tests, over the one sandbox of
//! tests/cli/env (re-exported here): template repositories built with git2 (fixed
//! signatures, so commit ids are stable), and whole-tree snapshots (content and mode of
//! every entry, `.git/` included) to prove that a command wrote nothing.
//!
//! Nothing here touches the network or the user's git configuration.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// A file to put in a tree: its bytes and unix permission bits (0o644 or 0o755).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Content.
    pub bytes: Vec<u8>,
    /// Permission bits, 0o644 or 0o755.
    pub mode: u32,
}

/// Relative `/`-separated path to file.
pub type Files = BTreeMap<String, File>;

/// A regular file.
pub fn text(s: &str) -> File {
    File {
        bytes: s.as_bytes().to_vec(),
        mode: 0o644,
    }
}

/// Raw bytes.
pub fn bytes(b: &[u8]) -> File {
    File {
        bytes: b.to_vec(),
        mode: 0o644,
    }
}

/// An executable file.
pub fn exe(s: &str) -> File {
    File {
        bytes: s.as_bytes().to_vec(),
        mode: 0o755,
    }
}

/// The `mode` of a symbolic link (its bytes are the target).
pub const SYMLINK: u32 = 0o120000;

/// A symbolic link to `target`.
pub fn link(target: &str) -> File {
    File {
        bytes: target.as_bytes().to_vec(),
        mode: SYMLINK,
    }
}

/// Build a [`Files`] map from pairs.
pub fn files<const N: usize>(items: [(&str, File); N]) -> Files {
    items.into_iter().map(|(p, f)| (p.to_string(), f)).collect()
}

#[allow(unused_imports)]
pub use crate::env::{Run, Sandbox};

/// A bare template repository built with git2, one commit per version, each tagged.
pub struct TemplateRepo {
    /// The bare repository's directory.
    pub path: PathBuf,
    repo: git2::Repository,
    head: Option<git2::Oid>,
    tick: i64,
}

impl TemplateRepo {
    /// Create an empty bare repository at `path`.
    pub fn init(path: &Path) -> TemplateRepo {
        let repo = git2::Repository::init_bare(path).expect("init bare repo");
        repo.set_head("refs/heads/main").unwrap();
        TemplateRepo {
            path: path.to_path_buf(),
            repo,
            head: None,
            tick: 0,
        }
    }

    /// Commit `files` as the whole tree on `main`, tag it `tag` (lightweight), and
    /// return the commit id.
    pub fn commit_tag(&mut self, tag: &str, files: &Files) -> String {
        let mut index = git2::Index::new().unwrap();
        for (path, f) in files {
            let oid = self.repo.blob(&f.bytes).unwrap();
            let entry = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: if f.mode == SYMLINK {
                    0o120000
                } else if f.mode & 0o111 != 0 {
                    0o100755
                } else {
                    0o100644
                },
                uid: 0,
                gid: 0,
                file_size: f.bytes.len() as u32,
                id: oid,
                flags: 0,
                flags_extended: 0,
                path: path.as_bytes().to_vec(),
            };
            index.add(&entry).unwrap();
        }
        let tree_id = index.write_tree_to(&self.repo).unwrap();
        let tree = self.repo.find_tree(tree_id).unwrap();
        self.tick += 1;
        let sig = git2::Signature::new("t", "t@t", &git2::Time::new(1_700_000_000 + self.tick, 0))
            .unwrap();
        let parents: Vec<git2::Commit<'_>> = self
            .head
            .iter()
            .map(|p| self.repo.find_commit(*p).unwrap())
            .collect();
        let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let oid = self
            .repo
            .commit(
                Some("refs/heads/main"),
                &sig,
                &sig,
                &format!("release {tag}"),
                &tree,
                &parent_refs,
            )
            .unwrap();
        self.repo
            .reference(&format!("refs/tags/{tag}"), oid, false, "tag")
            .unwrap();
        self.head = Some(oid);
        oid.to_string()
    }

    /// The source string `git+/abs/repo[//SUBPATH][?ref=REF]`.
    pub fn source(&self, subpath: Option<&str>, reference: Option<&str>) -> String {
        let mut s = format!("git+{}", self.path.display());
        if let Some(sub) = subpath {
            s.push_str("//");
            s.push_str(sub);
        }
        if let Some(r) = reference {
            s.push_str("?ref=");
            s.push_str(r);
        }
        s
    }
}

/// A golden-path definition (YAML) with `skeletons: [{path: skel}]`.
///
/// `parameters` is a JSON Schema object (as JSON); `policy` is `{seed: [..],
/// enforced: [..]}` or null.
pub fn definition(name: &str, version: &str, parameters: &Value, policy: &Value) -> String {
    let mut def = serde_json::json!({
        "apiVersion": "scaffold/v1",
        "kind": "GoldenPath",
        "metadata": {"name": name, "version": version.trim_start_matches('v')},
        "spec": {
            "parameters": parameters,
            "skeletons": [{"path": "skel"}],
        }
    });
    if !policy.is_null() {
        def["spec"]["files"] = serde_json::json!({ "policy": policy });
    }
    // JSON is YAML.
    serde_json::to_string_pretty(&def).unwrap()
}

/// Put `skel` under `prefix` (e.g. `skel/`), next to a definition file.
pub fn template_tree(definition_path: &str, definition: &str, prefix: &str, skel: &Files) -> Files {
    let mut out = Files::new();
    out.insert(definition_path.to_string(), text(definition));
    for (p, f) in skel {
        out.insert(format!("{prefix}{p}"), f.clone());
    }
    out
}

/// Write `files` under `root` (creating directories, setting modes).
pub fn write_files(root: &Path, files: &Files) {
    for (p, f) in files {
        let path = root.join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        if f.mode == SYMLINK {
            std::os::unix::fs::symlink(String::from_utf8_lossy(&f.bytes).as_ref(), &path).unwrap();
            continue;
        }
        fs::write(&path, &f.bytes).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(f.mode)).unwrap();
    }
}

/// Read every regular file under `root` (skipping the top-level names in `skip`), with
/// the exec bit reduced to 0o644 / 0o755. Symbolic links are read as their target.
pub fn read_files(root: &Path, skip: &[&str]) -> Files {
    let mut out = Files::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let rel = rel_path(root, &path);
            if skip.contains(&rel.as_str()) {
                continue;
            }
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.file_type().is_symlink() {
                let target = fs::read_link(&path).unwrap();
                out.insert(
                    rel,
                    File {
                        bytes: target.to_string_lossy().as_bytes().to_vec(),
                        mode: SYMLINK,
                    },
                );
            } else {
                let mode = if meta.permissions().mode() & 0o111 != 0 {
                    0o755
                } else {
                    0o644
                };
                out.insert(
                    rel,
                    File {
                        bytes: fs::read(&path).unwrap(),
                        mode,
                    },
                );
            }
        }
    }
    out
}

/// Directories under `root` that hold nothing (skipping the top-level names in `skip`).
pub fn empty_dirs(root: &Path, skip: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut any = false;
        for entry in fs::read_dir(&dir).unwrap() {
            any = true;
            let path = entry.unwrap().path();
            if skip.contains(&rel_path(root, &path).as_str()) {
                continue;
            }
            if fs::symlink_metadata(&path).unwrap().is_dir() {
                stack.push(path);
            }
        }
        if !any && dir != root {
            out.push(rel_path(root, &dir));
        }
    }
    out.sort();
    out
}

fn rel_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

/// Everything under `root`, `.git/` included: kind, full permission bits and content
/// of each entry. Two equal snapshots mean nothing was written (mtimes aside).
pub fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            let rel = rel_path(root, &path);
            let desc = if meta.file_type().is_symlink() {
                format!("link -> {}", fs::read_link(&path).unwrap().display())
            } else if meta.is_dir() {
                stack.push(path);
                format!("dir {mode:o}")
            } else {
                let content = fs::read(&path).unwrap();
                format!("file {mode:o} {} {}", content.len(), fingerprint(&content))
            };
            out.insert(rel, desc);
        }
    }
    out
}

/// A 128-bit FNV-1a fingerprint (enough to tell contents apart in a test).
fn fingerprint(bytes: &[u8]) -> String {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in bytes {
        h ^= u128::from(*b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    format!("{h:032x}")
}

/// Describe how two snapshots differ (empty when equal).
pub fn snapshot_diff(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> String {
    let mut out = String::new();
    for (p, b) in before {
        match after.get(p) {
            None => out.push_str(&format!("  removed   {p} ({b})\n")),
            Some(a) if a != b => out.push_str(&format!("  changed   {p}: {b} -> {a}\n")),
            _ => {}
        }
    }
    for (p, a) in after {
        if !before.contains_key(p) {
            out.push_str(&format!("  added     {p} ({a})\n"));
        }
    }
    out
}

/// Assert that `root` is exactly as `before` says.
#[track_caller]
pub fn assert_unchanged(root: &Path, before: &BTreeMap<String, String>, what: &str) {
    let after = snapshot(root);
    let diff = snapshot_diff(before, &after);
    assert!(diff.is_empty(), "{what} changed the tree:\n{diff}");
}

/// Copy a directory recursively (files, modes, links; `.git/` included).
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let meta = fs::symlink_metadata(&src).unwrap();
        if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if meta.is_dir() {
            copy_dir(&src, &dst);
            fs::set_permissions(&dst, meta.permissions()).unwrap();
        } else {
            fs::copy(&src, &dst).unwrap();
            fs::set_permissions(&dst, meta.permissions()).unwrap();
        }
    }
}

/// Show bytes for an assertion message: text as is (lossily), at most 2000 chars.
pub fn show(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    if s.chars().count() > 2000 {
        format!(
            "{}… ({} bytes)",
            s.chars().take(2000).collect::<String>(),
            bytes.len()
        )
    } else {
        format!("{s:?}")
    }
}

/// Describe how two file maps differ (empty when equal).
pub fn files_diff(expected: &Files, actual: &Files) -> String {
    let mut out = String::new();
    for (p, e) in expected {
        match actual.get(p) {
            None => out.push_str(&format!("  missing   {p}\n")),
            Some(a) => {
                if a.bytes != e.bytes {
                    out.push_str(&format!(
                        "  content   {p}\n    expected: {}\n    actual:   {}\n",
                        show(&e.bytes),
                        show(&a.bytes)
                    ));
                }
                if a.mode != e.mode {
                    out.push_str(&format!(
                        "  mode      {p}: expected {:o}, actual {:o}\n",
                        e.mode, a.mode
                    ));
                }
            }
        }
    }
    for (p, a) in actual {
        if !expected.contains_key(p) {
            out.push_str(&format!("  unexpected {p}: {}\n", show(&a.bytes)));
        }
    }
    out
}

/// Whether this process can write into a directory without write permission (root).
pub fn permissions_are_bypassed(scratch: &Path) -> bool {
    let d = scratch.join("perm-probe");
    fs::create_dir_all(&d).unwrap();
    fs::set_permissions(&d, fs::Permissions::from_mode(0o555)).unwrap();
    let bypassed = fs::write(d.join("x"), "x").is_ok();
    fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
    let _ = fs::remove_dir_all(&d);
    bypassed
}
