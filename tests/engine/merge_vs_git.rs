//! Differential test of `merge_text` against `git merge-file --diff3`.
//!
//! 900 deterministic pseudo-random (base, ours, theirs) triples are merged by
//! both tools (`git merge-file -p --diff3 -L ours -L base -L theirs`, run
//! with no system or global git config). Byte-identical output and equal
//! conflict count is the expectation; every difference must fall into one of
//! the classes below, and each one is proven per case, not assumed. The
//! proofs use a model of git's xdiff merge (eager level, diff3 style)
//! written in this file, fed with an alignment of each side to the base
//! either from git (`git diff --no-index -U0 --no-indent-heuristic`, the
//! same xdiff Myers and compaction merge-file uses) or from `similar`. The
//! model must reproduce git's bytes and count exactly from git's alignment;
//! this is asserted for every differing case and every 10th other case.
//!
//! * `EolRule` — only the line ending of marker lines (and of the line ending
//!   added after an unterminated last line inside a conflict) differs. Git
//!   decides per conflict from the line before it in ours and in theirs and
//!   from the first base line, falling back to LF when any of them is LF or
//!   none decides; so it writes LF markers into CRLF files when the base is
//!   empty (both sides added the file) and mixes styles in mixed files.
//!   `merge_text` decides once per file from `ours` (else `theirs`, else
//!   `base`). Proof: the model on git's alignment with our EOL rule gives
//!   our exact bytes.
//! * `Alignment(git clean, ours clean)` — the two diff engines aligned a
//!   side to the base differently; both are minimal-ish Myers alignments
//!   that differ where a line repeats (delete the first or the second of two
//!   equal lines) or where a replace can also be read as delete + insert.
//!   Since both tools conflict on edits that merely touch, this moves
//!   conflict boundaries and can turn a touching pair into a separated one or
//!   back: `(false, false)` both conflict, with different blocks;
//!   `(true, false)` git clean, ours conflicts (conservative); `(false, true)`
//!   git conflicts, ours clean. Proof: the model on `similar`'s alignment
//!   gives our exact bytes (and the alignments differ), so our result is
//!   exactly git's merge algorithm applied to another valid alignment; the
//!   loss checks below additionally hold for it.
//! * `EqualSidesResolved` — both sides rewrote overlapping base ranges to
//!   the same lines, but through hunks of different shape (e.g. base
//!   "b0 b1 b0": ours deletes "b1 b0", theirs deletes "b0 b1"; both leave
//!   "b0"). Git only accepts hunk pairs with identical base range and text
//!   and writes a conflict whose two sides are equal; `similar` compares the
//!   resulting lines of the whole region and takes them once. Proof: the
//!   model on `similar`'s alignment, with conflicts whose ours and theirs
//!   lines are equal written once, gives our exact bytes.
//!
//! No other difference was found, including in an exploratory run of 8000
//! larger triples (up to 24 lines, 6 edits per side): 278 `EolRule`, 1048
//! `Alignment(false, false)`, 39 `Alignment(true, false)`, 27
//! `Alignment(false, true)`, 2 `EqualSidesResolved`, 6606 identical.
//! `documented_difference_examples` pins one triple per class.
//!
//! Whatever the class, `merge_text` output is also checked to keep every
//! change of both sides: on a clean merge each changed block of each side
//! appears verbatim and in order; on a conflicted merge, the "ours view"
//! (conflicts resolved to ours) contains every ours block and the "theirs
//! view" every theirs block, every marker starts a line, and the conflict
//! count equals the number of conflict blocks. Generated "obvious
//! conflicts" (both sides rewrite the same line differently) must conflict
//! in both tools, and "disjoint" edits must be clean in both and equal to
//! the hand-built expectation.
//!
//! Class counters are written to stderr at the end (visible without
//! `--nocapture`); `SHOW_GIT_DIFFERENCES=1` prints every difference.
#![allow(clippy::print_stderr)] // the test prints its class summary on purpose

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, Output};

use scaffold_core::merge::{MergeLabels, merge_text};
use similar::{Algorithm, DiffOp, capture_diff_slices};

const LABELS: MergeLabels<'static> = MergeLabels {
    ours: "ours",
    base: "base",
    theirs: "theirs",
};

// ---------------------------------------------------------------------------
// Deterministic input generation.

/// xorshift64* generator: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Small alphabet so that edits collide and lines repeat often.
const ALPHABET: &[&str] = &["a", "b", "c", "d", "e", "", "{", "}", "fn x()"];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    /// Random edits on both sides, anywhere (up to 9 base lines).
    Random,
    /// Like `Random` with longer files and more edits (up to 24 lines).
    RandomLarge,
    /// Both sides rewrite the same base line to different text.
    ObviousConflict,
    /// Unique base lines; ours edits the first half, theirs the second.
    Disjoint,
}

struct Case {
    kind: Kind,
    base: Vec<u8>,
    ours: Vec<u8>,
    theirs: Vec<u8>,
    /// For `Disjoint`: the merge both tools must produce.
    expected: Option<Vec<u8>>,
}

#[derive(Clone, Copy)]
enum Eol {
    Lf,
    Crlf,
    Mixed,
}

fn random_line(rng: &mut Rng, side: &str) -> String {
    if rng.chance(20) {
        format!("{side}{}", rng.below(3))
    } else {
        ALPHABET[rng.below(ALPHABET.len())].to_string()
    }
}

fn random_edits(rng: &mut Rng, base: &[String], side: &str, max_edits: usize) -> Vec<String> {
    let mut lines = base.to_vec();
    for _ in 0..rng.below(max_edits + 1) {
        let at = rng.below(lines.len() + 1);
        match rng.below(3) {
            0 => {
                for _ in 0..1 + rng.below(2) {
                    lines.insert(at, random_line(rng, side));
                }
            }
            1 if at < lines.len() => {
                let end = (at + 1 + rng.below(2)).min(lines.len());
                lines.drain(at..end);
            }
            _ if at < lines.len() => lines[at] = random_line(rng, side),
            _ => lines.push(random_line(rng, side)),
        }
    }
    lines
}

fn render(rng: &mut Rng, lines: &[String], eol: Eol, final_newline: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        out.extend_from_slice(line.as_bytes());
        if index + 1 == lines.len() && !final_newline {
            break;
        }
        let crlf = match eol {
            Eol::Lf => false,
            Eol::Crlf => true,
            Eol::Mixed => rng.chance(50),
        };
        out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
    }
    out
}

fn random_case(rng: &mut Rng, kind: Kind) -> Case {
    let (max_lines, max_edits) = if kind == Kind::RandomLarge {
        (24, 6)
    } else {
        (9, 3)
    };
    let eol = match rng.below(10) {
        0..=6 => Eol::Lf,
        7 | 8 => Eol::Crlf,
        _ => Eol::Mixed,
    };
    let base: Vec<String> = (0..rng.below(max_lines + 1))
        .map(|_| random_line(rng, "b"))
        .collect();
    let ours = random_edits(rng, &base, "o", max_edits);
    let theirs = random_edits(rng, &base, "t", max_edits);
    let mut file = |lines: &[String]| {
        let final_newline = !rng.chance(15);
        render(rng, lines, eol, final_newline)
    };
    Case {
        kind,
        base: file(&base),
        ours: file(&ours),
        theirs: file(&theirs),
        expected: None,
    }
}

fn obvious_conflict_case(rng: &mut Rng) -> Case {
    let len = 1 + rng.below(8);
    let base: Vec<String> = (0..len).map(|_| random_line(rng, "b")).collect();
    let at = rng.below(len);
    let mut ours = base.clone();
    let mut theirs = base.clone();
    ours[at] = format!("OURS {at}");
    theirs[at] = format!("THEIRS {at}");
    let eol = if rng.chance(30) { Eol::Crlf } else { Eol::Lf };
    let final_newline = !rng.chance(20);
    Case {
        kind: Kind::ObviousConflict,
        base: render(rng, &base, eol, final_newline),
        ours: render(rng, &ours, eol, final_newline),
        theirs: render(rng, &theirs, eol, final_newline),
        expected: None,
    }
}

fn disjoint_case(rng: &mut Rng) -> Case {
    let len = 4 + rng.below(10);
    let base: Vec<String> = (0..len).map(|i| format!("line {i}")).collect();
    let mid = len / 2;
    // Ours edits lines [0, mid - 1), theirs lines [mid + 1, len): line
    // mid - 1 .. mid + 1 stays untouched as a separator.
    let ours_edit = |rng: &mut Rng, lines: &mut Vec<String>, lo: usize, hi: usize| {
        let at = lo + rng.below(hi - lo);
        match rng.below(3) {
            0 => lines[at] = format!("{} changed", lines[at]),
            1 => lines.insert(at, format!("inserted before {at}")),
            _ => {
                lines.remove(at);
            }
        }
    };
    let mut ours = base.clone();
    let mut theirs = base.clone();
    if mid >= 2 {
        ours_edit(rng, &mut ours, 0, mid - 1);
    }
    if mid + 1 < len {
        ours_edit(rng, &mut theirs, mid + 1, len);
    }
    // Expected: ours' first part, then theirs' second part. Both kept the
    // separator lines mid - 1 and mid, so splitting there is unambiguous.
    let separator = format!("line {}", mid - 1);
    let split = |lines: &[String]| {
        lines
            .iter()
            .position(|l| *l == separator)
            .expect("separator kept")
    };
    let mut expected_lines = ours[..split(&ours)].to_vec();
    expected_lines.extend_from_slice(&theirs[split(&theirs)..]);
    let eol = if rng.chance(30) { Eol::Crlf } else { Eol::Lf };
    Case {
        kind: Kind::Disjoint,
        base: render(rng, &base, eol, true),
        ours: render(rng, &ours, eol, true),
        theirs: render(rng, &theirs, eol, true),
        expected: Some(render(rng, &expected_lines, eol, true)),
    }
}

// ---------------------------------------------------------------------------
// Running git.

struct Git {
    dir: tempfile::TempDir,
}

impl Git {
    fn new() -> Self {
        Git {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn command(&self) -> Command {
        let mut command = Command::new("git");
        command
            .current_dir(self.dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path())
            .env("GIT_CEILING_DIRECTORIES", self.dir.path())
            .env_remove("GIT_CONFIG_GLOBAL")
            .env_remove("GIT_CONFIG_PARAMETERS")
            .env_remove("GIT_CONFIG_COUNT")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE");
        command
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.dir.path().join(name), bytes).expect("write temp file");
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command()
            .args(args)
            .output()
            .unwrap_or_else(|err| panic!("git must be installed to run this test: {err}"))
    }

    /// `git merge-file -p --diff3`: (output, conflict count).
    fn merge_file(&self, case: &Case) -> (Vec<u8>, usize) {
        self.write("ours", &case.ours);
        self.write("base", &case.base);
        self.write("theirs", &case.theirs);
        let out = self.run(&[
            "merge-file",
            "-p",
            "--diff3",
            "-L",
            "ours",
            "-L",
            "base",
            "-L",
            "theirs",
            "ours",
            "base",
            "theirs",
        ]);
        let code = out.status.code().expect("git exited normally");
        assert!(
            (0..127).contains(&code),
            "git merge-file failed ({code}): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (out.stdout, code as usize)
    }

    /// Git's alignment of `side` to `base` (the same xdiff Myers and
    /// compaction that merge-file uses; merge-file sets no indent
    /// heuristic, so it is turned off here too).
    fn hunks(&self, name: &str) -> Vec<Hunk> {
        let out = self.run(&[
            "diff",
            "--no-index",
            "--no-indent-heuristic",
            "--no-color",
            "--no-ext-diff",
            "-U0",
            "base",
            name,
        ]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "git diff failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
            .split(|&b| b == b'\n')
            .filter(|line| line.starts_with(b"@@ "))
            .map(parse_hunk_header)
            .collect()
    }
}

fn parse_hunk_header(line: &[u8]) -> Hunk {
    let text = std::str::from_utf8(line).expect("hunk header is ASCII");
    let mut parts = text.split(' ');
    let range = |part: Option<&str>, sign: char| -> (usize, usize) {
        let part = part.and_then(|p| p.strip_prefix(sign)).expect("range");
        let (start, len) = match part.split_once(',') {
            Some((start, len)) => (start, len.parse().expect("len")),
            None => (part, 1),
        };
        let start: usize = start.parse().expect("start");
        // A 1-based start line; for an empty range it names the line
        // before the gap, which is the 0-based index of the gap.
        (if len == 0 { start } else { start - 1 }, len)
    };
    parts.next();
    let (i1, chg1) = range(parts.next(), '-');
    let (i2, chg2) = range(parts.next(), '+');
    Hunk { i1, chg1, i2, chg2 }
}

// ---------------------------------------------------------------------------
// A model of git's xdiff merge (level "eager", diff3 style), used to prove
// which class a difference belongs to. It is fed either git's alignment or
// `similar`'s.

/// One change of a side against base, as in xdiff's edit script:
/// base lines `i1..i1 + chg1` became side lines `i2..i2 + chg2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Hunk {
    i1: usize,
    chg1: usize,
    i2: usize,
    chg2: usize,
}

/// `similar`'s alignment, in the same shape as `git diff -U0` hunks.
fn similar_hunks(base: &[&[u8]], side: &[&[u8]]) -> Vec<Hunk> {
    let mut hunks: Vec<Hunk> = Vec::new();
    for op in capture_diff_slices(Algorithm::Myers, base, side) {
        if matches!(op, DiffOp::Equal { .. }) {
            continue;
        }
        let (old, new) = (op.old_range(), op.new_range());
        match hunks.last_mut() {
            Some(last) if last.i1 + last.chg1 == old.start && last.i2 + last.chg2 == new.start => {
                last.chg1 += old.len();
                last.chg2 += new.len();
            }
            _ => hunks.push(Hunk {
                i1: old.start,
                chg1: old.len(),
                i2: new.start,
                chg2: new.len(),
            }),
        }
    }
    hunks
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EolRule {
    /// Git's per-conflict decision.
    Git,
    /// One line ending for the whole file.
    Fixed(&'static [u8]),
}

/// A merge entry; `mode` 0 = conflict, 1 = take ours, 2 = take theirs.
/// `i0/chg0` index base, `i1/chg1` ours, `i2/chg2` theirs. Signed like
/// xdiff's: intermediate values of an entry that is then folded into the
/// previous one can be negative.
#[derive(Clone, Copy, Debug)]
struct Entry {
    mode: u8,
    i0: isize,
    chg0: isize,
    i1: isize,
    chg1: isize,
    i2: isize,
    chg2: isize,
}

fn append(entries: &mut Vec<Entry>, new: Entry) {
    if let Some(last) = entries.last_mut()
        && (new.i1 <= last.i1 + last.chg1 || new.i2 <= last.i2 + last.chg2)
    {
        if new.mode != last.mode {
            last.mode = 0;
        }
        last.chg0 = new.i0 + new.chg0 - last.i0;
        last.chg1 = new.i1 + new.chg1 - last.i1;
        last.chg2 = new.i2 + new.chg2 - last.i2;
        return;
    }
    entries.push(new);
}

struct Files<'a> {
    base: Vec<&'a [u8]>,
    ours: Vec<&'a [u8]>,
    theirs: Vec<&'a [u8]>,
}

fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

/// Xdiff's merge of two edit scripts (eager level: identical hunk pairs
/// are not conflicts). Returns the merge entries.
fn model_entries(files: &Files<'_>, h1: &[Hunk], h2: &[Hunk]) -> Vec<Entry> {
    let s = |x: usize| x as isize;
    let (n0, n1, n2) = (
        s(files.base.len()),
        s(files.ours.len()),
        s(files.theirs.len()),
    );
    let mut entries = Vec::new();
    let (mut a, mut b) = (0, 0);
    while a < h1.len() && b < h2.len() {
        let (x1, x2) = (h1[a], h2[b]);
        if x1.i1 + x1.chg1 < x2.i1 {
            append(
                &mut entries,
                Entry {
                    mode: 1,
                    i0: s(x1.i1),
                    chg0: s(x1.chg1),
                    i1: s(x1.i2),
                    chg1: s(x1.chg2),
                    i2: s(x2.i2) - s(x2.i1) + s(x1.i1),
                    chg2: s(x1.chg1),
                },
            );
            a += 1;
            continue;
        }
        if x2.i1 + x2.chg1 < x1.i1 {
            append(
                &mut entries,
                Entry {
                    mode: 2,
                    i0: s(x2.i1),
                    chg0: s(x2.chg1),
                    i1: s(x1.i2) - s(x1.i1) + s(x2.i1),
                    chg1: s(x2.chg1),
                    i2: s(x2.i2),
                    chg2: s(x2.chg2),
                },
            );
            b += 1;
            continue;
        }
        let identical = x1.i1 == x2.i1
            && x1.chg1 == x2.chg1
            && x1.chg2 == x2.chg2
            && files.ours[x1.i2..x1.i2 + x1.chg2] == files.theirs[x2.i2..x2.i2 + x2.chg2];
        if !identical {
            let off = s(x1.i1) - s(x2.i1);
            let ffo = off + s(x1.chg1) - s(x2.chg1);
            let (mut i0, mut i1, mut i2) = (s(x1.i1), s(x1.i2), s(x2.i2));
            if off > 0 {
                i0 -= off;
                i1 -= off;
            } else {
                i2 += off;
            }
            let mut chg0 = s(x1.i1 + x1.chg1) - i0;
            let mut chg1 = s(x1.i2 + x1.chg2) - i1;
            let mut chg2 = s(x2.i2 + x2.chg2) - i2;
            if ffo < 0 {
                chg0 -= ffo;
                chg1 -= ffo;
            } else {
                chg2 += ffo;
            }
            append(
                &mut entries,
                Entry {
                    mode: 0,
                    i0,
                    chg0,
                    i1,
                    chg1,
                    i2,
                    chg2,
                },
            );
        }
        let end1 = x1.i1 + x1.chg1;
        let end2 = x2.i1 + x2.chg1;
        if end1 >= end2 {
            b += 1;
        }
        if end2 >= end1 {
            a += 1;
        }
    }
    for x1 in &h1[a..] {
        append(
            &mut entries,
            Entry {
                mode: 1,
                i0: s(x1.i1),
                chg0: s(x1.chg1),
                i1: s(x1.i2),
                chg1: s(x1.chg2),
                i2: s(x1.i1) + n2 - n0,
                chg2: s(x1.chg1),
            },
        );
    }
    for x2 in &h2[b..] {
        append(
            &mut entries,
            Entry {
                mode: 2,
                i0: s(x2.i1),
                chg0: s(x2.chg1),
                i1: s(x2.i1) + n1 - n0,
                chg1: s(x2.chg1),
                i2: s(x2.i2),
                chg2: s(x2.chg2),
            },
        );
    }
    entries
}

/// `file[start..start + len]`, panicking with a clear message if the model
/// produced a range outside the file.
fn span<'f, 'a>(file: &'f [&'a [u8]], start: isize, len: isize) -> &'f [&'a [u8]] {
    let start = usize::try_from(start).expect("model range starts before the file");
    let len = usize::try_from(len).expect("model range has negative length");
    &file[start..start + len]
}

/// Xdiff's `is_eol_crlf`: Some(true/false), or None when undecidable.
fn is_eol_crlf(file: &[&[u8]], i: usize) -> Option<bool> {
    let crlf = |line: &[u8]| line.len() > 1 && line[line.len() - 2] == b'\r';
    if file.is_empty() {
        return None;
    }
    if i + 1 < file.len() {
        return Some(crlf(file[i]));
    }
    if file[i].last() == Some(&b'\n') {
        return Some(crlf(file[i]));
    }
    if i == 0 {
        return None;
    }
    Some(crlf(file[i - 1]))
}

fn git_needs_cr(files: &Files<'_>, e: &Entry) -> bool {
    let before = |i: isize| usize::try_from(i - 1).unwrap_or(0);
    let mut needs = is_eol_crlf(&files.ours, before(e.i1));
    if needs != Some(false) {
        needs = is_eol_crlf(&files.theirs, before(e.i2));
    }
    if needs != Some(false) {
        needs = is_eol_crlf(&files.base, 0);
    }
    needs == Some(true)
}

fn copy(out: &mut Vec<u8>, lines: &[&[u8]], eol: &[u8], add_nl: bool) {
    for line in lines {
        out.extend_from_slice(line);
    }
    if add_nl && lines.last().is_some_and(|l| l.last() != Some(&b'\n')) {
        out.extend_from_slice(eol);
    }
}

/// Renders merge entries as xdiff does (diff3 style). With
/// `resolve_equal_sides`, a conflict whose ours and theirs lines are equal
/// is written once instead (and not counted).
fn model_render(
    files: &Files<'_>,
    entries: &[Entry],
    rule: EolRule,
    resolve_equal_sides: bool,
) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut conflicts = 0;
    let mut i: isize = 0;
    for e in entries {
        let ours = span(&files.ours, e.i1, e.chg1);
        let theirs = span(&files.theirs, e.i2, e.chg2);
        copy(&mut out, span(&files.ours, i, e.i1 - i), b"", false);
        if e.mode == 1 || (e.mode == 0 && resolve_equal_sides && ours == theirs) {
            copy(&mut out, ours, b"", false);
        } else if e.mode == 2 {
            copy(&mut out, theirs, b"", false);
        } else {
            conflicts += 1;
            let eol: &[u8] = match rule {
                EolRule::Fixed(eol) => eol,
                EolRule::Git if git_needs_cr(files, e) => b"\r\n",
                EolRule::Git => b"\n",
            };
            let marker = |out: &mut Vec<u8>, text: &str| {
                out.extend_from_slice(text.as_bytes());
                out.extend_from_slice(eol);
            };
            marker(&mut out, "<<<<<<< ours");
            copy(&mut out, ours, eol, true);
            marker(&mut out, "||||||| base");
            copy(&mut out, span(&files.base, e.i0, e.chg0), eol, true);
            marker(&mut out, "=======");
            copy(&mut out, theirs, eol, true);
            marker(&mut out, ">>>>>>> theirs");
        }
        i = e.i1 + e.chg1;
    }
    copy(
        &mut out,
        span(&files.ours, i, files.ours.len() as isize - i),
        b"",
        false,
    );
    (out, conflicts)
}

/// The model of `git merge-file` on the given alignments.
fn model_merge(
    files: &Files<'_>,
    h1: &[Hunk],
    h2: &[Hunk],
    rule: EolRule,
    resolve_equal_sides: bool,
) -> (Vec<u8>, usize) {
    // Xdiff short-cuts a side without changes to the other side's bytes.
    if h1.is_empty() {
        return (files.theirs.concat(), 0);
    }
    if h2.is_empty() {
        return (files.ours.concat(), 0);
    }
    let entries = model_entries(files, h1, h2);
    model_render(files, &entries, rule, resolve_equal_sides)
}

/// The marker line ending `merge_text` documents: from the first line
/// ending of ours, else theirs, else base.
fn our_eol(case: &Case) -> &'static [u8] {
    for file in [&case.ours, &case.theirs, &case.base] {
        if let Some(pos) = file.iter().position(|&b| b == b'\n') {
            return if pos > 0 && file[pos - 1] == b'\r' {
                b"\r\n"
            } else {
                b"\n"
            };
        }
    }
    b"\n"
}

// ---------------------------------------------------------------------------
// Loss checks on `merge_text` output.

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// True when each hunk's new lines occur as a contiguous run of `result`
/// lines, in hunk order (line endings ignored).
fn blocks_in_order(result: &[&[u8]], side: &[&[u8]], hunks: &[Hunk]) -> bool {
    let result: Vec<&[u8]> = result.iter().map(|l| trim_eol(l)).collect();
    let mut from = 0;
    for h in hunks.iter().filter(|h| h.chg2 > 0) {
        let block: Vec<&[u8]> = side[h.i2..h.i2 + h.chg2]
            .iter()
            .map(|l| trim_eol(l))
            .collect();
        let found = (from..=result.len().saturating_sub(block.len()))
            .find(|&at| result.get(at..at + block.len()) == Some(&block[..]));
        match found {
            Some(at) => from = at + block.len(),
            None => return false,
        }
    }
    true
}

const MARKERS: [&[u8]; 4] = [b"<<<<<<<", b"|||||||", b"=======", b">>>>>>>"];

/// Resolves every conflict block of `merged` to one side (0 = ours,
/// 2 = theirs) and checks markers start lines.
fn view(merged: &[u8], keep: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    // Section inside a conflict: None outside, else 0 ours, 1 base, 2 theirs.
    let mut section: Option<usize> = None;
    for line in lines(merged) {
        let marker = MARKERS.iter().position(|m| line.starts_with(m));
        assert!(
            marker.is_some() || !MARKERS.iter().any(|m| line.windows(7).any(|w| w == *m)),
            "marker glued inside a line: {:?}",
            String::from_utf8_lossy(line)
        );
        match marker {
            Some(0) => section = Some(0),
            Some(1) => section = Some(1),
            Some(2) => section = Some(2),
            Some(_) => section = None,
            None if section.is_none() || section == Some(keep) => out.push(line),
            None => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The test.

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Class {
    IdenticalClean,
    IdenticalConflict,
    EolRule,
    /// Alignment difference; fields: (git clean, ours clean).
    Alignment(bool, bool),
    EqualSidesResolved,
}

/// Number of cases for which the model of git is validated against git even
/// when `merge_text` agrees with git (it is always validated when they
/// differ, since the classification relies on it).
const MODEL_SPOT_CHECK_STRIDE: usize = 10;

/// Merges one case with both tools, checks it, and returns its class, or a
/// description of an unexplained difference.
fn check_case(git: &Git, index: usize, case: &Case) -> Result<Class, String> {
    let files = Files {
        base: lines(&case.base),
        ours: lines(&case.ours),
        theirs: lines(&case.theirs),
    };
    let (git_out, git_conflicts) = git.merge_file(case);
    let ours = merge_text(&case.base, &case.ours, &case.theirs, LABELS);
    let ours_pair = (ours.content.clone(), ours.conflicts);
    let identical = ours_pair == (git_out.clone(), git_conflicts);
    let sim_h1 = similar_hunks(&files.base, &files.ours);
    let sim_h2 = similar_hunks(&files.base, &files.theirs);

    let mut git_hunks = None;
    if !identical || index.is_multiple_of(MODEL_SPOT_CHECK_STRIDE) {
        let (h1, h2) = (git.hunks("ours"), git.hunks("theirs"));
        // The model must reproduce git exactly, else the classification
        // below proves nothing.
        let model = model_merge(&files, &h1, &h2, EolRule::Git, false);
        assert_eq!(
            model,
            (git_out.clone(), git_conflicts),
            "model of git disagrees with git on case {index}: base={:?} ours={:?} theirs={:?}",
            String::from_utf8_lossy(&case.base),
            String::from_utf8_lossy(&case.ours),
            String::from_utf8_lossy(&case.theirs),
        );
        git_hunks = Some((h1, h2));
    }

    let describe = || {
        format!(
            "case {index} ({:?}): base={:?} ours={:?} theirs={:?}\n git ({git_conflicts}): {:?}\n ours ({}): {:?}\n git hunks {:?}\n similar hunks {sim_h1:?} / {sim_h2:?}",
            case.kind,
            String::from_utf8_lossy(&case.base),
            String::from_utf8_lossy(&case.ours),
            String::from_utf8_lossy(&case.theirs),
            String::from_utf8_lossy(&git_out),
            ours.conflicts,
            String::from_utf8_lossy(&ours.content),
            git_hunks,
        )
    };

    let class = match &git_hunks {
        _ if identical && git_conflicts == 0 => Class::IdenticalClean,
        _ if identical => Class::IdenticalConflict,
        Some((h1, h2)) => {
            let eol = EolRule::Fixed(our_eol(case));
            if model_merge(&files, h1, h2, eol, false) == ours_pair {
                Class::EolRule
            } else if (sim_h1 != *h1 || sim_h2 != *h2)
                && model_merge(&files, &sim_h1, &sim_h2, eol, false) == ours_pair
            {
                Class::Alignment(git_conflicts == 0, ours.is_clean())
            } else if model_merge(&files, &sim_h1, &sim_h2, eol, true) == ours_pair {
                Class::EqualSidesResolved
            } else {
                return Err(describe());
            }
        }
        None => unreachable!("git hunks are fetched for every difference"),
    };
    if std::env::var_os("SHOW_GIT_DIFFERENCES").is_some() && !identical {
        eprintln!("{class:?}: {}\n", describe());
    }

    // No change of either side may be lost.
    if ours.is_clean() {
        let result = lines(&ours.content);
        assert!(
            blocks_in_order(&result, &files.ours, &sim_h1)
                && blocks_in_order(&result, &files.theirs, &sim_h2),
            "clean merge lost a change: {}",
            describe()
        );
    } else {
        let ours_view = view(&ours.content, 0);
        let theirs_view = view(&ours.content, 2);
        assert!(
            blocks_in_order(&ours_view, &files.ours, &sim_h1)
                && blocks_in_order(&theirs_view, &files.theirs, &sim_h2),
            "conflicted merge lost a change: {}",
            describe()
        );
        let markers = lines(&ours.content)
            .iter()
            .filter(|l| trim_eol(l) == b"<<<<<<< ours")
            .count();
        assert_eq!(markers, ours.conflicts, "{}", describe());
    }

    match case.kind {
        Kind::ObviousConflict => {
            assert!(git_conflicts > 0, "git missed a conflict: {}", describe());
            assert!(!ours.is_clean(), "missed a conflict: {}", describe());
        }
        Kind::Disjoint => {
            let expected = case.expected.as_deref();
            assert_eq!(git_conflicts, 0, "{}", describe());
            assert_eq!(Some(&git_out[..]), expected, "{}", describe());
            assert!(ours.is_clean(), "{}", describe());
            assert_eq!(Some(&ours.content[..]), expected, "{}", describe());
        }
        Kind::Random | Kind::RandomLarge => {}
    }
    Ok(class)
}

#[test]
fn merge_text_agrees_with_git_merge_file() {
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    let mut cases: Vec<Case> = Vec::new();
    for _ in 0..500 {
        cases.push(random_case(&mut rng, Kind::Random));
    }
    for _ in 0..200 {
        cases.push(random_case(&mut rng, Kind::RandomLarge));
    }
    for _ in 0..100 {
        cases.push(obvious_conflict_case(&mut rng));
    }
    for _ in 0..100 {
        cases.push(disjoint_case(&mut rng));
    }

    // Two workers (the machine has two cores), each with its own temp dir.
    let indexed: Vec<(usize, &Case)> = cases.iter().enumerate().collect();
    let results: Vec<(Kind, Result<Class, String>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = indexed
            .chunks(indexed.len().div_ceil(2))
            .map(|chunk| {
                scope.spawn(move || {
                    let git = Git::new();
                    chunk
                        .iter()
                        .map(|&(index, case)| (case.kind, check_case(&git, index, case)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("worker panicked"))
            .collect()
    });

    let mut counts: BTreeMap<(Kind, Class), usize> = BTreeMap::new();
    let mut unexplained: Vec<String> = Vec::new();
    for (kind, result) in results {
        match result {
            Ok(class) => *counts.entry((kind, class)).or_default() += 1,
            Err(description) => unexplained.push(description),
        }
    }

    let mut summary = String::from("merge_text vs git merge-file --diff3:\n");
    for ((kind, class), count) in &counts {
        summary.push_str(&format!("  {kind:?} / {class:?}: {count}\n"));
    }
    summary.push_str(&format!("  unexplained: {}\n", unexplained.len()));
    // Written to the stderr handle directly so the summary shows even when
    // the test harness captures `print!` output.
    let _ = std::io::stderr().lock().write_all(summary.as_bytes());

    assert!(
        unexplained.is_empty(),
        "{} unexplained differences:\n{}",
        unexplained.len(),
        unexplained.join("\n\n")
    );
    assert_eq!(counts.values().sum::<usize>(), cases.len());
    // The generator must keep exercising both outcomes, and differences
    // must stay the exception.
    let count = |wanted: fn(&Class) -> bool| -> usize {
        counts
            .iter()
            .filter(|((_, class), _)| wanted(class))
            .map(|(_, n)| n)
            .sum()
    };
    assert!(count(|c| *c == Class::IdenticalClean) > 200, "{summary}");
    assert!(count(|c| *c == Class::IdenticalConflict) > 200, "{summary}");
    assert!(
        count(|c| matches!(c, Class::Alignment(..))) < cases.len() / 10,
        "{summary}"
    );
}

/// One triple per difference class, found by this test's generator with
/// larger inputs (run with `SHOW_GIT_DIFFERENCES=1` to print every
/// difference with both outputs and both alignments). Each must still be
/// classified as documented, with the proof `check_case` requires.
#[test]
fn documented_difference_examples() {
    let example = |base: &str, ours: &str, theirs: &str| Case {
        kind: Kind::Random,
        base: base.as_bytes().to_vec(),
        ours: ours.as_bytes().to_vec(),
        theirs: theirs.as_bytes().to_vec(),
        expected: None,
    };
    let examples = [
        (
            // Both sides added a CRLF file: git's rule finds no line
            // ending in the (empty) base and falls back to LF markers;
            // ours follows the CRLF of `ours`.
            example("", "e\r\nd\r\n", "b\r\nd\r\na"),
            Class::EolRule,
        ),
        (
            // Ours replaces "fn x()" by "c". Git aligns it as a
            // replacement; `similar` as deleting "fn x()" and inserting "c"
            // after the base "c", which touches theirs' insertion there.
            example(
                "b\nfn x()\nc\na\nb\nd\nb2\na\n",
                "b\nc\nc\na\nb\nd\nb2\na\n",
                "b\nfn x()\nc\nb\n\na\nb\nd\nb2\na\n",
            ),
            Class::Alignment(true, false),
        ),
        (
            // Ours deletes one of two "b2" lines, theirs replaces the "a"
            // after them. Git deletes the second "b2", which touches the
            // "a" edit; `similar` deletes the first, which does not.
            example(
                "\nfn x()\n\na\ne\nb2\nb2\na\n",
                "o2\n\nfn x()\n}\n\n\na\ne\nb2\na\n",
                "\nfn x()\n\na\ne\nb2\nb2\n}\nc\n",
            ),
            Class::Alignment(false, true),
        ),
        (
            // "b0 b1 b0" becomes "b0" on both sides: ours deletes "b1 b0",
            // theirs deletes "b0 b1". Git sees two different hunks and
            // conflicts ("b0" against "b0"); `similar` compares the region's
            // resulting lines, finds them equal and takes them once.
            example(
                "b0\na\nb0\nb1\nb0\nb0\n",
                "b0\na\nb0\nb0\n",
                "t2\nt1\nfn x()\na\na\nb0\nb0\n",
            ),
            Class::EqualSidesResolved,
        ),
    ];
    let git = Git::new();
    for (index, (case, expected)) in examples.iter().enumerate() {
        assert_eq!(check_case(&git, index, case).as_ref(), Ok(expected));
    }
}

#[test]
fn git_hunk_header_parsing() {
    assert_eq!(
        parse_hunk_header(b"@@ -2,2 +2,3 @@ a"),
        Hunk {
            i1: 1,
            chg1: 2,
            i2: 1,
            chg2: 3
        }
    );
    assert_eq!(
        parse_hunk_header(b"@@ -0,0 +1 @@"),
        Hunk {
            i1: 0,
            chg1: 0,
            i2: 0,
            chg2: 1
        }
    );
    assert_eq!(
        parse_hunk_header(b"@@ -3 +2,0 @@"),
        Hunk {
            i1: 2,
            chg1: 1,
            i2: 2,
            chg2: 0
        }
    );
}
