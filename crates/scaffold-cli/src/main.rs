//! The `scaffold` command: clap glue over `scaffold-core`. Parses flags, asks
//! questions on a terminal, prints reports, and maps results to exit codes.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod cmd_catalog;
mod cmd_check;
mod cmd_new;
mod cmd_update;
mod output;
mod prompt;

use std::process::ExitCode;

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
    let engine = engine(&cli.global);
    match cli.command {
        cli::Command::List { versions, format } => {
            if versions {
                cmd_catalog::list_versions(&engine, format)
            } else {
                cmd_catalog::list(&engine, format)
            }
        }
        cli::Command::Show { name, format } => cmd_catalog::show(&engine, &name, format),
        cli::Command::Lint { path, format } => cmd_catalog::lint(&engine, &path, format),
        cli::Command::New(args) => cmd_new::run(&engine, &cli.global, &args),
        cli::Command::Completions { shell } => {
            let mut cmd = <cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "scaffold", &mut std::io::stdout());
            Ok(0)
        }
        cli::Command::Check(args) => cmd_check::check(&engine, &cli.global, &args),
        cli::Command::Diff(args) => cmd_check::diff(&engine, &cli.global, &args),
        cli::Command::Update(args) => cmd_update::run(&engine, &cli.global, &args),
    }
}

/// The engine for these global flags: --templates, then SCAFFOLD_TEMPLATES, then
/// built-in; git repositories cached in `$SCAFFOLD_CACHE_DIR/git` when that is set and
/// non-empty, else in the user's cache directory.
pub fn engine(global: &cli::Global) -> scaffold_core::Engine {
    let mut b = scaffold_core::Engine::builder().offline(global.offline);
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
    b.build()
}
