//! Questions on a terminal, driven by the parameters schema: a choice for an enum, a
//! confirm for a boolean, text otherwise, defaults shown, each answer validated at
//! the prompt and asked again on error. The library supplies the questions and the
//! validation; this module only talks to the terminal.

use std::io::IsTerminal;

use dialoguer::{Confirm, Input, Password, Select, theme::ColorfulTheme};
use serde_json::{Map, Value};

use scaffold_core::{Error, Parameters, QuestionKind};

/// Whether we may ask: stdin and stderr are terminals and --no-input was not given.
pub fn interactive(no_input: bool) -> bool {
    !no_input && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Ask every question whose answer is not in `given`, in schema order. `only` limits
/// the questions to these names when set.
pub fn ask(
    params: &Parameters,
    given: &mut Map<String, Value>,
    only: Option<&[String]>,
) -> Result<(), Error> {
    let theme = ColorfulTheme::default();
    let io_err = |e: dialoguer::Error| {
        Error::Usage(format!(
            "prompt failed: {e}; pass answers with --set or --no-input"
        ))
    };
    for q in params.questions() {
        if given.contains_key(&q.name) || only.is_some_and(|o| !o.contains(&q.name)) {
            continue;
        }
        let prompt = match &q.description {
            Some(d) => format!("{} ({d})", q.title),
            None => q.title.clone(),
        };
        let value = match q.kind {
            QuestionKind::Choice => {
                let items: Vec<String> = q.choices.iter().map(display).collect();
                let default = q
                    .default
                    .as_ref()
                    .and_then(|d| q.choices.iter().position(|c| c == d))
                    .unwrap_or(0);
                let i = Select::with_theme(&theme)
                    .with_prompt(&prompt)
                    .items(&items)
                    .default(default)
                    .interact()
                    .map_err(io_err)?;
                q.choices[i].clone()
            }
            QuestionKind::Boolean => Value::Bool(
                Confirm::with_theme(&theme)
                    .with_prompt(&prompt)
                    .default(q.default.as_ref().and_then(Value::as_bool).unwrap_or(false))
                    .interact()
                    .map_err(io_err)?,
            ),
            _ if q.secret => {
                let name = q.name.clone();
                let text = Password::with_theme(&theme)
                    .with_prompt(&prompt)
                    .validate_with(|s: &String| -> Result<(), String> {
                        let v = params.coerce(&name, s)?;
                        params.validate_one(&name, &v)
                    })
                    .interact()
                    .map_err(io_err)?;
                params.coerce(&q.name, &text).map_err(Error::Usage)?
            }
            _ => {
                let name = q.name.clone();
                let mut input = Input::<String>::with_theme(&theme).with_prompt(&prompt);
                if let Some(d) = &q.default {
                    input = input.default(display(d));
                } else if !q.required {
                    input = input.allow_empty(true);
                }
                let required = q.required;
                let text = input
                    .validate_with(|s: &String| -> Result<(), String> {
                        if s.is_empty() && !required {
                            return Ok(());
                        }
                        let v = params.coerce(&name, s)?;
                        params.validate_one(&name, &v)
                    })
                    .interact_text()
                    .map_err(io_err)?;
                if text.is_empty() && !q.required && q.default.is_none() {
                    continue;
                }
                params.coerce(&q.name, &text).map_err(Error::Usage)?
            }
        };
        given.insert(q.name.clone(), value);
    }
    Ok(())
}
