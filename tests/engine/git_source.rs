//! End-to-end tests of the git cache against local repositories built with git2.

use std::path::{Path, PathBuf};

use git2::{FileMode, Oid, Repository, RepositoryInitOptions, Signature, Time};
use scaffold_core::source::git::{FetchPolicy, GitCache, GitError, GitSource, SubpathKind};
use scaffold_core::tree::{Entry, FileMode as EntryMode};
use tempfile::TempDir;

fn sig() -> Signature<'static> {
    Signature::new("Test", "test@example.com", &Time::new(1_700_000_000, 0)).unwrap()
}

/// A file to put in a tree: path, contents, mode.
type Spec<'a> = (&'a str, &'a [u8], FileMode);

/// Builds a tree from (path, contents, mode) triples; paths may contain `/`.
fn build_tree(repo: &Repository, files: &[Spec<'_>], gitlinks: &[(&str, Oid)]) -> Oid {
    fn insert(
        repo: &Repository,
        files: &[(Vec<&str>, &[u8], FileMode)],
        gitlinks: &[(Vec<&str>, Oid)],
    ) -> Oid {
        let mut builder = repo.treebuilder(None).unwrap();
        let mut dirs: Vec<&str> = Vec::new();
        for (parts, bytes, mode) in files {
            if parts.len() == 1 {
                let blob = repo.blob(bytes).unwrap();
                builder.insert(parts[0], blob, i32::from(*mode)).unwrap();
            } else if !dirs.contains(&parts[0]) {
                dirs.push(parts[0]);
            }
        }
        for (parts, oid) in gitlinks {
            if parts.len() == 1 {
                builder
                    .insert(parts[0], *oid, i32::from(FileMode::Commit))
                    .unwrap();
            } else if !dirs.contains(&parts[0]) {
                dirs.push(parts[0]);
            }
        }
        for dir in dirs {
            let sub: Vec<_> = files
                .iter()
                .filter(|(p, _, _)| p.len() > 1 && p[0] == dir)
                .map(|(p, b, m)| (p[1..].to_vec(), *b, *m))
                .collect();
            let sub_links: Vec<_> = gitlinks
                .iter()
                .filter(|(p, _)| p.len() > 1 && p[0] == dir)
                .map(|(p, o)| (p[1..].to_vec(), *o))
                .collect();
            let oid = insert(repo, &sub, &sub_links);
            builder.insert(dir, oid, i32::from(FileMode::Tree)).unwrap();
        }
        builder.write().unwrap()
    }
    let files: Vec<_> = files
        .iter()
        .map(|(p, b, m)| (p.split('/').collect(), *b, *m))
        .collect();
    let links: Vec<_> = gitlinks
        .iter()
        .map(|(p, o)| (p.split('/').collect(), *o))
        .collect();
    insert(repo, &files, &links)
}

fn commit(
    repo: &Repository,
    refname: &str,
    parents: &[Oid],
    files: &[Spec<'_>],
    gitlinks: &[(&str, Oid)],
) -> Oid {
    let tree = repo.find_tree(build_tree(repo, files, gitlinks)).unwrap();
    let parents: Vec<_> = parents
        .iter()
        .map(|p| repo.find_commit(*p).unwrap())
        .collect();
    let parents: Vec<_> = parents.iter().collect();
    repo.commit(Some(refname), &sig(), &sig(), "commit", &tree, &parents)
        .unwrap()
}

fn init_repo(path: &Path, head: &str) -> Repository {
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head(head);
    Repository::init_opts(path, &opts).unwrap()
}

fn file_url(path: &Path) -> String {
    GitSource::parse(&format!("git+{}", path.display()))
        .unwrap()
        .url
}

/// The standard fixture:
/// * c1 (main): README, exec script, symlink, golden-paths/api/{template.yaml,skeleton/main.rs},
///   a submodule; tags v1.0.0 (annotated) and 0.9.0 (lightweight), `nightly` (not semver)
/// * c2 (main): README changed; tag v1.1.0 (lightweight)
/// * c3 (feature, from c2): feature.txt; tag v2.0.0-rc.1
struct Fixture {
    _dir: TempDir,
    path: PathBuf,
    url: String,
    repo: Repository,
    c1: Oid,
    c2: Oid,
    c3: Oid,
}

const EXEC: FileMode = FileMode::BlobExecutable;
const BLOB: FileMode = FileMode::Blob;
const LINK: FileMode = FileMode::Link;

fn fixture() -> Fixture {
    fixture_in("src repo")
}

fn fixture_in(name: &str) -> Fixture {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join(name);
    let repo = init_repo(&path, "main");
    let base: Vec<Spec<'_>> = vec![
        ("README.md", b"version one\n", BLOB),
        ("bin/run.sh", b"#!/bin/sh\necho hi\n", EXEC),
        ("link-to-readme", b"README.md", LINK),
        (
            "golden-paths/api/template.yaml",
            b"name: api\nskeleton: skeleton\n",
            BLOB,
        ),
        ("golden-paths/api/skeleton/main.rs", b"fn main() {}\n", BLOB),
        (
            "golden-paths/api/skeleton/dir-link",
            b"../template.yaml",
            LINK,
        ),
    ];
    let submodule = Oid::from_str("1234567890123456789012345678901234567890").unwrap();
    let c1 = commit(
        &repo,
        "refs/heads/main",
        &[],
        &base,
        &[("vendor/sub", submodule)],
    );
    let c1_obj = repo.find_object(c1, None).unwrap();
    repo.tag("v1.0.0", &c1_obj, &sig(), "release 1.0.0", false)
        .unwrap();
    repo.tag_lightweight("0.9.0", &c1_obj, false).unwrap();
    repo.tag_lightweight("nightly", &c1_obj, false).unwrap();
    drop(c1_obj);

    let mut v2 = base.clone();
    v2[0] = ("README.md", b"version one point one\n", BLOB);
    let c2 = commit(&repo, "refs/heads/main", &[c1], &v2, &[]);
    repo.tag_lightweight("v1.1.0", &repo.find_object(c2, None).unwrap(), false)
        .unwrap();

    let mut v3 = v2.clone();
    v3.push(("feature.txt", b"feature\n", BLOB));
    repo.reference("refs/heads/feature", c2, false, "branch")
        .unwrap();
    let c3 = commit(&repo, "refs/heads/feature", &[c2], &v3, &[]);
    repo.tag(
        "v2.0.0-rc.1",
        &repo.find_object(c3, None).unwrap(),
        &sig(),
        "rc",
        false,
    )
    .unwrap();
    let url = file_url(&path);
    Fixture {
        _dir: dir,
        path,
        url,
        repo,
        c1,
        c2,
        c3,
    }
}

fn cache() -> (TempDir, GitCache) {
    let dir = TempDir::new().unwrap();
    let cache = GitCache::new(dir.path().join("cache"));
    (dir, cache)
}

fn entries_of(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn local_sources_parse_to_file_urls() {
    let f = fixture();
    assert!(f.url.starts_with("file:///"), "{}", f.url);
    assert!(f.url.ends_with("/src%20repo"), "{}", f.url);
    let parsed = GitSource::parse(&format!("{}//golden-paths/api?ref=v1.0.0", f.url)).unwrap();
    assert_eq!(parsed.url, f.url);
    assert_eq!(parsed.subpath.as_deref(), Some("golden-paths/api"));
    assert_eq!(parsed.reference.as_deref(), Some("v1.0.0"));
    // git+PATH with a `..` in it is canonicalised to the same URL.
    let dotted = format!(
        "git+{}/../{}//x",
        f.path.display(),
        f.path.file_name().unwrap().to_str().unwrap()
    );
    assert_eq!(GitSource::parse(&dotted).unwrap().url, f.url);
}

#[test]
fn if_missing_creates_cache_and_offline_works_without_the_source() {
    let f = fixture();
    let (_d, cache) = cache();
    {
        let repo = cache.open(&f.url, FetchPolicy::IfMissing).unwrap();
        assert_eq!(repo.url(), f.url);
        assert!(repo.path().starts_with(cache.root()));
        assert_eq!(repo.resolve(None).unwrap().commit, f.c2.to_string());
    }
    let dir = cache.dir_for(&f.url);
    assert!(dir.join("HEAD").is_file(), "bare repo at {}", dir.display());
    // Only the final directory: no temporary leftovers.
    assert_eq!(
        entries_of(cache.root()),
        vec![dir.file_name().unwrap().to_string_lossy().into_owned()]
    );

    std::fs::remove_dir_all(&f.path).unwrap();
    let repo = cache.open(&f.url, FetchPolicy::Offline).unwrap();
    let latest = repo.resolve(None).unwrap();
    assert_eq!(latest.reference, "v1.1.0");
    assert_eq!(
        repo.resolve(Some("feature")).unwrap().commit,
        f.c3.to_string()
    );
    let tree = repo.read_tree(&latest.commit, None).unwrap();
    assert!(tree.get("README.md").is_some());
    // IfMissing with a complete cache does not need the network either.
    let repo = cache.open(&f.url, FetchPolicy::IfMissing).unwrap();
    assert_eq!(
        repo.resolve(Some("v1.0.0")).unwrap().commit,
        f.c1.to_string()
    );
    // Always does, and fails without falling back.
    let err = cache.open(&f.url, FetchPolicy::Always).unwrap_err();
    assert!(matches!(err, GitError::Unreachable { .. }), "{err:?}");
}

#[test]
fn resolve_latest_tags_branches_and_commits() {
    let f = fixture();
    let (_d, cache) = cache();
    let repo = cache.open(&f.url, FetchPolicy::IfMissing).unwrap();

    let latest = repo.resolve(None).unwrap();
    assert_eq!(latest.commit, f.c2.to_string());
    assert_eq!(latest.reference, "v1.1.0");
    assert_eq!(latest.version.as_deref(), Some("v1.1.0"));

    // Annotated tag peeled to its commit.
    let v1 = repo.resolve(Some("v1.0.0")).unwrap();
    assert_eq!(v1.commit, f.c1.to_string());
    assert_eq!(v1.version.as_deref(), Some("v1.0.0"));
    // Tag without the v prefix: version is that tag.
    let v09 = repo.resolve(Some("0.9.0")).unwrap();
    assert_eq!(v09.commit, f.c1.to_string());
    assert_eq!(v09.version.as_deref(), Some("0.9.0"));
    // Non-semver tag.
    let nightly = repo.resolve(Some("nightly")).unwrap();
    assert_eq!(nightly.commit, f.c1.to_string());
    assert_eq!(nightly.reference, "nightly");
    assert_eq!(nightly.version.as_deref(), Some("v1.0.0"));

    let feature = repo.resolve(Some("feature")).unwrap();
    assert_eq!(feature.commit, f.c3.to_string());
    assert_eq!(feature.reference, "feature");
    assert_eq!(feature.version.as_deref(), Some("v2.0.0-rc.1"));
    let main = repo.resolve(Some("main")).unwrap();
    assert_eq!(main.commit, f.c2.to_string());
    assert_eq!(main.version.as_deref(), Some("v1.1.0"));
    assert_eq!(
        repo.resolve(Some("refs/heads/main")).unwrap().commit,
        f.c2.to_string()
    );
    assert_eq!(
        repo.resolve(Some("refs/tags/v1.0.0")).unwrap().commit,
        f.c1.to_string()
    );

    let short = &f.c1.to_string()[..7];
    let by_short = repo.resolve(Some(short)).unwrap();
    assert_eq!(by_short.commit, f.c1.to_string());
    assert_eq!(by_short.reference, short);
    assert_eq!(by_short.version.as_deref(), Some("v1.0.0"));
    let full = f.c3.to_string();
    let by_full = repo.resolve(Some(&full)).unwrap();
    assert_eq!(by_full.commit, full);
    assert_eq!(by_full.version.as_deref(), Some("v2.0.0-rc.1"));
}

#[test]
fn versions_are_sorted_and_peeled() {
    let f = fixture();
    let (_d, cache) = cache();
    let repo = cache.open(&f.url, FetchPolicy::IfMissing).unwrap();
    let versions = repo.versions().unwrap();
    let summary: Vec<(String, String, String)> = versions
        .iter()
        .map(|(t, v, c)| (t.clone(), v.to_string(), c.clone()))
        .collect();
    let c = |o: Oid| o.to_string();
    assert_eq!(
        summary,
        vec![
            ("0.9.0".into(), "0.9.0".into(), c(f.c1)),
            ("v1.0.0".into(), "1.0.0".into(), c(f.c1)),
            ("v1.1.0".into(), "1.1.0".into(), c(f.c2)),
            ("v2.0.0-rc.1".into(), "2.0.0-rc.1".into(), c(f.c3)),
        ]
    );
}

#[test]
fn unknown_ref_lists_what_is_available() {
    let f = fixture();
    let (_d, cache) = cache();
    let repo = cache.open(&f.url, FetchPolicy::IfMissing).unwrap();
    let err = repo.resolve(Some("v9.9.9")).unwrap_err();
    match &err {
        GitError::UnknownRef {
            url,
            reference,
            available,
        } => {
            assert_eq!(url, &f.url);
            assert_eq!(reference, "v9.9.9");
            for want in [
                "v2.0.0-rc.1",
                "v1.1.0",
                "v1.0.0",
                "main",
                "feature",
                "nightly",
            ] {
                assert!(
                    available.iter().any(|a| a == want),
                    "{want} in {available:?}"
                );
            }
            assert!(!available.iter().any(|a| a == "HEAD"), "{available:?}");
            assert_eq!(available[0], "v2.0.0-rc.1");
        }
        other => panic!("expected UnknownRef, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("`v9.9.9`") && msg.contains("v1.1.0") && msg.contains("?ref="),
        "{msg}"
    );
    // A hex string that is no commit is an unknown ref too.
    let err = repo.resolve(Some("deadbeef")).unwrap_err();
    assert!(matches!(err, GitError::UnknownRef { .. }), "{err:?}");
}

#[test]
fn always_learns_new_tags_and_if_missing_fetches_unknown_refs() {
    let f = fixture();
    let (_d, cache) = cache();
    let first = cache.open(&f.url, FetchPolicy::IfMissing).unwrap();
    assert_eq!(first.resolve(None).unwrap().reference, "v1.1.0");
    drop(first);

    let c4 = commit(
        &f.repo,
        "refs/heads/main",
        &[f.c2],
        &[("README.md", b"version 1.2\n", BLOB)],
        &[],
    );
    f.repo
        .tag_lightweight("v1.2.0", &f.repo.find_object(c4, None).unwrap(), false)
        .unwrap();

    // Offline and IfMissing-latest answer from the cache.
    let offline = cache.open(&f.url, FetchPolicy::Offline).unwrap();
    assert_eq!(offline.resolve(None).unwrap().reference, "v1.1.0");
    assert!(matches!(
        offline.resolve(Some("v1.2.0")),
        Err(GitError::UnknownRef { .. })
    ));
    assert_eq!(
        cache
            .open(&f.url, FetchPolicy::IfMissing)
            .unwrap()
            .resolve(None)
            .unwrap()
            .reference,
        "v1.1.0"
    );

    // IfMissing fetches when the wanted ref is missing.
    let if_missing = cache.open(&f.url, FetchPolicy::IfMissing).unwrap();
    let r = if_missing.resolve(Some("v1.2.0")).unwrap();
    assert_eq!(r.commit, c4.to_string());
    drop(if_missing);

    // Always sees new tags right away.
    let c5 = commit(
        &f.repo,
        "refs/heads/main",
        &[c4],
        &[("README.md", b"version 1.3\n", BLOB)],
        &[],
    );
    f.repo
        .tag_lightweight("v1.3.0", &f.repo.find_object(c5, None).unwrap(), false)
        .unwrap();
    let always = cache.open(&f.url, FetchPolicy::Always).unwrap();
    let latest = always.resolve(None).unwrap();
    assert_eq!(latest.reference, "v1.3.0");
    assert_eq!(latest.commit, c5.to_string());
    assert_eq!(always.resolve(Some("main")).unwrap().commit, c5.to_string());
    // And the commit can be read.
    let tree = always.read_tree(&latest.commit, None).unwrap();
    assert_eq!(
        tree.get("README.md").unwrap(),
        &Entry {
            mode: EntryMode::File,
            content: b"version 1.3\n".to_vec().into(),
        }
    );
}

#[test]
fn deleted_tag_is_pruned_with_always() {
    let f = fixture();
    let (_d, cache) = cache();
    let repo = cache.open(&f.url, FetchPolicy::IfMissing).unwrap();
    assert_eq!(
        repo.resolve(Some("v1.1.0")).unwrap().commit,
        f.c2.to_string()
    );
    drop(repo);

    f.repo.tag_delete("v1.1.0").unwrap();
    f.repo
        .find_reference("refs/heads/feature")
        .unwrap()
        .delete()
        .unwrap();

    let repo = cache.open(&f.url, FetchPolicy::Always).unwrap();
    let err = repo.resolve(Some("v1.1.0")).unwrap_err();
    assert!(matches!(err, GitError::UnknownRef { .. }), "{err:?}");
    let err = repo.resolve(Some("feature")).unwrap_err();
    assert!(matches!(err, GitError::UnknownRef { .. }), "{err:?}");
    // Latest falls back to the highest remaining release.
    assert_eq!(repo.resolve(None).unwrap().reference, "v1.0.0");
    assert!(
        repo.versions()
            .unwrap()
            .iter()
            .all(|(t, _, _)| t != "v1.1.0")
    );
}

#[test]
fn offline_uncached_is_not_cached() {
    let f = fixture();
    let (_d, cache) = cache();
    let err = cache.open(&f.url, FetchPolicy::Offline).unwrap_err();
    assert!(
        matches!(&err, GitError::NotCached { url } if url == &f.url),
        "{err:?}"
    );
    // The library names its option; the CLI words it with `--offline`.
    assert!(err.to_string().contains("with offline mode off"), "{err}");
    assert!(!err.to_string().contains("--offline"), "{err}");
    assert!(!cache.dir_for(&f.url).exists());
}

#[test]
fn unreachable_source_gives_clear_error_and_no_cache() {
    let dir = TempDir::new().unwrap();
    let url = file_url(&dir.path().join("does-not-exist"));
    let (_d, cache) = cache();
    for policy in [FetchPolicy::IfMissing, FetchPolicy::Always] {
        let err = cache.open(&url, policy).unwrap_err();
        assert!(
            matches!(&err, GitError::Unreachable { url: u, .. } if u == &url),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("cannot reach"), "{msg}");
        assert!(msg.contains(&url), "{msg}");
        assert!(msg.contains("or use offline mode if it is cached"), "{msg}");
        assert!(!msg.contains("--offline"), "{msg}");
    }
    assert!(!cache.dir_for(&url).exists());
    // No temporary directories are left behind either.
    assert!(
        entries_of(cache.root()).is_empty(),
        "{:?}",
        entries_of(cache.root())
    );
}

#[test]
fn scp_like_urls_reach_the_ssh_transport() {
    // Nothing listens on port 22 of the loopback address, so this fails fast; the point
    // is that libgit2 takes the scp-like form as ssh rather than an unsupported URL.
    let source = GitSource::parse("nobody@127.0.0.1:org/repo.git//sub").unwrap();
    assert_eq!(source.url, "nobody@127.0.0.1:org/repo.git");
    let (_d, cache) = cache();
    let err = cache.open(&source.url, FetchPolicy::IfMissing).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, GitError::Unreachable { .. }), "{msg}");
    assert!(!msg.contains("unsupported URL protocol"), "{msg}");
}

#[test]
fn read_tree_returns_bytes_modes_and_symlinks() {
    let f = fixture();
    let (_d, cache) = cache();
    let repo = cache.open(&f.url, FetchPolicy::IfMissing).unwrap();
    let tree = repo.read_tree(&f.c1.to_string(), None).unwrap();
    assert_eq!(tree.root, "");
    assert_eq!(tree.definition, None);
    let mut paths: Vec<&str> = tree.entries.keys().map(String::as_str).collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            "README.md",
            "bin/run.sh",
            "golden-paths/api/skeleton/dir-link",
            "golden-paths/api/skeleton/main.rs",
            "golden-paths/api/template.yaml",
            "link-to-readme",
        ],
        "the submodule vendor/sub is skipped"
    );
    assert_eq!(
        tree.get("README.md").unwrap(),
        &Entry {
            mode: EntryMode::File,
            content: b"version one\n".to_vec().into(),
        }
    );
    assert_eq!(
        tree.get("bin/run.sh").unwrap(),
        &Entry {
            mode: EntryMode::Executable,
            content: b"#!/bin/sh\necho hi\n".to_vec().into(),
        }
    );
    assert_eq!(
        tree.get("link-to-readme").unwrap(),
        &Entry {
            mode: EntryMode::Symlink,
            content: "README.md".as_bytes().to_vec().into(),
        }
    );

    // Abbreviated commit ids work; content differs per commit.
    let tree2 = repo.read_tree(&f.c2.to_string()[..8], None).unwrap();
    assert_eq!(
        tree2.get("README.md").unwrap(),
        &Entry {
            mode: EntryMode::File,
            content: b"version one point one\n".to_vec().into(),
        }
    );
}

#[test]
fn read_tree_subpaths() {
    let f = fixture();
    let (_d, cache) = cache();
    let repo = cache.open(&f.url, FetchPolicy::IfMissing).unwrap();
    let c1 = f.c1.to_string();

    let dir = repo.read_tree(&c1, Some("golden-paths/api/")).unwrap();
    assert_eq!(dir.root, "golden-paths/api");
    assert_eq!(dir.definition, None);
    let mut paths: Vec<&str> = dir.entries.keys().map(String::as_str).collect();
    paths.sort();
    assert_eq!(
        paths,
        vec!["skeleton/dir-link", "skeleton/main.rs", "template.yaml"]
    );
    assert_eq!(
        dir.get("skeleton/dir-link").unwrap(),
        &Entry {
            mode: EntryMode::Symlink,
            content: "../template.yaml".as_bytes().to_vec().into(),
        }
    );

    let file = repo
        .read_tree(&c1, Some("golden-paths/api/template.yaml"))
        .unwrap();
    assert_eq!(file.root, "");
    assert_eq!(
        file.definition.as_deref(),
        Some("golden-paths/api/template.yaml")
    );
    assert!(file.get("golden-paths/api/template.yaml").is_some());
    assert!(file.get("README.md").is_some());

    assert_eq!(repo.read_tree(&c1, Some("")).unwrap().root, "");

    for missing in ["nope", "golden-paths/api/nope.yaml", "vendor/sub", "../x"] {
        let err = repo.read_tree(&c1, Some(missing)).unwrap_err();
        match &err {
            GitError::SubpathNotFound {
                url,
                commit,
                subpath,
            } => {
                assert_eq!(url, &f.url);
                assert_eq!(commit, &c1);
                assert_eq!(subpath, missing);
            }
            other => panic!("{missing}: expected SubpathNotFound, got {other:?}"),
        }
        assert!(err.to_string().contains("//SUBPATH"), "{err}");
    }

    assert_eq!(
        repo.subpath_kind(&c1, "golden-paths/api").unwrap(),
        Some(SubpathKind::Dir)
    );
    assert_eq!(
        repo.subpath_kind(&c1, "golden-paths/api/template.yaml")
            .unwrap(),
        Some(SubpathKind::File)
    );
    assert_eq!(repo.subpath_kind(&c1, "").unwrap(), Some(SubpathKind::Dir));
    assert_eq!(repo.subpath_kind(&c1, "nope").unwrap(), None);
    assert_eq!(repo.subpath_kind(&c1, "vendor/sub").unwrap(), None);
    assert_eq!(
        repo.subpath_kind(&f.c3.to_string(), "feature.txt").unwrap(),
        Some(SubpathKind::File)
    );
    assert_eq!(repo.subpath_kind(&c1, "feature.txt").unwrap(), None);

    let err = repo
        .read_tree("0000000000000000000000000000000000000000", None)
        .unwrap_err();
    assert!(matches!(err, GitError::UnknownCommit { .. }), "{err:?}");
    let err = repo.read_tree("not-hex", None).unwrap_err();
    assert!(matches!(err, GitError::UnknownCommit { .. }), "{err:?}");
}

#[test]
fn latest_without_semver_tags_uses_the_default_branch() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("r");
    let repo = init_repo(&path, "trunk");
    let t = commit(
        &repo,
        "refs/heads/trunk",
        &[],
        &[("a", b"trunk", BLOB)],
        &[],
    );
    let m = commit(
        &repo,
        "refs/heads/master",
        &[],
        &[("a", b"master", BLOB)],
        &[],
    );
    let m_obj = repo.find_object(m, None).unwrap();
    repo.tag_lightweight("not-a-version", &m_obj, false)
        .unwrap();
    let url = file_url(&path);
    let (_d, cache) = cache();
    let cached = cache.open(&url, FetchPolicy::IfMissing).unwrap();
    let latest = cached.resolve(None).unwrap();
    assert_eq!(latest.reference, "trunk", "origin/HEAD wins over master");
    assert_eq!(latest.commit, t.to_string());
    assert_eq!(latest.version, None);
    assert!(cached.versions().unwrap().is_empty());

    // Without a remote HEAD, master is the fallback.
    let dir2 = TempDir::new().unwrap();
    let path2 = dir2.path().join("r2");
    let repo2 = init_repo(&path2, "gone");
    let m2 = commit(&repo2, "refs/heads/master", &[], &[("a", b"m", BLOB)], &[]);
    let cached2 = cache
        .open(&file_url(&path2), FetchPolicy::IfMissing)
        .unwrap();
    let latest2 = cached2.resolve(None).unwrap();
    assert_eq!(latest2.reference, "master");
    assert_eq!(latest2.commit, m2.to_string());
}

#[test]
fn prereleases_are_latest_only_without_releases() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("r");
    let repo = init_repo(&path, "main");
    let a = commit(&repo, "refs/heads/main", &[], &[("a", b"1", BLOB)], &[]);
    let b = commit(&repo, "refs/heads/main", &[a], &[("a", b"2", BLOB)], &[]);
    repo.tag_lightweight("v0.1.0-alpha.1", &repo.find_object(a, None).unwrap(), false)
        .unwrap();
    repo.tag_lightweight("v0.1.0-beta.1", &repo.find_object(b, None).unwrap(), false)
        .unwrap();
    let (_d, cache) = cache();
    let url = file_url(&path);
    let latest = cache
        .open(&url, FetchPolicy::IfMissing)
        .unwrap()
        .resolve(None)
        .unwrap();
    assert_eq!(latest.reference, "v0.1.0-beta.1");
    assert_eq!(latest.commit, b.to_string());

    repo.tag_lightweight("v0.0.9", &repo.find_object(a, None).unwrap(), false)
        .unwrap();
    let latest = cache
        .open(&url, FetchPolicy::Always)
        .unwrap()
        .resolve(None)
        .unwrap();
    assert_eq!(latest.reference, "v0.0.9");
    assert_eq!(latest.commit, a.to_string());
}

#[test]
fn damaged_cache_is_rebuilt_unless_offline() {
    let f = fixture();
    let (_d, cache) = cache();
    let dir = cache.dir_for(&f.url);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("garbage"), b"not a repository").unwrap();

    let err = cache.open(&f.url, FetchPolicy::Offline).unwrap_err();
    assert!(matches!(err, GitError::CacheCorrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("turn offline mode off"), "{err}");
    assert!(!err.to_string().contains("--offline"), "{err}");

    let repo = cache.open(&f.url, FetchPolicy::IfMissing).unwrap();
    assert_eq!(repo.resolve(None).unwrap().reference, "v1.1.0");
    assert!(!dir.join("garbage").exists());
}

#[test]
fn distinct_urls_get_distinct_cache_entries() {
    let a = fixture_in("a");
    let b = fixture_in("b");
    let (_d, cache) = cache();
    cache.open(&a.url, FetchPolicy::IfMissing).unwrap();
    cache.open(&b.url, FetchPolicy::IfMissing).unwrap();
    assert_ne!(cache.dir_for(&a.url), cache.dir_for(&b.url));
    assert_eq!(entries_of(cache.root()).len(), 2);
}

#[test]
fn trees_with_dot_git_entries_are_rejected() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("evil");
    let repo = init_repo(&path, "main");
    // libgit2's treebuilder refuses such names, so write the raw tree objects.
    let odb = repo.odb().unwrap();
    let raw_tree = |entries: &[(&str, &str, Oid)]| {
        let mut bytes = Vec::new();
        for (mode, name, oid) in entries {
            bytes.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            bytes.extend_from_slice(oid.as_bytes());
        }
        odb.write(git2::ObjectType::Tree, &bytes).unwrap()
    };
    let config = repo.blob(b"[core]\n").unwrap();
    let ok = repo.blob(b"ok").unwrap();
    let dot_git = raw_tree(&[("100644", "config", config)]);
    let root = raw_tree(&[("40000", ".GIT", dot_git), ("100644", "ok.txt", ok)]);
    let tree = repo.find_tree(root).unwrap();
    let c = repo
        .commit(Some("refs/heads/main"), &sig(), &sig(), "evil", &tree, &[])
        .unwrap();
    let (_d, cache) = cache();
    let cached = cache
        .open(&file_url(&path), FetchPolicy::IfMissing)
        .unwrap();
    let err = cached.read_tree(&c.to_string(), None).unwrap_err();
    match &err {
        GitError::InvalidTreePath { path, .. } => assert_eq!(path, ".GIT"),
        other => panic!("expected InvalidTreePath, got {other:?}"),
    }
    assert!(err.to_string().contains(".GIT"), "{err}");
}
