//! Where golden paths come from: the built-in library embedded in the binary, local
//! directories and definition files, and git repositories read from the cache.
//!
//! Every source is presented as a [`TemplateFs`]: a definition file plus skeleton
//! directories addressed by `/`-separated paths. Disk sources read lazily; built-in
//! and git sources are whole trees in memory. Nothing here renders anything.

pub mod git;
pub mod remote;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::tree::{Bytes, Entry, FileMode, Tree, join_lexical, parent_of};

mod builtin_table {
    /// The kind of one embedded entry.
    #[allow(dead_code)]
    pub(crate) enum BuiltinKind {
        File {
            bytes: &'static [u8],
            executable: bool,
        },
        Symlink(&'static str),
        EmptyDir,
    }
    /// One embedded entry.
    pub(crate) struct BuiltinEntry {
        pub(crate) path: &'static str,
        pub(crate) kind: BuiltinKind,
    }
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

/// The built-in library (`golden-paths/` and `skeletons/` of this repository) as a tree.
pub fn builtin_tree() -> Arc<Tree> {
    use builtin_table::{BUILTIN_ENTRIES, BuiltinKind};
    static TREE: std::sync::OnceLock<Arc<Tree>> = std::sync::OnceLock::new();
    TREE.get_or_init(|| {
        let tree = BUILTIN_ENTRIES
            .iter()
            .map(|e| {
                let entry = match &e.kind {
                    BuiltinKind::File { bytes, executable } => Entry {
                        mode: if *executable {
                            FileMode::Executable
                        } else {
                            FileMode::File
                        },
                        content: Bytes::from_static(bytes),
                    },
                    BuiltinKind::Symlink(t) => Entry {
                        mode: FileMode::Symlink,
                        content: Bytes::from_static(t.as_bytes()),
                    },
                    BuiltinKind::EmptyDir => Entry {
                        mode: FileMode::Dir,
                        content: Bytes::new(),
                    },
                };
                (e.path.to_string(), entry)
            })
            .collect();
        Arc::new(tree)
    })
    .clone()
}

/// Where a golden path was loaded from, as recorded in the answers file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum SourceRecord {
    /// Embedded in the scaffold binary.
    Builtin {
        /// The engine version that embedded it.
        engine_version: String,
    },
    /// A definition file on disk.
    Local {
        /// Absolute path of the definition file.
        path: String,
    },
    /// A git repository.
    Git {
        /// Repository URL.
        url: String,
        /// Definition file or template directory inside the repository.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subpath: Option<String>,
        /// The ref asked for (tag, branch, commit), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
        /// The resolved commit.
        commit: String,
    },
}

impl std::fmt::Display for SourceRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceRecord::Builtin { engine_version } => {
                write!(f, "built-in (scaffold {engine_version})")
            }
            SourceRecord::Local { path } => write!(f, "{path}"),
            SourceRecord::Git {
                url,
                subpath,
                commit,
                ..
            } => {
                write!(f, "{url}")?;
                if let Some(s) = subpath {
                    write!(f, "//{s}")?;
                }
                write!(f, "@{}", &commit[..commit.len().min(12)])
            }
        }
    }
}

/// A read-only view of a template source.
#[derive(Debug, Clone)]
pub enum TemplateFs {
    /// Files on disk under a root directory (paths may climb above it with `..`).
    Disk {
        /// The directory that relative paths start from.
        root: PathBuf,
    },
    /// A tree in memory (built-in or a git commit); paths may not leave it.
    Memory {
        /// The tree.
        tree: Arc<Tree>,
        /// How to name the tree in messages, e.g. `built-in:` or a git URL.
        label: String,
    },
}

impl TemplateFs {
    /// A user-facing name for `path` in this source.
    pub fn display(&self, path: &str) -> String {
        match self {
            TemplateFs::Disk { root } => {
                let p = root.join(path);
                clean_display(&p)
            }
            TemplateFs::Memory { label, .. } => format!("{label}{path}"),
        }
    }

    /// Read a whole file.
    pub fn read(&self, path: &str) -> Result<Vec<u8>> {
        match self {
            TemplateFs::Disk { root } => {
                let p = root.join(path);
                std::fs::read(&p).map_err(|e| Error::io("cannot read", p, e))
            }
            TemplateFs::Memory { tree, label } => join_lexical("", path)
                .and_then(|p| tree.get(&p))
                .filter(|e| e.mode != FileMode::Dir)
                .map(|e| e.content.to_vec())
                .ok_or_else(|| Error::Usage(format!("`{label}{path}` does not exist"))),
        }
    }

    /// Resolve `rel` against the directory of `from` (both source paths).
    pub fn resolve(&self, from: &str, rel: &str) -> Option<String> {
        match self {
            TemplateFs::Disk { .. } => {
                let base = parent_of(from);
                Some(if base.is_empty() {
                    rel.to_string()
                } else {
                    format!("{base}/{rel}")
                })
            }
            TemplateFs::Memory { .. } => join_lexical(parent_of(from), rel),
        }
    }

    /// Whether `dir` is an existing directory.
    pub fn is_dir(&self, dir: &str) -> bool {
        match self {
            TemplateFs::Disk { root } => root.join(dir).is_dir(),
            TemplateFs::Memory { tree, .. } => {
                let prefix = if dir.is_empty() {
                    String::new()
                } else {
                    format!("{dir}/")
                };
                tree.range(prefix.clone()..)
                    .next()
                    .is_some_and(|(k, _)| k.starts_with(&prefix))
                    || tree.get(dir).is_some_and(|e| e.mode == FileMode::Dir)
            }
        }
    }

    /// Every entry under `dir`, relative to it, sorted. Symbolic links are kept only
    /// when they point inside `dir`; empty directories are kept as [`FileMode::Dir`].
    pub fn list(&self, dir: &str) -> Result<Vec<(String, Entry)>> {
        let entries = match self {
            TemplateFs::Disk { root } => list_disk(&root.join(dir))?,
            TemplateFs::Memory { tree, .. } => {
                let prefix = if dir.is_empty() {
                    String::new()
                } else {
                    format!("{dir}/")
                };
                tree.range(prefix.clone()..)
                    .take_while(|(k, _)| k.starts_with(&prefix))
                    .map(|(k, e)| (k[prefix.len()..].to_string(), e.clone()))
                    .collect()
            }
        };
        for (path, entry) in &entries {
            if entry.mode == FileMode::Symlink {
                let target = String::from_utf8_lossy(&entry.content).into_owned();
                let inside =
                    !target.starts_with('/') && join_lexical(parent_of(path), &target).is_some();
                if !inside {
                    return Err(Error::SymlinkEscapes {
                        path: self.display(&format!("{dir}/{path}")),
                        target,
                    });
                }
            }
        }
        Ok(entries)
    }
}

fn clean_display(p: &Path) -> String {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out.display().to_string()
}

fn list_disk(dir: &Path) -> Result<Vec<(String, Entry)>> {
    use rayon::prelude::*;
    // The walk is sequential (and sorted); the files' contents are read in parallel.
    let mut found: Vec<(String, PathBuf, Found)> = Vec::new();
    for item in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
    {
        let item = item.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            Error::io("cannot read skeleton", path, e.into())
        })?;
        let relative = item
            .path()
            .strip_prefix(dir)
            .expect("walkdir stays under its root");
        let rel = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        // Names that are not UTF-8 are shown lossily; two that become the same name
        // would silently lose a file.
        if rel.contains('\u{FFFD}') && found.iter().any(|(p, _, _)| *p == rel) {
            return Err(Error::Usage(format!(
                "skeleton `{}` has two entries named `{rel}` once their non-UTF-8 names are converted; rename them to UTF-8 names",
                dir.display()
            )));
        }
        let ft = item.file_type();
        let what = if ft.is_symlink() {
            Found::Link
        } else if ft.is_dir() {
            Found::Dir
        } else {
            Found::File
        };
        found.push((rel, item.into_path(), what));
    }
    let read: Vec<Result<Option<Entry>>> = found
        .par_iter()
        .map(|(_, path, what)| read_entry(path, *what))
        .collect();
    let mut out = Vec::with_capacity(found.len());
    for ((rel, _, _), entry) in found.into_iter().zip(read) {
        if let Some(entry) = entry? {
            out.push((rel, entry));
        }
    }
    Ok(out)
}

/// What the walk saw at a path.
#[derive(Clone, Copy)]
enum Found {
    Link,
    Dir,
    File,
}

/// One skeleton entry read from disk: a link's target, an empty directory (`None` for
/// one that is not empty: its entries stand for it), or a file's contents and mode.
fn read_entry(path: &Path, what: Found) -> Result<Option<Entry>> {
    Ok(match what {
        Found::Link => {
            let target =
                std::fs::read_link(path).map_err(|e| Error::io("cannot read link", path, e))?;
            Some(Entry {
                mode: FileMode::Symlink,
                content: target.to_string_lossy().into_owned().into_bytes().into(),
            })
        }
        Found::Dir => {
            let empty = std::fs::read_dir(path)
                .map_err(|e| Error::io("cannot read", path, e))?
                .next()
                .is_none();
            empty.then(|| Entry {
                mode: FileMode::Dir,
                content: Bytes::new(),
            })
        }
        Found::File => {
            let content = std::fs::read(path).map_err(|e| Error::io("cannot read", path, e))?;
            let meta =
                std::fs::symlink_metadata(path).map_err(|e| Error::io("cannot stat", path, e))?;
            Some(Entry {
                mode: FileMode::of(&meta),
                content: content.into(),
            })
        }
    })
}

/// A definition found in a library, before it is fully loaded.
#[derive(Debug, Clone)]
pub struct Located {
    /// The golden path's name (from the definition, or the file name if it does not parse).
    pub name: String,
    /// Its source.
    pub fs: TemplateFs,
    /// Path of the definition inside `fs`.
    pub definition: String,
    /// What to record in the answers file.
    pub record: SourceRecord,
    /// The version the source itself gives (a git tag), which wins over the definition's.
    pub version: Option<String>,
    /// Render bounds given by the caller (set by the engine that located it).
    pub limits: crate::golden_path::limits::LimitOverrides,
    /// Git access for what the golden path itself fetches (a Backstage Template's
    /// remote `url:`s), set by the engine that located it; `None`: nothing is fetched.
    pub remote: Option<crate::source::remote::Remote>,
}

/// Every definition in the built-in library.
pub fn builtin_definitions(engine_version: &str) -> Vec<Located> {
    let tree = builtin_tree();
    let fs = TemplateFs::Memory {
        tree: tree.clone(),
        label: "built-in:".to_string(),
    };
    tree.keys()
        .filter_map(|k| {
            let rest = k.strip_prefix("golden-paths/")?;
            let name = rest
                .strip_suffix(".yaml")
                .or_else(|| rest.strip_suffix(".yml"))?;
            (!name.contains('/')).then(|| Located {
                name: name.to_string(),
                fs: fs.clone(),
                definition: k.clone(),
                record: SourceRecord::Builtin {
                    engine_version: engine_version.to_string(),
                },
                version: None,
                limits: Default::default(),
                remote: None,
            })
        })
        .collect()
}

/// Where frozen built-in releases live: `golden-paths/releases/<name>/<version>/`, each
/// a mini library root holding `golden-paths/<name>.yaml` and `skeletons/`.
pub const RELEASES_DIR: &str = "golden-paths/releases";

/// Every frozen built-in release, each as its own tree rooted at its release
/// directory (so its paths are `golden-paths/<name>.yaml` and `skeletons/...`), keyed
/// by (golden-path name, version directory). Built once.
fn builtin_release_trees() -> &'static BTreeMap<(String, String), Arc<Tree>> {
    static TREES: std::sync::OnceLock<BTreeMap<(String, String), Arc<Tree>>> =
        std::sync::OnceLock::new();
    TREES.get_or_init(|| {
        let prefix = format!("{RELEASES_DIR}/");
        let mut trees: BTreeMap<(String, String), Tree> = BTreeMap::new();
        for (path, entry) in builtin_tree().range(prefix.clone()..) {
            let Some(rest) = path.strip_prefix(&prefix) else {
                break;
            };
            let mut parts = rest.splitn(3, '/');
            let (Some(name), Some(version), Some(inner)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            trees
                .entry((name.to_string(), version.to_string()))
                .or_default()
                .insert(inner.to_string(), entry.clone());
        }
        trees.into_iter().map(|(k, t)| (k, Arc::new(t))).collect()
    })
}

/// One loadable version of a golden path.
#[derive(Debug, Clone)]
pub struct VersionedLocated {
    /// The version (`metadata.version` of its definition, or the source's own version).
    pub version: String,
    /// Where it is.
    pub located: Located,
    /// Whether this is the newest version of its source (the head of the built-in
    /// library, or the only version of a local definition).
    pub head: bool,
    /// The release directory (`golden-paths/releases/<name>/<dir>/`) of a frozen
    /// built-in release; `None` for the head and for other sources.
    pub release_dir: Option<String>,
}

/// Every frozen built-in release as (golden-path name, release directory name), sorted.
pub fn builtin_releases() -> Vec<(String, String)> {
    builtin_release_trees().keys().cloned().collect()
}

/// The version a located definition declares: the source's own (a git tag) or the
/// definition's `metadata.version`.
pub fn declared_version(located: &Located) -> Result<String> {
    if let Some(v) = &located.version {
        return Ok(v.clone());
    }
    let file = located.fs.display(&located.definition);
    let bytes = located.fs.read(&located.definition)?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(crate::Definition::parse(&file, &text)?.metadata.version)
}

/// Every version of the built-in golden path `name`, newest first: the head
/// (`golden-paths/<name>.yaml`) and each frozen release. Empty when there is no such
/// built-in. A frozen release whose definition declares the head's version stands for
/// that version (releases are immutable; the head is about to become the next one).
pub fn builtin_versions(engine_version: &str, name: &str) -> Result<Vec<VersionedLocated>> {
    let record = SourceRecord::Builtin {
        engine_version: engine_version.to_string(),
    };
    let mut out: Vec<VersionedLocated> = Vec::new();
    for ((n, dir), tree) in builtin_release_trees() {
        if n != name {
            continue;
        }
        let located = Located {
            name: name.to_string(),
            fs: TemplateFs::Memory {
                tree: tree.clone(),
                label: format!("built-in {name}@{dir}:"),
            },
            definition: format!("golden-paths/{name}.yaml"),
            record: record.clone(),
            version: None,
            limits: Default::default(),
            remote: None,
        };
        let version = declared_version(&located)?;
        out.push(VersionedLocated {
            version,
            located,
            head: false,
            release_dir: Some(dir.clone()),
        });
    }
    if let Some(head) = builtin_definitions(engine_version)
        .into_iter()
        .find(|l| l.name == name)
    {
        let version = declared_version(&head)?;
        match out.iter_mut().find(|v| same_version(&v.version, &version)) {
            Some(frozen) => frozen.head = true,
            None => out.push(VersionedLocated {
                version,
                located: head,
                head: true,
                release_dir: None,
            }),
        }
    }
    sort_newest_first(&mut out);
    Ok(out)
}

/// Whether two version strings name the same semantic version (a leading `v` is
/// ignored; strings that are not semver compare as text).
pub fn same_version(a: &str, b: &str) -> bool {
    match (parse_version(a), parse_version(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// Parse a version, allowing a leading `v` (as in git tags).
pub fn parse_version(v: &str) -> Option<semver::Version> {
    semver::Version::parse(v.strip_prefix('v').unwrap_or(v)).ok()
}

/// Whether going from version `from` to `to` goes back: both semantic versions (a
/// leading `v` allowed) and `to` the older. Other versions (a branch, a commit) are
/// not compared. `update` refuses such a target; `check` calls a project whose
/// recorded version is newer than its source's latest "ahead".
pub fn is_downgrade(from: &str, to: &str) -> bool {
    match (parse_version(from), parse_version(to)) {
        (Some(f), Some(t)) => t < f,
        _ => false,
    }
}

fn sort_newest_first(versions: &mut [VersionedLocated]) {
    versions.sort_by(
        |a, b| match (parse_version(&a.version), parse_version(&b.version)) {
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => b.version.cmp(&a.version),
        },
    );
}

/// Every definition in a library directory: `DIR/golden-paths/*.yaml`, `DIR/*.yaml`
/// definitions, `DIR/*/golden-path.yaml`, or `DIR/golden-path.yaml` itself.
pub fn directory_definitions(dir: &Path) -> Result<Vec<Located>> {
    let dir = std::fs::canonicalize(dir)
        .map_err(|e| Error::io("cannot open template library", dir, e))?;
    let mut files = Vec::new();
    if dir.join("golden-path.yaml").is_file() {
        files.push(dir.join("golden-path.yaml"));
    }
    let mut scan = |d: &Path, only_definitions: bool| -> Result<()> {
        if !d.is_dir() {
            return Ok(());
        }
        let mut items: Vec<_> = std::fs::read_dir(d)
            .map_err(|e| Error::io("cannot read", d, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        items.sort();
        for p in items {
            let is_yaml = p.extension().is_some_and(|x| x == "yaml" || x == "yml");
            if p.is_file() && is_yaml {
                if !only_definitions || looks_like_definition(&p) {
                    files.push(p);
                }
            } else if p.is_dir() && p.join("golden-path.yaml").is_file() {
                files.push(p.join("golden-path.yaml"));
            }
        }
        Ok(())
    };
    scan(&dir.join("golden-paths"), false)?;
    scan(&dir, true)?;
    files.dedup();
    Ok(files.into_iter().map(|f| local_definition(&f)).collect())
}

fn looks_like_definition(p: &Path) -> bool {
    std::fs::read_to_string(p).is_ok_and(|t| t.contains("kind: GoldenPath"))
}

/// A single definition file on disk.
pub fn local_definition(file: &Path) -> Located {
    let file = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let root = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let base = file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = file
        .file_stem()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = if base == "golden-path.yaml" {
        // Prefer the definition's own name; fall back to the directory name.
        std::fs::read_to_string(&file)
            .ok()
            .and_then(|t| crate::Definition::parse("", &t).ok())
            .map(|d| d.metadata.name)
            .unwrap_or_else(|| {
                root.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or(stem)
            })
    } else {
        stem
    };
    Located {
        name,
        fs: TemplateFs::Disk { root },
        definition: base,
        record: SourceRecord::Local {
            path: file.display().to_string(),
        },
        version: None,
        limits: Default::default(),
        remote: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downgrades_are_semantic_versions_going_back() {
        for (from, to) in [
            ("1.3.0", "1.0.0"),
            ("v2.0.0", "v1.9.9"),
            ("v2.0.0", "1.0.0"),
            ("1.0.0", "1.0.0-rc.1"),
        ] {
            assert!(is_downgrade(from, to), "{from} -> {to}");
        }
        for (from, to) in [
            ("1.0.0", "1.0.0"),
            ("v1.0.0", "1.0.0"),
            ("1.0.0", "1.3.0"),
            ("1.0.0-rc.1", "1.0.0"),
            ("v2.0.0", "main"),
            ("main", "v1.0.0"),
            ("0123abcd", "v1.0.0"),
        ] {
            assert!(!is_downgrade(from, to), "{from} -> {to}");
        }
    }
}
