//! The golden-path definition: its serde types, parsing with locations, and the
//! structural rules `scaffold lint` and every other command enforce.
//!
//! A definition is YAML (`golden-paths/<name>.yaml` or `golden-path.yaml`). Parsing
//! reports `file:line:col`; [`Definition::problems`] collects every rule it breaks so
//! lint can show them all at once.

use serde::{Deserialize, Serialize};

use crate::error::{DefinitionProblem, Error, Location, Result};

/// The whole definition file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Definition {
    /// Must be `scaffold/v1`.
    pub api_version: String,
    /// Must be `GoldenPath`.
    pub kind: String,
    /// Name, title, version and owner.
    pub metadata: Metadata,
    /// Parameters, skeletons, policies.
    pub spec: Spec,
}

/// `metadata:` of a definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Lowercase letters, digits and hyphens.
    pub name: String,
    /// Human title.
    #[serde(default)]
    pub title: Option<String>,
    /// One-paragraph description.
    #[serde(default)]
    pub description: Option<String>,
    /// Semantic version; a git tag of the source wins where present.
    pub version: String,
    /// Owning team, e.g. `group:platform-team`.
    #[serde(default)]
    pub owner: Option<String>,
    /// Free-form tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// `spec:` of a definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spec {
    /// The golden paths (by name) this add-on is applied to, with `new --into` an
    /// existing project of one of them. A definition with it is an add-on; it must
    /// declare a string parameter `host`, which the engine answers with the host
    /// project's golden path (docs/golden-paths.md, "Add-ons").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applies_to: Vec<String>,
    /// A JSON Schema (draft 2020-12) for the answers object.
    #[serde(default = "empty_object_schema")]
    pub parameters: serde_json::Value,
    /// Derived values: Tera templates evaluated in order, each a string.
    #[serde(default, with = "ordered_map")]
    pub computed: Vec<(String, String)>,
    /// Skeleton layers rendered in order; a later layer's file wins.
    pub skeletons: Vec<Layer>,
    /// Excludes and per-path policies.
    #[serde(default)]
    pub files: Files,
    /// Answer sets used by `scaffold lint` and the tests.
    #[serde(default)]
    pub examples: Vec<serde_json::Value>,
    /// Other delimiters for the Tera files of this golden path.
    #[serde(default)]
    pub syntax: Option<Syntax>,
    /// Bounds on rendering (see [`crate::golden_path::limits`]).
    #[serde(default)]
    pub limits: LimitsSpec,
    /// The tools a generated project needs on a developer's machine to run and test
    /// it locally (shown by `scaffold show`; the engine itself needs none of them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<Requirement>,
    /// Commands run in the project after `new` and `update` (docs/hooks.md): never
    /// unless the caller trusts the source, never in a dry run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Hook>,
}

/// One entry of `spec.hooks`: a command run with `sh -c` in the project root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Hook {
    /// The command, run as written (it is not a template).
    pub run: String,
    /// After which commands it runs (default: both).
    #[serde(default)]
    pub when: HookWhen,
    /// How long it may run, in seconds (default 60, at most 3600); then its process
    /// group is killed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<f64>,
}

/// `when:` of a hook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HookWhen {
    /// After `new` only.
    New,
    /// After `update` only.
    Update,
    /// After both.
    #[default]
    Always,
}

impl Hook {
    /// The default timeout of a hook, in seconds.
    pub const DEFAULT_TIMEOUT_SECONDS: f64 = 60.0;
    /// The longest timeout a hook may ask for, in seconds.
    pub const MAX_TIMEOUT_SECONDS: f64 = 3600.0;

    /// The hook's timeout.
    pub fn timeout(&self) -> std::time::Duration {
        let s = self
            .timeout_seconds
            .unwrap_or(Self::DEFAULT_TIMEOUT_SECONDS)
            .clamp(0.0, Self::MAX_TIMEOUT_SECONDS);
        std::time::Duration::from_secs_f64(s)
    }
}

/// One entry of `spec.requirements`: a tool a generated project needs locally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// The tool, as people name it: `Go`, `Node.js`, `Python`, `Docker`.
    pub tool: String,
    /// The versions that work, e.g. `>= 1.22` or `20.x`; absent when any will do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What it is needed for, in a few words: `build and test`, `the container image`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

impl std::fmt::Display for Requirement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.tool)?;
        if let Some(v) = &self.version {
            write!(f, " {v}")?;
        }
        if let Some(p) = &self.purpose {
            write!(f, " ({p})")?;
        }
        Ok(())
    }
}

/// `spec.limits`: bounds on rendering this golden path. Each value may lower the
/// engine's default or raise it up to a ceiling (see [`crate::golden_path::limits::Limits`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LimitsSpec {
    /// Largest rendered file, in bytes.
    #[serde(default)]
    pub max_file_bytes: Option<u64>,
    /// Largest whole render, in bytes.
    #[serde(default)]
    pub max_total_bytes: Option<u64>,
    /// Longest render, in seconds.
    #[serde(default)]
    pub max_render_seconds: Option<f64>,
}

fn empty_object_schema() -> serde_json::Value {
    serde_json::json!({"type": "object"})
}

/// One skeleton layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// Directory, relative to the definition file.
    pub path: String,
    /// A Tera expression; the layer is rendered only when it is true.
    #[serde(default)]
    pub when: Option<String>,
}

/// `spec.files`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Files {
    /// Gitignore-style globs of output paths never written.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Which paths are seeded once or enforced.
    #[serde(default)]
    pub policy: PolicyGlobs,
}

/// `spec.files.policy`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyGlobs {
    /// Paths that always take the template's version.
    #[serde(default)]
    pub enforced: Vec<String>,
    /// Paths written by `new` only.
    #[serde(default)]
    pub seed: Vec<String>,
}

/// `spec.syntax`: Tera delimiters, each exactly two bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Syntax {
    /// Default `{%`.
    #[serde(default = "d_block_start")]
    pub block_start: String,
    /// Default `%}`.
    #[serde(default = "d_block_end")]
    pub block_end: String,
    /// Default `{{`.
    #[serde(default = "d_variable_start")]
    pub variable_start: String,
    /// Default `}}`.
    #[serde(default = "d_variable_end")]
    pub variable_end: String,
    /// Default `{#`.
    #[serde(default = "d_comment_start")]
    pub comment_start: String,
    /// Default `#}`.
    #[serde(default = "d_comment_end")]
    pub comment_end: String,
}

fn d_block_start() -> String {
    "{%".into()
}
fn d_block_end() -> String {
    "%}".into()
}
fn d_variable_start() -> String {
    "{{".into()
}
fn d_variable_end() -> String {
    "}}".into()
}
fn d_comment_start() -> String {
    "{#".into()
}
fn d_comment_end() -> String {
    "#}".into()
}

impl Default for Syntax {
    fn default() -> Self {
        Syntax {
            block_start: d_block_start(),
            block_end: d_block_end(),
            variable_start: d_variable_start(),
            variable_end: d_variable_end(),
            comment_start: d_comment_start(),
            comment_end: d_comment_end(),
        }
    }
}

/// YAML maps keep their order; `computed` relies on it.
mod ordered_map {
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};
    use std::fmt;

    pub fn serialize<S: Serializer>(v: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(v.len()))?;
        for (k, val) in v {
            map.serialize_entry(k, val)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<(String, String)>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of names to Tera template strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, String>()? {
                    out.push((k, v));
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// Cut every quoted value in a parser message to a few characters, so that pointing
/// scaffold at a file that is not a definition (`scaffold new /etc/passwd`) does not
/// copy the file's content into the error.
fn shorten_quoted(message: &str) -> String {
    const KEEP: usize = 32;
    let mut out = String::new();
    let mut inside = false;
    let mut run = 0;
    for c in message.chars() {
        if c == '"' {
            if inside && run > KEEP {
                out.push('…');
            }
            inside = !inside;
            run = 0;
            out.push(c);
        } else if inside {
            run += 1;
            if run <= KEEP {
                out.push(c);
            }
        } else {
            out.push(c);
        }
    }
    if out.chars().count() > 300 {
        out = out.chars().take(300).chain(['…']).collect();
    }
    out
}

impl Definition {
    /// Parse a definition from YAML text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Definition> {
        serde_yaml::from_str(text).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            Error::DefinitionSyntax {
                location: Location {
                    file: file.to_string(),
                    line,
                    column,
                },
                message: shorten_quoted(
                    e.to_string().split(" at line ").next().unwrap_or_default(),
                ),
            }
        })
    }

    /// Every `default` in `spec.parameters` that its own schema refuses, at the line of
    /// the `default` key: a lint error (the definition still loads, and an answer given
    /// for the parameter is used as usual).
    pub fn default_problems(&self, file: &str, text: &str) -> Vec<DefinitionProblem> {
        default_problems(file, text, &self.spec.parameters)
    }

    /// Every rule the definition breaks, with the line of the offending key where it
    /// can be found in `text`. An empty list means the shape is right.
    pub fn problems(&self, file: &str, text: &str) -> Vec<DefinitionProblem> {
        let at = |needle: &str, message: String| DefinitionProblem {
            location: locate(file, text, needle),
            message,
        };
        let mut out = self.header_problems(&at);
        if self.spec.skeletons.is_empty() {
            out.push(at(
                "skeletons:",
                "spec.skeletons must list at least one layer".to_string(),
            ));
        }
        if !self.spec.parameters.is_object() {
            out.push(at(
                "parameters:",
                "spec.parameters must be a JSON Schema object".to_string(),
            ));
        } else if let Some(t) = self.spec.parameters.get("type") {
            if t != "object" {
                out.push(at(
                    "parameters:",
                    format!("spec.parameters must describe an object (`type: object`), not {t}"),
                ));
            }
        }
        out.extend(schema_problems(file, text, &self.spec.parameters));
        out.extend(extension_problems(file, text, &self.spec.parameters));
        out.extend(self.add_on_problems(&at));
        for (i, example) in self.spec.examples.iter().enumerate() {
            if !example.is_object() {
                out.push(at(
                    "examples:",
                    format!("spec.examples[{i}] must be a map of answers"),
                ));
            }
        }
        for glob in self
            .spec
            .files
            .exclude
            .iter()
            .chain(&self.spec.files.policy.enforced)
            .chain(&self.spec.files.policy.seed)
        {
            let mut b = ignore::gitignore::GitignoreBuilder::new("");
            if let Err(e) = b.add_line(None, glob) {
                out.push(at(glob, format!("invalid glob `{glob}`: {e}")));
            }
        }
        for (i, hook) in self.spec.hooks.iter().enumerate() {
            if hook.run.trim().is_empty() {
                out.push(at(
                    "hooks:",
                    format!("spec.hooks[{i}].run is empty: give the command to run"),
                ));
            }
            if let Some(t) = hook.timeout_seconds {
                if !(t > 0.0 && t <= Hook::MAX_TIMEOUT_SECONDS) {
                    out.push(at(
                        "timeoutSeconds:",
                        format!(
                            "spec.hooks[{i}].timeoutSeconds is {t}: give a number of seconds above 0 and at most {}",
                            Hook::MAX_TIMEOUT_SECONDS
                        ),
                    ));
                }
            }
        }
        out
    }

    /// `apiVersion`, `kind`, `metadata.name` and `metadata.version`.
    fn header_problems(
        &self,
        at: &dyn Fn(&str, String) -> DefinitionProblem,
    ) -> Vec<DefinitionProblem> {
        let mut out = Vec::new();
        if self.api_version != "scaffold/v1" {
            out.push(at(
                "apiVersion:",
                format!(
                    "apiVersion must be `scaffold/v1`, not `{}`",
                    self.api_version
                ),
            ));
        }
        if self.kind != "GoldenPath" {
            out.push(at(
                "kind:",
                format!("kind must be `GoldenPath`, not `{}`", self.kind),
            ));
        }
        if !valid_name(&self.metadata.name) {
            out.push(at(
                "name:",
                format!(
                    "metadata.name `{}` must be lowercase letters, digits and hyphens, starting with a letter (e.g. `go-microservice`)",
                    self.metadata.name
                ),
            ));
        }
        if semver::Version::parse(self.metadata.version.trim_start_matches('v')).is_err() {
            out.push(at(
                "version:",
                format!(
                    "metadata.version `{}` is not a semantic version (e.g. `1.0.0`)",
                    self.metadata.version
                ),
            ));
        }
        out
    }

    /// `spec.appliesTo` names other golden paths, and an add-on declares `host`.
    fn add_on_problems(
        &self,
        at: &dyn Fn(&str, String) -> DefinitionProblem,
    ) -> Vec<DefinitionProblem> {
        let mut out = Vec::new();
        for host in &self.spec.applies_to {
            if !valid_name(host) || *host == self.metadata.name {
                out.push(at(
                    "appliesTo:",
                    format!(
                        "spec.appliesTo names golden paths an add-on applies to; `{host}` is {}",
                        if *host == self.metadata.name {
                            "this add-on itself"
                        } else {
                            "not a golden-path name"
                        }
                    ),
                ));
            }
        }
        if !self.spec.applies_to.is_empty()
            && self
                .spec
                .parameters
                .pointer("/properties/host/type")
                .and_then(serde_json::Value::as_str)
                != Some("string")
        {
            out.push(at(
                "appliesTo:",
                "an add-on (spec.appliesTo) must declare a string parameter `host`: the engine answers it with the host project's golden path (e.g. `host: {type: string, enum: [python-api]}`)".to_string(),
            ));
        }
        out
    }
}

fn pointer_or_root(p: &str) -> &str {
    if p.is_empty() { "/" } else { p }
}

/// Where `spec.parameters` is in a definition, as a JSON pointer.
const PARAMETERS_POINTER: &str = "/spec/parameters";

/// Every way `schema` (the definition's `spec.parameters`) is not a valid JSON Schema,
/// each at its own line (`type: strng` at `type`).
fn schema_problems(file: &str, text: &str, schema: &serde_json::Value) -> Vec<DefinitionProblem> {
    let positions = YamlPositions::of(text);
    let at = |pointer: &str, message: String| DefinitionProblem {
        location: positions.locate(file, &format!("{PARAMETERS_POINTER}{pointer}")),
        message,
    };
    let mut out = Vec::new();
    let meta = match jsonschema::meta::validator_for(schema) {
        Ok(v) => v,
        Err(e) => {
            return vec![at(
                "",
                format!("spec.parameters is not a valid JSON Schema: {e}"),
            )];
        }
    };
    for e in meta.iter_errors(schema) {
        let pointer = e.instance_path().to_string();
        out.push(at(
            &pointer,
            format!(
                "spec.parameters is not a valid JSON Schema: {e} (at {})",
                pointer_or_root(&pointer)
            ),
        ));
    }
    out
}

/// A test of a keyword's value.
type ValueCheck = fn(&serde_json::Value) -> bool;

/// scaffold's schema extension keywords used wrongly: `x-pattern-hint` (the words for
/// a `pattern`) must be text, and `x-secret` a boolean, in a parameter (a property of
/// the top-level schema).
fn extension_problems(
    file: &str,
    text: &str,
    schema: &serde_json::Value,
) -> Vec<DefinitionProblem> {
    let positions = YamlPositions::of(text);
    let mut out = Vec::new();
    let Some(props) = schema
        .get("properties")
        .and_then(serde_json::Value::as_object)
    else {
        return out;
    };
    for (name, p) in props {
        let checks: [(&str, ValueCheck, &str); 2] = [
            (
                crate::golden_path::answers::PATTERN_HINT,
                serde_json::Value::is_string,
                "text (the rule of `pattern` in words)",
            ),
            ("x-secret", serde_json::Value::is_boolean, "true or false"),
        ];
        for (key, ok, what) in checks {
            if let Some(v) = p.get(key) {
                if !ok(v) {
                    let pointer = format!(
                        "{PARAMETERS_POINTER}/properties/{}/{key}",
                        pointer_segment(name)
                    );
                    out.push(DefinitionProblem {
                        location: positions.locate(file, &pointer),
                        message: format!("`{key}` of parameter `{name}` must be {what}, not {v}"),
                    });
                }
            }
        }
    }
    out
}

/// Every `default` in `schema` that its own subschema refuses, at the default's line.
fn default_problems(file: &str, text: &str, schema: &serde_json::Value) -> Vec<DefinitionProblem> {
    let positions = YamlPositions::of(text);
    let at = |pointer: &str, message: String| DefinitionProblem {
        location: positions.locate(file, &format!("{PARAMETERS_POINTER}{pointer}")),
        message,
    };
    let mut out = Vec::new();
    // Not `meta::is_valid`: it panics on a `$schema` that is no valid URI.
    if jsonschema::meta::validator_for(schema).is_ok_and(|m| m.is_valid(schema)) {
        let mut defaults = Vec::new();
        collect_defaults(schema, String::new(), &mut defaults);
        for (pointer, sub, default) in defaults {
            // A subschema that cannot stand alone (a `$ref` into the root) is not checked.
            let Ok(v) = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(sub)
            else {
                continue;
            };
            if let Some(e) = v.iter_errors(default).next() {
                let name = pointer
                    .strip_prefix("/properties/")
                    .unwrap_or(&pointer)
                    .replace("/properties/", ".");
                out.push(at(
                    &format!("{pointer}/default"),
                    format!(
                        "the default of `{name}` does not satisfy its own schema: {e}; change the default or the schema"
                    ),
                ));
            }
        }
    }
    out
}

/// Every subschema with a `default` under `properties` and `items` (recursively):
/// (pointer of the subschema, the subschema, its default).
fn collect_defaults<'a>(
    schema: &'a serde_json::Value,
    pointer: String,
    out: &mut Vec<(String, &'a serde_json::Value, &'a serde_json::Value)>,
) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    if let Some(d) = obj.get("default") {
        if !pointer.is_empty() {
            out.push((pointer.clone(), schema, d));
        }
    }
    if let Some(props) = obj.get("properties").and_then(serde_json::Value::as_object) {
        for (name, sub) in props {
            collect_defaults(
                sub,
                format!("{pointer}/properties/{}", pointer_segment(name)),
                out,
            );
        }
    }
    if let Some(items) = obj.get("items") {
        collect_defaults(items, format!("{pointer}/items"), out);
    }
}

/// Whether `name` is a valid golden-path name.
pub fn valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !name.ends_with('-')
}

/// The first line of `text` that contains `needle`, as a location (line 0 if absent).
pub(crate) fn locate(file: &str, text: &str, needle: &str) -> Location {
    for (i, line) in text.lines().enumerate() {
        if let Some(col) = line.find(needle) {
            return Location {
                file: file.to_string(),
                line: i + 1,
                column: col + 1,
            };
        }
    }
    Location {
        file: file.to_string(),
        line: 0,
        column: 0,
    }
}

/// Where each node of a YAML document is, keyed by JSON pointer (`""` is the root, as
/// in RFC 6901): a mapping value is placed at its key (`type: strng` is reported at
/// `type`), a sequence item at its first character. Built from the parser's events, so
/// flow style (`{type: strng}`) is placed as exactly as block style. Lines and columns
/// start at 1. Only the first document is read; text that does not parse gives an
/// empty map (the parse error is reported elsewhere).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YamlPositions {
    map: std::collections::HashMap<String, (usize, usize)>,
}

impl YamlPositions {
    /// The positions of `text`'s first document.
    pub fn of(text: &str) -> YamlPositions {
        let mut recv = PositionReceiver::default();
        let mut parser = yaml_rust2::parser::Parser::new_from_str(text);
        if parser.load(&mut recv, false).is_err() {
            return YamlPositions::default();
        }
        let mut map = recv.map;
        // The parser marks a block mapping's start after its first character; the
        // root starts where its earliest node does.
        if let Some(first) = map.values().min().copied()
            && let Some(root) = map.get_mut("")
        {
            *root = first.min(*root);
        }
        YamlPositions { map }
    }

    /// The (line, column) of the node at `pointer`, if the document has it.
    pub fn get(&self, pointer: &str) -> Option<(usize, usize)> {
        self.map.get(pointer).copied()
    }

    /// The (line, column) of the node at `pointer` or, when the document does not have
    /// it (a default filled in, a missing key), of its nearest ancestor.
    pub fn nearest(&self, pointer: &str) -> Option<(usize, usize)> {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.get(p) {
                return Some(pos);
            }
            p = &p[..p.rfind('/')?];
        }
    }

    /// [`YamlPositions::nearest`] as a location in `file` (line 0 when nothing is found).
    pub fn locate(&self, file: &str, pointer: &str) -> Location {
        let (line, column) = self.nearest(pointer).unwrap_or((0, 0));
        Location {
            file: file.to_string(),
            line,
            column,
        }
    }
}

/// Escape one JSON-pointer segment (RFC 6901).
pub(crate) fn pointer_segment(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

enum Frame {
    Map {
        pointer: String,
        /// The key just read and where it is, waiting for its value.
        key: Option<(String, (usize, usize))>,
    },
    Seq {
        pointer: String,
        index: usize,
    },
    /// A mapping or sequence used as a key: nothing under it is recorded.
    Skipped,
}

#[derive(Default)]
struct PositionReceiver {
    stack: Vec<Frame>,
    map: std::collections::HashMap<String, (usize, usize)>,
    done: bool,
}

impl PositionReceiver {
    /// The pointer and position of a value starting at `at`, or `None` for a key.
    fn place(
        &mut self,
        at: (usize, usize),
        scalar: Option<&str>,
    ) -> Option<(String, (usize, usize))> {
        match self.stack.last_mut() {
            None => Some((String::new(), at)),
            Some(Frame::Skipped) => None,
            Some(Frame::Seq { pointer, index }) => {
                let p = format!("{pointer}/{index}");
                *index += 1;
                Some((p, at))
            }
            Some(Frame::Map { pointer, key }) => match key.take() {
                Some((k, key_at)) => Some((format!("{pointer}/{}", pointer_segment(&k)), key_at)),
                None => {
                    // A key: remember it (a complex key gets a name no pointer uses).
                    *key = Some((scalar.unwrap_or("\u{0}").to_string(), at));
                    None
                }
            },
        }
    }
}

impl yaml_rust2::parser::MarkedEventReceiver for PositionReceiver {
    fn on_event(&mut self, ev: yaml_rust2::parser::Event, mark: yaml_rust2::scanner::Marker) {
        use yaml_rust2::parser::Event;
        if self.done {
            return;
        }
        let at = (mark.line(), mark.col() + 1);
        match ev {
            Event::Scalar(ref s, ..) => {
                if let Some((p, pos)) = self.place(at, Some(s)) {
                    self.map.entry(p).or_insert(pos);
                }
            }
            Event::Alias(_) => {
                if let Some((p, pos)) = self.place(at, Some("")) {
                    self.map.entry(p).or_insert(pos);
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_map = matches!(ev, Event::MappingStart(..));
                let frame = match self.place(at, None) {
                    Some((p, pos)) => {
                        self.map.entry(p.clone()).or_insert(pos);
                        if is_map {
                            Frame::Map {
                                pointer: p,
                                key: None,
                            }
                        } else {
                            Frame::Seq {
                                pointer: p,
                                index: 0,
                            }
                        }
                    }
                    None => Frame::Skipped,
                };
                self.stack.push(frame);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::DocumentEnd => self.done = true,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "apiVersion: scaffold/v1\nkind: GoldenPath\nmetadata:\n  name: demo\n  version: 1.0.0\nspec:\n  computed:\n    b: x\n    a: y\n  skeletons:\n    - path: skel\n";

    #[test]
    fn parses_and_keeps_computed_order() {
        let d = Definition::parse("d.yaml", GOOD).unwrap();
        assert_eq!(
            d.spec.computed,
            vec![("b".into(), "x".into()), ("a".into(), "y".into())]
        );
        assert!(d.problems("d.yaml", GOOD).is_empty());
    }

    #[test]
    fn syntax_error_has_line() {
        let err = Definition::parse("d.yaml", "apiVersion: scaffold/v1\nkind: [\n").unwrap_err();
        let Error::DefinitionSyntax { location, .. } = err else {
            panic!("wrong kind")
        };
        assert_eq!(location.file, "d.yaml");
        assert!(location.line >= 2, "{location:?}");
    }

    #[test]
    fn unknown_field_is_refused_with_location() {
        let text = GOOD.replace("  version: 1.0.0\n", "  version: 1.0.0\n  colour: red\n");
        let err = Definition::parse("d.yaml", &text).unwrap_err().to_string();
        assert!(err.contains("d.yaml:6"), "{err}");
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn a_file_that_is_not_a_definition_is_not_copied_into_the_error() {
        let secret =
            "root:x:0:0:root:/root:/bin/bash daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin";
        let err = Definition::parse("/etc/passwd", secret)
            .unwrap_err()
            .to_string();
        assert!(err.contains("/etc/passwd:1:1"), "{err}");
        assert!(!err.contains("daemon"), "{err}");
        assert!(err.len() < 200, "{err}");
    }

    #[test]
    fn yaml_positions_place_block_and_flow_nodes() {
        let text = "a:\n  b: 1\n  list:\n    - x\n    - {y: 2, 'c/d': 3}\nflow: {k: [1, 2]}\n";
        let pos = YamlPositions::of(text);
        assert_eq!(pos.get(""), Some((1, 1)));
        assert_eq!(pos.get("/a"), Some((1, 1)));
        assert_eq!(pos.get("/a/b"), Some((2, 3)));
        assert_eq!(pos.get("/a/list/0"), Some((4, 7)));
        assert_eq!(pos.get("/a/list/1/y"), Some((5, 8)));
        assert_eq!(pos.get("/a/list/1/c~1d"), Some((5, 14)));
        assert_eq!(pos.get("/flow/k/1"), Some((6, 15)));
        assert_eq!(pos.get("/a/missing"), None);
        assert_eq!(pos.nearest("/a/missing/deeper"), Some((1, 1)));
        assert_eq!(YamlPositions::of("a: [").get(""), None);
    }

    #[test]
    fn a_schema_typo_is_reported_at_its_own_line() {
        let text = GOOD.replace(
            "  computed:",
            "  parameters:\n    type: object\n    properties:\n      grpc:\n        type: strng\n  computed:",
        );
        let d = Definition::parse("d.yaml", &text).unwrap();
        let problems = d.problems("d.yaml", &text);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].location.line, 11, "{problems:?}");
        assert_eq!(problems[0].location.column, 9, "{problems:?}");
        assert!(
            problems[0].message.contains("/properties/grpc/type"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_default_that_breaks_its_schema_is_reported_at_the_default() {
        let text = GOOD.replace(
            "  computed:",
            "  parameters:\n    type: object\n    properties:\n      port: {type: integer, minimum: 1, default: 0}\n      tags:\n        type: array\n        items: {type: string, default: 3}\n  computed:",
        );
        let d = Definition::parse("d.yaml", &text).unwrap();
        assert!(d.problems("d.yaml", &text).is_empty());
        let problems = d.default_problems("d.yaml", &text);
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 2, "{shown:#?}");
        assert!(
            shown[0]
                .starts_with("d.yaml:10:41: the default of `port` does not satisfy its own schema"),
            "{shown:#?}"
        );
        assert!(
            shown[1].starts_with("d.yaml:13:31: the default of `tags/items`"),
            "{shown:#?}"
        );
    }

    #[test]
    fn problems_are_all_reported() {
        let text = GOOD
            .replace("scaffold/v1", "scaffold/v9")
            .replace("name: demo", "name: Demo_X")
            .replace("1.0.0", "one")
            .replace(
                "  computed:",
                "  parameters: {type: object, properties: {a: {type: 12}}}\n  computed:",
            );
        let d = Definition::parse("d.yaml", &text).unwrap();
        let problems = d.problems("d.yaml", &text);
        let text = problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(problems.len(), 4, "{text}");
        assert!(text.contains("d.yaml:1:1: apiVersion"), "{text}");
        assert!(text.contains("not a valid JSON Schema"), "{text}");
    }

    #[test]
    fn x_pattern_hint_is_allowed_as_text_and_reported_otherwise() {
        let with = |hint: &str| {
            GOOD.replace(
                "  computed:",
                &format!("  parameters:\n    type: object\n    properties:\n      name:\n        type: string\n        pattern: '^[a-z]+$'\n        x-pattern-hint: {hint}\n  computed:"),
            )
        };
        let text = with("lowercase letters");
        let d = Definition::parse("d.yaml", &text).unwrap();
        assert!(d.problems("d.yaml", &text).is_empty());
        let text = with("[1, 2]");
        let d = Definition::parse("d.yaml", &text).unwrap();
        let shown: Vec<String> = d
            .problems("d.yaml", &text)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            [
                "d.yaml:13:9: `x-pattern-hint` of parameter `name` must be text (the rule of `pattern` in words), not [1,2]"
            ]
        );
    }
}
