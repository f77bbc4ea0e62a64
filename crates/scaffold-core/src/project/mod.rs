//! A generated project: one answers file, the directory it governs, and the way back
//! to its pristine render (the base of `update`, the reference of `check --fix` and
//! `diff`): the stored baseline, or for projects written before it existed, a
//! reconstruction verified path by path against the manifest's hashes.

pub mod baseline;
pub mod journal;
pub mod provenance;
pub mod vcs;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use baseline::Origin;

use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::golden_path::render::Rendered;
use crate::golden_path::{AnswerInput, Answers, GoldenPath};
use crate::project::provenance::{ANSWERS_DIR, AnswersFile};
use crate::source::SourceRecord;
use crate::tree::{Bytes, Entry, FileMode, Tree, hash_bytes, to_fs_path};

/// How many commits of the project's history a reconstruction reads at most.
const HISTORY_LIMIT: usize = 500;

/// Where the pristine content of one path was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaseOrigin {
    /// The project's stored baseline (`.scaffold/<name>.baseline`).
    Baseline,
    /// The recorded version rendered again, its output matching the manifest's hash.
    Render,
    /// A blob in the project's own git history matching the manifest's hash.
    #[serde(rename = "git-history")]
    History,
    /// Nowhere: only the manifest's hash is known, so a path changed on both sides is
    /// merged as if both had added it.
    Missing,
}

impl BaseOrigin {
    /// The report word.
    pub fn as_str(self) -> &'static str {
        match self {
            BaseOrigin::Baseline => "baseline",
            BaseOrigin::Render => "render",
            BaseOrigin::History => "git-history",
            BaseOrigin::Missing => "missing",
        }
    }
}

/// One path of the pristine render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PristineEntry {
    /// Mode as recorded.
    pub mode: FileMode,
    /// Hash as recorded.
    pub hash: String,
    /// The content, where it could be found.
    pub content: Option<Bytes>,
    /// Where it was found.
    pub origin: BaseOrigin,
}

impl PristineEntry {
    /// Whether `e` (a working-tree or rendered entry) is this pristine state.
    pub fn same(&self, e: &Entry) -> bool {
        self.mode == e.mode
            && match &self.content {
                Some(c) => *c == e.content,
                None => self.mode == FileMode::Dir || self.hash == hash_bytes(&e.content),
            }
    }
}

/// A project's pristine render: every manifest path, with content where known.
#[derive(Debug, Clone, Default)]
pub struct Pristine {
    /// Path -> entry, for every manifest path.
    pub entries: BTreeMap<String, PristineEntry>,
    /// The skeleton file each path came from (for matching renames).
    pub origins: BTreeMap<String, Origin>,
    /// What the reconstruction could not do, in words (empty with a baseline).
    pub notes: Vec<String>,
}

impl Pristine {
    /// Paths per origin.
    pub fn counts(&self) -> BTreeMap<BaseOrigin, usize> {
        let mut out = BTreeMap::new();
        for e in self.entries.values() {
            *out.entry(e.origin).or_default() += 1;
        }
        out
    }

    /// Whether every path's content is known.
    pub fn is_exact(&self) -> bool {
        self.entries.values().all(|e| e.content.is_some())
    }

    /// The pristine content of `path`, if known.
    pub fn content(&self, path: &str) -> Option<&[u8]> {
        self.entries.get(path)?.content.as_deref()
    }

    /// Whether the render had `path`.
    pub fn has(&self, path: &str) -> bool {
        self.entries.contains_key(path)
    }

    /// The recorded mode of `path`.
    pub fn mode(&self, path: &str) -> Option<FileMode> {
        self.entries.get(path).map(|e| e.mode)
    }

    /// Whether `e` (absent: `None`) is the pristine state of `path`.
    pub fn same(&self, path: &str, e: Option<&Entry>) -> bool {
        match (self.entries.get(path), e) {
            (None, None) => true,
            (Some(b), Some(e)) => b.same(e),
            _ => false,
        }
    }

    /// The paths whose content is not known.
    fn unknown(&self) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(_, e)| e.content.is_none())
            .map(|(p, _)| p.clone())
            .collect()
    }
}

/// How [`Project::pristine`] gets the base.
#[derive(Debug, Clone, Default)]
pub struct PristineOptions {
    /// Secret answers (parameter, value) to substitute into masked baseline blobs, and
    /// to render the recorded version with.
    pub secrets: Vec<(String, String)>,
    /// Ignore the stored baseline and reconstruct the base from the template source and
    /// the project's git history (as for projects written by scaffold 0.1.0).
    pub reconstruct: bool,
}

/// A project governed by one answers file.
#[derive(Debug, Clone)]
pub struct Project {
    /// The directory holding `.scaffold/`.
    pub root: PathBuf,
    /// The answers file on disk.
    pub answers_path: PathBuf,
    /// The answers file's path relative to `root`.
    pub answers_rel: String,
    /// Its parsed content.
    pub file: AnswersFile,
    /// The stored baseline, read and decoded once, when first needed
    /// ([`Project::preload_baseline`], [`Project::pristine`]): a snapshot, as `file` is.
    baseline:
        std::sync::OnceLock<std::result::Result<baseline::Baseline, baseline::BaselineProblem>>,
}

/// A golden path loaded for a project, with resolved answers and the render.
#[derive(Debug)]
pub struct Loaded {
    /// The golden path.
    pub golden_path: GoldenPath,
    /// The answers used.
    pub answers: Answers,
    /// The render.
    pub rendered: Rendered,
}

impl Project {
    /// Open the project of one answers file (`<root>/.scaffold/<name>.yaml`).
    pub fn open(answers_path: &Path) -> Result<Project> {
        let file = AnswersFile::read(answers_path)?;
        let dir = answers_path
            .parent()
            .filter(|d| d.file_name().is_some_and(|n| n == ANSWERS_DIR))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "`{}` is not inside a {ANSWERS_DIR}/ directory",
                    answers_path.display()
                ))
            })?;
        let root = dir
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let name = answers_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Project {
            root,
            answers_path: answers_path.to_path_buf(),
            answers_rel: format!("{ANSWERS_DIR}/{name}"),
            file,
            baseline: std::sync::OnceLock::new(),
        })
    }

    /// The projects under `dir`: every answers file found (see
    /// [`AnswersFile::find_all`]), optionally only those of one golden path.
    pub fn find(dir: &Path, golden_path: Option<&str>) -> Result<Vec<Project>> {
        if !dir.is_dir() {
            return Err(Error::NotADirectory {
                path: dir.to_path_buf(),
                must_exist: false,
            });
        }
        let found = AnswersFile::find_all(dir)?;
        if found.is_empty() {
            return Err(Error::NoProject(dir.to_path_buf()));
        }
        let mut out = Vec::new();
        for p in found {
            let project = Project::open(&p)?;
            if golden_path.is_none_or(|g| g == project.file.golden_path) {
                out.push(project);
            }
        }
        if out.is_empty() {
            return Err(Error::GoldenPathNotApplied {
                dir: dir.to_path_buf(),
                golden_path: golden_path.unwrap_or_default().to_string(),
            });
        }
        Ok(out)
    }

    /// The projects a command run in `dir` acts on. With `all`, every project below
    /// `dir` (see [`Project::find`]). Without, the one golden path applied to `dir`
    /// itself (only `golden_path`'s, if given): no answers file there is
    /// [`Error::NoProjectHere`], several are [`Error::AmbiguousProject`].
    pub fn select(dir: &Path, golden_path: Option<&str>, all: bool) -> Result<Vec<Project>> {
        if all {
            return Project::find(dir, golden_path);
        }
        let answers_dir = dir.join(ANSWERS_DIR);
        let mut here: Vec<PathBuf> = match std::fs::read_dir(&answers_dir) {
            Ok(it) => it
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
                .collect(),
            Err(_) => Vec::new(),
        };
        here.sort();
        if let Some(name) = golden_path {
            here.retain(|p| p.file_stem().is_some_and(|s| s == name));
        }
        match here.as_slice() {
            [] => Err(Error::NoProjectHere {
                answers_dir,
                golden_path: golden_path.map(str::to_string),
            }),
            [one] => Ok(vec![Project::open(one)?]),
            many => Err(Error::AmbiguousProject {
                dir: dir.to_path_buf(),
                golden_paths: many
                    .iter()
                    .filter_map(|p| p.file_stem())
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect(),
            }),
        }
    }

    /// The project root that `start` is in, found as git finds its work tree: `start`
    /// itself or its nearest ancestor with an answers file (`.scaffold/*.yaml`).
    /// `start` need not exist (a deleted file still has a project); relative paths
    /// are taken from the current directory. `None` outside every project.
    pub fn enclosing_root(start: &Path) -> Option<PathBuf> {
        let start = crate::project::absolute(start);
        start
            .ancestors()
            .find(|dir| has_answers_file(dir))
            .map(Path::to_path_buf)
    }

    /// The directory a command acts on: `dir` when given; else, for every project
    /// (`all`), the current directory; else [`Project::default_dir`] of it.
    pub fn command_dir(dir: Option<&Path>, all: bool) -> PathBuf {
        match dir {
            Some(d) => d.to_path_buf(),
            None if all => PathBuf::from("."),
            None => Project::default_dir(Path::new(".")),
        }
    }

    /// The directory a command run in `cwd` without DIR acts on (`update`, `show`,
    /// `check`): the project root that `cwd` is in (see [`Project::enclosing_root`]),
    /// written relative to `cwd` (`.`, `..`, `../..`), or `.` outside every project,
    /// so that the error names the current directory.
    pub fn default_dir(cwd: &Path) -> PathBuf {
        let cwd = crate::project::absolute(cwd);
        let Some(root) = Project::enclosing_root(&cwd) else {
            return PathBuf::from(".");
        };
        let up = cwd
            .strip_prefix(&root)
            .map_or(0, |rest| rest.components().count());
        if up == 0 {
            PathBuf::from(".")
        } else {
            (0..up).map(|_| "..").collect()
        }
    }

    /// The golden path this project records, at its recorded version (what
    /// `scaffold show` run inside the project shows).
    pub fn recorded_golden_path(&self, engine: &Engine) -> Result<GoldenPath> {
        let located = engine.locate_recorded(
            &self.file.source,
            &self.file.golden_path,
            &self.file.recorded_target(),
        )?;
        GoldenPath::load(&located)
    }

    /// The golden path a command given no NAME acts on in `cwd` (`scaffold show`):
    /// the one the enclosing project records ([`Project::default_dir`],
    /// [`Project::select`]: one golden path applied, else the error says to choose),
    /// at its recorded version.
    pub fn golden_path_here(engine: &Engine, cwd: &Path) -> Result<GoldenPath> {
        let dir = Project::default_dir(cwd);
        let dir = if cwd == Path::new(".") {
            dir
        } else {
            cwd.join(dir)
        };
        let project = Project::select(&dir, None, false)?;
        project[0].recorded_golden_path(engine)
    }

    /// The baseline file's path on disk.
    pub fn baseline_path(&self) -> PathBuf {
        self.answers_path
            .with_file_name(AnswersFile::baseline_file_name(&self.file.golden_path))
    }

    /// The baseline file's path relative to the root.
    pub fn baseline_rel(&self) -> String {
        format!(
            "{ANSWERS_DIR}/{}",
            AnswersFile::baseline_file_name(&self.file.golden_path)
        )
    }

    /// Read and decode the stored baseline now, once, so that [`Project::pristine`]
    /// finds it done: for callers with other work to do meanwhile (`update` locates and
    /// loads the target version beside it). Errors are kept for `pristine` to report.
    pub fn preload_baseline(&self) {
        if self.file.format >= 2 {
            self.stored_baseline();
        }
    }

    fn stored_baseline(
        &self,
    ) -> &std::result::Result<baseline::Baseline, baseline::BaselineProblem> {
        self.baseline
            .get_or_init(|| baseline::read(&self.baseline_path()))
    }

    /// The pristine render of the recorded version: from the stored baseline; for a
    /// project without one (answers-file format 1, written by scaffold 0.1.0) or with
    /// `options.reconstruct`, reconstructed path by path from the recorded version
    /// rendered again, then from the project's git history, each content verified
    /// against the manifest's hash. A format-2 project whose baseline is missing,
    /// corrupt or does not match the manifest is an error
    /// ([`Error::BaselineUnavailable`]) unless `options.reconstruct` is set.
    pub fn pristine(&self, engine: &Engine, options: &PristineOptions) -> Result<Pristine> {
        let mut pristine = Pristine {
            entries: self
                .file
                .manifest
                .iter()
                .map(|(p, m)| {
                    let content = (m.mode == FileMode::Dir).then(Bytes::new);
                    (
                        p.clone(),
                        PristineEntry {
                            mode: m.mode,
                            hash: m.hash.clone(),
                            content,
                            origin: BaseOrigin::Missing,
                        },
                    )
                })
                .collect(),
            ..Pristine::default()
        };
        if self.file.format >= 2 && !options.reconstruct {
            let stored = self
                .stored_baseline()
                .as_ref()
                .map_err(|p| baseline::unusable(&self.baseline_rel(), p.clone()))?;
            let missing = stored.missing(
                self.file
                    .manifest
                    .iter()
                    .filter(|(_, m)| m.mode != FileMode::Dir)
                    .map(|(p, m)| (p, m.hash.as_str())),
            );
            if !missing.is_empty() {
                return Err(baseline::unusable(
                    &self.baseline_rel(),
                    baseline::BaselineProblem::Mismatch(missing),
                ));
            }
            for e in pristine.entries.values_mut() {
                if e.content.is_none() {
                    e.content = stored.content(&e.hash, &options.secrets);
                }
                e.origin = BaseOrigin::Baseline;
            }
            pristine.origins = stored.origins().clone();
            return Ok(pristine);
        }
        self.reconstruct_from_render(engine, options, &mut pristine);
        if !pristine.unknown().is_empty() {
            self.reconstruct_from_history(&mut pristine);
        }
        for e in pristine.entries.values_mut() {
            if e.origin == BaseOrigin::Missing && e.mode == FileMode::Dir {
                e.origin = BaseOrigin::Render;
            }
        }
        Ok(pristine)
    }

    /// Fill unknown paths from the recorded version rendered again, where its output
    /// matches the manifest.
    fn reconstruct_from_render(
        &self,
        engine: &Engine,
        options: &PristineOptions,
        pristine: &mut Pristine,
    ) {
        let sets: Vec<String> = options
            .secrets
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        match self.base(engine, &sets) {
            Ok(loaded) => {
                let mut differ = 0;
                for (path, e) in pristine.entries.iter_mut() {
                    let Some(f) = loaded.rendered.files.get(path) else {
                        continue;
                    };
                    pristine.origins.insert(
                        path.clone(),
                        Origin {
                            layer: f.layer.clone(),
                            source: f.source.clone(),
                        },
                    );
                    if e.content.is_some() {
                        continue;
                    }
                    if f.mode == e.mode && f.hash == e.hash {
                        e.content = Some(f.content.clone());
                        e.origin = BaseOrigin::Render;
                    } else {
                        differ += 1;
                    }
                }
                if differ > 0 {
                    pristine.notes.push(format!(
                        "{} {} rendered again differs from the recorded render in {differ} path(s)",
                        self.file.golden_path, self.file.version
                    ));
                }
            }
            Err(e) => pristine.notes.push(format!(
                "{} {} could not be rendered again: {}",
                self.file.golden_path,
                self.file.version,
                crate::error::chain(&e)
            )),
        }
    }

    /// Fill unknown paths from blobs of the project's git history whose BLAKE3 hash is
    /// the manifest's (newest commits first, at most [`HISTORY_LIMIT`] commits).
    fn reconstruct_from_history(&self, pristine: &mut Pristine) {
        let mut wanted: BTreeMap<String, String> = pristine
            .unknown()
            .into_iter()
            .map(|p| {
                let h = pristine.entries[&p].hash.clone();
                (p, h)
            })
            .collect();
        match crate::project::vcs::find_blobs(&self.root, &mut wanted, HISTORY_LIMIT) {
            Ok(found) => {
                for (path, content) in found {
                    if let Some(e) = pristine.entries.get_mut(&path) {
                        e.content = Some(content.into());
                        e.origin = BaseOrigin::History;
                    }
                }
                if !wanted.is_empty() {
                    pristine.notes.push(format!(
                        "{} path(s) were not found in the project's git history either",
                        wanted.len()
                    ));
                }
            }
            Err(e) => pristine.notes.push(format!(
                "the project's git history could not be read: {}",
                crate::error::chain(&e)
            )),
        }
    }

    /// Render the recorded version with the recorded answers (plus `sets`, for secrets
    /// that were never written down). For git sources this is the recorded commit;
    /// built-in and local sources have only their current version, so a version
    /// mismatch is reported as [`Error::VersionNotFound`].
    pub fn base(&self, engine: &Engine, sets: &[String]) -> Result<Loaded> {
        let target = self.file.recorded_target();
        let located = engine.locate_recorded(&self.file.source, &self.file.golden_path, &target)?;
        let mut gp = GoldenPath::load(&located)?;
        // Templates may print `scaffold.engine_version`: reproduce the recorded render
        // with the engine that made it.
        gp.set_engine_version(&self.file.engine_version);
        if gp.version != self.file.version && !matches!(self.file.source, SourceRecord::Git { .. })
        {
            // A local definition has one version only: the recorded one is gone.
            return Err(Error::VersionNotFound {
                golden_path: self.file.golden_path.clone(),
                version: self.file.version.clone(),
                available: vec![gp.version.clone()],
            });
        }
        // Only answers that were never recorded (secrets) may be supplied for the base,
        // and only for parameters the recorded version has.
        let props = gp
            .parameters()
            .schema()
            .get("properties")
            .cloned()
            .unwrap_or_default();
        let sets: Vec<String> = sets
            .iter()
            .filter(|s| {
                s.split_once('=').is_some_and(|(k, _)| {
                    let k = k.trim();
                    !self.file.answers.contains_key(k) && props.get(k).is_some()
                })
            })
            .cloned()
            .collect();
        self.render_with(gp, &self.file.answers, &sets)
    }

    /// Render `gp` with `values` (validated, defaults filled) and `sets`.
    pub fn render_with(
        &self,
        gp: GoldenPath,
        values: &Map<String, Value>,
        sets: &[String],
    ) -> Result<Loaded> {
        let known: Map<String, Value> = values
            .iter()
            .filter(|(k, _)| {
                gp.parameters()
                    .schema()
                    .get("properties")
                    .and_then(|p| p.get(k.as_str()))
                    .is_some()
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let answers = gp.resolve_answers(&AnswerInput {
            values: known,
            sets: sets.to_vec(),
        })?;
        let rendered = gp.render(&answers)?;
        Ok(Loaded {
            golden_path: gp,
            answers,
            rendered,
        })
    }

    /// Read the working-tree state of `paths` (relative to the root): `None` where a
    /// path is absent. Symbolic links are read as links, never followed.
    pub fn read_paths<'a>(&self, paths: impl IntoIterator<Item = &'a String>) -> Result<Tree> {
        let paths: Vec<&String> = paths.into_iter().collect();
        // Never read through a symbolic link standing for a directory on the way: it
        // could lead outside the project.
        let links = crate::tree::LinksOnTheWay::find(&self.root, paths.iter().map(|p| p.as_str()));
        let mut out = Tree::new();
        for p in paths {
            if let Some(dir) = links.first(p) {
                return Err(Error::LinkOnTheWay {
                    path: p.clone(),
                    link: to_fs_path(&self.root, dir),
                    writing: false,
                });
            }
            if let Some(e) = read_entry(&to_fs_path(&self.root, p))? {
                out.insert(p.clone(), e);
            }
        }
        Ok(out)
    }
}

/// Read one path as an entry without following links; `None` if absent.
pub fn read_entry(path: &Path) -> Result<Option<Entry>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        // A path under something that is now a file does not exist either.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(Error::io("cannot read", path, e)),
    };
    if meta.file_type().is_symlink() {
        let t = std::fs::read_link(path).map_err(|e| Error::io("cannot read link", path, e))?;
        return Ok(Some(Entry {
            mode: FileMode::Symlink,
            content: t.to_string_lossy().into_owned().into_bytes().into(),
        }));
    }
    if meta.is_dir() {
        // A directory the template created empty may fill up: that is not drift.
        return Ok(Some(Entry {
            mode: FileMode::Dir,
            content: Bytes::new(),
        }));
    }
    let content = std::fs::read(path).map_err(|e| Error::io("cannot read", path, e))?;
    Ok(Some(Entry {
        mode: FileMode::of(&meta),
        content: content.into(),
    }))
}

/// Whether `dir/.scaffold/` holds an answers file.
fn has_answers_file(dir: &Path) -> bool {
    std::fs::read_dir(dir.join(ANSWERS_DIR)).is_ok_and(|it| {
        it.filter_map(|e| e.ok())
            .any(|e| e.path().extension().is_some_and(|x| x == "yaml") && e.path().is_file())
    })
}

/// `path` made absolute against the current directory and cleaned lexically (`.` and
/// `..` removed, links not followed, nothing needs to exist).
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}
