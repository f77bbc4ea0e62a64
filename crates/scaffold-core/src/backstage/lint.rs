//! `scaffold lint` of a Backstage Template: every expression and local skeleton file
//! parses; custom actions and remote sources are warnings (they do not run here);
//! and the template runs in memory with sample answers (each parameter's default,
//! first example or first choice, else a value of its type) so a broken step is
//! found before anyone fills in the form.

use serde_json::{Map, Value, json};

use crate::error::DefinitionProblem;
use crate::golden_path::answers::QuestionKind;
use crate::golden_path::lint::LintReport;
use crate::golden_path::{AnswerInput, GoldenPath};

/// Lint `gp`, which runs a Template, into `report`.
pub(crate) fn lint(gp: &GoldenPath, report: &mut LintReport) {
    let Some(tpl) = gp.backstage() else {
        return;
    };
    let (errors, warnings) = tpl.check();
    report.warnings.extend(warnings);
    report
        .problems
        .extend(errors.into_iter().map(|e| DefinitionProblem {
            message: if e.snippet.is_empty() {
                e.message
            } else {
                format!("{}\n{}", e.message, e.snippet)
            },
            location: e.location,
        }));
    if !report.problems.is_empty() {
        return;
    }
    let values = sample_answers(gp);
    let location = tpl.origin("/spec/parameters");
    let at = crate::error::Location {
        file: location.file,
        line: location.line,
        column: location.column,
    };
    let answers = match gp.resolve_answers(&AnswerInput {
        values: values.clone(),
        sets: Vec::new(),
    }) {
        Ok(a) => a,
        Err(e) => {
            report.warnings.push(DefinitionProblem {
                location: at,
                message: format!("not run with sample answers {}: {e}", Value::Object(values)),
            });
            return;
        }
    };
    // Lint never fetches: remote skeletons are listed as not run in this run.
    match tpl.without_remote().run(gp, &answers) {
        Ok(_) => report.examples_rendered += 1,
        Err(e) => report.problems.push(DefinitionProblem {
            location: e.location().cloned().unwrap_or(at),
            message: format!("the template fails with sample answers: {e}"),
        }),
    }
}

/// An answer for every parameter without a default.
fn sample_answers(gp: &GoldenPath) -> Map<String, Value> {
    let mut out = Map::new();
    for q in gp.parameters().questions() {
        if q.default.is_some() {
            continue;
        }
        let v = if let Some(e) = q.examples.first() {
            e.clone()
        } else if let Some(c) = q.choices.first() {
            c.clone()
        } else {
            match q.kind {
                QuestionKind::Boolean => json!(false),
                QuestionKind::Integer | QuestionKind::Number => json!(1),
                QuestionKind::Json if q.type_name == "array" => json!([]),
                QuestionKind::Json => json!({}),
                _ if q.pattern.as_deref() == Some(crate::backstage::params::REPO_URL_PATTERN) => {
                    json!("github.com?owner=example&repo=example")
                }
                _ if q.name.to_lowercase().contains("owner") => json!("group:default/example"),
                _ => json!("example"),
            }
        };
        out.insert(q.name, v);
    }
    out
}
