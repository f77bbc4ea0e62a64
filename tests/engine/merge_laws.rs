//! Property tests for the laws of `merge_text`.
//!
//! Texts are built from a small alphabet of lines so that edits of the two
//! sides collide often, with LF or CRLF line endings and with or without a
//! final newline. Laws checked:
//!
//! * `merge(b, b, t) == t`, `merge(b, o, b) == o`, `merge(b, x, x) == x`,
//!   all clean;
//! * edits to disjoint parts of the base merge cleanly into exactly the
//!   text with both sides' edits;
//! * any merge keeps every change of both sides (on a clean merge each
//!   side's changed blocks appear in order; on a conflicted one, in the
//!   view that resolves all conflicts to that side), markers start lines
//!   and the conflict count equals the number of conflict blocks;
//! * arbitrary bytes never panic, and `similarity` stays within [0, 1].

use proptest::prelude::*;
use scaffold_core::merge::{MergeLabels, MergeOutcome, is_binary, merge_text, similarity};
use similar::{Algorithm, DiffOp, capture_diff_slices};

const LABELS: MergeLabels<'static> = MergeLabels {
    ours: "ours",
    base: "base",
    theirs: "theirs",
};

const ALPHABET: &[&str] = &["a", "b", "c", "d", "", "}"];

/// A text: its lines (without endings), CRLF or LF, final newline or not.
#[derive(Clone, Debug)]
struct Text {
    lines: Vec<String>,
    crlf: bool,
    final_newline: bool,
}

impl Text {
    fn bytes(&self) -> Vec<u8> {
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let mut out = self.lines.join(eol);
        if self.final_newline && !self.lines.is_empty() {
            out.push_str(eol);
        }
        out.into_bytes()
    }

    fn with_lines(&self, lines: Vec<String>) -> Text {
        Text {
            lines,
            ..self.clone()
        }
    }
}

fn line() -> impl Strategy<Value = String> {
    prop::sample::select(ALPHABET).prop_map(str::to_string)
}

fn text() -> impl Strategy<Value = Text> {
    (
        prop::collection::vec(line(), 0..10),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(lines, crlf, final_newline)| Text {
            lines,
            crlf,
            final_newline,
        })
}

/// One edit: position (taken modulo the length), kind, inserted line.
type Edit = (usize, u8, String);

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec((0..64usize, 0..3u8, line()), 0..4)
}

fn apply(lines: &[String], edits: &[Edit]) -> Vec<String> {
    let mut lines = lines.to_vec();
    for (at, kind, new) in edits {
        let at = at % (lines.len() + 1);
        match kind {
            0 => lines.insert(at, new.clone()),
            1 if at < lines.len() => {
                lines.remove(at);
            }
            _ if at < lines.len() => lines[at] = new.clone(),
            _ => lines.push(new.clone()),
        }
    }
    lines
}

fn lines_of(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The blocks of lines `side` inserted or changed relative to `base`.
fn changed_blocks<'a>(base: &[&[u8]], side: &[&'a [u8]]) -> Vec<Vec<&'a [u8]>> {
    capture_diff_slices(Algorithm::Myers, base, side)
        .into_iter()
        .filter(|op| !matches!(op, DiffOp::Equal { .. }) && !op.new_range().is_empty())
        .map(|op| side[op.new_range()].iter().map(|l| trim_eol(l)).collect())
        .collect()
}

/// True when all `blocks` occur in `lines`, contiguous and in order.
fn contains_in_order(lines: &[&[u8]], blocks: &[Vec<&[u8]>]) -> bool {
    let lines: Vec<&[u8]> = lines.iter().map(|l| trim_eol(l)).collect();
    let mut from = 0;
    for block in blocks {
        let found = (from..=lines.len().saturating_sub(block.len()))
            .find(|&at| lines.get(at..at + block.len()) == Some(&block[..]));
        match found {
            Some(at) => from = at + block.len(),
            None => return false,
        }
    }
    true
}

/// Resolves every conflict block to one side: 0 = ours, 2 = theirs.
/// Fails the test if a marker does not start a line.
fn view(merged: &[u8], keep: usize) -> Result<Vec<&[u8]>, TestCaseError> {
    const MARKERS: [&[u8]; 4] = [b"<<<<<<<", b"|||||||", b"=======", b">>>>>>>"];
    let mut out = Vec::new();
    let mut section = None;
    for line in lines_of(merged) {
        match MARKERS.iter().position(|m| line.starts_with(m)) {
            Some(index @ 0..=2) => section = Some(index),
            Some(_) => section = None,
            None => {
                prop_assert!(
                    !MARKERS.iter().any(|m| line.windows(7).any(|w| w == *m)),
                    "marker inside a line: {:?}",
                    String::from_utf8_lossy(line)
                );
                if section.is_none() || section == Some(keep) {
                    out.push(line);
                }
            }
        }
    }
    Ok(out)
}

fn clean(content: Vec<u8>) -> MergeOutcome {
    MergeOutcome {
        content,
        conflicts: 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn only_theirs_changed_gives_theirs(base in text(), edits in edits(), newline in any::<bool>()) {
        let mut theirs = base.with_lines(apply(&base.lines, &edits));
        theirs.final_newline = newline;
        let (b, t) = (base.bytes(), theirs.bytes());
        prop_assert_eq!(merge_text(&b, &b, &t, LABELS), clean(t));
    }

    #[test]
    fn only_ours_changed_gives_ours(base in text(), edits in edits(), newline in any::<bool>()) {
        let mut ours = base.with_lines(apply(&base.lines, &edits));
        ours.final_newline = newline;
        let (b, o) = (base.bytes(), ours.bytes());
        prop_assert_eq!(merge_text(&b, &o, &b, LABELS), clean(o));
    }

    #[test]
    fn same_change_on_both_sides_is_clean(base in text(), edits in edits(), newline in any::<bool>()) {
        let mut x = base.with_lines(apply(&base.lines, &edits));
        x.final_newline = newline;
        let x = x.bytes();
        prop_assert_eq!(merge_text(&base.bytes(), &x, &x, LABELS), clean(x));
    }

    #[test]
    fn disjoint_edits_merge_to_both_changes(
        first in prop::collection::vec(line(), 0..8),
        second in prop::collection::vec(line(), 0..8),
        ours_edits in edits(),
        theirs_edits in edits(),
        crlf in any::<bool>(),
        base_newline in any::<bool>(),
        theirs_newline in any::<bool>(),
    ) {
        // Two unique separator lines keep the halves apart, so every diff
        // places ours' edits before them and theirs' after them.
        let separator = ["=== 1 ===".to_string(), "=== 2 ===".to_string()];
        let join = |a: &[String], b: &[String]| [a, &separator[..], b].concat();
        let base = Text { lines: join(&first, &second), crlf, final_newline: base_newline };
        let ours_first = apply(&first, &ours_edits);
        let theirs_second = apply(&second, &theirs_edits);
        let ours = base.with_lines(join(&ours_first, &second));
        let mut theirs = base.with_lines(join(&first, &theirs_second));
        theirs.final_newline = theirs_newline;
        let mut expected = base.with_lines(join(&ours_first, &theirs_second));
        expected.final_newline = theirs_newline;

        let outcome = merge_text(&base.bytes(), &ours.bytes(), &theirs.bytes(), LABELS);
        let expected = expected.bytes();
        prop_assert_eq!(
            String::from_utf8_lossy(&outcome.content),
            String::from_utf8_lossy(&expected)
        );
        prop_assert!(outcome.is_clean());
    }

    #[test]
    fn merge_keeps_every_change(base in text(), ours_edits in edits(), theirs_edits in edits(),
                                ours_newline in any::<bool>(), theirs_newline in any::<bool>()) {
        let mut ours = base.with_lines(apply(&base.lines, &ours_edits));
        ours.final_newline = ours_newline;
        let mut theirs = base.with_lines(apply(&base.lines, &theirs_edits));
        theirs.final_newline = theirs_newline;
        let (b, o, t) = (base.bytes(), ours.bytes(), theirs.bytes());
        let outcome = merge_text(&b, &o, &t, LABELS);

        let (base_lines, ours_lines, theirs_lines) = (lines_of(&b), lines_of(&o), lines_of(&t));
        let ours_blocks = changed_blocks(&base_lines, &ours_lines);
        let theirs_blocks = changed_blocks(&base_lines, &theirs_lines);
        let ours_view = view(&outcome.content, 0)?;
        let theirs_view = view(&outcome.content, 2)?;
        prop_assert!(contains_in_order(&ours_view, &ours_blocks), "ours change lost: {:?}",
            String::from_utf8_lossy(&outcome.content));
        prop_assert!(contains_in_order(&theirs_view, &theirs_blocks), "theirs change lost: {:?}",
            String::from_utf8_lossy(&outcome.content));
        let blocks = lines_of(&outcome.content)
            .iter()
            .filter(|l| trim_eol(l) == b"<<<<<<< ours")
            .count();
        prop_assert_eq!(blocks, outcome.conflicts);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        base in prop::collection::vec(prop::sample::select(b"ab\r\n\0\xff<=".to_vec()), 0..40),
        ours in prop::collection::vec(prop::sample::select(b"ab\r\n\0\xff<=".to_vec()), 0..40),
        theirs in prop::collection::vec(prop::sample::select(b"ab\r\n\0\xff<=".to_vec()), 0..40),
    ) {
        let outcome = merge_text(&base, &ours, &theirs, LABELS);
        prop_assert_eq!(outcome.is_clean(), outcome.conflicts == 0);
        let s = similarity(&base, &ours);
        prop_assert!((0.0..=1.0).contains(&s), "similarity {}", s);
        prop_assert_eq!(similarity(&base, &base), 1.0);
        prop_assert_eq!(is_binary(&base), base.contains(&0));
    }

    #[test]
    fn similarity_is_symmetric_and_bounded(a in text(), b in text()) {
        let (a, b) = (a.bytes(), b.bytes());
        let s = similarity(&a, &b);
        prop_assert!((0.0..=1.0).contains(&s));
        prop_assert_eq!(s, similarity(&b, &a));
        let (na, nb) = (lines_of(&a).len(), lines_of(&b).len());
        if na + nb > 0 {
            // Never more matches than the shorter side has lines.
            let bound = 2.0 * na.min(nb) as f64 / (na + nb) as f64;
            prop_assert!(s <= bound + 1e-12, "{} > {}", s, bound);
        }
    }
}
