//! Progress of long operations, for a front end to draw: the library reports each
//! stage of `new`, `update` and `check` (and each hook before it runs) to an
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
