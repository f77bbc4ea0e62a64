//! The project's own git repository: initialise it after `new`, list uncommitted
//! changes before `update`, and find pristine contents in its history for projects
//! written before the baseline existed. Writes nothing but `.git/` (and only in
//! `init_and_commit`).

use std::path::Path;

use crate::error::{Error, Result};

fn git_err(message: &str, path: &Path) -> impl FnOnce(git2::Error) -> Error {
    let message = message.to_string();
    let path = path.to_path_buf();
    move |source| Error::ProjectGit {
        message,
        path,
        source,
    }
}

/// Whether `path` (or an ancestor) is inside a git work tree.
pub fn inside_work_tree(path: &Path) -> bool {
    git2::Repository::discover(path).is_ok_and(|r| !r.is_bare())
}

/// `git init` plus a first commit of everything in `root`. Uses the user's
/// `user.name`/`user.email` when set, else `scaffold <scaffold@localhost>`.
/// Returns the commit id.
pub fn init_and_commit(root: &Path, message: &str) -> Result<String> {
    let repo = git2::Repository::init(root)
        .map_err(git_err("cannot initialise a git repository", root))?;
    let tree_id = stage_all(&repo, root)?;
    commit_tree(&repo, root, tree_id, message, &[]).map(|id| id.to_string())
}

/// Stage every path of the work tree at `root` (additions, changes, deletions) and
/// write the index's tree; returns its id.
fn stage_all(repo: &git2::Repository, root: &Path) -> Result<git2::Oid> {
    let mut index = repo
        .index()
        .map_err(git_err("cannot open the index", root))?;
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .map_err(git_err("cannot stage the files", root))?;
    index
        .update_all(["*"], None)
        .map_err(git_err("cannot stage the deletions", root))?;
    index
        .write()
        .map_err(git_err("cannot write the index", root))?;
    index
        .write_tree()
        .map_err(git_err("cannot write the tree", root))
}

/// Commit the tree `tree_id` on HEAD with the user's signature (else `scaffold
/// <scaffold@localhost>`).
fn commit_tree(
    repo: &git2::Repository,
    root: &Path,
    tree_id: git2::Oid,
    message: &str,
    parents: &[&git2::Commit<'_>],
) -> Result<git2::Oid> {
    let tree = repo
        .find_tree(tree_id)
        .map_err(git_err("cannot read the tree", root))?;
    let sig = repo
        .signature()
        .or_else(|_| git2::Signature::now("scaffold", "scaffold@localhost"))
        .map_err(git_err("cannot make a commit signature", root))?;
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, parents)
        .map_err(git_err("cannot commit", root))
}

/// Commit everything that changed in the repository at `root` since HEAD (what a hook
/// of `new` did to the first commit), with `message`. Returns the commit id, or `None`
/// when nothing changed.
pub fn commit_all(root: &Path, message: &str) -> Result<Option<String>> {
    let repo =
        git2::Repository::open(root).map_err(git_err("cannot open the git repository", root))?;
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(git_err("cannot read HEAD", root))?;
    let tree_id = stage_all(&repo, root)?;
    if head.tree_id() == tree_id {
        return Ok(None);
    }
    commit_tree(&repo, root, tree_id, message, &[&head]).map(|id| Some(id.to_string()))
}

/// The repository around `root` and `root`'s path inside its work tree (`""` at the
/// top, else `dir/` with a trailing slash).
fn repo_and_prefix(root: &Path) -> Result<Option<(git2::Repository, String)>> {
    let Ok(repo) = git2::Repository::discover(root) else {
        return Ok(None);
    };
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
        return Ok(None);
    };
    let root_abs = std::fs::canonicalize(root).map_err(|e| Error::io("cannot resolve", root, e))?;
    let workdir =
        std::fs::canonicalize(&workdir).map_err(|e| Error::io("cannot resolve", &workdir, e))?;
    let mut prefix = root_abs
        .strip_prefix(&workdir)
        .unwrap_or(Path::new(""))
        .to_string_lossy()
        .replace('\\', "/");
    if !prefix.is_empty() {
        prefix.push('/');
    }
    Ok(Some((repo, prefix)))
}

/// Find, in the history of the repository around `root` (newest commits first, at
/// most `limit` commits from HEAD), the content of each `wanted` path (relative to
/// `root`) whose BLAKE3 hash is the one given. Found paths are removed from `wanted`
/// and returned with their content. A project outside git finds nothing.
pub fn find_blobs(
    root: &Path,
    wanted: &mut std::collections::BTreeMap<String, String>,
    limit: usize,
) -> Result<std::collections::BTreeMap<String, Vec<u8>>> {
    let mut found = std::collections::BTreeMap::new();
    let Some((repo, prefix)) = repo_and_prefix(root)? else {
        return Ok(found);
    };
    let mut walk = repo
        .revwalk()
        .map_err(git_err("cannot walk the history", root))?;
    if walk.push_head().is_err() {
        return Ok(found); // no commit yet
    }
    walk.set_sorting(git2::Sort::TIME)
        .map_err(git_err("cannot walk the history", root))?;
    // Each blob is hashed once, however many commits and paths hold it.
    let mut hashes: std::collections::HashMap<git2::Oid, String> = std::collections::HashMap::new();
    for oid in walk.take(limit) {
        if wanted.is_empty() {
            break;
        }
        let oid = oid.map_err(git_err("cannot walk the history", root))?;
        let tree = repo
            .find_commit(oid)
            .and_then(|c| c.tree())
            .map_err(git_err("cannot read a commit", root))?;
        let mut hits = Vec::new();
        for (path, hash) in wanted.iter() {
            let Ok(entry) = tree.get_path(Path::new(&format!("{prefix}{path}"))) else {
                continue;
            };
            if entry.kind() != Some(git2::ObjectType::Blob) {
                continue;
            }
            let id = entry.id();
            let known = match hashes.entry(id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => {
                    let Ok(blob) = repo.find_blob(id) else {
                        continue;
                    };
                    v.insert(crate::tree::hash_bytes(blob.content()))
                }
            };
            if *known == *hash {
                if let Ok(blob) = repo.find_blob(id) {
                    hits.push((path.clone(), blob.content().to_vec()));
                }
            }
        }
        for (path, content) in hits {
            wanted.remove(&path);
            found.insert(path, content);
        }
    }
    Ok(found)
}

/// Above this many paths asked about, git's status is taken of the whole tree: matching
/// each file against a long list of paths costs more than it saves.
const MAX_STATUS_PATHS: usize = 2_000;

/// Paths (relative to `root`) with uncommitted changes, or `None` when `root` is not
/// in a git work tree. With `among`, only those paths are looked at (exact paths, no
/// patterns): git hashes each file whose stat data its index does not vouch for (after
/// a copy, every one), so asking about the few paths an update writes saves reading
/// the whole tree.
pub fn dirty_paths(root: &Path, among: Option<&[String]>) -> Result<Option<Vec<String>>> {
    // A `.git` here that does not open (a worktree or submodule file pointing nowhere)
    // must not send the search up to some enclosing repository.
    if broken_git(root).is_some() {
        return Ok(None);
    }
    let Ok(repo) = git2::Repository::discover(root) else {
        return Ok(None);
    };
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
        return Ok(None);
    };
    let root_abs = std::fs::canonicalize(root).map_err(|e| Error::io("cannot resolve", root, e))?;
    let workdir =
        std::fs::canonicalize(&workdir).map_err(|e| Error::io("cannot resolve", &workdir, e))?;
    let prefix = root_abs
        .strip_prefix(&workdir)
        .unwrap_or(Path::new(""))
        .to_string_lossy()
        .replace('\\', "/");
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    match among {
        Some(paths) if paths.len() <= MAX_STATUS_PATHS => {
            if paths.is_empty() {
                return Ok(Some(Vec::new()));
            }
            opts.disable_pathspec_match(true);
            for p in paths {
                if prefix.is_empty() {
                    opts.pathspec(p);
                } else {
                    opts.pathspec(format!("{prefix}/{p}"));
                }
            }
        }
        _ if !prefix.is_empty() => {
            opts.pathspec(&prefix);
        }
        _ => {}
    }
    let statuses = repo
        .statuses(Some(&mut opts))
        .map_err(git_err("cannot read git status", root))?;
    let mut out = Vec::new();
    for s in statuses.iter() {
        if s.status().is_ignored() {
            continue;
        }
        if let Ok(p) = s.path() {
            let rel = if prefix.is_empty() {
                Some(p)
            } else {
                p.strip_prefix(&format!("{prefix}/"))
            };
            if let Some(rel) = rel {
                out.push(rel.to_string());
            }
        }
    }
    out.sort();
    Ok(Some(out))
}

/// The commit at HEAD of the work tree `root` is in, abbreviated as `git log
/// --oneline` does, and the content it holds at `path` (relative to `root`); `None`
/// outside a work tree, without a commit, or when HEAD has no file there.
pub fn head_blob(root: &Path, path: &str) -> Option<(String, Vec<u8>)> {
    if broken_git(root).is_some() {
        return None;
    }
    let repo = git2::Repository::discover(root).ok()?;
    let workdir = std::fs::canonicalize(repo.workdir()?).ok()?;
    let root_abs = std::fs::canonicalize(root).ok()?;
    let prefix = root_abs.strip_prefix(&workdir).ok()?;
    let head = repo.head().ok()?.peel_to_commit().ok()?;
    let entry = head.tree().ok()?.get_path(&prefix.join(path)).ok()?;
    let blob = entry.to_object(&repo).ok()?.peel_to_blob().ok()?;
    let short = head.as_object().short_id().ok()?;
    let short = String::from_utf8_lossy(&short).into_owned();
    Some((short, blob.content().to_vec()))
}

/// The error opening the `.git` at `root`, when there is one that does not open.
fn broken_git(root: &Path) -> Option<git2::Error> {
    if std::fs::symlink_metadata(root.join(".git")).is_err() {
        return None;
    }
    git2::Repository::open(root).err()
}

/// Why `update` cannot check `root` for uncommitted changes, or `None` when it can:
/// no git work tree around it, or a `.git` that points nowhere. Front ends show it as a
/// warning: local edits are then protected by the three-way merge alone.
pub fn no_dirty_check(root: &Path) -> Option<String> {
    if let Some(e) = broken_git(root) {
        return Some(format!(
            "`{}` has a `.git` that does not open as a repository ({}); there is no check for uncommitted changes",
            root.join(".git").display(),
            e.message()
        ));
    }
    match git2::Repository::discover(root) {
        Ok(r) if !r.is_bare() => None,
        _ => Some(format!(
            "`{}` is not in a git work tree; there is no check for uncommitted changes",
            root.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dirty_paths_among_given_paths_matches_them_literally() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in ["a1.txt", "a[1].txt", "b.txt"] {
            std::fs::write(root.join(name), "one\n").unwrap();
        }
        init_and_commit(root, "first").unwrap();
        std::fs::write(root.join("a1.txt"), "two\n").unwrap();
        std::fs::write(root.join("b.txt"), "two\n").unwrap();
        std::fs::write(root.join("new.txt"), "untracked\n").unwrap();
        let among = |paths: &[&str]| {
            let paths: Vec<String> = paths.iter().map(ToString::to_string).collect();
            dirty_paths(root, Some(&paths)).unwrap().unwrap()
        };
        assert_eq!(
            dirty_paths(root, None).unwrap().unwrap(),
            ["a1.txt", "b.txt", "new.txt"]
        );
        // `a[1].txt` is a name, not a pattern matching `a1.txt`.
        assert!(among(&["a[1].txt"]).is_empty());
        assert_eq!(among(&["a1.txt", "new.txt"]), ["a1.txt", "new.txt"]);
        assert!(among(&[]).is_empty());
    }
}
