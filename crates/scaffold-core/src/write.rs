//! The plan type shared by every command, and the only code that writes project files.
//!
//! A [`Plan`] lists every write and delete under one root. [`apply`] carries it out so
//! that a failure at any point leaves the destination as it was:
//! - a new project (the root does not exist or is empty) is written into a staging
//!   directory beside the root, in parallel, then renamed into place in one step;
//! - changes to an existing tree are written file by file (temporary file + rename in
//!   the same directory) after a snapshot of what each path held, and on any error the
//!   snapshots are put back and created directories removed.
//!
//! Nothing outside the root is ever touched: every path is checked to be a normalized
//! relative path, and no write follows a symbolic link already in the tree.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::tree::{FileMode, normalize_relative, to_fs_path};

/// One write or delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Op {
    /// Create or replace the path with this content and mode.
    Write {
        /// Bytes (link target for links; empty for directories).
        #[serde(skip)]
        content: Vec<u8>,
        /// Mode.
        mode: FileMode,
    },
    /// Remove the file or link (and parent directories left empty).
    Delete,
}

/// A change to one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Relative, normalized path.
    pub path: String,
    /// What to do.
    #[serde(flatten)]
    pub op: Op,
}

/// Everything a command will write, as data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The directory all paths are relative to.
    pub root: PathBuf,
    /// The changes, applied in order (answers files last).
    pub changes: Vec<Change>,
}

/// What [`apply`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Paths written.
    pub written: usize,
    /// Paths deleted.
    pub deleted: usize,
    /// Whether the root was created in one step from a staging directory.
    pub staged: bool,
}

/// Carry out a plan atomically (see the module docs).
pub fn apply(plan: &Plan) -> Result<Applied> {
    for c in &plan.changes {
        if normalize_relative(&c.path).as_deref() != Ok(c.path.as_str()) {
            return Err(Error::Usage(format!(
                "refusing to write `{}`: not a normalized path inside the destination",
                c.path
            )));
        }
    }
    let fresh = match fs::read_dir(&plan.root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(Error::io("cannot read destination", &plan.root, e)),
        Ok(mut it) => it.next().is_none(),
    };
    if fresh
        && plan
            .changes
            .iter()
            .all(|c| matches!(c.op, Op::Write { .. }))
    {
        apply_staged(plan)
    } else {
        apply_in_place(plan)
    }
}

fn apply_staged(plan: &Plan) -> Result<Applied> {
    let root = &plan.root;
    let parent = root
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    fs::create_dir_all(&parent).map_err(|e| Error::io("cannot create directory", &parent, e))?;
    let staging = tempfile::Builder::new()
        .prefix(".scaffold-staging-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io("cannot write to", &parent, e))?;
    set_mode(staging.path(), 0o755)?;

    // Directories first (sorted, so parents precede children), then files in parallel.
    let mut dirs: Vec<PathBuf> = Vec::new();
    for c in &plan.changes {
        if let Op::Write { mode, .. } = &c.op {
            let p = to_fs_path(staging.path(), &c.path);
            if *mode == FileMode::Dir {
                dirs.push(p);
            } else if let Some(parent) = p.parent() {
                dirs.push(parent.to_path_buf());
            }
        }
    }
    dirs.sort();
    dirs.dedup();
    for d in &dirs {
        fs::create_dir_all(d).map_err(|e| Error::io("cannot create directory", d, e))?;
    }
    plan.changes.par_iter().try_for_each(|c| match &c.op {
        Op::Write { content, mode } if *mode != FileMode::Dir => {
            write_new(&to_fs_path(staging.path(), &c.path), content, *mode)
        }
        _ => Ok(()),
    })?;

    let staged = staging.keep();
    if let Err(e) = fs::rename(&staged, root) {
        let _ = fs::remove_dir_all(&staged);
        return Err(Error::io("cannot move the generated tree into", root, e));
    }
    Ok(Applied {
        written: plan.changes.len(),
        deleted: 0,
        staged: true,
    })
}

/// Create a file (or link) that does not exist yet.
fn write_new(path: &Path, content: &[u8], mode: FileMode) -> Result<()> {
    if mode == FileMode::Symlink {
        return symlink(&String::from_utf8_lossy(content), path);
    }
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode.permissions());
    }
    let mut f = opts
        .open(path)
        .map_err(|e| Error::io("cannot create", path, e))?;
    f.write_all(content)
        .map_err(|e| Error::io("cannot write", path, e))?;
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &str, path: &Path) -> Result<()> {
    std::os::unix::fs::symlink(target, path).map_err(|e| Error::io("cannot create link", path, e))
}

#[cfg(not(unix))]
fn symlink(_target: &str, path: &Path) -> Result<()> {
    Err(Error::Usage(format!(
        "cannot create symbolic link `{}` on this platform",
        path.display()
    )))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io("cannot set permissions of", path, e))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<()> {
    Ok(())
}

/// What a path held before an in-place change, to put it back.
enum Snapshot {
    Absent,
    File { content: Vec<u8>, mode: u32 },
    Link(PathBuf),
    Dir,
}

fn snapshot(path: &Path) -> Result<Snapshot> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Snapshot::Absent),
        Err(e) => Err(Error::io("cannot read", path, e)),
        Ok(m) if m.file_type().is_symlink() => Ok(Snapshot::Link(
            fs::read_link(path).map_err(|e| Error::io("cannot read link", path, e))?,
        )),
        Ok(m) if m.is_dir() => Ok(Snapshot::Dir),
        Ok(m) => {
            #[cfg(unix)]
            let mode = {
                use std::os::unix::fs::PermissionsExt;
                m.permissions().mode()
            };
            #[cfg(not(unix))]
            let mode = 0o644;
            Ok(Snapshot::File {
                content: fs::read(path).map_err(|e| Error::io("cannot read", path, e))?,
                mode,
            })
        }
    }
}

/// Refuse to write through a symbolic link that sits on the way to `rel` in `root`.
fn check_no_link_on_the_way(root: &Path, rel: &str) -> Result<()> {
    match crate::tree::link_on_the_way(root, rel) {
        Some(link) => Err(Error::LinkOnTheWay {
            path: rel.to_string(),
            link,
            writing: true,
        }),
        None => Ok(()),
    }
}

fn apply_in_place(plan: &Plan) -> Result<Applied> {
    let root = &plan.root;
    fs::create_dir_all(root).map_err(|e| Error::io("cannot create directory", root, e))?;
    let mut undo: Vec<(PathBuf, Snapshot)> = Vec::new();
    let mut applied = Applied::default();
    let result = (|| -> Result<()> {
        for c in &plan.changes {
            check_no_link_on_the_way(root, &c.path)?;
            let path = to_fs_path(root, &c.path);
            let before = snapshot(&path)?;
            match &c.op {
                Op::Write { content, mode } => {
                    if let Some(parent) = path.parent() {
                        // Created directories join the undo log in order, so a rollback
                        // removes one before it puts back a file that stood there.
                        let mut created = Vec::new();
                        let r = create_dirs(parent, &mut created);
                        undo.extend(created.into_iter().map(|d| (d, Snapshot::Absent)));
                        r?;
                    }
                    undo.push((path.clone(), before));
                    replace(&path, content, *mode)?;
                    applied.written += 1;
                }
                Op::Delete => {
                    let is_dir = matches!(before, Snapshot::Dir);
                    undo.push((path.clone(), before));
                    let r = if is_dir {
                        fs::remove_dir(&path)
                    } else {
                        fs::remove_file(&path)
                    };
                    match r {
                        Ok(()) => {
                            applied.deleted += 1;
                            remove_empty_parents(root, &path);
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(Error::io("cannot delete", &path, e)),
                    }
                }
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (path, snap) in undo.into_iter().rev() {
            restore(&path, snap);
        }
        return Err(e);
    }
    Ok(applied)
}

/// Remove the directories a delete left empty, up to (never including) the root, so a
/// later write may put a file where a directory was. Rollback recreates parents.
fn remove_empty_parents(root: &Path, path: &Path) {
    let mut p = path.to_path_buf();
    while let Some(parent) = p.parent().map(Path::to_path_buf) {
        if parent == *root || !parent.starts_with(root) || fs::remove_dir(&parent).is_err() {
            break;
        }
        p = parent;
    }
}

fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs(parent, created)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => {
            created.push(dir.to_path_buf());
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(Error::io("cannot create directory", dir, e)),
    }
}

/// Atomically replace `path` with new content: temp file in the same dir, then rename.
fn replace(path: &Path, content: &[u8], mode: FileMode) -> Result<()> {
    let dir = path.parent().expect("paths under a root have a parent");
    if mode == FileMode::Dir {
        return match fs::create_dir(path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                Err(Error::io("cannot create directory", path, e))
            }
            _ => Ok(()),
        };
    }
    if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir() && !m.file_type().is_symlink()) {
        return Err(Error::Usage(format!(
            "cannot write file `{}`: a directory is in the way",
            path.display()
        )));
    }
    if mode == FileMode::Symlink {
        let tmp = dir.join(format!(".scaffold-link-{}", std::process::id()));
        let _ = fs::remove_file(&tmp);
        symlink(&String::from_utf8_lossy(content), &tmp)?;
        return fs::rename(&tmp, path).map_err(|e| {
            let _ = fs::remove_file(&tmp);
            Error::io("cannot replace", path, e)
        });
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".scaffold-tmp-")
        .tempfile_in(dir)
        .map_err(|e| Error::io("cannot write to", dir, e))?;
    tmp.write_all(content)
        .map_err(|e| Error::io("cannot write", tmp.path(), e))?;
    tmp.as_file()
        .sync_data()
        .map_err(|e| Error::io("cannot write", tmp.path(), e))?;
    set_mode(tmp.path(), mode.permissions())?;
    tmp.persist(path)
        .map_err(|e| Error::io("cannot replace", path, e.error))?;
    Ok(())
}

fn restore(path: &Path, snap: Snapshot) {
    match snap {
        Snapshot::Absent => {
            if fs::symlink_metadata(path).is_ok_and(|m| m.is_dir() && !m.file_type().is_symlink()) {
                let _ = fs::remove_dir(path);
            } else {
                let _ = fs::remove_file(path);
            }
        }
        Snapshot::File { content, mode } => {
            let _ = fs::remove_file(path);
            if let Some(parent) = path.parent() {
                let _ = fs::create_dir_all(parent);
            }
            let _ = fs::write(path, content);
            let _ = set_mode(path, mode);
        }
        Snapshot::Link(target) => {
            let _ = fs::remove_file(path);
            if let Some(parent) = path.parent() {
                let _ = fs::create_dir_all(parent);
            }
            let _ = symlink(&target.to_string_lossy(), path);
        }
        Snapshot::Dir => {
            let _ = fs::create_dir_all(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &str, content: &str) -> Change {
        Change {
            path: path.to_string(),
            op: Op::Write {
                content: content.as_bytes().to_vec(),
                mode: FileMode::File,
            },
        }
    }

    #[test]
    fn staged_write_creates_tree() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("out");
        let plan = Plan {
            root: root.clone(),
            changes: vec![write("a/b.txt", "hi"), write("c.txt", "x")],
        };
        let applied = apply(&plan).unwrap();
        assert!(applied.staged);
        assert_eq!(fs::read_to_string(root.join("a/b.txt")).unwrap(), "hi");
        // No staging directory is left behind.
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn in_place_failure_rolls_back() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        fs::write(root.join("keep.txt"), "original").unwrap();
        fs::create_dir(root.join("blocker")).unwrap();
        fs::write(root.join("blocker/x"), "x").unwrap();
        let plan = Plan {
            root: root.clone(),
            changes: vec![
                write("keep.txt", "changed"),
                write("new/dir/file.txt", "n"),
                write("blocker", "cannot replace a dir"),
            ],
        };
        assert!(apply(&plan).is_err());
        assert_eq!(
            fs::read_to_string(root.join("keep.txt")).unwrap(),
            "original"
        );
        assert!(!root.join("new").exists());
        assert_eq!(fs::read_to_string(root.join("blocker/x")).unwrap(), "x");
    }

    /// A file deleted to make room for a directory, then a later failure: the
    /// directory goes and the file comes back (issue 9, item 4).
    #[test]
    fn rollback_puts_back_a_file_replaced_by_a_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        fs::write(root.join("a"), "a v1\n").unwrap();
        fs::write(root.join("b"), "b edited\n").unwrap();
        let plan = Plan {
            root: root.clone(),
            changes: vec![
                Change {
                    path: "a".into(),
                    op: Op::Delete,
                },
                write("a/x", "a/x v2\n"),
                write("b/x", "b/x v2\n"),
            ],
        };
        assert!(apply(&plan).is_err());
        assert_eq!(fs::read_to_string(root.join("a")).unwrap(), "a v1\n");
        assert_eq!(fs::read_to_string(root.join("b")).unwrap(), "b edited\n");
        assert_eq!(fs::read_dir(&root).unwrap().count(), 2);
    }

    #[test]
    fn refuses_paths_outside_root() {
        let tmp = tempfile::tempdir().unwrap();
        let plan = Plan {
            root: tmp.path().join("out"),
            changes: vec![write("../escape.txt", "x")],
        };
        assert!(apply(&plan).is_err());
        assert!(!tmp.path().join("escape.txt").exists());
    }
}
