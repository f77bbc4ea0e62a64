//! Bounded rendering: output size per file and in total, and render time.
//!
//! Tera has no instruction budget, so the bounds are enforced in two places:
//! - every template's output goes through a [`BoundedWriter`] that fails the render as
//!   soon as a file or the whole render grows past its limit (so output inside a
//!   runaway loop cannot exhaust memory);
//! - every `for` loop body of every template (files, names, `when`, computed values)
//!   gets an invisible call to a tick function (see [`instrument`]) that fails the
//!   render once the deadline has passed, or once another file of the same render has
//!   failed. The render stops on the thread that runs it: no runaway thread is left
//!   burning CPU after the error.
//!
//! What is not bounded: memory taken by values a template builds without writing them
//! (`{% set s = s ~ s %}` doubling in a loop is stopped by the deadline, but may reach a
//! large size first), and work inside one filter call (bounded by its input).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::golden_path::definition::{LimitsSpec, Syntax};

/// Name of the function called at the top of every loop body.
pub(crate) const TICK: &str = "__scaffold_tick";

/// The bounds of one render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Largest rendered file, in bytes.
    pub max_file_bytes: u64,
    /// Largest whole render (every file together), in bytes.
    pub max_total_bytes: u64,
    /// Longest render (all files, names and computed values together).
    pub max_render_time: Duration,
}

impl Limits {
    /// The engine's defaults: 16 MiB per file, 256 MiB in total, 10 seconds.
    pub const DEFAULT: Limits = Limits {
        max_file_bytes: 16 << 20,
        max_total_bytes: 256 << 20,
        max_render_time: Duration::from_secs(10),
    };

    /// The most a definition's `spec.limits` may ask for: 256 MiB per file, 1 GiB in
    /// total, 60 seconds. A template cannot lift its own bounds further; the user can,
    /// with the command-line options.
    pub const CEILING: Limits = Limits {
        max_file_bytes: 256 << 20,
        max_total_bytes: 1 << 30,
        max_render_time: Duration::from_secs(60),
    };

    /// The effective limits: an override wins; else the definition's value, capped at
    /// [`Limits::CEILING`]; else [`Limits::DEFAULT`].
    pub fn resolve(spec: &LimitsSpec, overrides: &LimitOverrides) -> Limits {
        let d = Limits::DEFAULT;
        let c = Limits::CEILING;
        let secs = spec
            .max_render_seconds
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| Duration::from_secs_f64(s.min(c.max_render_time.as_secs_f64())));
        Limits {
            max_file_bytes: overrides.max_file_bytes.unwrap_or_else(|| {
                spec.max_file_bytes
                    .map_or(d.max_file_bytes, |v| v.min(c.max_file_bytes))
            }),
            max_total_bytes: overrides.max_total_bytes.unwrap_or_else(|| {
                spec.max_total_bytes
                    .map_or(d.max_total_bytes, |v| v.min(c.max_total_bytes))
            }),
            max_render_time: overrides
                .max_render_time
                .unwrap_or_else(|| secs.unwrap_or(d.max_render_time)),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Limits given by the caller (the command line); each wins over the definition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitOverrides {
    /// Largest rendered file, in bytes.
    pub max_file_bytes: Option<u64>,
    /// Largest whole render, in bytes.
    pub max_total_bytes: Option<u64>,
    /// Longest render.
    pub max_render_time: Option<Duration>,
}

/// Which bound a render crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    File,
    Total,
    Time,
}

/// The shared state of one render's bounds.
#[derive(Debug)]
pub(crate) struct Budget {
    pub limits: Limits,
    start: Instant,
    total: AtomicU64,
    ticks: AtomicU64,
    tripped: AtomicBool,
}

impl Budget {
    pub(crate) fn new(limits: Limits) -> Arc<Budget> {
        Arc::new(Budget {
            limits,
            start: Instant::now(),
            total: AtomicU64::new(0),
            ticks: AtomicU64::new(0),
            tripped: AtomicBool::new(false),
        })
    }

    /// Whether some part of the render already crossed a bound.
    pub(crate) fn tripped(&self) -> bool {
        self.tripped.load(Ordering::Relaxed)
    }

    /// The message for a crossed bound.
    pub(crate) fn message(&self, what: Exceeded) -> String {
        let l = &self.limits;
        match what {
            Exceeded::File => format!(
                "the rendered file is larger than the limit of {} bytes; raise it with spec.limits.maxFileBytes or the `max_file_bytes` limit override if the file is meant to be this big",
                l.max_file_bytes
            ),
            Exceeded::Total => format!(
                "the render is larger than the limit of {} bytes in total; raise it with spec.limits.maxTotalBytes or the `max_total_bytes` limit override",
                l.max_total_bytes
            ),
            Exceeded::Time => format!(
                "rendering took longer than the limit of {:.1}s (a runaway loop?); raise it with spec.limits.maxRenderSeconds or the `max_render_time` limit override",
                l.max_render_time.as_secs_f64()
            ),
        }
    }

    /// Called at the top of every loop body: fails once the deadline has passed or
    /// another file of the render has failed.
    pub(crate) fn tick(&self) -> Result<(), String> {
        if self.tripped() {
            return Err("stopped: another part of the render crossed a limit".to_string());
        }
        let n = self.ticks.fetch_add(1, Ordering::Relaxed);
        if n.is_multiple_of(64) && self.start.elapsed() > self.limits.max_render_time {
            self.tripped.store(true, Ordering::Relaxed);
            return Err(self.message(Exceeded::Time));
        }
        Ok(())
    }

    fn add_total(&self, n: usize) -> bool {
        let before = self.total.fetch_add(n as u64, Ordering::Relaxed);
        before + n as u64 <= self.limits.max_total_bytes
    }
}

/// An output buffer that refuses to grow past the per-file and total limits.
///
/// The bytes it takes are added to the render's shared total in batches (and by
/// [`BoundedWriter::finish`]), so that threads rendering side by side do not contend
/// on one counter at every write; each write still checks the total with its own
/// unflushed bytes counted.
pub(crate) struct BoundedWriter<'a> {
    pub buf: Vec<u8>,
    budget: &'a Budget,
    pub exceeded: Option<Exceeded>,
    /// Bytes taken but not yet added to the budget's total.
    pending: u64,
}

/// A writer adds its bytes to the shared total once it holds this many.
const FLUSH_BYTES: u64 = 64 * 1024;

impl<'a> BoundedWriter<'a> {
    pub(crate) fn new(budget: &'a Budget) -> Self {
        Self::with_capacity(budget, 0)
    }

    /// A writer whose buffer starts with room for `capacity` bytes.
    pub(crate) fn with_capacity(budget: &'a Budget, capacity: usize) -> Self {
        BoundedWriter {
            buf: Vec::with_capacity(capacity),
            budget,
            exceeded: None,
            pending: 0,
        }
    }

    fn fail(&mut self, what: Exceeded) -> std::io::Error {
        self.exceeded = Some(what);
        self.budget.tripped.store(true, Ordering::Relaxed);
        std::io::Error::other(self.budget.message(what))
    }

    /// Add what is still pending to the render's total: the last check of a file that
    /// rendered. `Err` names the bound crossed.
    pub(crate) fn finish(&mut self) -> Result<(), Exceeded> {
        let pending = std::mem::take(&mut self.pending);
        if pending > 0 && !self.budget.add_total(pending as usize) {
            let _ = self.fail(Exceeded::Total);
            return Err(Exceeded::Total);
        }
        Ok(())
    }
}

impl std::io::Write for BoundedWriter<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.budget.tripped() && self.exceeded.is_none() {
            return Err(std::io::Error::other(
                "stopped: another part of the render crossed a limit",
            ));
        }
        let n = data.len() as u64;
        if self.buf.len() as u64 + n > self.budget.limits.max_file_bytes {
            return Err(self.fail(Exceeded::File));
        }
        self.pending += n;
        let flushed = self.budget.total.load(Ordering::Relaxed);
        if flushed + self.pending > self.budget.limits.max_total_bytes {
            return Err(self.fail(Exceeded::Total));
        }
        if self.pending >= FLUSH_BYTES && self.finish().is_err() {
            return Err(std::io::Error::other(self.budget.message(Exceeded::Total)));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where a tick call was inserted into a template: 1-based line, 0-based column (in
/// characters) of the insertion and of the `for` tag it follows, and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Insertion {
    pub line: usize,
    pub col: usize,
    pub tag_col: usize,
    pub len: usize,
}

/// Insert a tick call at the top of every `for` loop body of `text`, keeping the
/// output identical (the call renders nothing, and a `-%}` trim is carried over).
/// Raw blocks, comments, variable tags and string literals are skipped.
pub(crate) fn instrument(text: &str, syntax: &Syntax) -> (String, Vec<Insertion>) {
    let bytes = text.as_bytes();
    let (bs, be) = (syntax.block_start.as_bytes(), syntax.block_end.as_bytes());
    let (vs, ve) = (
        syntax.variable_start.as_bytes(),
        syntax.variable_end.as_bytes(),
    );
    let (cs, ce) = (
        syntax.comment_start.as_bytes(),
        syntax.comment_end.as_bytes(),
    );
    let mut out = String::with_capacity(text.len());
    let mut insertions = Vec::new();
    let mut copied = 0;
    let mut i = 0;
    // Line and column (in chars) bookkeeping for the insertion points, which are asked
    // for in increasing order: each call counts only the text since the last one.
    let (mut seen, mut line, mut line_start) = (0, 1, 0);
    let mut position = |upto: usize| -> (usize, usize) {
        for nl in memchr::memchr_iter(b'\n', &bytes[seen..upto]) {
            line += 1;
            line_start = seen + nl + 1;
        }
        seen = upto;
        (line, text[line_start..upto].chars().count())
    };
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(cs) {
            match find(bytes, i + cs.len(), ce) {
                Some(end) => {
                    i = end + ce.len();
                    continue;
                }
                None => break,
            }
        }
        if rest.starts_with(vs) {
            match find_outside_strings(bytes, i + vs.len(), ve) {
                Some(end) => {
                    i = end + ve.len();
                    continue;
                }
                None => break,
            }
        }
        if rest.starts_with(bs) {
            let Some(end) = find_outside_strings(bytes, i + bs.len(), be) else {
                break;
            };
            let inner = &text[i + bs.len()..end];
            let trimmed = inner.trim_start_matches(['-', '+']).trim_start();
            let word_len = trimmed
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .count();
            let word = &trimmed[..word_len];
            let after = end + be.len();
            if word == "raw" {
                i = end_of_raw(text, after, syntax);
                continue;
            }
            if word == "for" {
                let call = tick_call(inner, syntax);
                let (line, tag_col) = position(i);
                let (_, col) = position(after);
                out.push_str(&text[copied..after]);
                out.push_str(&call);
                copied = after;
                insertions.push(Insertion {
                    line,
                    col,
                    tag_col,
                    len: call.chars().count(),
                });
            }
            i = after;
            continue;
        }
        // Nothing starts here: jump to the next byte that can start a tag.
        i = match (cs.first(), vs.first(), bs.first()) {
            (Some(&c), Some(&v), Some(&b)) => {
                memchr::memchr3(c, v, b, &bytes[i + 1..]).map_or(bytes.len(), |n| i + 1 + n)
            }
            _ => i + 1,
        };
    }
    out.push_str(&text[copied..]);
    (out, insertions)
}

/// Where the text resumes after a `{% raw %}` block whose opening tag ends at `after`:
/// past its `{% endraw %}`, or the end of the text when there is none.
fn end_of_raw(text: &str, after: usize, syntax: &Syntax) -> usize {
    let bytes = text.as_bytes();
    let (bs, be) = (syntax.block_start.as_bytes(), syntax.block_end.as_bytes());
    let mut j = after;
    while let Some(start) = find(bytes, j, bs) {
        let Some(close) = find(bytes, start + bs.len(), be) else {
            break;
        };
        let w = text[start + bs.len()..close]
            .trim_start_matches(['-', '+'])
            .trim();
        if w.trim_end_matches(['-', '+']).trim() == "endraw" {
            return close + be.len();
        }
        j = close + be.len();
    }
    bytes.len()
}

/// The tick call inserted after a `for` tag (`inner`: the tag's text), carrying its
/// `-` trim over.
fn tick_call(inner: &str, syntax: &Syntax) -> String {
    if inner.trim_end().ends_with('-') {
        format!(
            "{}- {TICK}() -{}",
            syntax.variable_start, syntax.variable_end
        )
    } else {
        format!("{} {TICK}() {}", syntax.variable_start, syntax.variable_end)
    }
}

/// Map a column of the instrumented text back to the original text.
pub(crate) fn original_column(insertions: &[Insertion], line: usize, col: usize) -> usize {
    let mut shift = 0;
    for ins in insertions.iter().filter(|i| i.line == line) {
        let at = ins.col + shift;
        if col >= at + ins.len {
            shift += ins.len;
        } else if col >= at {
            // In the tick call itself: point at its `for` tag.
            return ins.tag_col;
        }
    }
    col - shift.min(col)
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from > hay.len() {
        return None;
    }
    memchr::memmem::find(&hay[from..], needle).map(|p| p + from)
}

fn find_outside_strings(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let mut quote: Option<u8> = None;
    let mut i = from;
    while i < hay.len() {
        let b = hay[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' || b == b'`' => quote = Some(b),
            None if hay[i..].starts_with(needle) => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(max_file_bytes: u64, max_total_bytes: u64) -> Arc<Budget> {
        Budget::new(Limits {
            max_file_bytes,
            max_total_bytes,
            ..Limits::DEFAULT
        })
    }

    fn write_in_pieces(w: &mut BoundedWriter<'_>, bytes: usize) -> std::io::Result<()> {
        use std::io::Write as _;
        for _ in 0..bytes {
            w.write_all(b"x")?;
        }
        Ok(())
    }

    #[test]
    fn the_total_counts_every_writer_though_it_is_added_in_batches() {
        // Within one writer: its own unflushed bytes count at every write.
        let b = budget(1000, 100);
        let mut w = BoundedWriter::new(&b);
        assert!(write_in_pieces(&mut w, 101).is_err());
        assert_eq!(w.exceeded, Some(Exceeded::Total));
        assert_eq!(w.buf.len(), 100);
        assert!(b.tripped());

        // A finished writer's bytes count for the next one.
        let b = budget(1000, 100);
        let mut first = BoundedWriter::new(&b);
        write_in_pieces(&mut first, 60).unwrap();
        first.finish().unwrap();
        let mut second = BoundedWriter::new(&b);
        assert!(write_in_pieces(&mut second, 60).is_err());
        assert_eq!(second.exceeded, Some(Exceeded::Total));

        // Two writers side by side, neither over the total alone: the second to
        // finish crosses it.
        let b = budget(1000, 100);
        let (mut a, mut c) = (BoundedWriter::new(&b), BoundedWriter::new(&b));
        write_in_pieces(&mut a, 70).unwrap();
        write_in_pieces(&mut c, 40).unwrap();
        assert_eq!(a.finish(), Ok(()));
        assert_eq!(c.finish(), Err(Exceeded::Total));
        assert!(b.tripped());

        // The per-file bound is the writer's own.
        let b = budget(10, 1000);
        let mut w = BoundedWriter::new(&b);
        assert!(write_in_pieces(&mut w, 11).is_err());
        assert_eq!(w.exceeded, Some(Exceeded::File));
    }

    #[test]
    fn large_writes_are_added_to_the_total_before_the_file_ends() {
        let b = budget(u64::MAX, u64::MAX);
        let mut w = BoundedWriter::new(&b);
        write_in_pieces(&mut w, FLUSH_BYTES as usize + 1).unwrap();
        assert_eq!(b.total.load(Ordering::Relaxed), FLUSH_BYTES);
        w.finish().unwrap();
        assert_eq!(b.total.load(Ordering::Relaxed), FLUSH_BYTES + 1);
    }

    #[test]
    fn insertion_points_are_counted_from_the_line_they_are_on() {
        let syntax = Syntax::default();
        let text = "é\n{% for a in x %}{{ a }}{% endfor %}\nzz é {% for b in y %}{% endfor %}";
        let (_, ins) = instrument(text, &syntax);
        let at: Vec<(usize, usize, usize)> =
            ins.iter().map(|i| (i.line, i.tag_col, i.col)).collect();
        assert_eq!(at, vec![(2, 0, 16), (3, 5, 21)]);
    }

    #[test]
    fn instrument_adds_a_tick_to_every_loop_and_nothing_else() {
        let syntax = Syntax::default();
        let text = "a {% for i in x %}{{ i }}{% endfor %}\n{%- for j in y -%}\n {{ j }}{% endfor %}{# {% for k in z %} #}{% raw %}{% for r in q %}{% endraw %}{{ \"{% for s in t %}\" }}";
        let (out, ins) = instrument(text, &syntax);
        assert_eq!(
            out,
            "a {% for i in x %}{{ __scaffold_tick() }}{{ i }}{% endfor %}\n{%- for j in y -%}{{- __scaffold_tick() -}}\n {{ j }}{% endfor %}{# {% for k in z %} #}{% raw %}{% for r in q %}{% endraw %}{{ \"{% for s in t %}\" }}"
        );
        assert_eq!(ins.len(), 2);
        assert_eq!((ins[0].line, ins[0].tag_col, ins[0].col), (1, 2, 18));
        assert_eq!((ins[1].line, ins[1].tag_col, ins[1].col), (2, 0, 18));
        // A column after the insertion maps back; one inside it maps to the tag.
        assert_eq!(original_column(&ins, 1, 18 + ins[0].len + 3), 21);
        assert_eq!(original_column(&ins, 1, 20), 2);
        assert_eq!(original_column(&ins, 1, 5), 5);
    }

    #[test]
    fn instrument_with_custom_delimiters() {
        let syntax = Syntax {
            block_start: "[%".into(),
            block_end: "%]".into(),
            variable_start: "[[".into(),
            variable_end: "]]".into(),
            comment_start: "[#".into(),
            comment_end: "#]".into(),
        };
        let (out, ins) = instrument(
            "{% for a in b %}[% for x in y %][[ x ]][% endfor %]",
            &syntax,
        );
        assert_eq!(
            out,
            "{% for a in b %}[% for x in y %][[ __scaffold_tick() ]][[ x ]][% endfor %]"
        );
        assert_eq!(ins.len(), 1);
    }

    #[test]
    fn overrides_win_and_definitions_are_capped() {
        let spec = LimitsSpec {
            max_file_bytes: Some(u64::MAX),
            max_total_bytes: Some(10),
            max_render_seconds: Some(1e9),
        };
        let l = Limits::resolve(&spec, &LimitOverrides::default());
        assert_eq!(l.max_file_bytes, Limits::CEILING.max_file_bytes);
        assert_eq!(l.max_total_bytes, 10);
        assert_eq!(l.max_render_time, Limits::CEILING.max_render_time);
        let o = LimitOverrides {
            max_file_bytes: Some(u64::MAX),
            max_total_bytes: None,
            max_render_time: Some(Duration::from_millis(5)),
        };
        let l = Limits::resolve(&spec, &o);
        assert_eq!(l.max_file_bytes, u64::MAX);
        assert_eq!(l.max_render_time, Duration::from_millis(5));
        assert_eq!(
            Limits::resolve(&LimitsSpec::default(), &LimitOverrides::default()),
            Limits::DEFAULT
        );
    }
}
