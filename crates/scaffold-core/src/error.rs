//! The one error type of the library.
//!
//! Every kind names the thing that went wrong, where (a file with line and column, a
//! JSON pointer into the answers, a path in the project) and, where there is one, what
//! to do next. Causes are kept as `source()` so a caller can print the whole chain.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A place in a text file: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file, as the user knows it (a path on disk or inside a template source).
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file),
            (l, 0) => write!(f, "{}:{l}", self.file),
            (l, c) => write!(f, "{}:{l}:{c}", self.file),
        }
    }
}

/// A template that failed to parse or render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateError {
    /// Where: the skeleton file (or the definition field) and the position in it.
    pub location: Location,
    /// What Tera said, e.g. "Variable `nmae` is not defined."
    pub message: String,
    /// The offending source line with a caret under the fault, ready to print.
    pub snippet: String,
    /// The undefined variable, when that is the fault.
    pub variable: Option<String>,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if !self.snippet.is_empty() {
            write!(f, "\n{}", self.snippet)?;
        }
        Ok(())
    }
}

/// One problem with the answers, at a JSON pointer such as `/port`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerProblem {
    /// JSON pointer into the answers object (`""` for the whole object).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// The parameter's description from the schema, to remind the user what it is.
    pub description: Option<String>,
    /// A concrete fix, in the library's words (e.g. give `/port` a valid value); a
    /// command line words it with its own flag.
    pub hint: Option<String>,
    /// Where the answer was written, when it came from a `--values` file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl fmt::Display for AnswerProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        if let Some(l) = &self.location {
            write!(f, "{l}: ")?;
        }
        write!(f, "{pointer}: {}", self.message)?;
        if let Some(d) = &self.description {
            write!(f, " ({d})")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "; {h}")?;
        }
        Ok(())
    }
}

/// One problem in a golden-path definition or skeleton.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefinitionProblem {
    /// Where, as precisely as known.
    pub location: Location,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for DefinitionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

fn join_lines<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(|i| format!("\n  - {i}")).collect()
}

/// ` (did you mean `a` or `b`?)`, or nothing without names.
fn suggest(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!(
            " (did you mean {}?)",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    }
}

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No golden path of that name in any library.
    #[error("unknown golden path `{name}`{}; run `scaffold list` to see them all", suggest(.suggestions))]
    UnknownGoldenPath {
        /// The name asked for.
        name: String,
        /// The closest known names.
        suggestions: Vec<String>,
    },
    /// The definition file is not valid YAML or does not have the expected shape.
    #[error("{location}: invalid golden-path definition: {message}")]
    DefinitionSyntax {
        /// Where in the definition.
        location: Location,
        /// What the parser said.
        message: String,
    },
    /// The definition parsed but breaks rules (names, versions, schema, skeleton paths).
    #[error("invalid golden path `{file}`:{}", join_lines(.problems))]
    DefinitionInvalid {
        /// The definition file.
        file: String,
        /// Every problem found.
        problems: Vec<DefinitionProblem>,
    },
    /// A skeleton file failed to parse or render.
    #[error("template error at {0}")]
    Template(Box<TemplateError>),
    /// Answers do not validate against the parameters schema.
    #[error("invalid answers:{}", join_lines(.problems))]
    InvalidAnswers {
        /// Every problem, each at its JSON pointer.
        problems: Vec<AnswerProblem>,
    },
    /// `--set` or a values file names a parameter the golden path does not have.
    #[error("unknown parameter `{name}`{}; `scaffold show {golden_path}` lists the parameters", suggest(.suggestions))]
    UnknownParameter {
        /// The parameter given.
        name: String,
        /// The golden path.
        golden_path: String,
        /// The closest parameter names.
        suggestions: Vec<String>,
    },
    /// A `key=value` answer (`AnswerInput::sets`, the CLI's `--set`) that is not
    /// `key=value`, or a value that does not parse as its type.
    #[error("invalid key=value answer `{input}`: {reason}")]
    InvalidSet {
        /// What was given.
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// A values file could not be read or parsed.
    #[error("cannot read answers from `{path}`: {reason}")]
    ValuesFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A rendered path would leave the destination.
    #[error("rendered path `{path}` (from `{source_path}`) would leave the destination{}; answers used in file names must not contain `..` or start with `/`", .parameters.iter().map(|p| format!("; check parameter `/{p}`")).collect::<String>())]
    UnsafePath {
        /// The offending rendered path.
        path: String,
        /// The skeleton file it came from.
        source_path: String,
        /// Parameters whose answers appear in it.
        parameters: Vec<String>,
    },
    /// A rendered, planned or recorded path lies in a git directory or file (`.git` in
    /// any case, at any depth) or in scaffold's own `.scaffold/` state.
    #[error("path `{path}` (from {source_path}) is inside `{component}`, which scaffold never writes: a template may not write into a git directory (its config and hooks run commands) nor into scaffold's own `.scaffold/` state{}; rename the skeleton file, or change the answer", .parameters.iter().map(|p| format!("; check parameter `/{p}`")).collect::<String>())]
    ReservedPath {
        /// The offending path.
        path: String,
        /// The reserved component in it, as written.
        component: String,
        /// Where the path came from (a skeleton file, the plan, the manifest).
        source_path: String,
        /// Parameters whose answers put the component there.
        parameters: Vec<String>,
    },
    /// A symbolic link in a skeleton points outside the skeleton.
    #[error(
        "symbolic link `{path}` points to `{target}`, outside its skeleton; only links that stay inside the skeleton are allowed (replace it with a copy of the file)"
    )]
    SymlinkEscapes {
        /// The link.
        path: String,
        /// Its target.
        target: String,
    },
    /// Two rendered entries collide (a file where another needs a directory).
    #[error(
        "rendered paths collide: `{first}` and `{second}` (one is a file, the other needs it to be a directory)"
    )]
    PathCollision {
        /// One path.
        first: String,
        /// The other.
        second: String,
    },
    /// The destination has files and `force` was not given.
    #[error("destination `{}` is not empty ({} entries, e.g. {}); choose an empty directory, or allow overwriting the files the golden path generates", .path.display(), .entries.len(), .entries.iter().take(3).map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", "))]
    DestinationNotEmpty {
        /// The destination.
        path: PathBuf,
        /// Some of what is there.
        entries: Vec<String>,
    },
    /// Files exist in the project that differ from what would be written (`--into`).
    #[error("{} existing file(s) in `{}` differ from what the golden path generates:{}", .paths.len(), .root.display(), join_lines(.paths))]
    WouldOverwrite {
        /// The project.
        root: PathBuf,
        /// The differing files.
        paths: Vec<String>,
    },
    /// A filesystem operation failed.
    #[error("{action} `{}`", .path.display())]
    Io {
        /// What was being done, e.g. "cannot write".
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The answers file of a project is missing, unreadable or corrupt.
    #[error("{location}: invalid answers file: {message}")]
    AnswersFile {
        /// Where.
        location: Location,
        /// What is wrong and what to do.
        message: String,
    },
    /// The user configuration file does not parse, or one of its values is refused.
    #[error("{location}: invalid configuration: {message}")]
    Config {
        /// Where.
        location: Location,
        /// What is wrong and what to do.
        message: String,
    },
    /// No answers file where one was expected.
    #[error("no scaffold answers file found under `{}`; run `scaffold new` first, or point at the project directory", .0.display())]
    NoProject(PathBuf),
    /// A git source failed.
    #[error(transparent)]
    Git(#[from] crate::source::git::GitError),
    /// A git operation on the project (init, status) failed.
    #[error("git: {message} in `{}`", .path.display())]
    ProjectGit {
        /// What was being done.
        message: String,
        /// The repository.
        path: PathBuf,
        /// The cause.
        #[source]
        source: git2::Error,
    },
    /// The project has uncommitted changes in paths the operation would touch.
    #[error("uncommitted changes in {} path(s) that update would touch:{}\ncommit or stash them first", .paths.len(), join_lines(.paths))]
    DirtyWorkTree {
        /// The dirty paths.
        paths: Vec<String>,
    },
    /// A path that must be an existing directory is not one.
    #[error("`{}` is not {}directory", .path.display(), if *.must_exist { "an existing " } else { "a " })]
    NotADirectory {
        /// The path.
        path: PathBuf,
        /// Whether the directory had to exist already (`new` into a project).
        must_exist: bool,
    },
    /// `new` was given no destination and none follows from the answers.
    #[error("{}", match .name {
        Some(n) => format!("the `/name` answer `{n}` cannot be used as the destination directory; give the destination explicitly"),
        None => "no destination: give one, or answer a `name` parameter to default to ./<name>".to_string(),
    })]
    NoDestination {
        /// The `name` answer that cannot serve as a directory name, if there is one.
        name: Option<String>,
    },
    /// The golden path is already applied to the project `new` would write into.
    #[error("`{}` already has golden path `{golden_path}` applied ({answers_file}); use `scaffold update` to change it, or apply it again over it", .root.display())]
    AlreadyApplied {
        /// The project.
        root: PathBuf,
        /// The golden path.
        golden_path: String,
        /// Its answers file, relative to the root.
        answers_file: String,
    },
    /// An add-on was applied to a directory that is not a project of one of the golden
    /// paths it supports (`spec.appliesTo`). Nothing was written.
    #[error("add-on `{add_on}` cannot be applied to `{}`: {}; it applies to projects of {}", .root.display(), match .found.as_slice() {
        [] => "it is not a scaffold project (no answers file in its .scaffold/ directory)".to_string(),
        [one] => format!("it is a `{one}` project"),
        many => format!("its golden paths are {}", many.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", ")),
    }, .applies_to.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", "))]
    NotApplicable {
        /// The directory the add-on was to be applied to.
        root: PathBuf,
        /// The add-on.
        add_on: String,
        /// The golden paths applied to `root` (empty: not a scaffold project).
        found: Vec<String>,
        /// The golden paths the add-on applies to.
        applies_to: Vec<String>,
    },
    /// An add-on was to be applied with no project to apply it to.
    #[error("`{add_on}` is an add-on: apply it to an existing project of {}", .applies_to.join(", "))]
    AddOnNeedsProject {
        /// The add-on.
        add_on: String,
        /// The golden paths it applies to.
        applies_to: Vec<String>,
    },
    /// The add-on is already applied to the project. Nothing was written.
    #[error("add-on `{add_on}` is already applied to `{}` ({answers_file}); to change its answers or take a newer version, run `scaffold update` for it in the project", .root.display())]
    AddOnApplied {
        /// The project.
        root: PathBuf,
        /// The add-on.
        add_on: String,
        /// Its answers file, relative to the root.
        answers_file: String,
    },
    /// An add-on's version of a host file the host golden path enforces differs from the
    /// host's: the host's next update would overwrite it. Nothing was written.
    #[error("add-on `{add_on}` changes {}, which golden path `{host}` enforces (its `scaffold update` always takes the host's version); the add-on must leave enforced files alone, or the host must stop enforcing them", .paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "))]
    AddOnChangesEnforced {
        /// The add-on.
        add_on: String,
        /// The host golden path.
        host: String,
        /// The enforced paths.
        paths: Vec<String>,
    },
    /// No answers file in the directory a single-project command was run in.
    #[error("no answers file in `{}`{}; run it in the project's root", .answers_dir.display(), .golden_path.as_ref().map(|g| format!(" for golden path `{g}`")).unwrap_or_default())]
    NoProjectHere {
        /// The `.scaffold/` directory looked in.
        answers_dir: PathBuf,
        /// The golden path asked for, if any.
        golden_path: Option<String>,
    },
    /// Several golden paths are applied to the directory and none was chosen.
    #[error("`{}` has several golden paths applied ({}); choose one", .dir.display(), .golden_paths.join(", "))]
    AmbiguousProject {
        /// The project directory.
        dir: PathBuf,
        /// The golden paths applied, sorted.
        golden_paths: Vec<String>,
    },
    /// Path filters (of `diff`) that name no generated path.
    #[error("{} {} not generated by any golden path under `{}`; give paths relative to the project root (a verbose check lists the generated paths)", .paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "), if .paths.len() == 1 { "is" } else { "are" }, .dir.display())]
    UnmatchedPaths {
        /// The directory searched.
        dir: PathBuf,
        /// The filters that matched nothing.
        paths: Vec<String>,
    },
    /// The project's stored baseline (its pristine render) cannot be used: missing,
    /// corrupt, or not matching the manifest.
    #[error(
        "{file}: {problem}; restore it from version control (git checkout -- {file}), or reconstruct the base from the template source or the project's git history"
    )]
    BaselineUnavailable {
        /// The baseline file, relative to the project root.
        file: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A symbolic link stands for a directory on the way to a project path: nothing
    /// is read or written through it, since it could lead outside the project.
    #[error("{}", if *.writing {
        format!("refusing to write `{path}`: `{}` is a symbolic link, and writing through it could leave the destination", .link.display())
    } else {
        format!("`{}` is a symbolic link, so `{path}` may lie outside the project; replace the link with a directory", .link.display())
    })]
    LinkOnTheWay {
        /// The project path (relative to the root).
        path: String,
        /// The link, on disk.
        link: PathBuf,
        /// Whether it was met writing (else reading).
        writing: bool,
    },
    /// A golden path has no released version of that number.
    #[error("golden path `{golden_path}` has no version {version}; available: {}", if .available.is_empty() { "none".to_string() } else { .available.join(", ") })]
    VersionNotFound {
        /// The golden path.
        golden_path: String,
        /// The version asked for.
        version: String,
        /// The versions that exist, newest first.
        available: Vec<String>,
    },
    /// A version string (after `NAME@`, or given as the target of an update) that is not
    /// a semantic version.
    #[error(
        "`{version}` is not a version of golden path `{golden_path}`: {reason}; give a semantic version such as 1.0.0, or `latest`"
    )]
    InvalidVersion {
        /// The golden path.
        golden_path: String,
        /// What was given.
        version: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The source a project records (a local definition, a git repository) is gone or
    /// cannot be reached, so the project's golden path cannot be loaded from it.
    #[error(
        "{reason}; the source of golden path `{golden_path}` recorded in the project ({source_text}) is gone: restore it, or point the project at the golden path's new location"
    )]
    SourceGone {
        /// The golden path.
        golden_path: String,
        /// The recorded source, as displayed.
        source_text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A project is pointed at a new source that defines another golden path.
    #[error(
        "{source_text} defines golden path `{found}`, not `{expected}`; a project's source can only move to a source of the same golden path"
    )]
    SourceMismatch {
        /// The new source, as displayed.
        source_text: String,
        /// The project's golden path.
        expected: String,
        /// The golden path the new source defines.
        found: String,
    },
    /// An earlier update left conflicts that are not resolved yet.
    #[error("{} unresolved conflict(s) from an earlier update:{}\nresolve them (edit the markers out, keep one version of a binary and delete its .theirs file) and commit, then update again", .conflicts.len(), join_lines(.conflicts))]
    UnresolvedConflicts {
        /// Each conflict, as `path:line: what`.
        conflicts: Vec<String>,
    },
    /// The version a project records is gone from its git source (a deleted tag, a
    /// rewritten history), so its pristine render cannot be reproduced from there.
    #[error("{0}")]
    RecordedVersionGone(Box<GoneVersion>),
    /// A git source holds no golden-path definition where the source string points.
    #[error("{reason}")]
    NoDefinition {
        /// The source, as given.
        source_text: String,
        /// What was looked for and what to do.
        reason: String,
    },
    /// An earlier run was interrupted and left a journal; it must be rolled back (or
    /// could not be) before anything else is written.
    #[error("{reason}")]
    Interrupted {
        /// The journal directory.
        journal: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The destination of `new` is a file, or lies inside one.
    #[error("{}", if .file == .dest {
        format!("destination `{}` is a file, not a directory", .dest.display())
    } else {
        format!("`{}` is a file, so destination `{}` cannot be created inside it", .file.display(), .dest.display())
    })]
    DestinationIsFile {
        /// The destination.
        dest: PathBuf,
        /// The file that is in the way: `dest` itself or one of its parents.
        file: PathBuf,
    },
    /// A directory given to act on (e.g. to check) does not exist or is not a directory.
    #[error("`{}` is not a directory; give the project directories to check", .0.display())]
    NotAProjectDirectory(PathBuf),
    /// A path given to filter by lies outside the project (absolute, or a step up).
    #[error("`{0}` is not a path inside the project; give paths relative to the project directory")]
    PathOutsideProject(String),
    /// A path given to act on is in no project: no answers file in it or above it.
    #[error(
        "`{0}` is not inside a project (no .scaffold/ answers file in it or above it); run `scaffold diff` inside a project, or give DIR first"
    )]
    NotInProject(String),
    /// No project of that golden path below a directory.
    #[error("no answers file for golden path `{golden_path}` under `{}`", .dir.display())]
    GoldenPathNotApplied {
        /// The directory searched.
        dir: PathBuf,
        /// The golden path asked for.
        golden_path: String,
    },
    /// A version was asked of a local definition, which has one version only.
    #[error("{}", match .project {
        Some(root) => format!("cannot update {} to `{version}`: it comes from the local definition {source_text}, which has one version only (edit it, then update without a target)", root.display()),
        None => format!("cannot take version `{version}` from {source_text}: a local definition has one version only"),
    })]
    SingleVersion {
        /// The project being updated, when the version was asked for it.
        project: Option<PathBuf>,
        /// The version asked for.
        version: String,
        /// The local definition, as displayed.
        source_text: String,
    },
    /// An update's target version is older than the project's recorded one
    /// ([`crate::update::UpdateOptions::allow_downgrade`] takes it anyway).
    #[error("cannot update {} ({golden_path}) from {from} to the older version {to}: a downgrade takes back the template's changes between the two versions; choose {from} or a newer version", .project.display())]
    Downgrade {
        /// The project being updated.
        project: PathBuf,
        /// Its golden path.
        golden_path: String,
        /// The recorded version.
        from: String,
        /// The older target version.
        to: String,
    },
    /// Anything else the caller did wrong, with what to do.
    #[error("{0}")]
    Usage(String),
    /// `scaffold init` was pointed at a directory that already holds files.
    #[error("`{}` is not empty ({}); `scaffold init` writes a new golden path into a new or empty directory: give another DIR, e.g. `scaffold init golden-paths/my-service`", .path.display(), .entries.iter().take(3).map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", "))]
    InitNotEmpty {
        /// The directory.
        path: PathBuf,
        /// Some of what is there.
        entries: Vec<String>,
    },
    /// A golden-path name that breaks the naming rule.
    #[error(
        "`{name}` is not a golden-path name: use lowercase letters, digits and hyphens, starting with a letter (e.g. `go-microservice`){hint}"
    )]
    InvalidName {
        /// The name.
        name: String,
        /// Where it came from and how to give another, e.g. "; it is the directory's
        /// name: give the golden path's name explicitly".
        hint: String,
    },
    /// A step of a Backstage Template cannot run as written (a missing skeleton, a
    /// missing input, an invalid catalog entity); nothing is written.
    #[error("{location}: step `{step}`: {message}")]
    BackstageStep {
        /// The step's place in the template file.
        location: Location,
        /// The step id.
        step: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// An export would replace files that exist with other content (`export --force`
    /// replaces them).
    #[error("{} file(s) in `{}` exist with other content and would be replaced:{}\nexport into another directory, or allow replacing them", .paths.len(), .dir.display(), join_lines(.paths))]
    ExportExists {
        /// The export directory.
        dir: PathBuf,
        /// The files that exist.
        paths: Vec<String>,
    },
    /// A golden path that cannot be exported to the format asked for, and why.
    #[error("cannot export `{golden_path}` as a {format}: {reason}")]
    ExportUnsupported {
        /// The golden path.
        golden_path: String,
        /// The format, e.g. `Backstage Software Template`.
        format: String,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A fleet input that does not read: a line of a repositories list, a catalog
    /// entity, a shard selector.
    #[error("{location}: {message}")]
    FleetInput {
        /// Where (a file and line; line 0 for a whole value such as a shard).
        location: Location,
        /// What is wrong and what is expected.
        message: String,
    },
    /// Fleet reports that cannot be merged (another schema version, overlapping
    /// shards, not a fleet report).
    #[error("cannot merge fleet report {}: {message}", .file.display())]
    FleetMerge {
        /// The report at fault.
        file: PathBuf,
        /// Why, and what to do.
        message: String,
    },
}

/// The details of [`Error::RecordedVersionGone`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}: the recorded version {version} (commit {commit}{}) no longer exists in {url}: no tag or branch contains it (a deleted ref or rewritten history), so its pristine render cannot be reproduced; restore the ref in the template repository, or regenerate the project from an existing version",
    .answers_file.display(),
    .reference.as_deref().map(|r| format!(", ref `{r}`")).unwrap_or_default()
)]
pub struct GoneVersion {
    /// The project's answers file.
    pub answers_file: PathBuf,
    /// The recorded version.
    pub version: String,
    /// The recorded commit (abbreviated).
    pub commit: String,
    /// The recorded ref, when it differs from the commit.
    pub reference: Option<String>,
    /// The source repository.
    pub url: String,
}

/// What kind of error an [`Error`] is, to branch on without matching its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::UnknownGoldenPath`], [`Error::NoDefinition`] (also a path that holds no
    /// definition).
    UnknownGoldenPath,
    /// [`Error::DefinitionSyntax`] or [`Error::DefinitionInvalid`].
    InvalidDefinition,
    /// [`Error::Template`].
    Template,
    /// [`Error::InvalidAnswers`], [`Error::UnknownParameter`], [`Error::InvalidSet`].
    InvalidAnswers,
    /// [`Error::ValuesFile`].
    ValuesFile,
    /// [`Error::Config`].
    Config,
    /// [`Error::UnsafePath`], [`Error::SymlinkEscapes`], [`Error::PathCollision`].
    UnsafeTemplate,
    /// [`Error::DestinationNotEmpty`], [`Error::InitNotEmpty`], [`Error::WouldOverwrite`], [`Error::AlreadyApplied`]:
    /// allowing overwrites would proceed.
    WouldOverwrite,
    /// [`Error::DirtyWorkTree`]: committing, or allowing a dirty tree, would proceed.
    DirtyWorkTree,
    /// [`Error::NotApplicable`], [`Error::AddOnChangesEnforced`],
    /// [`Error::AddOnNeedsProject`]: the add-on does not apply to this project (or to
    /// none given).
    NotApplicable,
    /// [`Error::AddOnApplied`]: the add-on is there already; update it instead.
    AlreadyApplied,
    /// [`Error::Io`].
    Io,
    /// [`Error::AnswersFile`].
    AnswersFile,
    /// [`Error::NoProject`], [`Error::NoProjectHere`], [`Error::NotInProject`],
    /// [`Error::GoldenPathNotApplied`].
    NoProject,
    /// [`Error::AmbiguousProject`]: choose a golden path, or all of them.
    AmbiguousProject,
    /// [`Error::Git`], [`Error::ProjectGit`].
    Git,
    /// [`Error::NotADirectory`], [`Error::NoDestination`], [`Error::UnmatchedPaths`],
    /// [`Error::DestinationIsFile`], [`Error::NotAProjectDirectory`],
    /// [`Error::PathOutsideProject`].
    BadPath,
    /// [`Error::SourceGone`], [`Error::BaselineUnavailable`]: the pristine base (or the
    /// source it is rendered from) is not available.
    BaseUnavailable,
    /// [`Error::VersionNotFound`]: no released version of that number;
    /// [`Error::SingleVersion`]: a local definition has one version only.
    VersionNotFound,
    /// [`Error::InvalidVersion`]: not a semantic version.
    InvalidVersion,
    /// [`Error::Downgrade`]: the target version is older than the recorded one;
    /// allowing downgrades would proceed.
    Downgrade,
    /// [`Error::LinkOnTheWay`]: a symbolic link stands where a project directory goes.
    LinkOnTheWay,
    /// [`Error::RecordedVersionGone`]: the project's recorded version no longer exists
    /// in its source.
    VersionGone,
    /// [`Error::Interrupted`]: an interrupted run's journal is in the way.
    Interrupted,
    /// [`Error::BackstageStep`]: a Backstage Template's step cannot run as written.
    BackstageStep,
    /// [`Error::FleetInput`], [`Error::FleetMerge`].
    FleetInput,
    /// [`Error::Usage`] and anything without a kind of its own.
    Other,
}

impl Error {
    /// The kind, to branch on.
    pub fn kind(&self) -> ErrorKind {
        #[allow(unreachable_patterns)] // variants added later may not have a kind yet
        match self {
            Error::UnknownGoldenPath { .. } => ErrorKind::UnknownGoldenPath,
            Error::DefinitionSyntax { .. } | Error::DefinitionInvalid { .. } => {
                ErrorKind::InvalidDefinition
            }
            Error::Template(_) => ErrorKind::Template,
            Error::InvalidAnswers { .. }
            | Error::UnknownParameter { .. }
            | Error::InvalidSet { .. } => ErrorKind::InvalidAnswers,
            Error::ValuesFile { .. } => ErrorKind::ValuesFile,
            Error::UnsafePath { .. }
            | Error::SymlinkEscapes { .. }
            | Error::PathCollision { .. } => ErrorKind::UnsafeTemplate,
            Error::DestinationNotEmpty { .. }
            | Error::InitNotEmpty { .. }
            | Error::WouldOverwrite { .. }
            | Error::AlreadyApplied { .. } => ErrorKind::WouldOverwrite,
            Error::DirtyWorkTree { .. } => ErrorKind::DirtyWorkTree,
            Error::NotApplicable { .. }
            | Error::AddOnChangesEnforced { .. }
            | Error::AddOnNeedsProject { .. } => ErrorKind::NotApplicable,
            Error::AddOnApplied { .. } => ErrorKind::AlreadyApplied,
            Error::Io { .. } => ErrorKind::Io,
            Error::AnswersFile { .. } => ErrorKind::AnswersFile,
            Error::Config { .. } => ErrorKind::Config,
            Error::NoProject(_)
            | Error::NoProjectHere { .. }
            | Error::NotInProject(_)
            | Error::GoldenPathNotApplied { .. } => ErrorKind::NoProject,
            Error::AmbiguousProject { .. } => ErrorKind::AmbiguousProject,
            Error::Git(_) | Error::ProjectGit { .. } => ErrorKind::Git,
            Error::NotADirectory { .. }
            | Error::NoDestination { .. }
            | Error::UnmatchedPaths { .. }
            | Error::DestinationIsFile { .. }
            | Error::NotAProjectDirectory(_)
            | Error::PathOutsideProject(_) => ErrorKind::BadPath,
            Error::SourceGone { .. } | Error::BaselineUnavailable { .. } => {
                ErrorKind::BaseUnavailable
            }
            Error::VersionNotFound { .. } | Error::SingleVersion { .. } => {
                ErrorKind::VersionNotFound
            }
            Error::InvalidVersion { .. } => ErrorKind::InvalidVersion,
            Error::Downgrade { .. } => ErrorKind::Downgrade,
            Error::RecordedVersionGone(_) => ErrorKind::VersionGone,
            Error::Interrupted { .. } => ErrorKind::Interrupted,
            Error::NoDefinition { .. } => ErrorKind::UnknownGoldenPath,
            Error::Usage(_) => ErrorKind::Other,
            Error::BackstageStep { .. } => ErrorKind::BackstageStep,
            Error::ExportExists { .. } => ErrorKind::WouldOverwrite,
            Error::ExportUnsupported { .. } => ErrorKind::NotApplicable,
            Error::FleetInput { .. } | Error::FleetMerge { .. } => ErrorKind::FleetInput,
            _ => ErrorKind::Other,
        }
    }

    /// Where in a text file the error is (a template, a definition, an answers file),
    /// when it has one place.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Template(t) => Some(&t.location),
            Error::DefinitionSyntax { location, .. }
            | Error::AnswersFile { location, .. }
            | Error::Config { location, .. }
            | Error::BackstageStep { location, .. }
            | Error::FleetInput { location, .. } => Some(location),
            Error::DefinitionInvalid { problems, .. } => problems.first().map(|p| &p.location),
            _ => None,
        }
    }

    /// The file of [`Error::location`].
    pub fn file(&self) -> Option<&str> {
        self.location().map(|l| l.file.as_str())
    }

    /// The 1-based line of [`Error::location`], when known.
    pub fn line(&self) -> Option<usize> {
        self.location().map(|l| l.line).filter(|l| *l > 0)
    }

    /// The 1-based column of [`Error::location`], when known.
    pub fn column(&self) -> Option<usize> {
        self.location().map(|l| l.column).filter(|c| *c > 0)
    }

    /// The JSON pointers into the answers that the error is about (`/port`), in order.
    pub fn pointers(&self) -> Vec<String> {
        match self {
            Error::InvalidAnswers { problems } => {
                problems.iter().map(|p| p.pointer.clone()).collect()
            }
            Error::UnknownParameter { name, .. } => vec![format!("/{name}")],
            Error::UnsafePath { parameters, .. } => {
                parameters.iter().map(|p| format!("/{p}")).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The undefined template variable, when that is the fault.
    pub fn undefined_variable(&self) -> Option<&str> {
        match self {
            Error::Template(t) => t.variable.as_deref(),
            _ => None,
        }
    }
}

impl Error {
    /// An I/O error at a path (crate-internal constructor).
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// An error and all its causes, joined by `: `.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// The closest candidates to `name` (Jaro-Winkler, best first).
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(s, _)| *s > 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(3)
        .map(|(_, c)| c.to_string())
        .collect()
}

/// The first command-line flag (`--` and a letter) a text names, if any: library
/// messages name none, since a caller without the CLI has no flags to pass.
#[cfg(test)]
pub(crate) fn flag_in(text: &str) -> Option<&str> {
    text.match_indices("--").find_map(|(i, _)| {
        let rest = &text[i..];
        rest[2..]
            .starts_with(|c: char| c.is_ascii_alphabetic())
            .then(|| {
                let end = rest[2..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .map_or(rest.len(), |e| e + 2);
                &rest[..end]
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_locations() {
        let e = Error::Template(Box::new(TemplateError {
            location: Location {
                file: "skel/a.tera".into(),
                line: 3,
                column: 7,
            },
            message: "Variable `nmae` is not defined.".into(),
            snippet: String::new(),
            variable: Some("nmae".into()),
        }));
        assert_eq!(e.kind(), ErrorKind::Template);
        assert_eq!(
            (e.file(), e.line(), e.column()),
            (Some("skel/a.tera"), Some(3), Some(7))
        );
        assert_eq!(e.undefined_variable(), Some("nmae"));

        let e = Error::InvalidAnswers {
            problems: vec![AnswerProblem {
                pointer: "/port".into(),
                message: "not a number".into(),
                description: None,
                hint: None,
                location: None,
            }],
        };
        assert_eq!(e.kind(), ErrorKind::InvalidAnswers);
        assert_eq!(e.pointers(), vec!["/port".to_string()]);
        assert_eq!(e.location(), None);

        let e = Error::DirtyWorkTree {
            paths: vec!["a".into()],
        };
        assert_eq!(e.kind(), ErrorKind::DirtyWorkTree);
        assert!(!e.to_string().contains("--"), "{e}");
        let e = Error::DestinationNotEmpty {
            path: "d".into(),
            entries: vec!["x".into()],
        };
        assert_eq!(e.kind(), ErrorKind::WouldOverwrite);
        assert!(!e.to_string().contains("--"), "{e}");
        assert_eq!(Error::Usage("x".into()).kind(), ErrorKind::Other);
    }

    #[test]
    fn cases_a_caller_reacts_to_have_kinds_and_name_no_flag() {
        let cases = [
            (
                Error::SingleVersion {
                    project: Some("p".into()),
                    version: "2.0.0".into(),
                    source_text: "local gp.yaml".into(),
                },
                ErrorKind::VersionNotFound,
            ),
            (
                Error::SingleVersion {
                    project: None,
                    version: "2.0.0".into(),
                    source_text: "local gp.yaml".into(),
                },
                ErrorKind::VersionNotFound,
            ),
            (Error::NotInProject("x".into()), ErrorKind::NoProject),
            (
                Error::GoldenPathNotApplied {
                    dir: "d".into(),
                    golden_path: "g".into(),
                },
                ErrorKind::NoProject,
            ),
            (
                Error::DestinationIsFile {
                    dest: "a/b".into(),
                    file: "a".into(),
                },
                ErrorKind::BadPath,
            ),
            (Error::PathOutsideProject("../x".into()), ErrorKind::BadPath),
            (Error::NotAProjectDirectory("x".into()), ErrorKind::BadPath),
            (
                Error::AddOnNeedsProject {
                    add_on: "add-postgres".into(),
                    applies_to: vec!["python-api".into()],
                },
                ErrorKind::NotApplicable,
            ),
            (
                Error::NoDefinition {
                    source_text: "dir".into(),
                    reason: "no golden-path definition at `dir`".into(),
                },
                ErrorKind::UnknownGoldenPath,
            ),
        ];
        for (e, kind) in cases {
            assert_eq!(e.kind(), kind, "{e}");
            assert!(!e.to_string().contains("--"), "{e}");
        }
    }

    #[test]
    fn flag_in_finds_long_flags_only() {
        assert_eq!(flag_in("pass --force to overwrite"), Some("--force"));
        assert_eq!(
            flag_in("or use --max-file-bytes."),
            Some("--max-file-bytes")
        );
        assert_eq!(flag_in("git checkout -- a.txt, a -- b, a---b"), None);
        assert_eq!(flag_in("no flag at all"), None);
    }

    /// Issue item 4: the messages whose remedy is a command-line flag name the library's
    /// option or concept instead; the CLI words them with its flags.
    #[test]
    fn messages_whose_remedy_is_a_flag_name_none() {
        use crate::golden_path::limits::{Budget, Exceeded, Limits};
        use crate::source::git::GitError;
        let git = || git2::Error::from_str("connection refused");
        let git_errors = [
            GitError::Unreachable {
                url: "https://example.invalid/t.git".into(),
                source: git(),
            },
            GitError::NotCached {
                url: "https://example.invalid/t.git".into(),
            },
            GitError::UnknownRef {
                url: "https://example.invalid/t.git".into(),
                reference: "v9".into(),
                available: vec!["v1.0.0".into()],
            },
            GitError::UnknownCommit {
                url: "https://example.invalid/t.git".into(),
                commit: "abc123".into(),
            },
            GitError::CacheCorrupt {
                path: "/cache/t".into(),
                source: git(),
            },
        ];
        let mut texts: Vec<String> = git_errors.into_iter().map(|g| g.to_string()).collect();
        texts.push(
            Error::Git(GitError::NotCached {
                url: "file:///t".into(),
            })
            .to_string(),
        );
        texts.push(
            Error::InvalidSet {
                input: "grpc=maybe".into(),
                reason: "`grpc` is a boolean".into(),
            }
            .to_string(),
        );
        texts.push(
            Error::UnmatchedPaths {
                dir: "svc".into(),
                paths: vec!["no/such".into()],
            }
            .to_string(),
        );
        let budget = Budget::new(Limits::DEFAULT);
        for what in [Exceeded::File, Exceeded::Total, Exceeded::Time] {
            texts.push(budget.message(what));
        }
        let e = crate::init::plan_init(&crate::init::InitOptions {
            dir: "/nonexistent/My_Path".into(),
            name: None,
        })
        .unwrap_err();
        assert!(matches!(e, Error::InvalidName { .. }), "{e}");
        texts.push(e.to_string());
        let params = crate::golden_path::answers::Parameters::new(
            "demo",
            &serde_json::json!({
                "type": "object",
                "required": ["owner"],
                "properties": {"owner": {"type": "string"}, "port": {"type": "integer", "minimum": 1024}}
            }),
        )
        .unwrap();
        texts.push(params.parse_set("novalue").unwrap_err().to_string());
        texts.push(params.parse_set("port=abc").unwrap_err().to_string());
        let answers = serde_json::json!({"port": 80});
        texts.push(
            params
                .validate(answers.as_object().unwrap())
                .unwrap_err()
                .to_string(),
        );
        texts.push(params.missing_problems(&["owner".into()]).to_string());
        for text in &texts {
            assert_eq!(flag_in(text), None, "{text}");
        }
    }
}
