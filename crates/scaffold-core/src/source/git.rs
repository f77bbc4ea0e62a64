//! Git sources for golden paths: parsing source specs, caching repositories and
//! reading templates straight out of git objects.
//!
//! A golden path can live in a git repository. [`GitSource::parse`] understands the
//! go-getter/Terraform form `URL[//SUBPATH][?ref=REF]` for https, ssh (URL and
//! scp-like), `file://` and `git+PATH` sources. [`GitCache`] keeps one bare clone per
//! URL under a cache root, fetches all branches and tags with `git2` (no `git`
//! executable is needed) according to a [`FetchPolicy`], and builds every new cache
//! entry in a temporary directory that is renamed into place, so an interrupted fetch
//! never leaves a broken cache behind. [`CachedRepo`] resolves refs (by default the
//! highest semver tag) to commits and reads the files of a commit, with their
//! executable bits and symlink targets, from the object database without a work tree.

use std::cell::Cell;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use git2::{
    AutotagOption, Cred, CredentialType, ErrorCode, FetchOptions, FetchPrune, ObjectType, Oid,
    RemoteCallbacks, Repository, Tree,
};

/// The syntax shown in every parse error.
const EXPECTED_SYNTAX: &str = "expected URL[//SUBPATH][?ref=REF], for example \
     https://github.com/acme/templates//golden-paths/api?ref=v1.2.0, \
     git@github.com:acme/templates.git//api, file:///srv/templates?ref=main or git+../templates";

/// Name of the remote configured in every cache repository.
const REMOTE: &str = "origin";

/// Refspecs fetched into every cache repository.
const REFSPECS: [&str; 2] = [
    "+refs/heads/*:refs/remotes/origin/*",
    "+refs/tags/*:refs/tags/*",
];

/// Temporary cache directories older than this are considered abandoned and removed.
const STALE_TMP_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// How many tags/branches an [`GitError::UnknownRef`] lists at most.
const MAX_AVAILABLE: usize = 10;

/// Errors raised while parsing git sources, maintaining the cache and reading trees.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitError {
    /// The source string is not a valid git source spec.
    #[error("invalid git source `{input}`: {reason}; {EXPECTED_SYNTAX}")]
    InvalidSpec {
        /// The string that was parsed.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Fetching from the remote failed (network, authentication, missing repository).
    #[error(
        "cannot reach git repository {url}: {source}; check the URL and your network/credentials, \
         or use --offline if it is cached"
    )]
    Unreachable {
        /// The repository URL.
        url: String,
        /// The underlying libgit2 error.
        source: git2::Error,
    },
    /// Offline mode was requested but the repository is not in the cache.
    #[error(
        "git repository {url} is not in the cache and offline mode forbids fetching it; \
         run once without --offline to cache it"
    )]
    NotCached {
        /// The repository URL.
        url: String,
    },
    /// The requested ref is not a tag, branch or commit of the repository.
    #[error(
        "`{reference}` is not a tag, branch or commit of {url}; available: {}; pass one of these \
         with ?ref=REF (if the ref is new, fetch again without --offline)",
        list_or_none(available)
    )]
    UnknownRef {
        /// The repository URL.
        url: String,
        /// The ref that was asked for.
        reference: String,
        /// A few tags (highest versions first) and branches that do exist.
        available: Vec<String>,
    },
    /// An abbreviated commit id matches several objects.
    #[error("`{prefix}` is an ambiguous commit abbreviation in {url}; use more hex digits")]
    AmbiguousCommit {
        /// The repository URL.
        url: String,
        /// The abbreviated id.
        prefix: String,
    },
    /// The repository has no semver tag and no default branch to use as "latest".
    #[error(
        "{url} has no semver tag and no default branch (origin/HEAD, main or master); \
         available: {}; pick one with ?ref=REF",
        list_or_none(available)
    )]
    NoDefaultBranch {
        /// The repository URL.
        url: String,
        /// Branches and tags that exist.
        available: Vec<String>,
    },
    /// A commit id is not present in the cached repository.
    #[error(
        "commit {commit} is not in the cached copy of {url}; resolve a ref first, or fetch again \
         without --offline"
    )]
    UnknownCommit {
        /// The repository URL.
        url: String,
        /// The commit id that was asked for.
        commit: String,
    },
    /// The subpath does not exist in the commit's tree.
    #[error(
        "`{subpath}` does not exist in {url} at commit {commit}; check the //SUBPATH part of the \
         source (it is relative to the repository root)"
    )]
    SubpathNotFound {
        /// The repository URL.
        url: String,
        /// The commit that was read.
        commit: String,
        /// The missing subpath.
        subpath: String,
    },
    /// A tree entry has a name that cannot be materialised safely.
    #[error("{url} at commit {commit} contains an unusable path `{path}`: {reason}")]
    InvalidTreePath {
        /// The repository URL.
        url: String,
        /// The commit that was read.
        commit: String,
        /// The offending path (lossily decoded).
        path: String,
        /// Why it is rejected.
        reason: String,
    },
    /// No cache directory could be determined.
    #[error("cannot determine a cache directory for git repositories; configure a writable one")]
    NoCacheDir,
    /// A filesystem operation on the cache failed.
    #[error("git cache error at {}: {source}; check that the directory is writable", path.display())]
    Cache {
        /// The path that was being accessed.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A cache entry exists but is not a usable repository for the URL.
    #[error(
        "the git cache at {} is damaged ({source}); run again without --offline to rebuild it, \
         or delete that directory",
        path.display()
    )]
    CacheCorrupt {
        /// The cache entry directory.
        path: PathBuf,
        /// What libgit2 reported.
        source: git2::Error,
    },
    /// Any other libgit2 failure.
    #[error(
        "git error: {0}; if this keeps happening the git cache may be damaged: delete it and retry"
    )]
    Git(#[from] git2::Error),
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_string()
    } else {
        items.join(", ")
    }
}

// ---------------------------------------------------------------------------
// Source specs
// ---------------------------------------------------------------------------

/// A parsed git source in go-getter/Terraform form: `URL[//SUBPATH][?ref=REF]`.
///
/// `url` is what is handed to libgit2: an `https://`, `http://`, `ssh://`, `git://` or
/// `file://` URL, or scp-like `user@host:path`. Local `git+PATH` sources are turned
/// into absolute `file://` URLs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct GitSource {
    /// Repository URL, without subpath and query.
    pub url: String,
    /// Directory or file inside the repository, `/`-separated, relative, normalised.
    pub subpath: Option<String>,
    /// Tag, branch or commit to use; `None` means the latest semver tag.
    pub reference: Option<String>,
}

impl GitSource {
    /// Parses a git source spec.
    ///
    /// Accepts `https://host/org/repo(.git)`, `ssh://[user@]host[:port]/org/repo`,
    /// `git@host:org/repo(.git)`, `file:///abs/path` and `git+PATH` (a local repository
    /// path, relative to the current directory or absolute, turned into a `file://`
    /// URL; `git+https://…` and the like are accepted too). `http://` and `git://` URLs
    /// are accepted as well.
    ///
    /// The subpath follows a `//` after the repository part (the `//` of `https://`
    /// is not one). `?ref=REF` may follow the URL or the subpath (`URL?ref=REF//SUB`
    /// is accepted too). Empty refs, `..` or absolute subpaths and unknown query keys
    /// are rejected with [`GitError::InvalidSpec`].
    pub fn parse(s: &str) -> Result<GitSource, GitError> {
        let err = |reason: String| GitError::InvalidSpec {
            input: s.to_string(),
            reason,
        };
        let input = s.trim();
        if input.is_empty() {
            return Err(err("the source is empty".into()));
        }
        let expanded = expand_shorthand(input).map_err(err)?;
        let input = expanded.as_deref().unwrap_or(input);

        // Split off the query (and a subpath written after it).
        let (head, query, sub_after_query) = match input.split_once('?') {
            None => (input, None, None),
            Some((head, tail)) => match tail.split_once("//") {
                Some((q, sub)) => (head, Some(q), Some(sub)),
                None => (head, Some(tail), None),
            },
        };
        let reference = match query {
            None => None,
            Some(q) => Some(parse_query(q).map_err(err)?),
        };

        let (url, sub_in_head) = split_repo(head).map_err(err)?;
        let subpath = match (sub_in_head, sub_after_query) {
            (Some(_), Some(_)) => {
                return Err(err(
                    "the subpath is given twice (before and after ?ref=)".into()
                ));
            }
            (Some(sub), None) | (None, Some(sub)) => Some(normalize_subpath(sub).map_err(err)?),
            (None, None) => None,
        };
        Ok(GitSource {
            url,
            subpath,
            reference,
        })
    }

    /// True if the string looks like a git source (one of the forms accepted by
    /// [`GitSource::parse`]), false for plain local paths and names.
    ///
    /// A string can look like a git source and still fail to parse; callers should
    /// then report the parse error.
    pub fn looks_like_git(s: &str) -> bool {
        let s = s.trim();
        if s.starts_with("git+") || shorthand_host(s).is_some() {
            return true;
        }
        match scheme_of(s) {
            Some((scheme, _)) => is_git_scheme(&scheme),
            None => is_scp_like(s),
        }
    }

    /// Canonical display form `URL[//SUBPATH][?ref=REF]`; it parses back to `self`.
    pub fn to_string_spec(&self) -> String {
        let mut out = self.url.clone();
        if let Some(sub) = &self.subpath {
            out.push_str("//");
            out.push_str(sub);
        }
        if let Some(r) = &self.reference {
            out.push_str("?ref=");
            out.push_str(r);
        }
        out
    }
}

impl fmt::Display for GitSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_spec())
    }
}

impl std::str::FromStr for GitSource {
    type Err = GitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GitSource::parse(s)
    }
}

/// The hosting shorthands, as cargo-generate and cookiecutter spell them: `gh:ORG/REPO`
/// is `https://github.com/ORG/REPO.git`, `gl:GROUP/REPO` (subgroups allowed)
/// `https://gitlab.com/GROUP/REPO.git`. `//SUBPATH` and `?ref=REF` follow as in any
/// other git source.
pub const SHORTHANDS: &[(&str, &str)] = &[("gh:", "github.com"), ("gl:", "gitlab.com")];

/// The shorthand `s` starts with and its host.
fn shorthand_host(s: &str) -> Option<(&'static str, &'static str)> {
    SHORTHANDS
        .iter()
        .find(|(prefix, _)| s.starts_with(prefix))
        .copied()
}

/// `gh:org/repo//sub?ref=v1` as `https://github.com/org/repo.git//sub?ref=v1`; `None`
/// when `s` is not a shorthand.
fn expand_shorthand(s: &str) -> Result<Option<String>, String> {
    let Some((prefix, host)) = shorthand_host(s) else {
        return Ok(None);
    };
    let rest = &s[prefix.len()..];
    let end = [rest.find("//"), rest.find('?')]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    let (repo, tail) = rest.split_at(end);
    let repo = repo.strip_suffix(".git").unwrap_or(repo);
    let segments: Vec<&str> = repo.split('/').collect();
    let valid = segments.len() >= 2
        && (prefix == "gl:" || segments.len() == 2)
        && segments.iter().all(|seg| {
            !seg.is_empty()
                && *seg != "."
                && *seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        });
    if !valid {
        let shape = if prefix == "gl:" {
            "GROUP/REPO (subgroups allowed)"
        } else {
            "ORG/REPO"
        };
        return Err(format!(
            "`{prefix}` must be followed by {shape}, e.g. `{prefix}acme/golden-paths//go-microservice?ref=v1.2.0`"
        ));
    }
    Ok(Some(format!("https://{host}/{repo}.git{tail}")))
}

fn is_git_scheme(scheme: &str) -> bool {
    matches!(scheme, "https" | "http" | "ssh" | "git" | "file")
}

/// Returns the lower-cased scheme and the rest after `://`, if `s` starts with one.
fn scheme_of(s: &str) -> Option<(String, &str)> {
    let (scheme, rest) = s.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), rest))
}

/// `user@host:path` with a non-empty user and host and no `/` before the colon.
fn is_scp_like(s: &str) -> bool {
    if s.contains("://") || s.chars().any(char::is_whitespace) {
        return false;
    }
    let Some((userhost, _path)) = s.split_once(':') else {
        return false;
    };
    let Some((user, host)) = userhost.split_once('@') else {
        return false;
    };
    !user.is_empty() && !host.is_empty() && !userhost.contains('/') && !host.contains('@')
}

fn parse_query(q: &str) -> Result<String, String> {
    if q.is_empty() {
        return Err("nothing follows `?`; write ?ref=REF or drop the `?`".into());
    }
    let mut reference = None;
    for pair in q.split('&') {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!(
                "query parameter `{pair}` has no value; write ?ref=REF"
            ));
        };
        if key != "ref" {
            return Err(format!(
                "unknown query parameter `{key}`; only `ref` is supported"
            ));
        }
        if reference.is_some() {
            return Err("`ref` is given more than once".into());
        }
        if value.is_empty() {
            return Err(
                "the ref is empty; write ?ref=TAG, ?ref=BRANCH or ?ref=COMMIT, or drop \
                 `?ref=` to use the latest version"
                    .into(),
            );
        }
        if !git2::Reference::is_valid_name(&format!("refs/heads/{value}")) {
            return Err(format!("`{value}` is not a valid git ref name"));
        }
        reference = Some(value.to_string());
    }
    reference.ok_or_else(|| "missing ref".to_string())
}

/// Splits the part before the query into (libgit2 URL, raw subpath).
fn split_repo(head: &str) -> Result<(String, Option<&str>), String> {
    if let Some(rest) = head.strip_prefix("git+") {
        if rest.is_empty() {
            return Err("nothing follows `git+`; give a repository path or URL".into());
        }
        if let Some((scheme, _)) = scheme_of(rest) {
            if is_git_scheme(&scheme) {
                return split_repo(rest);
            }
            return Err(format!("unsupported URL scheme `{scheme}` after `git+`"));
        }
        if is_scp_like(rest) {
            return split_repo(rest);
        }
        let (path, sub) = split_subpath(rest, 0);
        if path.is_empty() {
            return Err("the repository path is empty".into());
        }
        return Ok((local_path_to_file_url(path)?, sub));
    }

    if let Some((scheme, rest)) = scheme_of(head) {
        if !is_git_scheme(&scheme) {
            return Err(format!(
                "unsupported URL scheme `{scheme}` (use https, http, ssh, git or file)"
            ));
        }
        let prefix_len = head.len() - rest.len();
        if scheme == "file" {
            let path_start = if rest.starts_with('/') {
                0
            } else if let Some(after) = rest.strip_prefix("localhost") {
                if !after.starts_with('/') {
                    return Err("a file URL needs an absolute path: file:///abs/path".into());
                }
                "localhost".len()
            } else {
                return Err("a file URL needs an absolute path: file:///abs/path".into());
            };
            // `file:////x` would start the path with `//`: no repository path.
            let (path, sub) = split_subpath(&rest[path_start..], 0);
            if path.trim_end_matches('/').is_empty() {
                return Err("the repository path is empty".into());
            }
            let url = &head[..prefix_len + path_start + path.len()];
            return Ok((url.trim_end_matches('/').to_string(), sub));
        }
        let Some(slash) = rest.find('/') else {
            return Err("the URL has no repository path (like /org/repo)".into());
        };
        let authority = &rest[..slash];
        if authority.is_empty() || authority.ends_with('@') || authority.ends_with(':') {
            return Err("the URL has no host".into());
        }
        let (path, sub) = split_subpath(&rest[slash..], 0);
        let path = path.trim_end_matches('/');
        if path.is_empty() {
            return Err("the URL has no repository path (like /org/repo)".into());
        }
        let url = format!("{}{}{}", &head[..prefix_len], authority, path);
        return Ok((url, sub));
    }

    if is_scp_like(head) {
        let colon = head.find(':').expect("scp-like has a colon");
        let (path, sub) = split_subpath(&head[colon + 1..], 0);
        let path = path.trim_end_matches('/');
        if path.is_empty() {
            return Err("the repository path after `:` is empty (like git@host:org/repo)".into());
        }
        return Ok((format!("{}{}", &head[..=colon], path), sub));
    }

    Err(
        "not a git source: use an https://, ssh://, file:// URL, user@host:path, or git+PATH \
         for a local repository"
            .into(),
    )
}

/// Splits `path` at the first `//` at or after `from`.
fn split_subpath(path: &str, from: usize) -> (&str, Option<&str>) {
    match path[from..].find("//") {
        Some(i) => (&path[..from + i], Some(&path[from + i + 2..])),
        None => (path, None),
    }
}

/// Normalises a subpath: drops `.` components and trailing slashes; rejects empty,
/// absolute and `..`-containing paths.
fn normalize_subpath(sub: &str) -> Result<String, String> {
    if sub.starts_with('/') || sub.starts_with('\\') {
        return Err(format!(
            "the subpath `{sub}` is absolute; it must be relative to the repository root"
        ));
    }
    let mut parts = Vec::new();
    for part in sub.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(format!(
                    "the subpath `{sub}` contains `..`; it must stay inside the repository"
                ));
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err(
            "the subpath after `//` is empty; drop the `//` to use the repository root".into(),
        );
    }
    Ok(parts.join("/"))
}

/// Turns a local path (relative to the current directory or absolute) into a
/// percent-encoded `file://` URL that libgit2 decodes back to the path.
fn local_path_to_file_url(path: &str) -> Result<String, String> {
    let p = Path::new(path);
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| format!("cannot determine the current directory: {e}"))?
            .join(p)
    };
    let abs = match std::fs::canonicalize(&abs) {
        Ok(c) => c,
        Err(_) => lexical_normalize(&abs),
    };
    let Some(s) = abs.to_str() else {
        return Err(format!("the path {} is not valid UTF-8", abs.display()));
    };
    let s = s.replace('\\', "/");
    let mut url = String::from("file://");
    if !s.starts_with('/') {
        url.push('/');
    }
    for c in s.chars() {
        match c {
            '%' => url.push_str("%25"),
            '?' => url.push_str("%3F"),
            '#' => url.push_str("%23"),
            ' ' => url.push_str("%20"),
            c => url.push(c),
        }
    }
    while url.len() > "file:///".len() && url.ends_with('/') {
        url.pop();
    }
    Ok(url)
}

fn lexical_normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c.as_os_str()),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Cache
// ---------------------------------------------------------------------------

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

fn cache_key(url: &str) -> String {
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
fn fetch_repo(repo: &Repository, url: &str) -> Result<(), GitError> {
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

// ---------------------------------------------------------------------------
// Cached repositories
// ---------------------------------------------------------------------------

/// A bare cache repository for one URL, opened by [`GitCache::open`].
pub struct CachedRepo {
    repo: Repository,
    url: String,
    dir: PathBuf,
    policy: FetchPolicy,
    /// Whether this handle already fetched (so `IfMissing` fetches at most once).
    fetched: Cell<bool>,
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
    fn new(repo: Repository, url: &str, dir: PathBuf, policy: FetchPolicy) -> Self {
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
                let version = if name.starts_with("refs/tags/") && parse_tag_version(r).is_some() {
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
                    && parse_tag_version(name).is_none()
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
            let Some(version) = parse_tag_version(name) else {
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
                    out.insert(path, crate::tree::Entry { mode, content });
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

/// Parses `v1.2.3` or `1.2.3` (with optional pre-release/build) into a version.
fn parse_tag_version(tag: &str) -> Option<semver::Version> {
    let v = tag.strip_prefix('v').unwrap_or(tag);
    semver::Version::parse(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> GitSource {
        GitSource::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn src(url: &str, sub: Option<&str>, r: Option<&str>) -> GitSource {
        GitSource {
            url: url.into(),
            subpath: sub.map(Into::into),
            reference: r.map(Into::into),
        }
    }

    fn reason(s: &str) -> String {
        match GitSource::parse(s) {
            Err(GitError::InvalidSpec { input, reason }) => {
                assert_eq!(input, s);
                reason
            }
            other => panic!("{s}: expected InvalidSpec, got {other:?}"),
        }
    }

    #[test]
    fn https_forms() {
        let u = "https://github.com/acme/templates";
        assert_eq!(ok(u), src(u, None, None));
        assert_eq!(
            ok("https://github.com/acme/templates.git"),
            src("https://github.com/acme/templates.git", None, None)
        );
        assert_eq!(
            ok(&format!("{u}//golden/api")),
            src(u, Some("golden/api"), None)
        );
        assert_eq!(ok(&format!("{u}?ref=v1.2.0")), src(u, None, Some("v1.2.0")));
        assert_eq!(
            ok(&format!("{u}//golden/api?ref=v1.2.0")),
            src(u, Some("golden/api"), Some("v1.2.0"))
        );
        // ref before the subpath
        assert_eq!(
            ok(&format!("{u}?ref=main//golden/api")),
            src(u, Some("golden/api"), Some("main"))
        );
        // normalisation of the subpath and trailing slashes
        assert_eq!(ok(&format!("{u}/")), src(u, None, None));
        assert_eq!(ok(&format!("{u}//./a/./b/")), src(u, Some("a/b"), None));
        assert_eq!(
            ok("http://localhost:8080/r.git//x?ref=feature/y"),
            src("http://localhost:8080/r.git", Some("x"), Some("feature/y"))
        );
        assert_eq!(ok("  HTTPS://h/o/r  "), src("HTTPS://h/o/r", None, None));
    }

    #[test]
    fn hosting_shorthands() {
        let gh = "https://github.com/acme/golden-paths.git";
        assert!(GitSource::looks_like_git("gh:acme/golden-paths"));
        assert!(GitSource::looks_like_git("gl:acme/golden-paths"));
        assert_eq!(ok("gh:acme/golden-paths"), src(gh, None, None));
        assert_eq!(ok("gh:acme/golden-paths.git"), src(gh, None, None));
        assert_eq!(
            ok("gh:acme/golden-paths//go-microservice?ref=v1.2.0"),
            src(gh, Some("go-microservice"), Some("v1.2.0"))
        );
        assert_eq!(
            ok("gh:acme/golden-paths?ref=main//golden/api"),
            src(gh, Some("golden/api"), Some("main"))
        );
        assert_eq!(
            ok("gl:platform/infra/golden-paths//svc"),
            src(
                "https://gitlab.com/platform/infra/golden-paths.git",
                Some("svc"),
                None
            )
        );
        for bad in [
            "gh:", "gh:acme", "gh:acme/", "gh:a/b/c", "gh:../x", "gl:a b/c",
        ] {
            let r = reason(bad);
            assert!(r.contains("must be followed by"), "{bad}: {r}");
        }
    }

    #[test]
    fn ssh_forms() {
        assert_eq!(
            ok("ssh://git@host:2222/org/repo//sub?ref=abc1234"),
            src("ssh://git@host:2222/org/repo", Some("sub"), Some("abc1234"))
        );
        assert_eq!(
            ok("ssh://host/org/repo"),
            src("ssh://host/org/repo", None, None)
        );
        assert_eq!(
            ok("git@github.com:acme/templates.git"),
            src("git@github.com:acme/templates.git", None, None)
        );
        assert_eq!(
            ok("git@github.com:acme/templates//golden/api?ref=v1"),
            src(
                "git@github.com:acme/templates",
                Some("golden/api"),
                Some("v1")
            )
        );
        assert_eq!(
            ok("git+git@github.com:acme/t.git?ref=v1"),
            src("git@github.com:acme/t.git", None, Some("v1"))
        );
        assert_eq!(ok("git://h/r//s"), src("git://h/r", Some("s"), None));
    }

    #[test]
    fn file_and_local_forms() {
        assert_eq!(
            ok("file:///srv/repos/t//golden?ref=main"),
            src("file:///srv/repos/t", Some("golden"), Some("main"))
        );
        assert_eq!(ok("file:///srv/t/"), src("file:///srv/t", None, None));
        assert_eq!(
            ok("file://localhost/srv/t//x"),
            src("file://localhost/srv/t", Some("x"), None)
        );
        assert_eq!(
            ok("git+/no/such/dir/../repo//sub?ref=v1"),
            src("file:///no/such/repo", Some("sub"), Some("v1"))
        );
        assert_eq!(
            ok("git+/no/such dir/100%"),
            src("file:///no/such%20dir/100%25", None, None)
        );
        let cwd = std::env::current_dir().unwrap();
        let expected = format!("file://{}/no-such-rel/repo", cwd.to_str().unwrap());
        assert_eq!(
            ok("git+no-such-rel/repo//a"),
            src(&expected, Some("a"), None)
        );
        assert_eq!(
            ok("git+./no-such-rel/x/../repo"),
            src(&expected, None, None)
        );
        assert_eq!(
            ok("git+https://h/o/r//s?ref=v1"),
            src("https://h/o/r", Some("s"), Some("v1"))
        );
        assert_eq!(ok("git+file:///srv/t"), src("file:///srv/t", None, None));
    }

    #[test]
    fn rejections_explain_the_syntax() {
        for (input, needle) in [
            ("https://h/o/r?ref=", "ref is empty"),
            ("https://h/o/r//sub?ref=", "ref is empty"),
            ("https://h/o/r//../etc", "`..`"),
            ("https://h/o/r//a/../../b", "`..`"),
            ("git@h:o/r//..", "`..`"),
            ("https://h/o/r///etc/passwd", "absolute"),
            ("https://h/o/r?depth=1", "unknown query parameter `depth`"),
            (
                "https://h/o/r?ref=v1&depth=1",
                "unknown query parameter `depth`",
            ),
            ("https://h/o/r?ref=a&ref=b", "more than once"),
            ("https://h/o/r?ref", "no value"),
            ("https://h/o/r?", "nothing follows"),
            ("https://h/o/r?ref=a b", "not a valid git ref"),
            ("https://h/o/r?ref=a..b", "not a valid git ref"),
            ("https://h/o/r//", "subpath after `//` is empty"),
            ("https://h/o/r//sub?ref=v1//other", "given twice"),
            ("https://host", "no repository path"),
            ("https://host/", "no repository path"),
            ("https:///o/r", "no host"),
            ("https://h//sub", "no repository path"),
            ("ftp://h/o/r", "unsupported URL scheme `ftp`"),
            ("file://h/srv/t", "absolute path"),
            ("file:///", "repository path is empty"),
            ("git@h:", "empty"),
            ("git+", "nothing follows `git+`"),
            ("git+ftp://h/r", "unsupported URL scheme"),
            ("./templates", "not a git source"),
            ("", "empty"),
        ] {
            let r = reason(input);
            assert!(r.contains(needle), "{input}: reason `{r}` lacks `{needle}`");
            let msg = GitSource::parse(input).unwrap_err().to_string();
            assert!(msg.contains("expected URL[//SUBPATH][?ref=REF]"), "{msg}");
            assert!(msg.contains("for example https://"), "{msg}");
        }
    }

    #[test]
    fn spec_round_trips() {
        for s in [
            "https://github.com/acme/templates",
            "https://github.com/acme/templates.git//golden/api?ref=v1.2.0",
            "ssh://git@host:2222/org/repo?ref=main",
            "git@github.com:acme/templates//x/y?ref=feature/z",
            "file:///srv/repos/t//golden",
            "file:///no/such%20dir/100%25",
        ] {
            let parsed = ok(s);
            assert_eq!(parsed.to_string_spec(), s);
            assert_eq!(parsed.to_string(), s);
            assert_eq!(ok(&parsed.to_string_spec()), parsed);
        }
        let local = ok("git+/no/such/repo//a?ref=v1");
        assert_eq!(local.to_string_spec(), "file:///no/such/repo//a?ref=v1");
        assert_eq!(ok(&local.to_string_spec()), local);
        // ref written before the subpath is canonicalised to after it
        assert_eq!(
            ok("https://h/o/r?ref=v1//s").to_string_spec(),
            "https://h/o/r//s?ref=v1"
        );
    }

    #[test]
    fn looks_like_git_distinguishes_sources_from_paths() {
        for s in [
            "https://github.com/acme/t",
            "http://h/r",
            "ssh://h/r",
            "git://h/r",
            "file:///srv/t",
            "FILE:///srv/t",
            "git@github.com:acme/t.git",
            "git+../templates",
            "git+/abs/templates",
            "https://h/o/r?ref=",
        ] {
            assert!(GitSource::looks_like_git(s), "{s} should look like git");
        }
        for s in [
            "templates",
            "my-golden-path",
            "./templates",
            "../a/b",
            "/abs/path",
            "C:\\templates",
            "C:/templates",
            "name:with-colon",
            "dir/with@at:colon",
            "ftp://h/r",
            "",
        ] {
            assert!(
                !GitSource::looks_like_git(s),
                "{s} should not look like git"
            );
        }
    }

    #[test]
    fn tag_versions() {
        assert_eq!(
            parse_tag_version("v1.2.3"),
            Some(semver::Version::new(1, 2, 3))
        );
        assert_eq!(
            parse_tag_version("1.2.3"),
            Some(semver::Version::new(1, 2, 3))
        );
        assert!(parse_tag_version("v1.2.3-rc.1").is_some());
        assert!(parse_tag_version("v1.2").is_none());
        assert!(parse_tag_version("release-1.2.3").is_none());
        assert!(parse_tag_version("vv1.2.3").is_none());
    }

    #[test]
    fn cache_keys_are_stable_and_distinct() {
        assert_eq!(cache_key("https://h/o/r"), cache_key("https://h/o/r"));
        assert_ne!(cache_key("https://h/o/r"), cache_key("https://h/o/r.git"));
        assert_eq!(cache_key("x").len(), 24);
    }
}
