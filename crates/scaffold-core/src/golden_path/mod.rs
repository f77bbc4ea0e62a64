//! A loaded golden path: definition, compiled parameters, its source, and the
//! operations on it: resolve answers, evaluate computed values, render in memory, and
//! classify output paths by policy.

pub mod answers;
pub mod changelog;
pub mod definition;
pub mod limits;
pub mod lint;
pub mod render;
pub mod schema;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{DefinitionProblem, Error, Location, Result};
use crate::golden_path::answers::Parameters;
use crate::golden_path::definition::{Definition, Syntax};
use crate::golden_path::limits::{Budget, Limits};
use crate::golden_path::render::{
    DropReason, Dropped, LayerInput, RenderJob, Rendered, new_tera, render_str,
};
use crate::source::{Located, SourceRecord, TemplateFs};

/// A golden path as `scaffold show` describes it (the JSON contract of
/// `show --format json`, docs/json.md).
#[derive(Debug, Clone, Serialize)]
pub struct GoldenPathInfo<'a> {
    /// `metadata.name`.
    pub name: &'a str,
    /// `metadata.title`.
    pub title: Option<&'a str>,
    /// The version.
    pub version: &'a str,
    /// `metadata.description`.
    pub description: Option<&'a str>,
    /// `metadata.owner`.
    pub owner: Option<&'a str>,
    /// `metadata.tags`.
    pub tags: &'a [String],
    /// Where it was loaded from.
    pub source: &'a SourceRecord,
    /// The definition file as the user knows it.
    pub definition: String,
    /// The questions, in order.
    pub parameters: Vec<crate::golden_path::answers::Question>,
    /// The computed values, in definition order.
    pub computed: Vec<ComputedValue<'a>>,
    /// The skeleton layers.
    pub skeletons: &'a [crate::golden_path::definition::Layer],
    /// Path policy globs.
    pub policy: &'a crate::golden_path::definition::PolicyGlobs,
    /// Example answer sets.
    pub examples: &'a [Value],
    /// The changelog entry of this version (or the newest one not newer), if any.
    pub changelog_newest: Option<crate::golden_path::changelog::ChangelogEntry>,
    /// For an add-on: the golden paths it applies to (`spec.appliesTo`); empty otherwise.
    pub applies_to: &'a [String],
    /// The add-ons in the engine's libraries that apply to this golden path (filled by
    /// [`crate::Engine::info`]; empty from [`GoldenPath::info`], which knows no library).
    pub add_ons: Vec<String>,
    /// The tools a generated project needs locally (`spec.requirements`).
    pub requirements: &'a [crate::golden_path::definition::Requirement],
    /// The commands run in a project after `new`/`update` when trusted (`spec.hooks`).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub hooks: &'a [crate::golden_path::definition::Hook],
}

/// One computed value of a [`GoldenPathInfo`].
#[derive(Debug, Clone, Serialize)]
pub struct ComputedValue<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its template.
    pub template: &'a str,
    /// The parameters and earlier computed values its template names, in
    /// definition order.
    pub inputs: Vec<String>,
    /// What it is, in a few words, for people: `computed from name, org`, or
    /// `constant: 3.11` for a template that names nothing.
    pub description: String,
}

/// What `update` and `check` do with a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Three-way merged on update (the default).
    Merged,
    /// Written by `new` only, never touched again.
    Seed,
    /// Always takes the template's version; drift fails `check`.
    Enforced,
}

impl std::fmt::Display for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Policy::Merged => "merged",
            Policy::Seed => "seed",
            Policy::Enforced => "enforced",
        })
    }
}

/// Answers ready for rendering: the user's (with defaults) and the computed values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Answers {
    /// Answers after defaults, validated.
    pub values: Map<String, Value>,
    /// Computed values, in definition order.
    pub computed: Map<String, Value>,
}

/// Where answers come from before defaults and validation.
#[derive(Debug, Clone, Default)]
pub struct AnswerInput {
    /// From a values file or a previous answers file.
    pub values: Map<String, Value>,
    /// `--set key=value` strings, applied after `values`.
    pub sets: Vec<String>,
}

/// A golden path, loaded and checked, ready to render.
#[derive(Debug)]
pub struct GoldenPath {
    /// The parsed definition.
    pub definition: Definition,
    /// Where it came from.
    pub source: SourceRecord,
    /// Its version: the git tag where there is one, else `metadata.version`.
    pub version: String,
    fs: TemplateFs,
    definition_path: String,
    definition_text: String,
    parameters: Parameters,
    policy: PolicyMatcher,
    limits: Limits,
    engine_version: String,
    backstage: Option<Arc<crate::backstage::Template>>,
}

/// Matches output paths against `spec.files.policy`.
#[derive(Debug, Clone)]
pub struct PolicyMatcher {
    enforced: ignore::gitignore::Gitignore,
    seed: ignore::gitignore::Gitignore,
}

impl PolicyMatcher {
    fn new(enforced: &[String], seed: &[String]) -> Self {
        let build = |globs: &[String]| {
            let mut b = ignore::gitignore::GitignoreBuilder::new("");
            for g in globs {
                // Invalid globs were reported when the definition was checked.
                let _ = b.add_line(None, g);
            }
            b.build()
                .unwrap_or_else(|_| ignore::gitignore::Gitignore::empty())
        };
        PolicyMatcher {
            enforced: build(enforced),
            seed: build(seed),
        }
    }

    /// The policy of an output path. Enforced wins over seed.
    pub fn of(&self, path: &str) -> Policy {
        if self
            .enforced
            .matched_path_or_any_parents(path, false)
            .is_ignore()
        {
            Policy::Enforced
        } else if self
            .seed
            .matched_path_or_any_parents(path, false)
            .is_ignore()
        {
            Policy::Seed
        } else {
            Policy::Merged
        }
    }
}

impl GoldenPath {
    /// Load and check a located definition. Every problem is reported at once.
    pub fn load(located: &Located) -> Result<GoldenPath> {
        let file = located.fs.display(&located.definition);
        let bytes = located.fs.read(&located.definition)?;
        let text = String::from_utf8(bytes).map_err(|_| Error::DefinitionSyntax {
            location: Location {
                file: file.clone(),
                line: 0,
                column: 0,
            },
            message: "the definition is not UTF-8 text".to_string(),
        })?;
        if crate::backstage::is_template(&text) {
            return crate::backstage::load(located, file, text);
        }
        let definition = Definition::parse(&file, &text)?;
        let mut problems = definition.problems(&file, &text);
        let parameters =
            match Parameters::new(&definition.metadata.name, &definition.spec.parameters) {
                Ok(p) => Some(p),
                Err(e) => {
                    if !problems.iter().any(|p| p.message.contains("JSON Schema")) {
                        problems.push(DefinitionProblem {
                            location: crate::golden_path::definition::locate(
                                &file,
                                &text,
                                "parameters:",
                            ),
                            message: format!("spec.parameters is not a valid JSON Schema: {e}"),
                        });
                    }
                    None
                }
            };
        if let Some(props) = definition
            .spec
            .parameters
            .get("properties")
            .and_then(serde_json::Value::as_object)
        {
            for (name, _) in &definition.spec.computed {
                if props.contains_key(name) || name == "scaffold" {
                    problems.push(DefinitionProblem {
                        location: crate::golden_path::definition::locate(&file, &text, &format!("{name}:")),
                        message: format!(
                            "spec.computed.{name} would shadow the answer of parameter `{name}`; give the computed value another name"
                        ),
                    });
                }
            }
        }
        for layer in &definition.spec.skeletons {
            let dir = located.fs.resolve(&located.definition, &layer.path);
            if !dir.as_deref().is_some_and(|d| located.fs.is_dir(d)) {
                problems.push(DefinitionProblem {
                    location: crate::golden_path::definition::locate(&file, &text, &layer.path),
                    message: format!(
                        "skeleton `{}` does not exist (paths are relative to the definition file)",
                        layer.path
                    ),
                });
            }
        }
        if let Some(s) = &definition.spec.syntax {
            if let Err(e) = new_tera(Some(s), &Budget::new(Limits::DEFAULT)) {
                problems.push(DefinitionProblem {
                    location: crate::golden_path::definition::locate(&file, &text, "syntax:"),
                    message: format!("invalid spec.syntax: {e}"),
                });
            }
        }
        let Some(parameters) = parameters.filter(|_| problems.is_empty()) else {
            return Err(Error::DefinitionInvalid { file, problems });
        };
        let policy = PolicyMatcher::new(
            &definition.spec.files.policy.enforced,
            &definition.spec.files.policy.seed,
        );
        let limits = Limits::resolve(&definition.spec.limits, &located.limits);
        let version = located
            .version
            .clone()
            .unwrap_or_else(|| definition.metadata.version.clone());
        Ok(GoldenPath {
            definition,
            source: located.record.clone(),
            version,
            fs: located.fs.clone(),
            definition_path: located.definition.clone(),
            limits,
            definition_text: text,
            parameters,
            policy,
            engine_version: crate::ENGINE_VERSION.to_string(),
            backstage: None,
        })
    }

    /// A golden path whose render is a Backstage Template's run (see
    /// [`crate::backstage`]).
    pub(crate) fn from_backstage(
        located: &Located,
        definition: Definition,
        text: String,
        parameters: Parameters,
        template: crate::backstage::Template,
    ) -> GoldenPath {
        GoldenPath {
            limits: Limits::resolve(&definition.spec.limits, &located.limits),
            policy: PolicyMatcher::new(&[], &[]),
            version: definition.metadata.version.clone(),
            definition,
            source: located.record.clone(),
            fs: located.fs.clone(),
            definition_path: located.definition.clone(),
            definition_text: text,
            parameters,
            engine_version: crate::ENGINE_VERSION.to_string(),
            backstage: Some(Arc::new(template)),
        }
    }

    /// The Backstage Template this golden path runs, when it is one.
    pub fn backstage(&self) -> Option<&crate::backstage::Template> {
        self.backstage.as_deref()
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        &self.definition.metadata.name
    }

    /// Whether this is an add-on (it has `spec.appliesTo`): applied with `new --into`
    /// to an existing project of one of [`GoldenPath::applies_to`].
    pub fn is_add_on(&self) -> bool {
        !self.definition.spec.applies_to.is_empty()
    }

    /// The golden paths this add-on applies to (empty: not an add-on).
    pub fn applies_to(&self) -> &[String] {
        &self.definition.spec.applies_to
    }

    /// The bounds every render of this golden path obeys: the caller's overrides, else
    /// `spec.limits` (capped), else the defaults.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Replace the render bounds (e.g. from the command line).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The engine version templates see as `scaffold.engine_version` (default: this
    /// scaffold's). A recorded render is reproduced with the engine version that made
    /// it, so a template that prints it still renders byte for byte.
    pub fn set_engine_version(&mut self, version: &str) {
        self.engine_version = version.to_string();
    }

    /// The compiled parameters.
    pub fn parameters(&self) -> &Parameters {
        &self.parameters
    }

    /// Path policies.
    pub fn policy(&self) -> &PolicyMatcher {
        &self.policy
    }

    /// The definition file as the user knows it.
    pub fn definition_file(&self) -> String {
        self.fs.display(&self.definition_path)
    }

    /// What `scaffold show` reports (see docs/json.md).
    pub fn info(&self) -> GoldenPathInfo<'_> {
        let m = &self.definition.metadata;
        let spec = &self.definition.spec;
        GoldenPathInfo {
            name: self.name(),
            title: m.title.as_deref(),
            version: &self.version,
            description: m.description.as_deref(),
            owner: m.owner.as_deref(),
            tags: &m.tags,
            source: &self.source,
            definition: self.definition_file(),
            parameters: self.parameters.questions(),
            computed: spec
                .computed
                .iter()
                .map(|(name, template)| {
                    let inputs = self.computed_inputs(template);
                    let description = if !inputs.is_empty() {
                        format!("computed from {}", inputs.join(", "))
                    } else if template.contains("{{") || template.contains("{%") {
                        "computed".to_string()
                    } else if template.is_empty() {
                        "constant: \"\"".to_string()
                    } else {
                        format!("constant: {template}")
                    };
                    ComputedValue {
                        name,
                        template,
                        inputs,
                        description,
                    }
                })
                .collect(),
            skeletons: &spec.skeletons,
            policy: &spec.files.policy,
            examples: &spec.examples,
            changelog_newest: crate::golden_path::changelog::newest(self),
            applies_to: &spec.applies_to,
            add_ons: Vec::new(),
            requirements: &spec.requirements,
            hooks: &spec.hooks,
        }
    }

    /// The parameters and computed values a computed value's template names, in
    /// definition order (empty when it names none, or does not compile).
    fn computed_inputs(&self, template: &str) -> Vec<String> {
        let budget = Budget::new(self.limits);
        let Ok(mut probe) = self.tera(&budget) else {
            return Vec::new();
        };
        if probe.add_raw_template("__computed", template).is_err() {
            return Vec::new();
        }
        let Ok(vars) = probe.get_template_variables("__computed") else {
            return Vec::new();
        };
        let vars: std::collections::HashSet<String> =
            vars.into_iter().map(|v| v.to_string()).collect();
        let params = self
            .definition
            .spec
            .parameters
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default();
        params
            .into_iter()
            .chain(self.definition.spec.computed.iter().map(|(k, _)| k.clone()))
            .filter(|n| vars.contains(n))
            .collect()
    }

    /// Path of the definition file inside [`GoldenPath::fs`].
    pub fn definition_path(&self) -> &str {
        &self.definition_path
    }

    /// The template source.
    pub fn fs(&self) -> &TemplateFs {
        &self.fs
    }

    fn syntax(&self) -> Syntax {
        self.definition.spec.syntax.clone().unwrap_or_default()
    }

    /// Merge the inputs (values, then `--set`), fill defaults, validate everything
    /// (reporting every problem), then evaluate the computed values in order.
    pub fn resolve_answers(&self, input: &AnswerInput) -> Result<Answers> {
        self.parameters.check_keys(&input.values)?;
        let mut values = input.values.clone();
        self.parameters.coerce_booleans(&mut values);
        // A bad --set is one problem among the others: collect them all.
        let mut problems = Vec::new();
        for s in &input.sets {
            match self.parameters.parse_set(s) {
                Ok((k, v)) => {
                    values.insert(k, v);
                }
                Err(e) => problems.push(crate::error::AnswerProblem {
                    pointer: s
                        .split_once('=')
                        .map(|(k, _)| format!("/{}", k.trim()))
                        .unwrap_or_default(),
                    message: e.to_string(),
                    description: None,
                    hint: None,
                    location: None,
                }),
            }
        }
        let values = self.parameters.with_defaults(&values);
        if let Err(e) = self.parameters.validate(&values) {
            match e {
                Error::InvalidAnswers { problems: more } => problems.extend(more),
                other => return Err(other),
            }
        }
        if !problems.is_empty() {
            problems.sort_by(|a, b| a.pointer.cmp(&b.pointer));
            return Err(Error::InvalidAnswers { problems });
        }
        let computed = self.compute(&values)?;
        Ok(Answers { values, computed })
    }

    /// Evaluate `spec.computed` in order against the answers.
    pub fn compute(&self, values: &Map<String, Value>) -> Result<Map<String, Value>> {
        let budget = Budget::new(self.limits);
        let tera = self.tera(&budget)?;
        let syntax = self.syntax();
        let mut ctx = self.base_context(values)?;
        let mut computed = Map::new();
        for (name, template) in &self.definition.spec.computed {
            let what = format!("{} (spec.computed.{name})", self.definition_file());
            let v = render_str(&tera, template, &ctx, &what, &syntax, &budget)?;
            ctx.insert(name.clone(), &v);
            computed.insert(name.clone(), Value::String(v));
        }
        Ok(computed)
    }

    fn tera(&self, budget: &Arc<Budget>) -> Result<tera::Tera> {
        new_tera(self.definition.spec.syntax.as_ref(), budget).map_err(Error::Usage)
    }

    fn base_context(&self, values: &Map<String, Value>) -> Result<tera::Context> {
        let mut ctx = tera::Context::from_serialize(values)
            .map_err(|e| Error::Usage(format!("answers cannot be used in templates: {e}")))?;
        ctx.insert(
            "scaffold",
            &serde_json::json!({
                "engine_version": self.engine_version,
                "golden_path": self.name(),
                "version": self.version,
            }),
        );
        Ok(ctx)
    }

    /// The full template context for these answers.
    pub fn context(&self, answers: &Answers) -> Result<tera::Context> {
        let mut ctx = self.base_context(&answers.values)?;
        for (k, v) in &answers.computed {
            ctx.insert(k.clone(), v);
        }
        Ok(ctx)
    }

    /// Every top-level name a template or `when` may use: the answers, the declared
    /// parameters, the computed values, `scaffold` (and `loop` inside loops).
    fn known_names(&self, answers: &Answers) -> std::collections::HashSet<String> {
        let mut known: std::collections::HashSet<String> = answers
            .values
            .keys()
            .chain(answers.computed.keys())
            .cloned()
            .collect();
        known.insert("scaffold".to_string());
        known.insert("loop".to_string());
        if let Some(props) = self
            .definition
            .spec
            .parameters
            .get("properties")
            .and_then(Value::as_object)
        {
            known.extend(props.keys().cloned());
        }
        known.extend(self.definition.spec.computed.iter().map(|(k, _)| k.clone()));
        known
    }

    /// A layer's `when` must name only known variables: a typo is an error, not a
    /// silently dropped layer.
    fn check_when_names(
        &self,
        expr: &str,
        what: &str,
        known: &std::collections::HashSet<String>,
        budget: &Arc<Budget>,
    ) -> Result<()> {
        let mut probe = self.tera(budget)?;
        if probe.add_raw_template("__when", expr).is_err() {
            return Ok(()); // the render reports the syntax error with its location
        }
        let Ok(vars) = probe.get_template_variables("__when") else {
            return Ok(());
        };
        let mut unknown: Vec<String> = vars
            .into_iter()
            .map(|v| v.to_string())
            .filter(|v| !known.contains(v) && !v.starts_with("__"))
            .collect();
        unknown.sort();
        let Some(name) = unknown.into_iter().next() else {
            return Ok(());
        };
        Err(Error::Template(Box::new(crate::error::TemplateError {
            location: crate::error::Location {
                file: what.to_string(),
                line: 1,
                column: 1,
            },
            message: crate::golden_path::render::undefined_message(&name, known),
            snippet: String::new(),
            variable: Some(name),
        })))
    }

    /// [`GoldenPath::render`] as the [`Stage::Render`](crate::progress::Stage) stage
    /// of `observer`.
    pub fn render_with(
        &self,
        answers: &Answers,
        observer: &dyn crate::progress::Observer,
    ) -> Result<Rendered> {
        crate::progress::stage(observer, crate::progress::Stage::Render, None, || {
            self.render(answers)
        })
    }

    /// Render the golden path in memory. Nothing is written.
    pub fn render(&self, answers: &Answers) -> Result<Rendered> {
        if let Some(t) = &self.backstage {
            return t.run(self, answers).map(|run| run.rendered);
        }
        let budget = Budget::new(self.limits);
        let tera = self.tera(&budget)?;
        let context = self.context(answers)?;
        let syntax = self.syntax();
        let mut layers = Vec::new();
        let mut dropped = Vec::new();
        let known = self.known_names(answers);
        for layer in &self.definition.spec.skeletons {
            if let Some(when) = &layer.when {
                let what = format!(
                    "{} (`when` of skeleton {})",
                    self.definition_file(),
                    layer.path
                );
                let expr = format!(
                    "{}if {when} {}true{}endif{}",
                    syntax.block_start, syntax.block_end, syntax.block_start, syntax.block_end
                );
                self.check_when_names(&expr, &what, &known, &budget)?;
                if render_str(&tera, &expr, &context, &what, &syntax, &budget)? != "true" {
                    dropped.push(Dropped {
                        layer: layer.path.clone(),
                        source: String::new(),
                        path: None,
                        reason: DropReason::LayerDisabled { when: when.clone() },
                    });
                    continue;
                }
            }
            let dir = self
                .fs
                .resolve(&self.definition_path, &layer.path)
                .ok_or_else(|| {
                    Error::Usage(format!("skeleton `{}` leaves its source", layer.path))
                })?;
            // A skeleton at the definition's own directory must not render the definition.
            let root_dir = dir.trim_end_matches('/').trim_start_matches("./");
            let own_definition = if root_dir.is_empty() || root_dir == "." {
                Some(self.definition_path.trim_start_matches("./").to_string())
            } else {
                self.definition_path
                    .strip_prefix(&format!("{root_dir}/"))
                    .map(str::to_string)
            };
            let entries = self
                .fs
                .list(&dir)?
                .into_iter()
                .filter(|(p, _)| Some(p) != own_definition.as_ref())
                .collect();
            let display_prefix = format!("{}/", self.fs.display(&dir));
            layers.push(LayerInput {
                name: layer.path.clone(),
                display_prefix,
                entries,
            });
        }
        let exclude = if self.definition.spec.files.exclude.is_empty() {
            None
        } else {
            let mut b = ignore::gitignore::GitignoreBuilder::new("");
            for g in &self.definition.spec.files.exclude {
                let _ = b.add_line(None, g);
            }
            b.build().ok()
        };
        RenderJob {
            tera,
            budget,
            known,
            context,
            syntax,
            answers: &answers.values,
            exclude,
        }
        .run(layers, dropped)
    }

    /// Parse every `.tera` file and every name template of every layer on its own, and
    /// return every error (for lint).
    pub fn check_templates(&self) -> Vec<crate::error::TemplateError> {
        if let Some(t) = &self.backstage {
            return t.check().0;
        }
        check_templates(
            &self.fs,
            &self.definition_path,
            &self.definition,
            self.limits,
        )
    }

    /// The raw definition text.
    pub fn definition_text(&self) -> &str {
        &self.definition_text
    }
}

/// Every `.tera` file and templated name of `definition`'s skeletons that does not
/// parse. Needs only the definition's shape, so lint runs it on a definition whose
/// schema or other rules are broken, too.
pub(crate) fn check_templates(
    fs: &TemplateFs,
    definition_path: &str,
    definition: &Definition,
    limits: Limits,
) -> Vec<crate::error::TemplateError> {
    let syntax = definition.spec.syntax.clone().unwrap_or_default();
    let mut errors = Vec::new();
    for layer in &definition.spec.skeletons {
        let Some(dir) = fs.resolve(definition_path, &layer.path) else {
            continue;
        };
        let Ok(entries) = fs.list(&dir) else {
            continue;
        };
        for (rel, entry) in entries {
            let display = format!("{}/{rel}", fs.display(&dir));
            let mut check = |name: &str, text: &str| {
                let Ok(mut tera) = new_tera(definition.spec.syntax.as_ref(), &Budget::new(limits))
                else {
                    return;
                };
                if let Err(e) = tera.add_raw_template(name, text) {
                    let sources = std::collections::HashMap::from([(
                        name.to_string(),
                        crate::golden_path::render::Source::new(&display, text),
                    )]);
                    errors.push(crate::golden_path::render::template_error(&e, &sources));
                }
            };
            for component in rel
                .split('/')
                .filter(|c| crate::golden_path::render::has_syntax(c, &syntax))
            {
                check("name", component);
            }
            if rel.ends_with(".tera") && entry.mode != crate::tree::FileMode::Symlink {
                match std::str::from_utf8(&entry.content) {
                    Ok(text) => check("file", text),
                    Err(_) => errors.push(crate::error::TemplateError {
                        location: Location {
                            file: display.clone(),
                            line: 0,
                            column: 0,
                        },
                        message: "a `.tera` file must be UTF-8 text".to_string(),
                        snippet: String::new(),
                        variable: None,
                    }),
                }
            }
        }
    }
    errors
}
