//! Rendering a golden path in memory: the `.tera` rule, rendered names, conditional
//! files and layers, excludes, and Tera errors turned into `file:line:col` reports.
//!
//! Every template is compiled once, into one Tera instance, and the files are rendered
//! in parallel. Nothing here touches the destination: the result is a
//! [`Rendered`] tree that preview, `new`, `update` and `check` all consume.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::tree::{Bytes, hash_bytes};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Location, Result, TemplateError};
use crate::golden_path::definition::Syntax;
use crate::golden_path::limits::{
    BoundedWriter, Budget, Exceeded, Insertion, TICK, instrument, original_column,
};
use crate::tree::{Entry, FileMode, PathProblem, normalize_relative, reserved_component};

/// One rendered file, link or empty directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedFile {
    /// Mode: file, executable, symlink or empty directory.
    pub mode: FileMode,
    /// Bytes to write (the link target for a symlink).
    #[serde(skip)]
    pub content: Bytes,
    /// `blake3:HEX` of `content`, computed once while rendering (the manifest and the
    /// baseline use it).
    #[serde(skip)]
    pub hash: String,
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

/// Build a Tera instance with our delimiters, autoescape off, our filters, and the
/// tick function of `budget` (see [`crate::golden_path::limits`]).
pub(crate) fn new_tera(
    syntax: Option<&Syntax>,
    budget: &Arc<Budget>,
) -> std::result::Result<tera::Tera, String> {
    let mut tera = tera::Tera::new();
    let b = Arc::clone(budget);
    tera.register_function(TICK, move |_: tera::Kwargs, _: &tera::State| {
        b.tick()
            .map(|()| String::new())
            .map_err(tera::Error::message)
    });
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

/// The message for an undefined variable `name`: what it is not, the closest names
/// among `known` ("did you mean `service_name`?") and every name available.
pub(crate) fn undefined_message<'a>(
    name: &str,
    known: impl IntoIterator<Item = &'a String>,
) -> String {
    let mut names: Vec<&str> = known
        .into_iter()
        .map(String::as_str)
        .filter(|n| *n != "loop" && !n.starts_with("__"))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut message = format!(
        "Variable `{name}` is not defined: it is not a parameter, a computed value or `scaffold`."
    );
    let close = crate::error::closest(name, names.iter().copied());
    match close.as_slice() {
        [] => {}
        [one] => message.push_str(&format!(" Did you mean `{one}`?")),
        many => message.push_str(&format!(
            " Did you mean {}?",
            many.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )),
    }
    message.push_str(&format!(" Available variables: {}", names.join(", ")));
    message
}

/// A template as the user wrote it, for error messages.
#[derive(Debug, Clone, Default)]
pub(crate) struct Source {
    /// How to name it.
    pub display: String,
    /// The original text (before [`instrument`]).
    pub text: String,
    /// Where tick calls were inserted, to map columns back.
    pub insertions: Vec<Insertion>,
}

impl Source {
    pub(crate) fn new(display: &str, text: &str) -> Source {
        Source {
            display: display.to_string(),
            text: text.to_string(),
            insertions: Vec::new(),
        }
    }
}

/// Turn a Tera error into our template error, with a snippet from `sources`.
pub(crate) fn template_error(
    err: &tera::Error,
    sources: &HashMap<String, Source>,
) -> TemplateError {
    if let tera::ErrorKind::Msg(reports) = err.kind() {
        if let Some((report, more)) = reference_report(reports) {
            return reference_error(&report, more, sources);
        }
    }
    match err.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let source = sources
                .get(r.filename())
                .cloned()
                .unwrap_or_else(|| Source {
                    display: r.filename().to_string(),
                    ..Source::default()
                });
            let (display, text) = (source.display, source.text);
            let mut span = r.span().clone();
            span.start_col = original_column(&source.insertions, span.start_line, span.start_col);
            span.end_col = original_column(&source.insertions, span.end_line, span.end_col)
                .max(span.start_col);
            let mut message = r.message().to_string();
            if message.starts_with("Unexpected end of input") {
                if let Some((tag, line)) = unclosed_block(&text) {
                    message = format!(
                        "{message}: the `{{% {tag} %}}` at line {line} is never closed; add `{{% end{tag} %}}`"
                    );
                }
            }
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
            // Errors without a span (an include loop) still name a template: point at
            // the first one the message mentions, by the name the user knows.
            let file = sources
                .iter()
                .filter_map(|(key, src)| message.find(&format!("'{key}'")).map(|at| (at, src)))
                .min_by_key(|(at, _)| *at)
                .map(|(_, src)| src.display.clone())
                .unwrap_or_default();
            TemplateError {
                location: Location {
                    file,
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

/// The first of the reports Tera joins into one message when a template names a
/// filter, test, function, component or template that does not exist (Tera checks
/// these when it compiles and gives them no structured span), and how many follow.
/// The one adapter of that text: `error: MESSAGE` then `--> NAME:LINE:COLUMN`.
struct ReferenceReport {
    message: String,
    template: String,
    line: usize,
    /// 1-based, in the compiled (instrumented) text.
    column: usize,
}

fn reference_report(reports: &str) -> Option<(ReferenceReport, usize)> {
    let mut blocks = reports.split("\n\nerror: ");
    let first = blocks.next()?;
    let mut lines = first.lines();
    let message = lines.next()?.strip_prefix("error: ")?.to_string();
    let locus = lines.next()?.trim_start().strip_prefix("--> ")?;
    let (rest, column) = locus.rsplit_once(':')?;
    let (template, line) = rest.rsplit_once(':')?;
    Some((
        ReferenceReport {
            message,
            template: template.to_string(),
            line: line.parse().ok()?,
            column: column.parse().ok()?,
        },
        blocks.count(),
    ))
}

/// A [`ReferenceReport`] as our template error: the template's display path, the
/// column in the author's text, and the snippet from that text.
fn reference_error(
    report: &ReferenceReport,
    more: usize,
    sources: &HashMap<String, Source>,
) -> TemplateError {
    let source = sources.get(&report.template);
    let (file, text, insertions) = source.map_or((report.template.as_str(), "", &[][..]), |s| {
        (s.display.as_str(), s.text.as_str(), s.insertions.as_slice())
    });
    let column = original_column(insertions, report.line, report.column.saturating_sub(1));
    let mut message = report.message.clone();
    if more > 0 {
        message.push_str(&format!(
            " (and {more} more unknown name{} in the golden path's templates)",
            if more == 1 { "" } else { "s" }
        ));
    }
    TemplateError {
        location: Location {
            file: file.to_string(),
            line: report.line,
            column: column + 1,
        },
        snippet: snippet(text, report.line, column, report.line, column + 1),
        message,
        variable: None,
    }
}

/// The innermost block tag of `text` (default delimiters) still open at its end, and
/// its line: what Tera's "Unexpected end of input" means it expected to be closed.
fn unclosed_block(text: &str) -> Option<(String, usize)> {
    const BLOCKS: &[&str] = &["if", "for", "block", "macro", "filter", "raw", "component"];
    let mut open: Vec<(String, usize)> = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("{%") {
        let after = &rest[start + 2..];
        let end = after.find("%}").unwrap_or(after.len());
        let inner = after[..end].trim_matches(|c: char| c == '-' || c.is_whitespace());
        let word = inner.split_whitespace().next().unwrap_or("");
        let line = text[..offset + start].matches('\n').count() + 1;
        if BLOCKS.contains(&word) {
            open.push((word.to_string(), line));
        } else if word == "set" && !inner.contains('=') {
            open.push(("set".to_string(), line));
        } else if let Some(closed) = word.strip_prefix("end") {
            if let Some(i) = open.iter().rposition(|(t, _)| t == closed) {
                open.truncate(i);
            }
        }
        let consumed = start + 2 + end;
        offset += consumed;
        rest = &rest[consumed..];
    }
    open.pop()
}

/// The source line with a caret line under the fault.
pub(crate) fn snippet(
    text: &str,
    line: usize,
    col: usize,
    end_line: usize,
    end_col: usize,
) -> String {
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

/// Render a short template string (a name, a computed value, a `when`), within the
/// render's bounds.
pub(crate) fn render_str(
    tera: &tera::Tera,
    text: &str,
    ctx: &tera::Context,
    what: &str,
    syntax: &Syntax,
    budget: &Budget,
) -> Result<String> {
    let (instrumented, insertions) = instrument(text, syntax);
    let mut out = BoundedWriter::new(budget);
    match tera.render_str_to(&instrumented, ctx, false, &mut out) {
        Ok(()) => match out.finish() {
            Ok(()) => Ok(String::from_utf8_lossy(&out.buf).into_owned()),
            Err(x) => Err(limit_error(what, budget.message(x))),
        },
        Err(e) => {
            if let Some(x) = out.exceeded {
                return Err(limit_error(what, budget.message(x)));
            }
            let sources = HashMap::from([(
                "__tera_one_off".to_string(),
                Source {
                    display: what.to_string(),
                    text: text.to_string(),
                    insertions,
                },
            )]);
            let mut err = template_error(&e, &sources);
            if err.location.file.is_empty() || err.location.file == "__tera_one_off" {
                err.location.file = what.to_string();
            }
            Err(Error::Template(Box::new(err)))
        }
    }
}

/// A render bound crossed in `file`.
fn limit_error(file: &str, message: String) -> Error {
    Error::Template(Box::new(TemplateError {
        location: Location {
            file: file.to_string(),
            line: 0,
            column: 0,
        },
        message,
        snippet: String::new(),
        variable: None,
    }))
}

/// Whether `text` holds template syntax for these delimiters.
pub(crate) fn has_syntax(text: &str, syntax: &Syntax) -> bool {
    text.contains(syntax.variable_start.as_str()) || text.contains(syntax.block_start.as_str())
}

/// Everything a render needs besides the layers.
pub(crate) struct RenderJob<'a> {
    /// Filters, functions and delimiters, no templates: names are rendered with it, and
    /// each compiling instance starts as a copy of it.
    pub tera: tera::Tera,
    pub budget: Arc<Budget>,
    /// Every top-level name a template may use: declared parameters, computed values,
    /// `scaffold`. Anything else is a typo, even where Tera would let it pass
    /// (`{% if nosuch %}` is silently false).
    pub known: std::collections::HashSet<String>,
    pub context: tera::Context,
    pub syntax: Syntax,
    pub answers: &'a Map<String, Value>,
    pub exclude: Option<ignore::gitignore::Gitignore>,
}

/// Later layers win: the files by rendered path, each overridden one reported as
/// dropped; then collisions and links checked.
fn assemble(
    layers: &[LayerInput],
    pending: Vec<Pending>,
    outputs: Vec<Output>,
    dropped: &mut Vec<Dropped>,
) -> Result<BTreeMap<String, RenderedFile>> {
    let mut files: BTreeMap<String, RenderedFile> = BTreeMap::new();
    for (p, (content, hash)) in pending.into_iter().zip(outputs) {
        let layer = layers[p.layer_index].name.clone();
        let file = RenderedFile {
            mode: p.mode,
            content,
            hash,
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
    check_links(&files)?;
    Ok(files)
}

struct Pending {
    path: String,
    layer_index: usize,
    source: String,
    mode: FileMode,
    template: Option<String>,
    content: Bytes,
}

/// The compiled templates: one Tera instance, or several compiled side by side, each
/// template in exactly one.
struct Compiled {
    instances: Vec<tera::Tera>,
    /// Template key → its instance (empty: every template is in the only one).
    shard_of: HashMap<String, usize>,
}

impl Compiled {
    /// The instance that holds template `key`.
    fn of(&self, key: &str) -> &tera::Tera {
        &self.instances[self.shard_of.get(key).copied().unwrap_or(0)]
    }
}

/// Below this many templates one instance compiles them as fast.
const MIN_TEMPLATES_TO_SHARD: usize = 64;

/// How many instances to compile `templates` into: one when there are few, or when
/// any may name another template (`include`, `extends`) or a component, which must be
/// in the same instance; else a few per thread, so the threads finish together.
fn shard_count(templates: &[(String, String)]) -> usize {
    let threads = rayon::current_num_threads();
    if threads < 2 || templates.len() < MIN_TEMPLATES_TO_SHARD {
        return 1;
    }
    let finders = ["include", "extends", "component"].map(memchr::memmem::Finder::new);
    let linked = templates
        .par_iter()
        .any(|(_, t)| finders.iter().any(|f| f.find(t.as_bytes()).is_some()));
    if linked {
        1
    } else {
        (threads * 4).min(templates.len() / (MIN_TEMPLATES_TO_SHARD / 4))
    }
}

/// What the first phase of a render found: the files to produce, in layer order, and
/// the templates among them.
#[derive(Default)]
struct Collected {
    pending: Vec<Pending>,
    /// Template key (`layer/rel`) → its source, for messages.
    sources: HashMap<String, Source>,
    /// Template key → instrumented text, to compile.
    templates: Vec<(String, String)>,
}

/// A rendered file's contents and BLAKE3 hash.
type Output = (Bytes, String);

impl RenderJob<'_> {
    /// Render the included layers (already filtered by `when`): list the entries with
    /// their rendered names, compile every template once, render in parallel, refuse
    /// names no golden path defines, and let later layers win.
    pub(crate) fn run(
        self,
        layers: Vec<LayerInput>,
        mut dropped: Vec<Dropped>,
    ) -> Result<Rendered> {
        let collected = self.collect(&layers, &mut dropped)?;
        let compiled = self.compile(&collected.templates, &collected.sources)?;
        self.check_copied_total(&collected.pending, &layers)?;
        let outputs = self.render_all(&compiled, &collected.pending, &collected.sources)?;
        self.check_unknown_names(&compiled, &collected.sources)?;
        // Freeing every compiled template is work nobody waits for.
        rayon::spawn(move || drop(compiled));
        let files = assemble(&layers, collected.pending, outputs, &mut dropped)?;
        Ok(Rendered { files, dropped })
    }

    /// Phase 2: compile every template once. Templates that cannot refer to one another
    /// (no `include`, `extends` or `component` in any of them) are compiled in parallel,
    /// into several instances; otherwise, or when that fails, into one instance, whose
    /// error is the one reported.
    fn compile(
        &self,
        templates: &[(String, String)],
        sources: &HashMap<String, Source>,
    ) -> Result<Compiled> {
        let shards = shard_count(templates);
        if shards > 1 {
            let mut buckets: Vec<Vec<&(String, String)>> = vec![Vec::new(); shards];
            for (i, t) in templates.iter().enumerate() {
                buckets[i % shards].push(t);
            }
            let instances: Vec<Option<tera::Tera>> = buckets
                .par_iter()
                .map(|bucket| {
                    let mut tera = self.tera.clone();
                    tera.add_raw_templates(bucket.iter().map(|(k, t)| (k.as_str(), t.as_str())))
                        .ok()
                        .map(|()| tera)
                })
                .collect();
            if let Some(instances) = instances.into_iter().collect::<Option<Vec<_>>>() {
                let shard_of = buckets
                    .iter()
                    .enumerate()
                    .flat_map(|(i, b)| b.iter().map(move |(k, _)| (k.clone(), i)))
                    .collect();
                return Ok(Compiled {
                    instances,
                    shard_of,
                });
            }
        }
        let mut tera = self.tera.clone();
        tera.add_raw_templates(templates.iter().map(|(k, t)| (k.as_str(), t.as_str())))
            .map_err(|e| Error::Template(Box::new(template_error(&e, sources))))?;
        Ok(Compiled {
            instances: vec![tera],
            shard_of: HashMap::new(),
        })
    }

    /// Phase 1: every entry of every layer with its rendered path; empty names and
    /// excluded paths dropped; templates read as UTF-8 and instrumented.
    fn collect(&self, layers: &[LayerInput], dropped: &mut Vec<Dropped>) -> Result<Collected> {
        let mut name_cache: HashMap<String, String> = HashMap::new();
        let mut out = Collected::default();
        let mut to_prepare: Vec<(String, &Entry, String)> = Vec::new();
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
                let Some(path) = self.rendered_path(logical, &display, &mut name_cache)? else {
                    dropped.push(Dropped {
                        layer: layer.name.clone(),
                        source: rel.clone(),
                        path: None,
                        reason: DropReason::EmptyName,
                    });
                    continue;
                };
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
                    let key = format!("{}/{rel}", layer.name);
                    to_prepare.push((key.clone(), entry, display));
                    Some(key)
                } else {
                    None
                };
                out.pending.push(Pending {
                    path,
                    layer_index: li,
                    source: rel.clone(),
                    mode: entry.mode,
                    template,
                    content: if templated {
                        Bytes::new()
                    } else {
                        entry.content.clone()
                    },
                });
            }
        }
        let prepared: Vec<Result<(Source, String)>> = to_prepare
            .par_iter()
            .map(|(_, entry, display)| self.prepare_template(entry, display))
            .collect();
        out.sources.reserve(prepared.len());
        out.templates.reserve(prepared.len());
        for ((key, _, _), p) in to_prepare.into_iter().zip(prepared) {
            let (source, instrumented) = p?;
            out.sources.insert(key.clone(), source);
            out.templates.push((key, instrumented));
        }
        Ok(out)
    }

    /// The rendered path of a skeleton entry (`logical`: its path without `.tera`), or
    /// `None` when a component renders empty. Answers may add sub-directories, never an
    /// absolute path, a step up or a reserved component.
    fn rendered_path(
        &self,
        logical: &str,
        display: &str,
        name_cache: &mut HashMap<String, String>,
    ) -> Result<Option<String>> {
        let mut parts = Vec::new();
        for component in logical.split('/') {
            let rendered = if has_syntax(component, &self.syntax) {
                if let Some(r) = name_cache.get(component) {
                    r.clone()
                } else {
                    let r = render_str(
                        &self.tera,
                        component,
                        &self.context,
                        display,
                        &self.syntax,
                        &self.budget,
                    )?;
                    name_cache.insert(component.to_string(), r.clone());
                    r
                }
            } else {
                component.to_string()
            };
            if rendered.trim().is_empty() {
                return Ok(None);
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
                return Err(self.unsafe_path(&joined, display, &PathProblem::Absolute));
            }
            parts.push(rendered);
        }
        let joined = parts.join("/");
        let path = normalize_relative(&joined)
            .map_err(|problem| self.unsafe_path(&joined, display, &problem))?;
        if let Some(component) = reserved_component(&path) {
            return Err(self.reserved_path(&path, component, display));
        }
        Ok(Some(path))
    }

    /// A `.tera` entry's source (its text, for messages) and its instrumented text, to
    /// compile.
    fn prepare_template(&self, entry: &Entry, display: &str) -> Result<(Source, String)> {
        let text = String::from_utf8(entry.content.to_vec()).map_err(|_| {
            Error::Template(Box::new(TemplateError {
                location: Location {
                    file: display.to_string(),
                    line: 0,
                    column: 0,
                },
                message: "a `.tera` file must be UTF-8 text; drop the `.tera` suffix to copy it byte for byte".to_string(),
                snippet: String::new(),
                variable: None,
            }))
        })?;
        let (instrumented, insertions) = instrument(&text, &self.syntax);
        Ok((
            Source {
                display: display.to_string(),
                text,
                insertions,
            },
            instrumented,
        ))
    }

    /// Copied files count against the total too.
    fn check_copied_total(&self, pending: &[Pending], layers: &[LayerInput]) -> Result<()> {
        let copied: u64 = pending
            .iter()
            .filter(|p| p.template.is_none())
            .map(|p| p.content.len() as u64)
            .sum();
        if copied > self.budget.limits.max_total_bytes {
            return Err(limit_error(
                &layers
                    .first()
                    .map_or_else(String::new, |l| l.display_prefix.clone()),
                self.budget.message(Exceeded::Total),
            ));
        }
        Ok(())
    }

    /// Render in parallel, each file into a bounded buffer; report the first failure
    /// in path order, preferring the file that crossed a bound over the files it
    /// stopped.
    fn render_all(
        &self,
        compiled: &Compiled,
        pending: &[Pending],
        sources: &HashMap<String, Source>,
    ) -> Result<Vec<Output>> {
        let results: Vec<std::result::Result<Output, (bool, Error)>> = pending
            .par_iter()
            .map(|p| match &p.template {
                Some(name) => self.render_one(compiled, name, sources),
                None => Ok((p.content.clone(), hash_bytes(&p.content))),
            })
            .collect();
        let mut results = results;
        if let Some(first) = results
            .iter()
            .position(|r| matches!(r, Err((false, _))))
            .or_else(|| results.iter().position(Result::is_err))
        {
            if let Err((_, e)) = results.swap_remove(first) {
                return Err(e);
            }
        }
        Ok(results.into_iter().filter_map(Result::ok).collect())
    }

    /// Render one compiled template; an error says whether it only stopped because
    /// another file crossed a bound.
    fn render_one(
        &self,
        compiled: &Compiled,
        name: &str,
        sources: &HashMap<String, Source>,
    ) -> std::result::Result<Output, (bool, Error)> {
        let budget = &*self.budget;
        let display = sources.get(name).map_or("", |s| s.display.as_str());
        if budget.tripped() {
            return Err((true, limit_error(display, "stopped".to_string())));
        }
        let capacity = sources.get(name).map_or(0, |s| s.text.len());
        let mut out = BoundedWriter::with_capacity(budget, capacity);
        match compiled.of(name).render_to(name, &self.context, &mut out) {
            Ok(()) => {
                if let Err(x) = out.finish() {
                    return Err((false, limit_error(display, budget.message(x))));
                }
                let hash = hash_bytes(&out.buf);
                Ok((Bytes::from(out.buf), hash))
            }
            Err(_) if out.exceeded.is_some() => Err((
                false,
                limit_error(display, budget.message(out.exceeded.expect("set"))),
            )),
            Err(e) => {
                let mut err = template_error(&e, sources);
                if let Some(v) = &err.variable {
                    err.message = undefined_message(v, &self.known);
                }
                let stopped = err.message.contains("stopped: another part");
                Err((stopped, Error::Template(Box::new(err))))
            }
        }
    }

    /// Names no golden path defines are errors, even where the render let them pass
    /// (`{% if nosuch %}` is silently false in Tera).
    fn check_unknown_names(
        &self,
        compiled: &Compiled,
        sources: &HashMap<String, Source>,
    ) -> Result<()> {
        let mut keys: Vec<&String> = sources.keys().collect();
        keys.sort();
        for key in keys {
            let Ok(vars) = compiled.of(key).get_template_variables(key) else {
                continue;
            };
            let mut unknown: Vec<&str> = vars
                .into_iter()
                .filter(|v| !self.known.contains(*v) && !v.starts_with("__"))
                .collect();
            unknown.sort_unstable();
            if let Some(name) = unknown.first() {
                let src = &sources[key];
                let (line, column) = find_identifier(&src.text, name);
                return Err(Error::Template(Box::new(TemplateError {
                    location: Location {
                        file: src.display.clone(),
                        line,
                        column: column + 1,
                    },
                    message: undefined_message(name, &self.known),
                    snippet: snippet(&src.text, line, column, line, column + name.len()),
                    variable: Some((*name).to_string()),
                })));
            }
        }
        Ok(())
    }

    fn reserved_path(&self, path: &str, component: &str, display: &str) -> Error {
        let parameters = self
            .answers
            .iter()
            .filter(|(_, v)| v.as_str().is_some_and(|s| reserved_component(s).is_some()))
            .map(|(k, _)| k.clone())
            .collect();
        Error::ReservedPath {
            path: path.to_string(),
            component: component.to_string(),
            source_path: format!("`{display}`"),
            parameters,
        }
    }

    fn unsafe_path(&self, joined: &str, display: &str, _problem: &PathProblem) -> Error {
        let parameters = self
            .answers
            .iter()
            .filter(|(_, v)| {
                v.as_str().is_some_and(|s| {
                    !s.is_empty()
                        && joined.contains(s)
                        && (s.contains("..")
                            || s.starts_with('/')
                            || s.contains('\\')
                            || s.contains('\0'))
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

/// The first place `name` appears as a whole identifier in `text`: 1-based line,
/// 0-based column (1, 0 when not found).
fn find_identifier(text: &str, name: &str) -> (usize, usize) {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    for (i, line) in text.lines().enumerate() {
        let mut from = 0;
        while let Some(pos) = line[from..].find(name) {
            let at = from + pos;
            let before = line[..at].chars().next_back();
            let after = line[at + name.len()..].chars().next();
            if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
                return (i + 1, line[..at].chars().count());
            }
            from = at + name.len();
        }
    }
    (1, 0)
}

/// How many links a chain may follow before it counts as a loop (as Linux's `ELOOP`).
const MAX_LINK_HOPS: usize = 40;

/// Resolve every link against the rendered tree, following links through links
/// (chains), and refuse one that is absolute, climbs above the root, loops, or lands
/// in a reserved path (`.git`, `.scaffold`).
fn check_links(files: &BTreeMap<String, RenderedFile>) -> Result<()> {
    for (path, f) in files.iter().filter(|(_, f)| f.mode == FileMode::Symlink) {
        let target = String::from_utf8_lossy(&f.content).into_owned();
        let escapes = || Error::SymlinkEscapes {
            path: format!("{path} (from {}/{})", f.layer, f.source),
            target: target.clone(),
        };
        let mut here: Vec<String> = crate::tree::parent_of(path)
            .split('/')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        let mut hops = 0;
        if !resolve_link(files, &mut here, &target, &mut hops) {
            return Err(escapes());
        }
        if reserved_component(&here.join("/")).is_some() {
            return Err(escapes());
        }
    }
    Ok(())
}

/// Walk `target` from the directory `here`, through any links of the tree on the way.
/// False when the walk leaves the tree or loops.
fn resolve_link(
    files: &BTreeMap<String, RenderedFile>,
    here: &mut Vec<String>,
    target: &str,
    hops: &mut usize,
) -> bool {
    if target.starts_with('/') || target.contains('\\') || target.as_bytes().get(1) == Some(&b':') {
        return false;
    }
    for component in target.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                if here.pop().is_none() {
                    return false;
                }
            }
            c => {
                here.push(c.to_string());
                let joined = here.join("/");
                if let Some(link) = files.get(&joined).filter(|f| f.mode == FileMode::Symlink) {
                    *hops += 1;
                    if *hops > MAX_LINK_HOPS {
                        return false;
                    }
                    here.pop();
                    let next = String::from_utf8_lossy(&link.content).into_owned();
                    if !resolve_link(files, here, &next, hops) {
                        return false;
                    }
                }
            }
        }
    }
    true
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
        let tera = new_tera(
            None,
            &Budget::new(crate::golden_path::limits::Limits::DEFAULT),
        )
        .unwrap();
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

    /// Unknown filters, tests and functions are found when Tera compiles, as text
    /// only: the adapter gives them the template, line and column of the author's
    /// text, and counts the others.
    #[test]
    fn unknown_names_at_compile_time_are_located() {
        let budget = Budget::new(crate::golden_path::limits::Limits::DEFAULT);
        let mut tera = new_tera(None, &budget).unwrap();
        let text = "{% for x in [1] %}{{ x }}{% endfor %} {{ name | nofilter }}\n{{ nofn() }}";
        let (instrumented, insertions) = instrument(text, &Syntax::default());
        assert_ne!(
            instrumented, text,
            "the loop is instrumented, shifting columns"
        );
        let err = tera
            .add_raw_templates([("layer/a.txt.tera", instrumented.as_str())])
            .unwrap_err();
        let sources = HashMap::from([(
            "layer/a.txt.tera".to_string(),
            Source {
                display: "skeleton/a.txt.tera".to_string(),
                text: text.to_string(),
                insertions,
            },
        )]);
        let e = template_error(&err, &sources);
        assert_eq!(e.location.file, "skeleton/a.txt.tera");
        assert_eq!((e.location.line, e.location.column), (1, 49), "{e:?}");
        assert_eq!(
            e.message,
            "Unknown filter `nofilter` (and 1 more unknown name in the golden path's templates)"
        );
        assert!(
            e.snippet.contains("1 | {% for x in [1] %}"),
            "{}",
            e.snippet
        );
        assert!(
            e.snippet.ends_with(&format!("{}^", " ".repeat(48))),
            "{}",
            e.snippet
        );
        assert!(reference_report("Template 'x' not found").is_none());
    }

    #[test]
    fn templates_are_compiled_apart_only_when_none_can_name_another() {
        let many = |extra: &str| -> Vec<(String, String)> {
            (0..200)
                .map(|i| (format!("t{i}"), format!("{i} {{{{ x }}}}")))
                .chain(std::iter::once(("last".to_string(), extra.to_string())))
                .collect()
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| {
            assert_eq!(shard_count(&many("plain")), 8);
            for linked in [
                "{% include \"t1\" %}",
                "{% extends \"t1\" %}",
                "{% component A() %}{% endcomponent %}",
            ] {
                assert_eq!(shard_count(&many(linked)), 1, "{linked}");
            }
            assert_eq!(shard_count(&many("plain")[..10]), 1);
        });
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        one.install(|| assert_eq!(shard_count(&many("plain")), 1));
    }

    #[test]
    fn case_filters() {
        assert_eq!(words("payments-api"), vec!["payments", "api"]);
        assert_eq!(words("HTTPServer2Go"), vec!["http", "server2", "go"]);
        let tera = new_tera(
            None,
            &Budget::new(crate::golden_path::limits::Limits::DEFAULT),
        )
        .unwrap();
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
    fn an_unclosed_block_is_named() {
        assert_eq!(
            unclosed_block("a\n{% if x %}\n{% for y in z %}{% endfor %}\n"),
            Some(("if".to_string(), 2))
        );
        assert_eq!(
            unclosed_block("{% if x %}{%- for y in z -%}\n"),
            Some(("for".to_string(), 1))
        );
        assert_eq!(unclosed_block("{% if x %}{% endif %}{% set a = 1 %}"), None);
    }

    #[test]
    fn snippet_points_at_column() {
        let s = snippet("a\nhello {{ x }}\n", 2, 9, 2, 10);
        assert_eq!(s, "  |\n2 | hello {{ x }}\n  |          ^");
    }
}
