//! The entry type: an [`Engine`] knows the template libraries and the git cache, lists
//! golden paths, and loads one by name, path or git source.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result, closest};
use crate::golden_path::GoldenPath;
use crate::source::git::GitCache;
use crate::source::remote::{Remote, Target};
use crate::source::{self, Located, SourceRecord};

/// The engine version, recorded in answers files.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Lists and loads golden paths.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    libraries: Vec<PathBuf>,
    builtin: bool,
    cache_dir: Option<PathBuf>,
    offline: bool,
    limits: crate::golden_path::limits::LimitOverrides,
    shorthands: std::collections::BTreeMap<String, String>,
}

/// Builds an [`Engine`].
#[derive(Debug, Clone)]
pub struct EngineBuilder {
    engine: Engine,
}

impl EngineBuilder {
    /// Add a template library directory (searched before the built-in library, in the
    /// order added).
    pub fn library(mut self, dir: impl Into<PathBuf>) -> Self {
        self.engine.libraries.push(dir.into());
        self
    }

    /// Whether to include the built-in library (default true).
    pub fn builtin(mut self, yes: bool) -> Self {
        self.engine.builtin = yes;
        self
    }

    /// Where git sources are cached (default: the user's cache directory).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.engine.cache_dir = Some(dir.into());
        self
    }

    /// Never touch the network: git sources must be in the cache.
    pub fn offline(mut self, yes: bool) -> Self {
        self.engine.offline = yes;
        self
    }

    /// Render bounds that win over every definition's `spec.limits`.
    pub fn limits(mut self, limits: crate::golden_path::limits::LimitOverrides) -> Self {
        self.engine.limits = limits;
        self
    }

    /// A git-host shorthand: `name:REPO` is `url` with `{}` replaced by `REPO`
    /// (the user configuration's `shorthands`; `gh:` and `gl:` are built in).
    pub fn shorthand(mut self, name: impl Into<String>, url: impl Into<String>) -> Self {
        self.engine.shorthands.insert(name.into(), url.into());
        self
    }

    /// The engine.
    pub fn build(self) -> Engine {
        self.engine
    }
}

/// One row of `scaffold list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogEntry {
    /// Golden-path name.
    pub name: String,
    /// Title (or the name).
    pub title: String,
    /// Version.
    pub version: String,
    /// Description.
    pub description: Option<String>,
    /// Where it is defined.
    pub source: String,
    /// Why it cannot be loaded, if it cannot.
    pub error: Option<String>,
    /// Hidden by an earlier library with the same name.
    pub shadowed: bool,
    /// For an add-on: the golden paths it applies to (`spec.appliesTo`); empty for a
    /// golden path. `scaffold list` groups add-ons apart.
    pub applies_to: Vec<String>,
}

impl CatalogEntry {
    /// Whether this entry is an add-on.
    pub fn is_add_on(&self) -> bool {
        !self.applies_to.is_empty()
    }
}

/// One golden path with every version, for `scaffold list --versions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogVersions {
    /// Golden-path name.
    pub name: String,
    /// Where it is defined (`built-in`, or the definition file).
    pub source: String,
    /// Every version, newest first.
    pub versions: Vec<CatalogVersion>,
    /// Why its versions cannot be listed, if they cannot.
    pub error: Option<String>,
}

/// One version in [`CatalogVersions`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogVersion {
    /// The version.
    pub version: String,
    /// Whether it is the newest (what `NAME` and `NAME@latest` give).
    pub latest: bool,
    /// Its definition file, as messages name it.
    pub definition: String,
}

/// How a golden-path reference typed by a user is read. One rule for every command
/// that takes one (`new`, `show`, `lint`, `update --source`, `diff --upstream`'s
/// recorded sources), documented in docs/golden-paths.md ("Naming a golden path"):
///
/// 1. A git source (`https://`, `ssh://`, `git@host:`, `file://`, `git+PATH`, or the
///    `gh:ORG/REPO` and `gl:GROUP/REPO` shorthands) is fetched.
/// 2. Anything spelled as a path (it holds a `/`, ends in `.yaml` or `.yml`, or is `.`
///    or `..`) is a local definition file or template directory.
/// 3. A bare word that exists in the current directory as a golden path (a file, or a
///    directory holding `golden-path.yaml`) is that local golden path, even when a
///    library has a golden path of the same name: what is in front of you wins, as in
///    cookiecutter. `NAME@VERSION` and `NAME@latest` always mean the library.
/// 4. Anything else is a name in the libraries (`NAME` or `NAME@VERSION`).
///
/// `scaffold lint` adds one case to rule 3: a bare word naming a directory of
/// definitions lints that library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// A git source, as given.
    Git(String),
    /// A local definition file or template directory.
    Path(PathBuf),
    /// A golden path in the libraries.
    Name {
        /// Its name.
        name: String,
        /// The version after `@`, if any.
        version: Option<String>,
    },
}

impl Reference {
    /// Read `reference` by the rule above (the current directory is consulted for
    /// rule 3).
    pub fn classify(reference: &str) -> Reference {
        if crate::source::git::GitSource::looks_like_git(reference) {
            return Reference::Git(reference.to_string());
        }
        let path = Path::new(reference);
        if spelled_as_path(reference) {
            return Reference::Path(path.to_path_buf());
        }
        if path.is_file() || path.join("golden-path.yaml").is_file() {
            return Reference::Path(path.to_path_buf());
        }
        if let Some((name, version)) = reference.rsplit_once('@') {
            return Reference::Name {
                name: name.to_string(),
                version: Some(version.to_string()),
            };
        }
        if path.exists() && !crate::golden_path::definition::valid_name(reference) {
            return Reference::Path(path.to_path_buf());
        }
        Reference::Name {
            name: reference.to_string(),
            version: None,
        }
    }
}

/// Whether `reference` is written as a path (rule 2 of [`Reference`]).
pub fn spelled_as_path(reference: &str) -> bool {
    reference.contains('/')
        || reference.contains(std::path::MAIN_SEPARATOR)
        || reference.ends_with(".yaml")
        || reference.ends_with(".yml")
        || reference == "."
        || reference == ".."
}

/// A local definition file or template directory.
fn locate_path(reference: &str, path: &Path) -> Result<Located> {
    if path.is_dir() {
        let def = path.join("golden-path.yaml");
        if def.is_file() {
            return Ok(source::local_definition(&def));
        }
        return Err(Error::NoDefinition {
            source_text: reference.to_string(),
            reason: format!(
                "`{reference}` is a directory without a golden-path.yaml; point at a definition file or a template directory"
            ),
        });
    }
    if path.is_file() {
        return Ok(source::local_definition(path));
    }
    Err(Error::NoDefinition {
        source_text: reference.to_string(),
        reason: format!("no golden-path definition at `{reference}`"),
    })
}

/// Parse the version asked for after `NAME@`.
pub(crate) fn parse_requested(name: &str, version: &str) -> Result<semver::Version> {
    semver::Version::parse(version.strip_prefix('v').unwrap_or(version)).map_err(|e| {
        Error::InvalidVersion {
            golden_path: name.to_string(),
            version: version.to_string(),
            reason: if version.is_empty() {
                "it is empty".to_string()
            } else {
                e.to_string()
            },
        }
    })
}

/// The version `wanted` among `versions`, or [`Error::VersionNotFound`].
pub(crate) fn pick_version(
    name: &str,
    asked: &str,
    wanted: &semver::Version,
    versions: Vec<source::VersionedLocated>,
) -> Result<Located> {
    let available: Vec<String> = versions.iter().map(|v| v.version.clone()).collect();
    versions
        .into_iter()
        .find(|v| source::parse_version(&v.version).as_ref() == Some(wanted))
        .map(|v| v.located)
        .ok_or_else(|| Error::VersionNotFound {
            golden_path: name.to_string(),
            version: asked.to_string(),
            available,
        })
}

impl Engine {
    /// An engine with the built-in library only.
    pub fn new() -> Engine {
        Engine::builder().build()
    }

    /// Start building an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder {
            engine: Engine {
                builtin: true,
                ..Engine::default()
            },
        }
    }

    /// Whether the engine must stay offline.
    pub fn is_offline(&self) -> bool {
        self.offline
    }

    /// The git cache directory in use (explicit, or the user's default).
    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache_dir.as_deref()
    }

    /// Every definition of every library, in search order.
    pub fn located(&self) -> Result<Vec<Located>> {
        let mut out = Vec::new();
        for lib in &self.libraries {
            out.extend(source::directory_definitions(lib)?);
        }
        if self.builtin {
            out.extend(source::builtin_definitions(ENGINE_VERSION));
        }
        Ok(out)
    }

    /// Every golden path found, loaded far enough to show name, title and version.
    pub fn catalog(&self) -> Result<Vec<CatalogEntry>> {
        let mut seen = std::collections::HashSet::new();
        Ok(self
            .located()?
            .into_iter()
            .map(|l| {
                let source = match &l.record {
                    source::SourceRecord::Builtin { .. } => "built-in".to_string(),
                    _ => l.fs.display(&l.definition),
                };
                let shadowed = !seen.insert(l.name.clone());
                match GoldenPath::load(&l) {
                    Ok(gp) => CatalogEntry {
                        name: gp.name().to_string(),
                        title: gp
                            .definition
                            .metadata
                            .title
                            .clone()
                            .unwrap_or_else(|| gp.name().to_string()),
                        version: gp.version.clone(),
                        description: gp.definition.metadata.description.clone(),
                        source,
                        error: None,
                        shadowed,
                        applies_to: gp.applies_to().to_vec(),
                    },
                    Err(e) => CatalogEntry {
                        name: l.name.clone(),
                        title: l.name.clone(),
                        version: "?".to_string(),
                        description: None,
                        source,
                        error: Some(e.to_string()),
                        shadowed,
                        applies_to: Vec::new(),
                    },
                }
            })
            .collect())
    }

    /// Find a golden path: a path to a definition file or template directory, a git
    /// source, or a name in the libraries (first match wins).
    pub fn locate(&self, reference: &str) -> Result<Located> {
        self.locate_any(reference).map(|l| self.with_limits(l))
    }

    /// The render bounds given to the builder.
    pub fn limit_overrides(&self) -> crate::golden_path::limits::LimitOverrides {
        self.limits
    }

    /// `located`, with this engine's render bounds and its git access (for what a
    /// Backstage Template fetches itself).
    pub fn with_limits(&self, mut located: Located) -> Located {
        located.limits = self.limits;
        located.remote = self.remote().ok();
        located
    }

    /// Git sources as this engine reads them: its cache directory (or the user's
    /// cache) and its offline setting.
    pub fn remote(&self) -> Result<Remote> {
        let cache = match self.cache_dir() {
            Some(d) => GitCache::new(d),
            None => GitCache::default_location()?,
        };
        Ok(Remote::new(cache, self.is_offline()))
    }

    /// Locate the golden path an answers file was generated from, at `target`: a tag,
    /// branch or commit of a git source; a released version of a built-in golden path
    /// ([`Target::Latest`]: the head of the built-in library). A local definition has
    /// one version only: it is loaded as it is now, whatever the target.
    ///
    /// A local definition that no longer exists, and a git repository that cannot be
    /// reached and is not cached, are [`Error::SourceGone`].
    pub fn locate_recorded(
        &self,
        record: &SourceRecord,
        golden_path: &str,
        target: &Target,
    ) -> Result<Located> {
        let located = match record {
            SourceRecord::Git { .. } => {
                self.remote()?
                    .locate_recorded(record, golden_path, target)?
            }
            SourceRecord::Local { path } => {
                let p = Path::new(path);
                if !p.is_file() {
                    return Err(Error::SourceGone {
                        golden_path: golden_path.to_string(),
                        source_text: record.to_string(),
                        reason: format!("the golden path's definition `{path}` no longer exists"),
                    });
                }
                source::local_definition(p)
            }
            SourceRecord::Builtin { .. } => builtin_at(golden_path, target)?,
        };
        Ok(self.with_limits(located))
    }

    fn locate_any(&self, reference: &str) -> Result<Located> {
        let expanded = crate::source::git::expand_user_shorthand(reference, &self.shorthands);
        let reference = expanded.as_deref().unwrap_or(reference);
        let (name, version) = match Reference::classify(reference) {
            Reference::Git(spec) => return self.remote()?.locate_spec(&spec),
            Reference::Path(path) => return locate_path(reference, &path),
            Reference::Name { name, version } => (name, version),
        };
        if let Some(version) = version {
            return self.locate_version(&name, &version);
        }
        let all = self.located()?;
        if let Some(found) = all.iter().find(|l| l.name == name) {
            return Ok(found.clone());
        }
        if Path::new(&name).is_dir() {
            return Err(Error::NoDefinition {
                reason: format!(
                    "`{name}` is a directory without a golden-path.yaml, and no golden path in the libraries has that name; point at a definition file or a template directory"
                ),
                source_text: name,
            });
        }
        Err(Error::UnknownGoldenPath {
            suggestions: closest(&name, all.iter().map(|l| l.name.as_str())),
            name,
        })
    }

    /// Every version of the golden path `name` (from the first library that has the
    /// name, as [`Engine::locate`] picks it), newest first. A built-in golden path has
    /// its head and every frozen release; any other source has the one version it holds.
    pub fn versions(&self, name: &str) -> Result<Vec<source::VersionedLocated>> {
        let all = self.located()?;
        let Some(found) = all.iter().find(|l| l.name == name) else {
            return Err(Error::UnknownGoldenPath {
                name: name.to_string(),
                suggestions: closest(name, all.iter().map(|l| l.name.as_str())),
            });
        };
        match &found.record {
            source::SourceRecord::Builtin { engine_version } => {
                source::builtin_versions(engine_version, name)
            }
            _ => Ok(vec![source::VersionedLocated {
                version: source::declared_version(found)?,
                located: found.clone(),
                head: true,
                release_dir: None,
            }]),
        }
    }

    /// Locate version `version` of the golden path `name`: `latest` is the newest
    /// (the head of the built-in library); anything else must be a semantic version
    /// ([`Error::InvalidVersion`]) that the golden path has ([`Error::VersionNotFound`]).
    pub fn locate_version(&self, name: &str, version: &str) -> Result<Located> {
        if version == "latest" {
            // Always the library's, never a local directory of the same name.
            let all = self.located()?;
            return match all.iter().find(|l| l.name == name) {
                Some(found) => Ok(self.with_limits(found.clone())),
                None => Err(Error::UnknownGoldenPath {
                    name: name.to_string(),
                    suggestions: closest(name, all.iter().map(|l| l.name.as_str())),
                }),
            };
        }
        let versions = self.versions(name)?;
        let wanted = parse_requested(name, version)?;
        pick_version(name, version, &wanted, versions).map(|l| self.with_limits(l))
    }

    /// Every golden path (the first of each name) with all its versions, newest first,
    /// for `scaffold list --versions`.
    pub fn catalog_versions(&self) -> Result<Vec<CatalogVersions>> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for l in self.located()? {
            if !seen.insert(l.name.clone()) {
                continue;
            }
            let source = match &l.record {
                source::SourceRecord::Builtin { .. } => "built-in".to_string(),
                _ => l.fs.display(&l.definition),
            };
            let mut entry = CatalogVersions {
                name: l.name.clone(),
                source,
                versions: Vec::new(),
                error: None,
            };
            match self.versions(&l.name) {
                Ok(vs) => {
                    entry.versions = vs
                        .iter()
                        .enumerate()
                        .map(|(i, v)| CatalogVersion {
                            version: v.version.clone(),
                            latest: i == 0,
                            definition: v.located.fs.display(&v.located.definition),
                        })
                        .collect();
                }
                Err(e) => entry.error = Some(e.to_string()),
            }
            out.push(entry);
        }
        Ok(out)
    }

    /// What `scaffold show` reports about `gp`: [`GoldenPath::info`] with the add-ons
    /// of this engine's libraries that apply to it (each name once, the first library's
    /// wins; a definition that does not load is left out).
    pub fn info<'a>(&self, gp: &'a GoldenPath) -> Result<crate::golden_path::GoldenPathInfo<'a>> {
        let mut info = gp.info();
        let mut add_ons: Vec<String> = self
            .catalog()?
            .into_iter()
            .filter(|c| !c.shadowed && c.applies_to.iter().any(|h| h == gp.name()))
            .map(|c| c.name)
            .collect();
        add_ons.sort();
        add_ons.dedup();
        info.add_ons = add_ons;
        Ok(info)
    }

    /// Locate and load a golden path.
    pub fn load(&self, reference: &str) -> Result<GoldenPath> {
        GoldenPath::load(&self.locate(reference)?)
    }
}

/// A released version of a built-in golden path (`latest` and [`Target::Latest`]: the
/// head of the library).
fn builtin_at(golden_path: &str, target: &Target) -> Result<Located> {
    let versions = source::builtin_versions(crate::ENGINE_VERSION, golden_path)?;
    if versions.is_empty() {
        return Err(Error::UnknownGoldenPath {
            name: golden_path.to_string(),
            suggestions: closest(
                golden_path,
                source::builtin_definitions(crate::ENGINE_VERSION)
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>(),
            ),
        });
    }
    match target {
        Target::Ref(r) if r != "latest" => {
            let wanted = parse_requested(golden_path, r)?;
            pick_version(golden_path, r, &wanted, versions)
        }
        _ => {
            let head = versions.iter().position(|v| v.head).unwrap_or(0);
            versions
                .into_iter()
                .nth(head)
                .map(|v| v.located)
                .ok_or_else(|| Error::UnknownGoldenPath {
                    name: golden_path.to_string(),
                    suggestions: Vec::new(),
                })
        }
    }
}
