//! Printing: colour handling, the error chain, tables and diffs.

use std::error::Error as _;

use anstream::{eprintln, println};

use crate::cli::ColorChoice;

pub const RED: &str = "\x1b[31m";
pub const GREEN: &str = "\x1b[32m";
pub const YELLOW: &str = "\x1b[33m";
pub const CYAN: &str = "\x1b[36m";
pub const BOLD: &str = "\x1b[1m";
pub const DIM: &str = "\x1b[2m";
pub const RESET: &str = "\x1b[0m";

pub fn init_color(choice: ColorChoice) {
    let c = match choice {
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
        ColorChoice::Auto => anstream::ColorChoice::Auto,
    };
    c.write_global();
}

/// Print an error with its whole cause chain, on stderr.
/// An error's message as the CLI words it (naming the flags that remedy it).
pub fn error_text(e: &scaffold_core::Error) -> String {
    with_flags(e).unwrap_or_else(|| e.to_string())
}

pub fn print_error(e: &scaffold_core::Error) {
    let message = error_text(e);
    eprintln!("{RED}{BOLD}error{RESET}: {message}");
    let mut source = e.source();
    while let Some(s) = source {
        eprintln!("  {DIM}caused by:{RESET} {s}");
        source = s.source();
    }
    if let scaffold_core::Error::UnresolvedConflicts { .. } = e {
        eprintln!(
            "{BOLD}hint{RESET}: `scaffold check` lists them; `scaffold update --allow-conflicts` updates anyway"
        );
    }
    if let scaffold_core::Error::Interrupted { .. } = e {
        eprintln!(
            "{BOLD}hint{RESET}: `scaffold update` or `scaffold check --fix`, run in the project, roll an interrupted run back"
        );
    }
    if let scaffold_core::Error::SourceGone { .. } = e {
        eprintln!(
            "{BOLD}hint{RESET}: if the golden path moved, run `scaffold update --source NEW` in the project, naming where it lives now (a directory, definition file or git source)"
        );
    }
}

fn lines(items: &[String]) -> String {
    items.iter().map(|i| format!("\n  - {i}")).collect()
}

/// The message of an error whose remedy is a command-line flag, naming the flag (the
/// library's own messages name none).
fn with_flags(e: &scaffold_core::Error) -> Option<String> {
    use scaffold_core::Error as E;
    Some(match e {
        E::DestinationNotEmpty { path, entries } => format!(
            "destination `{}` is not empty ({} entries, e.g. {}); choose an empty directory, or pass --force to overwrite the files the golden path generates",
            path.display(),
            entries.len(),
            entries
                .iter()
                .take(3)
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        E::WouldOverwrite { .. } => format!("{e}\npass --force to overwrite them"),
        E::ExportExists { dir, paths } => format!(
            "{} file(s) in `{}` exist with other content and would be replaced:{}\nexport into another directory, or pass --force to replace them",
            paths.len(),
            dir.display(),
            lines(paths)
        ),
        E::AddOnApplied {
            root,
            add_on,
            answers_file,
        } => format!(
            "add-on `{add_on}` is already applied to `{}` ({answers_file}); to change its answers or take a newer version, run `scaffold update --golden-path {add_on}` in the project",
            root.display()
        ),
        E::AlreadyApplied {
            root,
            golden_path,
            answers_file,
        } => format!(
            "`{}` already has golden path `{golden_path}` applied ({answers_file}); use `scaffold update` to change it, or --force to apply it again",
            root.display()
        ),
        E::DirtyWorkTree { paths } => format!(
            "uncommitted changes in {} path(s) that update would touch:{}\ncommit or stash them, or pass --allow-dirty",
            paths.len(),
            lines(paths)
        ),
        E::NotADirectory {
            path,
            must_exist: true,
        } => format!("--into `{}` is not an existing directory", path.display()),
        E::NoDestination { name: Some(n) } => format!(
            "the `/name` answer `{n}` cannot be used as the destination directory; give DEST explicitly"
        ),
        E::NoDestination { name: None } => {
            "no destination: give DEST, or answer a `name` parameter to default to ./<name>"
                .to_string()
        }
        E::NoProjectHere { .. } => format!("{e}, or pass --all to update every project below it"),
        E::AmbiguousProject { .. } => {
            format!("{e} with --golden-path NAME, or pass --all")
        }
        E::Git(scaffold_core::source::git::GitError::NoCacheDir) => {
            "cannot determine a cache directory for git repositories; set SCAFFOLD_CACHE_DIR to a writable directory".to_string()
        }
        _ => return None,
    })
}

/// Print a value as pretty JSON on stdout.
pub fn json<T: serde::Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("report serializes")
    );
}

/// Left-aligned columns; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == n {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = format!("{BOLD}{}{RESET}\n", line(header.to_vec()));
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// A unified diff of two byte strings, coloured on a terminal.
pub fn unified_diff(path: &str, old: Option<&[u8]>, new: Option<&[u8]>) -> String {
    let is_bin = |b: Option<&[u8]>| b.is_some_and(scaffold_core::merge::is_binary);
    if is_bin(old) || is_bin(new) {
        return format!("Binary files a/{path} and b/{path} differ\n");
    }
    let old_s = old.map(String::from_utf8_lossy).unwrap_or_default();
    let new_s = new.map(String::from_utf8_lossy).unwrap_or_default();
    let diff = similar::TextDiff::from_lines(old_s.as_ref(), new_s.as_ref());
    let a = if old.is_some() {
        format!("a/{path}")
    } else {
        "/dev/null".to_string()
    };
    let b = if new.is_some() {
        format!("b/{path}")
    } else {
        "/dev/null".to_string()
    };
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string();
    text.lines()
        .map(|l| {
            let colour = if l.starts_with("+++") || l.starts_with("---") {
                BOLD
            } else if l.starts_with('+') {
                GREEN
            } else if l.starts_with('-') {
                RED
            } else if l.starts_with("@@") {
                CYAN
            } else {
                ""
            };
            if colour.is_empty() {
                format!("{l}\n")
            } else {
                format!("{colour}{l}{RESET}\n")
            }
        })
        .collect()
}

/// The width to lay text out in on stdout: `COLUMNS` when set to a number (as
/// shells export it; also what a test or a script may set), else the terminal's
/// width, else 80; at least 40.
pub fn width() -> usize {
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok());
    let from_term = || {
        console::Term::stdout()
            .size_checked()
            .map(|(_, cols)| usize::from(cols))
    };
    from_env.or_else(from_term).unwrap_or(80).max(40)
}

pub fn say(quiet: bool, text: &str) {
    if !quiet {
        println!("{text}");
    }
}

pub fn human_size(n: usize) -> String {
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", n as f64 / 1024.0 / 1024.0)
    }
}

/// A spinner on stderr while long work runs; only on a terminal and never with -q.
pub fn spinner(quiet: bool, message: &str) -> Option<Spinner> {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(message.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(100));
    Some(Spinner(pb))
}

/// Clears its spinner line when dropped.
pub struct Spinner(indicatif::ProgressBar);

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
