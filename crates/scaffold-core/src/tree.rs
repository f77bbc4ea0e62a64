//! In-memory file trees and the path rules every tree obeys.
//!
//! Skeletons, renders, working trees and manifests are all maps from a relative,
//! `/`-separated, normalized path to an entry. Keeping one representation means
//! `new`, `update` and `check` compare like with like, and the path rules (nothing
//! absolute, no `..`, nothing that could leave the destination) live in one place.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

pub use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// The kind and permission of an entry, with git's numbers as its text form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FileMode {
    /// A regular file, `100644`.
    #[serde(rename = "100644")]
    File,
    /// An executable file, `100755`.
    #[serde(rename = "100755")]
    Executable,
    /// A symbolic link, `120000`; the content is the link target.
    #[serde(rename = "120000")]
    Symlink,
    /// An empty directory, `040000`; the content is empty.
    #[serde(rename = "040000")]
    Dir,
}

impl FileMode {
    /// Git's octal text for the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            FileMode::File => "100644",
            FileMode::Executable => "100755",
            FileMode::Symlink => "120000",
            FileMode::Dir => "040000",
        }
    }

    /// The mode of what `meta` describes; from `symlink_metadata`, a link is a link.
    pub fn of(meta: &std::fs::Metadata) -> FileMode {
        let ft = meta.file_type();
        if ft.is_symlink() {
            FileMode::Symlink
        } else if ft.is_dir() {
            FileMode::Dir
        } else if is_executable(meta) {
            FileMode::Executable
        } else {
            FileMode::File
        }
    }

    /// Unix permission bits to create a file of this mode with.
    pub fn permissions(self) -> u32 {
        match self {
            FileMode::Executable | FileMode::Dir => 0o755,
            _ => 0o644,
        }
    }
}

impl fmt::Display for FileMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}

/// The directory prefixes of a relative path: `a`, `a/b` for `a/b/c`.
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(i, _)| &path[..i])
}

/// The one walk from a root down to relative paths that refuses to go through a
/// symbolic link on the way (it could lead outside the root): which directory
/// prefixes of a set of paths are links, each looked at once, never followed. Every
/// reader and writer of project files asks it before touching a path below the root.
#[derive(Debug, Clone, Default)]
pub struct LinksOnTheWay {
    links: BTreeSet<String>,
}

impl LinksOnTheWay {
    /// Look at every directory prefix of `paths` under `root`.
    pub fn find<'a>(root: &Path, paths: impl IntoIterator<Item = &'a str>) -> LinksOnTheWay {
        let dirs: BTreeSet<&str> = paths.into_iter().flat_map(ancestors).collect();
        let links = dirs
            .into_iter()
            .filter(|d| {
                std::fs::symlink_metadata(to_fs_path(root, d))
                    .is_ok_and(|m| m.file_type().is_symlink())
            })
            .map(str::to_string)
            .collect();
        LinksOnTheWay { links }
    }

    /// The first directory prefix of `rel` that is a link, if any.
    pub fn first<'a>(&self, rel: &'a str) -> Option<&'a str> {
        if self.links.is_empty() {
            return None;
        }
        ancestors(rel).find(|d| self.links.contains(*d))
    }
}

/// The first directory on the way from `root` to `rel` that is a symbolic link, as a
/// path on disk (see [`LinksOnTheWay`]; this one looks now, for a tree that changes).
pub fn link_on_the_way(root: &Path, rel: &str) -> Option<PathBuf> {
    LinksOnTheWay::find(root, [rel])
        .first(rel)
        .map(|d| to_fs_path(root, d))
}

/// One entry of a tree: its mode and its bytes (link target for links, empty for dirs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Kind and permission.
    pub mode: FileMode,
    /// Content (shared, not copied, between the render, the plan and the report).
    pub content: Bytes,
}

/// A whole tree in memory, sorted by path.
pub type Tree = BTreeMap<String, Entry>;

/// Why a relative path was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    /// Starts with `/`, a drive letter or `~`.
    Absolute,
    /// Has a `..` component.
    ParentDir,
    /// Has an empty component, NUL or a backslash.
    Malformed,
}

/// Normalize a relative path: drop `.` and empty components, refuse `..`, absolute
/// paths, NUL and backslashes. The result never leaves the directory it is joined to.
pub fn normalize_relative(path: &str) -> Result<String, PathProblem> {
    if path.starts_with('/') || path.starts_with('~') || path.as_bytes().get(1) == Some(&b':') {
        return Err(PathProblem::Absolute);
    }
    if path.contains('\0') || path.contains('\\') {
        return Err(PathProblem::Malformed);
    }
    let mut parts = Vec::new();
    for component in path.split('/') {
        match component {
            "" | "." => {}
            ".." => return Err(PathProblem::ParentDir),
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return Err(PathProblem::Malformed);
    }
    Ok(parts.join("/"))
}

/// The directory of scaffold's own state in a project (answers files, baselines,
/// journal, lock).
pub const SCAFFOLD_DIR: &str = ".scaffold";

/// Code points that HFS+ ignores in names and NTFS-style trailing dots and spaces:
/// git treats `.g\u{200c}it` and `.git. ` as `.git` on such filesystems, so do we.
fn canonical_component(component: &str) -> String {
    let stripped: String = component
        .chars()
        .filter(|c| {
            !matches!(
                *c,
                '\u{200c}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{206a}'..='\u{206f}' | '\u{feff}'
            )
        })
        .collect();
    stripped.trim_end_matches(['.', ' ']).to_lowercase()
}

/// Whether one path component names a git directory or file (`.git` in any case,
/// with the spellings case-insensitive and HFS+/NTFS filesystems treat as `.git`,
/// including the NTFS short name `git~1`).
pub fn is_git_component(component: &str) -> bool {
    let c = canonical_component(component);
    c == ".git" || c == "git~1"
}

/// The component of a project path that scaffold must never render, write or delete:
/// a `.git` directory or file at any depth (the project's repository, a submodule's or
/// a worktree's), in any case; or a `.scaffold/` directory at any depth, which holds
/// scaffold's own state (of this project or of a nested one). Returns the offending
/// component as written in `path`.
///
/// This is the one rule: [`crate::golden_path::render`] refuses rendered paths with it,
/// [`crate::write::apply`] uses it as a last guard, and answers-file parsers should
/// refuse manifest entries for which it returns `Some`.
pub fn reserved_component(path: &str) -> Option<&str> {
    path.split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .find(|c| is_git_component(c) || canonical_component(c) == SCAFFOLD_DIR)
}

/// Join `rel` (which may hold `..`) onto `base` inside a virtual tree, lexically.
/// Returns `None` when the result would climb above the tree's root.
pub fn join_lexical(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = base
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if rel.starts_with('/') {
        return None;
    }
    for component in rel.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// The directory part of a `/`-separated path (`""` at the top).
pub fn parent_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// Turn a tree path into a filesystem path under `root`.
pub fn to_fs_path(root: &Path, rel: &str) -> PathBuf {
    let mut p = root.to_path_buf();
    p.extend(rel.split('/'));
    p
}

/// Lowercase hex BLAKE3 of the bytes, prefixed `blake3:`.
pub fn hash_bytes(bytes: &[u8]) -> String {
    format!("blake3:{}", blake3::hash(bytes).to_hex())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_refuses_escapes() {
        assert_eq!(normalize_relative("a/./b//c").unwrap(), "a/b/c");
        assert_eq!(normalize_relative("../etc"), Err(PathProblem::ParentDir));
        assert_eq!(
            normalize_relative("a/../../etc"),
            Err(PathProblem::ParentDir)
        );
        assert_eq!(
            normalize_relative("/etc/passwd"),
            Err(PathProblem::Absolute)
        );
        assert_eq!(normalize_relative("C:/x"), Err(PathProblem::Absolute));
        assert_eq!(normalize_relative("a\\b"), Err(PathProblem::Malformed));
        assert_eq!(normalize_relative(""), Err(PathProblem::Malformed));
    }

    #[test]
    fn reserved_components_at_any_depth_and_in_any_case() {
        for (path, component) in [
            (".git/config", ".git"),
            (".GIT/hooks/pre-commit", ".GIT"),
            (".Git", ".Git"),
            ("vendor/lib/.git", ".git"),
            ("sub/module/.gIt/config", ".gIt"),
            ("./.git/HEAD", ".git"),
            (".git./config", ".git."),
            (".git /config", ".git "),
            ("GIT~1/config", "GIT~1"),
            (".g\u{200c}it/config", ".g\u{200c}it"),
            (".scaffold/f.txt", ".scaffold"),
            (".Scaffold/x.yaml", ".Scaffold"),
            ("sub/.scaffold/other.yaml", ".scaffold"),
        ] {
            assert_eq!(reserved_component(path), Some(component), "{path}");
        }
        for path in [
            "src/.gitignore",
            ".github/workflows/ci.yml",
            "git/config",
            ".gitkeep",
            "a.git/x",
        ] {
            assert_eq!(reserved_component(path), None, "{path}");
        }
    }

    #[test]
    fn join_lexical_stays_in_root() {
        assert_eq!(
            join_lexical("golden-paths", "../skeletons/common").as_deref(),
            Some("skeletons/common")
        );
        assert_eq!(join_lexical("", "../x"), None);
        assert_eq!(join_lexical("a/b", "./c"), Some("a/b/c".to_string()));
    }

    #[cfg(unix)]
    #[test]
    fn links_on_the_way_and_modes() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("real/sub")).unwrap();
        std::fs::write(root.join("real/f"), "x").unwrap();
        std::os::unix::fs::symlink("real", root.join("link")).unwrap();
        assert_eq!(link_on_the_way(root, "real/sub/x"), None);
        assert_eq!(
            link_on_the_way(root, "link"),
            None,
            "the path itself is not on the way"
        );
        assert_eq!(link_on_the_way(root, "link/sub/x"), Some(root.join("link")));
        let links = LinksOnTheWay::find(root, ["real/f", "link/f", "link/sub/g"]);
        assert_eq!(links.first("link/sub/g"), Some("link"));
        assert_eq!(links.first("real/f"), None);

        let mode = |p: &str| FileMode::of(&std::fs::symlink_metadata(root.join(p)).unwrap());
        assert_eq!(mode("real"), FileMode::Dir);
        assert_eq!(mode("real/f"), FileMode::File);
        assert_eq!(mode("link"), FileMode::Symlink);
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.join("real/f"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        assert_eq!(mode("real/f"), FileMode::Executable);
    }
}
