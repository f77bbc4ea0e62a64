//! The answers file (`.scaffold/<golden-path>.yaml`): provenance and manifest.
//!
//! It records the golden path, its source and resolved commit, the version, the
//! answers (secrets left out) and, for every generated path, the hash and mode of its
//! pristine rendered content and its policy. Beside it, `.scaffold/<golden-path>.baseline`
//! holds the pristine content itself (see [`crate::project::baseline`]): `update` takes its base
//! from there, and `check` compares the working tree against the manifest without
//! rendering anything.
//!
//! Format 2 (scaffold 0.2) adds `baseline` (the baseline file's name) and
//! `manifest_entries` (the number of manifest entries, so a truncated file is corrupt,
//! not shorter). Format 1 files, written by scaffold 0.1.0, are still read; they have no
//! baseline, which `update` reconstructs (see [`crate::project::Project::pristine`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Location, Result};
use crate::golden_path::render::Rendered;
use crate::golden_path::{Answers, GoldenPath, Policy};
use crate::source::SourceRecord;
use crate::tree::{FileMode, normalize_relative};

/// Directory of answers files inside a project.
pub const ANSWERS_DIR: &str = ".scaffold";

/// Format version of the answers files this scaffold writes.
pub const ANSWERS_FORMAT: u32 = 2;

/// Format versions this scaffold reads.
pub const READABLE_FORMATS: &[u32] = &[1, 2];

/// One generated path as rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    /// `blake3:<hex>` of the pristine rendered content (link target for links).
    pub hash: String,
    /// Git-style mode.
    pub mode: FileMode,
    /// Policy at the time of rendering.
    pub policy: Policy,
}

/// The whole answers file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersFile {
    /// Format version: 2 since scaffold 0.2; 1 for files written by scaffold 0.1.0.
    pub format: u32,
    /// Golden-path name.
    pub golden_path: String,
    /// Golden-path version rendered.
    pub version: String,
    /// Where it came from (with the resolved commit for git).
    pub source: SourceRecord,
    /// The scaffold version that wrote this file.
    pub engine_version: String,
    /// Answers after defaults, secrets left out.
    #[serde(deserialize_with = "unique_keys::deserialize")]
    pub answers: Map<String, Value>,
    /// The baseline file's name inside `.scaffold/` (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// The number of manifest entries (format 2): a truncated file is corrupt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_entries: Option<usize>,
    /// For an add-on (a golden path with `spec.appliesTo`): the golden path of the
    /// project it was applied to, whose answers file sits beside this one. `check`
    /// judges the host's paths the add-on also generated against the add-on's
    /// manifest (docs/golden-paths.md, "Add-ons").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Every generated path.
    #[serde(deserialize_with = "unique_keys::deserialize")]
    pub manifest: BTreeMap<String, ManifestEntry>,
}

/// Maps that refuse a key given twice (serde's default keeps the last one, which would
/// let a hand edit or a bad merge hide an entry).
mod unique_keys {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::Deserializer;
    use serde::de::{Deserialize, MapAccess, Visitor};

    /// A map type that can be filled one entry at a time.
    pub(super) trait Insert<K, V>: Default {
        fn put(&mut self, k: K, v: V) -> bool;
    }
    impl<V> Insert<String, V> for std::collections::BTreeMap<String, V> {
        fn put(&mut self, k: String, v: V) -> bool {
            self.insert(k, v).is_none()
        }
    }
    impl Insert<String, serde_json::Value> for serde_json::Map<String, serde_json::Value> {
        fn put(&mut self, k: String, v: serde_json::Value) -> bool {
            self.insert(k, v).is_none()
        }
    }

    struct Unique<M, V>(PhantomData<(M, V)>);

    impl<'de, M, V> Visitor<'de> for Unique<M, V>
    where
        M: Insert<String, V>,
        V: Deserialize<'de>,
    {
        type Value = M;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a mapping with unique keys")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<M, A::Error> {
            let mut out = M::default();
            while let Some((k, v)) = access.next_entry::<String, V>()? {
                let shown = k.clone();
                if !out.put(k, v) {
                    return Err(serde::de::Error::custom(format!("duplicate key `{shown}`")));
                }
            }
            Ok(out)
        }
    }

    pub(super) fn deserialize<'de, D, M, V>(d: D) -> Result<M, D::Error>
    where
        D: Deserializer<'de>,
        M: Insert<String, V>,
        V: Deserialize<'de>,
    {
        d.deserialize_map(Unique(PhantomData))
    }
}

impl AnswersFile {
    /// The target that reproduces what this answers file records: the recorded commit
    /// of a git source, the recorded version of a built-in golden path, and the one
    /// version a local definition has.
    pub fn recorded_target(&self) -> crate::source::remote::Target {
        use crate::source::remote::Target;
        match &self.source {
            SourceRecord::Git { commit, .. } => Target::Ref(commit.clone()),
            SourceRecord::Builtin { .. } => Target::Ref(self.version.clone()),
            SourceRecord::Local { .. } => Target::Latest,
        }
    }

    /// Build the answers file for a render.
    pub fn new(gp: &GoldenPath, answers: &Answers, rendered: &Rendered) -> AnswersFile {
        let host = gp
            .is_add_on()
            .then(|| answers.values.get("host").and_then(Value::as_str))
            .flatten()
            .map(str::to_string);
        let secrets = gp.parameters().secrets();
        let answers: Map<String, Value> = answers
            .values
            .iter()
            .filter(|(k, _)| !secrets.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let manifest = manifest_of(gp, rendered);
        AnswersFile {
            format: ANSWERS_FORMAT,
            golden_path: gp.name().to_string(),
            version: gp.version.clone(),
            source: gp.source.clone(),
            engine_version: crate::ENGINE_VERSION.to_string(),
            answers,
            baseline: Some(Self::baseline_file_name(gp.name())),
            manifest_entries: Some(manifest.len()),
            host,
            manifest,
        }
    }

    /// The baseline's file name inside `.scaffold/`.
    pub fn baseline_file_name(golden_path: &str) -> String {
        format!("{golden_path}.baseline")
    }

    /// Where this golden path's baseline lives in a project (relative path).
    pub fn baseline_relative_path(golden_path: &str) -> String {
        format!("{ANSWERS_DIR}/{}", Self::baseline_file_name(golden_path))
    }

    /// Where this golden path's answers file lives in a project (relative path).
    pub fn relative_path(golden_path: &str) -> String {
        format!("{ANSWERS_DIR}/{golden_path}.yaml")
    }

    /// The YAML text, with a header: the schema line editors read
    /// ([`ANSWERS_SCHEMA_URL`](crate::golden_path::schema::ANSWERS_SCHEMA_URL)), then
    /// what the file is.
    pub fn to_yaml(&self) -> String {
        let body = serde_yaml::to_string(self).expect("answers file serializes");
        format!(
            "# yaml-language-server: $schema={}\n# Written by scaffold {}: provenance of the files generated from golden path `{}`.\n# `scaffold update` and `scaffold check` read it. Do not edit the manifest by hand.\n{body}",
            crate::golden_path::schema::ANSWERS_SCHEMA_URL,
            self.engine_version,
            self.golden_path
        )
    }

    /// Parse an answers file; `file` names it in errors. Every rule is checked: a
    /// format this scaffold reads, no duplicate keys, normalized manifest paths outside
    /// `.git/` and `.scaffold/`, well-formed hashes, and (format 2) a baseline name and
    /// an entry count that matches the manifest.
    pub fn parse(file: &str, text: &str) -> Result<AnswersFile> {
        let parsed = Self::parse_yaml(file, text)?;
        parsed.validate(file)?;
        Ok(parsed)
    }

    /// Parse an answers file, reading the manifest with a fast reader when it has the
    /// canonical layout [`AnswersFile::to_yaml`] writes; the result and the errors are
    /// exactly those of [`AnswersFile::parse`].
    ///
    /// serde_yaml takes about 8 µs per manifest entry, which made parsing the answers
    /// file of a 10,000-file project a third of the whole `check --offline`.
    pub fn parse_fast(file: &str, text: &str) -> Result<AnswersFile> {
        match fast_manifest(file, text) {
            Some(parsed) => {
                parsed.validate(file)?;
                Ok(parsed)
            }
            None => Self::parse(file, text),
        }
    }

    fn parse_yaml(file: &str, text: &str) -> Result<AnswersFile> {
        serde_yaml::from_str(text).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            Error::AnswersFile {
                location: Location {
                    file: file.to_string(),
                    line,
                    column,
                },
                message: format!(
                    "{}; restore it from version control (git checkout -- {file})",
                    e.to_string().split(" at line ").next().unwrap_or_default()
                ),
            }
        })
    }

    fn validate(&self, file: &str) -> Result<()> {
        let bad = |message: String| Error::AnswersFile {
            location: Location {
                file: file.to_string(),
                line: 0,
                column: 0,
            },
            message,
        };
        if !READABLE_FORMATS.contains(&self.format) {
            return Err(bad(format!(
                "format {} is not supported by this scaffold (it reads formats {READABLE_FORMATS:?}); upgrade scaffold",
                self.format
            )));
        }
        if self.format >= 2 {
            let expected = Self::baseline_file_name(&self.golden_path);
            if self.baseline.as_deref() != Some(expected.as_str()) {
                return Err(bad(format!(
                    "`baseline` must be `{expected}` in a format {} answers file; the file was edited or is corrupt; restore it from version control (git checkout -- {file})",
                    self.format
                )));
            }
            if self.manifest_entries != Some(self.manifest.len()) {
                return Err(bad(format!(
                    "the manifest has {} entries but the file says {}; it is truncated or was edited; restore it from version control (git checkout -- {file})",
                    self.manifest.len(),
                    self.manifest_entries
                        .map_or_else(|| "nothing".to_string(), |n| n.to_string())
                )));
            }
        }
        for (path, entry) in &self.manifest {
            if let Some(why) = manifest_path_problem(path) {
                return Err(bad(format!("manifest path `{path}` {why}")));
            }
            if !valid_hash(&entry.hash) {
                return Err(bad(format!(
                    "manifest entry `{path}` has a malformed hash `{}`",
                    entry.hash
                )));
            }
        }
        Ok(())
    }

    /// Read and parse an answers file from disk.
    pub fn read(path: &Path) -> Result<AnswersFile> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io("cannot read answers file", path, e))?;
        AnswersFile::parse_fast(&path.display().to_string(), &text)
    }

    /// Every answers file under `root` (skipping `.git` and what `.gitignore` ignores),
    /// sorted by path.
    pub fn find_all(root: &Path) -> Result<Vec<PathBuf>> {
        let mut found = Vec::new();
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(false)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        for entry in walker {
            let entry = entry
                .map_err(|e| Error::Usage(format!("cannot search {}: {e}", root.display())))?;
            let p = entry.path();
            let in_answers_dir = p
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n == ANSWERS_DIR);
            let yaml = p.extension().is_some_and(|x| x == "yaml");
            if in_answers_dir && yaml && entry.file_type().is_some_and(|t| t.is_file()) {
                found.push(p.to_path_buf());
            }
        }
        found.sort();
        Ok(found)
    }
}

/// The manifest of a render under a golden path's policies.
pub fn manifest_of(gp: &GoldenPath, rendered: &Rendered) -> BTreeMap<String, ManifestEntry> {
    rendered
        .files
        .iter()
        .map(|(path, f)| {
            (
                path.clone(),
                ManifestEntry {
                    hash: f.hash.clone(),
                    mode: f.mode,
                    policy: gp.policy().of(path),
                },
            )
        })
        .collect()
}

/// Why a manifest path is not acceptable, if it is not.
fn manifest_path_problem(path: &str) -> Option<&'static str> {
    if normalize_relative(path).as_deref() != Ok(path) {
        return Some(
            "is not a normalized path inside the project; the file was edited or is corrupt",
        );
    }
    if path == ANSWERS_DIR || path.starts_with(&format!("{ANSWERS_DIR}/")) {
        return Some("is inside .scaffold/, which is reserved for scaffold");
    }
    if crate::tree::reserved_component(path).is_some() {
        return Some("is inside a .git or .scaffold directory, which scaffold never touches");
    }
    None
}

/// `blake3:` and 64 lowercase hex digits.
fn valid_hash(hash: &str) -> bool {
    hash.strip_prefix("blake3:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// The fast reader behind [`AnswersFile::parse_fast`]: everything before the top-level
/// `manifest:` key is parsed by serde_yaml; the manifest must then be exactly the
/// canonical layout (plain keys of safe characters; `hash`, `mode`, `policy` lines in
/// that order). Anything else returns `None`, and the caller parses the whole file with
/// serde_yaml, so the outcome never depends on which reader ran.
fn fast_manifest(file: &str, text: &str) -> Option<AnswersFile> {
    const MARK: &str = "\nmanifest:\n";
    let at = text.rfind(MARK)?;
    let mut head = String::with_capacity(at + 16);
    head.push_str(&text[..=at]);
    head.push_str("manifest: {}\n");
    let mut parsed = AnswersFile::parse_yaml(file, &head).ok()?;
    let mut lines = text[at + MARK.len()..].split('\n');
    let mut manifest = BTreeMap::new();
    loop {
        let key_line = match lines.next() {
            None | Some("") => break,
            Some(l) => l,
        };
        let key = key_line.strip_prefix("  ")?.strip_suffix(':')?;
        let plain = key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-' | b'+'))
            && key
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_'));
        if !plain {
            return None;
        }
        let hash = lines.next()?.strip_prefix("    hash: ")?;
        // Only the canonical plain scalar (`blake3:<hex>`); anything else (spaces,
        // quotes, a comment) is YAML that serde_yaml reads, possibly otherwise.
        if !hash.starts_with(|c: char| c.is_ascii_alphanumeric())
            || !hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b':')
        {
            return None;
        }
        let mode = match lines.next()?.strip_prefix("    mode: ")? {
            "'100644'" => FileMode::File,
            "'100755'" => FileMode::Executable,
            "'120000'" => FileMode::Symlink,
            "'040000'" => FileMode::Dir,
            _ => return None,
        };
        let policy = match lines.next()?.strip_prefix("    policy: ")? {
            "merged" => Policy::Merged,
            "seed" => Policy::Seed,
            "enforced" => Policy::Enforced,
            _ => return None,
        };
        let entry = ManifestEntry {
            hash: hash.to_string(),
            mode,
            policy,
        };
        if manifest.insert(key.to_string(), entry).is_some() {
            return None; // a duplicate: let serde_yaml report it
        }
    }
    if lines.next().is_some() {
        return None;
    }
    parsed.manifest = manifest;
    Some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceRecord;

    fn answers_file(keys: &[&str]) -> AnswersFile {
        let mut answers = serde_json::Map::new();
        answers.insert("name".into(), "demo".into());
        answers.insert("text".into(), "manifest:\nnot: really".into());
        AnswersFile {
            format: ANSWERS_FORMAT,
            golden_path: "svc".into(),
            version: "v1.0.0".into(),
            source: SourceRecord::Builtin {
                engine_version: "0.1.0".into(),
            },
            engine_version: "0.1.0".into(),
            answers,
            baseline: Some("svc.baseline".into()),
            manifest_entries: Some(keys.len()),
            host: None,
            manifest: keys
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    let modes = [
                        FileMode::File,
                        FileMode::Executable,
                        FileMode::Symlink,
                        FileMode::Dir,
                    ];
                    let policies = [Policy::Merged, Policy::Seed, Policy::Enforced];
                    (
                        k.to_string(),
                        ManifestEntry {
                            hash: crate::tree::hash_bytes(k.as_bytes()),
                            mode: modes[i % 4],
                            policy: policies[i % 3],
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn the_schema_header_is_read_by_both_parsers_and_older_files_still_load() {
        let f = answers_file(&["README.md", "src/main.go"]);
        let text = f.to_yaml();
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            format!(
                "# yaml-language-server: $schema={}",
                crate::golden_path::schema::ANSWERS_SCHEMA_URL
            )
        );
        assert_eq!(AnswersFile::parse("f", &text).unwrap(), f);
        assert_eq!(fast_manifest("f", &text), Some(f.clone()));
        // Written before the header existed: the same file without its first line.
        let old = text.split_once('\n').unwrap().1;
        assert!(old.starts_with("# Written by scaffold"));
        assert_eq!(AnswersFile::parse("f", old).unwrap(), f);
        assert_eq!(AnswersFile::parse_fast("f", old).unwrap(), f);
    }

    #[test]
    fn fast_answers_file_is_parse_or_nothing() {
        let canonical = answers_file(&[".github/ci.yml", "README.md", "a/b-c_d+e.txt", "x"]);
        let text = canonical.to_yaml();
        assert_eq!(fast_manifest("f", &text), Some(canonical.clone()));
        assert_eq!(AnswersFile::parse("f", &text).unwrap(), canonical);
        // Keys the fast reader does not handle are left to `parse`.
        for odd in ["with space.txt", "{{ x }}", "é.txt", "true", "-x", "ab:c"] {
            let f = answers_file(&["README.md", odd]);
            let text = f.to_yaml();
            assert_eq!(fast_manifest("f", &text), None, "{odd}: {text}");
            assert_eq!(AnswersFile::parse("f", &text).unwrap(), f);
        }
        // Keys YAML might read as numbers: whatever the writer does, both agree.
        let f = answers_file(&["1.0", "2", "README.md"]);
        let text = f.to_yaml();
        assert_eq!(AnswersFile::parse("f", &text).unwrap(), f);
        assert!(fast_manifest("f", &text).is_none_or(|fast| fast == f));
        // A value YAML reads other than the fast reader would (a leading space, found
        // by the fuzz test) is left to `parse`.
        let spaced = f
            .to_yaml()
            .replacen("    hash: blake3:", "    hash:  blake3:", 1);
        assert!(spaced.contains("hash:  blake3:"));
        assert_eq!(fast_manifest("f", &spaced), None);
        assert_eq!(
            AnswersFile::parse_fast("f", &spaced).ok(),
            AnswersFile::parse("f", &spaced).ok()
        );
        // Whatever the damage, the fast reader agrees with `parse` or declines.
        let damaged = [
            text.replace("  README.md:", "  ../README.md:"),
            text.replace("  README.md:", "  .scaffold/x:"),
            text.replace("policy: seed", "policy: other"),
            text.replace("'100755'", "100755"),
            text.replace("    mode:", "    mod:"),
            text.replace("    hash: blake3:", "    hash: blake3:0"),
            format!("{text}extra: 1\n"),
            format!(
                "{text}  README.md:\n    hash: {}\n    mode: '100644'\n    policy: seed\n",
                crate::tree::hash_bytes(b"")
            ),
            text.replacen("format: 2", "format: 3", 1),
            text.replacen("manifest_entries: ", "manifest_entries: 1", 1),
            text[..text.len() / 2].to_string(),
            text[..text.len() - 30].to_string(),
        ];
        for d in &damaged {
            assert_eq!(
                AnswersFile::parse_fast("f", d).ok(),
                AnswersFile::parse("f", d).ok(),
                "{d}"
            );
        }
        assert_eq!(fast_manifest("f", &damaged[0]), None);
        assert!(AnswersFile::parse("f", &damaged[0]).is_err());
    }

    #[test]
    fn truncated_duplicated_and_reserved_are_corrupt() {
        let f = answers_file(&["README.md", "src/main.rs", "x"]);
        let text = f.to_yaml();
        // Truncated right after `manifest:` or between entries.
        let at = text.find("\nmanifest:\n").unwrap() + "\nmanifest:\n".len();
        let between = text.find("  src/main.rs:").unwrap();
        for cut in [&text[..at], &text[..between]] {
            let e = AnswersFile::parse_fast("f", cut).unwrap_err().to_string();
            assert!(e.contains("truncated"), "{e}");
        }
        // A duplicate key in the manifest or the answers.
        let dup = format!(
            "{}  x:\n    hash: {}\n    mode: '100644'\n    policy: merged\n",
            text,
            crate::tree::hash_bytes(b"")
        );
        let e = AnswersFile::parse_fast("f", &dup).unwrap_err().to_string();
        assert!(e.contains("duplicate key `x`"), "{e}");
        let dup_answer = text.replacen("  name: demo\n", "  name: demo\n  name: other\n", 1);
        let e = AnswersFile::parse("f", &dup_answer)
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate key `name`"), "{e}");
        // A malformed hash (right length, not hex) and paths under .git/ are refused.
        let bad_hash = text.replacen("hash: blake3:", "hash: blake3:z", 1);
        let bad_hash = bad_hash.replacen(
            &bad_hash[bad_hash.find("blake3:z").unwrap()..][..72],
            &format!("blake3:{}", "z".repeat(64)),
            1,
        );
        assert!(
            AnswersFile::parse_fast("f", &bad_hash)
                .unwrap_err()
                .to_string()
                .contains("malformed hash")
        );
        for git in [".git/HEAD", "sub/.GIT/config"] {
            let g = answers_file(&["README.md", git]);
            let e = AnswersFile::parse_fast("f", &g.to_yaml())
                .unwrap_err()
                .to_string();
            assert!(e.contains(".git"), "{e}");
        }
        // Format 1 (scaffold 0.1.0) has neither field and is still read.
        let mut old = f.clone();
        old.format = 1;
        old.baseline = None;
        old.manifest_entries = None;
        assert_eq!(AnswersFile::parse_fast("f", &old.to_yaml()).unwrap(), old);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Fuzz of answers-file parsing: any damage to a valid file (a byte changed, a
        /// span cut or duplicated) is parsed the same by both readers, never panics,
        /// and what parses still satisfies every rule (count, paths, hashes).
        #[test]
        fn damaged_answers_files_parse_the_same_and_keep_the_rules(
            at in 0usize..4000,
            len in 0usize..200,
            byte in proptest::prelude::any::<u8>(),
            kind in 0u8..3,
        ) {
            let f = answers_file(&["README.md", "src/main.rs", "a/b-c_d+e.txt", "x", "deploy/base/hpa.yaml"]);
            let text = f.to_yaml().into_bytes();
            let at = at % text.len();
            let end = (at + len).min(text.len());
            let mut damaged = text.clone();
            match kind {
                0 => damaged[at] = byte,
                1 => { damaged.drain(at..end); }
                _ => { let span = text[at..end].to_vec(); damaged.splice(at..at, span); }
            }
            let Ok(d) = String::from_utf8(damaged) else { return Ok(()); };
            let slow = AnswersFile::parse("f", &d);
            let fast = AnswersFile::parse_fast("f", &d);
            proptest::prop_assert_eq!(slow.as_ref().ok(), fast.as_ref().ok());
            if let Ok(p) = slow {
                if p.format >= 2 {
                    proptest::prop_assert_eq!(p.manifest_entries, Some(p.manifest.len()));
                }
                for (path, e) in &p.manifest {
                    proptest::prop_assert!(manifest_path_problem(path).is_none());
                    proptest::prop_assert!(valid_hash(&e.hash));
                }
            }
        }
    }
}
