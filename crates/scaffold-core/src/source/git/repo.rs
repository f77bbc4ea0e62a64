//! A cached repository: refs resolved to commits, trees read from the object database.

use std::cell::Cell;
use std::fmt;
use std::path::{Path, PathBuf};

use git2::{ErrorCode, ObjectType, Oid, Repository, Tree};

use super::*;
use crate::source::parse_version;

/// A bare cache repository for one URL, opened by [`GitCache::open`].
pub struct CachedRepo {
    repo: Repository,
    url: String,
    dir: PathBuf,
    policy: FetchPolicy,
    /// Whether this handle already fetched (so `IfMissing` fetches at most once).
    pub(super) fetched: Cell<bool>,
}

impl fmt::Debug for CachedRepo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedRepo")
            .field("url", &self.url)
            .field("dir", &self.dir)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// The result of resolving a ref.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Resolved {
    /// Full hex id of the commit.
    pub commit: String,
    /// The tag/branch/commit asked for, the tag chosen as latest, or the default
    /// branch name.
    pub reference: String,
    /// The semver tag name (e.g. `v1.2.0`) if the commit is at a semver tag (the
    /// highest one if several).
    pub version: Option<String>,
}

/// Whether a subpath names a file or a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubpathKind {
    /// A file (a blob; symlinks count as files).
    File,
    /// A directory (a tree).
    Dir,
}

/// The files read from a commit by [`CachedRepo::read_tree`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRead {
    /// Root of the returned entries, relative to the repository root (`""` for the
    /// whole repository).
    pub root: String,
    /// When the requested subpath named a file (a golden path definition), its path
    /// relative to `root` (then `root` is `""`, so this is relative to the repository
    /// root); `None` otherwise.
    pub definition: Option<String>,
    /// Files and symlinks (the engine's one tree representation), by `/`-separated
    /// path relative to `root`. A symlink's content is its target as stored in git.
    pub entries: crate::tree::Tree,
}

impl TreeRead {
    /// The entry at `path` (relative to `root`), if any.
    pub fn get(&self, path: &str) -> Option<&crate::tree::Entry> {
        self.entries.get(path)
    }
}

impl CachedRepo {
    pub(super) fn new(repo: Repository, url: &str, dir: PathBuf, policy: FetchPolicy) -> Self {
        let fetched = Cell::new(false);
        CachedRepo {
            repo,
            url: url.to_string(),
            dir,
            policy,
            fetched,
        }
    }

    /// The repository URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The directory of the bare cache repository.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Fetches now, whatever the policy (except [`FetchPolicy::Offline`], which
    /// makes this a no-op).
    pub fn fetch(&self) -> Result<(), GitError> {
        if self.policy == FetchPolicy::Offline {
            return Ok(());
        }
        fetch_repo(&self.repo, &self.url)?;
        self.fetched.set(true);
        Ok(())
    }

    /// Runs `f`; if it fails with a "not found" kind of error and the policy is
    /// [`FetchPolicy::IfMissing`] and nothing was fetched yet, fetches and retries.
    fn with_refetch<T>(&self, f: impl Fn() -> Result<T, GitError>) -> Result<T, GitError> {
        match f() {
            Err(GitError::UnknownRef { .. } | GitError::UnknownCommit { .. })
                if self.policy == FetchPolicy::IfMissing && !self.fetched.get() =>
            {
                self.fetch()?;
                f()
            }
            other => other,
        }
    }

    /// The committer time of `commit`, in seconds since the Unix epoch.
    pub fn commit_time(&self, commit: &str) -> Result<i64, GitError> {
        Ok(self.find_commit(commit)?.time().seconds())
    }

    /// The committer time of the newest commit reachable from `commit` (first parents)
    /// that changed `path`; `None` when no commit in that history has it.
    pub fn last_change(&self, commit: &str, path: &str) -> Result<Option<i64>, GitError> {
        let blob_at = |c: &git2::Commit<'_>| -> Result<Option<git2::Oid>, GitError> {
            match c.tree()?.get_path(Path::new(path)) {
                Ok(e) => Ok(Some(e.id())),
                Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            }
        };
        let mut current = self.find_commit(commit)?;
        let mut id = blob_at(&current)?;
        if id.is_none() {
            return Ok(None);
        }
        loop {
            let Ok(parent) = current.parent(0) else {
                return Ok(Some(current.time().seconds()));
            };
            if blob_at(&parent)? != id {
                return Ok(Some(current.time().seconds()));
            }
            id = blob_at(&parent)?;
            current = parent;
        }
    }

    /// Resolves a ref to a commit.
    ///
    /// `None` means latest: the highest semver tag (`v1.2.3` or `1.2.3`; pre-releases
    /// only if there is no release), or, without semver tags, the head of the default
    /// branch (`origin/HEAD`, else `main`, else `master`). `Some(r)` is a tag, a branch
    /// (remote-tracking), a full ref name, or a full or abbreviated commit id present in
    /// the repository. An unknown ref gives [`GitError::UnknownRef`] listing some
    /// available tags and branches. With [`FetchPolicy::IfMissing`] a missing ref
    /// triggers one fetch first.
    pub fn resolve(&self, reference: Option<&str>) -> Result<Resolved, GitError> {
        match reference {
            None => self.resolve_latest(),
            Some(r) => self.with_refetch(|| self.resolve_named(r)),
        }
    }

    fn resolve_latest(&self) -> Result<Resolved, GitError> {
        let versions = self.versions()?;
        let release = versions.iter().rev().find(|(_, v, _)| v.pre.is_empty());
        if let Some((tag, _, commit)) = release.or(versions.last()) {
            return Ok(Resolved {
                commit: commit.clone(),
                reference: tag.clone(),
                version: Some(tag.clone()),
            });
        }
        self.resolve_default_branch()
    }

    /// The head of the default branch (`origin/HEAD`, else `main`, else `master`),
    /// whatever the tags say: where a service repository's current state is.
    pub fn resolve_default_branch(&self) -> Result<Resolved, GitError> {
        let head = format!("refs/remotes/{REMOTE}/HEAD");
        let mut candidates = Vec::new();
        if let Ok(r) = self.repo.find_reference(&head)
            && let Ok(Some(target)) = r.symbolic_target()
            && let Some(branch) = target.strip_prefix(&format!("refs/remotes/{REMOTE}/"))
        {
            candidates.push(branch.to_string());
        }
        candidates.extend(["main".to_string(), "master".to_string()]);
        for branch in candidates {
            if let Some(commit) = self.branch_commit(&branch)? {
                let version = self.version_at(&commit)?;
                return Ok(Resolved {
                    commit,
                    reference: branch,
                    version,
                });
            }
        }
        Err(GitError::NoDefaultBranch {
            url: self.url.clone(),
            available: self.available()?,
        })
    }

    fn branch_commit(&self, branch: &str) -> Result<Option<String>, GitError> {
        self.ref_commit(&format!("refs/remotes/{REMOTE}/{branch}"))
    }

    /// Peels the reference `name` to a commit, `None` if it does not exist or does
    /// not point at a commit.
    fn ref_commit(&self, name: &str) -> Result<Option<String>, GitError> {
        if !git2::Reference::is_valid_name(name) {
            return Ok(None);
        }
        match self.repo.find_reference(name) {
            Ok(r) => Ok(r.peel_to_commit().ok().map(|c| c.id().to_string())),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn resolve_named(&self, r: &str) -> Result<Resolved, GitError> {
        let mut names = vec![
            format!("refs/tags/{r}"),
            format!("refs/remotes/{REMOTE}/{r}"),
        ];
        if let Some(branch) = r.strip_prefix("refs/heads/") {
            names.push(format!("refs/remotes/{REMOTE}/{branch}"));
        } else if r.starts_with("refs/") {
            names.push(r.to_string());
        }
        for name in &names {
            if let Some(commit) = self.ref_commit(name)? {
                let version = if name.starts_with("refs/tags/") && parse_version(r).is_some() {
                    Some(r.to_string())
                } else {
                    self.version_at(&commit)?
                };
                return Ok(Resolved {
                    commit,
                    reference: r.to_string(),
                    version,
                });
            }
        }
        if is_hex_prefix(r) {
            match self.find_commit(r) {
                Ok(commit) => {
                    let commit = commit.id().to_string();
                    let version = self.version_at(&commit)?;
                    return Ok(Resolved {
                        commit,
                        reference: r.to_string(),
                        version,
                    });
                }
                Err(GitError::UnknownCommit { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Err(GitError::UnknownRef {
            url: self.url.clone(),
            reference: r.to_string(),
            available: self.available()?,
        })
    }

    /// Finds a commit by full or abbreviated hex id (without refetching).
    fn find_commit(&self, hex: &str) -> Result<git2::Commit<'_>, GitError> {
        let unknown = || GitError::UnknownCommit {
            url: self.url.clone(),
            commit: hex.to_string(),
        };
        if !is_hex_prefix(hex) {
            return Err(unknown());
        }
        let object = if hex.len() == 40 {
            let oid = Oid::from_str(hex)?;
            self.repo.find_object(oid, None)
        } else {
            self.repo.find_object_by_prefix(hex, None)
        };
        match object {
            Ok(o) => o.peel_to_commit().map_err(|_| unknown()),
            Err(e) if e.code() == ErrorCode::NotFound => Err(unknown()),
            Err(e) if e.code() == ErrorCode::Ambiguous => Err(GitError::AmbiguousCommit {
                url: self.url.clone(),
                prefix: hex.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// The highest semver tag pointing at `commit`.
    fn version_at(&self, commit: &str) -> Result<Option<String>, GitError> {
        Ok(self
            .versions()?
            .into_iter()
            .rev()
            .find(|(_, _, c)| c == commit)
            .map(|(tag, _, _)| tag))
    }

    /// A few tags (highest versions first, then other tags) and branches, for
    /// error messages.
    fn available(&self) -> Result<Vec<String>, GitError> {
        let mut out: Vec<String> = self
            .versions()?
            .into_iter()
            .rev()
            .map(|(tag, _, _)| tag)
            .take(MAX_AVAILABLE / 2)
            .collect();
        let remote_prefix = format!("refs/remotes/{REMOTE}/");
        let mut branches = Vec::new();
        for r in self.repo.references_glob(&format!("{remote_prefix}*"))? {
            let r = r?;
            if let Some(name) = r.name().ok().and_then(|n| n.strip_prefix(&remote_prefix))
                && name != "HEAD"
            {
                branches.push(name.to_string());
            }
        }
        branches.sort();
        let room = MAX_AVAILABLE.saturating_sub(out.len());
        out.extend(branches.into_iter().take(room));
        if out.len() < MAX_AVAILABLE {
            let mut other_tags = Vec::new();
            for r in self.repo.references_glob("refs/tags/*")? {
                let r = r?;
                if let Some(name) = r.name().ok().and_then(|n| n.strip_prefix("refs/tags/"))
                    && parse_version(name).is_none()
                {
                    other_tags.push(name.to_string());
                }
            }
            other_tags.sort();
            let room = MAX_AVAILABLE - out.len();
            out.extend(other_tags.into_iter().take(room));
        }
        Ok(out)
    }

    /// Whether `commit` is in the repository and reachable from one of its tags or
    /// branches (a commit only the cache still holds would vanish from a fresh cache).
    pub fn contains(&self, commit: &str) -> Result<bool, GitError> {
        let git = &self.repo;
        let Ok(oid) = git2::Oid::from_str(commit) else {
            return Ok(false);
        };
        if git.find_commit(oid).is_err() {
            return Ok(false);
        }
        let mut tips = Vec::new();
        for r in git.references()? {
            let r = r?;
            let name = r.name().unwrap_or_default();
            if name.starts_with("refs/tags/") || name.starts_with("refs/remotes/") {
                if let Ok(c) = r.peel_to_commit() {
                    tips.push(c.id());
                }
            }
        }
        if tips.contains(&oid) {
            return Ok(true);
        }
        for tip in tips {
            if git.graph_descendant_of(tip, oid)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// All semver tags (`v1.2.3` or `1.2.3`), ascending by version (ties by name):
    /// tag name, parsed version and commit id. Annotated tags are peeled to their
    /// commits; tags of non-commits are skipped.
    pub fn versions(&self) -> Result<Vec<(String, semver::Version, String)>, GitError> {
        let mut out = Vec::new();
        for r in self.repo.references_glob("refs/tags/*")? {
            let r = r?;
            let Some(name) = r.name().ok().and_then(|n| n.strip_prefix("refs/tags/")) else {
                continue;
            };
            let Some(version) = parse_version(name) else {
                continue;
            };
            let Ok(commit) = r.peel_to_commit() else {
                continue;
            };
            out.push((name.to_string(), version, commit.id().to_string()));
        }
        out.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// Reads every file and symlink at `commit` (full or abbreviated id) from the
    /// object database; no work tree is involved. Submodules are skipped.
    ///
    /// * `subpath` `None` (or empty): the whole tree, `root` is `""`.
    /// * `subpath` naming a directory: the entries under it, relative to it; `root` is
    ///   the normalised subpath.
    /// * `subpath` naming a file (a golden path definition such as
    ///   `golden-paths/x.yaml`): the whole repository tree (`root` is `""`) and
    ///   [`TreeRead::definition`] set to that file's path, so the caller can resolve
    ///   paths relative to it.
    ///
    /// Errors: [`GitError::UnknownCommit`], [`GitError::SubpathNotFound`], and
    /// [`GitError::InvalidTreePath`] for entry names that are unsafe to write out.
    pub fn read_tree(&self, commit: &str, subpath: Option<&str>) -> Result<TreeRead, GitError> {
        // Every object of the mirror had its hash checked when it was fetched (git's
        // index-pack hashes each one): hashing each blob again on every read doubles
        // the cost of reading a large template. (A libgit2 setting for the process.)
        git2::opts::strict_hash_verification(false);
        let commit_obj = self.with_refetch(|| self.find_commit(commit))?;
        let commit_hex = commit_obj.id().to_string();
        let tree = commit_obj.tree()?;
        let sub = self.normalized_subpath(&commit_hex, subpath)?;
        let mut read = TreeRead {
            root: String::new(),
            definition: None,
            entries: crate::tree::Tree::new(),
        };
        let start = match &sub {
            None => tree,
            Some(sub) => match self.lookup(&tree, sub)? {
                Some((SubpathKind::Dir, id)) => {
                    read.root = sub.clone();
                    self.repo.find_tree(id)?
                }
                Some((SubpathKind::File, _)) => {
                    read.definition = Some(sub.clone());
                    tree
                }
                None => return Err(self.subpath_not_found(&commit_hex, sub)),
            },
        };
        self.walk(&start, "", &commit_hex, &mut read.entries)?;
        Ok(read)
    }

    /// Whether `subpath` names a file or a directory at `commit`, `None` if it does
    /// not exist (submodules count as missing). An empty subpath is the root
    /// directory.
    pub fn subpath_kind(
        &self,
        commit: &str,
        subpath: &str,
    ) -> Result<Option<SubpathKind>, GitError> {
        let commit_obj = self.with_refetch(|| self.find_commit(commit))?;
        let commit_hex = commit_obj.id().to_string();
        match self.normalized_subpath(&commit_hex, Some(subpath))? {
            None => Ok(Some(SubpathKind::Dir)),
            Some(sub) => Ok(self.lookup(&commit_obj.tree()?, &sub)?.map(|(k, _)| k)),
        }
    }

    fn normalized_subpath(
        &self,
        commit: &str,
        subpath: Option<&str>,
    ) -> Result<Option<String>, GitError> {
        let Some(sub) = subpath else {
            return Ok(None);
        };
        if sub.split('/').all(|p| p.is_empty() || p == ".") {
            return Ok(None);
        }
        normalize_subpath(sub)
            .map(Some)
            .map_err(|_| self.subpath_not_found(commit, sub))
    }

    fn subpath_not_found(&self, commit: &str, sub: &str) -> GitError {
        GitError::SubpathNotFound {
            url: self.url.clone(),
            commit: commit.to_string(),
            subpath: sub.to_string(),
        }
    }

    fn lookup(&self, tree: &Tree<'_>, sub: &str) -> Result<Option<(SubpathKind, Oid)>, GitError> {
        match tree.get_path(Path::new(sub)) {
            Ok(entry) => Ok(match entry.kind() {
                Some(ObjectType::Tree) => Some((SubpathKind::Dir, entry.id())),
                Some(ObjectType::Blob) => Some((SubpathKind::File, entry.id())),
                _ => None,
            }),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn walk(
        &self,
        tree: &Tree<'_>,
        prefix: &str,
        commit: &str,
        out: &mut crate::tree::Tree,
    ) -> Result<(), GitError> {
        for entry in tree.iter() {
            let name_bytes = entry.name_bytes();
            let lossy = String::from_utf8_lossy(name_bytes);
            let invalid = |reason: &str| GitError::InvalidTreePath {
                url: self.url.clone(),
                commit: commit.to_string(),
                path: format!("{prefix}{lossy}"),
                reason: reason.to_string(),
            };
            let Ok(name) = std::str::from_utf8(name_bytes) else {
                return Err(invalid("the name is not valid UTF-8"));
            };
            if name.is_empty()
                || name == "."
                || name == ".."
                || name.contains('/')
                || name.contains('\\')
                || name.contains('\0')
            {
                return Err(invalid("the name could escape the target directory"));
            }
            if name.eq_ignore_ascii_case(".git") {
                return Err(invalid(
                    "a `.git` entry could overwrite repository metadata",
                ));
            }
            let path = format!("{prefix}{name}");
            match entry.kind() {
                Some(ObjectType::Tree) => {
                    let sub = self.repo.find_tree(entry.id())?;
                    self.walk(&sub, &format!("{path}/"), commit, out)?;
                }
                Some(ObjectType::Blob) => {
                    let blob = self.repo.find_blob(entry.id())?;
                    let mode = entry.filemode();
                    let mode = if mode == i32::from(git2::FileMode::Link) {
                        if std::str::from_utf8(blob.content()).is_err() {
                            return Err(invalid("the symlink target is not valid UTF-8"));
                        }
                        crate::tree::FileMode::Symlink
                    } else if mode == i32::from(git2::FileMode::BlobExecutable) {
                        crate::tree::FileMode::Executable
                    } else {
                        crate::tree::FileMode::File
                    };
                    let content = blob.content().to_vec();
                    out.insert(
                        path,
                        crate::tree::Entry {
                            mode,
                            content: content.into(),
                        },
                    );
                }
                // Submodules (gitlinks) and anything else are skipped.
                _ => {}
            }
        }
        Ok(())
    }
}

fn is_hex_prefix(s: &str) -> bool {
    (4..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}
