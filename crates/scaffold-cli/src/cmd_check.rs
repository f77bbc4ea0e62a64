//! `scaffold check` and `scaffold diff`: print the reports of `scaffold_core::check`
//! as a table, JSON or GitHub workflow annotations, and map them to exit codes.

use std::path::Path;

use anstream::{eprintln, print, println};

use scaffold_core::check::{
    self, CheckOptions, CheckRun, CheckedProject, FileStatus, Outcome, ProjectReport,
};
use scaffold_core::project::Project;
use scaffold_core::tree::{Entry, FileMode};
use scaffold_core::update::Action;
use scaffold_core::{Engine, Error, Policy};

use crate::cli::{CheckArgs, CheckFormat, DiffArgs, FailOn, Global};
use crate::output::{self, BOLD, CYAN, DIM, GREEN, RED, RESET, YELLOW};

/// Shown under `scaffold check --help`.
pub const CHECK_HELP: &str = "\
Checks every project (answers file .scaffold/*.yaml) under DIR... without descending
into .git or what .gitignore ignores. Local drift comes from the answers file's
manifest alone: no rendering, no network. Unless --offline, git sources are asked for
their latest tag to report how many versions the project is behind.

--fail-on rules (default: enforced):
  enforced  an enforced path modified, missing or with another mode
  missing   a merged or enforced path missing
  modified  a merged or enforced path modified (or its mode changed)
  behind    a newer version of the golden path exists
  any       all of the above, and (with --render) a manifest that does not match its render
Seed paths belong to the project and never fail a check.

Exit codes:
  0  every project passed
  1  some project failed the --fail-on policy
  2  could not check: no or corrupt answers file, a path outside the project, a source
     that no longer exists or cannot be reached (without --offline), a recorded
     version that is gone

Examples:
  scaffold check                          # CI: fail on enforced drift
  scaffold check --offline -v             # per-file report, no network
  scaffold check services/ --fail-on enforced,behind --format github
  scaffold check --fix                    # restore enforced files from the pristine render";

/// Shown under `scaffold diff --help`.
pub const DIFF_HELP: &str = "\
Without --upstream: the unified diff from the pristine render (the recorded version,
rendered again with the recorded answers) to the working tree, i.e. what the project
changed. With --upstream: what `scaffold update` would change, from the working tree
to the result (conflicts included). Paths in the diff are relative to DIR (or to
the project root), so `scaffold diff | git apply -R` run there undoes local changes.

Run anywhere inside a project, as git is: without DIR, scaffold diffs the projects
under the current directory or, when there are none, the project the current
directory is in. `scaffold diff deploy/base` limits the diff to that path (PATHs typed
without DIR are relative to the current directory, and may name directories). A
first word that is a directory with projects under it is DIR; the PATHs after a DIR
are relative to each project's root.

Exit codes: 0 the diff was printed (empty or not), 2 could not diff.";

/// The library's rules for `--fail-on` values (also `fleet report`'s).
pub fn rules(fail_on: &[FailOn]) -> Vec<check::FailOn> {
    fail_on
        .iter()
        .map(|f| match f {
            FailOn::Enforced => check::FailOn::Enforced,
            FailOn::Missing => check::FailOn::Missing,
            FailOn::Behind => check::FailOn::Behind,
            FailOn::Modified => check::FailOn::Modified,
            FailOn::Any => check::FailOn::Any,
        })
        .collect()
}

/// `path` as the user should see it (relative to the current directory).
fn shown(path: &Path) -> String {
    check::display_path(path, std::env::current_dir().ok().as_deref())
}

/// A path of a project as the user should see it.
fn shown_in(root: &Path, rel: &str) -> String {
    shown(&scaffold_core::tree::to_fs_path(root, rel))
}

pub fn check(engine: &Engine, global: &Global, args: &CheckArgs) -> Result<u8, Error> {
    let result = check_run(engine, global, args);
    if let (Err(e), CheckFormat::Github) = (&result, args.format) {
        // A workflow shows annotations, not stderr: say why nothing was checked.
        println!(
            "::error title=scaffold check::{}",
            escape_data(&format!("could not check: {}", output::error_text(e)))
        );
    }
    result
}

fn check_run(engine: &Engine, global: &Global, args: &CheckArgs) -> Result<u8, Error> {
    let mut found = check::find_projects(&args.dirs)?;
    let mut interrupted = Vec::new();
    if args.fix {
        // --fix writes: lock each project and roll back an interrupted run first.
        let mut rolled_back = false;
        for f in &found {
            if let Ok(project) = &f.project {
                let had_journal = scaffold_core::project::journal::interrupted(&project.root);
                let _lock = crate::lock_and_recover(&project.root, global.quiet)?;
                rolled_back |= had_journal;
                if had_journal {
                    // The rollback may have restored the answers file: read it again.
                    let project = Project::open(&f.answers_path)?;
                    fix(engine, global, args.format, &project)?;
                } else {
                    fix(engine, global, args.format, project)?;
                }
            }
        }
        if rolled_back {
            found = check::find_projects(&args.dirs)?;
        }
    } else {
        for f in &found {
            if let Ok(project) = &f.project {
                if scaffold_core::project::journal::interrupted(&project.root) {
                    interrupted.push(project.root.clone());
                }
            }
        }
    }
    let opts = CheckOptions {
        render: args.render,
        offline: global.offline,
    };
    // A bar on a terminal only: never in CI logs or with JSON or GitHub output.
    let progress = output::Progress::new(global.quiet, args.format != CheckFormat::Human);
    let mut run = check::check_all_with(engine, found, &opts, &rules(&args.fail_on), &progress);
    drop(progress);
    run.relative_to(std::env::current_dir().ok().as_deref());
    match args.format {
        CheckFormat::Json => output::json(&run),
        CheckFormat::Github => print_github(&run),
        CheckFormat::Human => print_human(&run, global),
    }
    if !interrupted.is_empty() {
        for root in &interrupted {
            let message = format!(
                "an interrupted scaffold run left `{}` half written (journal in .scaffold/journal); run `scaffold update` or `scaffold check --fix` there to roll it back",
                shown(root)
            );
            if args.format == CheckFormat::Github {
                annotation("error", &shown(root), &message);
            }
            eprintln!("error: {message}");
        }
        return Ok(2);
    }
    Ok(run.exit_code)
}

fn fix(
    engine: &Engine,
    global: &Global,
    format: CheckFormat,
    project: &Project,
) -> Result<(), Error> {
    let fix = check::fix_plan(engine, project)?;
    if fix.restored.is_empty() {
        return Ok(());
    }
    let hook = crate::fault_hook();
    let opts = scaffold_core::ApplyOptions {
        after_write: hook
            .as_deref()
            .map(|h| h as scaffold_core::write::WriteHook<'_>),
        before_publish: None,
    };
    scaffold_core::apply_with(&fix.plan, &opts)?;
    for f in &fix.restored {
        let path = shown_in(&project.root, &f.path);
        let was = match f.status {
            FileStatus::Missing => "was missing",
            FileStatus::ModeChanged => "mode was changed",
            _ => "was modified",
        };
        match format {
            CheckFormat::Github => println!(
                "::notice file={},title=scaffold check --fix::restored enforced path ({was})",
                escape_property(&path)
            ),
            CheckFormat::Json => eprintln!("restored {path} ({was})"),
            CheckFormat::Human if !global.quiet => {
                println!("{GREEN}restored{RESET} {path} {DIM}({was}){RESET}");
            }
            CheckFormat::Human => {}
        }
    }
    Ok(())
}

fn drift_summary(r: &ProjectReport) -> String {
    let c = &r.counts;
    let mut parts = Vec::new();
    if c.modified > 0 {
        parts.push(format!("{} modified", c.modified));
    }
    if c.missing > 0 {
        parts.push(format!("{} missing", c.missing));
    }
    if c.mode_changed > 0 {
        parts.push(format!("{} mode changed", c.mode_changed));
    }
    if parts.is_empty() {
        return "none".to_string();
    }
    let mut s = parts.join(", ");
    if c.enforced_drift > 0 {
        s.push_str(&format!(" ({} enforced)", c.enforced_drift));
    }
    s
}

fn template_summary(r: &ProjectReport) -> String {
    match (&r.behind, &r.latest) {
        (Some(b), _) => b.to_string(),
        // Newer than the latest (a tag deleted, a golden path rolled back, an older
        // scaffold reading a newer project); the report's notes say which.
        (None, Some(l)) if scaffold_core::source::is_downgrade(&r.version, l) => {
            format!("ahead of the latest ({} > {l})", r.version)
        }
        (None, Some(l)) => format!("up to date ({l})"),
        (None, None) => "not checked (offline)".to_string(),
    }
}

fn status_colour(s: FileStatus) -> &'static str {
    match s {
        FileStatus::Unchanged => DIM,
        FileStatus::Modified | FileStatus::ModeChanged => YELLOW,
        FileStatus::Missing => RED,
    }
}

fn print_human(run: &CheckRun, global: &Global) {
    if !global.quiet {
        print_table(run);
    }
    for p in &run.projects {
        print_project(p, global);
    }
    print_verdict(run, global);
}

/// One row per project: where, what, drift, template, result.
fn print_table(run: &CheckRun) {
    let mut rows = Vec::new();
    for p in &run.projects {
        let result = match p.outcome {
            Outcome::Passed => format!("{GREEN}passed{RESET}"),
            Outcome::Failed => format!("{RED}failed{RESET}"),
            Outcome::Error => format!("{RED}error{RESET}"),
        };
        rows.push(match &p.report {
            Some(r) => vec![
                r.root.display().to_string(),
                r.golden_path.clone(),
                r.version.clone(),
                r.counts.total.to_string(),
                drift_summary(r),
                template_summary(r),
                result,
            ],
            None => vec![
                p.answers_path.display().to_string(),
                "?".into(),
                "?".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                result,
            ],
        });
    }
    print!(
        "{}",
        output::table(
            &[
                "PROJECT",
                "GOLDEN PATH",
                "VERSION",
                "FILES",
                "DRIFT",
                "TEMPLATE",
                "RESULT"
            ],
            &rows
        )
    );
}

/// A project's files (`-v`), notes, failures, or the error that stopped its check.
fn print_project(p: &CheckedProject, global: &Global) {
    if let Some(r) = &p.report {
        if global.verbose {
            print_files(r);
        }
        if !global.quiet {
            for n in &r.notes {
                println!(
                    "{YELLOW}note{RESET}: {}: {}",
                    r.root.display(),
                    output::flag_words(n)
                );
            }
            if !r.manifest_mismatch.is_empty() {
                println!(
                    "{YELLOW}note{RESET}: {}: {} manifest entries do not match the render of {} {}: {}",
                    r.root.display(),
                    r.manifest_mismatch.len(),
                    r.golden_path,
                    r.version,
                    r.manifest_mismatch.join(", ")
                );
            }
        }
        for f in &p.failures {
            let at = f.path.as_deref().map_or_else(
                || format!("{}/{}", r.root.display(), r.answers_file),
                |path| shown_in(&r.root, path),
            );
            println!("{RED}fail{RESET}: {at}: {}", output::flag_words(&f.message));
        }
    }
    if let Some(e) = &p.error {
        let file = p.answers_path.display().to_string();
        let message = output::flag_words(&e.message);
        if e.message.contains(&file) {
            eprintln!("{RED}{BOLD}error{RESET}: {message}");
        } else {
            eprintln!("{RED}{BOLD}error{RESET}: {file}: {message}");
        }
        for c in &e.causes {
            eprintln!("  {DIM}caused by:{RESET} {}", output::flag_words(c));
        }
    }
}

/// The last line: how many were checked, and what failed under which rules.
fn print_verdict(run: &CheckRun, global: &Global) {
    let count = |o: Outcome| run.projects.iter().filter(|p| p.outcome == o).count();
    let (failed, errors) = (count(Outcome::Failed), count(Outcome::Error));
    let n = run.projects.len();
    let rules: Vec<&str> = run.fail_on.iter().map(|r| r.as_str()).collect();
    let what = format!("{n} project{} checked", if n == 1 { "" } else { "s" });
    if errors > 0 {
        println!("{RED}{what}: {errors} could not be checked{RESET}");
    } else if failed > 0 {
        println!(
            "{RED}{what}: {failed} failed{RESET} (--fail-on {}){}",
            rules.join(","),
            if global.verbose {
                ""
            } else {
                "; -v lists every file, `scaffold diff` shows the changes, `scaffold check --fix` restores enforced files"
            }
        );
    } else if !global.quiet {
        println!(
            "{GREEN}{what}: passed{RESET} (--fail-on {})",
            rules.join(",")
        );
    }
}

fn print_files(r: &ProjectReport) {
    println!(
        "\n{BOLD}{}{RESET}: {} {} from {} {DIM}(compared with the {}){RESET}",
        r.root.display(),
        r.golden_path,
        r.version,
        r.source,
        match r.baseline {
            check::Baseline::Manifest => "manifest",
            check::Baseline::Render => "render",
        }
    );
    for f in &r.files {
        let detail = match (&f.detail, f.status) {
            (Some(d), _) => format!(" {DIM}({}){RESET}", output::flag_words(d)),
            (None, FileStatus::ModeChanged) => format!(
                " {DIM}({} -> {}){RESET}",
                f.expected_mode,
                f.actual_mode.map_or("?", FileMode::as_str)
            ),
            _ => String::new(),
        };
        println!(
            "  {}{:<12}{RESET} {:<8} {}{detail}",
            status_colour(f.status),
            f.status.as_str().replace('_', " "),
            f.policy.to_string(),
            f.path
        );
    }
    println!();
}

/// Escape the message of a workflow command.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property (`file=`, `title=`) of a workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A workflow annotation; the message's library texts are worded with the CLI's flags.
fn annotation(level: &str, file: &str, message: &str) {
    println!(
        "::{level} file={},title=scaffold check::{}",
        escape_property(file),
        escape_data(&output::flag_words(message))
    );
}

fn print_github(run: &CheckRun) {
    for p in &run.projects {
        print_github_project(p);
    }
    let count = |o: Outcome| run.projects.iter().filter(|p| p.outcome == o).count();
    println!(
        "scaffold check: {} project(s): {} passed, {} failed, {} could not be checked",
        run.projects.len(),
        count(Outcome::Passed),
        count(Outcome::Failed),
        count(Outcome::Error)
    );
}

fn print_github_project(p: &CheckedProject) {
    let answers = p.answers_path.display().to_string();
    if let Some(e) = &p.error {
        annotation("error", &answers, &format!("could not check: {e}"));
        return;
    }
    let Some(r) = &p.report else { return };
    let failed: std::collections::HashSet<&str> = p
        .failures
        .iter()
        .filter_map(|f| f.path.as_deref())
        .collect();
    for f in &p.failures {
        let file = f
            .path
            .as_deref()
            .map_or_else(|| answers.clone(), |path| shown_in(&r.root, path));
        annotation("error", &file, &format!("{}: {}", r.golden_path, f.message));
    }
    for f in &r.files {
        if f.status.is_drift() && f.policy != Policy::Seed && !failed.contains(f.path.as_str()) {
            let what = if f.policy == Policy::Enforced {
                "enforced path"
            } else {
                "path"
            };
            annotation(
                "warning",
                &shown_in(&r.root, &f.path),
                &format!(
                    "{}: {what} {} (drift from the golden path; `scaffold diff` shows it)",
                    r.golden_path,
                    f.status.as_str().replace('_', " ")
                ),
            );
        }
    }
    let behind_failed = p
        .failures
        .iter()
        .any(|f| f.kind == check::FailureKind::Behind);
    if let (Some(b), false) = (&r.behind, behind_failed) {
        annotation(
            "warning",
            &answers,
            &format!("{} is {b}; run `scaffold update`", r.golden_path),
        );
    }
}

// ---------------------------------------------------------------------------
// diff
// ---------------------------------------------------------------------------

fn content(e: Option<&Entry>) -> Option<&[u8]> {
    e.filter(|e| e.mode != FileMode::Dir)
        .map(|e| &e.content[..])
}

/// A git-style diff of one path from `old` to `new`.
fn print_entry_diff(path: &str, old: Option<&Entry>, new: Option<&Entry>) {
    println!("{BOLD}diff --git a/{path} b/{path}{RESET}");
    match (old, new) {
        (None, Some(n)) => println!("{BOLD}new file mode {}{RESET}", n.mode),
        (Some(o), None) => println!("{BOLD}deleted file mode {}{RESET}", o.mode),
        (Some(o), Some(n)) if o.mode != n.mode => {
            println!("{BOLD}old mode {}{RESET}", o.mode);
            println!("{BOLD}new mode {}{RESET}", n.mode);
        }
        _ => {}
    }
    let is_dir = |e: Option<&Entry>| e.is_some_and(|e| e.mode == FileMode::Dir);
    if is_dir(old) || is_dir(new) {
        return;
    }
    let (a, b) = (content(old), content(new));
    if a != b {
        print!("{}", output::unified_diff(path, a, b));
    }
}

pub fn diff(engine: &Engine, global: &Global, args: &DiffArgs) -> Result<u8, Error> {
    let cwd = std::env::current_dir()
        .map_err(|e| Error::Usage(format!("cannot read the current directory: {e}")))?;
    let words: Vec<String> = args
        .dir
        .iter()
        .map(|d| d.to_string_lossy().into_owned())
        .chain(args.paths.iter().cloned())
        .collect();
    let scopes = scaffold_core::diff::diff_scopes(&cwd, &words)?;
    if args.upstream {
        for s in &scopes {
            diff_upstream(engine, global, args, s)?;
        }
        return Ok(0);
    }
    let mut n = 0;
    for s in &scopes {
        let diffs = check::diff_local_all(engine, &s.dir, &s.projects, &s.filters)?;
        for (p, d) in s.projects.iter().zip(&diffs) {
            let pre = check::path_prefix(&s.dir, &p.root);
            for f in &d.files {
                n += 1;
                print_entry_diff(
                    &format!("{pre}{}", f.path),
                    f.pristine.as_ref(),
                    f.working.as_ref(),
                );
            }
        }
    }
    if !global.quiet && n == 0 {
        eprintln!("{DIM}no local changes: every generated path matches its pristine render{RESET}");
    }
    Ok(0)
}

fn action_colour(a: Action) -> &'static str {
    match a {
        Action::Conflict | Action::EnforcedOverwritten => RED,
        Action::Kept => DIM,
        Action::Deleted => YELLOW,
        _ => GREEN,
    }
}

fn diff_upstream(
    engine: &Engine,
    global: &Global,
    args: &DiffArgs,
    scope: &scaffold_core::diff::DiffScope,
) -> Result<u8, Error> {
    let (dir, projects) = (scope.dir.as_path(), scope.projects.as_slice());
    let plans =
        check::diff_upstream_all(engine, dir, projects, args.to.as_deref(), &scope.filters)?;
    for (p, plan) in projects.iter().zip(&plans) {
        let (pre, root) = (check::path_prefix(dir, &p.root), shown(&p.root));
        let files = &plan.files;
        if !global.quiet {
            eprintln!(
                "{BOLD}{root}{RESET}: {} {} -> {} {DIM}({}){RESET}",
                plan.golden_path, plan.from_version, plan.to_version, plan.source
            );
            for f in files
                .iter()
                .filter(|f| f.action != Action::Kept || global.verbose)
            {
                let from = f
                    .from
                    .as_ref()
                    .map(|f| format!(" (from {f})"))
                    .unwrap_or_default();
                eprintln!(
                    "  {}{:<20}{RESET} {pre}{}{from} {DIM}{}{RESET}",
                    action_colour(f.action),
                    f.action.as_str(),
                    f.path,
                    output::flag_words(&f.detail)
                );
            }
            if files
                .iter()
                .all(|f| f.before == f.after && f.from.is_none())
            {
                eprintln!("  {DIM}update would change nothing here{RESET}");
            }
        }
        for f in files {
            if let Some(from) = &f.from {
                println!("{CYAN}rename {pre}{from} -> {pre}{}{RESET}", f.path);
            }
            if f.before != f.after {
                let path = format!("{pre}{}", f.path);
                println!("{BOLD}diff --git a/{path} b/{path}{RESET}");
                print!(
                    "{}",
                    output::unified_diff(&path, f.before.as_deref(), f.after.as_deref())
                );
            }
        }
    }
    Ok(0)
}
