//! Backstage Software Templates (`scaffolder.backstage.io/v1beta3`, `kind: Template`)
//! run by scaffold's own engine, offline.
//!
//! A Template file is loaded as a [`GoldenPath`]: its parameter pages are merged into
//! one JSON Schema ([`params`]) that scaffold's [`crate::Parameters`] validates and
//! asks from, and its render is the run of its steps ([`actions`]) in memory, over a
//! workspace that becomes the same [`Rendered`] tree a golden path renders. So
//! `new`, `new --dry-run`, `show`, `lint`, the answers file, the baseline, `update`
//! and `check` need nothing of their own. Expressions are Backstage's `${{ }}`
//! (Nunjucks), run by Tera 2 after a translation ([`expr`]); the filters Backstage
//! ships are in [`filters`]. What cannot run here (custom actions, remote sources)
//! is reported as not run, never dropped silently: [`RunReport`].

pub mod actions;
pub mod catalog;
pub(crate) mod expr;
pub mod filters;
pub(crate) mod lint;
pub mod params;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{DefinitionProblem, Error, Location, Result};
use crate::golden_path::definition::{Definition, Metadata, Spec, YamlPositions};
use crate::golden_path::render::Rendered;
use crate::golden_path::{Answers, GoldenPath};
use crate::source::{Located, TemplateFs};

use expr::{Evaluator, Origin};

/// The `apiVersion` of the templates scaffold runs.
pub const API_VERSION: &str = "scaffolder.backstage.io/v1beta3";
/// The annotation recording the template version on the generated catalog entity.
pub const VERSION_ANNOTATION: &str = "backstage.io/template-version";

/// A Template document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateDoc {
    /// `scaffolder.backstage.io/v1beta3`.
    pub api_version: String,
    /// `Template`.
    pub kind: String,
    /// The entity metadata.
    pub metadata: TemplateMetadata,
    /// Parameters, steps, output.
    pub spec: TemplateSpec,
}

/// `metadata:` of a Template (the catalog entity's metadata).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateMetadata {
    /// The entity name.
    pub name: String,
    /// Display title.
    #[serde(default)]
    pub title: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Annotations; [`VERSION_ANNOTATION`] gives the version of a local template.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Namespace, labels, links and the rest, kept as they are.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `spec:` of a Template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateSpec {
    /// The owning entity.
    #[serde(default)]
    pub owner: Option<String>,
    /// The kind of thing created (`service`, `website`, …).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// One JSON Schema object, or an array of form pages.
    #[serde(default)]
    pub parameters: Option<Value>,
    /// The steps, in order.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// `links` and `text` shown after the run.
    #[serde(default)]
    pub output: Option<Value>,
    /// Anything else (e.g. `presentation`, `EXPERIMENTAL_recovery`), kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Its id (for `steps.<id>.output`).
    #[serde(default)]
    pub id: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The action, e.g. `fetch:template`.
    pub action: String,
    /// The action's input (expressions rendered before the action runs).
    #[serde(default)]
    pub input: Value,
    /// Run only when this is truthy.
    #[serde(default, rename = "if")]
    pub condition: Option<Value>,
    /// Run once per item of this array (or entry of this object), as `each`.
    #[serde(default)]
    pub each: Option<Value>,
}

/// A loaded Template: the document and where it lives.
#[derive(Debug, Clone)]
pub struct Template {
    /// The parsed document.
    pub doc: TemplateDoc,
    file: String,
    text: String,
    positions: YamlPositions,
    fs: TemplateFs,
    remote: Option<crate::source::remote::Remote>,
    definition_path: String,
    version: String,
}

/// What happened to one step (`--format json`: the `backstage.steps` rows).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    /// The step id (`step-N`, 1-based, when it has none).
    pub id: String,
    /// Its `name`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The action.
    pub action: String,
    /// `ran`, `skipped` (its `if` was false) or `not-run`.
    pub status: StepStatus,
    /// Why it did not run, or what running it meant here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The rendered input of a step that did not run (secrets masked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
    /// The outputs it produced for later steps.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub output: Map<String, Value>,
}

/// Status of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// It ran (in memory, or as its offline equivalent).
    Ran,
    /// Its `if` was false.
    Skipped,
    /// The engine does not run it (a custom action, a remote source).
    NotRun,
}

/// What a Template's run did besides the files (docs/json.md, `backstage`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunReport {
    /// Every step, in order (each iteration of an `each` step is one row).
    pub steps: Vec<StepReport>,
    /// `spec.output` rendered (`links`, `text`), when the template has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// The messages of `debug:log` steps.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<String>,
}

impl RunReport {
    /// The steps that did not run.
    pub fn not_run(&self) -> impl Iterator<Item = &StepReport> {
        self.steps.iter().filter(|s| s.status == StepStatus::NotRun)
    }
}

/// A run: the files and the report.
#[derive(Debug, Clone)]
pub struct Run {
    /// The workspace as a render.
    pub rendered: Rendered,
    /// The steps, outputs and log.
    pub report: RunReport,
}

/// A report of `new` (or its preview) with the Template's run beside it: the JSON of
/// `new --format json` for a Template (docs/json.md).
#[derive(Debug, Clone, Serialize)]
pub struct WithRun<'a, T: Serialize> {
    /// The report `new` makes for any golden path.
    #[serde(flatten)]
    pub report: &'a T,
    /// The Template's steps, outputs and log.
    pub backstage: &'a RunReport,
}

/// Whether `text` is a Backstage Template document (any `scaffolder.backstage.io`
/// version; only v1beta3 loads).
pub fn is_template(text: &str) -> bool {
    if !text.contains("scaffolder.backstage.io") {
        return false;
    }
    let Ok(v) = serde_yaml::from_str::<Value>(text) else {
        // Not YAML: a Template still when its head says so, so that the YAML error is
        // reported as a Template's (with its line and column).
        let top = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::trim)
        };
        return top("kind:") == Some("Template")
            && top("apiVersion:").is_some_and(|a| a.starts_with("scaffolder.backstage.io/"));
    };
    v.get("kind").and_then(Value::as_str) == Some("Template")
        && v.get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|a| a.starts_with("scaffolder.backstage.io/"))
}

fn syntax_error(file: &str, e: &serde_yaml::Error) -> Error {
    let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
    Error::DefinitionSyntax {
        location: Location {
            file: file.to_string(),
            line,
            column,
        },
        message: format!("not a valid Backstage Template: {e}"),
    }
}

/// Load a Template from `located` (its text already read) as a golden path.
pub(crate) fn load(located: &Located, file: String, text: String) -> Result<GoldenPath> {
    let doc: TemplateDoc = serde_yaml::from_str(&text).map_err(|e| syntax_error(&file, &e))?;
    let positions = YamlPositions::of(&text);
    let mut problems = Vec::new();
    if doc.api_version != API_VERSION {
        problems.push(DefinitionProblem {
            location: positions.locate(&file, "/apiVersion"),
            message: format!(
                "apiVersion `{}` is not supported: scaffold runs `{API_VERSION}` Templates (migrate the template to v1beta3)",
                doc.api_version
            ),
        });
    }
    let schema = match params::merge(doc.spec.parameters.as_ref(), &file, &positions) {
        Ok(s) => Some(s),
        Err(p) => {
            problems.extend(p);
            None
        }
    };
    problems.extend(actions::step_problems(&doc, &file, &positions));
    let parameters = schema.as_ref().and_then(|s| {
        crate::Parameters::new(&doc.metadata.name, s)
            .map_err(|e| {
                problems.push(DefinitionProblem {
                    location: positions.locate(&file, "/spec/parameters"),
                    message: format!("spec.parameters is not a valid JSON Schema: {e}"),
                })
            })
            .ok()
    });
    let (Some(parameters), true) = (parameters, problems.is_empty()) else {
        return Err(Error::DefinitionInvalid { file, problems });
    };
    let version = located
        .version
        .clone()
        .or_else(|| doc.metadata.annotations.get(VERSION_ANNOTATION).cloned())
        .unwrap_or_else(|| "0.0.0".to_string());
    let definition = Definition {
        api_version: doc.api_version.clone(),
        kind: doc.kind.clone(),
        metadata: Metadata {
            name: doc.metadata.name.clone(),
            title: doc.metadata.title.clone(),
            description: doc.metadata.description.clone(),
            version: version.clone(),
            owner: doc.spec.owner.clone(),
            tags: doc.metadata.tags.clone(),
        },
        spec: Spec {
            applies_to: Vec::new(),
            parameters: schema.unwrap_or_default(),
            computed: Vec::new(),
            skeletons: Vec::new(),
            files: Default::default(),
            examples: Vec::new(),
            syntax: None,
            limits: Default::default(),
            requirements: Vec::new(),
            hooks: Vec::new(),
        },
    };
    let template = Template {
        doc,
        file,
        positions,
        fs: located.fs.clone(),
        remote: located.remote.clone(),
        definition_path: located.definition.clone(),
        version,
        text: text.clone(),
    };
    Ok(GoldenPath::from_backstage(
        located, definition, text, parameters, template,
    ))
}

impl Template {
    /// The template file as the user knows it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Where the node at a JSON pointer of the document is.
    pub(crate) fn origin(&self, pointer: &str) -> Origin {
        let (line, column) = self.positions.nearest(pointer).unwrap_or((0, 0));
        Origin {
            file: self.file.clone(),
            line,
            column,
        }
    }

    /// Run every step in memory for these answers.
    pub fn run(&self, gp: &GoldenPath, answers: &Answers) -> Result<Run> {
        let ev = Evaluator::new(gp.limits())?;
        let mut parameters = answers.values.clone();
        for q in gp.parameters().questions() {
            parameters.entry(q.name).or_insert(Value::Null);
        }
        let secret_names = gp.parameters().secrets();
        let secrets: Map<String, Value> = parameters
            .iter()
            .filter(|(k, _)| secret_names.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut runner = actions::Runner::new(self, &ev, parameters, secrets);
        for (i, step) in self.doc.spec.steps.iter().enumerate() {
            runner.step(i, step)?;
        }
        let output = match &self.doc.spec.output {
            Some(o) => {
                let ctx = runner.context(None)?;
                let origin = |path: &[String]| self.origin(&pointer("/spec/output", path));
                ev.value(o, &ctx, &origin, &mut Vec::new())?
            }
            None => None,
        };
        let (rendered, mut report) = runner.finish(&self.version)?;
        report.output = output;
        Ok(Run { rendered, report })
    }

    /// Every expression of the steps and every skeleton file that does not parse, and
    /// a warning for each step that will not run (for lint).
    pub fn check(&self) -> (Vec<crate::error::TemplateError>, Vec<DefinitionProblem>) {
        actions::check(self)
    }

    pub(crate) fn remote(&self) -> Option<&crate::source::remote::Remote> {
        self.remote.as_ref()
    }

    /// This template without git access: its remote skeletons are not fetched.
    pub(crate) fn without_remote(&self) -> Template {
        Template {
            remote: None,
            ..self.clone()
        }
    }

    pub(crate) fn fs(&self) -> &TemplateFs {
        &self.fs
    }

    pub(crate) fn definition_path(&self) -> &str {
        &self.definition_path
    }

    /// The raw text of the template file.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// `base` + `/seg` for each path segment, escaped.
pub(crate) fn pointer(base: &str, path: &[String]) -> String {
    let mut p = base.to_string();
    for s in path {
        p.push('/');
        p.push_str(&crate::golden_path::definition::pointer_segment(s));
    }
    p
}
