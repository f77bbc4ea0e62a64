//! Golden paths from git repositories, through the cache of [`crate::source::git`].
//!
//! A source string `URL[//SUBPATH][?ref=REF]` is resolved to a commit, the commit's
//! whole tree is read from the object database into memory, and the definition inside
//! it is located: SUBPATH names a definition file or a template directory holding
//! `golden-path.yaml`; without SUBPATH the repository root must hold `golden-path.yaml`
//! or `golden-paths/` exactly one definition.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::source::git::{CachedRepo, FetchPolicy, GitCache, GitSource, SubpathKind};
use crate::source::{Located, SourceRecord, TemplateFs};
use crate::tree::Tree;

/// Access to git sources: the repository cache and whether it may fetch. The engine
/// hands one out ([`crate::Engine::remote`]); this module knows nothing of the engine.
#[derive(Debug, Clone)]
pub struct Remote {
    cache: GitCache,
    offline: bool,
}

/// Which commit of a git source to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The highest semver tag (or the default branch head without tags).
    Latest,
    /// A tag, branch or commit.
    Ref(String),
}

impl Remote {
    /// Git sources read through `cache`; `offline` never fetches (only what the cache
    /// holds is used).
    pub fn new(cache: GitCache, offline: bool) -> Self {
        Self { cache, offline }
    }

    /// The cache of mirrors this remote reads.
    pub fn cache(&self) -> &GitCache {
        &self.cache
    }

    /// Open the cached repository for `url`, fetching as the target needs.
    pub fn open(&self, url: &str, target: &Target) -> Result<CachedRepo> {
        let policy = if self.offline {
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
        Ok(self.cache.open(url, policy)?)
    }

    /// Locate a golden path given as a git source string.
    pub fn locate_spec(&self, spec: &str) -> Result<Located> {
        let source = GitSource::parse(spec)?;
        let target = source.reference.clone().map_or(Target::Latest, Target::Ref);
        self.locate(&source.url, source.subpath.as_deref(), &target)
    }

    /// The semver tags of a git source, ascending: (tag, version, commit).
    pub fn versions(&self, url: &str) -> Result<Vec<(String, semver::Version, String)>> {
        Ok(self.open(url, &Target::Latest)?.versions()?)
    }

    /// Locate the golden path of a recorded git source at `target`; a repository that
    /// cannot be reached and is not cached is [`Error::SourceGone`].
    pub fn locate_recorded(
        &self,
        record: &SourceRecord,
        golden_path: &str,
        target: &Target,
    ) -> Result<Located> {
        let SourceRecord::Git { url, subpath, .. } = record else {
            // Built-in and local sources are not git's: the engine locates them.
            return Err(Error::SourceMismatch {
                source_text: record.to_string(),
                expected: golden_path.to_string(),
                found: "a source that is not a git repository".to_string(),
            });
        };
        self.locate(url, subpath.as_deref(), target)
            .map_err(|e| match e {
                Error::Git(
                    g @ (crate::source::git::GitError::Unreachable { .. }
                    | crate::source::git::GitError::NotCached { .. }),
                ) => Error::SourceGone {
                    golden_path: golden_path.to_string(),
                    source_text: record.to_string(),
                    reason: g.to_string(),
                },
                other => other,
            })
    }

    /// Locate the golden path of a git source at a target.
    pub fn locate(&self, url: &str, subpath: Option<&str>, target: &Target) -> Result<Located> {
        let repo = self.open(url, target)?;
        let wanted = match target {
            Target::Latest => None,
            Target::Ref(r) => Some(r.as_str()),
        };
        let resolved = repo.resolve(wanted)?;
        let read = repo.read_tree(&resolved.commit, None)?;
        let tree: Tree = read.entries;
        let definition = match subpath {
            Some(sub) => match repo.subpath_kind(&resolved.commit, sub)? {
                Some(SubpathKind::File) => sub.to_string(),
                Some(SubpathKind::Dir) => format!("{sub}/golden-path.yaml"),
                None => {
                    return Err(Error::NoDefinition {
                        source_text: url.to_string(),
                        reason: format!(
                            "`{sub}` does not exist in {url} at {}",
                            &resolved.commit[..12]
                        ),
                    });
                }
            },
            None => find_definition(&tree, url)?,
        };
        if !tree.contains_key(&definition) {
            return Err(Error::NoDefinition {
                source_text: url.to_string(),
                reason: format!(
                    "no golden-path definition at `{definition}` in {url} at {}; name the definition file with //SUBPATH",
                    &resolved.commit[..12]
                ),
            });
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
            remote: None,
        })
    }
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
        [] => Err(Error::NoDefinition {
            source_text: url.to_string(),
            reason: format!(
                "{url} has no golden-path.yaml at its root and no golden-paths/*.yaml; add //SUBPATH naming the definition"
            ),
        }),
        many => Err(Error::NoDefinition {
            source_text: url.to_string(),
            reason: format!(
                "{url} holds several golden paths ({}); choose one with //SUBPATH, e.g. {url}//{}",
                many.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                many[0]
            ),
        }),
    }
}
