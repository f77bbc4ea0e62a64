//! `scaffold man`: the manual pages, generated from the clap definition by clap_mangen
//! (as `scaffold completions` generates the shell completions from it), so the pages
//! never disagree with `--help`.

use std::path::Path;

use clap::CommandFactory;
use scaffold_core::Error;

use crate::cli::Cli;

/// Without DIR: `scaffold(1)` on stdout. With DIR: `scaffold.1` and one
/// `scaffold-SUBCOMMAND.1` per subcommand (what `man scaffold-new` opens), written
/// into DIR (created if absent). Returns the pages written.
pub fn run(dir: Option<&Path>) -> Result<Vec<String>, Error> {
    let cmd = Cli::command();
    let Some(dir) = dir else {
        let mut out = std::io::stdout().lock();
        clap_mangen::Man::new(cmd)
            .render(&mut out)
            .map_err(|source| Error::Io {
                action: "cannot write the man page to",
                path: "standard output".into(),
                source,
            })?;
        return Ok(vec![]);
    };
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        action: "cannot create the man page directory",
        path: dir.to_path_buf(),
        source,
    })?;
    clap_mangen::generate_to(cmd.clone(), dir).map_err(|source| Error::Io {
        action: "cannot write the man pages into",
        path: dir.to_path_buf(),
        source,
    })?;
    let mut pages = vec!["scaffold.1".to_string()];
    page_names(&cmd, "scaffold", &mut pages);
    Ok(pages)
}

/// The pages clap_mangen writes for the subcommands of `cmd`, nested ones included
/// (`scaffold-export-backstage.1`).
fn page_names(cmd: &clap::Command, prefix: &str, pages: &mut Vec<String>) {
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("{prefix}-{}", sub.get_name());
        pages.push(format!("{name}.1"));
        page_names(sub, &name, pages);
    }
}
