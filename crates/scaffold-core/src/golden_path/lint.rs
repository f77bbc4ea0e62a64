//! `scaffold lint`: every problem of a golden path, each with its location.
//!
//! Checks the definition's shape, that the parameters are a valid JSON Schema, that
//! every skeleton exists, that every `.tera` file and templated name parses, that the
//! Backstage export round-trips ([`crate::export::round_trip_problems`]), and that
//! every example validates and renders.

use serde::Serialize;

use crate::error::{DefinitionProblem, Error, Location};
use crate::golden_path::{AnswerInput, GoldenPath};
use crate::source::Located;

/// The result of linting one golden path.
#[derive(Debug, Clone, Serialize)]
pub struct LintReport {
    /// Golden-path name (or the file name when it does not parse).
    pub golden_path: String,
    /// The definition file.
    pub file: String,
    /// How many examples rendered cleanly.
    pub examples_rendered: usize,
    /// Every problem found; empty means clean.
    pub problems: Vec<DefinitionProblem>,
    /// What works but deserves a look (a Backstage Template's custom actions and
    /// remote sources, which do not run here); warnings do not fail lint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<DefinitionProblem>,
    /// The golden path's hooks (`spec.hooks`), for a reviewer to read: what `new` and
    /// `update` would run in a project once the source is trusted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<crate::golden_path::definition::Hook>,
}

/// Lint what `scaffold lint PATH` names: a directory without a `golden-path.yaml` is a
/// library, and every definition in it is linted; anything else is located as
/// [`Engine::locate`](crate::Engine::locate) does (a definition file, a template
/// directory, a git source or a name).
///
/// A bare word (`scaffold lint broken1`) is read by the rule of
/// [`Reference`](crate::engine::Reference): a directory of that name holding
/// `golden-path.yaml` or other definitions is linted, before any library name.
pub fn lint_path(engine: &crate::Engine, path: &str) -> crate::Result<Vec<LintReport>> {
    let p = std::path::Path::new(path);
    let library = p.is_dir() && !p.join("golden-path.yaml").is_file();
    let found = if library && !crate::source::git::GitSource::looks_like_git(path) {
        crate::source::directory_definitions(p)?
    } else {
        Vec::new()
    };
    let located = if !found.is_empty() {
        found.into_iter().map(|l| engine.with_limits(l)).collect()
    } else if library && crate::engine::spelled_as_path(path) {
        return Err(Error::NoDefinition {
            source_text: path.to_string(),
            reason: format!("no golden-path definitions found in `{path}`"),
        });
    } else {
        vec![engine.locate(path)?]
    };
    Ok(located.iter().map(lint).collect())
}

impl LintReport {
    /// Whether nothing was found.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

fn at(file: &str, message: String) -> DefinitionProblem {
    DefinitionProblem {
        location: Location {
            file: file.to_string(),
            line: 0,
            column: 0,
        },
        message,
    }
}

/// Lint one located golden path.
pub fn lint(located: &Located) -> LintReport {
    let file = located.fs.display(&located.definition);
    let mut report = LintReport {
        golden_path: located.name.clone(),
        file: file.clone(),
        examples_rendered: 0,
        problems: Vec::new(),
        warnings: Vec::new(),
        hooks: Vec::new(),
    };
    let gp = match GoldenPath::load(located) {
        Ok(gp) => gp,
        Err(e) => {
            report.problems = load_problems(located, &file, e);
            return report;
        }
    };
    report.golden_path = gp.name().to_string();
    report.hooks = gp.definition.spec.hooks.clone();
    if gp.backstage().is_some() {
        crate::backstage::lint::lint(&gp, &mut report);
        return report;
    }
    if let Some(stem) = located
        .definition
        .rsplit('/')
        .next()
        .and_then(|f| f.strip_suffix(".yaml"))
    {
        if stem != "golden-path" && stem != gp.name() {
            report.problems.push(DefinitionProblem {
                location: crate::golden_path::definition::locate(&file, gp.definition_text(), "name:"),
                message: format!("metadata.name `{}` differs from the file name `{stem}.yaml`; `scaffold new {stem}` would not find it", gp.name()),
            });
        }
    }
    // The same schema editors are given: a definition the engine loads passes it, and
    // a disagreement is a problem worth seeing.
    report
        .problems
        .extend(crate::golden_path::schema::definition_problems(
            &file,
            gp.definition_text(),
        ));
    report
        .problems
        .extend(gp.definition.default_problems(&file, gp.definition_text()));
    report
        .problems
        .extend(gp.check_templates().into_iter().map(template_problem));
    if gp.definition.spec.examples.is_empty() {
        report.problems.push(DefinitionProblem {
            location: crate::golden_path::definition::locate(&file, gp.definition_text(), "spec:"),
            message: "spec.examples is empty: add at least one answer set so lint and CI can render the golden path".to_string(),
        });
    }
    if !report.problems.is_empty() {
        return report;
    }
    render_examples(&file, &gp, &mut report);
    // After the examples: a portal concern never hides a render failure.
    report.problems.extend(round_trip(&file, &gp));
    report
}

/// The problems of a definition that does not load.
fn load_problems(located: &Located, file: &str, e: Error) -> Vec<DefinitionProblem> {
    match e {
        Error::DefinitionInvalid { mut problems, .. } => {
            // The definition's shape parsed: its templates can still be checked, so
            // one lint run shows a schema typo and a broken template together.
            problems.extend(templates_of_invalid(located));
            problems
        }
        Error::DefinitionSyntax { location, message } => {
            // The parser stops at its first complaint; the published schema
            // (docs/schema/golden-path.schema.json) places every one at its key.
            let schema = definition_text(located)
                .map(|text| crate::golden_path::schema::definition_problems(file, &text))
                .unwrap_or_default();
            if schema.is_empty() {
                vec![DefinitionProblem { location, message }]
            } else {
                schema
            }
        }
        e => vec![at(file, e.to_string())],
    }
}

/// Render every example of `gp`, counting those that render and reporting the others.
fn render_examples(file: &str, gp: &GoldenPath, report: &mut LintReport) {
    for (i, example) in gp.definition.spec.examples.iter().enumerate() {
        let location =
            crate::golden_path::definition::locate(file, gp.definition_text(), "examples:");
        let values = example.as_object().cloned().unwrap_or_default();
        let result = gp
            .resolve_answers(&AnswerInput {
                values,
                sets: Vec::new(),
            })
            .and_then(|answers| gp.render(&answers));
        match result {
            Ok(_) => report.examples_rendered += 1,
            Err(e) => report.problems.push(DefinitionProblem {
                location,
                message: format!("examples[{i}] fails: {e}"),
            }),
        }
    }
}

/// Whether the golden path's Backstage export round-trips (`scaffold export
/// backstage`): each difference at its line in the definition (or its nearest
/// ancestor's), with its pointer.
fn round_trip(file: &str, gp: &GoldenPath) -> Vec<DefinitionProblem> {
    let problems = crate::export::round_trip_problems(gp);
    if problems.is_empty() {
        return Vec::new();
    }
    let positions = crate::golden_path::definition::YamlPositions::of(gp.definition_text());
    problems
        .into_iter()
        .map(|p| DefinitionProblem {
            location: positions.locate(file, &format!("/spec/parameters{}", p.pointer)),
            message: format!(
                "the Backstage export (`scaffold export backstage`) does not round-trip: spec.parameters{}: {}",
                if p.pointer.is_empty() { String::new() } else { format!(" at {}", p.pointer) },
                p.message
            ),
        })
        .collect()
}

fn template_problem(e: crate::error::TemplateError) -> DefinitionProblem {
    let mut message = e.message;
    if !e.snippet.is_empty() {
        message = format!("{message}\n{}", e.snippet);
    }
    DefinitionProblem {
        location: e.location,
        message,
    }
}

/// The definition's text, when it can be read.
fn definition_text(located: &Located) -> Option<String> {
    let bytes = located.fs.read(&located.definition).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The default and template problems of a definition that parses but breaks other
/// rules.
fn templates_of_invalid(located: &Located) -> Vec<DefinitionProblem> {
    let file = located.fs.display(&located.definition);
    let Ok(bytes) = located.fs.read(&located.definition) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let Ok(definition) = crate::Definition::parse(&file, &text) else {
        return Vec::new();
    };
    let limits = crate::Limits::resolve(&definition.spec.limits, &located.limits);
    let mut out = definition.default_problems(&file, &text);
    out.extend(
        crate::golden_path::check_templates(&located.fs, &located.definition, &definition, limits)
            .into_iter()
            .map(template_problem),
    );
    out
}
