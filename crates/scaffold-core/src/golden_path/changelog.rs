//! Changelogs of golden paths: which file holds one, its entries, and the entries
//! between two versions (what `scaffold update` prints).
//!
//! A changelog is Markdown with one `## <version>` heading per released version,
//! newest first, each followed by its entry (usually bullets). The heading may carry a
//! date: `## 1.1.0 - 2026-12-01`, `## [1.1.0] - 2026-12-01` or `## v1.1.0 (2026-12-01)`.
//! Headings that are not a semantic version (`## Unreleased`) are skipped, with
//! their text. Where it lives:
//!
//! - built-in golden paths: `golden-paths/<name>.CHANGELOG.md` of the built-in library
//!   (the head's changelog covers every frozen release too);
//! - a definition file `<stem>.yaml`: `<stem>.CHANGELOG.md` beside it;
//! - a `golden-path.yaml`: `CHANGELOG.md` in its directory.

use serde::Serialize;

use crate::golden_path::GoldenPath;
use crate::source::{SourceRecord, TemplateFs, parse_version};
use crate::tree::{FileMode, parent_of};

/// One version's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangelogEntry {
    /// The version, as the heading writes it (without brackets).
    pub version: String,
    /// The date after the version on the heading, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The entry's Markdown, without the heading; blank lines around it trimmed.
    pub body: String,
}

/// Parse a changelog into its entries, in file order. Never fails: text before the
/// first version heading and sections that are not versions are left out.
pub fn parse(text: &str) -> Vec<ChangelogEntry> {
    let mut out: Vec<ChangelogEntry> = Vec::new();
    let mut current: Option<(ChangelogEntry, Vec<&str>)> = None;
    let mut finish = |current: &mut Option<(ChangelogEntry, Vec<&str>)>| {
        if let Some((mut entry, lines)) = current.take() {
            entry.body = lines.join("\n").trim_matches('\n').trim_end().to_string();
            out.push(entry);
        }
    };
    let mut in_other_section = false;
    for line in text.lines() {
        let line_trimmed = line.trim_end_matches('\r');
        if let Some(heading) = line_trimmed.strip_prefix("## ") {
            finish(&mut current);
            match parse_heading(heading) {
                Some(entry) => {
                    current = Some((entry, Vec::new()));
                    in_other_section = false;
                }
                None => in_other_section = true,
            }
            continue;
        }
        if line_trimmed.starts_with("# ") {
            finish(&mut current);
            in_other_section = true;
            continue;
        }
        if !in_other_section {
            if let Some((_, lines)) = current.as_mut() {
                lines.push(line_trimmed);
            }
        }
    }
    finish(&mut current);
    out
}

fn parse_heading(heading: &str) -> Option<ChangelogEntry> {
    let heading = heading.trim();
    let (version, rest) = match heading.strip_prefix('[') {
        Some(inner) => {
            let (v, rest) = inner.split_once(']')?;
            (v.trim(), rest)
        }
        None => match heading.split_once(char::is_whitespace) {
            Some((v, rest)) => (v, rest),
            None => (heading, ""),
        },
    };
    parse_version(version)?;
    let date = rest
        .trim()
        .trim_start_matches(['-', '\u{2013}', '\u{2014}'])
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    Some(ChangelogEntry {
        version: version.to_string(),
        date: (!date.is_empty()).then(|| date.to_string()),
        body: String::new(),
    })
}

/// The entries for versions in `(from, to]`, newest first (semver order, whatever the
/// order of the file). Empty when either bound is not a semantic version, or when
/// `to` is not newer than `from`.
pub fn between(entries: &[ChangelogEntry], from: &str, to: &str) -> Vec<ChangelogEntry> {
    let (Some(from), Some(to)) = (parse_version(from), parse_version(to)) else {
        return Vec::new();
    };
    let mut picked: Vec<(semver::Version, &ChangelogEntry)> = entries
        .iter()
        .filter_map(|e| parse_version(&e.version).map(|v| (v, e)))
        .filter(|(v, _)| *v > from && *v <= to)
        .collect();
    picked.sort_by(|a, b| b.0.cmp(&a.0));
    picked.dedup_by(|a, b| a.0 == b.0);
    picked.into_iter().map(|(_, e)| e.clone()).collect()
}

/// Where the changelog of `gp` is, as (source, path inside it), if it has one.
pub fn locate(gp: &GoldenPath) -> Option<(TemplateFs, String)> {
    let (fs, path) = match &gp.source {
        SourceRecord::Builtin { .. } => (
            TemplateFs::Memory {
                tree: crate::source::builtin_tree(),
                label: "built-in:".to_string(),
            },
            format!("golden-paths/{}.CHANGELOG.md", gp.name()),
        ),
        _ => {
            let def = gp.definition_path();
            let dir = parent_of(def);
            let file = def.rsplit('/').next().unwrap_or(def);
            let name = match file {
                "golden-path.yaml" | "golden-path.yml" => "CHANGELOG.md".to_string(),
                f => {
                    let stem = f
                        .strip_suffix(".yaml")
                        .or_else(|| f.strip_suffix(".yml"))
                        .unwrap_or(f);
                    format!("{stem}.CHANGELOG.md")
                }
            };
            let path = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            (gp.fs().clone(), path)
        }
    };
    let exists = match &fs {
        TemplateFs::Disk { root } => root.join(&path).is_file(),
        TemplateFs::Memory { tree, .. } => tree
            .get(&path)
            .is_some_and(|e| e.mode == FileMode::File || e.mode == FileMode::Executable),
    };
    exists.then_some((fs, path))
}

/// Every entry of the changelog of `gp`, in file order; `Ok(None)` when it has no
/// changelog.
pub fn read(gp: &GoldenPath) -> crate::Result<Option<Vec<ChangelogEntry>>> {
    let Some((fs, path)) = locate(gp) else {
        return Ok(None);
    };
    let bytes = fs.read(&path)?;
    Ok(Some(parse(&String::from_utf8_lossy(&bytes))))
}

/// The entries of `gp`'s changelog in `(from, to]`, newest first. A golden path
/// without a changelog, or one that cannot be read, has none (an update does not
/// fail for want of release notes).
pub fn entries_between(gp: &GoldenPath, from: &str, to: &str) -> Vec<ChangelogEntry> {
    read(gp)
        .ok()
        .flatten()
        .map(|entries| between(&entries, from, to))
        .unwrap_or_default()
}

/// The newest entry (semver order) of `gp`'s changelog up to `gp`'s own version (so
/// an older release shows its own entry, not a later one), if it has any.
pub fn newest(gp: &GoldenPath) -> Option<ChangelogEntry> {
    let entries = read(gp).ok().flatten()?;
    let own = parse_version(&gp.version);
    entries
        .into_iter()
        .filter_map(|e| parse_version(&e.version).map(|v| (v, e)))
        .filter(|(v, _)| own.as_ref().is_none_or(|own| v <= own))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, e)| e)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# demo changelog\n\nIntro text.\n\n## Unreleased\n\n- not yet\n\n## [1.2.0] - 2026-12-01\n\n- third\n- more\n\n## v1.1.0 (2026-11-02)\n- second\n\n## 1.0.0\n\n- first\n";

    #[test]
    fn parses_headings_dates_and_bodies() {
        let entries = parse(TEXT);
        let summary: Vec<(&str, Option<&str>, &str)> = entries
            .iter()
            .map(|e| (e.version.as_str(), e.date.as_deref(), e.body.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("1.2.0", Some("2026-12-01"), "- third\n- more"),
                ("v1.1.0", Some("2026-11-02"), "- second"),
                ("1.0.0", None, "- first"),
            ]
        );
    }

    #[test]
    fn between_is_half_open_and_newest_first() {
        // File order scrambled on purpose: the result follows semver, not the file.
        let entries = parse("## 1.0.0\n- a\n## 1.2.0\n- c\n## 1.1.0\n- b\n");
        let versions = |from: &str, to: &str| -> Vec<String> {
            between(&entries, from, to)
                .into_iter()
                .map(|e| e.version)
                .collect()
        };
        assert_eq!(versions("1.0.0", "1.2.0"), vec!["1.2.0", "1.1.0"]);
        assert_eq!(versions("v1.0.0", "v1.1.0"), vec!["1.1.0"]);
        assert_eq!(versions("0.9.0", "1.0.0"), vec!["1.0.0"]);
        assert!(versions("1.1.0", "1.1.0").is_empty());
        assert!(
            versions("1.2.0", "1.0.0").is_empty(),
            "a downgrade has no entries"
        );
        assert!(versions("?", "1.2.0").is_empty());
    }

    #[test]
    fn text_without_versions_has_no_entries() {
        assert!(parse("").is_empty());
        assert!(parse("# title\n\n## Notes\n- x\n").is_empty());
    }
}
