//! The prompts of `scaffold new` and `scaffold update` in a real pseudo-terminal
//! (portable-pty), at 80 and 160 columns; the screen is read through a terminal
//! emulator (vt100) and each message is an insta snapshot of the whole screen, so a
//! redraw glitch (a prompt line that wrapped and was cleared wrongly, a stale error)
//! shows in it. The environment is fixed: the sandbox's, TERM=xterm, NO_COLOR=1.
//! Messages: the short prompt, `?`'s description, a validation hint, a required
//! answer, a long title, the name from DEST, the confirmation, and update's questions
//! (no git; overwriting an edited enforced file).

mod common;
mod env;

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Sandbox;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const ROWS: u16 = 60;
const TIMEOUT: Duration = Duration::from_secs(30);

/// The real binary running in a pseudo-terminal of a given width.
struct Pty {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    reader: Option<std::thread::JoinHandle<()>>,
    cols: u16,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Pty {
    /// Run `scaffold ARGS` in `dir` in a terminal `cols` columns wide.
    fn spawn(sb: &Sandbox, dir: &Path, args: &[&str], cols: u16) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_scaffold"));
        cmd.args(args);
        cmd.cwd(dir);
        cmd.env_clear();
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd.env("TERM", "xterm");
        for (k, v) in env::sandbox_vars(sb.root()) {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn scaffold");
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(ROWS).expect("rows"),
            std::num::NonZeroU16::new(cols).expect("cols"),
            0,
        )));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let sink = Arc::clone(&parser);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("parser").process(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().expect("pty writer");
        Pty {
            parser,
            writer,
            child,
            reader: Some(reader),
            cols,
            _master: pair.master,
        }
    }

    /// The screen's text, row by row: trailing blanks of each row and trailing empty
    /// rows removed. A prompt row (one holding `›`) may not have wrapped: dialoguer
    /// counts lines by line breaks, so a wrapped prompt is redrawn wrongly.
    fn screen(&self) -> String {
        let parser = self.parser.lock().expect("parser");
        let screen = parser.screen();
        let rows: Vec<String> = screen
            .rows(0, self.cols)
            .map(|r| r.trim_end().to_string())
            .collect();
        for (i, row) in rows.iter().enumerate() {
            let wrapped = u16::try_from(i).is_ok_and(|i| screen.row_wrapped(i));
            assert!(
                !(wrapped && row.contains('›')),
                "a prompt wrapped at {} columns: {row}",
                self.cols
            );
        }
        let end = rows
            .iter()
            .rposition(|l| !l.is_empty())
            .map_or(0, |i| i + 1);
        rows[..end].join("\n") + "\n"
    }

    /// Wait until the screen shows `needle` and has stopped changing; the screen.
    #[track_caller]
    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return self.settle();
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "the screen never showed {needle:?} ({} columns):\n{screen}",
                self.cols
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The screen once it has not changed for a while.
    fn settle(&self) -> String {
        let mut last = self.screen();
        let mut stable = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(30));
            let now = self.screen();
            if now != last {
                last = now;
                stable = Instant::now();
            } else if stable.elapsed() > Duration::from_millis(200) {
                return last;
            }
        }
    }

    /// Type `text` (`\r` is Enter).
    fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).expect("type");
        self.writer.flush().expect("flush");
    }

    /// Wait for the exit; the exit code and the last screen.
    fn finish(mut self) -> (u32, String) {
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "scaffold did not exit:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader ends when the terminal closes; the screen is complete before.
        let screen = self.settle();
        let reader = self.reader.take();
        drop(self);
        if let Some(r) = reader {
            let _ = r.join();
        }
        (status.exit_code(), screen)
    }
}

fn sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.fixture("prompts");
    sb
}

fn templates(sb: &Sandbox) -> String {
    sb.lib().display().to_string()
}

/// A snapshot of a screen at a width, with the sandbox paths scrubbed.
#[track_caller]
fn snap(sb: &Sandbox, name: &str, cols: u16, screen: &str) {
    let screen = sb.scrub(screen);
    insta::assert_snapshot!(format!("{name}_{cols}"), screen);
}

/// `scaffold new prompts` without DEST, answered from the first question to the
/// confirmation, which is declined: every message of the way, and nothing written.
fn the_questions_of_new(cols: u16) {
    let sb = sandbox();
    let lib = templates(&sb);
    let mut pty = Pty::spawn(
        &sb,
        &sb.work(),
        &["--templates", &lib, "new", "prompts"],
        cols,
    );

    // The short prompt: title, one-line help, no default; the description waits.
    let screen = pty.wait_for("Service name");
    assert!(!screen.contains("Prometheus job"), "{screen}");
    snap(&sb, "short_prompt", cols, &screen);

    // `?` prints the whole description, and asks again.
    pty.send("?\r");
    let screen = pty.wait_for("Prometheus job");
    snap(&sb, "description", cols, &screen);

    // A value the pattern refuses: the rule in words (x-pattern-hint).
    pty.send("Bad Name\r");
    let screen = pty.wait_for("is not allowed");
    assert!(screen.contains("starting with a letter"), "{screen}");
    snap(&sb, "validation_hint", cols, &screen);

    // Enter on a required question without default.
    pty.send("payments-api\r");
    pty.wait_for("Owner");
    pty.send("\r");
    let screen = pty.wait_for("a value is required");
    snap(&sb, "required", cols, &screen);

    // Without a hint, the description explains the pattern.
    pty.send("Team X\r");
    let screen = pty.wait_for("`Team X` is not allowed: Owning team");
    assert!(screen.contains("(pattern"), "{screen}");
    pty.send("team-payments\r");

    // An empty default is not shown as `()`; the long title and default are cut.
    let screen = pty.wait_for("System");
    assert!(!screen.contains("()"), "{screen}");
    pty.send("\r");
    let screen = pty.wait_for("Container registry");
    snap(&sb, "long_title", cols, &screen);
    pty.send("\r");
    pty.wait_for("Criticality tier");
    pty.send("\r");
    pty.wait_for("gRPC contract");
    pty.send("\r");

    // The answers, then one question before writing; `n` writes nothing.
    let screen = pty.wait_for("Create payments-api? [Y/n]");
    snap(&sb, "confirm", cols, &screen);
    pty.send("n\r");
    let (code, screen) = pty.finish();
    assert_eq!(code, 3, "declined: exit 3\n{screen}");
    assert!(screen.contains("Nothing written."), "{screen}");
    assert!(
        common::names_in(&sb.work()).is_empty(),
        "nothing written: {:?}",
        common::names_in(&sb.work())
    );
}

#[test]
fn the_questions_of_new_at_80_columns() {
    the_questions_of_new(80);
}

#[test]
fn the_questions_of_new_at_160_columns() {
    the_questions_of_new(160);
}

/// The name from DEST is said, not asked; Enter at the confirmation creates.
fn the_name_from_dest(cols: u16) {
    let sb = sandbox();
    let lib = templates(&sb);
    let mut pty = Pty::spawn(
        &sb,
        &sb.work(),
        &[
            "--templates",
            &lib,
            "new",
            "prompts",
            "payments-api",
            "--set",
            "owner=team-payments",
            "--no-git",
        ],
        cols,
    );
    let screen = pty.wait_for("System");
    assert!(
        screen.contains("name: payments-api (from DEST)"),
        "{screen}"
    );
    assert!(!screen.contains("Service name"), "{screen}");
    snap(&sb, "from_dest", cols, &screen);
    for next in ["Container registry", "Criticality tier", "gRPC contract"] {
        pty.send("\r");
        pty.wait_for(next);
    }
    pty.send("\r");
    pty.wait_for("Create payments-api? [Y/n]");
    pty.send("\r");
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Created payments-api"), "{screen}");
    let readme = common::read(sb.work().join("payments-api/README.md"));
    assert!(readme.contains("Owned by team-payments;"), "{readme}");
}

#[test]
fn the_name_from_dest_at_80_columns() {
    the_name_from_dest(80);
}

#[test]
fn the_name_from_dest_at_160_columns() {
    the_name_from_dest(160);
}

/// `scaffold update` in a project without git warns and asks; the default is no.
fn update_without_git(cols: u16) {
    let sb = sandbox();
    let lib = templates(&sb);
    let run = sb.run(&[
        "--templates",
        &lib,
        "new",
        "prompts",
        "payments-api",
        "--set",
        "owner=team-payments",
        "--no-git",
        "--no-input",
    ]);
    run.success();
    let project = sb.work().join("payments-api");
    let before = common::read_tree(&project);
    let mut pty = Pty::spawn(
        &sb,
        &project,
        &["--templates", &lib, "update", "--set", "tier=3"],
        cols,
    );
    let screen = pty.wait_for("without a safety net? [y/N]");
    snap(&sb, "update_no_git", cols, &screen);
    pty.send("\r");
    let (code, screen) = pty.finish();
    assert_eq!(code, 3, "{screen}");
    assert_eq!(common::read_tree(&project), before, "nothing written");

    // --yes goes on after the warning.
    let run = sb.run_cmd(sb.cmd().current_dir(&project).args([
        "--templates",
        &lib,
        "update",
        "--set",
        "tier=3",
        "--no-input",
    ]));
    run.success();
    assert!(
        run.stderr.contains("there is no safety net"),
        "{}",
        run.transcript()
    );
    assert!(common::read(project.join("README.md")).contains("tier 3"));
}

#[test]
fn update_without_git_at_80_columns() {
    update_without_git(80);
}

#[test]
fn update_without_git_at_160_columns() {
    update_without_git(160);
}

/// `git ARGS` in `dir`, in the sandbox's environment; panics when it fails.
fn git(sb: &Sandbox, dir: &Path, args: &[&str]) {
    let mut cmd = std::process::Command::new("git");
    cmd.args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args(args)
        .current_dir(dir);
    env::sandbox_env(&mut cmd, sb.root());
    let out = cmd.output().expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// `scaffold update` at the same version over an edited enforced file asks before
/// overwriting it, naming the commit that holds the edit; the default is no.
fn update_over_an_enforced_edit(cols: u16) {
    let sb = sandbox();
    let lib = templates(&sb);
    sb.run(&[
        "--templates",
        &lib,
        "new",
        "prompts",
        "payments-api",
        "--set",
        "owner=team-payments",
        "--no-input",
    ])
    .success();
    let project = sb.work().join("payments-api");
    std::fs::write(project.join("CODEOWNERS"), "* @someone-else\n").unwrap();
    git(&sb, &project, &["commit", "-qam", "edit CODEOWNERS"]);
    let before = common::read_tree(&project);
    let mut pty = Pty::spawn(&sb, &project, &["--templates", &lib, "update"], cols);
    let screen = pty.wait_for("Overwrite your edits of 1 enforced file? [y/N]");
    assert!(
        screen.contains("no new version; restoring 1 enforced file"),
        "{screen}"
    );
    // The commit's hash differs from run to run of git: named, then masked.
    let masked = env::mask_hashes(&screen, "[HASH]");
    snap(&sb, "update_enforced", cols, &masked);
    pty.send("\r");
    let (code, screen) = pty.finish();
    assert_eq!(code, 3, "{screen}");
    assert_eq!(common::read_tree(&project), before, "nothing written");
}

#[test]
fn update_over_an_enforced_edit_at_80_columns() {
    update_over_an_enforced_edit(80);
}

#[test]
fn update_over_an_enforced_edit_at_160_columns() {
    update_over_an_enforced_edit(160);
}
