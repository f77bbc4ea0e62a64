//! Source specs: `URL[//SUBPATH][?ref=REF]` parsed into a [`GitSource`].

use std::fmt;
use std::path::{Component, Path, PathBuf};

use super::*;

/// A parsed git source in go-getter/Terraform form: `URL[//SUBPATH][?ref=REF]`.
///
/// `url` is what is handed to libgit2: an `https://`, `http://`, `ssh://`, `git://` or
/// `file://` URL, or scp-like `user@host:path`. Local `git+PATH` sources are turned
/// into absolute `file://` URLs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct GitSource {
    /// Repository URL, without subpath and query.
    pub url: String,
    /// Directory or file inside the repository, `/`-separated, relative, normalised.
    pub subpath: Option<String>,
    /// Tag, branch or commit to use; `None` means the latest semver tag.
    pub reference: Option<String>,
}

impl GitSource {
    /// Parses a git source spec.
    ///
    /// Accepts `https://host/org/repo(.git)`, `ssh://[user@]host[:port]/org/repo`,
    /// `git@host:org/repo(.git)`, `file:///abs/path` and `git+PATH` (a local repository
    /// path, relative to the current directory or absolute, turned into a `file://`
    /// URL; `git+https://…` and the like are accepted too). `http://` and `git://` URLs
    /// are accepted as well.
    ///
    /// The subpath follows a `//` after the repository part (the `//` of `https://`
    /// is not one). `?ref=REF` may follow the URL or the subpath (`URL?ref=REF//SUB`
    /// is accepted too). Empty refs, `..` or absolute subpaths and unknown query keys
    /// are rejected with [`GitError::InvalidSpec`].
    pub fn parse(s: &str) -> Result<GitSource, GitError> {
        let err = |reason: String| GitError::InvalidSpec {
            input: s.to_string(),
            reason,
        };
        let input = s.trim();
        if input.is_empty() {
            return Err(err("the source is empty".into()));
        }
        let expanded = expand_shorthand(input).map_err(err)?;
        let input = expanded.as_deref().unwrap_or(input);

        // Split off the query (and a subpath written after it).
        let (head, query, sub_after_query) = match input.split_once('?') {
            None => (input, None, None),
            Some((head, tail)) => match tail.split_once("//") {
                Some((q, sub)) => (head, Some(q), Some(sub)),
                None => (head, Some(tail), None),
            },
        };
        let reference = match query {
            None => None,
            Some(q) => Some(parse_query(q).map_err(err)?),
        };

        let (url, sub_in_head) = split_repo(head).map_err(err)?;
        let subpath = match (sub_in_head, sub_after_query) {
            (Some(_), Some(_)) => {
                return Err(err(
                    "the subpath is given twice (before and after ?ref=)".into()
                ));
            }
            (Some(sub), None) | (None, Some(sub)) => Some(normalize_subpath(sub).map_err(err)?),
            (None, None) => None,
        };
        Ok(GitSource {
            url,
            subpath,
            reference,
        })
    }

    /// True if the string looks like a git source (one of the forms accepted by
    /// [`GitSource::parse`]), false for plain local paths and names.
    ///
    /// A string can look like a git source and still fail to parse; callers should
    /// then report the parse error.
    pub fn looks_like_git(s: &str) -> bool {
        let s = s.trim();
        if s.starts_with("git+") || shorthand_host(s).is_some() {
            return true;
        }
        match scheme_of(s) {
            Some((scheme, _)) => is_git_scheme(&scheme),
            None => is_scp_like(s),
        }
    }

    /// Canonical display form `URL[//SUBPATH][?ref=REF]`; it parses back to `self`.
    pub fn to_string_spec(&self) -> String {
        let mut out = self.url.clone();
        if let Some(sub) = &self.subpath {
            out.push_str("//");
            out.push_str(sub);
        }
        if let Some(r) = &self.reference {
            out.push_str("?ref=");
            out.push_str(r);
        }
        out
    }
}

impl fmt::Display for GitSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_spec())
    }
}

impl std::str::FromStr for GitSource {
    type Err = GitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GitSource::parse(s)
    }
}

/// The hosting shorthands, as cargo-generate and cookiecutter spell them: `gh:ORG/REPO`
/// is `https://github.com/ORG/REPO.git`, `gl:GROUP/REPO` (subgroups allowed)
/// `https://gitlab.com/GROUP/REPO.git`. `//SUBPATH` and `?ref=REF` follow as in any
/// other git source.
pub const SHORTHANDS: &[(&str, &str)] = &[("gh:", "github.com"), ("gl:", "gitlab.com")];

/// The URL a shorthand `name` stands for, `{}` where the repository goes: the
/// built-in `gh` and `gl` ([`SHORTHANDS`]), else one of `user`'s (the user
/// configuration's `shorthands`). The one table of shorthands both sources and trusted
/// patterns are read by.
pub fn shorthand_template(
    name: &str,
    user: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    SHORTHANDS
        .iter()
        .find(|(prefix, _)| prefix.strip_suffix(':') == Some(name))
        .map(|(_, host)| format!("https://{host}/{{}}.git"))
        .or_else(|| user.get(name).cloned())
}

/// `NAME:REPO//SUB?ref=R` written out with one of `user`'s shorthands (`{}` of its URL
/// is `REPO`); `None` when `s` does not start with one of them. The built-in `gh:` and
/// `gl:` are expanded (and checked) by [`GitSource::parse`].
pub fn expand_user_shorthand(
    s: &str,
    user: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    let (name, rest) = s.split_once(':')?;
    if SHORTHANDS
        .iter()
        .any(|(p, _)| p.strip_suffix(':') == Some(name))
    {
        return None;
    }
    let template = user.get(name)?;
    let (repo, tail) = split_shorthand(rest);
    Some(format!("{}{tail}", template.replace("{}", repo)))
}

/// What follows a shorthand's `NAME:` as the repository (without `.git`) and the tail
/// (`//SUBPATH`, `?ref=`) that follows it.
fn split_shorthand(rest: &str) -> (&str, &str) {
    let end = [rest.find("//"), rest.find('?')]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    let (repo, tail) = rest.split_at(end);
    (repo.strip_suffix(".git").unwrap_or(repo), tail)
}

/// The shorthand `s` starts with and its host.
fn shorthand_host(s: &str) -> Option<(&'static str, &'static str)> {
    SHORTHANDS
        .iter()
        .find(|(prefix, _)| s.starts_with(prefix))
        .copied()
}

/// `gh:org/repo//sub?ref=v1` as `https://github.com/org/repo.git//sub?ref=v1`; `None`
/// when `s` is not a shorthand.
fn expand_shorthand(s: &str) -> Result<Option<String>, String> {
    let Some((prefix, host)) = shorthand_host(s) else {
        return Ok(None);
    };
    let (repo, tail) = split_shorthand(&s[prefix.len()..]);
    let segments: Vec<&str> = repo.split('/').collect();
    let valid = segments.len() >= 2
        && (prefix == "gl:" || segments.len() == 2)
        && segments.iter().all(|seg| {
            !seg.is_empty()
                && *seg != "."
                && *seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        });
    if !valid {
        let shape = if prefix == "gl:" {
            "GROUP/REPO (subgroups allowed)"
        } else {
            "ORG/REPO"
        };
        return Err(format!(
            "`{prefix}` must be followed by {shape}, e.g. `{prefix}acme/golden-paths//go-microservice?ref=v1.2.0`"
        ));
    }
    Ok(Some(format!("https://{host}/{repo}.git{tail}")))
}

fn is_git_scheme(scheme: &str) -> bool {
    matches!(scheme, "https" | "http" | "ssh" | "git" | "file")
}

/// Returns the lower-cased scheme and the rest after `://`, if `s` starts with one.
fn scheme_of(s: &str) -> Option<(String, &str)> {
    let (scheme, rest) = s.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), rest))
}

/// `user@host:path` with a non-empty user and host and no `/` before the colon.
fn is_scp_like(s: &str) -> bool {
    if s.contains("://") || s.chars().any(char::is_whitespace) {
        return false;
    }
    let Some((userhost, _path)) = s.split_once(':') else {
        return false;
    };
    let Some((user, host)) = userhost.split_once('@') else {
        return false;
    };
    !user.is_empty() && !host.is_empty() && !userhost.contains('/') && !host.contains('@')
}

fn parse_query(q: &str) -> Result<String, String> {
    if q.is_empty() {
        return Err("nothing follows `?`; write ?ref=REF or drop the `?`".into());
    }
    let mut reference = None;
    for pair in q.split('&') {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!(
                "query parameter `{pair}` has no value; write ?ref=REF"
            ));
        };
        if key != "ref" {
            return Err(format!(
                "unknown query parameter `{key}`; only `ref` is supported"
            ));
        }
        if reference.is_some() {
            return Err("`ref` is given more than once".into());
        }
        if value.is_empty() {
            return Err(
                "the ref is empty; write ?ref=TAG, ?ref=BRANCH or ?ref=COMMIT, or drop \
                 `?ref=` to use the latest version"
                    .into(),
            );
        }
        if !git2::Reference::is_valid_name(&format!("refs/heads/{value}")) {
            return Err(format!("`{value}` is not a valid git ref name"));
        }
        reference = Some(value.to_string());
    }
    reference.ok_or_else(|| "missing ref".to_string())
}

/// Splits the part before the query into (libgit2 URL, raw subpath).
fn split_repo(head: &str) -> Result<(String, Option<&str>), String> {
    if let Some(rest) = head.strip_prefix("git+") {
        if rest.is_empty() {
            return Err("nothing follows `git+`; give a repository path or URL".into());
        }
        if let Some((scheme, _)) = scheme_of(rest) {
            if is_git_scheme(&scheme) {
                return split_repo(rest);
            }
            return Err(format!("unsupported URL scheme `{scheme}` after `git+`"));
        }
        if is_scp_like(rest) {
            return split_repo(rest);
        }
        let (path, sub) = split_subpath(rest, 0);
        if path.is_empty() {
            return Err("the repository path is empty".into());
        }
        return Ok((local_path_to_file_url(path)?, sub));
    }

    if let Some((scheme, rest)) = scheme_of(head) {
        if !is_git_scheme(&scheme) {
            return Err(format!(
                "unsupported URL scheme `{scheme}` (use https, http, ssh, git or file)"
            ));
        }
        let prefix_len = head.len() - rest.len();
        if scheme == "file" {
            let path_start = if rest.starts_with('/') {
                0
            } else if let Some(after) = rest.strip_prefix("localhost") {
                if !after.starts_with('/') {
                    return Err("a file URL needs an absolute path: file:///abs/path".into());
                }
                "localhost".len()
            } else {
                return Err("a file URL needs an absolute path: file:///abs/path".into());
            };
            // `file:////x` would start the path with `//`: no repository path.
            let (path, sub) = split_subpath(&rest[path_start..], 0);
            if path.trim_end_matches('/').is_empty() {
                return Err("the repository path is empty".into());
            }
            let url = &head[..prefix_len + path_start + path.len()];
            return Ok((url.trim_end_matches('/').to_string(), sub));
        }
        let Some(slash) = rest.find('/') else {
            return Err("the URL has no repository path (like /org/repo)".into());
        };
        let authority = &rest[..slash];
        if authority.is_empty() || authority.ends_with('@') || authority.ends_with(':') {
            return Err("the URL has no host".into());
        }
        let (path, sub) = split_subpath(&rest[slash..], 0);
        let path = path.trim_end_matches('/');
        if path.is_empty() {
            return Err("the URL has no repository path (like /org/repo)".into());
        }
        let url = format!("{}{}{}", &head[..prefix_len], authority, path);
        return Ok((url, sub));
    }

    if is_scp_like(head) {
        let colon = head.find(':').expect("scp-like has a colon");
        let (path, sub) = split_subpath(&head[colon + 1..], 0);
        let path = path.trim_end_matches('/');
        if path.is_empty() {
            return Err("the repository path after `:` is empty (like git@host:org/repo)".into());
        }
        return Ok((format!("{}{}", &head[..=colon], path), sub));
    }

    Err(
        "not a git source: use an https://, ssh://, file:// URL, user@host:path, or git+PATH \
         for a local repository"
            .into(),
    )
}

/// Splits `path` at the first `//` at or after `from`.
fn split_subpath(path: &str, from: usize) -> (&str, Option<&str>) {
    match path[from..].find("//") {
        Some(i) => (&path[..from + i], Some(&path[from + i + 2..])),
        None => (path, None),
    }
}

/// Normalises a subpath: drops `.` components and trailing slashes; rejects empty,
/// absolute and `..`-containing paths.
pub(super) fn normalize_subpath(sub: &str) -> Result<String, String> {
    if sub.starts_with('/') || sub.starts_with('\\') {
        return Err(format!(
            "the subpath `{sub}` is absolute; it must be relative to the repository root"
        ));
    }
    let mut parts = Vec::new();
    for part in sub.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(format!(
                    "the subpath `{sub}` contains `..`; it must stay inside the repository"
                ));
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err(
            "the subpath after `//` is empty; drop the `//` to use the repository root".into(),
        );
    }
    Ok(parts.join("/"))
}

/// Turns a local path (relative to the current directory or absolute) into a
/// percent-encoded `file://` URL that libgit2 decodes back to the path.
fn local_path_to_file_url(path: &str) -> Result<String, String> {
    let p = Path::new(path);
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| format!("cannot determine the current directory: {e}"))?
            .join(p)
    };
    let abs = match std::fs::canonicalize(&abs) {
        Ok(c) => c,
        Err(_) => lexical_normalize(&abs),
    };
    let Some(s) = abs.to_str() else {
        return Err(format!("the path {} is not valid UTF-8", abs.display()));
    };
    let s = s.replace('\\', "/");
    let mut url = String::from("file://");
    if !s.starts_with('/') {
        url.push('/');
    }
    for c in s.chars() {
        match c {
            '%' => url.push_str("%25"),
            '?' => url.push_str("%3F"),
            '#' => url.push_str("%23"),
            ' ' => url.push_str("%20"),
            c => url.push(c),
        }
    }
    while url.len() > "file:///".len() && url.ends_with('/') {
        url.pop();
    }
    Ok(url)
}

fn lexical_normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c.as_os_str()),
        }
    }
    out
}
