//! # scaffold-core
//!
//! The engine behind `scaffold`: golden paths (a definition plus skeleton trees) are
//! loaded from the built-in library, local directories or git repositories; answers
//! are validated against the golden path's JSON Schema; skeletons are rendered with
//! Tera in memory; and the result is written atomically with an answers file that
//! lets `update` re-apply newer versions as a three-way merge and lets `check` detect
//! drift without rendering.
//!
//! The library prints nothing, prompts for nothing and never exits: callers get data
//! (plans, reports, errors with locations) and decide what to show and write.
//!
//! ```
//! use scaffold_core::{AnswerInput, Engine, NewOptions};
//!
//! # fn main() -> Result<(), scaffold_core::Error> {
//! // Load a built-in golden path.
//! let engine = Engine::new();
//! let gp = engine.load("go-microservice")?;
//!
//! // Answers: values plus typed `key=value` settings; defaults fill the rest.
//! let mut input = AnswerInput::default();
//! input.sets.push("name=payments-api".into());
//! input.sets.push("owner=team-payments".into());
//! let answers = gp.resolve_answers(&input)?;
//!
//! // Render in memory and look at the result.
//! let rendered = gp.render(&answers)?;
//! assert!(rendered.files.contains_key("catalog-info.yaml"));
//!
//! // Plan and write the tree (atomically), answers file included.
//! let dir = tempfile::tempdir().unwrap();
//! let dest = dir.path().join("payments-api");
//! let plan = scaffold_core::plan_new(&gp, &answers, &rendered, &NewOptions { dest: dest.clone(), ..Default::default() })?;
//! scaffold_core::apply(&plan.plan)?;
//! assert!(dest.join(".scaffold/go-microservice.yaml").is_file());
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod backstage;
pub mod check;
pub mod config;
pub mod diff;
pub mod engine;
pub mod error;
pub mod export;
pub mod fleet;
pub mod golden_path;
pub mod hooks;
pub mod init;
pub mod merge;
pub mod new;
pub mod progress;
pub mod project;
pub mod source;
pub mod tree;
pub mod update;
pub mod write;

pub use engine::{
    CatalogEntry, CatalogVersion, CatalogVersions, ENGINE_VERSION, Engine, EngineBuilder, Reference,
};
pub use error::{Error, ErrorKind, Result};
pub use golden_path::answers::{
    AnswerLine, AnswerOrigin, Parameters, Question, QuestionKind, TypedAnswer,
};
pub use golden_path::definition::Definition;
pub use golden_path::limits::{LimitOverrides, Limits};
pub use golden_path::lint::{LintReport, lint};
pub use golden_path::render::{Rendered, RenderedFile};
pub use golden_path::{AnswerInput, Answers, GoldenPath, Policy};
pub use hooks::{HookReport, HookStage, HookStatus};
pub use new::{EntryStatus, NewOptions, NewPlan, PreviewEntry, plan_new};
pub use progress::{Event, Observer, Silent, Stage};
pub use project::journal::ProjectLock;
pub use project::provenance::{AnswersFile, ManifestEntry};
pub use source::SourceRecord;
pub use write::{Applied, ApplyOptions, Change, Op, Plan, apply, apply_with};
