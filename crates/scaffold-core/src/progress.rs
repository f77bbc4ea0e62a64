//! Progress of long operations, for a front end to draw: the library reports each
//! stage of `new`, `update`, `check` and `fleet report` (and each hook before it runs) to an
//! [`Observer`], and never draws anything itself. The CLI's spinner and bars are one
//! such observer; [`Silent`] is the default.

use serde::Serialize;

/// A stage of a long operation, in the order the operations go through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Stage {
    /// Rendering a golden path in memory.
    Render,
    /// Comparing a render with the destination.
    Plan,
    /// Writing the plan's files.
    Write,
    /// The first commit of a new project's repository.
    Commit,
    /// Running the golden path's hooks in the project.
    Hooks,
    /// Checking projects against their manifests.
    Check,
    /// Reading the repositories of a fleet (`total`: repositories).
    Fleet,
}

impl Stage {
    /// The stage in a few words, for a spinner.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Render => "rendering",
            Stage::Plan => "planning",
            Stage::Write => "writing",
            Stage::Commit => "committing",
            Stage::Hooks => "running hooks",
            Stage::Check => "checking",
            Stage::Fleet => "reading repositories",
        }
    }
}

/// What an [`Observer`] is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A stage starts; `total` is the number of steps when known (files to write,
    /// projects to check, hooks to run).
    Start {
        /// The stage.
        stage: Stage,
        /// Steps in it, when known.
        total: Option<usize>,
    },
    /// `done` steps of a stage are finished.
    Advance {
        /// The stage.
        stage: Stage,
        /// Steps finished so far.
        done: usize,
    },
    /// A hook is about to run: its command, shown before it runs.
    Hook {
        /// The command, as the definition spells it.
        command: &'a str,
        /// Its place among the hooks that run, from 1.
        index: usize,
        /// How many hooks run.
        total: usize,
    },
    /// A stage is over.
    Finish {
        /// The stage.
        stage: Stage,
    },
}

/// Receives progress [`Event`]s, from any thread.
pub trait Observer: Sync {
    /// One event.
    fn event(&self, event: &Event<'_>);
}

impl<F: Fn(&Event<'_>) + Sync> Observer for F {
    fn event(&self, event: &Event<'_>) {
        self(event)
    }
}

/// The observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Observer for Silent {
    fn event(&self, _: &Event<'_>) {}
}

/// Run `f` as `stage`: `Start`, then `f`, then `Finish` (also when `f` fails).
pub(crate) fn stage<T>(
    observer: &dyn Observer,
    stage: Stage,
    total: Option<usize>,
    f: impl FnOnce() -> T,
) -> T {
    observer.event(&Event::Start { stage, total });
    let out = f();
    observer.event(&Event::Finish { stage });
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Mutex;

    use super::*;
    use crate::golden_path::{AnswerInput, GoldenPath};

    /// Records the stages it is told of, and each hook's command.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl Observer for Recorder {
        fn event(&self, e: &Event<'_>) {
            let line = match e {
                Event::Start { stage, .. } => format!("start {}", stage.describe()),
                Event::Finish { stage } => format!("finish {}", stage.describe()),
                Event::Hook { command, .. } => format!("hook {command}"),
                Event::Advance { .. } => return,
            };
            self.0.lock().unwrap().push(line);
        }
    }

    impl Recorder {
        fn take(&self) -> Vec<String> {
            std::mem::take(&mut *self.0.lock().unwrap())
        }
    }

    fn write_golden_path(dir: &Path, version: &str, readme: &str) -> std::path::PathBuf {
        std::fs::create_dir_all(dir.join("skeleton")).unwrap();
        std::fs::write(
            dir.join("golden-path.yaml"),
            format!(
                "apiVersion: scaffold/v1\nkind: GoldenPath\nmetadata: {{name: observed, version: {version}}}\nspec:\n  parameters: {{type: object, properties: {{name: {{type: string}}}}}}\n  skeletons: [{{path: skeleton}}]\n  hooks:\n    - run: 'true'\n"
            ),
        )
        .unwrap();
        std::fs::write(dir.join("skeleton/README.md.tera"), readme).unwrap();
        dir.join("golden-path.yaml")
    }

    #[test]
    fn an_observer_sees_every_stage_of_new_update_and_check_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let def = write_golden_path(&tmp.path().join("gp"), "1.0.0", "# {{ name }}\n");
        let gp = GoldenPath::load(&crate::source::local_definition(&def)).unwrap();
        let mut input = AnswerInput::default();
        input.values.insert("name".into(), "svc".into());
        let answers = gp.resolve_answers(&input).unwrap();
        let rec = Recorder::default();

        // new: render, plan, write, commit, hooks.
        let rendered = gp.render_with(&answers, &rec).unwrap();
        let dest = tmp.path().join("svc");
        let options = crate::new::NewOptions {
            dest: dest.clone(),
            force: false,
            into: false,
        };
        let plan = crate::new::plan_new_with(&gp, &answers, &rendered, &options, &rec).unwrap();
        let (_, commit) = crate::new::apply_new_with(&gp, &plan, true, None, &rec).unwrap();
        crate::new::run_new_hooks(&gp, &plan, commit.as_deref(), true, &rec).unwrap();
        assert_eq!(
            rec.take(),
            [
                "start rendering",
                "finish rendering",
                "start planning",
                "finish planning",
                "start writing",
                "finish writing",
                "start committing",
                "finish committing",
                "start running hooks",
                "hook true",
                "finish running hooks",
            ]
        );

        // update: render, plan, write, hooks.
        write_golden_path(&tmp.path().join("gp"), "1.1.0", "# {{ name }}\n\nmore\n");
        let engine = crate::Engine::builder().builtin(false).build();
        let project = crate::project::Project::select(&dest, None, false)
            .unwrap()
            .remove(0);
        let options = crate::update::UpdateOptions::default();
        let target = crate::update::load_target(&engine, &project, &options).unwrap();
        let plan =
            crate::update::plan_update_with(&engine, &project, target, &options, &rec).unwrap();
        let plans = [plan];
        crate::update::apply_all_with(&plans, &crate::write::ApplyOptions::default(), &rec)
            .unwrap();
        let reports = crate::update::run_update_hooks(&plans, &|_| true, &rec);
        assert_eq!(reports[0][0].status, crate::hooks::HookStatus::Passed);
        assert_eq!(
            rec.take(),
            [
                "start rendering",
                "finish rendering",
                "start planning",
                "finish planning",
                "start writing",
                "finish writing",
                "start running hooks",
                "hook true",
                "finish running hooks",
            ]
        );

        // check: one stage over the projects.
        let found = crate::check::find_projects(std::slice::from_ref(&dest)).unwrap();
        let opts = crate::check::CheckOptions {
            render: false,
            offline: true,
        };
        let run = crate::check::check_all_with(&engine, found, &opts, &[], &rec);
        assert_eq!(run.exit_code, 0);
        assert_eq!(rec.take(), ["start checking", "finish checking"]);
    }
}
