//! `spec.parameters` of a Backstage Template (one JSON Schema object or an array of
//! form pages) merged into the one JSON Schema that scaffold's
//! [`Parameters`](crate::Parameters) validates and asks from.
//!
//! Every page's `properties` and `required` are united (page order kept); the rest of
//! each page (`dependencies`, `oneOf`, `anyOf`, `allOf`, `if`/`then`/`else`) goes into
//! one `allOf` entry per page, so a condition holds exactly as the form applies it.
//! Draft-07 `dependencies` (which the form's validator reads) becomes draft 2020-12's
//! `dependentRequired`/`dependentSchemas`. Properties that only a condition brings in
//! are asked too (as optional questions). The `ui:*` keys never change validation;
//! they guide questions: `ui:widget: password` (and `ui:field: Secret`) marks a
//! secret, `ui:field: RepoUrlPicker` gets the `host?owner=o&repo=r` pattern,
//! `EntityNamePicker` the entity-name pattern, and each question records its page's
//! title as `x-page`.

use serde_json::{Map, Value, json};

use crate::error::DefinitionProblem;
use crate::golden_path::definition::YamlPositions;

/// The pattern a RepoUrlPicker value must match.
pub const REPO_URL_PATTERN: &str = r"^[A-Za-z0-9.-]+(:[0-9]+)?\?([a-z]+=[^&=]*)(&[a-z]+=[^&=]*)*$";
/// The pattern of an entity name (Backstage's catalog model: 1-63 characters,
/// `[a-zA-Z0-9]` at both ends, `-_.` inside).
pub const ENTITY_NAME_PATTERN: &str = r"^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$";

/// The merged schema, or every problem with the pages (each at its YAML position).
pub fn merge(
    parameters: Option<&Value>,
    file: &str,
    positions: &YamlPositions,
) -> Result<Value, Vec<DefinitionProblem>> {
    let pages: Vec<(String, &Value)> = match parameters {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(pages)) => pages
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("/spec/parameters/{i}"), p))
            .collect(),
        Some(one @ Value::Object(_)) => vec![("/spec/parameters".to_string(), one)],
        Some(_) => {
            return Err(vec![DefinitionProblem {
                location: positions.locate(file, "/spec/parameters"),
                message: "spec.parameters must be a JSON Schema object or an array of form pages"
                    .into(),
            }]);
        }
    };
    let mut merged = Merged {
        file,
        positions,
        problems: Vec::new(),
        properties: Map::new(),
        required: Vec::new(),
        all_of: Vec::new(),
    };
    for (pointer, page) in pages {
        merged.page(&pointer, page);
    }
    let Merged {
        problems,
        properties,
        required,
        all_of,
        ..
    } = merged;
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    if !all_of.is_empty() {
        schema["allOf"] = Value::Array(all_of);
    }
    Ok(schema)
}

/// The pages of [`merge`] merged so far.
struct Merged<'a> {
    file: &'a str,
    positions: &'a YamlPositions,
    problems: Vec<DefinitionProblem>,
    properties: Map<String, Value>,
    required: Vec<Value>,
    all_of: Vec<Value>,
}

impl Merged<'_> {
    fn problem(&mut self, pointer: &str, message: String) {
        self.problems.push(DefinitionProblem {
            location: self.positions.locate(self.file, pointer),
            message,
        });
    }

    /// One form page at `pointer`: its properties, required names and conditions.
    fn page(&mut self, pointer: &str, page: &Value) {
        let Some(page) = page.as_object() else {
            self.problem(
                pointer,
                "a parameters page must be an object (a JSON Schema with `title` and `properties`)"
                    .into(),
            );
            return;
        };
        let title = page.get("title").and_then(Value::as_str);
        match page.get("properties") {
            None => {}
            Some(Value::Object(props)) => self.properties(pointer, props, title),
            Some(_) => self.problem(
                &format!("{pointer}/properties"),
                "`properties` must be an object of parameter schemas".into(),
            ),
        }
        match page.get("required") {
            None => {}
            Some(Value::Array(r)) if r.iter().all(Value::is_string) => {
                for name in r {
                    if !self.required.contains(name) {
                        self.required.push(name.clone());
                    }
                }
            }
            Some(_) => self.problem(
                &format!("{pointer}/required"),
                "`required` must be a list of parameter names".into(),
            ),
        }
        let rest: Map<String, Value> = page
            .iter()
            .filter(|(k, _)| CONDITIONS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !rest.is_empty() {
            let mut rest = Value::Object(rest);
            hoist(&rest, &mut self.properties, title);
            convert_dependencies(&mut rest);
            self.all_of.push(rest);
        }
    }

    fn properties(&mut self, pointer: &str, props: &Map<String, Value>, title: Option<&str>) {
        for (name, schema) in props {
            let at = format!("{pointer}/properties/{name}");
            if !schema.is_object() {
                self.problem(
                    &at,
                    format!("parameter `{name}` must be a JSON Schema object"),
                );
            } else if self.properties.contains_key(name) {
                self.problem(
                    &at,
                    format!("parameter `{name}` is declared on two pages; give one another name"),
                );
            } else {
                self.properties
                    .insert(name.clone(), question_schema(schema, title));
            }
        }
    }
}

const CONDITIONS: &[&str] = &[
    "dependencies",
    "oneOf",
    "anyOf",
    "allOf",
    "if",
    "then",
    "else",
];

/// A property's schema as scaffold asks it: `ui:*` read into scaffold's keys.
fn question_schema(schema: &Value, page: Option<&str>) -> Value {
    let mut s = schema.clone();
    let field = s
        .get("ui:field")
        .and_then(Value::as_str)
        .map(str::to_string);
    let widget = s
        .get("ui:widget")
        .and_then(Value::as_str)
        .map(str::to_string);
    let Some(obj) = s.as_object_mut() else {
        return s;
    };
    if widget.as_deref() == Some("password") || field.as_deref() == Some("Secret") {
        obj.insert("x-secret".into(), Value::Bool(true));
    }
    match field.as_deref() {
        Some("RepoUrlPicker") => {
            obj.entry("type").or_insert(json!("string"));
            obj.entry("pattern").or_insert(json!(REPO_URL_PATTERN));
            obj.entry("x-pattern-hint").or_insert(json!(
                "a repository as host?owner=OWNER&repo=REPO, e.g. github.com?owner=acme&repo=payments"
            ));
        }
        Some("EntityNamePicker") => {
            obj.entry("type").or_insert(json!("string"));
            obj.entry("pattern").or_insert(json!(ENTITY_NAME_PATTERN));
            obj.entry("x-pattern-hint").or_insert(json!(
                "1 to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit"
            ));
        }
        Some("OwnerPicker" | "EntityPicker" | "OwnedEntityPicker" | "MyGroupsPicker") => {
            obj.entry("type").or_insert(json!("string"));
        }
        _ => {}
    }
    if let Some(p) = page {
        obj.insert("x-page".into(), json!(p));
    }
    s
}

/// Properties that only conditions bring in (e.g. the fields of a `dependencies`
/// branch) become optional top-level questions; discriminators (`const`, single
/// `enum`) are left to the conditions.
fn hoist(v: &Value, properties: &mut Map<String, Value>, page: Option<&str>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(props)) = m.get("properties") {
                for (name, schema) in props {
                    let discriminator = schema.get("const").is_some()
                        || schema
                            .get("enum")
                            .and_then(Value::as_array)
                            .is_some_and(|e| e.len() == 1);
                    if !properties.contains_key(name) && !discriminator && schema.is_object() {
                        properties.insert(name.clone(), question_schema(schema, page));
                    }
                }
            }
            for (k, x) in m {
                if k != "properties" {
                    hoist(x, properties, page);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| hoist(x, properties, page)),
        _ => {}
    }
}

/// Draft-07 `dependencies` as 2020-12's `dependentRequired` (lists) and
/// `dependentSchemas` (schemas), at any depth.
fn convert_dependencies(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(deps)) = m.remove("dependencies") {
                let (mut req, mut schemas) = (Map::new(), Map::new());
                for (k, d) in deps {
                    if d.is_array() {
                        req.insert(k, d);
                    } else {
                        schemas.insert(k, d);
                    }
                }
                if !req.is_empty() {
                    m.insert("dependentRequired".into(), Value::Object(req));
                }
                if !schemas.is_empty() {
                    m.insert("dependentSchemas".into(), Value::Object(schemas));
                }
            }
            m.values_mut().for_each(convert_dependencies);
        }
        Value::Array(items) => items.iter_mut().for_each(convert_dependencies),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(yaml: &str) -> Result<Value, Vec<DefinitionProblem>> {
        let v: Value = serde_yaml::from_str(yaml).unwrap();
        merge(
            v.pointer("/spec/parameters"),
            "t.yaml",
            &YamlPositions::of(yaml),
        )
    }

    #[test]
    fn pages_merge_into_one_schema_that_validates_as_the_form() {
        let s = merged(
            r#"
spec:
  parameters:
    - title: One
      required: [name]
      properties:
        name: {type: string, "ui:field": EntityNamePicker}
        token: {type: string, "ui:widget": password}
    - title: Two
      properties:
        db: {type: string, enum: [none, postgres]}
      dependencies:
        db:
          oneOf:
            - properties: {db: {const: none}}
            - properties: {db: {const: postgres}, size: {type: integer}}
              required: [size]
"#,
        )
        .unwrap();
        assert_eq!(s["required"], json!(["name"]));
        assert_eq!(s["properties"]["name"]["x-page"], "One");
        assert_eq!(s["properties"]["token"]["x-secret"], true);
        assert_eq!(s["properties"]["name"]["pattern"], ENTITY_NAME_PATTERN);
        assert!(s["properties"]["size"].is_object(), "hoisted: {s}");
        let p = crate::Parameters::new("t", &s).unwrap();
        let ok = json!({"name": "svc", "db": "postgres", "size": 2});
        assert!(p.validate(ok.as_object().unwrap()).is_ok());
        let missing_size = json!({"name": "svc", "db": "postgres"});
        assert!(p.validate(missing_size.as_object().unwrap()).is_err());
        let bad_name = json!({"name": "-svc-", "db": "none"});
        assert!(p.validate(bad_name.as_object().unwrap()).is_err());
    }

    #[test]
    fn an_invalid_page_is_a_problem_at_its_line() {
        let e = merged("spec:\n  parameters:\n    - title: ok\n    - 42\n").unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].location.line, 4, "{:?}", e[0]);
        let e = merged("spec:\n  parameters:\n    - properties: [a]\n").unwrap_err();
        assert!(e[0].message.contains("properties"));
    }
}
