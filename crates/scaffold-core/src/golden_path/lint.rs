//! `scaffold lint`: every problem of a golden path, each with its location.
//!
//! Checks the definition's shape, that the parameters are a valid JSON Schema, that
//! every skeleton exists, that every `.tera` file and templated name parses, and that
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
}

/// Lint what `scaffold lint PATH` names: a directory without a `golden-path.yaml` is a
/// library, and every definition in it is linted; anything else is located as
/// [`Engine::locate`](crate::Engine::locate) does (a definition file, a template
/// directory, a git source or a name).
pub fn lint_path(engine: &crate::Engine, path: &str) -> crate::Result<Vec<LintReport>> {
    let p = std::path::Path::new(path);
    let located = if p.is_dir() && !p.join("golden-path.yaml").is_file() {
        let found = crate::source::directory_definitions(p)?;
        if found.is_empty() {
            return Err(Error::Usage(format!(
                "no golden-path definitions found in `{path}`"
            )));
        }
        found.into_iter().map(|l| engine.with_limits(l)).collect()
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
    };
    let gp = match GoldenPath::load(located) {
        Ok(gp) => gp,
        Err(Error::DefinitionInvalid { problems, .. }) => {
            report.problems = problems;
            return report;
        }
        Err(Error::DefinitionSyntax { location, message }) => {
            report
                .problems
                .push(DefinitionProblem { location, message });
            return report;
        }
        Err(e) => {
            report.problems.push(at(&file, e.to_string()));
            return report;
        }
    };
    report.golden_path = gp.name().to_string();
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
    for e in gp.check_templates() {
        let mut message = e.message.clone();
        if !e.snippet.is_empty() {
            message = format!("{message}\n{}", e.snippet);
        }
        report.problems.push(DefinitionProblem {
            location: e.location,
            message,
        });
    }
    if gp.definition.spec.examples.is_empty() {
        report.problems.push(DefinitionProblem {
            location: crate::golden_path::definition::locate(&file, gp.definition_text(), "spec:"),
            message: "spec.examples is empty: add at least one answer set so lint and CI can render the golden path".to_string(),
        });
    }
    if !report.problems.is_empty() {
        return report;
    }
    for (i, example) in gp.definition.spec.examples.iter().enumerate() {
        let location =
            crate::golden_path::definition::locate(&file, gp.definition_text(), "examples:");
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
    report
}
