//! Golden paths from git repositories, through the cache of [`crate::git`].
//!
//! A source string `URL[//SUBPATH][?ref=REF]` is resolved to a commit, the commit's
//! whole tree is read from the object database into memory, and the definition inside
//! it is located: SUBPATH names a definition file or a template directory holding
//! `golden-path.yaml`; without SUBPATH the repository root must hold `golden-path.yaml`
//! or `golden-paths/` exactly one definition.

use std::sync::Arc;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::git::{CachedRepo, FetchPolicy, GitCache, GitSource, SubpathKind, TreeEntryKind};
use crate::source::{Located, SourceRecord, TemplateFs};
use crate::tree::{Entry, FileMode, Tree};

/// The cache the engine uses.
pub fn cache(engine: &Engine) -> Result<GitCache> {
    match engine.cache_dir() {
        Some(d) => Ok(GitCache::new(d)),
        None => Ok(GitCache::default_location()?),
    }
}

/// Which commit of a git source to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The highest semver tag (or the default branch head without tags).
    Latest,
    /// A tag, branch or commit.
    Ref(String),
}

/// Open the cached repository for `url`, fetching as the target needs.
pub fn open(engine: &Engine, url: &str, target: &Target) -> Result<CachedRepo> {
    let policy = if engine.is_offline() {
        FetchPolicy::Offline
    } else {
        match target {
            // A full commit id never changes: use the cache when it has it.
            Target::Ref(r) if r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()) => {
                FetchPolicy::IfMissing
            }
            _ => FetchPolicy::Always,
        }
    };
    Ok(cache(engine)?.open(url, policy)?)
}

/// Locate a golden path given as a git source string.
pub fn locate_git(engine: &Engine, spec: &str) -> Result<Located> {
    let source = GitSource::parse(spec)?;
    let target = source.reference.clone().map_or(Target::Latest, Target::Ref);
    locate(engine, &source.url, source.subpath.as_deref(), &target)
}

/// Locate the golden path of a recorded git source at a target.
pub fn locate(
    engine: &Engine,
    url: &str,
    subpath: Option<&str>,
    target: &Target,
) -> Result<Located> {
    let repo = open(engine, url, target)?;
    let wanted = match target {
        Target::Latest => None,
        Target::Ref(r) => Some(r.as_str()),
    };
    let resolved = repo.resolve(wanted)?;
    let read = repo.read_tree(&resolved.commit, None)?;
    let tree: Tree = read
        .entries
        .into_iter()
        .map(|e| {
            let entry = match e.kind {
                TreeEntryKind::File { bytes, executable } => Entry {
                    mode: if executable {
                        FileMode::Executable
                    } else {
                        FileMode::File
                    },
                    content: bytes,
                },
                TreeEntryKind::Symlink { target } => Entry {
                    mode: FileMode::Symlink,
                    content: target.into_bytes(),
                },
            };
            (e.path, entry)
        })
        .collect();
    let definition = match subpath {
        Some(sub) => match repo.subpath_kind(&resolved.commit, sub)? {
            Some(SubpathKind::File) => sub.to_string(),
            Some(SubpathKind::Dir) => format!("{sub}/golden-path.yaml"),
            None => {
                return Err(Error::Usage(format!(
                    "`{sub}` does not exist in {url} at {}",
                    &resolved.commit[..12]
                )));
            }
        },
        None => find_definition(&tree, url)?,
    };
    if !tree.contains_key(&definition) {
        return Err(Error::Usage(format!(
            "no golden-path definition at `{definition}` in {url} at {}; name the definition file with //SUBPATH",
            &resolved.commit[..12]
        )));
    }
    let name = definition
        .rsplit('/')
        .next()
        .and_then(|f| f.strip_suffix(".yaml"))
        .filter(|s| *s != "golden-path")
        .map(str::to_string)
        .or_else(|| definition.rsplit('/').nth(1).map(str::to_string))
        .unwrap_or_else(|| {
            url.rsplit('/')
                .next()
                .unwrap_or(url)
                .trim_end_matches(".git")
                .to_string()
        });
    Ok(Located {
        name,
        fs: TemplateFs::Memory {
            tree: Arc::new(tree),
            label: format!("{url}@{}:", &resolved.commit[..12]),
        },
        definition,
        record: SourceRecord::Git {
            url: url.to_string(),
            subpath: subpath.map(str::to_string),
            reference: Some(resolved.reference.clone()),
            commit: resolved.commit.clone(),
        },
        version: resolved.version.clone(),
        limits: Default::default(),
    })
}

fn find_definition(tree: &Tree, url: &str) -> Result<String> {
    if tree.contains_key("golden-path.yaml") {
        return Ok("golden-path.yaml".to_string());
    }
    let defs: Vec<&String> = tree
        .keys()
        .filter(|k| {
            k.strip_prefix("golden-paths/")
                .is_some_and(|r| !r.contains('/') && r.ends_with(".yaml"))
        })
        .collect();
    match defs.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::Usage(format!(
            "{url} has no golden-path.yaml at its root and no golden-paths/*.yaml; add //SUBPATH naming the definition"
        ))),
        many => Err(Error::Usage(format!(
            "{url} holds several golden paths ({}); choose one with //SUBPATH, e.g. {url}//{}",
            many.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            many[0]
        ))),
    }
}

/// The semver tags of a git source, ascending: (tag, commit).
pub fn versions(engine: &Engine, url: &str) -> Result<Vec<(String, semver::Version, String)>> {
    Ok(open(engine, url, &Target::Latest)?.versions()?)
}

/// The target that reproduces what an answers file records: the recorded commit of a
/// git source, the recorded version of a built-in golden path, and the one version a
/// local definition has.
pub fn recorded_target(file: &crate::provenance::AnswersFile) -> Target {
    match &file.source {
        SourceRecord::Git { commit, .. } => Target::Ref(commit.clone()),
        SourceRecord::Builtin { .. } => Target::Ref(file.version.clone()),
        SourceRecord::Local { .. } => Target::Latest,
    }
}

/// Locate the golden path an answers file was generated from, at `target`: a tag,
/// branch or commit of a git source; a released version of a built-in golden path
/// ([`Target::Latest`]: the head of the built-in library). A local definition has one
/// version only: it is loaded as it is now, whatever the target.
///
/// A local definition that no longer exists, and a git repository that cannot be
/// reached and is not cached, are [`Error::SourceGone`].
pub fn locate_recorded(
    engine: &Engine,
    record: &SourceRecord,
    golden_path: &str,
    target: &Target,
) -> Result<Located> {
    locate_recorded_any(engine, record, golden_path, target).map(|l| engine.with_limits(l))
}

fn locate_recorded_any(
    engine: &Engine,
    record: &SourceRecord,
    golden_path: &str,
    target: &Target,
) -> Result<Located> {
    let gone = |reason: String| Error::SourceGone {
        golden_path: golden_path.to_string(),
        source_text: record.to_string(),
        reason,
    };
    match record {
        SourceRecord::Git { url, subpath, .. } => locate(engine, url, subpath.as_deref(), target)
            .map_err(|e| match e {
                Error::Git(
                    g @ (crate::git::GitError::Unreachable { .. }
                    | crate::git::GitError::NotCached { .. }),
                ) => gone(g.to_string()),
                other => other,
            }),
        SourceRecord::Local { path } => {
            let p = std::path::Path::new(path);
            if !p.is_file() {
                return Err(gone(format!(
                    "the golden path's definition `{path}` no longer exists"
                )));
            }
            Ok(crate::source::local_definition(p))
        }
        SourceRecord::Builtin { .. } => {
            let versions = crate::source::builtin_versions(crate::ENGINE_VERSION, golden_path)?;
            if versions.is_empty() {
                return Err(Error::UnknownGoldenPath {
                    name: golden_path.to_string(),
                    suggestions: crate::error::closest(
                        golden_path,
                        crate::source::builtin_definitions(crate::ENGINE_VERSION)
                            .iter()
                            .map(|l| l.name.as_str())
                            .collect::<Vec<_>>(),
                    ),
                });
            }
            match target {
                Target::Latest => {
                    let head = versions.iter().position(|v| v.head).unwrap_or(0);
                    Ok(versions
                        .into_iter()
                        .nth(head)
                        .map(|v| v.located)
                        .ok_or_else(|| Error::UnknownGoldenPath {
                            name: golden_path.to_string(),
                            suggestions: Vec::new(),
                        })?)
                }
                Target::Ref(r) if r == "latest" => {
                    locate_recorded(engine, record, golden_path, &Target::Latest)
                }
                Target::Ref(r) => {
                    let wanted = crate::engine::parse_requested(golden_path, r)?;
                    crate::engine::pick_version(golden_path, r, &wanted, versions)
                }
            }
        }
    }
}
