//! The template filters Backstage's scaffolder ships (`parseRepoUrl`,
//! `parseEntityRef`, `pick`, `projectSlug`) and the Nunjucks built-ins templates use
//! that Tera lacks or names differently (`dump`, `urlencode`, `list`, `jsonify` for
//! cookiecutter templates). The others (`lower`, `upper`, `replace`, `default`,
//! `join`, `trim`, `length`, `first`, `last`, `capitalize`, `title`, `truncate`,
//! `reverse`, `sort`, `int`, `float`, `abs`, `round`, `split`, `indent`, `safe`) are
//! Tera's own, reached with the argument names [`super::expr`] gives them.

use serde_json::{Map, Value};

/// Register the filters on `tera`.
pub(crate) fn register(tera: &mut tera::Tera) {
    tera.register_filter("parseRepoUrl", parse_repo_url_filter);
    tera.register_filter("parseEntityRef", parse_entity_ref_filter);
    tera.register_filter("pick", pick);
    tera.register_filter("projectSlug", project_slug);
    tera.register_filter("dump", dump);
    tera.register_filter("jsonify", dump);
    tera.register_filter("urlencode", urlencode);
    tera.register_filter("list", list);
}

fn to_json(v: &tera::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn to_tera(v: &Value) -> tera::Value {
    tera::Value::from_serializable(v)
}

/// A repository URL as the RepoUrlPicker writes it: `host?owner=o&repo=r` (also
/// `organization`, `workspace`, `project`), parsed into its parts.
pub fn parse_repo_url(url: &str) -> Result<Map<String, Value>, String> {
    let (host, query) = url.split_once('?').ok_or_else(|| {
        format!("`{url}` is no repository URL: expected `host?owner=OWNER&repo=REPO`")
    })?;
    if host.is_empty() || host.contains('/') {
        return Err(format!(
            "`{url}` is no repository URL: the host `{host}` must be a bare host name such as github.com"
        ));
    }
    let mut out = Map::new();
    out.insert("host".into(), Value::String(host.to_string()));
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if !matches!(
            k,
            "owner" | "repo" | "organization" | "workspace" | "project"
        ) {
            return Err(format!(
                "`{url}`: unknown part `{k}` (a repository URL has owner, repo, organization, workspace, project)"
            ));
        }
        out.insert(k.to_string(), Value::String(v.to_string()));
    }
    match out.get("repo").and_then(Value::as_str) {
        Some(r) if !r.is_empty() => {}
        _ => return Err(format!("`{url}` names no repository: add `&repo=NAME`")),
    }
    if host.contains("github")
        && out
            .get("owner")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        return Err(format!("`{url}` names no owner: add `owner=OWNER`"));
    }
    Ok(out)
}

fn parse_repo_url_filter(
    v: &str,
    _: tera::Kwargs,
    _: &tera::State,
) -> tera::TeraResult<tera::Value> {
    parse_repo_url(v)
        .map(|m| to_tera(&Value::Object(m)))
        .map_err(|e| tera::Error::message(format!("parseRepoUrl: {e}")))
}

/// An entity reference `[kind:][namespace/]name` with the defaults Backstage uses
/// (`defaultKind`, `defaultNamespace`, else `default`).
pub fn parse_entity_ref(
    reference: &str,
    default_kind: Option<&str>,
    default_namespace: Option<&str>,
) -> Result<Map<String, Value>, String> {
    let (kind, rest) = match reference.split_once(':') {
        Some((k, r)) => (Some(k), r),
        None => (default_kind, reference),
    };
    let (namespace, name) = match rest.split_once('/') {
        Some((n, r)) => (n, r),
        None => (default_namespace.unwrap_or("default"), rest),
    };
    let kind = kind.filter(|k| !k.is_empty()).ok_or_else(|| {
        format!("entity reference `{reference}` has no kind: write `kind:{reference}` or give defaultKind")
    })?;
    if name.is_empty() || namespace.is_empty() {
        return Err(format!(
            "`{reference}` is no entity reference: expected `kind:namespace/name`"
        ));
    }
    let mut out = Map::new();
    out.insert("kind".into(), Value::String(kind.to_string()));
    out.insert("namespace".into(), Value::String(namespace.to_string()));
    out.insert("name".into(), Value::String(name.to_string()));
    Ok(out)
}

fn parse_entity_ref_filter(
    v: &str,
    kwargs: tera::Kwargs,
    _: &tera::State,
) -> tera::TeraResult<tera::Value> {
    let context = kwargs
        .get::<tera::Value>("context")?
        .map(|c| to_json(&c))
        .unwrap_or(Value::Null);
    let kind = context
        .get("defaultKind")
        .and_then(Value::as_str)
        .map(str::to_string);
    let namespace = context
        .get("defaultNamespace")
        .and_then(Value::as_str)
        .map(str::to_string);
    parse_entity_ref(v, kind.as_deref(), namespace.as_deref())
        .map(|m| to_tera(&Value::Object(m)))
        .map_err(|e| tera::Error::message(format!("parseEntityRef: {e}")))
}

/// `obj | pick('a.b')`: the member at a dotted path (undefined when absent).
fn pick(v: tera::Value, kwargs: tera::Kwargs, _: &tera::State) -> tera::TeraResult<tera::Value> {
    let key = kwargs.must_get::<&str>("key")?;
    let mut cur = to_json(&v);
    for part in key.split('.') {
        match cur.get(part) {
            Some(next) => cur = next.clone(),
            None => return Ok(tera::Value::undefined()),
        }
    }
    Ok(to_tera(&cur))
}

/// `repoUrl | projectSlug`: `owner/repo` (or `organization/repo`, `workspace/repo`).
fn project_slug(v: &str, _: tera::Kwargs, _: &tera::State) -> tera::TeraResult<String> {
    let parts = parse_repo_url(v).map_err(|e| tera::Error::message(format!("projectSlug: {e}")))?;
    let get = |k: &str| {
        parts
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let owner = get("owner")
        .or_else(|| get("organization"))
        .or_else(|| get("workspace"))
        .unwrap_or_default();
    Ok(format!("{owner}/{}", get("repo").unwrap_or_default()))
}

/// `x | dump`: JSON text.
fn dump(v: tera::Value, _: tera::Kwargs, _: &tera::State) -> tera::TeraResult<String> {
    serde_json::to_string(&to_json(&v)).map_err(|e| tera::Error::message(format!("dump: {e}")))
}

/// `x | urlencode`: percent-encoding of everything but unreserved characters.
fn urlencode(v: &str, _: tera::Kwargs, _: &tera::State) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `x | list`: a string's characters, an array as it is, a map's keys.
fn list(v: tera::Value, _: tera::Kwargs, _: &tera::State) -> tera::Value {
    match to_json(&v) {
        Value::String(s) => to_tera(&Value::Array(
            s.chars().map(|c| Value::String(c.to_string())).collect(),
        )),
        Value::Object(m) => to_tera(&Value::Array(
            m.keys().cloned().map(Value::String).collect(),
        )),
        other => to_tera(&other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_urls_parse_and_bad_ones_say_why() {
        let m = parse_repo_url("github.com?owner=acme&repo=payments").unwrap();
        assert_eq!(m["host"], "github.com");
        assert_eq!(m["owner"], "acme");
        assert_eq!(m["repo"], "payments");
        assert!(
            parse_repo_url("github.com/acme/payments")
                .unwrap_err()
                .contains("host?owner")
        );
        assert!(
            parse_repo_url("github.com?owner=acme")
                .unwrap_err()
                .contains("repo=")
        );
        assert!(
            parse_repo_url("github.com?repo=x")
                .unwrap_err()
                .contains("owner")
        );
    }

    #[test]
    fn entity_refs_take_the_defaults() {
        let m = parse_entity_ref("group:team-a", None, None).unwrap();
        assert_eq!(
            (
                m["kind"].as_str(),
                m["namespace"].as_str(),
                m["name"].as_str()
            ),
            (Some("group"), Some("default"), Some("team-a"))
        );
        let m = parse_entity_ref("ops/team-b", Some("group"), None).unwrap();
        assert_eq!(
            (m["kind"].as_str(), m["namespace"].as_str()),
            (Some("group"), Some("ops"))
        );
        assert!(
            parse_entity_ref("team-c", None, None)
                .unwrap_err()
                .contains("no kind")
        );
    }

    #[test]
    fn every_filter_renders_in_tera() {
        let budget = crate::golden_path::limits::Budget::new(crate::Limits::DEFAULT);
        let tera = crate::backstage::expr::backstage_tera(&budget).unwrap();
        let ctx = tera::Context::from_serialize(&serde_json::json!({
            "u": "github.com?owner=acme&repo=pay", "o": {"a": {"b": 7}}, "r": "team-x", "s": "a b/c"
        }))
        .unwrap();
        let t = tera.clone();
        let out = t
            .render_str(
                "{{ u | parseRepoUrl | pick(key='repo') }} {{ u | projectSlug }} {{ o | pick(key='a.b') }} \
                 {{ r | parseEntityRef(context={'defaultKind': 'group'}) | pick(key='kind') }} {{ o | dump }} \
                 {{ s | urlencode }} {{ 'ab' | list | length }} {{ o | jsonify }}",
                &ctx,
                false,
            )
            .unwrap();
        assert_eq!(
            out,
            "pay acme/pay 7 group {\"a\":{\"b\":7}} a%20b%2Fc 2 {\"a\":{\"b\":7}}"
        );
    }
}
