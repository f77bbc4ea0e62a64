//! A golden path's hooks (`spec.hooks`, SPEC §10b, docs/hooks.md): commands run with
//! `sh -c` in the project root after `new` or `update` wrote it. The caller decides
//! whether the source is trusted ([`run_hooks`] runs nothing otherwise and reports
//! each hook as not run); the caller never calls this for a dry run, and `update` calls
//! it once per project after the apply step, never for the renders it plans from.
//!
//! Each hook runs with stdin closed, in its own process group, bounded by its timeout
//! (the whole group is killed when it runs out); its output is captured, cut at
//! [`OUTPUT_LIMIT`] bytes per stream, into a [`HookReport`]. The first hook that fails
//! stops the rest (reported as skipped); the files already written stay.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::golden_path::definition::{Hook, HookWhen};
use crate::progress::{Event, Observer, Stage};

/// Bytes of stdout and of stderr kept per hook; the rest is counted, not kept.
pub const OUTPUT_LIMIT: usize = 64 * 1024;

/// The command after which hooks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HookStage {
    /// After `new` wrote the project.
    New,
    /// After `update` applied its plan.
    Update,
}

impl HookStage {
    fn as_str(self) -> &'static str {
        match self {
            HookStage::New => "new",
            HookStage::Update => "update",
        }
    }
}

/// The hooks of `hooks` that run after `stage`, in order.
pub fn hooks_for(hooks: &[Hook], stage: HookStage) -> Vec<&Hook> {
    hooks
        .iter()
        .filter(|h| {
            matches!(
                (h.when, stage),
                (HookWhen::Always, _)
                    | (HookWhen::New, HookStage::New)
                    | (HookWhen::Update, HookStage::Update)
            )
        })
        .collect()
}

/// What became of one hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HookStatus {
    /// It ran and exited 0.
    Passed,
    /// It ran and exited otherwise (or could not be started).
    Failed,
    /// It ran out of time and its process group was killed.
    TimedOut,
    /// Not run: the source is not trusted.
    Untrusted,
    /// Not run: an earlier hook failed.
    Skipped,
}

/// One hook's report (`hooks` in the JSON reports of `new` and `update`, docs/json.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HookReport {
    /// The command, as the definition spells it.
    pub command: String,
    /// What became of it.
    pub status: HookStatus,
    /// Its exit code, when it exited by itself.
    pub exit_code: Option<i32>,
    /// How long it ran, in milliseconds (0 when it did not run).
    pub duration_ms: u64,
    /// Its standard output (lossy UTF-8, cut at [`OUTPUT_LIMIT`] bytes).
    pub stdout: String,
    /// Its standard error, likewise.
    pub stderr: String,
    /// Whether it was killed at its timeout.
    pub timed_out: bool,
}

impl HookReport {
    fn not_run(hook: &Hook, status: HookStatus) -> HookReport {
        HookReport {
            command: hook.run.clone(),
            status,
            exit_code: None,
            duration_ms: 0,
            stdout: String::new(),
            stderr: String::new(),
            timed_out: false,
        }
    }

    /// Whether the hook ran and did not pass (failed or timed out).
    pub fn failed(&self) -> bool {
        matches!(self.status, HookStatus::Failed | HookStatus::TimedOut)
    }
}

/// Whether any hook of `reports` failed or timed out.
pub fn any_failed(reports: &[HookReport]) -> bool {
    reports.iter().any(HookReport::failed)
}

/// Run the hooks of `hooks` that belong to `stage` in `root`, in order, when
/// `trusted`; otherwise report each as [`HookStatus::Untrusted`] and run nothing.
/// `golden_path` is given to the commands as `SCAFFOLD_GOLDEN_PATH`, the stage as
/// `SCAFFOLD_HOOK`. Each command is told to `observer` before it runs.
pub fn run_hooks(
    hooks: &[Hook],
    stage: HookStage,
    root: &Path,
    golden_path: &str,
    trusted: bool,
    observer: &dyn Observer,
) -> Vec<HookReport> {
    let selected = hooks_for(hooks, stage);
    if selected.is_empty() {
        return Vec::new();
    }
    if !trusted {
        return selected
            .into_iter()
            .map(|h| HookReport::not_run(h, HookStatus::Untrusted))
            .collect();
    }
    let total = selected.len();
    crate::progress::stage(observer, Stage::Hooks, Some(total), || {
        let mut out = Vec::with_capacity(total);
        let mut failed = false;
        for (i, hook) in selected.into_iter().enumerate() {
            if failed {
                out.push(HookReport::not_run(hook, HookStatus::Skipped));
                continue;
            }
            observer.event(&Event::Hook {
                command: &hook.run,
                index: i + 1,
                total,
            });
            let report = run_one(hook, stage, root, golden_path);
            failed = report.failed();
            out.push(report);
            observer.event(&Event::Advance {
                stage: Stage::Hooks,
                done: i + 1,
            });
        }
        out
    })
}

fn run_one(hook: &Hook, stage: HookStage, root: &Path, golden_path: &str) -> HookReport {
    let started = Instant::now();
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(&hook.run)
        .current_dir(root)
        .env("SCAFFOLD_HOOK", stage.as_str())
        .env("SCAFFOLD_GOLDEN_PATH", golden_path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group, so that a timeout kills what it started too.
        command.process_group(0);
    }
    let mut report = HookReport::not_run(hook, HookStatus::Failed);
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            report.stderr = format!("cannot start `sh -c`: {e}");
            return report;
        }
    };
    let stdout = child.stdout.take().map(capture);
    let stderr = child.stderr.take().map(capture);
    let deadline = started + hook.timeout();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                report.stderr = format!("cannot wait for the hook: {e}");
                kill(&mut child);
                return report;
            }
        }
    };
    match status {
        Some(status) => {
            report.exit_code = status.code();
            report.status = if status.success() {
                HookStatus::Passed
            } else {
                HookStatus::Failed
            };
        }
        None => {
            kill(&mut child);
            report.status = HookStatus::TimedOut;
            report.timed_out = true;
        }
    }
    // A process that left the group may hold the pipes open: wait a little, no more.
    let grace = Instant::now() + Duration::from_secs(1);
    report.stdout = stdout.map(|r| collect(r, grace)).unwrap_or_default();
    report.stderr = stderr.map(|r| collect(r, grace)).unwrap_or_default();
    if report.timed_out {
        if !report.stderr.is_empty() && !report.stderr.ends_with('\n') {
            report.stderr.push('\n');
        }
        report.stderr.push_str(&format!(
            "killed after {} s (the hook's timeout)",
            hook.timeout().as_secs_f64()
        ));
    }
    report.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    report
}

/// Kill the hook's whole process group (on Unix), then reap it.
fn kill(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let _ = rustix::process::kill_process_group(
            rustix::process::Pid::from_child(child),
            rustix::process::Signal::KILL,
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Read a stream on its own thread, keeping the first [`OUTPUT_LIMIT`] bytes.
fn capture(mut stream: impl Read + Send + 'static) -> std::sync::mpsc::Receiver<(Vec<u8>, usize)> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut dropped = 0usize;
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = OUTPUT_LIMIT.saturating_sub(kept.len()).min(n);
                    kept.extend_from_slice(&buf[..room]);
                    dropped += n - room;
                }
            }
        }
        let _ = tx.send((kept, dropped));
    });
    rx
}

fn collect(rx: std::sync::mpsc::Receiver<(Vec<u8>, usize)>, until: Instant) -> String {
    let wait = until.saturating_duration_since(Instant::now());
    match rx.recv_timeout(wait) {
        Ok((kept, dropped)) => {
            let mut s = String::from_utf8_lossy(&kept).into_owned();
            if dropped > 0 {
                s.push_str(&format!("\n[{dropped} more bytes not kept]"));
            }
            s
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(run: &str, when: HookWhen, timeout: Option<f64>) -> Hook {
        Hook {
            run: run.to_string(),
            when,
            timeout_seconds: timeout,
        }
    }

    #[test]
    fn hooks_are_chosen_by_stage() {
        let hooks = [
            hook("a", HookWhen::New, None),
            hook("b", HookWhen::Update, None),
            hook("c", HookWhen::Always, None),
        ];
        let names = |s| -> Vec<&str> { hooks_for(&hooks, s).iter().map(|h| &*h.run).collect() };
        assert_eq!(names(HookStage::New), ["a", "c"]);
        assert_eq!(names(HookStage::Update), ["b", "c"]);
    }

    #[test]
    fn untrusted_hooks_do_not_run_and_a_failure_skips_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let hooks = [
            hook("echo out; echo err >&2; touch ran", HookWhen::Always, None),
            hook("exit 3", HookWhen::Always, None),
            hook("touch never", HookWhen::Always, None),
        ];
        let r = run_hooks(
            &hooks,
            HookStage::New,
            tmp.path(),
            "x",
            false,
            &crate::progress::Silent,
        );
        assert!(r.iter().all(|h| h.status == HookStatus::Untrusted));
        assert!(!tmp.path().join("ran").exists());

        let seen = std::sync::Mutex::new(Vec::new());
        let observer = |e: &Event<'_>| {
            if let Event::Hook { command, .. } = e {
                seen.lock().unwrap().push(command.to_string());
            }
        };
        let r = run_hooks(&hooks, HookStage::New, tmp.path(), "x", true, &observer);
        let statuses: Vec<_> = r.iter().map(|h| h.status).collect();
        assert_eq!(
            statuses,
            [HookStatus::Passed, HookStatus::Failed, HookStatus::Skipped]
        );
        assert_eq!(
            (r[0].stdout.as_str(), r[0].stderr.as_str()),
            ("out\n", "err\n")
        );
        assert_eq!(r[1].exit_code, Some(3));
        assert!(tmp.path().join("ran").exists() && !tmp.path().join("never").exists());
        assert_eq!(
            *seen.lock().unwrap(),
            [hooks[0].run.clone(), hooks[1].run.clone()]
        );
        assert!(any_failed(&r));
    }

    #[test]
    fn a_hook_that_hangs_is_killed_with_its_children() {
        let tmp = tempfile::tempdir().unwrap();
        let hooks = [hook("sleep 30 & sleep 30", HookWhen::Always, Some(0.5))];
        let started = Instant::now();
        let r = run_hooks(
            &hooks,
            HookStage::Update,
            tmp.path(),
            "x",
            true,
            &crate::progress::Silent,
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(r[0].status, HookStatus::TimedOut);
        assert!(r[0].timed_out && r[0].exit_code.is_none());
        assert!(
            r[0].stderr.contains("killed after 0.5 s"),
            "{}",
            r[0].stderr
        );
    }

    #[test]
    fn output_is_bounded() {
        let tmp = tempfile::tempdir().unwrap();
        let hooks = [hook(
            "head -c 200000 /dev/zero | tr '\\0' a",
            HookWhen::Always,
            None,
        )];
        let r = run_hooks(
            &hooks,
            HookStage::New,
            tmp.path(),
            "x",
            true,
            &crate::progress::Silent,
        );
        assert_eq!(r[0].status, HookStatus::Passed);
        assert!(r[0].stdout.starts_with(&"a".repeat(OUTPUT_LIMIT)));
        assert!(
            r[0].stdout
                .ends_with(&format!("[{} more bytes not kept]", 200_000 - OUTPUT_LIMIT))
        );
    }
}
