//! Crash safety and mutual exclusion for writes to an existing project.
//!
//! **Journal.** Before [`crate::write::apply`] changes anything in place, it records
//! in `.scaffold/journal/` what every path of the plan holds: absent, a directory, a
//! link (its target), or a file (a hard link to it, or a copy, so the old bytes and
//! mode survive the replacement). The journal is written under a temporary name and
//! renamed into place once complete, so it either exists whole or not at all. On
//! success it is removed after the last change (the answers file); on an error it is
//! played back at once. After a crash (kill -9, power loss), the next scaffold
//! command finds it with [`interrupted`] and rolls the tree back with [`recover`]
//! before doing anything else: every path gets its old content back, the paths the
//! run created are removed, with the directories it created and its temporary files.
//!
//! **Lock.** [`ProjectLock`] is an advisory lock on the `.scaffold/` directory (flock on unix):
//! one writer per project at a time. It is released when the process exits, however
//! it exits, so a killed run never leaves a stale lock.

use std::collections::HashSet;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::tree::{SCAFFOLD_DIR, parent_of, to_fs_path};

const JOURNAL: &str = "journal";
const JOURNAL_TMP: &str = "journal.tmp";
const ENTRIES: &str = "entries.json";

/// What a path held before the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "before", rename_all = "lowercase")]
enum Before {
    /// Nothing; `mkdir` is the highest directory the run had to create for it.
    Absent { mkdir: Option<String> },
    /// A directory.
    Dir,
    /// A symbolic link.
    Link { target: String },
    /// A file, saved as `blob` in the journal, with its permission bits.
    File { blob: String, mode: u32 },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct JournalEntry {
    path: String,
    #[serde(flatten)]
    before: Before,
}

fn state_dir(root: &Path) -> PathBuf {
    root.join(SCAFFOLD_DIR)
}

fn journal_dir(root: &Path) -> PathBuf {
    state_dir(root).join(JOURNAL)
}

/// Whether an interrupted run left a journal in the project at `root`.
pub fn interrupted(root: &Path) -> bool {
    journal_dir(root).join(ENTRIES).is_file()
}

/// The highest ancestor of `rel` (below the root) that does not exist yet.
fn highest_missing_parent(root: &Path, rel: &str) -> Option<String> {
    let mut missing = None;
    let mut dir = parent_of(rel);
    while !dir.is_empty() {
        if fs::symlink_metadata(to_fs_path(root, dir)).is_ok() {
            break;
        }
        missing = Some(dir.to_string());
        dir = parent_of(dir);
    }
    missing
}

#[cfg(unix)]
fn mode_of(m: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(_: &fs::Metadata) -> u32 {
    0o644
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Record what every path holds, before the first change.
pub(crate) fn begin<'a>(root: &Path, paths: impl Iterator<Item = &'a str>) -> Result<()> {
    if interrupted(root) {
        return Err(Error::Interrupted {
            journal: journal_dir(root),
            reason: format!(
                "an interrupted scaffold run left a journal in `{}`; roll it back first (an update or a fix of the project does)",
                journal_dir(root).display()
            ),
        });
    }
    let state = state_dir(root);
    let had_state = state.is_dir();
    fs::create_dir_all(&state).map_err(|e| Error::io("cannot create directory", &state, e))?;
    let r = write_journal(root, &state, paths);
    if r.is_err() {
        let _ = fs::remove_dir_all(state.join(JOURNAL_TMP));
        if !had_state {
            let _ = fs::remove_dir(&state);
        }
    }
    r
}

fn write_journal<'a>(
    root: &Path,
    state: &Path,
    paths: impl Iterator<Item = &'a str>,
) -> Result<()> {
    let tmp = state.join(JOURNAL_TMP);
    // A journal that was never completed: nothing had been changed yet.
    let _ = fs::remove_dir_all(&tmp);
    let _ = fs::remove_dir_all(journal_dir(root));
    fs::create_dir(&tmp).map_err(|e| Error::io("cannot create directory", &tmp, e))?;
    let mut entries = Vec::new();
    let mut seen = HashSet::new();
    for rel in paths {
        if !seen.insert(rel) {
            continue;
        }
        let path = to_fs_path(root, rel);
        let before = match fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Before::Absent {
                mkdir: highest_missing_parent(root, rel),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
                Before::Absent { mkdir: None }
            }
            Err(e) => return Err(Error::io("cannot read", &path, e)),
            Ok(m) if m.file_type().is_symlink() => Before::Link {
                target: fs::read_link(&path)
                    .map_err(|e| Error::io("cannot read link", &path, e))?
                    .to_string_lossy()
                    .into_owned(),
            },
            Ok(m) if m.is_dir() => Before::Dir,
            Ok(m) => {
                let blob = entries.len().to_string();
                let saved = tmp.join(&blob);
                if fs::hard_link(&path, &saved).is_err() {
                    fs::copy(&path, &saved).map_err(|e| Error::io("cannot save", &path, e))?;
                }
                Before::File {
                    blob,
                    mode: mode_of(&m),
                }
            }
        };
        entries.push(JournalEntry {
            path: rel.to_string(),
            before,
        });
    }
    let file = tmp.join(ENTRIES);
    let mut f = fs::File::create(&file).map_err(|e| Error::io("cannot write", &file, e))?;
    let text = serde_json::to_vec(&entries).expect("journal entries serialize");
    f.write_all(&text)
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io("cannot write", &file, e))?;
    sync_dir(&tmp);
    fs::rename(&tmp, journal_dir(root))
        .map_err(|e| Error::io("cannot write", journal_dir(root), e))?;
    sync_dir(state);
    Ok(())
}

/// The run completed: drop the journal.
pub(crate) fn commit(root: &Path) -> Result<()> {
    let dir = journal_dir(root);
    fs::remove_dir_all(&dir).map_err(|e| Error::io("cannot remove", &dir, e))?;
    sync_dir(&state_dir(root));
    Ok(())
}

/// What [`recover`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Recovered {
    /// Paths put back as they were before the interrupted run.
    pub restored: usize,
}

fn remove_any(path: &Path) {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() && !m.file_type().is_symlink() => {
            let _ = fs::remove_dir(path);
        }
        Ok(_) => {
            let _ = fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// Remove scaffold's temporary files (`.scaffold-tmp-*`, `.scaffold-link-*`) in `dir`.
fn remove_litter(dir: &Path) {
    let Ok(it) = fs::read_dir(dir) else { return };
    for e in it.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(".scaffold-tmp-") || name.starts_with(".scaffold-link-") {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Give one journal entry's path back what it held before the run; the failure in
/// words.
fn restore_entry(root: &Path, dir: &Path, e: &JournalEntry) -> std::result::Result<(), String> {
    if crate::tree::normalize_relative(&e.path).as_deref() != Ok(e.path.as_str()) {
        return Err(format!("`{}`: not a path inside the project", e.path));
    }
    let path = to_fs_path(root, &e.path);
    if let Some(parent) = path.parent() {
        remove_litter(parent);
    }
    match &e.before {
        Before::Absent { mkdir } => {
            remove_any(&path);
            if let Some(top) = mkdir {
                // Remove the directories the run created, innermost first, while empty.
                let mut d = parent_of(&e.path);
                while !d.is_empty() {
                    let _ = fs::remove_dir(to_fs_path(root, d));
                    if d == top {
                        break;
                    }
                    d = parent_of(d);
                }
            }
        }
        Before::Dir => {
            if fs::symlink_metadata(&path).is_ok_and(|m| !m.is_dir() || m.file_type().is_symlink())
            {
                let _ = fs::remove_file(&path);
            }
            fs::create_dir_all(&path).map_err(|err| format!("`{}`: {err}", e.path))?;
        }
        Before::Link { target } => {
            remove_any(&path);
            if let Some(parent) = path.parent() {
                let _ = fs::create_dir_all(parent);
            }
            crate::write::symlink(target, &path).map_err(|err| format!("`{}`: {err}", e.path))?;
        }
        Before::File { blob, mode } => {
            let saved = dir.join(blob);
            remove_any(&path);
            if let Some(parent) = path.parent() {
                let _ = fs::create_dir_all(parent);
            }
            fs::rename(&saved, &path)
                .or_else(|_| fs::copy(&saved, &path).map(|_| ()))
                .map_err(|err| format!("`{}`: {err}", e.path))?;
            let _ = crate::write::set_mode(&path, *mode);
        }
    }
    Ok(())
}

/// Roll back an interrupted run of the project at `root`, if there is one: every path
/// of its journal gets back what it held before. `None` when there was nothing to do.
/// The caller should hold the [`ProjectLock`].
pub fn recover(root: &Path) -> Result<Option<Recovered>> {
    let dir = journal_dir(root);
    let _ = fs::remove_dir_all(state_dir(root).join(JOURNAL_TMP));
    let file = dir.join(ENTRIES);
    let text = match fs::read(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A journal directory without its entries cannot have been renamed into
            // place (entries are written first): nothing was changed.
            let _ = fs::remove_dir_all(&dir);
            return Ok(None);
        }
        Err(e) => return Err(Error::io("cannot read", &file, e)),
    };
    let entries: Vec<JournalEntry> = serde_json::from_slice(&text).map_err(|e| {
        Error::Interrupted {
            journal: file.clone(),
            reason: format!(
                "the journal `{}` of an interrupted run is corrupt ({e}); restore the project from git, then delete the journal",
                file.display()
            ),
        }
    })?;
    let mut failures = Vec::new();
    for e in entries.iter().rev() {
        if let Err(failure) = restore_entry(root, &dir, e) {
            failures.push(failure);
        }
    }
    if !failures.is_empty() {
        return Err(Error::Interrupted {
            journal: dir.clone(),
            reason: format!(
                "could not roll back the interrupted run recorded in `{}`:\n  - {}\nfix the cause and run scaffold again; the journal is kept",
                dir.display(),
                failures.join("\n  - ")
            ),
        });
    }
    let _ = fs::remove_dir_all(&dir);
    // A `.scaffold/` the run created (nothing else in it) goes too.
    let _ = fs::remove_dir(state_dir(root));
    sync_dir(root);
    Ok(Some(Recovered {
        restored: entries.len(),
    }))
}

/// An exclusive lock on a project: one scaffold writer at a time. Dropped (or the
/// process gone, however it ended), the lock is free again.
#[derive(Debug)]
pub struct ProjectLock {
    _file: fs::File,
    /// The project root.
    pub root: PathBuf,
}

impl ProjectLock {
    fn open(root: &Path) -> Result<fs::File> {
        let state = state_dir(root);
        fs::create_dir_all(&state).map_err(|e| Error::io("cannot create directory", &state, e))?;
        // The lock is taken on the `.scaffold` directory itself: no lock file to leave
        // in the user's tree.
        fs::File::open(&state).map_err(|e| Error::io("cannot open the lock", &state, e))
    }

    /// Take the lock if it is free; `None` when another process holds it.
    pub fn try_acquire(root: &Path) -> Result<Option<ProjectLock>> {
        let file = Self::open(root)?;
        #[cfg(unix)]
        {
            use rustix::fs::{FlockOperation, flock};
            match flock(&file, FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => {}
                Err(rustix::io::Errno::WOULDBLOCK) => return Ok(None),
                Err(e) => {
                    return Err(Error::io("cannot lock", state_dir(root), e.into()));
                }
            }
        }
        Ok(Some(ProjectLock {
            _file: file,
            root: root.to_path_buf(),
        }))
    }

    /// Take the lock, waiting for another process to release it.
    pub fn acquire(root: &Path) -> Result<ProjectLock> {
        let file = Self::open(root)?;
        #[cfg(unix)]
        {
            use rustix::fs::{FlockOperation, flock};
            flock(&file, FlockOperation::LockExclusive)
                .map_err(|e| Error::io("cannot lock", state_dir(root), e.into()))?;
        }
        Ok(ProjectLock {
            _file: file,
            root: root.to_path_buf(),
        })
    }
}
