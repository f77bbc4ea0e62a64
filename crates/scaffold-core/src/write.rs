//! The plan type shared by every command, and the only code that writes project files.
//!
//! A [`Plan`] lists every write and delete under one root. [`apply`] carries it out so
//! that a failure at any point leaves the destination as it was:
//! - a new project (the root does not exist or is empty) is written into a staging
//!   directory beside the root (`.scaffold-staging-<pid>-*`), in parallel, then
//!   [`ApplyOptions::before_publish`] runs on it (the CLI makes the git repository and
//!   first commit there), then it is renamed into place in one step; staging
//!   directories of dead processes are removed by the next run;
//! - changes to an existing tree are written file by file (temporary file + rename in
//!   the same directory) after a journal of what each path held (see
//!   [`crate::project::journal`]); on any error the journal is played back, and after a crash
//!   the next run plays it back.
//!
//! Nothing outside the root is ever touched: every path is checked to be a normalized
//! relative path, and no write follows a symbolic link already in the tree.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::tree::{
    Bytes, FileMode, SCAFFOLD_DIR, normalize_relative, reserved_component, to_fs_path,
};

/// One write or delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Op {
    /// Create or replace the path with this content and mode.
    Write {
        /// Bytes (link target for links; empty for directories).
        #[serde(skip)]
        content: Bytes,
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

/// Whether `path` is one of scaffold's own files that a plan may write: an answers
/// file or a baseline directly in `.scaffold/`, or a saved copy of an overwritten
/// file under `.scaffold/overwritten/` (never the journal or the lock).
fn is_scaffold_state(path: &str) -> bool {
    path.split_once('/').is_some_and(|(dir, name)| {
        dir == SCAFFOLD_DIR
            && ((!name.contains('/') && (name.ends_with(".yaml") || name.ends_with(".baseline")))
                || name
                    .strip_prefix(crate::update::OVERWRITTEN_DIR)
                    .and_then(|rest| rest.strip_prefix('/'))
                    .is_some_and(|rest| rest.contains('/') && reserved_component(rest).is_none()))
    })
}

/// The last guard before anything is written: every path is normalized and relative,
/// and none lies in a `.git` directory or file, or in `.scaffold/` (except scaffold's
/// own answers files and baselines).
fn check_paths(plan: &Plan) -> Result<()> {
    for c in &plan.changes {
        if normalize_relative(&c.path).as_deref() != Ok(c.path.as_str()) {
            return Err(Error::Usage(format!(
                "refusing to write `{}`: not a normalized path inside the destination",
                c.path
            )));
        }
        if let Some(component) = reserved_component(&c.path) {
            if !is_scaffold_state(&c.path) {
                return Err(Error::ReservedPath {
                    path: c.path.clone(),
                    component: component.to_string(),
                    source_path: "the plan".to_string(),
                    parameters: Vec::new(),
                });
            }
        }
    }
    Ok(())
}

/// A hook called after each file written, with the count so far; an error stops the
/// write (and rolls back). Tests use it to inject faults.
pub type WriteHook<'a> = &'a (dyn Fn(usize) -> Result<()> + Sync);

/// A hook called with the staging directory of a fresh tree just before it is moved
/// into place (e.g. to create the project's git repository there).
pub type PublishHook<'a> = &'a (dyn Fn(&Path) -> Result<()> + Sync);

/// Options of [`apply_with`].
#[derive(Default, Clone, Copy)]
pub struct ApplyOptions<'a> {
    /// Called after each file written.
    pub after_write: Option<WriteHook<'a>>,
    /// Called on a fresh tree's staging directory before the rename; an error leaves
    /// nothing behind.
    pub before_publish: Option<PublishHook<'a>>,
}

impl std::fmt::Debug for ApplyOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplyOptions")
            .field("after_write", &self.after_write.is_some())
            .field("before_publish", &self.before_publish.is_some())
            .finish()
    }
}

/// Carry out a plan atomically (see the module docs).
pub fn apply(plan: &Plan) -> Result<Applied> {
    apply_with(plan, &ApplyOptions::default())
}

/// [`apply`] with hooks.
pub fn apply_with(plan: &Plan, opts: &ApplyOptions<'_>) -> Result<Applied> {
    check_paths(plan)?;
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
        apply_staged(plan, opts)
    } else {
        apply_in_place(plan, opts)
    }
}

const STAGING_PREFIX: &str = ".scaffold-staging-";

/// Whether process `pid` is alive (Linux: `/proc`; elsewhere assume it is).
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        proc.join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Remove staging directories beside a destination that scaffold made
/// (`.scaffold-staging-<pid>-*`) and whose process is gone (killed mid-write).
/// Returns how many were removed.
pub fn clean_stale_staging(parent: &Path) -> usize {
    let Ok(it) = fs::read_dir(parent) else {
        return 0;
    };
    let mut removed = 0;
    for entry in it.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(STAGING_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest
            .split_once('-')
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let is_dir = entry
            .file_type()
            .is_ok_and(|t| t.is_dir() && !t.is_symlink());
        if is_dir && !process_alive(pid) && fs::remove_dir_all(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

fn apply_staged(plan: &Plan, opts: &ApplyOptions<'_>) -> Result<Applied> {
    let parent = plan
        .root
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    // The parents of the destination this run creates, outermost first: removed again
    // if the run fails, so a failed `new` leaves nothing behind.
    let created: Vec<PathBuf> = {
        let mut missing: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && fs::symlink_metadata(a).is_err())
            .map(Path::to_path_buf)
            .collect();
        missing.reverse();
        missing
    };
    fs::create_dir_all(&parent).map_err(|e| Error::io("cannot create directory", &parent, e))?;
    let result = apply_staged_in(plan, opts, &parent);
    if result.is_err() {
        for d in created.iter().rev() {
            if fs::remove_dir(d).is_err() {
                break; // not empty: something else lives there now
            }
        }
    }
    result
}

fn apply_staged_in(plan: &Plan, opts: &ApplyOptions<'_>, parent: &Path) -> Result<Applied> {
    let root = &plan.root;
    clean_stale_staging(parent);
    let staging = tempfile::Builder::new()
        .prefix(&format!("{STAGING_PREFIX}{}-", std::process::id()))
        .tempdir_in(parent)
        .map_err(|e| Error::io("cannot write to", parent, e))?;
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
    let written = std::sync::atomic::AtomicUsize::new(0);
    plan.changes.par_iter().try_for_each(|c| match &c.op {
        Op::Write { content, mode } if *mode != FileMode::Dir => {
            write_new(&to_fs_path(staging.path(), &c.path), content, *mode)?;
            let n = written.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            opts.after_write.map_or(Ok(()), |hook| hook(n))
        }
        _ => Ok(()),
    })?;
    if let Some(hook) = opts.before_publish {
        hook(staging.path())?;
    }

    let staged = staging.keep();
    if let Err(e) = publish(&staged, root) {
        let _ = fs::remove_dir_all(&staged);
        return Err(Error::io("cannot move the generated tree into", root, e));
    }
    Ok(Applied {
        written: plan.changes.len(),
        deleted: 0,
        staged: true,
    })
}

/// Move the staged tree to `root`: one rename, or, when `root` is an existing empty
/// directory (`scaffold init` in the current directory), one rename per top-level
/// entry, so that the directory itself (someone's working directory) stays.
fn publish(staged: &Path, root: &Path) -> std::io::Result<()> {
    if !fs::symlink_metadata(root).is_ok_and(|m| m.is_dir()) {
        return fs::rename(staged, root);
    }
    // `root` was empty: whatever is in it after a failure came from `staged`, and goes.
    let mut moved = Vec::new();
    let result = (|| {
        for entry in fs::read_dir(staged)? {
            let entry = entry?;
            let to = root.join(entry.file_name());
            fs::rename(entry.path(), &to)?;
            moved.push(to);
        }
        fs::remove_dir(staged)
    })();
    if result.is_err() {
        for path in moved {
            let _ = match fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => fs::remove_dir_all(&path),
                _ => fs::remove_file(&path),
            };
        }
    }
    result
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
pub(crate) fn symlink(target: &str, path: &Path) -> Result<()> {
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
pub(crate) fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io("cannot set permissions of", path, e))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<()> {
    Ok(())
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

fn apply_in_place(plan: &Plan, opts: &ApplyOptions<'_>) -> Result<Applied> {
    let root = &plan.root;
    fs::create_dir_all(root).map_err(|e| Error::io("cannot create directory", root, e))?;
    for c in &plan.changes {
        check_no_link_on_the_way(root, &c.path)?;
    }
    // Everything the plan replaces is recorded before the first change: a crash at
    // any point leaves a journal the next run rolls back.
    crate::project::journal::begin(root, plan.changes.iter().map(|c| c.path.as_str()))?;
    let mut applied = Applied::default();
    let result = (|| -> Result<()> {
        for c in &plan.changes {
            check_no_link_on_the_way(root, &c.path)?;
            let path = to_fs_path(root, &c.path);
            match &c.op {
                Op::Write { content, mode } => {
                    if let Some(parent) = path.parent() {
                        create_dirs(parent)?;
                    }
                    replace(&path, content, *mode)?;
                    applied.written += 1;
                    if let Some(hook) = opts.after_write {
                        hook(applied.written)?;
                    }
                }
                Op::Delete => {
                    let is_dir = fs::symlink_metadata(&path)
                        .is_ok_and(|m| m.is_dir() && !m.file_type().is_symlink());
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
    match result {
        Ok(()) => {
            crate::project::journal::commit(root)?;
            Ok(applied)
        }
        Err(e) => {
            // Put everything back from the journal; if even that fails, the journal
            // stays for the next run to retry.
            let _ = crate::project::journal::recover(root);
            Err(e)
        }
    }
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

fn create_dirs(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs(parent)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => Ok(()),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &str, content: &str) -> Change {
        Change {
            path: path.to_string(),
            op: Op::Write {
                content: Bytes::copy_from_slice(content.as_bytes()),
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

    #[test]
    fn refuses_git_and_scaffold_state_as_a_last_guard() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::write(root.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        for (change, component) in [
            (write(".git/config", "[core]\nfsmonitor = evil\n"), ".git"),
            (write(".GIT/config", "x"), ".GIT"),
            (write("vendor/sub/.git", "gitdir: /tmp"), ".git"),
            (write(".scaffold/f.txt", "x"), ".scaffold"),
            (write(".scaffold/journal/x.yaml", "x"), ".scaffold"),
            (write(".scaffold/overwritten/x.txt", "x"), ".scaffold"),
            (
                write(".scaffold/overwritten/gp/.git/config", "x"),
                ".scaffold",
            ),
            (
                write(".scaffold/overwritten/gp/a/.scaffold/b", "x"),
                ".scaffold",
            ),
            (
                Change {
                    path: ".git/HEAD".to_string(),
                    op: Op::Delete,
                },
                ".git",
            ),
        ] {
            let plan = Plan {
                root: root.clone(),
                changes: vec![write("ok.txt", "fine"), change.clone()],
            };
            match apply(&plan) {
                Err(Error::ReservedPath {
                    path, component: c, ..
                }) => {
                    assert_eq!(path, change.path);
                    assert_eq!(c, component);
                }
                other => panic!("{} was not refused: {other:?}", change.path),
            }
            // Refused before anything was written.
            assert!(!root.join("ok.txt").exists());
        }
        assert_eq!(
            fs::read_to_string(root.join(".git/HEAD")).unwrap(),
            "ref: refs/heads/main\n"
        );
        // scaffold's own answers file is still writable.
        let plan = Plan {
            root: root.clone(),
            changes: vec![write(".scaffold/gp.yaml", "answers")],
        };
        apply(&plan).unwrap();
        assert!(root.join(".scaffold/gp.yaml").is_file());
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
        let left: Vec<String> = fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != ".scaffold")
            .collect();
        assert_eq!(left.len(), 2, "{left:?}");
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
