//! Rendering a golden path in memory: the `.tera` rule, rendered names, conditional
//! files and layers, excludes, and Tera errors turned into `file:line:col` reports.
//!
//! Every template is compiled once, into one Tera instance, and the files are rendered
//! in parallel. Nothing here touches the destination: the result is a
//! [`Rendered`] tree that preview, `new`, `update` and `check` all consume.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::definition::Syntax;
use crate::error::{Error, Location, Result, TemplateError};
use crate::tree::{Entry, FileMode, PathProblem, normalize_relative};

/// One rendered file, link or empty directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedFile {
    /// Mode: file, executable, symlink or empty directory.
    pub mode: FileMode,
    /// Bytes to write (the link target for a symlink).
    #[serde(skip)]
    pub content: Vec<u8>,
    /// The skeleton layer (its path as written in the definition).
    pub layer: String,
    /// The skeleton file it came from, relative to its layer.
    pub source: String,
    /// Whether it was rendered (`.tera`) or copied byte for byte.
    pub templated: bool,
}

/// Why a skeleton entry produced no output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum DropReason {
    /// Its layer's `when` was false.
    LayerDisabled {
        /// The `when` expression.
        when: String,
    },
    /// A path component rendered empty.
    EmptyName,
    /// It matched `spec.files.exclude`.
    Excluded,
    /// A later layer wrote the same path.
    Overridden {
        /// The layer that won.
        by: String,
    },
}

/// A skeleton entry that was not written, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dropped {
    /// The layer.
    pub layer: String,
    /// The skeleton path, relative to its layer (`""` for a whole layer).
    pub source: String,
    /// The output path it would have had, when known.
    pub path: Option<String>,
    /// Why.
    #[serde(flatten)]
    pub reason: DropReason,
}

/// A whole render, in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Rendered {
    /// Output path → file.
    pub files: BTreeMap<String, RenderedFile>,
    /// What was left out.
    pub dropped: Vec<Dropped>,
}

impl Rendered {
    /// The render as a plain tree.
    pub fn tree(&self) -> crate::tree::Tree {
        self.files
            .iter()
            .map(|(p, f)| {
                (
                    p.clone(),
                    Entry {
                        mode: f.mode,
                        content: f.content.clone(),
                    },
                )
            })
            .collect()
    }
}

/// A skeleton layer ready to render: its entries already read from the source.
pub(crate) struct LayerInput {
    /// The layer's path as written in the definition.
    pub name: String,
    /// How to show a skeleton file of this layer in messages.
    pub display_prefix: String,
    /// Entries relative to the layer.
    pub entries: Vec<(String, Entry)>,
}

/// Build a Tera instance with our delimiters, autoescape off, and our filters.
pub(crate) fn new_tera(syntax: Option<&Syntax>) -> std::result::Result<tera::Tera, String> {
    let mut tera = tera::Tera::new();
    tera.autoescape_on(Vec::<&str>::new());
    if let Some(s) = syntax {
        tera.set_delimiters(tera::Delimiters {
            block_start: s.block_start.clone().into(),
            block_end: s.block_end.clone().into(),
            variable_start: s.variable_start.clone().into(),
            variable_end: s.variable_end.clone().into(),
            comment_start: s.comment_start.clone().into(),
            comment_end: s.comment_end.clone().into(),
        })
        .map_err(|e| e.to_string())?;
    }
    tera.register_filter("snake_case", snake_case);
    tera.register_filter("kebab_case", kebab_case);
    tera.register_filter("camel_case", camel_case);
    tera.register_filter("pascal_case", pascal_case);
    tera.register_filter("shout_case", shout_case);
    tera.register_filter("json_encode", json_encode);
    Ok(tera)
}

fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && !cur.is_empty()
            && (chars[i - 1].is_lowercase()
                || chars[i - 1].is_numeric()
                || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if boundary {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn capitalized(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn snake_case(v: Cow<'_, str>, _: tera::Kwargs, _: &tera::State) -> String {
    words(&v).join("_")
}
fn kebab_case(v: Cow<'_, str>, _: tera::Kwargs, _: &tera::State) -> String {
    words(&v).join("-")
}
fn shout_case(v: Cow<'_, str>, _: tera::Kwargs, _: &tera::State) -> String {
    words(&v).join("_").to_uppercase()
}
fn pascal_case(v: Cow<'_, str>, _: tera::Kwargs, _: &tera::State) -> String {
    words(&v).iter().map(|w| capitalized(w)).collect()
}
fn camel_case(v: Cow<'_, str>, _: tera::Kwargs, _: &tera::State) -> String {
    let w = words(&v);
    w.iter()
        .enumerate()
        .map(|(i, w)| if i == 0 { w.clone() } else { capitalized(w) })
        .collect()
}
fn json_encode(v: tera::Value, _: tera::Kwargs, _: &tera::State) -> tera::TeraResult<String> {
    serde_json::to_string(&v).map_err(|e| tera::Error::message(format!("json_encode: {e}")))
}

/// The variable a Tera rendering error says is undefined. Tera 2.4 has no structured
/// field for it (its `ReportError` carries only a message and a span), so this is the
/// one adapter that reads its message: `Variable `NAME` is not defined.`; the test
/// `undefined_variable_from_tera` renders with Tera itself, so a change of wording in
/// a Tera upgrade fails it.
fn undefined_variable(message: &str) -> Option<String> {
    message
        .strip_prefix("Variable `")
        .and_then(|m| m.split_once("` is not defined"))
        .map(|(name, _)| name.to_string())
}

/// Turn a Tera error into our template error, with a snippet from `sources`.
pub(crate) fn template_error(
    err: &tera::Error,
    sources: &HashMap<String, (String, String)>,
) -> TemplateError {
    match err.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let (display, text) = sources
                .get(r.filename())
                .cloned()
                .unwrap_or_else(|| (r.filename().to_string(), String::new()));
            let span = r.span();
            let message = r.message().to_string();
            let variable = undefined_variable(&message);
            TemplateError {
                location: Location {
                    file: display,
                    line: span.start_line,
                    column: span.start_col + 1,
                },
                snippet: snippet(
                    &text,
                    span.start_line,
                    span.start_col,
                    span.end_line,
                    span.end_col,
                ),
                message,
                variable,
            }
        }
        _ => {
            let mut message = err.to_string();
            let mut src = std::error::Error::source(err);
            while let Some(s) = src {
                message.push_str(": ");
                message.push_str(&s.to_string());
                src = s.source();
            }
            TemplateError {
                location: Location {
                    file: String::new(),
                    line: 0,
                    column: 0,
                },
                message,
                snippet: String::new(),
                variable: None,
            }
        }
    }
}

/// The source line with a caret line under the fault.
fn snippet(text: &str, line: usize, col: usize, end_line: usize, end_col: usize) -> String {
    let Some(src) = text.lines().nth(line.saturating_sub(1)) else {
        return String::new();
    };
    let width = line.to_string().len();
    let len = if end_line == line && end_col > col {
        end_col - col
    } else {
        1
    };
    let prefix: String = src
        .chars()
        .take(col)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    format!(
        "{:width$} |\n{line} | {src}\n{:width$} | {prefix}{}",
        "",
        "",
        "^".repeat(len.min(200))
    )
}

/// Render a short template string (a name, a computed value, a `when`).
pub(crate) fn render_str(
    tera: &tera::Tera,
    text: &str,
    ctx: &tera::Context,
    what: &str,
) -> Result<String> {
    tera.render_str(text, ctx, false).map_err(|e| {
        let sources = HashMap::from([(
            "__tera_one_off".to_string(),
            (what.to_string(), text.to_string()),
        )]);
        let mut err = template_error(&e, &sources);
        if err.location.file.is_empty() || err.location.file == "__tera_one_off" {
            err.location.file = what.to_string();
        }
        Error::Template(Box::new(err))
    })
}

/// Whether `text` holds template syntax for these delimiters.
pub(crate) fn has_syntax(text: &str, syntax: &Syntax) -> bool {
    text.contains(syntax.variable_start.as_str()) || text.contains(syntax.block_start.as_str())
}

/// Everything a render needs besides the layers.
pub(crate) struct RenderJob<'a> {
    pub tera: tera::Tera,
    pub context: tera::Context,
    pub syntax: Syntax,
    pub answers: &'a Map<String, Value>,
    pub exclude: Option<ignore::gitignore::Gitignore>,
}

struct Pending {
    path: String,
    layer_index: usize,
    source: String,
    mode: FileMode,
    template: Option<String>,
    content: Vec<u8>,
}

impl RenderJob<'_> {
    /// Render the included layers (already filtered by `when`).
    pub(crate) fn run(
        mut self,
        layers: Vec<LayerInput>,
        mut dropped: Vec<Dropped>,
    ) -> Result<Rendered> {
        let mut name_cache: HashMap<String, String> = HashMap::new();
        let mut pending: Vec<Pending> = Vec::new();
        let mut sources: HashMap<String, (String, String)> = HashMap::new();
        let mut templates: Vec<(String, String)> = Vec::new();

        for (li, layer) in layers.iter().enumerate() {
            for (rel, entry) in &layer.entries {
                let templated = entry.mode != FileMode::Dir
                    && entry.mode != FileMode::Symlink
                    && rel.ends_with(".tera");
                let logical = if templated {
                    &rel[..rel.len() - ".tera".len()]
                } else {
                    rel.as_str()
                };
                let display = format!("{}{rel}", layer.display_prefix);
                let mut parts = Vec::new();
                let mut empty = false;
                for component in logical.split('/') {
                    let rendered = if has_syntax(component, &self.syntax) {
                        if let Some(r) = name_cache.get(component) {
                            r.clone()
                        } else {
                            let r = render_str(&self.tera, component, &self.context, &display)?;
                            name_cache.insert(component.to_string(), r.clone());
                            r
                        }
                    } else {
                        component.to_string()
                    };
                    if rendered.trim().is_empty() {
                        empty = true;
                        break;
                    }
                    // An answer may add sub-directories (`a/b`), never an absolute
                    // path or a step up, wherever it appears in the path.
                    if rendered.starts_with('/') || rendered.split('/').any(|c| c == "..") {
                        let joined = parts
                            .iter()
                            .map(String::as_str)
                            .chain([rendered.as_str()])
                            .collect::<Vec<_>>()
                            .join("/");
                        return Err(self.unsafe_path(&joined, &display, &PathProblem::Absolute));
                    }
                    parts.push(rendered);
                }
                if empty {
                    dropped.push(Dropped {
                        layer: layer.name.clone(),
                        source: rel.clone(),
                        path: None,
                        reason: DropReason::EmptyName,
                    });
                    continue;
                }
                let joined = parts.join("/");
                let path = normalize_relative(&joined)
                    .map_err(|problem| self.unsafe_path(&joined, &display, &problem))?;
                if let Some(ex) = &self.exclude {
                    if ex
                        .matched_path_or_any_parents(&path, entry.mode == FileMode::Dir)
                        .is_ignore()
                    {
                        dropped.push(Dropped {
                            layer: layer.name.clone(),
                            source: rel.clone(),
                            path: Some(path),
                            reason: DropReason::Excluded,
                        });
                        continue;
                    }
                }
                let template = if templated {
                    let text = String::from_utf8(entry.content.clone()).map_err(|_| {
                        Error::Template(Box::new(TemplateError {
                            location: Location {
                                file: display.clone(),
                                line: 0,
                                column: 0,
                            },
                            message: "a `.tera` file must be UTF-8 text; drop the `.tera` suffix to copy it byte for byte".to_string(),
                            snippet: String::new(),
                            variable: None,
                        }))
                    })?;
                    let key = format!("{}/{rel}", layer.name);
                    sources.insert(key.clone(), (display.clone(), text.clone()));
                    templates.push((key.clone(), text));
                    Some(key)
                } else {
                    None
                };
                pending.push(Pending {
                    path,
                    layer_index: li,
                    source: rel.clone(),
                    mode: entry.mode,
                    template,
                    content: if templated {
                        Vec::new()
                    } else {
                        entry.content.clone()
                    },
                });
            }
        }

        // Compile every template once.
        self.tera
            .add_raw_templates(templates)
            .map_err(|e| Error::Template(Box::new(template_error(&e, &sources))))?;

        // Render in parallel; report the first failure in path order.
        let tera = &self.tera;
        let context = &self.context;
        let results: Vec<Result<Vec<u8>>> = pending
            .par_iter()
            .map(|p| match &p.template {
                Some(name) => tera
                    .render(name, context)
                    .map(String::into_bytes)
                    .map_err(|e| Error::Template(Box::new(template_error(&e, &sources)))),
                None => Ok(Vec::new()),
            })
            .collect();

        let mut files: BTreeMap<String, RenderedFile> = BTreeMap::new();
        for (p, r) in pending.into_iter().zip(results) {
            let content = if p.template.is_some() { r? } else { p.content };
            let layer = layers[p.layer_index].name.clone();
            let file = RenderedFile {
                mode: p.mode,
                content,
                layer: layer.clone(),
                source: p.source,
                templated: p.template.is_some(),
            };
            if let Some(old) = files.insert(p.path.clone(), file) {
                dropped.push(Dropped {
                    layer: old.layer,
                    source: old.source,
                    path: Some(p.path),
                    reason: DropReason::Overridden { by: layer },
                });
            }
        }
        check_collisions(&mut files)?;
        Ok(Rendered { files, dropped })
    }

    fn unsafe_path(&self, joined: &str, display: &str, _problem: &PathProblem) -> Error {
        let parameters = self
            .answers
            .iter()
            .filter(|(_, v)| {
                v.as_str().is_some_and(|s| {
                    !s.is_empty()
                        && joined.contains(s)
                        && (s.contains("..") || s.starts_with('/') || s.contains('\\'))
                })
            })
            .map(|(k, _)| k.clone())
            .collect();
        Error::UnsafePath {
            path: joined.to_string(),
            source_path: display.to_string(),
            parameters,
        }
    }
}

/// A file may not sit where another entry needs a directory; an empty directory that
/// received content from another layer is no longer empty.
fn check_collisions(files: &mut BTreeMap<String, RenderedFile>) -> Result<()> {
    let mut remove = Vec::new();
    for path in files.keys() {
        let mut parent = path.as_str();
        while let Some(i) = parent.rfind('/') {
            parent = &parent[..i];
            if let Some(f) = files.get(parent) {
                if f.mode == FileMode::Dir {
                    remove.push(parent.to_string());
                } else {
                    return Err(Error::PathCollision {
                        first: parent.to_string(),
                        second: path.clone(),
                    });
                }
            }
        }
    }
    for r in remove {
        files.remove(&r);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_variable_from_tera() {
        let tera = new_tera(None).unwrap();
        let err = tera
            .render_str("a {{ nmae }} b", &tera::Context::new(), false)
            .unwrap_err();
        let message = match err.kind() {
            tera::ErrorKind::RenderingError(r) => r.message().to_string(),
            other => panic!("not a rendering error: {other:?}"),
        };
        assert_eq!(
            undefined_variable(&message).as_deref(),
            Some("nmae"),
            "{message}"
        );
        assert_eq!(undefined_variable("Field `x` is not defined."), None);
        assert_eq!(undefined_variable("Variable `x` has the wrong type"), None);
    }

    #[test]
    fn case_filters() {
        assert_eq!(words("payments-api"), vec!["payments", "api"]);
        assert_eq!(words("HTTPServer2Go"), vec!["http", "server2", "go"]);
        let tera = new_tera(None).unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("n", "payments-api");
        let out = tera
            .render_str("{{ n | snake_case }} {{ n | pascal_case }} {{ n | camel_case }} {{ n | shout_case }} {{ n | kebab_case }}", &ctx, false)
            .unwrap();
        assert_eq!(
            out,
            "payments_api PaymentsApi paymentsApi PAYMENTS_API payments-api"
        );
    }

    #[test]
    fn snippet_points_at_column() {
        let s = snippet("a\nhello {{ x }}\n", 2, 9, 2, 10);
        assert_eq!(s, "  |\n2 | hello {{ x }}\n  |          ^");
    }
}
