//! The catalog entity a Template creates (`catalog-info.yaml`): validated with the
//! catalog model's rules for `catalog:register`, and annotated with the template
//! version ([`super::VERSION_ANNOTATION`]) so the project says what made it.

use serde_json::Value;

use crate::backstage::VERSION_ANNOTATION;
use crate::backstage::params::ENTITY_NAME_PATTERN;

/// The `spec` fields the catalog model requires, per kind.
fn required_spec(kind: &str) -> &'static [&'static str] {
    match kind.to_ascii_lowercase().as_str() {
        "component" => &["type", "lifecycle", "owner"],
        "api" => &["type", "lifecycle", "owner", "definition"],
        "resource" => &["type", "owner"],
        "system" | "domain" => &["owner"],
        "group" => &["type", "children"],
        _ => &[],
    }
}

fn matches(pattern: &str, s: &str) -> bool {
    // The patterns here are fixed and valid; jsonschema's own regex engine checks them
    // the same way the parameters are checked.
    jsonschema::validator_for(&serde_json::json!({"type": "string", "pattern": pattern}))
        .map(|v| v.is_valid(&Value::String(s.to_string())))
        .unwrap_or(false)
}

/// Validate the first entity of a catalog file; its entity ref
/// (`kind:namespace/name`, kind and namespace lowercased) or what is wrong.
pub fn validate(text: &str) -> Result<String, String> {
    let doc = serde_yaml::Deserializer::from_str(text)
        .next()
        .ok_or_else(|| "is empty".to_string())?;
    let v: Value = serde::Deserialize::deserialize(doc).map_err(|e| format!("is not YAML: {e}"))?;
    let mut problems = Vec::new();
    let text_of = |p: &str| v.pointer(p).and_then(Value::as_str);
    let api = text_of("/apiVersion");
    if !api.is_some_and(|a| a.contains('/')) {
        problems
            .push("`apiVersion` must be a group/version such as backstage.io/v1alpha1".to_string());
    }
    let kind = text_of("/kind").unwrap_or_default();
    if kind.is_empty() {
        problems.push("`kind` is missing".into());
    }
    let name = text_of("/metadata/name").unwrap_or_default();
    if !matches(ENTITY_NAME_PATTERN, name) {
        problems.push(format!(
            "`metadata.name` `{name}` is no entity name (1 to 63 of [a-zA-Z0-9-_.], letters or digits at both ends)"
        ));
    }
    let namespace = text_of("/metadata/namespace").unwrap_or("default");
    if !matches(r"^[a-z0-9]+(-[a-z0-9]+)*$", namespace) || namespace.len() > 63 {
        problems.push(format!(
            "`metadata.namespace` `{namespace}` is no DNS label"
        ));
    }
    if let Some(a) = v.pointer("/metadata/annotations") {
        match a.as_object() {
            Some(m) => {
                for (k, x) in m {
                    if !x.is_string() {
                        problems.push(format!("annotation `{k}` must be a string (quote it)"));
                    }
                }
            }
            None => problems.push("`metadata.annotations` must be a map of strings".into()),
        }
    }
    for tag in v
        .pointer("/metadata/tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let t = tag.as_str().unwrap_or_default();
        if !matches(r"^[a-z0-9:+#]+(-[a-z0-9:+#]+)*$", t) || t.len() > 63 {
            problems.push(format!(
                "tag `{t}` must be lowercase letters, digits, `:+#`, joined by `-`"
            ));
        }
    }
    for field in required_spec(kind) {
        if v.pointer(&format!("/spec/{field}"))
            .is_none_or(Value::is_null)
        {
            problems.push(format!("a {kind} needs `spec.{field}`"));
        }
    }
    if !problems.is_empty() {
        return Err(format!(
            "is not a valid catalog entity: {}",
            problems.join("; ")
        ));
    }
    Ok(format!(
        "{}:{}/{name}",
        kind.to_lowercase(),
        namespace.to_lowercase()
    ))
}

/// The `backstage.io/template-version` annotation of the first entity in `text`
/// (a catalog-info file), if it has one.
pub fn template_version(text: &str) -> Option<String> {
    let first = serde_yaml::Deserializer::from_str(text).next()?;
    let v: Value = serde::Deserialize::deserialize(first).ok()?;
    match v
        .pointer("/metadata/annotations")?
        .get(VERSION_ANNOTATION)?
    {
        Value::String(s) => Some(s.clone()),
        other @ Value::Number(_) => Some(other.to_string()),
        _ => None,
    }
}

/// `text` with `metadata.annotations."backstage.io/template-version": VERSION` added
/// (inserted as a line, so the file's layout and comments stay), or `None` when it is
/// already there, or the file is no entity the insertion can be proven right for.
pub fn annotate(text: &str, version: &str) -> Option<String> {
    let first = serde_yaml::Deserializer::from_str(text).next()?;
    let v: Value = serde::Deserialize::deserialize(first).ok()?;
    v.pointer("/metadata")?.as_object()?;
    if v.pointer("/metadata/annotations")
        .and_then(|a| a.get(VERSION_ANNOTATION))
        .is_some()
    {
        return None;
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let meta = lines.iter().position(|l| l.trim_end() == "metadata:")?;
    let child_indent = lines[meta + 1..]
        .iter()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.len() - l.trim_start().len())
        .filter(|&n| n > 0)
        .unwrap_or(2);
    let pad = " ".repeat(child_indent);
    let line = format!("{VERSION_ANNOTATION}: \"{version}\"\n");
    let nl = if text.ends_with('\n') || lines.len() > meta + 1 {
        ""
    } else {
        "\n"
    };
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let annotations = out
        .iter()
        .enumerate()
        .skip(meta + 1)
        .take_while(|(_, l)| {
            l.trim().is_empty() || l.starts_with(&pad) || l.trim_start().starts_with('#')
        })
        .find(|(_, l)| l.trim_end() == format!("{pad}annotations:"))
        .map(|(i, _)| i);
    match annotations {
        Some(i) => {
            let inner = out[i + 1..]
                .iter()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .filter(|&n| n > child_indent)
                .unwrap_or(child_indent * 2);
            out.insert(i + 1, format!("{}{line}", " ".repeat(inner)));
        }
        None => {
            if !out[meta].ends_with('\n') {
                out[meta].push('\n');
            }
            out.insert(meta + 1, format!("{pad}annotations:\n{pad}{pad}{line}"));
        }
    }
    let result = format!("{}{nl}", out.concat());
    // Proven right only if the YAML now says exactly that.
    let check = serde_yaml::Deserializer::from_str(&result).next()?;
    let back: Value = serde::Deserialize::deserialize(check).ok()?;
    (back
        .pointer("/metadata/annotations")?
        .get(VERSION_ANNOTATION)?
        == version)
        .then_some(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTITY: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\n  # owned by the team\n  annotations:\n    github.com/project-slug: acme/payments\nspec:\n  type: service\n  lifecycle: experimental\n  owner: group:team-a\n";

    #[test]
    fn a_valid_entity_gives_its_ref_and_an_invalid_one_every_problem() {
        assert_eq!(validate(ENTITY).unwrap(), "component:default/payments");
        let bad = "apiVersion: x\nkind: Component\nmetadata:\n  name: -bad-\n  tags: [Not_ok]\nspec:\n  type: service\n";
        let e = validate(bad).unwrap_err();
        for part in [
            "apiVersion",
            "metadata.name",
            "tag `Not_ok`",
            "spec.lifecycle",
            "spec.owner",
        ] {
            assert!(e.contains(part), "{part} in {e}");
        }
    }

    #[test]
    fn the_version_annotation_is_inserted_keeping_the_layout() {
        let out = annotate(ENTITY, "1.2.0").unwrap();
        assert!(
            out.contains(
                "    backstage.io/template-version: \"1.2.0\"\n    github.com/project-slug"
            ),
            "{out}"
        );
        assert!(out.contains("# owned by the team"));
        assert_eq!(annotate(&out, "1.2.0"), None);
        let plain =
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\nspec: {}\n";
        let out = annotate(plain, "2.0.0").unwrap();
        assert!(out.contains("metadata:\n  annotations:\n    backstage.io/template-version: \"2.0.0\"\n  name: a\n"), "{out}");
        assert_eq!(annotate("just: text\n", "1"), None);
    }
}
