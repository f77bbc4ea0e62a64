//! The `scaffold` command: clap glue over `scaffold-core`. Parses flags, asks
//! questions on a terminal, prints reports, and maps results to exit codes.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod cmd_backstage;
mod cmd_catalog;
mod cmd_check;
mod cmd_config;
mod cmd_export;
mod cmd_fleet;
mod cmd_init;
mod cmd_man;
mod cmd_new;
mod cmd_update;
mod output;
mod prompt;

use std::process::ExitCode;

/// mimalloc: the render and the plan make many small allocations on several threads,
/// where glibc's allocator spends a fifth of the CPU time of a large `new`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    output::init_color(cli.global.color);
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            output::print_error(&e);
            ExitCode::from(2)
        }
    }
}

fn run(cli: cli::Cli) -> Result<u8, scaffold_core::Error> {
    let limits = match &cli.command {
        cli::Command::New(a) => a.limits.overrides(),
        cli::Command::Update(a) => a.limits.overrides(),
        cli::Command::Lint { limits, .. } => limits.overrides(),
        _ => scaffold_core::LimitOverrides::default(),
    };
    let config = user_config(&cli.global)?;
    let engine = engine(&cli.global, limits, config.as_ref());
    match cli.command {
        cli::Command::List { versions, format } => {
            if versions {
                cmd_catalog::list_versions(&engine, format)
            } else {
                cmd_catalog::list(&engine, format)
            }
        }
        cli::Command::Show { name, format } => {
            cmd_catalog::show(&engine, name.as_deref(), format, cli.global.verbose)
        }
        cli::Command::Lint { path, format, .. } => cmd_catalog::lint(&engine, &path, format),
        cli::Command::New(args) => cmd_new::run(&engine, &cli.global, config.as_ref(), &args),
        cli::Command::Config {
            name,
            answers,
            format,
        } => cmd_config::run(
            &engine,
            &config_path(&cli.global),
            config.as_ref(),
            name.as_deref(),
            &answers,
            format,
        ),
        cli::Command::Completions { shell } => {
            let mut cmd = <cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "scaffold", &mut std::io::stdout());
            Ok(0)
        }
        cli::Command::Init { dir, name, format } => {
            cmd_init::run(dir.as_deref(), name, format, cli.global.quiet)
        }
        cli::Command::Man { dir } => {
            for page in cmd_man::run(dir.as_deref())? {
                if !cli.global.quiet {
                    println!(
                        "{}",
                        dir.as_deref().unwrap_or(".".as_ref()).join(page).display()
                    );
                }
            }
            Ok(0)
        }
        cli::Command::Check(args) => cmd_check::check(&engine, &cli.global, &args),
        cli::Command::Diff(args) => cmd_check::diff(&engine, &cli.global, &args),
        cli::Command::Update(args) => cmd_update::run(&engine, &cli.global, config.as_ref(), &args),
        cli::Command::Export(cli::ExportCommand::Backstage(args)) => {
            cmd_export::backstage(&engine, &cli.global, &args)
        }
        cli::Command::Fleet(cli::FleetCommand::Report(args)) => {
            cmd_fleet::report(&engine, &cli.global, &args)
        }
        cli::Command::Fleet(cli::FleetCommand::Merge(args)) => cmd_fleet::merge(&args),
        cli::Command::Fleet(cli::FleetCommand::Update(args)) => {
            cmd_fleet::update(&engine, &cli.global, &args)
        }
    }
}

/// Where the user configuration is looked for: `--config`, else `SCAFFOLD_CONFIG`,
/// else `scaffold/config.yaml` in the platform's configuration directory (XDG on
/// Linux); `None` when there is no such directory.
pub fn config_path(global: &cli::Global) -> Option<std::path::PathBuf> {
    if let Some(p) = &global.config {
        return Some(p.clone());
    }
    if let Some(p) = std::env::var_os("SCAFFOLD_CONFIG").filter(|p| !p.is_empty()) {
        return Some(p.into());
    }
    dirs::config_dir().map(|d| d.join("scaffold").join(scaffold_core::config::FILE_NAME))
}

/// The user configuration, when there is one. A file named by `--config` or
/// `SCAFFOLD_CONFIG` must exist; the default one may be absent.
fn user_config(
    global: &cli::Global,
) -> Result<Option<scaffold_core::config::UserConfig>, scaffold_core::Error> {
    let Some(path) = config_path(global) else {
        return Ok(None);
    };
    let found = scaffold_core::config::UserConfig::read(&path)?;
    let named = global.config.is_some()
        || std::env::var_os("SCAFFOLD_CONFIG").is_some_and(|p| !p.is_empty());
    if found.is_none() && named {
        return Err(scaffold_core::Error::Usage(format!(
            "the configuration file `{}` does not exist; create it (docs/config.md) or name another with --config",
            path.display()
        )));
    }
    Ok(found)
}

/// The engine for these global flags: --templates, then SCAFFOLD_TEMPLATES, then the
/// configuration's libraries, then built-in; the configuration's shorthands.
pub fn engine(
    global: &cli::Global,
    limits: scaffold_core::LimitOverrides,
    config: Option<&scaffold_core::config::UserConfig>,
) -> scaffold_core::Engine {
    let mut b = scaffold_core::Engine::builder()
        .offline(global.offline)
        .limits(limits);
    if let Some(dir) = std::env::var_os("SCAFFOLD_CACHE_DIR").filter(|d| !d.is_empty()) {
        b = b.cache_dir(std::path::PathBuf::from(dir).join("git"));
    }
    for t in &global.templates {
        b = b.library(t);
    }
    if let Some(env) = std::env::var_os("SCAFFOLD_TEMPLATES") {
        for p in std::env::split_paths(&env).filter(|p| !p.as_os_str().is_empty()) {
            b = b.library(p);
        }
    }
    if let Some(c) = config {
        for l in c.libraries() {
            b = b.library(l);
        }
        for (name, url) in &c.file.shorthands {
            b = b.shorthand(name, url);
        }
    }
    b.build()
}

/// The type of [`fault_hook`]'s hook.
pub type FaultHook = dyn Fn(usize) -> Result<(), scaffold_core::Error> + Sync;

/// The writer's fault-injection hook, for tests only: the hidden environment variable
/// `SCAFFOLD_FAULT` = `abort@N` (abort the process after N files, like a crash),
/// `error@N` (fail after N files) or `pause@N:MS` (sleep MS milliseconds after N
/// files, so a test can kill the process or race it). Unset: no hook.
pub fn fault_hook() -> Option<Box<FaultHook>> {
    let spec = std::env::var("SCAFFOLD_FAULT").ok()?;
    let (action, rest) = spec.split_once('@')?;
    let (n, ms) = match rest.split_once(':') {
        Some((n, ms)) => (n.parse::<usize>().ok()?, ms.parse::<u64>().ok()?),
        None => (rest.parse::<usize>().ok()?, 0),
    };
    let action = action.to_string();
    Some(Box::new(move |written| {
        if written != n {
            return Ok(());
        }
        match action.as_str() {
            "abort" => std::process::abort(),
            "pause" => {
                std::thread::sleep(std::time::Duration::from_millis(ms));
                Ok(())
            }
            _ => Err(scaffold_core::Error::Usage(format!(
                "injected fault after {written} file(s) (SCAFFOLD_FAULT)"
            ))),
        }
    }))
}

/// Lock the project at `root` for writing (waiting, with a message, while another
/// scaffold holds it), then roll back any run that was interrupted there.
pub fn lock_and_recover(
    root: &std::path::Path,
    quiet: bool,
) -> Result<scaffold_core::ProjectLock, scaffold_core::Error> {
    let lock = match scaffold_core::ProjectLock::try_acquire(root)? {
        Some(l) => l,
        None => {
            eprintln!(
                "waiting for another scaffold run on `{}` to finish...",
                root.display()
            );
            scaffold_core::ProjectLock::acquire(root)?
        }
    };
    if let Some(r) = scaffold_core::project::journal::recover(root)? {
        if !quiet {
            eprintln!(
                "rolled back an interrupted scaffold run in `{}` ({} path(s) restored)",
                root.display(),
                r.restored
            );
        }
    }
    Ok(lock)
}
