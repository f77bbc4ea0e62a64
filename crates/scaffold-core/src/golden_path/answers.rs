//! Answers: typed `--set` values, values files, schema defaults, validation and the
//! questions a front end asks.
//!
//! The parameters block is plain JSON Schema. Validation uses the `jsonschema` crate
//! with no network resolution, and reports every problem at once, each at its JSON
//! pointer with the parameter's description. The library never prompts: it hands the
//! caller [`Question`]s and validates whatever the caller collected.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{AnswerProblem, Error, Location, Result, closest};

/// The compiled parameters schema of one golden path.
pub struct Parameters {
    golden_path: String,
    schema: Value,
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for Parameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parameters")
            .field("schema", &self.schema)
            .finish()
    }
}

/// The type of a question, from the schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum QuestionKind {
    /// Free text (with an optional pattern).
    String,
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// Yes or no.
    Boolean,
    /// One of a list (`enum`).
    Choice,
    /// An array or object, typed as JSON.
    Json,
}

/// One top-level parameter, as a front end needs it to ask.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    /// Property name.
    pub name: String,
    /// How to ask.
    pub kind: QuestionKind,
    /// The schema's `type` text, e.g. `integer`.
    pub type_name: String,
    /// Whether it is in `required`.
    pub required: bool,
    /// The schema default.
    pub default: Option<Value>,
    /// Allowed values for a choice.
    pub choices: Vec<Value>,
    /// Regex the value must match.
    pub pattern: Option<String>,
    /// `title` or the name.
    pub title: String,
    /// `description`.
    pub description: Option<String>,
    /// `x-secret: true` or `format: password`: never written to disk.
    pub secret: bool,
    /// The one-line help a prompt shows: the description's first sentence (`None`
    /// without a description). The full description is shown on demand.
    pub help: Option<String>,
    /// Whether the description says more than [`Question::help`].
    pub more: bool,
    /// `x-pattern-hint`: the rule of `pattern` in words, for failures.
    pub pattern_hint: Option<String>,
    /// The schema's `examples` of this parameter.
    pub examples: Vec<Value>,
}

impl Question {
    /// The default as a prompt shows it: `None` when there is none or it is empty
    /// (an empty default is not shown as `()`).
    pub fn default_text(&self) -> Option<String> {
        self.default
            .as_ref()
            .map(display_value)
            .filter(|d| !d.is_empty())
    }
}

/// A value as text: strings as they are, everything else as JSON.
pub fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The first sentence of `text` (up to a `.` followed by a space, or all of it), on
/// one line.
fn first_sentence(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // Not after an abbreviation such as `e.g.`.
    let end = flat.match_indices(". ").map(|(i, _)| i).find(|&i| {
        let word = flat[..i].rsplit(' ').next().unwrap_or("");
        !matches!(
            word.to_ascii_lowercase().as_str(),
            "e.g" | "i.e" | "etc" | "vs"
        )
    });
    match end {
        Some(i) => flat[..=i].to_string(),
        None => flat,
    }
}

/// The one-line help of a parameter titled `title`: the first sentence of its
/// description, without the title when the sentence starts with it
/// (`Service name: lowercase letters...` -> `lowercase letters...`).
fn help_of(title: &str, description: &str) -> String {
    let first = first_sentence(description);
    let rest = first
        .get(..title.len())
        .filter(|head| head.eq_ignore_ascii_case(title))
        .and_then(|_| first[title.len()..].strip_prefix(':'))
        .map(str::trim)
        .filter(|r| !r.is_empty());
    rest.map_or(first.clone(), str::to_string)
}

/// What a typed answer means ([`Parameters::check_text`]).
#[derive(Debug, Clone, PartialEq)]
pub enum TypedAnswer {
    /// Nothing typed: the default applies (or, without one, an optional parameter
    /// stays unanswered).
    Default,
    /// This value.
    Value(Value),
}

/// Where an answer came from, for the summary shown before writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AnswerOrigin {
    /// The destination directory's name (`new::implied_answers`).
    Destination,
    /// Given by the caller (`--values` or `--set`, when it does not say which).
    Given,
    /// Typed at a prompt.
    Prompt,
    /// The schema default.
    Default,
    /// The user configuration's defaults (docs/config.md).
    Config,
    /// A values file (`--values`).
    Values,
    /// `--set`.
    Set,
}

impl AnswerOrigin {
    /// The note a summary line carries, if any.
    pub fn note(self) -> Option<&'static str> {
        match self {
            AnswerOrigin::Destination => Some("from DEST"),
            AnswerOrigin::Default => Some("default"),
            AnswerOrigin::Config => Some("from config"),
            AnswerOrigin::Given
            | AnswerOrigin::Prompt
            | AnswerOrigin::Values
            | AnswerOrigin::Set => None,
        }
    }
}

/// One line of the answers summary ([`Parameters::summary`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerLine {
    /// The parameter.
    pub name: String,
    /// Its value as text (`********` for a secret, `""` for the empty string).
    pub value: String,
    /// Where it came from.
    pub origin: AnswerOrigin,
}

impl std::fmt::Display for AnswerLine {
    /// `name: payments-api (from DEST)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.value)?;
        match self.origin.note() {
            Some(n) => write!(f, " ({n})"),
            None => Ok(()),
        }
    }
}

impl Parameters {
    /// Compile the schema. An invalid schema is a [`Error::DefinitionInvalid`]-style
    /// problem reported by the caller; here it is a plain error message.
    pub fn new(golden_path: &str, schema: &Value) -> std::result::Result<Parameters, String> {
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(schema)
            .map_err(|e| e.to_string())?;
        Ok(Parameters {
            golden_path: golden_path.to_string(),
            schema: schema.clone(),
            validator,
        })
    }

    /// The raw schema.
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    fn properties(&self) -> Option<&Map<String, Value>> {
        self.schema.get("properties").and_then(Value::as_object)
    }

    fn property(&self, name: &str) -> Option<&Value> {
        self.properties().and_then(|p| p.get(name))
    }

    fn required(&self) -> Vec<&str> {
        self.schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    fn description(&self, name: &str) -> Option<String> {
        self.property(name)
            .and_then(|p| p.get("description").or_else(|| p.get("title")))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// Every top-level parameter in schema order.
    pub fn questions(&self) -> Vec<Question> {
        let required = self.required();
        let Some(props) = self.properties() else {
            return Vec::new();
        };
        props
            .iter()
            .map(|(name, p)| {
                let type_name = type_name(p);
                let choices = p
                    .get("enum")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let kind = if !choices.is_empty() {
                    QuestionKind::Choice
                } else {
                    match type_name.as_str() {
                        "integer" => QuestionKind::Integer,
                        "number" => QuestionKind::Number,
                        "boolean" => QuestionKind::Boolean,
                        "array" | "object" => QuestionKind::Json,
                        _ => QuestionKind::String,
                    }
                };
                let description = p
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let title = p.get("title").and_then(Value::as_str).unwrap_or(name);
                let help = description.as_deref().map(|d| help_of(title, d));
                let more = match (&description, &help) {
                    (Some(d), Some(h)) => d.split_whitespace().collect::<Vec<_>>().join(" ") != *h,
                    _ => false,
                };
                Question {
                    help,
                    more,
                    pattern_hint: p
                        .get(PATTERN_HINT)
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    examples: p
                        .get("examples")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                    name: name.clone(),
                    kind,
                    type_name,
                    required: required.contains(&name.as_str()),
                    default: p.get("default").cloned(),
                    choices,
                    pattern: p.get("pattern").and_then(Value::as_str).map(str::to_string),
                    title: p
                        .get("title")
                        .and_then(Value::as_str)
                        .unwrap_or(name)
                        .to_string(),
                    description,
                    secret: is_secret(p),
                }
            })
            .collect()
    }

    /// The questions a front end asks, in schema order: those without an answer in
    /// `given`, limited to `only` when it is set.
    pub fn questions_to_ask(
        &self,
        given: &Map<String, Value>,
        only: Option<&[String]>,
    ) -> Vec<Question> {
        self.questions()
            .into_iter()
            .filter(|q| !given.contains_key(&q.name))
            .filter(|q| only.is_none_or(|o| o.contains(&q.name)))
            .collect()
    }

    /// Read text typed at the prompt of `q`: nothing typed is the default (or, for a
    /// required parameter without one, "a value is required"); otherwise the value,
    /// typed by the schema and validated, or the failure in words
    /// ([`Parameters::explain`]).
    pub fn check_text(&self, q: &Question, text: &str) -> std::result::Result<TypedAnswer, String> {
        if text.is_empty() {
            return match (&q.default, q.required) {
                (None, true) => Err("a value is required".to_string()),
                _ => Ok(TypedAnswer::Default),
            };
        }
        let value = self.coerce(&q.name, text)?;
        self.explain(&q.name, &value)?;
        Ok(TypedAnswer::Value(value))
    }

    /// Validate one answer on its own and say what is wrong in words: a `pattern`
    /// failure is explained by the parameter's `x-pattern-hint`, else by its
    /// description (the regular expression follows); other failures keep the
    /// validator's message, which is already in words.
    pub fn explain(&self, name: &str, value: &Value) -> std::result::Result<(), String> {
        let Some(p) = self.property(name) else {
            return Ok(());
        };
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(p)
            .map_err(|e| e.to_string())?;
        let mut out: Vec<String> = Vec::new();
        for e in v.iter_errors(value) {
            let line = match e.kind() {
                jsonschema::error::ValidationErrorKind::Pattern { pattern } => {
                    let shown = display_value(value);
                    match p.get(PATTERN_HINT).and_then(Value::as_str) {
                        Some(hint) => format!("`{shown}` is not allowed: {hint}"),
                        None => match self.description(name) {
                            Some(d) => format!(
                                "`{shown}` is not allowed: {} (pattern /{pattern}/)",
                                first_sentence(&d)
                            ),
                            None => format!("`{shown}` does not match the pattern /{pattern}/"),
                        },
                    }
                }
                _ => e.to_string(),
            };
            if !out.contains(&line) {
                out.push(line);
            }
        }
        if out.is_empty() {
            Ok(())
        } else {
            Err(out.join("; "))
        }
    }

    /// The answers summary shown before writing: every parameter that has a value in
    /// `answers` (the resolved answers, defaults included), in schema order, with
    /// where it came from (`origins`; a value missing there is a default). Secrets
    /// are masked.
    pub fn summary(
        &self,
        answers: &Map<String, Value>,
        origins: &std::collections::BTreeMap<String, AnswerOrigin>,
    ) -> Vec<AnswerLine> {
        self.questions()
            .into_iter()
            .filter_map(|q| {
                let v = answers.get(&q.name)?;
                let value = if q.secret {
                    "********".to_string()
                } else {
                    match display_value(v) {
                        s if s.is_empty() => "\"\"".to_string(),
                        s => s,
                    }
                };
                Some(AnswerLine {
                    origin: origins
                        .get(&q.name)
                        .copied()
                        .unwrap_or(AnswerOrigin::Default),
                    name: q.name,
                    value,
                })
            })
            .collect()
    }

    /// Names of parameters that are never written to disk.
    pub fn secrets(&self) -> Vec<String> {
        self.questions()
            .into_iter()
            .filter(|q| q.secret)
            .map(|q| q.name)
            .collect()
    }

    /// Parse one `key=value`, typed by the parameter's schema: integers, numbers and
    /// booleans from their text, arrays and objects as JSON, strings as they are.
    pub fn parse_set(&self, input: &str) -> Result<(String, Value)> {
        let Some((key, raw)) = input.split_once('=') else {
            return Err(Error::InvalidSet {
                input: input.to_string(),
                reason: "expected key=value, e.g. owner=team-payments".to_string(),
            });
        };
        let key = key.trim();
        self.check_known(key)?;
        let value = self.coerce(key, raw).map_err(|reason| Error::InvalidSet {
            input: input.to_string(),
            reason,
        })?;
        Ok((key.to_string(), value))
    }

    /// Turn text typed for parameter `key` into a value of the schema's type.
    pub fn coerce(&self, key: &str, raw: &str) -> std::result::Result<Value, String> {
        let t = self.property(key).map(type_name).unwrap_or_default();
        match t.as_str() {
            "integer" => raw
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("`{key}` is an integer, and `{raw}` is not one")),
            "number" => raw
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
                .ok_or_else(|| format!("`{key}` is a number, and `{raw}` is not one")),
            "boolean" => parse_bool(raw).map(Value::Bool).ok_or_else(|| {
                format!("`{key}` is a boolean: use {BOOL_WORDS} (any case), not `{raw}`")
            }),
            "array" | "object" => serde_json::from_str(raw)
                .map_err(|e| format!("`{key}` is {t} and must be given as JSON: {e}")),
            "string" => Ok(Value::String(raw.to_string())),
            // Untyped: JSON if it parses as a non-string scalar or structure, else text.
            _ => Ok(serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))),
        }
    }

    fn check_known(&self, key: &str) -> Result<()> {
        let Some(props) = self.properties() else {
            return Ok(());
        };
        if props.contains_key(key) {
            return Ok(());
        }
        Err(Error::UnknownParameter {
            name: key.to_string(),
            golden_path: self.golden_path.clone(),
            suggestions: closest(key, props.keys().map(String::as_str)),
        })
    }

    /// Boolean answers written as text (`grpc: "yes"` in a values file, where YAML
    /// 1.2 reads `yes` as a string) read by the rule of [`parse_bool`]; other text
    /// is left for validation to refuse.
    pub fn coerce_booleans(&self, values: &mut Map<String, Value>) {
        for (key, value) in values.iter_mut() {
            let is_bool = self.property(key).map(type_name).as_deref() == Some("boolean");
            if let (true, Value::String(s)) = (is_bool, &*value) {
                if let Some(b) = parse_bool(s) {
                    *value = Value::Bool(b);
                }
            }
        }
    }

    /// Check that every key of a values file is a known parameter.
    pub fn check_keys(&self, values: &Map<String, Value>) -> Result<()> {
        values.keys().try_for_each(|k| self.check_known(k))
    }

    /// Fill missing top-level answers with schema defaults (answers win).
    pub fn with_defaults(&self, answers: &Map<String, Value>) -> Map<String, Value> {
        let mut out = answers.clone();
        if let Some(props) = self.properties() {
            for (name, p) in props {
                if !out.contains_key(name) {
                    if let Some(d) = p.get("default") {
                        out.insert(name.clone(), d.clone());
                    }
                }
            }
        }
        out
    }

    /// Required parameters that have no answer and no default.
    pub fn missing_required(&self, answers: &Map<String, Value>) -> Vec<String> {
        self.required()
            .into_iter()
            .filter(|r| {
                !answers.contains_key(*r)
                    && self.property(r).and_then(|p| p.get("default")).is_none()
            })
            .map(str::to_string)
            .collect()
    }

    /// Validate one answer on its own (for a prompt that re-asks on error), the
    /// failure in words (see [`Parameters::explain`]).
    pub fn validate_one(&self, name: &str, value: &Value) -> std::result::Result<(), String> {
        self.explain(name, value)
    }

    /// Validate the whole answers object, reporting every problem.
    pub fn validate(&self, answers: &Map<String, Value>) -> Result<()> {
        let instance = Value::Object(answers.clone());
        let mut problems: Vec<AnswerProblem> = self
            .validator
            .iter_errors(&instance)
            .map(|e| {
                let mut pointer = e.instance_path().to_string();
                if let jsonschema::error::ValidationErrorKind::Required { property } = e.kind() {
                    if let Some(p) = property.as_str() {
                        pointer = format!("{pointer}/{p}");
                    }
                }
                let top = pointer
                    .trim_start_matches('/')
                    .split('/')
                    .next()
                    .unwrap_or("")
                    .to_string();
                let hint =
                    (!top.is_empty()).then(|| format!("fix it by giving `/{top}` a valid value"));
                AnswerProblem {
                    message: e.to_string(),
                    description: self.description(&top),
                    pointer,
                    hint,
                    location: None,
                }
            })
            .collect();
        problems.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        problems.dedup();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidAnswers { problems })
        }
    }

    /// Report missing required parameters as problems (used with `--no-input`).
    pub fn missing_problems(&self, missing: &[String]) -> Error {
        Error::InvalidAnswers {
            problems: missing
                .iter()
                .map(|m| AnswerProblem {
                    pointer: format!("/{m}"),
                    message: "required parameter has no answer and no default".to_string(),
                    description: self.description(m),
                    hint: Some(format!("give `/{m}` a value")),
                    location: None,
                })
                .collect(),
        }
    }
}

/// The schema extension keyword that words a parameter's `pattern` for people
/// (`x-pattern-hint: lowercase letters, digits and hyphens`).
pub const PATTERN_HINT: &str = "x-pattern-hint";

fn type_name(p: &Value) -> String {
    match p.get("type") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("")
            .to_string(),
        _ => String::new(),
    }
}

fn is_secret(p: &Value) -> bool {
    p.get("x-secret").and_then(Value::as_bool).unwrap_or(false)
        || p.get("format").and_then(Value::as_str) == Some("password")
}

/// Read a `--values` file (YAML or JSON): a map of answers (empty if the file is
/// empty). Problems name the file and, where the parser gives one, the line.
pub fn read_values_file(path: &std::path::Path) -> Result<Map<String, Value>> {
    ValuesFile::read(path).map(|f| f.values)
}

/// A `--values` file: its answers and where each is written, so that a problem with
/// an answer from it is reported at `FILE:LINE:COL` (see [`ValuesFile::locate`]).
#[derive(Debug, Clone)]
pub struct ValuesFile {
    /// The file.
    pub path: std::path::PathBuf,
    /// Its answers.
    pub values: Map<String, Value>,
    positions: crate::golden_path::definition::YamlPositions,
}

impl ValuesFile {
    /// Read and parse a values file.
    pub fn read(path: &std::path::Path) -> Result<ValuesFile> {
        use std::io::Read as _;
        /// A values file is a few answers: refuse anything bigger than this instead of
        /// reading forever (`--values /dev/zero`).
        const MAX_VALUES_BYTES: u64 = 4 << 20;
        let fail = |reason: String| Error::ValuesFile {
            path: path.to_path_buf(),
            reason,
        };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_VALUES_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| fail(e.to_string()))?;
        if bytes.len() as u64 > MAX_VALUES_BYTES {
            return Err(fail(format!(
                "larger than {} MiB; a values file holds answers only",
                MAX_VALUES_BYTES >> 20
            )));
        }
        let text = String::from_utf8(bytes).map_err(|_| fail("not UTF-8 text".to_string()))?;
        let value: Value = serde_yaml::from_str(&text).map_err(|e| {
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or_default();
            fail(match e.location() {
                Some(l) => format!("line {}, column {}: {message}", l.line(), l.column()),
                None => message.to_string(),
            })
        })?;
        let values = match value {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                return Err(fail(format!(
                    "expected a map of parameter names to values, found {}",
                    kind_of(&other)
                )));
            }
        };
        Ok(ValuesFile {
            path: path.to_path_buf(),
            values,
            positions: crate::golden_path::definition::YamlPositions::of(&text),
        })
    }

    /// Where the answer at `pointer` is written in this file, if it is.
    pub fn location_of(&self, pointer: &str) -> Option<Location> {
        let key = pointer.trim_start_matches('/').split('/').next()?;
        let key = key.replace("~1", "/").replace("~0", "~");
        if !self.values.contains_key(&key) {
            return None;
        }
        let (line, column) = self.positions.nearest(pointer)?;
        Some(Location {
            file: self.path.display().to_string(),
            line,
            column,
        })
    }

    /// `e`, with the answers problems that come from this file placed at their line
    /// (an answer `sets` overrides with `--set` is not from the file). An unknown
    /// parameter named in the file becomes an answers problem at its line.
    pub fn locate(&self, e: Error, sets: &[String]) -> Error {
        let overridden = |pointer: &str| {
            let key = pointer
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("");
            sets.iter()
                .any(|s| s.split_once('=').is_some_and(|(k, _)| k.trim() == key))
        };
        match e {
            Error::InvalidAnswers { mut problems } => {
                for p in &mut problems {
                    if p.location.is_none() && !overridden(&p.pointer) {
                        p.location = self.location_of(&p.pointer);
                    }
                }
                Error::InvalidAnswers { problems }
            }
            Error::UnknownParameter { ref name, .. } if self.values.contains_key(name) => {
                let pointer = format!("/{}", crate::golden_path::definition::pointer_segment(name));
                Error::InvalidAnswers {
                    problems: vec![AnswerProblem {
                        location: self.location_of(&pointer),
                        pointer,
                        message: e.to_string(),
                        description: None,
                        hint: None,
                    }],
                }
            }
            other => other,
        }
    }
}

/// The one rule for boolean answers typed as text (`--set`, a string in a `--values`
/// file): `true`, `yes`, `y`, `on`, `1` are true and `false`, `no`, `n`, `off`, `0`
/// are false, in any case; anything else is refused, naming these words.
pub fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "on" | "1" => Some(true),
        "false" | "no" | "n" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// The words [`parse_bool`] accepts, for messages.
pub const BOOL_WORDS: &str = "true/false, yes/no, y/n, on/off or 1/0";

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params() -> Parameters {
        Parameters::new(
            "demo",
            &json!({
                "type": "object",
                "required": ["name", "owner"],
                "properties": {
                    "name": {"type": "string", "title": "Service name", "pattern": "^[a-z][a-z0-9-]+$", "description": "Service name: short. Used everywhere.", "x-pattern-hint": "lowercase letters, digits and hyphens"},
                    "owner": {"type": "string", "description": "Owning team"},
                    "port": {"type": "integer", "minimum": 1024, "default": 8080},
                    "tier": {"type": "string", "enum": ["1", "2", "3"], "default": "2"},
                    "grpc": {"type": "boolean", "default": false},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "token": {"type": "string", "x-secret": true}
                }
            }),
        )
        .unwrap()
    }

    #[test]
    fn set_is_typed_by_schema() {
        let p = params();
        assert_eq!(p.parse_set("port=9000").unwrap().1, json!(9000));
        assert_eq!(p.parse_set("grpc=yes").unwrap().1, json!(true));
        assert_eq!(
            p.parse_set("tags=[\"a\",\"b\"]").unwrap().1,
            json!(["a", "b"])
        );
        assert_eq!(p.parse_set("tier=1").unwrap().1, json!("1"));
        assert!(
            p.parse_set("port=abc")
                .unwrap_err()
                .to_string()
                .contains("integer")
        );
        assert!(p.parse_set("novalue").is_err());
    }

    #[test]
    fn unknown_parameter_suggests() {
        let err = params().parse_set("ownr=x").unwrap_err().to_string();
        assert!(err.contains("unknown parameter `ownr`"), "{err}");
        assert!(err.contains("`owner`"), "{err}");
    }

    #[test]
    fn all_problems_reported_with_pointers() {
        let p = params();
        let answers = p.with_defaults(
            &json!({"name": "Bad Name", "port": 80, "tier": "7"})
                .as_object()
                .unwrap()
                .clone(),
        );
        let Err(Error::InvalidAnswers { problems }) = p.validate(&answers) else {
            panic!("expected invalid")
        };
        let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            vec!["/name", "/owner", "/port", "/tier"],
            "{problems:?}"
        );
        assert_eq!(
            problems[0].description.as_deref(),
            Some("Service name: short. Used everywhere.")
        );
    }

    #[test]
    fn defaults_and_missing() {
        let p = params();
        let answers = p.with_defaults(&Map::new());
        assert_eq!(answers["port"], json!(8080));
        assert_eq!(p.missing_required(&answers), vec!["name", "owner"]);
        assert_eq!(p.secrets(), vec!["token"]);
    }

    fn question(p: &Parameters, name: &str) -> Question {
        p.questions().into_iter().find(|q| q.name == name).unwrap()
    }

    #[test]
    fn a_prompt_answer_is_explained_in_words() {
        let p = params();
        let name = question(&p, "name");
        assert_eq!(name.help.as_deref(), Some("short."));
        assert!(name.more);
        assert_eq!(
            p.check_text(&name, "Bad Name"),
            Err("`Bad Name` is not allowed: lowercase letters, digits and hyphens".to_string())
        );
        assert_eq!(
            p.check_text(&name, ""),
            Err("a value is required".to_string())
        );
        assert_eq!(
            p.check_text(&name, "pay"),
            Ok(TypedAnswer::Value(json!("pay")))
        );
        // Without a hint: the description's first sentence, then the pattern.
        let q = Parameters::new(
            "demo",
            &json!({"type": "object", "properties": {"team": {"type": "string", "pattern": "^t-", "description": "The team. More."}}}),
        )
        .unwrap();
        let team = question(&q, "team");
        assert_eq!(
            q.check_text(&team, "x"),
            Err("`x` is not allowed: The team. (pattern /^t-/)".to_string())
        );
        // Optional without default, and a default: nothing typed is the default.
        assert_eq!(q.check_text(&team, ""), Ok(TypedAnswer::Default));
        let port = question(&p, "port");
        assert_eq!(p.check_text(&port, ""), Ok(TypedAnswer::Default));
        assert_eq!(
            p.check_text(&port, "80"),
            Err("80 is less than the minimum of 1024".to_string())
        );
        assert_eq!(
            p.check_text(&port, "x"),
            Err("`port` is an integer, and `x` is not one".to_string())
        );
    }

    #[test]
    fn questions_to_ask_and_the_summary() {
        let p = params();
        let given = json!({"name": "pay", "token": "s3cret"})
            .as_object()
            .unwrap()
            .clone();
        let asked: Vec<String> = p
            .questions_to_ask(&given, None)
            .into_iter()
            .map(|q| q.name)
            .collect();
        assert_eq!(asked, ["owner", "port", "tier", "grpc", "tags"]);
        let only = ["port".to_string(), "name".to_string()];
        let asked: Vec<String> = p
            .questions_to_ask(&given, Some(&only))
            .into_iter()
            .map(|q| q.name)
            .collect();
        assert_eq!(asked, ["port"]);
        let mut answers = p.with_defaults(&given);
        answers.insert("owner".into(), json!(""));
        let origins = std::collections::BTreeMap::from([
            ("name".to_string(), AnswerOrigin::Destination),
            ("owner".to_string(), AnswerOrigin::Prompt),
            ("token".to_string(), AnswerOrigin::Given),
        ]);
        let lines: Vec<String> = p
            .summary(&answers, &origins)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "name: pay (from DEST)",
                "owner: \"\"",
                "port: 8080 (default)",
                "tier: 2 (default)",
                "grpc: false (default)",
                "token: ********"
            ]
        );
        let q = Parameters::new(
            "demo",
            &json!({"type": "object", "properties": {"system": {"type": "string", "default": ""}}}),
        )
        .unwrap();
        assert_eq!(question(&q, "system").default_text(), None);
        assert_eq!(question(&p, "port").default_text().as_deref(), Some("8080"));
    }
}
