//! Line-based three-way merge of file contents, binary detection and
//! line-based similarity for rename detection.
//!
//! [`merge_text`] re-applies a template change (`base` → `theirs`) to a
//! generated file that may have been edited locally (`base` → `ours`). It
//! never drops a local edit: regions that only one side changed are taken
//! from that side, regions both sides changed identically are taken once,
//! and regions both sides changed differently are written as git-style
//! diff3 conflict blocks containing all three versions.
//!
//! Lines are split on `\n` only, exactly like git (a bare `\r` is ordinary
//! content, and `\r\n` stays part of its line). Each distinct line is interned
//! to a small numeric token and [`similar::TextMerge`] merges the token
//! streams; the merge result is then rendered from the original byte lines.
//! Interning keeps the merge byte-exact for non-UTF-8 input and stops
//! `similar`'s own tokenizer from treating a bare `\r` as a line end, which
//! would otherwise let a conflict marker be glued onto the end of a line.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use similar::{Algorithm, DiffOp, MergeResolution, TextMergeConfig, capture_diff_slices_deadline};

/// Labels written on conflict marker lines, e.g. ours="ours", base="base v1.0.0", theirs="theirs v1.1.0".
///
/// Carriage returns and newlines inside a label are written as spaces so a
/// label can never add lines to the merged output.
#[derive(Debug, Clone, Copy)]
pub struct MergeLabels<'a> {
    /// Label of the local (generated and possibly edited) version.
    pub ours: &'a str,
    /// Label of the common ancestor (the template version last applied).
    pub base: &'a str,
    /// Label of the incoming (newer template) version.
    pub theirs: &'a str,
}

/// Result of merging one file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeOutcome {
    /// The merged bytes, including conflict blocks when `conflicts > 0`.
    pub content: Vec<u8>,
    /// Number of conflict blocks (regions) written into `content`.
    pub conflicts: usize,
}

impl MergeOutcome {
    /// True when the merge produced no conflict block.
    pub fn is_clean(&self) -> bool {
        self.conflicts == 0
    }

    fn clean(content: &[u8]) -> Self {
        MergeOutcome {
            content: content.to_vec(),
            conflicts: 0,
        }
    }
}

/// Length of conflict markers (`<<<<<<<`, `|||||||`, `=======`, `>>>>>>>`).
const MARKER_SIZE: usize = 7;

/// How many leading bytes [`is_binary`] inspects, as git does.
const BINARY_SNIFF_LEN: usize = 8000;

/// Time budget for the diff inside [`similarity`]. Past it `similar` falls
/// back to a cheaper approximation, which can only under-count matches.
const SIMILARITY_DEADLINE: Duration = Duration::from_millis(200);

/// `Some(true)` when every line ending of `text` is CRLF, `Some(false)` when every one
/// is LF, `None` when it has none or mixes them.
fn uniform_eol(text: &[u8]) -> Option<bool> {
    let mut crlf = 0usize;
    let mut lf = 0usize;
    for (i, b) in text.iter().enumerate() {
        if *b == b'\n' {
            if i > 0 && text[i - 1] == b'\r' {
                crlf += 1;
            } else {
                lf += 1;
            }
        }
    }
    match (crlf, lf) {
        (0, 0) => None,
        (_, 0) => Some(true),
        (0, _) => Some(false),
        _ => None,
    }
}

/// `text` (uniform in its line endings) with CRLF (`true`) or LF line endings.
fn convert_eol(text: &[u8], crlf: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 16);
    for (i, b) in text.iter().enumerate() {
        if *b == b'\n' {
            let had_cr = i > 0 && text[i - 1] == b'\r';
            if crlf && !had_cr {
                out.push(b'\r');
            }
            if !crlf && had_cr {
                out.pop();
            }
        }
        out.push(*b);
    }
    out
}

/// Line-based three-way merge of text (UTF-8 or not). Conflict blocks are git diff3 style:
/// "<<<<<<< {ours}", ours lines, "||||||| {base}", base lines, "=======", theirs lines, ">>>>>>> {theirs}".
///
/// Clean when `ours == theirs` (result `ours`), `base == ours` (result
/// `theirs`) or `base == theirs` (result `ours`). Otherwise both sides are
/// diffed against `base` (Myers, git-style heuristics); non-overlapping
/// changes are combined and changes that overlap or touch the same base
/// position conflict unless both sides produced the same lines there.
///
/// Marker lines end in `\r\n` when `ours` uses CRLF line endings (decided by
/// its first line ending; when `ours` has none, by `theirs`, then `base`),
/// else in `\n`. A side whose last line inside a conflict lacks a line ending
/// gets that line ending added, so a marker always starts a line.
///
/// When `ours` switched the whole file between LF and CRLF and `theirs` did not,
/// `base` and `theirs` are converted to `ours`'s line endings first, so the switch
/// merges instead of conflicting on every line.
pub fn merge_text(
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    labels: MergeLabels<'_>,
) -> MergeOutcome {
    if ours == theirs || base == theirs {
        return MergeOutcome::clean(ours);
    }
    if base == ours {
        return MergeOutcome::clean(theirs);
    }
    // The user switched the whole file from LF to CRLF (or back) and the template did
    // not: merge in the user's line endings instead of conflicting on every line.
    if let (Some(o), Some(b), Some(t)) = (uniform_eol(ours), uniform_eol(base), uniform_eol(theirs))
    {
        if o != b && b == t {
            let base = convert_eol(base, o);
            let theirs = convert_eol(theirs, o);
            return merge_text(&base, ours, &theirs, labels);
        }
    }

    let base_lines = split_lines(base);
    let ours_lines = split_lines(ours);
    let theirs_lines = split_lines(theirs);

    let mut interner = Interner::default();
    let base_tokens = interner.token_text(&base_lines);
    let ours_tokens = interner.token_text(&ours_lines);
    let theirs_tokens = interner.token_text(&theirs_lines);

    let merge = TextMergeConfig::new().merge_lines(
        base_tokens.as_str(),
        ours_tokens.as_str(),
        theirs_tokens.as_str(),
    );

    let eol = detect_eol(ours, theirs, base);
    let ours_label = sanitize_label(labels.ours);
    let base_label = sanitize_label(labels.base);
    let theirs_label = sanitize_label(labels.theirs);

    let mut out = Vec::with_capacity(ours.len().max(theirs.len()));
    let mut conflicts = 0;
    for region in merge.regions() {
        match region.resolution() {
            MergeResolution::Theirs => {
                push_lines(&mut out, &theirs_lines, region.theirs_range());
            }
            MergeResolution::Conflict => {
                conflicts += 1;
                terminate_line(&mut out, eol);
                push_marker(&mut out, b'<', Some(&ours_label), eol);
                push_lines(&mut out, &ours_lines, region.ours_range());
                terminate_line(&mut out, eol);
                push_marker(&mut out, b'|', Some(&base_label), eol);
                push_lines(&mut out, &base_lines, region.base_range());
                terminate_line(&mut out, eol);
                push_marker(&mut out, b'=', None, eol);
                push_lines(&mut out, &theirs_lines, region.theirs_range());
                terminate_line(&mut out, eol);
                push_marker(&mut out, b'>', Some(&theirs_label), eol);
            }
            // Unchanged, Ours, Both, and any resolution added to `similar`
            // later: the text as it stands in `ours`, which keeps every
            // local edit.
            _ => push_lines(&mut out, &ours_lines, region.ours_range()),
        }
    }

    MergeOutcome {
        content: out,
        conflicts,
    }
}

/// True when content should be treated as binary: a NUL byte in the first 8000 bytes (git's rule).
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(BINARY_SNIFF_LEN)].contains(&0)
}

/// Line-based similarity in [0.0, 1.0] used for rename detection.
///
/// Computed as `2 * matched / (lines(a) + lines(b))`, where `matched` is the
/// number of lines a Myers diff keeps in common; identical inputs (including
/// two empty ones) give `1.0`, and an empty input against a non-empty one
/// `0.0`. Lines are split on `\n`, and a last line without a line ending
/// differs from the same text with one.
///
/// Cost control for large or dissimilar files: lines are interned to
/// integers; files that share no line return `0.0` after a linear check,
/// without diffing; `similar`'s Myers drops lines that occur on one side
/// only and bounds its search like git's; and the diff runs with a 200 ms
/// deadline, after which `similar` approximates. Only pathological
/// inputs (tens of thousands of lines drawn from a handful of distinct
/// values) reach the deadline, and then the result may under-count and
/// depend on machine speed.
pub fn similarity(a: &[u8], b: &[u8]) -> f64 {
    if a == b {
        return 1.0;
    }
    let a_lines = split_lines(a);
    let b_lines = split_lines(b);
    let total = a_lines.len() + b_lines.len();
    if a_lines.is_empty() || b_lines.is_empty() {
        return 0.0;
    }

    let mut ids: HashMap<&[u8], usize> = HashMap::new();
    let a_ids = intern_ids(&a_lines, &mut ids);
    let b_ids = intern_ids(&b_lines, &mut ids);

    // Files that share no line at all need no diff. Ids are dense
    // (0..ids.len()), so they index the flags directly.
    let mut in_a = vec![false; ids.len()];
    for &id in &a_ids {
        if let Some(flag) = in_a.get_mut(id) {
            *flag = true;
        }
    }
    if !b_ids
        .iter()
        .any(|&id| in_a.get(id).copied().unwrap_or(false))
    {
        return 0.0;
    }

    let deadline = Instant::now().checked_add(SIMILARITY_DEADLINE);
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &a_ids, &b_ids, deadline);
    let matched: usize = ops
        .iter()
        .map(|op| match op {
            DiffOp::Equal { len, .. } => *len,
            _ => 0,
        })
        .sum();
    (2 * matched) as f64 / total as f64
}

/// Splits `bytes` into lines that keep their `\n` (and any `\r` before it);
/// the last line may lack a line ending. An empty input has no lines.
fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&byte| byte == b'\n').collect()
}

/// Maps each line to a numeric id; equal lines get equal ids.
fn intern_ids<'a>(lines: &[&'a [u8]], ids: &mut HashMap<&'a [u8], usize>) -> Vec<usize> {
    lines
        .iter()
        .map(|line| {
            let next = ids.len();
            *ids.entry(line).or_insert(next)
        })
        .collect()
}

/// Maps distinct lines to numeric tokens shared by all inputs of one merge.
#[derive(Default)]
struct Interner<'a> {
    ids: HashMap<&'a [u8], usize>,
}

impl<'a> Interner<'a> {
    /// Renders `lines` as one token line (`"{id}\n"`) per input line, so the
    /// token text has exactly as many lines as the input and equal lines get
    /// equal tokens.
    fn token_text(&mut self, lines: &[&'a [u8]]) -> String {
        let mut text = String::with_capacity(lines.len() * 4);
        for id in intern_ids(lines, &mut self.ids) {
            // Writing to a String cannot fail.
            let _ = writeln!(text, "{id}");
        }
        text
    }
}

/// The line ending for marker lines: CRLF if the first line ending of `ours`
/// (else of `theirs`, else of `base`) is `\r\n`, LF otherwise.
fn detect_eol(ours: &[u8], theirs: &[u8], base: &[u8]) -> &'static [u8] {
    [ours, theirs, base]
        .into_iter()
        .find_map(|text| {
            let newline = text.iter().position(|&byte| byte == b'\n')?;
            Some(if newline > 0 && text[newline - 1] == b'\r' {
                &b"\r\n"[..]
            } else {
                &b"\n"[..]
            })
        })
        .unwrap_or(b"\n")
}

/// Replaces line terminators in a label with spaces.
fn sanitize_label(label: &str) -> String {
    label.replace(['\r', '\n'], " ")
}

fn push_lines(out: &mut Vec<u8>, lines: &[&[u8]], range: Range<usize>) {
    // `get` keeps a range that `similar` might report out of bounds from
    // panicking; regions always index into the inputs they were built from.
    if let Some(lines) = lines.get(range) {
        for line in lines {
            out.extend_from_slice(line);
        }
    }
}

/// Ends the current line with `eol` unless the output is at a line start.
fn terminate_line(out: &mut Vec<u8>, eol: &[u8]) {
    if out.last().is_some_and(|&byte| byte != b'\n') {
        out.extend_from_slice(eol);
    }
}

fn push_marker(out: &mut Vec<u8>, marker: u8, label: Option<&str>, eol: &[u8]) {
    out.extend(std::iter::repeat_n(marker, MARKER_SIZE));
    if let Some(label) = label {
        out.push(b' ');
        out.extend_from_slice(label.as_bytes());
    }
    out.extend_from_slice(eol);
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: MergeLabels<'static> = MergeLabels {
        ours: "ours",
        base: "base v1.0.0",
        theirs: "theirs v1.1.0",
    };

    fn merge(base: &str, ours: &str, theirs: &str) -> MergeOutcome {
        merge_text(base.as_bytes(), ours.as_bytes(), theirs.as_bytes(), LABELS)
    }

    fn text(outcome: &MergeOutcome) -> &str {
        std::str::from_utf8(&outcome.content).expect("test output is UTF-8")
    }

    #[test]
    fn fast_path_same_change_on_both_sides() {
        let outcome = merge("a\n", "b\nc", "b\nc");
        assert_eq!(outcome, MergeOutcome::clean(b"b\nc"));
        assert!(outcome.is_clean());
    }

    #[test]
    fn fast_path_only_theirs_changed() {
        let outcome = merge("a\nb\n", "a\nb\n", "a\nB\nc\n");
        assert!(outcome.is_clean());
        assert_eq!(text(&outcome), "a\nB\nc\n");
    }

    #[test]
    fn fast_path_only_ours_changed() {
        let outcome = merge("a\nb\n", "x\na\n", "a\nb\n");
        assert!(outcome.is_clean());
        assert_eq!(text(&outcome), "x\na\n");
    }

    #[test]
    fn non_overlapping_edits_merge_cleanly() {
        let base = "one\ntwo\nthree\nfour\nfive\n";
        let ours = "ONE\ntwo\nthree\nfour\nfive\n";
        let theirs = "one\ntwo\nthree\nfour\nFIVE\nsix\n";
        let outcome = merge(base, ours, theirs);
        assert_eq!(outcome.conflicts, 0);
        assert_eq!(text(&outcome), "ONE\ntwo\nthree\nfour\nFIVE\nsix\n");
    }

    #[test]
    fn identical_edits_in_one_region_are_clean() {
        let outcome = merge("a\nb\nc\n", "a\nB\nc\nd\n", "a\nB\nc\n");
        assert!(outcome.is_clean());
        assert_eq!(text(&outcome), "a\nB\nc\nd\n");
    }

    #[test]
    fn overlapping_edit_conflicts_with_exact_markers() {
        let outcome = merge("a\nb\nc\n", "a\nours\nc\n", "a\ntheirs\nc\n");
        assert_eq!(outcome.conflicts, 1);
        assert!(!outcome.is_clean());
        assert_eq!(
            text(&outcome),
            "a\n\
             <<<<<<< ours\n\
             ours\n\
             ||||||| base v1.0.0\n\
             b\n\
             =======\n\
             theirs\n\
             >>>>>>> theirs v1.1.0\n\
             c\n"
        );
    }

    #[test]
    fn two_separate_conflicts_are_counted() {
        let base = "1\n2\n3\n4\n5\n";
        let ours = "1\nA\n3\n4\nB\n";
        let theirs = "1\nX\n3\n4\nY\n";
        let outcome = merge(base, ours, theirs);
        assert_eq!(outcome.conflicts, 2);
        assert_eq!(text(&outcome).matches("<<<<<<< ours\n").count(), 2);
        assert_eq!(text(&outcome).matches(">>>>>>> theirs v1.1.0\n").count(), 2);
    }

    #[test]
    fn a_switch_of_the_whole_file_to_crlf_merges() {
        let base = b"a\nb\nc\n";
        let ours = b"a\r\nb\r\nc\r\n";
        let theirs = b"a\nB\nc\n";
        let m = merge_text(base, ours, theirs, LABELS);
        assert!(m.is_clean(), "{}", String::from_utf8_lossy(&m.content));
        assert_eq!(m.content, b"a\r\nB\r\nc\r\n");
        // And back from CRLF to LF, with a local edit too.
        let m = merge_text(b"a\r\nb\r\nc\r\n", b"A\nb\nc\n", b"a\r\nb\r\nC\r\n", LABELS);
        assert!(m.is_clean());
        assert_eq!(m.content, b"A\nb\nC\n");
        // A real conflict is still one, in the user's line endings.
        let m = merge_text(base, b"a\r\nX\r\nc\r\n", theirs, LABELS);
        assert_eq!(m.conflicts, 1);
        assert!(m.content.windows(2).filter(|w| w == b"\r\n").count() >= 6);
    }

    #[test]
    fn labels_with_newlines_stay_on_marker_line() {
        let labels = MergeLabels {
            ours: "o\nx",
            base: "b\r\ny",
            theirs: "t\rz",
        };
        let outcome = merge_text(b"b\n", b"o\n", b"t\n", labels);
        assert_eq!(
            std::str::from_utf8(&outcome.content).unwrap(),
            "<<<<<<< o x\no\n||||||| b  y\nb\n=======\nt\n>>>>>>> t z\n"
        );
    }

    #[test]
    fn crlf_file_gets_crlf_markers() {
        let outcome = merge(
            "a\r\nb\r\nc\r\n",
            "a\r\nours\r\nc\r\n",
            "a\r\ntheirs\r\nc\r\n",
        );
        assert_eq!(outcome.conflicts, 1);
        assert_eq!(
            text(&outcome),
            "a\r\n<<<<<<< ours\r\nours\r\n||||||| base v1.0.0\r\nb\r\n=======\r\n\
             theirs\r\n>>>>>>> theirs v1.1.0\r\nc\r\n"
        );
    }

    #[test]
    fn eol_detected_from_theirs_when_ours_has_no_line_ending() {
        let outcome = merge("b", "o", "t\r\n");
        assert_eq!(
            text(&outcome),
            "<<<<<<< ours\r\no\r\n||||||| base v1.0.0\r\nb\r\n=======\r\nt\r\n>>>>>>> theirs v1.1.0\r\n"
        );
    }

    #[test]
    fn missing_final_newline_on_one_side_is_not_glued_to_marker() {
        let outcome = merge("a\nb\n", "a\nours", "a\ntheirs\n");
        assert_eq!(outcome.conflicts, 1);
        assert_eq!(
            text(&outcome),
            "a\n<<<<<<< ours\nours\n||||||| base v1.0.0\nb\n=======\ntheirs\n>>>>>>> theirs v1.1.0\n"
        );
    }

    #[test]
    fn missing_final_newline_on_all_sides() {
        let outcome = merge("a\nb", "a\nours", "a\ntheirs");
        assert_eq!(outcome.conflicts, 1);
        assert_eq!(
            text(&outcome),
            "a\n<<<<<<< ours\nours\n||||||| base v1.0.0\nb\n=======\ntheirs\n>>>>>>> theirs v1.1.0\n"
        );
    }

    #[test]
    fn missing_final_newline_clean_merge_is_preserved() {
        // Ours edits the first line, theirs the (unterminated) last line.
        let outcome = merge("a\nb\nc", "A\nb\nc", "a\nb\nC");
        assert!(outcome.is_clean());
        assert_eq!(text(&outcome), "A\nb\nC");
    }

    #[test]
    fn adding_final_newline_versus_appending_line_conflicts() {
        // Ours terminates the last line, theirs appends after it: both
        // touch the end of the file, so the edits must not be combined.
        let outcome = merge("a\nb", "a\nb\n", "a\nb\nc");
        assert_eq!(outcome.conflicts, 1);
        assert!(text(&outcome).contains("<<<<<<< ours\n"));
        for line in text(&outcome).split_inclusive('\n') {
            let marker_inside = ["<<<<<<<", "|||||||", "=======", ">>>>>>>"]
                .iter()
                .any(|marker| line.contains(marker) && !line.starts_with(marker));
            assert!(!marker_inside, "marker glued into line {line:?}");
        }
    }

    #[test]
    fn bare_carriage_return_is_not_a_line_ending() {
        // "x\ry" is one line (git's view); a conflict on it must end with
        // a real newline before the next marker.
        let outcome = merge("a\n", "x\ry", "z\n");
        assert_eq!(
            text(&outcome),
            "<<<<<<< ours\nx\ry\n||||||| base v1.0.0\na\n=======\nz\n>>>>>>> theirs v1.1.0\n"
        );
    }

    #[test]
    fn empty_files() {
        assert_eq!(merge("", "", ""), MergeOutcome::clean(b""));
        assert_eq!(merge("", "", "new\n"), MergeOutcome::clean(b"new\n"));
        assert_eq!(merge("", "mine\n", ""), MergeOutcome::clean(b"mine\n"));
        // Both sides deleted everything.
        assert_eq!(merge("a\n", "", ""), MergeOutcome::clean(b""));
    }

    #[test]
    fn deleted_locally_but_changed_upstream_conflicts() {
        let outcome = merge("a\nb\n", "", "a\nB\n");
        assert_eq!(outcome.conflicts, 1);
        assert_eq!(
            text(&outcome),
            "<<<<<<< ours\n||||||| base v1.0.0\na\nb\n=======\na\nB\n>>>>>>> theirs v1.1.0\n"
        );
    }

    #[test]
    fn empty_base_both_added_same_file() {
        let outcome = merge("", "x\ny\n", "x\ny\n");
        assert_eq!(outcome, MergeOutcome::clean(b"x\ny\n"));
    }

    #[test]
    fn empty_base_both_added_different_file_conflicts() {
        let outcome = merge("", "x\nmine\n", "x\ntheirs\n");
        assert_eq!(outcome.conflicts, 1);
        assert_eq!(
            text(&outcome),
            "<<<<<<< ours\nx\nmine\n||||||| base v1.0.0\n=======\nx\ntheirs\n>>>>>>> theirs v1.1.0\n"
        );
    }

    #[test]
    fn non_utf8_bytes_merge_byte_exact() {
        let base: &[u8] = b"\xff\xfe head\nmid\n\x80 tail\n";
        let ours: &[u8] = b"\xff\xfe HEAD\nmid\n\x80 tail\n";
        let theirs: &[u8] = b"\xff\xfe head\nmid\n\x80 TAIL \xc3\x28\n";
        let outcome = merge_text(base, ours, theirs, LABELS);
        assert!(outcome.is_clean());
        assert_eq!(outcome.content, b"\xff\xfe HEAD\nmid\n\x80 TAIL \xc3\x28\n");

        let conflict = merge_text(b"\xa0\n", b"\xa1\n", b"\xa2\n", LABELS);
        assert_eq!(conflict.conflicts, 1);
        let mut expected = b"<<<<<<< ours\n\xa1\n||||||| base v1.0.0\n\xa0\n".to_vec();
        expected.extend_from_slice(b"=======\n\xa2\n>>>>>>> theirs v1.1.0\n");
        assert_eq!(conflict.content, expected);
    }

    #[test]
    fn outcome_serializes_with_serde() {
        fn assert_serde<T: Serialize + for<'de> Deserialize<'de>>() {}
        assert_serde::<MergeOutcome>();
    }

    #[test]
    fn is_binary_follows_git_rule() {
        assert!(!is_binary(b""));
        assert!(!is_binary(b"plain text\n\xff\xfe"));
        assert!(is_binary(b"PNG\0data"));
        let mut late_nul = vec![b'a'; BINARY_SNIFF_LEN];
        late_nul.push(0);
        assert!(!is_binary(&late_nul));
        late_nul[BINARY_SNIFF_LEN - 1] = 0;
        assert!(is_binary(&late_nul));
    }

    #[test]
    fn similarity_bounds_and_values() {
        assert_eq!(similarity(b"", b""), 1.0);
        assert_eq!(similarity(b"a\nb\n", b"a\nb\n"), 1.0);
        assert_eq!(similarity(b"", b"a\n"), 0.0);
        assert_eq!(similarity(b"a\n", b""), 0.0);
        assert_eq!(similarity(b"a\nb\n", b"c\nd\n"), 0.0);
        // 3 of 4 lines kept on each side: 2*3 / 8.
        assert_eq!(similarity(b"a\nb\nc\nd\n", b"a\nb\nX\nd\n"), 0.75);
        // Order matters: only one of the two lines can be matched.
        assert_eq!(similarity(b"a\nb\n", b"b\na\n"), 0.5);
        let s = similarity(b"x\ny\nz\n", b"x\nq\n");
        assert!((0.0..=1.0).contains(&s));
        assert!((s - 0.4).abs() < 1e-9, "{s}");
    }

    #[test]
    fn similarity_is_fast_on_large_inputs() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Heavily repeated lines from a small set: the hard case for
            // Myers when the files differ everywhere.
            a.extend_from_slice(format!("{}\n", state % 16).as_bytes());
            b.extend_from_slice(format!("{}\n", (state >> 8) % 16).as_bytes());
            if i % 100 == 0 {
                a.extend_from_slice(b"same\n");
                b.extend_from_slice(b"same\n");
            }
        }
        let started = Instant::now();
        let s = similarity(&a, &b);
        assert!((0.0..=1.0).contains(&s));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
        // A large, mostly similar file.
        let mut c = a.clone();
        c.extend_from_slice(b"appended\n");
        let s = similarity(&a, &c);
        assert!(s > 0.99 && s < 1.0, "{s}");
    }
}
