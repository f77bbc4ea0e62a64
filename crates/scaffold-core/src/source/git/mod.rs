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

use std::path::PathBuf;
use std::time::Duration;

mod cache;
mod repo;
mod spec;

pub use cache::{FetchPolicy, GitCache};
pub use repo::{CachedRepo, Resolved, SubpathKind, TreeRead};
pub use spec::{GitSource, expand_user_shorthand, shorthand_template};

use cache::fetch_repo;
use spec::normalize_subpath;

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
         or use offline mode if it is cached"
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
         fetch it once with offline mode off to cache it"
    )]
    NotCached {
        /// The repository URL.
        url: String,
    },
    /// The requested ref is not a tag, branch or commit of the repository.
    #[error(
        "`{reference}` is not a tag, branch or commit of {url}; available: {}; pass one of these \
         with ?ref=REF (if the ref is new, fetch again with offline mode off)",
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
    /// A fleet campaign could not clone a repository, or push its branch to it.
    #[error(
        "cannot {action} {url}: {source}; check the URL and that your credentials may {action} it"
    )]
    RepositoryAccess {
        /// What was being done: `clone` or `push to`.
        action: &'static str,
        /// The repository URL.
        url: String,
        /// The underlying libgit2 error.
        source: git2::Error,
    },
    /// A commit id is not present in the cached repository.
    #[error(
        "commit {commit} is not in the cached copy of {url}; resolve a ref first, or fetch again \
         with offline mode off"
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
        "the git cache at {} is damaged ({source}); turn offline mode off to rebuild it, \
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

#[cfg(test)]
mod tests {
    use super::cache::cache_key;
    use super::*;
    use crate::source::parse_version;

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
        assert_eq!(parse_version("v1.2.3"), Some(semver::Version::new(1, 2, 3)));
        assert_eq!(parse_version("1.2.3"), Some(semver::Version::new(1, 2, 3)));
        assert!(parse_version("v1.2.3-rc.1").is_some());
        assert!(parse_version("v1.2").is_none());
        assert!(parse_version("release-1.2.3").is_none());
        assert!(parse_version("vv1.2.3").is_none());
    }

    #[test]
    fn cache_keys_are_stable_and_distinct() {
        assert_eq!(cache_key("https://h/o/r"), cache_key("https://h/o/r"));
        assert_ne!(cache_key("https://h/o/r"), cache_key("https://h/o/r.git"));
        assert_eq!(cache_key("x").len(), 24);
    }
}
