//! The cache: one bare mirror per URL, fetched by policy, built atomically.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use git2::{
    AutotagOption, Cred, CredentialType, FetchOptions, FetchPrune, RemoteCallbacks, Repository,
};

use super::*;

/// How hard to try the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FetchPolicy {
    /// Always fetch (to learn new tags); a failing fetch is an error, there is no
    /// fallback to the cached copy.
    Always,
    /// Fetch only when the cache lacks the repository or the wanted ref/commit.
    IfMissing,
    /// Never touch the network; error if the cache cannot answer.
    Offline,
}

/// A directory of bare repository caches, one per URL.
#[derive(Debug, Clone)]
pub struct GitCache {
    root: PathBuf,
}

impl GitCache {
    /// A cache rooted at `root` (created on first use).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        GitCache { root: root.into() }
    }

    /// `<user cache dir>/scaffold/git`, else [`GitError::NoCacheDir`]. The library
    /// reads no environment variable: a front end that lets users choose the cache
    /// passes it to [`crate::EngineBuilder::cache_dir`].
    pub fn default_location() -> Result<Self, GitError> {
        dirs::cache_dir()
            .map(|d| GitCache::new(d.join("scaffold").join("git")))
            .ok_or(GitError::NoCacheDir)
    }

    /// The cache root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory holding the bare cache repository for `url` (it may not exist).
    pub fn dir_for(&self, url: &str) -> PathBuf {
        self.root.join(cache_key(url))
    }

    /// Opens the bare cache repository for `url`, creating or fetching it as
    /// `policy` says.
    ///
    /// All branches (as `refs/remotes/origin/*`) and tags are fetched, with pruning,
    /// and `refs/remotes/origin/HEAD` records the remote's default branch. A new cache
    /// entry is built in a temporary directory beside the final one and renamed into
    /// place. https and ssh credentials come from git's credential helpers, the ssh
    /// agent and the default ssh keys, each tried once.
    pub fn open(&self, url: &str, policy: FetchPolicy) -> Result<CachedRepo, GitError> {
        let dir = self.dir_for(url);
        if dir.exists() {
            match open_cache_repo(&dir, url) {
                Ok(repo) => {
                    let cached = CachedRepo::new(repo, url, dir, policy);
                    if policy == FetchPolicy::Always {
                        cached.fetch()?;
                    }
                    return Ok(cached);
                }
                Err(source) => {
                    if policy == FetchPolicy::Offline {
                        return Err(GitError::CacheCorrupt { path: dir, source });
                    }
                    std::fs::remove_dir_all(&dir).map_err(|source| GitError::Cache {
                        path: dir.clone(),
                        source,
                    })?;
                }
            }
        } else if policy == FetchPolicy::Offline {
            return Err(GitError::NotCached {
                url: url.to_string(),
            });
        }
        self.create(url, &dir, policy)
    }

    /// Builds a new cache entry for `url` atomically.
    fn create(&self, url: &str, dir: &Path, policy: FetchPolicy) -> Result<CachedRepo, GitError> {
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| GitError::Cache { path, source }
        };
        std::fs::create_dir_all(&self.root).map_err(io_err(&self.root))?;
        let key = cache_key(url);
        remove_stale_tmp_dirs(&self.root, &key);
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let tmp = self
            .root
            .join(format!(".tmp-{key}-{}-{nanos}", std::process::id()));

        let build = || -> Result<(), GitError> {
            let repo = Repository::init_bare(&tmp)?;
            repo.remote_with_fetch(REMOTE, url, REFSPECS[0])?;
            repo.remote_add_fetch(REMOTE, REFSPECS[1])?;
            fetch_repo(&repo, url)
        };
        if let Err(e) = build() {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
        if let Err(rename_err) = std::fs::rename(&tmp, dir) {
            // Another process may have won the race; use its cache if it is sound.
            let _ = std::fs::remove_dir_all(&tmp);
            if !dir.exists() {
                return Err(io_err(dir)(rename_err));
            }
        }
        let repo = open_cache_repo(dir, url).map_err(|source| GitError::CacheCorrupt {
            path: dir.to_path_buf(),
            source,
        })?;
        let cached = CachedRepo::new(repo, url, dir.to_path_buf(), policy);
        cached.fetched.set(true);
        Ok(cached)
    }
}

pub(super) fn cache_key(url: &str) -> String {
    blake3::hash(url.as_bytes()).to_hex()[..24].to_string()
}

/// Opens a cache entry and checks that it belongs to `url`.
fn open_cache_repo(dir: &Path, url: &str) -> Result<Repository, git2::Error> {
    let repo = Repository::open_bare(dir)?;
    let remote = repo.find_remote(REMOTE)?;
    if remote.url_bytes() != url.as_bytes() {
        return Err(git2::Error::from_str(&format!(
            "cache entry belongs to {}, not {url}",
            String::from_utf8_lossy(remote.url_bytes())
        )));
    }
    drop(remote);
    Ok(repo)
}

/// Removes `.tmp-<key>-*` directories left behind by interrupted runs long ago.
fn remove_stale_tmp_dirs(root: &Path, key: &str) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let prefix = format!(".tmp-{key}-");
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(&prefix) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_TMP_AGE);
        if old {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Credential callbacks: each method is tried at most once per fetch.
fn remote_callbacks<'a>() -> RemoteCallbacks<'a> {
    let mut tried_username = false;
    let mut tried_agent = false;
    let mut key_files: Vec<PathBuf> = dirs::home_dir()
        .map(|h| {
            ["id_ed25519", "id_ecdsa", "id_rsa"]
                .iter()
                .map(|k| h.join(".ssh").join(k))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    key_files.reverse();
    let mut tried_helper = false;
    let mut tried_default = false;
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |url, username_from_url, allowed| {
        let user = username_from_url.unwrap_or("git");
        if allowed.contains(CredentialType::USERNAME) && !tried_username {
            tried_username = true;
            return Cred::username(user);
        }
        if allowed.contains(CredentialType::SSH_KEY) {
            if !tried_agent {
                tried_agent = true;
                return Cred::ssh_key_from_agent(user);
            }
            if let Some(key) = key_files.pop() {
                return Cred::ssh_key(user, None, &key, None);
            }
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) && !tried_helper {
            tried_helper = true;
            let config = git2::Config::open_default()?;
            return Cred::credential_helper(&config, url, username_from_url);
        }
        if allowed.contains(CredentialType::DEFAULT) && !tried_default {
            tried_default = true;
            return Cred::default();
        }
        Err(git2::Error::from_str(
            "authentication failed: no usable credentials from the git credential helper, \
             the ssh agent or ~/.ssh keys",
        ))
    });
    callbacks
}

/// Fetches all branches and tags of `url` into `repo` (pruning) and records the
/// remote's default branch as `refs/remotes/origin/HEAD`.
pub(super) fn fetch_repo(repo: &Repository, url: &str) -> Result<(), GitError> {
    let unreachable = |source| GitError::Unreachable {
        url: url.to_string(),
        source,
    };
    let mut remote = repo.find_remote(REMOTE)?;
    let mut options = FetchOptions::new();
    options
        .remote_callbacks(remote_callbacks())
        .prune(FetchPrune::On)
        .download_tags(AutotagOption::None);
    remote
        .fetch(&REFSPECS, Some(&mut options), Some("scaffold: fetch"))
        .map_err(unreachable)?;
    if let Ok(buf) = remote.default_branch()
        && let Some(branch) = buf
            .as_str()
            .ok()
            .and_then(|b| b.strip_prefix("refs/heads/"))
    {
        let target = format!("refs/remotes/{REMOTE}/{branch}");
        if repo.find_reference(&target).is_ok() {
            repo.reference_symbolic(
                &format!("refs/remotes/{REMOTE}/HEAD"),
                &target,
                true,
                "scaffold: default branch",
            )?;
        }
    }
    Ok(())
}
