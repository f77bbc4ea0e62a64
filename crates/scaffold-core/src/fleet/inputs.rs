//! The repositories of a fleet: a repositories list (one git source a line, with an
//! optional branch), Backstage catalog files or exports (each Component's
//! `backstage.io/source-location`), and directories of local clones. Every input
//! becomes a [`RepoInput`]: a URL the git cache can mirror, and a branch (`None`:
//! the default branch).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};

/// One repository of the fleet.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RepoInput {
    /// A URL git can fetch (`https://`, `ssh://`, `git@host:path`, `file://`).
    pub url: String,
    /// The branch to read; `None` for the default branch.
    pub branch: Option<String>,
}

impl RepoInput {
    /// The repository as reports name it: the URL, with `#branch` when one is given.
    /// Stable, so shards and merges agree on it.
    pub fn id(&self) -> String {
        match &self.branch {
            Some(b) => format!("{}#{b}", self.url),
            None => self.url.clone(),
        }
    }
}

fn input_error(file: &Path, line: usize, message: String) -> Error {
    Error::FleetInput {
        location: Location {
            file: file.display().to_string(),
            line,
            column: 0,
        },
        message,
    }
}

fn valid_branch(b: &str) -> bool {
    git2::Reference::is_valid_name(&format!("refs/heads/{b}"))
}

/// The URL of a source as written in a list: URLs and `git@host:path` as they are;
/// a path (absolute, or relative to `base`) as a `file://` URL.
fn source_url(source: &str, base: &Path) -> Option<String> {
    if source.contains("://") {
        return Some(source.to_string());
    }
    if source.starts_with("git@") && source.contains(':') {
        return Some(source.to_string());
    }
    if source.starts_with('/') || source.starts_with("./") || source.starts_with("../") {
        let path = base.join(source);
        return Some(format!(
            "file://{}",
            crate::project::absolute(&path).display()
        ));
    }
    None
}

/// Parse a repositories list: one `SOURCE [BRANCH]` a line; blank lines and lines
/// starting with `#` are skipped. Every bad line is an error naming it; a repository
/// listed twice is one.
pub fn parse_repos(file: &Path, text: &str) -> Result<Vec<RepoInput>> {
    let base = file.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() > 2 {
            return Err(input_error(
                file,
                line_no,
                format!(
                    "expected `SOURCE [BRANCH]`, found {} fields in `{line}`",
                    fields.len()
                ),
            ));
        }
        let url = source_url(fields[0], base).ok_or_else(|| {
            input_error(
                file,
                line_no,
                format!(
                    "`{}` is not a git source: write a URL (https://, ssh://, file://), git@host:path, or a path starting with /, ./ or ../",
                    fields[0]
                ),
            )
        })?;
        let branch = fields.get(1).map(|b| b.to_string());
        if let Some(b) = &branch
            && !valid_branch(b)
        {
            return Err(input_error(
                file,
                line_no,
                format!("`{b}` is not a valid branch name"),
            ));
        }
        let input = RepoInput { url, branch };
        if let Some(first) = seen.insert(input.id(), line_no) {
            return Err(input_error(
                file,
                line_no,
                format!(
                    "{} is listed twice (first at line {first}); list each repository once",
                    input.id()
                ),
            ));
        }
        out.push(input);
    }
    Ok(out)
}

/// The repository of a Backstage `backstage.io/source-location` annotation
/// (`url:https://github.com/o/r/tree/main/` → `https://github.com/o/r`, branch
/// `main`); `None` when it is not a `url:` location.
pub fn source_location(value: &str) -> Option<RepoInput> {
    let url = value.trim().strip_prefix("url:")?.trim();
    for marker in ["/tree/", "/blob/", "/-/tree/", "/src/branch/"] {
        if let Some((repo, rest)) = url.split_once(marker) {
            let branch = rest.split('/').next().filter(|b| !b.is_empty());
            return Some(RepoInput {
                url: repo.trim_end_matches('/').to_string(),
                branch: branch.map(str::to_string),
            });
        }
    }
    Some(RepoInput {
        url: url.trim_end_matches('/').to_string(),
        branch: None,
    })
}

/// The repositories of a catalog: a `catalog-info.yaml` (several documents allowed),
/// a JSON or YAML export (a list of entities, or `{items: [...]}`), or a directory
/// of such files (`*.yaml`, `*.yml`, `*.json`, recursively). Components without a
/// `url:` source location are left out.
pub fn parse_catalog(path: &Path) -> Result<Vec<RepoInput>> {
    let mut files: Vec<PathBuf> = Vec::new();
    if path.is_dir() {
        for e in walkdir::WalkDir::new(path).sort_by_file_name() {
            let e = e.map_err(|e| {
                let at = e.path().unwrap_or(path).to_path_buf();
                let io = e
                    .into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("walk failed"));
                Error::io("cannot read", &at, io)
            })?;
            let name = e.file_name().to_string_lossy();
            if e.file_type().is_file()
                && (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
            {
                files.push(e.into_path());
            }
        }
    } else {
        files.push(path.to_path_buf());
    }
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| Error::io("cannot read", &f, e))?;
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let value = serde_yaml::Value::deserialize(doc).map_err(|e| {
                input_error(
                    &f,
                    e.location().map_or(0, |l| l.line()),
                    format!("not a catalog file: {e}"),
                )
            })?;
            let entities: Vec<&serde_yaml::Value> = match &value {
                serde_yaml::Value::Sequence(items) => items.iter().collect(),
                serde_yaml::Value::Mapping(m) => match m.get("items") {
                    Some(serde_yaml::Value::Sequence(items)) => items.iter().collect(),
                    _ => vec![&value],
                },
                _ => Vec::new(),
            };
            for entity in entities {
                let kind = entity.get("kind").and_then(|k| k.as_str()).unwrap_or("");
                if !kind.eq_ignore_ascii_case("component") {
                    continue;
                }
                let location = entity
                    .get("metadata")
                    .and_then(|m| m.get("annotations"))
                    .and_then(|a| a.get("backstage.io/source-location"))
                    .and_then(|v| v.as_str());
                if let Some(input) = location.and_then(source_location) {
                    out.push(input);
                }
            }
        }
    }
    Ok(dedup(out))
}

/// The repositories of directories of local clones: a directory that is a git
/// repository is one; any other directory contributes each of its subdirectories
/// that is one. Read through the cache like any other source (`file://`).
pub fn local_clones(dirs: &[PathBuf]) -> Result<Vec<RepoInput>> {
    let is_repo = |d: &Path| d.join(".git").exists() || d.join("HEAD").is_file();
    let mut out = Vec::new();
    for dir in dirs {
        let dir = crate::project::absolute(dir);
        if !dir.is_dir() {
            return Err(input_error(
                &dir,
                0,
                "is not a directory of local clones".to_string(),
            ));
        }
        let mut found: Vec<PathBuf> = Vec::new();
        if is_repo(&dir) {
            found.push(dir.clone());
        } else {
            let entries = std::fs::read_dir(&dir).map_err(|e| Error::io("cannot read", &dir, e))?;
            for e in entries {
                let p = e.map_err(|e| Error::io("cannot read", &dir, e))?.path();
                if p.is_dir() && is_repo(&p) {
                    found.push(p);
                }
            }
            found.sort();
        }
        out.extend(found.into_iter().map(|p| RepoInput {
            url: format!("file://{}", p.display()),
            branch: None,
        }));
    }
    Ok(out)
}

/// The inputs once each, in the order first given.
pub fn dedup(inputs: Vec<RepoInput>) -> Vec<RepoInput> {
    let mut seen = std::collections::HashSet::new();
    inputs.into_iter().filter(|i| seen.insert(i.id())).collect()
}

/// A stable part of the inputs: shard `index` of `count` (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    /// How many shards in all.
    pub count: u32,
}

impl Shard {
    /// Parse `I/N` (1 ≤ I ≤ N).
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = |why: &str| Error::FleetInput {
            location: Location {
                file: format!("shard `{text}`"),
                line: 0,
                column: 0,
            },
            message: format!("{why}; write I/N with 1 <= I <= N, e.g. 2/8"),
        };
        let (i, n) = text.split_once('/').ok_or_else(|| bad("no `/`"))?;
        let index: u32 = i.trim().parse().map_err(|_| bad("I is not a number"))?;
        let count: u32 = n.trim().parse().map_err(|_| bad("N is not a number"))?;
        if count == 0 || index == 0 || index > count {
            return Err(bad("out of range"));
        }
        Ok(Shard { index, count })
    }

    /// Whether the repository belongs to this shard: BLAKE3 of its id, modulo the
    /// count (stable across runs, machines and input order).
    pub fn holds(&self, input: &RepoInput) -> bool {
        shard_of(&input.id(), self.count) == self.index
    }

    /// The inputs of this shard, in their order.
    pub fn select(&self, inputs: &[RepoInput]) -> Vec<RepoInput> {
        inputs.iter().filter(|i| self.holds(i)).cloned().collect()
    }
}

/// The 1-based shard of `count` that the repository `id` belongs to.
pub fn shard_of(id: &str, count: u32) -> u32 {
    let h = blake3::hash(id.as_bytes());
    let n = u64::from_le_bytes(h.as_bytes()[..8].try_into().unwrap_or([0; 8]));
    (n % u64::from(count.max(1))) as u32 + 1
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repos_lines_and_their_errors() {
        let f = Path::new("/x/repos.txt");
        let r = parse_repos(f, "# c\n\nhttps://h/a.git main\n/abs/b\n").unwrap();
        assert_eq!(r[0].branch.as_deref(), Some("main"));
        assert_eq!(r[1].url, "file:///abs/b");
        let e = parse_repos(f, "https://h/a a b\n").unwrap_err();
        assert!(e.to_string().contains("repos.txt:1"), "{e}");
        assert!(parse_repos(f, "nonsense\n").is_err());
        assert!(parse_repos(f, "https://h/a ..bad\n").is_err());
        assert!(parse_repos(f, "https://h/a\nhttps://h/a\n").is_err());
    }

    #[test]
    fn shards_partition_the_inputs() {
        let inputs: Vec<RepoInput> = (0..200)
            .map(|i| RepoInput {
                url: format!("https://h/r{i}"),
                branch: None,
            })
            .collect();
        for n in 1..6 {
            let mut all: Vec<RepoInput> = (1..=n)
                .flat_map(|i| Shard { index: i, count: n }.select(&inputs))
                .collect();
            all.sort();
            let mut want = inputs.clone();
            want.sort();
            assert_eq!(all, want, "{n} shards");
        }
        assert!(Shard::parse("3/2").is_err());
        assert!(Shard::parse("0/2").is_err());
        assert!(Shard::parse("x").is_err());
        assert_eq!(Shard::parse("2/3").unwrap(), Shard { index: 2, count: 3 });
    }

    #[test]
    fn source_locations() {
        let r = source_location("url:https://github.com/o/r/tree/dev/").unwrap();
        assert_eq!(r.url, "https://github.com/o/r");
        assert_eq!(r.branch.as_deref(), Some("dev"));
        assert!(source_location("file:./x").is_none());
    }
}
