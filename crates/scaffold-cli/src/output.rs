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

/// An error's message as the CLI words it (naming the flags that remedy it).
pub fn error_text(e: &scaffold_core::Error) -> String {
    flag_words(&with_flags(e).unwrap_or_else(|| e.to_string()))
}

/// Print an error with its whole cause chain, on stderr.
pub fn print_error(e: &scaffold_core::Error) {
    let message = error_text(e);
    eprintln!("{RED}{BOLD}error{RESET}: {message}");
    let mut source = e.source();
    while let Some(s) = source {
        eprintln!("  {DIM}caused by:{RESET} {}", flag_words(&s.to_string()));
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
        // Also reached from `diff --upstream`, which has no such flag: name the command.
        E::Downgrade { .. } => format!("{e}, or pass --allow-downgrade to `scaffold update`"),
        E::AmbiguousProject { .. } => {
            format!("{e} with --golden-path NAME, or pass --all")
        }
        E::ExportUnsupported {
            golden_path,
            format,
            reason,
        } if reason.starts_with(ADD_ON_EXPORT) => format!(
            "cannot export `{golden_path}` as a {format}: it is an add-on (applied with `scaffold new {golden_path} --into PROJECT` to a project of {}",
            &reason[ADD_ON_EXPORT.len()..]
        ),
        E::Git(scaffold_core::source::git::GitError::NoCacheDir) => {
            "cannot determine a cache directory for git repositories; set SCAFFOLD_CACHE_DIR to a writable directory".to_string()
        }
        _ => return None,
    })
}

/// How the library starts the reason an add-on is not exported (the CLI names the
/// command that applies it).
const ADD_ON_EXPORT: &str = "it is an add-on (applied to an existing project of ";

/// The library's words for a remedy that is a flag of this command line, and the CLI's
/// words for it. A `{}` stands for a word carried over (a parameter name, a version:
/// no spaces, no backticks). The library's messages name no flag, since a caller
/// without the CLI has none to pass; these phrases reach the CLI inside errors, and
/// inside the text of reports (check failures and errors, update details and notes,
/// lint problems, fleet rows), so the CLI rewords every text of the library it prints.
/// The tests below pin each phrase against the library message it comes from.
const FLAG_WORDS: &[(&str, &str)] = &[
    // Git sources (`GitError`), also inside `SourceGone` and report errors.
    (
        "or use offline mode if it is cached",
        "or use --offline if it is cached",
    ),
    (
        "fetch it once with offline mode off to cache it",
        "run once without --offline to cache it",
    ),
    (
        "fetch again with offline mode off",
        "fetch again without --offline",
    ),
    (
        "turn offline mode off to rebuild it",
        "run again without --offline to rebuild it",
    ),
    // Answers: `Error::InvalidSet`, `Parameters::parse_set`, `AnswerProblem::hint`.
    ("invalid key=value answer `", "invalid --set `"),
    (
        "expected key=value, e.g. owner=team-payments",
        "expected key=value, e.g. --set owner=team-payments",
    ),
    (
        "fix it by giving `/{}` a valid value",
        "fix it with --set {}=...",
    ),
    ("give `/{}` a value", "pass --set {}=..."),
    (
        "fix it by updating to {} with a valid value for `/{}`",
        "fix it with scaffold update --to {} --set {}=...",
    ),
    // Render limits: `LimitOverrides`.
    (
        "or the `max_file_bytes` limit override",
        "or --max-file-bytes",
    ),
    (
        "or the `max_total_bytes` limit override",
        "or --max-total-bytes",
    ),
    (
        "or the `max_render_time` limit override",
        "or --max-render-time",
    ),
    // `init` without a name, `check` with an unusable baseline, a link or directory
    // conflict of `update`, `diff` paths that match nothing.
    (
        "give the golden path's name explicitly",
        "give the golden path's name with --name",
    ),
    (
        "or update with the base reconstructed (update's `reconstruct_base` option)",
        "or run `scaffold update --reconstruct-base`",
    ),
    (
        "ours kept (the upstream diff shows theirs)",
        "ours kept (compare with `scaffold diff --upstream`)",
    ),
    (
        "(a verbose check lists the generated paths)",
        "(see `scaffold check -v`)",
    ),
];

/// A text of the library as the CLI words it: each remedy the library words as an
/// option named as the flag that gives it here (see [`FLAG_WORDS`]).
pub fn flag_words(text: &str) -> String {
    FLAG_WORDS
        .iter()
        .fold(text.to_string(), |t, (library, cli)| {
            reword(&t, library, cli)
        })
}

/// `text` with every occurrence of `from` replaced by `to`, each `{}` of `to` taking
/// the word that matched the same `{}` of `from`.
fn reword(text: &str, from: &str, to: &str) -> String {
    let literals: Vec<&str> = from.split("{}").collect();
    let is_word = |w: &str| !w.is_empty() && !w.contains(|c: char| c.is_whitespace() || c == '`');
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(literals[0]) {
        let mut end = start + literals[0].len();
        let mut words = Vec::new();
        for lit in &literals[1..] {
            match rest[end..].find(lit) {
                Some(n) if is_word(&rest[end..end + n]) => {
                    words.push(&rest[end..end + n]);
                    end += n + lit.len();
                }
                _ => break,
            }
        }
        if words.len() + 1 == literals.len() {
            out.push_str(&rest[..start]);
            let mut pieces = to.split("{}");
            out.push_str(pieces.next().unwrap_or_default());
            for (word, piece) in words.iter().zip(pieces) {
                out.push_str(word);
                out.push_str(piece);
            }
        } else {
            // Not the phrase after all: keep its start, look again after it.
            end = start + literals[0].len();
            out.push_str(&rest[..end]);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Keys of the JSON reports whose values are data, not the library's words: file
/// contents, a hook's output, answers and a Backstage step's inputs and outputs are
/// printed as they are.
const DATA_KEYS: &[&str] = &[
    "content",
    "stdout",
    "stderr",
    "output",
    "outputs",
    "answers",
    "values",
    "input",
    "parameters",
];

/// A report as JSON, its texts worded by [`flag_words`] (not the data under
/// [`DATA_KEYS`]).
pub fn json_text<T: serde::Serialize>(value: &T) -> String {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = flag_words(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
            serde_json::Value::Object(o) => o
                .iter_mut()
                .filter(|(k, _)| !DATA_KEYS.contains(&k.as_str()))
                .for_each(|(_, v)| walk(v)),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(value).expect("report serializes");
    walk(&mut v);
    serde_json::to_string_pretty(&v).expect("report serializes")
}

/// Print a value as pretty JSON on stdout (see [`json_text`]).
pub fn json<T: serde::Serialize>(value: &T) {
    println!("{}", json_text(value));
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

/// The CLI's progress observer: a bar (or spinner) on stderr for the library's stages,
/// on a terminal only, never with `--quiet` or JSON output; and each hook's command,
/// shown on stderr before it runs (unless `--quiet`).
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
}

impl Progress {
    /// The observer for a command with these flags.
    pub fn new(quiet: bool, json: bool) -> Progress {
        use std::io::IsTerminal;
        let bar = (!quiet && !json && std::io::stderr().is_terminal()).then(|| {
            let pb = indicatif::ProgressBar::hidden();
            pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            pb
        });
        Progress { bar, quiet }
    }
}

impl scaffold_core::Observer for Progress {
    fn event(&self, event: &scaffold_core::Event<'_>) {
        use scaffold_core::Event;
        match *event {
            Event::Start { stage, total } => {
                if let Some(pb) = &self.bar {
                    pb.reset();
                    match total {
                        Some(n) => {
                            pb.set_style(
                                indicatif::ProgressStyle::with_template(
                                    "{msg} [{bar:30}] {pos}/{len}",
                                )
                                .expect("a valid template")
                                .progress_chars("=> "),
                            );
                            pb.set_length(n as u64);
                        }
                        None => pb.set_style(indicatif::ProgressStyle::default_spinner()),
                    }
                    pb.set_message(stage.describe());
                    pb.enable_steady_tick(std::time::Duration::from_millis(100));
                }
            }
            Event::Advance { done, .. } => {
                if let Some(pb) = &self.bar {
                    pb.set_position(done as u64);
                }
            }
            Event::Hook {
                command,
                index,
                total,
            } => {
                if self.quiet {
                    return;
                }
                let line = format!("{BOLD}hook {index}/{total}:{RESET} {command}");
                match &self.bar {
                    Some(pb) => pb.println(line),
                    None => anstream::eprintln!("{line}"),
                }
            }
            Event::Finish { .. } => {
                if let Some(pb) = &self.bar {
                    pb.disable_steady_tick();
                    pb.finish_and_clear();
                }
            }
            _ => {}
        }
    }
}

/// What the hooks did, on stderr: the failing one's output (every hook's with
/// `verbose`), and how to trust a source whose hooks did not run.
pub fn print_hooks(reports: &[scaffold_core::HookReport], quiet: bool, verbose: bool) {
    use scaffold_core::HookStatus;
    let untrusted = reports
        .iter()
        .filter(|r| r.status == HookStatus::Untrusted)
        .count();
    if untrusted > 0 {
        anstream::eprintln!(
            "{YELLOW}{untrusted} hook(s) not run: the golden path's source is not trusted.{RESET} Run them with --trust, or list the source under `trusted:` in the configuration (scaffold config shows it):"
        );
        for r in reports.iter().filter(|r| r.status == HookStatus::Untrusted) {
            anstream::eprintln!("  {}", r.command);
        }
    }
    for r in reports {
        let show = verbose || r.failed();
        match r.status {
            HookStatus::Failed => anstream::eprintln!(
                "{RED}hook failed{RESET} ({}): {}",
                r.exit_code
                    .map_or("did not start".to_string(), |c| format!("exit {c}")),
                r.command
            ),
            HookStatus::TimedOut => anstream::eprintln!(
                "{RED}hook timed out{RESET} after {} ms: {}",
                r.duration_ms,
                r.command
            ),
            HookStatus::Skipped if !quiet => {
                anstream::eprintln!("{DIM}hook skipped after a failure: {}{RESET}", r.command)
            }
            _ => {}
        }
        if show {
            for text in [&r.stdout, &r.stderr] {
                for line in text.lines() {
                    anstream::eprintln!("  {DIM}|{RESET} {line}");
                }
            }
        }
    }
    if scaffold_core::hooks::any_failed(reports) {
        anstream::eprintln!(
            "The files are written; fix the hook's cause and run it again by hand."
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scaffold_core::Error;
    use scaffold_core::source::git::GitError;

    #[test]
    fn reword_carries_words_over_and_leaves_near_misses() {
        assert_eq!(
            flag_words("a; fix it by giving `/port` a valid value, b"),
            "a; fix it with --set port=..., b"
        );
        assert_eq!(
            flag_words("fix it by updating to v1.2.0 with a valid value for `/team`"),
            "fix it with scaffold update --to v1.2.0 --set team=..."
        );
        // Twice in one text, and a start that is not the phrase.
        assert_eq!(
            flag_words("give `/a` a value; give `/b c` a value; give `/d` a value"),
            "pass --set a=...; give `/b c` a value; pass --set d=..."
        );
        assert_eq!(flag_words("no phrase here"), "no phrase here");
        for (library, cli) in FLAG_WORDS {
            assert!(!library.starts_with("{}"), "{library}");
            assert_eq!(
                library.matches("{}").count(),
                cli.matches("{}").count(),
                "{library}"
            );
            assert!(
                !library.contains(['|', '<', '>', '&', '"', '\n']),
                "the fleet renderings escape `{library}`"
            );
        }
    }

    /// Each library message whose remedy is a flag, as the CLI prints it: exactly the
    /// words of the CLI before the library stopped naming flags.
    #[test]
    fn the_cli_words_library_remedies_with_its_flags() {
        let url = "https://example.invalid/t.git";
        let git = || git2::Error::from_str("refused");
        let cases = [
            (
                Error::Git(GitError::Unreachable {
                    url: url.into(),
                    source: git(),
                }),
                format!(
                    "cannot reach git repository {url}: refused; check the URL and your network/credentials, or use --offline if it is cached"
                ),
            ),
            (
                Error::Git(GitError::NotCached { url: url.into() }),
                format!(
                    "git repository {url} is not in the cache and offline mode forbids fetching it; run once without --offline to cache it"
                ),
            ),
            (
                Error::Git(GitError::UnknownRef {
                    url: url.into(),
                    reference: "v9".into(),
                    available: vec!["v1.0.0".into()],
                }),
                format!(
                    "`v9` is not a tag, branch or commit of {url}; available: v1.0.0; pass one of these with ?ref=REF (if the ref is new, fetch again without --offline)"
                ),
            ),
            (
                Error::Git(GitError::UnknownCommit {
                    url: url.into(),
                    commit: "abc".into(),
                }),
                format!(
                    "commit abc is not in the cached copy of {url}; resolve a ref first, or fetch again without --offline"
                ),
            ),
            (
                Error::Git(GitError::CacheCorrupt {
                    path: "/cache/t".into(),
                    source: git(),
                }),
                "the git cache at /cache/t is damaged (refused); run again without --offline to rebuild it, or delete that directory".to_string(),
            ),
            (
                Error::SourceGone {
                    golden_path: "svc".into(),
                    source_text: url.into(),
                    reason: GitError::NotCached { url: url.into() }.to_string(),
                },
                format!(
                    "git repository {url} is not in the cache and offline mode forbids fetching it; run once without --offline to cache it; the source of golden path `svc` recorded in the project ({url}) is gone: restore it, or point the project at the golden path's new location"
                ),
            ),
            (
                Error::InvalidSet {
                    input: "grpc=maybe".into(),
                    reason: "`grpc` is a boolean".into(),
                },
                "invalid --set `grpc=maybe`: `grpc` is a boolean".to_string(),
            ),
            (
                Error::UnmatchedPaths {
                    dir: "svc".into(),
                    paths: vec!["no/such".into()],
                },
                "`no/such` is not generated by any golden path under `svc`; give paths relative to the project root (see `scaffold check -v`)".to_string(),
            ),
            (
                scaffold_core::init::plan_init(&scaffold_core::init::InitOptions {
                    dir: "/nonexistent/My_Path".into(),
                    name: None,
                })
                .unwrap_err(),
                "`My_Path` is not a golden-path name: use lowercase letters, digits and hyphens, starting with a letter (e.g. `go-microservice`); it is the directory's name: give the golden path's name with --name".to_string(),
            ),
        ];
        for (e, cli) in cases {
            assert_eq!(error_text(&e), cli);
        }

        let params = scaffold_core::golden_path::answers::Parameters::new(
            "demo",
            &serde_json::json!({
                "type": "object",
                "required": ["owner"],
                "properties": {"owner": {"type": "string"}, "port": {"type": "integer", "minimum": 1024}}
            }),
        )
        .unwrap();
        assert_eq!(
            error_text(&params.parse_set("owner").unwrap_err()),
            "invalid --set `owner`: expected key=value, e.g. --set owner=team-payments"
        );
        let answers = serde_json::json!({"port": 80});
        assert_eq!(
            error_text(&params.validate(answers.as_object().unwrap()).unwrap_err()),
            "invalid answers:\n  - /owner: \"owner\" is a required property; fix it with --set owner=...\n  - /port: 80 is less than the minimum of 1024; fix it with --set port=..."
        );
        assert_eq!(
            error_text(&params.missing_problems(&["owner".into()])),
            "invalid answers:\n  - /owner: required parameter has no answer and no default; pass --set owner=..."
        );
    }

    #[test]
    fn json_reports_are_worded_too() {
        let report = serde_json::json!({
            "error": {"message": "x; fix it by giving `/port` a valid value", "causes": []},
            "count": 2.5,
            "list": ["ours kept (the upstream diff shows theirs)"],
        });
        let text = json_text(&report);
        assert!(text.contains("fix it with --set port=..."), "{text}");
        assert!(
            text.contains("ours kept (compare with `scaffold diff --upstream`)"),
            "{text}"
        );
        assert!(text.contains("\"count\": 2.5"), "{text}");
    }

    #[test]
    fn json_data_is_printed_as_it_is() {
        let phrase = "or use offline mode if it is cached";
        let report = serde_json::json!({
            "files": [{"path": "README.md", "content": phrase}],
            "hooks": [{"stdout": phrase, "stderr": phrase}],
            "answers": {"note": phrase},
            "note": phrase,
        });
        let v: serde_json::Value = serde_json::from_str(&json_text(&report)).unwrap();
        assert_eq!(v["files"][0]["content"], phrase);
        assert_eq!(v["hooks"][0]["stdout"], phrase);
        assert_eq!(v["hooks"][0]["stderr"], phrase);
        assert_eq!(v["answers"]["note"], phrase);
        assert_eq!(v["note"], "or use --offline if it is cached");
    }
}
