//! The command-line definition (clap). Turning these flags into library calls happens
//! in the `cmd_*` modules; nothing in the library sees a clap type.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success (for `check`: passed; for `update`: no conflicts remain)
  1  the command ran and found problems: lint problems, conflicts left by `update`,
     a `check` that failed its --fail-on policy
  2  error: bad input, a golden path or project that cannot be read, an unreachable
     source; nothing was written
  3  cancelled: a question before writing was answered no; nothing was written";

/// The exit code of a run the user cancelled at a confirmation (see [`EXIT_CODES`]).
pub const EXIT_CANCELLED: u8 = 3;

const SOURCES: &str = "\
Golden-path sources (NAME):
  go-microservice                        a name from the built-in library or --templates
  go-microservice@1.0.0                  a released version (`scaffold list --versions`)
  ./path/to/golden-path.yaml             a definition file (or a template directory)
  https://github.com/acme/golden-paths//go-microservice?ref=v1.2.0
  ssh://git@github.com/acme/golden-paths.git//golden-paths/go-microservice.yaml
  git@github.com:acme/golden-paths//go-microservice
  file:///srv/golden-paths//go-microservice?ref=main
  git+../golden-paths//go-microservice   a local repository path
  gh:acme/golden-paths//go-microservice?ref=v1.2.0   GitHub shorthand (https://github.com/...)
  gl:acme/platform/golden-paths//svc     GitLab shorthand (https://gitlab.com/..., subgroups allowed)
In git sources, //SUBPATH names a definition file or a template directory in the
repository and ?ref= a tag, branch or commit; without a ref the highest semver tag is
used. A bare word that is a definition file or a directory holding golden-path.yaml
in the current directory is that local golden path, even if a library has the same
name (NAME@latest always means the library). Fetched repositories are cached (SCAFFOLD_CACHE_DIR, default: the user's cache
directory), so a second use needs no network.";

#[derive(Debug, Parser)]
#[command(
    name = "scaffold",
    version,
    about = "Golden paths for your internal developer platform: create services, keep them fresh, catch drift",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Add a golden-path library directory (searched before the built-in library;
    /// repeatable). SCAFFOLD_TEMPLATES adds more, separated by `:`.
    #[arg(long = "templates", value_name = "DIR", global = true)]
    pub templates: Vec<PathBuf>,
    /// Never touch the network: git sources must already be in the cache.
    #[arg(long, global = true)]
    pub offline: bool,
    /// When to use colour (NO_COLOR is honoured).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Print less.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more (per-file detail).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// The user configuration file (default: SCAFFOLD_CONFIG, else
    /// $XDG_CONFIG_HOME/scaffold/config.yaml; docs/config.md).
    #[arg(long = "config", value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Text for a person (tables, colour on a terminal).
    #[default]
    Human,
    /// One JSON document on stdout (fields documented in docs/json.md).
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every golden path found, with its source.
    List {
        /// List every released version of each golden path, newest first.
        #[arg(long)]
        versions: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Show a golden path: its parameters, computed values (-v: their templates), path
    /// policies and examples, fitted to the terminal's width (COLUMNS wins).
    Show {
        /// Name (NAME or NAME@VERSION), path or git source of the golden path
        /// (default: the golden path of the project the current directory is in, at
        /// its recorded version).
        name: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Create a project from a golden path (or apply one to a project with --into).
    #[command(after_help = SOURCES)]
    New(NewArgs),
    /// Re-apply a newer version of the golden path (or changed answers) as a three-way merge.
    Update(UpdateArgs),
    /// Report drift of generated projects against their golden paths (for CI).
    Check(CheckArgs),
    /// Show the unified diff between the working tree and the pristine render.
    Diff(DiffArgs),
    /// Check a golden path: definition, schema, templates, examples.
    Lint {
        /// Definition file, template directory, library directory or name.
        path: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Print shell completions.
    Completions { shell: clap_complete::Shell },
    /// Write a new golden path (definition, one skeleton layer, one example,
    /// changelog) into DIR, ready for `scaffold lint DIR`.
    Init {
        /// New or empty directory (default: the current directory).
        dir: Option<PathBuf>,
        /// The golden path's name (default: DIR's name).
        #[arg(long)]
        name: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Print the manual page (roff), or write one page per subcommand into --dir.
    Man {
        /// Write `scaffold.1` and `scaffold-SUBCOMMAND.1` into this directory
        /// (created if absent) instead of printing `scaffold.1`.
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
    /// Show the user configuration in use (its file, defaults, libraries, trusted
    /// sources, shorthands) and, for a golden path, each parameter's value and where
    /// it comes from (set, values, config, default).
    Config {
        /// A golden path (name, path or git source) whose parameters to resolve.
        name: Option<String>,
        #[command(flatten)]
        answers: AnswerArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Export a golden path for another tool (a Backstage Software Template).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Judge many repositories at once, and combine shard reports (docs/fleet.md).
    #[command(subcommand)]
    Fleet(FleetCommand),
}

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Which repositories use which golden paths at which versions, how far behind,
    /// and which enforced files drift; read from each default branch in the git cache.
    Report(FleetReportArgs),
    /// Combine shard reports (`--format json`) into one report.
    Merge(FleetMergeArgs),
    /// Update one golden path to a version in every repository: a three-way update
    /// in a temporary clone, committed on a branch and pushed to the repository.
    Update(FleetUpdateArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum FleetFormat {
    /// A table with one line per project, then the aggregates.
    #[default]
    Human,
    /// One JSON document (schema in docs/fleet.md).
    Json,
    /// Markdown, for an issue or a pull-request comment.
    Markdown,
    /// One self-contained HTML page with charts.
    Html,
}

#[derive(Debug, Args)]
pub struct FleetInputArgs {
    /// Directories of local clones (a clone, or a directory holding clones).
    pub dirs: Vec<PathBuf>,
    /// A file listing one git source a line, optionally followed by a branch.
    #[arg(long, value_name = "FILE")]
    pub repos: Vec<PathBuf>,
    /// Backstage catalog-info files, a catalog export, or a directory of them.
    #[arg(long, value_name = "PATH")]
    pub catalog: Vec<PathBuf>,
    /// Only the stable part I of N of the repositories (1 <= I <= N).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Repositories fetched and read at once.
    #[arg(long, default_value_t = 8)]
    pub jobs: usize,
}

#[derive(Debug, Args)]
pub struct FleetReportArgs {
    #[command(flatten)]
    pub input: FleetInputArgs,
    /// The freshness SLO: days a superseded version may stay in use.
    #[arg(long, default_value_t = 30)]
    pub slo_days: u32,
    /// What fails a project (repeatable or comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "enforced")]
    pub fail_on: Vec<FailOn>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: FleetFormat,
}

#[derive(Debug, Args)]
pub struct FleetUpdateArgs {
    #[command(flatten)]
    pub input: FleetInputArgs,
    /// The golden path to update in every repository.
    #[arg(long, value_name = "NAME")]
    pub golden_path: String,
    /// The version to update to.
    #[arg(long, value_name = "VERSION")]
    pub to: String,
    /// The branch to commit on and push (default: scaffold/NAME-VERSION). An existing
    /// branch on the remote is updated, not replaced.
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Commit and push updates that leave conflicts (else those repositories are
    /// skipped).
    #[arg(long)]
    pub allow_conflicts: bool,
    /// Plan every update; commit and push nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Directory for the pull-request descriptions (one Markdown file per updated
    /// repository) and the campaign's report.json.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct FleetMergeArgs {
    /// Shard reports written by `scaffold fleet report --format json`.
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: FleetFormat,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write a Backstage Software Template (template.yaml) for a golden path: its
    /// parameters as form pages, a step running the scaffold engine (the `scaffold:new`
    /// action of integrations/backstage), then publish:github and catalog:register.
    #[command(after_help = crate::cmd_export::BACKSTAGE_HELP)]
    Backstage(ExportBackstageArgs),
}

#[derive(Debug, Args)]
pub struct ExportBackstageArgs {
    /// Golden path: a name (NAME, or NAME@VERSION), a definition file or directory, or
    /// a git source, as `scaffold new` takes it.
    pub name: String,
    /// Directory to write template.yaml into (created when missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace an existing template.yaml that differs.
    #[arg(long)]
    pub force: bool,
    /// The golden-path reference the portal's step runs (default: NAME pinned to its
    /// version for a built-in golden path, to its ref for a git source, as typed for a
    /// local one).
    #[arg(long, value_name = "REF")]
    pub reference: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// Set an answer, typed by the schema (integers, booleans; arrays and objects as JSON). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Read answers from a YAML or JSON file (--set wins over it).
    #[arg(long = "values", value_name = "FILE")]
    pub values: Option<PathBuf>,
    /// Never prompt: use defaults, and fail listing every missing required answer
    /// (questions before writing are taken as yes, with a warning where one is due).
    #[arg(long)]
    pub no_input: bool,
    /// Answer yes to the questions before writing (create the project; update without
    /// git; overwrite local edits of enforced files), still prompting for answers.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Render bounds; each wins over the golden path's `spec.limits`.
#[derive(Debug, Args, Default)]
pub struct LimitArgs {
    /// Largest rendered file, in bytes (default 16 MiB, or the golden path's spec.limits).
    #[arg(long, value_name = "BYTES")]
    pub max_file_bytes: Option<u64>,
    /// Largest whole render, in bytes (default 256 MiB, or the golden path's spec.limits).
    #[arg(long, value_name = "BYTES")]
    pub max_total_bytes: Option<u64>,
    /// Longest render, in seconds (default 10, or the golden path's spec.limits).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub max_render_time: Option<std::time::Duration>,
}

fn parse_seconds(s: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    std::time::Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("`{s}` is not a positive number of seconds"))
}

impl LimitArgs {
    pub fn overrides(&self) -> scaffold_core::LimitOverrides {
        scaffold_core::LimitOverrides {
            max_file_bytes: self.max_file_bytes,
            max_total_bytes: self.max_total_bytes,
            max_render_time: self.max_render_time,
        }
    }
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Golden path: a name (NAME, or NAME@VERSION for a released version), a
    /// definition file or directory, or a git source.
    pub name: String,
    /// Destination directory (default: ./<name answer>).
    pub dest: Option<PathBuf>,
    #[command(flatten)]
    pub answers: AnswerArgs,
    /// Apply the golden path to an existing project directory (e.g. an add-on).
    #[arg(long, value_name = "DIR", conflicts_with = "dest")]
    pub into: Option<PathBuf>,
    /// Write into a non-empty destination, overwriting the files the golden path generates.
    #[arg(long)]
    pub force: bool,
    /// Show what would be written (path, size, mode, layer, dropped files); write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run: also show the content (as a diff against what exists).
    #[arg(long, requires = "dry_run")]
    pub diff: bool,
    /// Do not initialise a git repository with a first commit (by default `new` does,
    /// unless the destination is already inside a git work tree).
    #[arg(long)]
    pub no_git: bool,
    /// Run the golden path's hooks (spec.hooks) even though its source is not listed
    /// under `trusted:` in the user configuration (docs/hooks.md).
    #[arg(long)]
    pub trust: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Project directory (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Version to update to: a tag, branch or commit of a git source, a released
    /// version of a built-in golden path, or `latest` (the default).
    #[arg(long, value_name = "REF")]
    pub to: Option<String>,
    /// The golden path's new source, when its template moved (a name, definition file
    /// or directory, or git source): the update takes the new version from it and
    /// records it in the answers file. It must define the same golden path.
    #[arg(long, value_name = "SOURCE", conflicts_with = "all")]
    pub source: Option<String>,
    #[command(flatten)]
    pub answers: AnswerArgs,
    /// Which golden path to update when the project has several (by name).
    #[arg(long, value_name = "NAME")]
    pub golden_path: Option<String>,
    /// Update every answers file under DIR.
    #[arg(long)]
    pub all: bool,
    /// Run even if paths the update would touch have uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Ignore the stored baseline (.scaffold/NAME.baseline) and reconstruct the base
    /// from the recorded template version and the project's git history, each file
    /// verified against the manifest; use it when the baseline is missing or corrupt.
    #[arg(long)]
    pub reconstruct_base: bool,
    /// Take a version older than the recorded one (by default such an update,
    /// `latest` included, is refused: it would take back the newer version's changes).
    #[arg(long)]
    pub allow_downgrade: bool,
    /// Update even though an earlier update left conflict markers or .theirs files
    /// unresolved (by default update refuses, so markers are never nested).
    #[arg(long)]
    pub allow_conflicts: bool,
    /// Print the classification and a unified diff; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run the golden path's hooks (spec.hooks) even though its source is not listed
    /// under `trusted:` in the user configuration (docs/hooks.md).
    #[arg(long)]
    pub trust: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// What fails `scaffold check` (mirrors `scaffold_core::check::FailOn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// An enforced path modified, missing or with another mode (the default).
    Enforced,
    /// A merged or enforced path missing.
    Missing,
    /// A newer version of the golden path exists.
    Behind,
    /// A merged or enforced path modified (or its mode changed).
    Modified,
    /// All of the above, and a manifest that does not match its render.
    Any,
}

/// Output of `scaffold check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CheckFormat {
    /// A table with one line per project (-v: one line per file).
    #[default]
    Human,
    /// One JSON document (fields documented in docs/check.md).
    Json,
    /// GitHub Actions workflow annotations (::error / ::warning).
    Github,
}

#[derive(Debug, Args)]
#[command(after_help = crate::cmd_check::CHECK_HELP)]
pub struct CheckArgs {
    /// Directories to search for answers files (default: the current directory).
    pub dirs: Vec<PathBuf>,
    /// What fails the check (repeatable or comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "enforced")]
    pub fail_on: Vec<FailOn>,
    /// Re-render the base from the source at the recorded version and compare against
    /// it (instead of the manifest); reports manifest entries that do not match it.
    #[arg(long)]
    pub render: bool,
    /// Restore enforced paths (modified or missing) from the pristine render, then check.
    #[arg(long)]
    pub fix: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: CheckFormat,
}

#[derive(Debug, Args)]
#[command(after_help = crate::cmd_check::DIFF_HELP)]
pub struct DiffArgs {
    /// Project directory, or a directory of projects (default: the project the
    /// current directory is in). A first word that holds no project is a PATH.
    pub dir: Option<PathBuf>,
    /// Only these paths (directories select what is under them): relative to the
    /// current directory without DIR, to each project's root after DIR.
    pub paths: Vec<String>,
    /// Show what `scaffold update` would change instead of what the project changed.
    #[arg(long)]
    pub upstream: bool,
    /// Version for --upstream: a tag, branch or commit of a git source, or a released
    /// version of a built-in golden path (default: latest).
    #[arg(long, value_name = "REF", requires = "upstream")]
    pub to: Option<String>,
}
