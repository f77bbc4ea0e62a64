//! Backstage expressions (`${{ }}`, Nunjucks) evaluated by Tera 2.
//!
//! Tera's delimiters are two bytes each, so `${{` cannot be one. Instead the text is
//! translated once: `${{ … }}` becomes Tera's `{{ … }}`, a literal `{{` (plain text
//! in a Backstage template) becomes `{{ "{{" }}`, `{% raw %}` and comments are kept
//! as they are. Inside expressions and block tags the Nunjucks spellings Tera does
//! not share are rewritten: positional filter arguments become Tera's keyword
//! arguments (`replace("a", "b")` → `replace(from="a", to="b")`), `elseif` becomes
//! `elif`, unquoted keys of object literals are quoted, and a hyphenated step id
//! (`steps.fetch-base.output`) becomes a subscript (`steps["fetch-base"].output`).
//! Columns of the translated text are mapped back, so errors point into the
//! original. The filters Backstage ships (`parseRepoUrl`, `parseEntityRef`, `pick`,
//! `projectSlug`) and the Nunjucks built-ins Tera lacks (`dump`, `string`,
//! `urlencode`, …) are registered on the Tera instance.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::{Error, Location, Result};
use crate::golden_path::definition::Syntax;
use crate::golden_path::limits::{Budget, Limits};
use crate::golden_path::render::{new_tera, render_str};

/// A place in the translated text mapped to the original: from translated column
/// `to` on `line`, original columns are `from + (col - to)`.
#[derive(Debug, Clone, Copy)]
struct Mark {
    line: usize,
    to: usize,
    from: usize,
}

/// A template translated to Tera, with the marks mapping its columns back.
#[derive(Debug, Clone)]
pub(crate) struct Translated {
    pub text: String,
    marks: Vec<Mark>,
}

impl Translated {
    /// The original column (0-based) of a translated one on `line`.
    fn original_column(&self, line: usize, col: usize) -> usize {
        self.marks
            .iter()
            .rfind(|m| m.line == line && m.to <= col)
            .map_or(col, |m| m.from + (col - m.to))
    }
}

/// Which variable syntax a template uses: Backstage's `${{ }}`, or `{{ }}` for
/// `cookiecutterCompat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    /// `${{ x }}` is an expression, `{{` is text.
    Backstage,
    /// `{{ x }}` is an expression (cookiecutter templates).
    Cookiecutter,
}

/// Translate a Nunjucks template into Tera's syntax.
pub(crate) fn translate(text: &str, flavour: Flavour) -> Translated {
    let mut t = Translator {
        src: text,
        out: String::with_capacity(text.len() + 16),
        marks: Vec::new(),
        line: 1,
        col: 0,
        out_col: 0,
    };
    t.run(flavour);
    Translated {
        text: t.out,
        marks: t.marks,
    }
}

struct Translator<'a> {
    src: &'a str,
    out: String,
    marks: Vec<Mark>,
    line: usize,
    col: usize,
    out_col: usize,
}

impl Translator<'_> {
    fn mark(&mut self) {
        self.marks.push(Mark {
            line: self.line,
            to: self.out_col,
            from: self.col,
        });
    }

    /// Copy `s` of the source (advancing both positions).
    fn copy(&mut self, s: &str) {
        for c in s.chars() {
            if c == '\n' {
                self.line += 1;
                self.col = 0;
                self.out_col = 0;
            } else {
                self.col += 1;
                self.out_col += 1;
            }
        }
        self.out.push_str(s);
    }

    /// Consume `s` of the source and emit `with` instead (neither holds a newline).
    fn replace(&mut self, s: &str, with: &str) {
        self.col += s.chars().count();
        self.out_col += with.chars().count();
        self.out.push_str(with);
        self.mark();
    }

    fn run(&mut self, flavour: Flavour) {
        let src = self.src;
        let mut i = 0;
        while i < src.len() {
            let rest = &src[i..];
            let var_start = match flavour {
                Flavour::Backstage if rest.starts_with("${{") => Some(3),
                Flavour::Cookiecutter if rest.starts_with("{{") => Some(2),
                _ => None,
            };
            if let Some(n) = var_start {
                let end = find_end(rest, n, "}}");
                self.replace(&rest[..n], "{{");
                let inner = &rest[n..end];
                self.emit_expr(inner, false);
                let close = rest.len().min(end + 2);
                self.copy(&rest[end..close]);
                i += close;
            } else if rest.starts_with("{{") {
                self.replace("{{", "{{ \"{{\" }}");
                i += 2;
            } else if rest.starts_with("{#") {
                let end = rest.find("#}").map_or(rest.len(), |e| e + 2);
                self.copy(&rest[..end]);
                i += end;
            } else if rest.starts_with("{%") {
                let end = find_end(rest, 2, "%}");
                let inner = &rest[2..end];
                if is_raw(inner) {
                    let stop = raw_end(rest, end);
                    self.copy(&rest[..stop]);
                    i += stop;
                    continue;
                }
                self.copy("{%");
                self.emit_expr(inner, true);
                let close = rest.len().min(end + 2);
                self.copy(&rest[end..close]);
                i += close;
            } else {
                let c = rest.chars().next().unwrap_or(' ');
                self.copy(&rest[..c.len_utf8()]);
                i += c.len_utf8();
            }
        }
    }

    /// Emit an expression's inner text, rewritten; marks at both ends.
    fn emit_expr(&mut self, inner: &str, block: bool) {
        let rewritten = rewrite(&tokens(inner), block);
        if rewritten == inner {
            self.copy(inner);
            return;
        }
        // Keep the line structure: map the whole expression to its start.
        let lines_in = inner.matches('\n').count();
        let lines_out = rewritten.matches('\n').count();
        if lines_in == lines_out && lines_in == 0 {
            self.col += inner.chars().count();
            self.out_col += rewritten.chars().count();
            self.out.push_str(&rewritten);
            self.mark();
        } else {
            self.copy(&rewritten);
        }
    }
}

/// The byte offset of the `close` delimiter ending the tag opened at `rest[..start]`,
/// skipping string literals (or the end of the text).
fn find_end(rest: &str, start: usize, close: &str) -> usize {
    let b = rest.as_bytes();
    let mut i = start;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        match quote {
            Some(q) => {
                if b[i] == b'\\' {
                    i += 1;
                } else if b[i] == q {
                    quote = None;
                }
            }
            None => {
                if rest[i..].starts_with(close) {
                    return i;
                }
                if matches!(b[i], b'"' | b'\'' | b'`') {
                    quote = Some(b[i]);
                }
            }
        }
        i += 1;
    }
    b.len()
}

fn is_raw(inner: &str) -> bool {
    let t = inner.trim_matches(|c: char| c == '-' || c.is_whitespace());
    t == "raw" || t == "verbatim"
}

/// The end (after `%}`) of the `{% endraw %}` that closes a raw block whose opening
/// tag ends at `open_end`.
fn raw_end(rest: &str, open_end: usize) -> usize {
    let mut from = open_end;
    while let Some(at) = rest[from..].find("{%") {
        let start = from + at;
        let end = find_end(rest, start + 2, "%}");
        let t = rest[start + 2..end].trim_matches(|c: char| c == '-' || c.is_whitespace());
        if t == "endraw" || t == "endverbatim" {
            return rest.len().min(end + 2);
        }
        from = rest.len().min(end + 2);
    }
    rest.len()
}

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Ws(&'a str),
    Str(&'a str),
    Ident(&'a str),
    Num(&'a str),
    Punct(&'a str),
}

impl<'a> Tok<'a> {
    fn text(&self) -> &'a str {
        match self {
            Tok::Ws(s) | Tok::Str(s) | Tok::Ident(s) | Tok::Num(s) | Tok::Punct(s) => s,
        }
    }
}

fn tokens(s: &str) -> Vec<Tok<'_>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        if c.is_ascii_whitespace() {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            out.push(Tok::Ws(&s[start..i]));
        } else if matches!(c, b'"' | b'\'' | b'`') {
            i += 1;
            while i < b.len() && b[i] != c {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = b.len().min(i + 1);
            out.push(Tok::Str(&s[start..i]));
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            out.push(Tok::Ident(&s[start..i]));
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Num(&s[start..i]));
        } else {
            let two = s.get(i..i + 2).unwrap_or("");
            let n = if matches!(two, "==" | "!=" | "<=" | ">=" | "?." | "//" | "**") {
                2
            } else {
                1
            };
            // A multi-byte char that is not alphanumeric: take it whole.
            let n = (i + n..=s.len())
                .find(|&e| s.is_char_boundary(e))
                .unwrap_or(s.len())
                - i;
            i += n;
            out.push(Tok::Punct(&s[start..i]));
        }
    }
    out
}

/// Keyword names of the positional arguments of Nunjucks filters, in order.
fn positional_names(filter: &str) -> &'static [&'static str] {
    match filter {
        "default" => &["value", "boolean"],
        "replace" => &["from", "to"],
        "join" => &["sep"],
        "truncate" => &["length"],
        "split" => &["pat"],
        "indent" => &["width"],
        "round" => &["precision"],
        "pick" => &["key"],
        "parseEntityRef" => &["context"],
        "first" | "last" => &[],
        "batch" => &["size"],
        "selectattr" | "rejectattr" => &["attribute"],
        "sum" => &["attribute"],
        _ => &[],
    }
}

fn filter_name(name: &str) -> &str {
    match name {
        "d" => "default",
        "string" => "str",
        other => other,
    }
}

fn next_sig(toks: &[Tok<'_>], from: usize) -> Option<usize> {
    (from..toks.len()).find(|&i| !matches!(toks[i], Tok::Ws(_)))
}

/// The index of the `)` matching the `(` at `open`.
fn matching(toks: &[Tok<'_>], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t.text() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    toks.len()
}

/// Rewrite the tokens of one expression or block tag from Nunjucks to Tera.
fn rewrite(toks: &[Tok<'_>], block: bool) -> String {
    let mut out = String::new();
    let mut brackets: Vec<&str> = Vec::new();
    let mut prev_sig: Option<&str> = None;
    let mut first_ident = block;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        match t {
            Tok::Ident("elseif") if first_ident => out.push_str("elif"),
            Tok::Ident("steps") if toks.get(i + 1) == Some(&Tok::Punct(".")) => {
                let (id, end) = hyphenated(toks, i + 2);
                if id.contains('-') {
                    out.push_str(&format!("steps[\"{id}\"]"));
                    i = end;
                    prev_sig = Some("]");
                    continue;
                }
                out.push_str("steps");
            }
            Tok::Ident(name)
                if brackets.last() == Some(&"{")
                    && matches!(prev_sig, Some("{") | Some(","))
                    && next_sig(toks, i + 1).is_some_and(|n| toks[n] == Tok::Punct(":")) =>
            {
                out.push_str(&format!("\"{name}\""));
            }
            Tok::Punct("|") => {
                out.push('|');
                let Some(n) = next_sig(toks, i + 1) else {
                    i += 1;
                    continue;
                };
                let Tok::Ident(name) = toks[n] else {
                    i += 1;
                    continue;
                };
                for w in &toks[i + 1..n] {
                    out.push_str(w.text());
                }
                let name = filter_name(name);
                out.push_str(name);
                i = n + 1;
                prev_sig = Some(name);
                if toks.get(i) == Some(&Tok::Punct("(")) {
                    let close = matching(toks, i);
                    out.push_str(&filter_args(name, &toks[i + 1..close.min(toks.len())]));
                    i = close + 1;
                    prev_sig = Some(")");
                }
                continue;
            }
            Tok::Punct("(") => {
                let call = matches!(prev_sig, Some(p) if p == ")" || p == "]"
                    || (p.starts_with(|c: char| c.is_alphanumeric() || c == '_')
                        && !matches!(p, "and" | "or" | "not" | "in" | "is" | "if" | "else" | "elif")));
                brackets.push(if call { "(" } else { "g" });
                out.push('(');
            }
            Tok::Punct(")") if brackets.last() == Some(&"g") => {
                brackets.pop();
                out.push(')');
                // Tera has no member access on a parenthesised expression:
                // `(x | f).a.b` becomes `(x | f) | pick(key="a.b")`.
                let mut j = i + 1;
                let mut path = Vec::new();
                while let (Some(Tok::Punct(".")), Some(Tok::Ident(name))) =
                    (toks.get(j), toks.get(j + 1))
                {
                    path.push(*name);
                    j += 2;
                }
                if !path.is_empty() {
                    out.push_str(&format!(" | pick(key=\"{}\")", path.join(".")));
                    i = j;
                    prev_sig = Some(")");
                    continue;
                }
            }
            other => {
                match other.text() {
                    "[" | "{" => brackets.push(other.text()),
                    ")" | "]" | "}" => {
                        brackets.pop();
                    }
                    _ => {}
                }
                out.push_str(other.text());
            }
        }
        if !matches!(t, Tok::Ws(_)) {
            prev_sig = Some(t.text());
            first_ident = false;
        }
        i += 1;
    }
    out
}

/// `a-b-c` as one step id from `toks[from..]` (no spaces), and where it ends.
fn hyphenated(toks: &[Tok<'_>], from: usize) -> (String, usize) {
    let mut id = String::new();
    let mut i = from;
    while let Some(t) = toks.get(i) {
        match t {
            Tok::Ident(s) | Tok::Num(s) => id.push_str(s),
            Tok::Punct("-") if matches!(toks.get(i + 1), Some(Tok::Ident(_) | Tok::Num(_))) => {
                id.push('-')
            }
            _ => break,
        }
        i += 1;
    }
    (id, i)
}

/// `(args)` of a filter call with positional arguments named.
fn filter_args(filter: &str, toks: &[Tok<'_>]) -> String {
    let mut args: Vec<&[Tok<'_>]> = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, t) in toks.iter().enumerate() {
        match t.text() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            "," if depth == 0 => {
                args.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if toks.iter().any(|t| !matches!(t, Tok::Ws(_))) {
        args.push(&toks[start..]);
    }
    let names = positional_names(filter);
    let rendered: Vec<String> = args
        .iter()
        .enumerate()
        .map(|(n, arg)| {
            let text = rewrite(arg, false);
            let first = next_sig(arg, 0);
            let named = first.is_some_and(|f| {
                matches!(arg[f], Tok::Ident(_))
                    && next_sig(arg, f + 1).is_some_and(|e| arg[e] == Tok::Punct("="))
            });
            match names.get(n) {
                Some(kw) if !named => format!("{kw}={}", text.trim()),
                _ => text.trim().to_string(),
            }
        })
        .collect();
    format!("({})", rendered.join(", "))
}

/// A Tera instance with the Backstage filters, within `budget`.
pub(crate) fn backstage_tera(budget: &Arc<Budget>) -> Result<tera::Tera> {
    let mut tera = new_tera(None, budget).map_err(Error::Usage)?;
    crate::backstage::filters::register(&mut tera);
    Ok(tera)
}

/// Evaluates expressions and templates for one run.
pub(crate) struct Evaluator {
    tera: tera::Tera,
    budget: Arc<Budget>,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Evaluator")
    }
}

/// Where a template string sits in its file, for errors.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    /// The file as the user knows it.
    pub file: String,
    /// Line and column (1-based) of the string's first character.
    pub line: usize,
    pub column: usize,
}

const UNDEFINED: &str = "\u{0}undefined\u{0}";

impl Evaluator {
    pub(crate) fn new(limits: Limits) -> Result<Evaluator> {
        let budget = Budget::new(limits);
        let mut tera = backstage_tera(&budget)?;
        tera.register_filter(
            "__typed",
            |v: tera::Value, _: tera::Kwargs, _: &tera::State| -> tera::TeraResult<String> {
                if v.is_undefined() {
                    return Ok(UNDEFINED.to_string());
                }
                serde_json::to_string(&v).map_err(|e| tera::Error::message(e.to_string()))
            },
        );
        Ok(Evaluator { tera, budget })
    }

    /// Render a template text (`flavour` syntax) to a string.
    pub(crate) fn render(
        &self,
        text: &str,
        ctx: &tera::Context,
        flavour: Flavour,
        origin: &Origin,
    ) -> Result<String> {
        let translated = translate(text, flavour);
        render_str(
            &self.tera,
            &translated.text,
            ctx,
            &origin.file,
            &Syntax::default(),
            &self.budget,
        )
        .map_err(|e| relocate(e, text, &translated, origin))
    }

    /// Evaluate a value of a step input: strings holding `${{ }}` are rendered; a
    /// string that is one whole expression keeps the expression's type. Arrays and
    /// objects are evaluated member by member; `None` is an undefined value (left
    /// out of objects, as Backstage leaves it out).
    pub(crate) fn value(
        &self,
        v: &Value,
        ctx: &tera::Context,
        origin: &dyn Fn(&[String]) -> Origin,
        path: &mut Vec<String>,
    ) -> Result<Option<Value>> {
        Ok(Some(match v {
            Value::String(s) if s.contains("${{") => return self.string(s, ctx, &origin(path)),
            Value::Array(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    let r = self.value(item, ctx, origin, path);
                    path.pop();
                    out.push(r?.unwrap_or(Value::Null));
                }
                Value::Array(out)
            }
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, item) in map {
                    path.push(k.clone());
                    let r = self.value(item, ctx, origin, path);
                    path.pop();
                    if let Some(x) = r? {
                        out.insert(k.clone(), x);
                    }
                }
                Value::Object(out)
            }
            other => other.clone(),
        }))
    }

    /// One string of a step input.
    pub(crate) fn string(
        &self,
        s: &str,
        ctx: &tera::Context,
        origin: &Origin,
    ) -> Result<Option<Value>> {
        let trimmed = s.trim();
        let single = trimmed.starts_with("${{")
            && trimmed.ends_with("}}")
            && trimmed.matches("${{").count() == 1;
        if !single {
            return self
                .render(s, ctx, Flavour::Backstage, origin)
                .map(|r| Some(Value::String(r)));
        }
        let lead = s.len() - s.trim_start().len();
        let inner = &trimmed[3..trimmed.len() - 2];
        let text = format!("{}${{{{ ({inner}) | __typed }}}}", &s[..lead]);
        let out = self.render(&text, ctx, Flavour::Backstage, origin)?;
        let out = out.trim();
        if out == UNDEFINED {
            return Ok(None);
        }
        serde_json::from_str(out)
            .map(Some)
            .map_err(|e| Error::Usage(format!("{}: {e}", origin.file)))
    }

    /// Whether a step's `if:` holds.
    pub(crate) fn truthy(&self, v: &Value, ctx: &tera::Context, origin: &Origin) -> Result<bool> {
        let v = match v {
            Value::String(s) if s.contains("${{") => self.string(s, ctx, origin)?,
            other => Some(other.clone()),
        };
        Ok(match v {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => b,
            Some(Value::String(s)) => !(s.is_empty() || s == "false"),
            Some(Value::Number(n)) => n.as_f64() != Some(0.0),
            Some(Value::Array(_) | Value::Object(_)) => true,
        })
    }

    /// Check that a template text parses (for lint), without rendering it.
    pub(crate) fn check(&self, text: &str, flavour: Flavour, origin: &Origin) -> Result<()> {
        let translated = translate(text, flavour);
        let mut probe = self.tera.clone();
        probe
            .add_raw_template("__check", &translated.text)
            .map_err(|e| {
                let sources = std::collections::HashMap::from([(
                    "__check".to_string(),
                    crate::golden_path::render::Source::new(&origin.file, &translated.text),
                )]);
                let err = crate::golden_path::render::template_error(&e, &sources);
                relocate(Error::Template(Box::new(err)), text, &translated, origin)
            })
    }
}

/// `LINE:COL` after ` --> NAME:` in a Tera message.
fn reported_position(message: &str) -> Option<(usize, usize)> {
    let at = message.find(" --> ")?;
    let rest = message[at + 5..].lines().next()?;
    let mut parts = rest.rsplitn(3, ':');
    let col = parts.next()?.trim().parse().ok()?;
    let line = parts.next()?.trim().parse().ok()?;
    Some((line, col))
}

/// Map a template error of the translated text back to the original text and to its
/// place in the file.
fn relocate(e: Error, original: &str, translated: &Translated, origin: &Origin) -> Error {
    let Error::Template(mut te) = e else {
        return e;
    };
    // Tera reports some errors (an unknown filter) as a message with the place in
    // its text: `error: MESSAGE\n --> NAME:LINE:COL`.
    if te.location.line == 0 {
        if let Some((line, col)) = reported_position(&te.message) {
            te.location.line = line;
            te.location.column = col;
        }
        if let Some(first) = te.message.lines().next() {
            te.message = first.trim_start_matches("error: ").to_string();
        }
    }
    let line = te.location.line.max(1);
    let col = translated.original_column(line, te.location.column.saturating_sub(1));
    te.snippet = crate::golden_path::render::snippet(original, line, col, line, col + 1);
    let (file_line, file_col) = if line == 1 {
        (origin.line, origin.column + col)
    } else {
        (origin.line + line - 1, col + 1)
    };
    te.location = Location {
        file: origin.file.clone(),
        line: file_line,
        column: file_col,
    };
    te.message = te.message.replace("__typed", "the expression");
    Error::Template(te)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(s: &str) -> String {
        translate(s, Flavour::Backstage).text
    }

    #[test]
    fn backstage_delimiters_become_teras_and_literal_braces_stay_text() {
        assert_eq!(tr("a ${{ x }} b"), "a {{ x }} b");
        assert_eq!(tr("on: {{ y }}"), "on: {{ \"{{\" }} y }}");
        assert_eq!(
            tr("{% raw %}${{ keep }}{% endraw %}"),
            "{% raw %}${{ keep }}{% endraw %}"
        );
        assert_eq!(tr("{# ${{ c }} #}"), "{# ${{ c }} #}");
    }

    #[test]
    fn nunjucks_spellings_are_rewritten() {
        assert_eq!(
            tr("${{ x | replace('a', 'b') | d('z') }}"),
            "{{ x | replace(from='a', to='b') | default(value='z') }}"
        );
        assert_eq!(
            tr("${{ r | parseEntityRef({ defaultKind: 'group' }) }}"),
            "{{ r | parseEntityRef(context={ \"defaultKind\": 'group' }) }}"
        );
        assert_eq!(
            tr("${{ steps.fetch-base.output.x }}"),
            "{{ steps[\"fetch-base\"].output.x }}"
        );
        assert_eq!(tr("{% elseif a %}"), "{% elif a %}");
        assert_eq!(
            tr("${{ (o | parseEntityRef).name | upper }}"),
            "{{ (o | parseEntityRef) | pick(key=\"name\") | upper }}"
        );
        assert_eq!(tr("${{ f(a).b }}"), "{{ f(a).b }}");
        assert_eq!(tr("${{ x | join(sep=',') }}"), "{{ x | join(sep=',') }}");
    }

    #[test]
    fn columns_map_back_to_the_original() {
        let t = translate("ab ${{ x }} ${{ y }}", Flavour::Backstage);
        assert_eq!(t.text, "ab {{ x }} {{ y }}");
        // `y` is at column 14 of the translation and 16 of the original.
        assert_eq!(t.original_column(1, 14), 16);
        assert_eq!(t.original_column(1, 1), 1);
    }

    #[test]
    fn a_whole_expression_keeps_its_type() {
        let ev = Evaluator::new(Limits::DEFAULT).unwrap();
        let ctx = tera::Context::from_serialize(
            &serde_json::json!({"parameters": {"n": 3, "list": [1, 2], "b": false}}),
        )
        .unwrap();
        let o = Origin {
            file: "t.yaml".into(),
            line: 1,
            column: 1,
        };
        assert_eq!(
            ev.string("${{ parameters.n }}", &ctx, &o).unwrap(),
            Some(serde_json::json!(3))
        );
        assert_eq!(
            ev.string("${{ parameters.list }}", &ctx, &o).unwrap(),
            Some(serde_json::json!([1, 2]))
        );
        assert_eq!(
            ev.string("n=${{ parameters.n }}", &ctx, &o).unwrap(),
            Some(serde_json::json!("n=3"))
        );
        assert_eq!(ev.string("${{ parameters.nope }}", &ctx, &o).unwrap(), None);
        assert!(
            !ev.truthy(&serde_json::json!("${{ parameters.b }}"), &ctx, &o)
                .unwrap()
        );
    }

    #[test]
    fn an_unknown_filter_is_an_error_at_its_place() {
        let ev = Evaluator::new(Limits::DEFAULT).unwrap();
        let ctx = tera::Context::from_serialize(&serde_json::json!({"x": "a"})).unwrap();
        let o = Origin {
            file: "template.yaml".into(),
            line: 7,
            column: 12,
        };
        let e = ev.string("v: ${{ x | nosuch }}", &ctx, &o).unwrap_err();
        let loc = e.location().unwrap().clone();
        assert_eq!(loc.file, "template.yaml");
        assert_eq!(loc.line, 7);
        assert!(loc.column > 12, "{loc:?} {e}");
        assert!(e.to_string().contains("nosuch"), "{e}");
    }
}
