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

/// A file of the work tree whose content is already compressed (the baseline): git
/// would deflate it again for nothing, at about 100 MB/s for zstd's output, which made
/// the baseline cost `new` more in git than everything else it records. It is stored
/// as a loose object whose zlib stream holds stored (uncompressed) blocks, which every
/// git reads, and staged from the content given, when git would store that content
/// unchanged.
#[derive(Debug, Clone, Copy)]
pub struct Precompressed<'a> {
    /// The path relative to the work tree's root, `/`-separated.
    pub path: &'a str,
    /// The content written at `path`.
    pub content: &'a [u8],
}

/// `git init` plus a first commit of everything in `root`. Uses the user's
/// `user.name`/`user.email` when set, else `scaffold <scaffold@localhost>`. The
/// `precompressed` files are stored without a second compression ([`Precompressed`]).
/// Returns the commit id.
pub fn init_and_commit(
    root: &Path,
    message: &str,
    precompressed: &[Precompressed<'_>],
) -> Result<String> {
    let repo = git2::Repository::init(root)
        .map_err(git_err("cannot initialise a git repository", root))?;
    let tree_id = stage_all(&repo, root, precompressed)?;
    commit_tree(&repo, root, tree_id, message, &[]).map(|id| id.to_string())
}

/// Stage every path of the work tree at `root` (additions, changes, deletions) and
/// write the index's tree; returns its id. The `precompressed` files git would store
/// unchanged are written as uncompressed loose objects on a thread of their own while
/// the rest is staged, and skipped by the staging of the rest.
fn stage_all(
    repo: &git2::Repository,
    root: &Path,
    precompressed: &[Precompressed<'_>],
) -> Result<git2::Oid> {
    let mut index = repo
        .index()
        .map_err(git_err("cannot open the index", root))?;
    let direct: Vec<Precompressed<'_>> = precompressed
        .iter()
        .copied()
        .filter(|p| stored_unchanged(repo, p))
        .collect();
    let skipped: std::collections::HashSet<&Path> =
        direct.iter().map(|p| Path::new(p.path)).collect();
    let mut skip = |path: &Path, _: &[u8]| -> i32 { i32::from(skipped.contains(path)) };
    let git_dir = repo.path();
    let entries = std::thread::scope(|scope| {
        let stored = scope.spawn(|| {
            direct
                .iter()
                .map(|p| stored_entry(git_dir, root, p))
                .collect::<Result<Vec<_>>>()
        });
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, Some(&mut skip))
            .map_err(git_err("cannot stage the files", root))?;
        stored
            .join()
            .expect("the stored-blob writer does not panic")
    })?;
    for entry in &entries {
        index
            .add(entry)
            .map_err(git_err("cannot stage the files", root))?;
    }
    index
        .update_all(["*"], Some(&mut skip))
        .map_err(git_err("cannot stage the deletions", root))?;
    index
        .write()
        .map_err(git_err("cannot write the index", root))?;
    index
        .write_tree()
        .map_err(git_err("cannot write the tree", root))
}

/// Whether git would store `file`'s content unchanged: no attribute that converts
/// content on the way into git (`text`, `crlf`, `eol`, `ident`) applies to it, or only
/// `text=auto` or `core.autocrlf`, which leave binary content (a NUL in its first
/// 8,000 bytes, as git decides) alone; the file is not ignored; and the file on disk
/// still has the content's length. Otherwise it is staged as every other file is.
fn stored_unchanged(repo: &git2::Repository, file: &Precompressed<'_>) -> bool {
    if !cfg!(unix) {
        return false;
    }
    let binary = file.content[..file.content.len().min(8_000)].contains(&0);
    let path = Path::new(file.path);
    let attr = |name: &str| {
        repo.get_attr_bytes(path, name, git2::AttrCheckFlags::FILE_THEN_INDEX)
            .map(git2::AttrValue::from_bytes)
    };
    let converts = ["crlf", "eol", "ident"]
        .into_iter()
        .any(|name| !matches!(attr(name), Ok(git2::AttrValue::Unspecified)));
    let text = match attr("text") {
        Ok(git2::AttrValue::Unspecified | git2::AttrValue::False) => true,
        Ok(git2::AttrValue::String("auto")) => binary,
        _ => false,
    };
    let autocrlf = repo
        .config()
        .and_then(|c| c.get_string("core.autocrlf"))
        .map_or(true, |v| v.eq_ignore_ascii_case("false") || binary);
    let same_len = std::fs::symlink_metadata(repo_workdir_path(repo, path))
        .is_ok_and(|m| m.is_file() && m.len() == file.content.len() as u64);
    // An ignored file is left to `add_all`, which leaves it out, as before.
    let ignored = repo.is_path_ignored(path).unwrap_or(true);
    !converts && text && autocrlf && same_len && !ignored
}

fn repo_workdir_path(repo: &git2::Repository, path: &Path) -> std::path::PathBuf {
    repo.workdir().unwrap_or(Path::new(".")).join(path)
}

/// Write `file`'s content as an uncompressed loose blob into the repository whose
/// `.git` is `git_dir` and return its index entry, with the stat data of the file in
/// the work tree at `root`.
#[cfg(unix)]
fn stored_entry(git_dir: &Path, root: &Path, file: &Precompressed<'_>) -> Result<git2::IndexEntry> {
    use std::os::unix::fs::MetadataExt as _;
    let id = write_stored_blob(git_dir, file.content)?;
    let on_disk = root.join(file.path);
    let meta =
        std::fs::symlink_metadata(&on_disk).map_err(|e| Error::io("cannot read", &on_disk, e))?;
    // The index keeps 32 bits of these, as git does.
    let low = |v: u64| v as u32;
    let time = |secs: i64, nanos: i64| git2::IndexTime::new(secs as i32, nanos as u32);
    Ok(git2::IndexEntry {
        ctime: time(meta.ctime(), meta.ctime_nsec()),
        mtime: time(meta.mtime(), meta.mtime_nsec()),
        dev: low(meta.dev()),
        ino: low(meta.ino()),
        mode: if meta.mode() & 0o111 != 0 {
            0o100_755
        } else {
            0o100_644
        },
        uid: meta.uid(),
        gid: meta.gid(),
        file_size: low(meta.len()),
        id,
        flags: 0,
        flags_extended: 0,
        path: file.path.as_bytes().to_vec(),
    })
}

#[cfg(not(unix))]
fn stored_entry(_: &Path, _: &Path, _: &Precompressed<'_>) -> Result<git2::IndexEntry> {
    unreachable!("stored_unchanged is false off unix")
}

/// Write `content` as a loose blob into the object database at `git_dir/objects`,
/// its zlib stream made of stored (uncompressed) blocks, which every git reads as it
/// reads any other zlib level. git2 has no compression setting, and libgit2's "level
/// 0" writes no zlib stream at all (an object git cannot read), so the object file is
/// written here, in git's documented loose format: `blob <len>\0<content>` deflated,
/// at `objects/<2 hex>/<38 hex>` of its SHA-1, made whole in a temporary file and
/// renamed into place, read-only, as git does.
fn write_stored_blob(git_dir: &Path, content: &[u8]) -> Result<git2::Oid> {
    use std::io::Write as _;
    let id = git2::Oid::hash_object(git2::ObjectType::Blob, content)
        .map_err(git_err("cannot hash a git object", git_dir))?;
    let hex = id.to_string();
    let dir = git_dir.join("objects").join(&hex[..2]);
    let path = dir.join(&hex[2..]);
    if path.exists() {
        return Ok(id);
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix("tmp_obj_")
        .tempfile_in(&dir)
        .map_err(|e| Error::io("cannot create a temporary file in", &dir, e))?;
    let written = (|| {
        let mut z = flate2::write::ZlibEncoder::new(
            std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut()),
            flate2::Compression::none(),
        );
        write!(z, "blob {}\0", content.len())?;
        z.write_all(content)?;
        z.finish()?.flush()
    })();
    written.map_err(|e| Error::io("cannot write", tmp.path(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o444))
            .map_err(|e| Error::io("cannot set the mode of", tmp.path(), e))?;
    }
    tmp.persist(&path)
        .map_err(|e| Error::io("cannot rename into", &path, e.error))?;
    Ok(id)
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
    let tree_id = stage_all(&repo, root, &[])?;
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
        init_and_commit(root, "first", &[]).unwrap();
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
    /// A `Precompressed` file lands in the first commit as an uncompressed loose
    /// object git reads (`git fsck`, `git cat-file`), the index vouches for it (status
    /// clean) and the other files are staged as before.
    #[test]
    fn a_precompressed_file_is_committed_as_a_stored_loose_object() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let content: Vec<u8> = (0..200_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        std::fs::create_dir(root.join(".scaffold")).unwrap();
        std::fs::write(root.join(".scaffold/x.baseline"), &content).unwrap();
        std::fs::write(root.join("README.md"), "hello\n").unwrap();
        let file = Precompressed {
            path: ".scaffold/x.baseline",
            content: &content,
        };
        init_and_commit(root, "first", &[file]).unwrap();
        let repo = git2::Repository::open(root).unwrap();
        let tree = repo.head().unwrap().peel_to_tree().unwrap();
        let id = tree
            .get_path(Path::new(".scaffold/x.baseline"))
            .unwrap()
            .id();
        assert_eq!(repo.find_blob(id).unwrap().content(), &content[..]);
        assert!(tree.get_path(Path::new("README.md")).is_ok());
        let hex = id.to_string();
        let object = root.join(".git/objects").join(&hex[..2]).join(&hex[2..]);
        // Stored blocks: the object is no smaller than its content.
        assert!(std::fs::metadata(&object).unwrap().len() > content.len() as u64);
        assert_eq!(
            dirty_paths(root, None).unwrap().unwrap(),
            Vec::<String>::new()
        );
        let git = |args: &[&str]| {
            let out = std::process::Command::new("git")
                .args(args)
                .current_dir(root)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("HOME", root)
                .output()
                .expect("git runs");
            assert!(
                out.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        };
        git(&["fsck", "--strict", "--no-dangling"]);
        assert_eq!(git(&["cat-file", "blob", &hex]), content);
        assert!(git(&["status", "--porcelain"]).is_empty());
    }

    /// Where git would convert the file on its way in (`text` set for it), it is not
    /// written directly but staged as every other file, converted as git converts it.
    #[test]
    fn a_precompressed_file_git_would_convert_is_staged_by_git() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let content = b"one\r\ntwo\r\n".to_vec();
        std::fs::write(root.join(".gitattributes"), "*.baseline text eol=lf\n").unwrap();
        std::fs::write(root.join("x.baseline"), &content).unwrap();
        let file = Precompressed {
            path: "x.baseline",
            content: &content,
        };
        let repo = git2::Repository::init(root).unwrap();
        assert!(!stored_unchanged(&repo, &file));
        init_and_commit(root, "first", &[file]).unwrap();
        let tree = repo.head().unwrap().peel_to_tree().unwrap();
        let id = tree.get_path(Path::new("x.baseline")).unwrap().id();
        assert_eq!(repo.find_blob(id).unwrap().content(), b"one\ntwo\n");
        // Binary content under `text=auto` is left alone by git, so it is written directly.
        std::fs::write(root.join(".gitattributes"), "* text=auto\n").unwrap();
        let binary = b"\0zstd".to_vec();
        std::fs::write(root.join("x.baseline"), &binary).unwrap();
        let file = Precompressed {
            path: "x.baseline",
            content: &binary,
        };
        assert!(stored_unchanged(&repo, &file));
        let text = b"plain".to_vec();
        std::fs::write(root.join("x.baseline"), &text).unwrap();
        let file = Precompressed {
            path: "x.baseline",
            content: &text,
        };
        assert!(!stored_unchanged(&repo, &file));
        // An ignored file stays out of the commit, as `add_all` leaves it.
        std::fs::write(root.join(".gitignore"), "*.baseline\n").unwrap();
        std::fs::write(root.join("x.baseline"), &binary).unwrap();
        let file = Precompressed {
            path: "x.baseline",
            content: &binary,
        };
        assert!(!stored_unchanged(&repo, &file));
    }
}
