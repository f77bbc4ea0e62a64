//! The published JSON Schemas of scaffold's own files (`docs/schema/`), embedded so
//! that `scaffold lint` checks a definition with exactly the schema editors use
//! (`# yaml-language-server: $schema=...`): the two can never disagree.
//!
//! [`definition_problems`] reports every place a definition's YAML breaks the schema,
//! each at its own key (`file:line:col`), where the serde parser stops at the first.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;

use crate::error::DefinitionProblem;
use crate::golden_path::definition::YamlPositions;

/// `docs/schema/golden-path.schema.json`: a golden-path definition.
pub const GOLDEN_PATH_SCHEMA: &str =
    include_str!("../../../../docs/schema/golden-path.schema.json");

/// `docs/schema/answers.schema.json`: a project's answers file (`.scaffold/NAME.yaml`).
pub const ANSWERS_SCHEMA: &str = include_str!("../../../../docs/schema/answers.schema.json");

/// Where editors find the golden-path schema: the header line of the built-in
/// definitions and of `scaffold init`'s (a path relative to `golden-paths/` there, this
/// URL elsewhere).
pub const GOLDEN_PATH_SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/acme/scaffold/main/docs/schema/golden-path.schema.json";

/// Where editors find the answers-file schema: the header line of every answers file
/// scaffold writes (`.scaffold/NAME.yaml`).
pub const ANSWERS_SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/acme/scaffold/main/docs/schema/answers.schema.json";

/// Where editors find the user-configuration schema (docs/config.md).
pub const CONFIG_SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/acme/scaffold/main/docs/schema/config.schema.json";

fn golden_path_validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema: serde_json::Value =
            serde_json::from_str(GOLDEN_PATH_SCHEMA).expect("the embedded schema is JSON");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .expect("the embedded schema compiles")
    })
}

/// Every way the definition `text` breaks the golden-path schema, each at the key it
/// is about (an unknown key at that key, a missing one at its parent). Text that is not
/// YAML gives nothing: the parser's error says where it stops.
pub fn definition_problems(file: &str, text: &str) -> Vec<DefinitionProblem> {
    let Ok(instance) = serde_yaml::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let positions = YamlPositions::of(text);
    let mut out = Vec::new();
    for e in golden_path_validator().iter_errors(&instance) {
        let base = e.instance_path().to_string();
        let (pointer, message) = match e.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    let pointer = format!("{base}/{}", key.replace('~', "~0").replace('/', "~1"));
                    out.push(DefinitionProblem {
                        location: positions.locate(file, &pointer),
                        message: format!(
                            "{}: unknown key `{key}` (docs/schema/golden-path.schema.json lists the keys)",
                            dotted(&base)
                        ),
                    });
                }
                continue;
            }
            _ => (base.clone(), format!("{}: {e}", dotted(&base))),
        };
        out.push(DefinitionProblem {
            location: positions.locate(file, &pointer),
            message,
        });
    }
    // In the order of the file, as a reader goes through it.
    out.sort_by_key(|p| (p.location.line, p.location.column));
    out
}

/// `/spec/skeletons/0/path` as `spec.skeletons[0].path` (the root: `the definition`).
fn dotted(pointer: &str) -> String {
    if pointer.is_empty() {
        return "the definition".to_string();
    }
    let mut out = String::new();
    for part in pointer.trim_start_matches('/').split('/') {
        let part = part.replace("~1", "/").replace("~0", "~");
        if part.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(text: &str) -> Vec<String> {
        definition_problems("gp.yaml", text)
            .into_iter()
            .map(|p| format!("{}:{}: {}", p.location.line, p.location.column, p.message))
            .collect()
    }

    const GOOD: &str = "apiVersion: scaffold/v1\nkind: GoldenPath\nmetadata:\n  name: svc\n  version: 1.0.0\nspec:\n  skeletons:\n    - path: skeleton\n";

    #[test]
    fn every_built_in_definition_matches_the_schema() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../golden-paths");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert_eq!(messages(&text), Vec::<String>::new(), "{}", path.display());
                seen += 1;
            }
        }
        assert!(seen >= 10, "only {seen} definitions in {}", dir.display());
    }

    #[test]
    fn a_minimal_definition_passes_and_every_mistake_is_placed() {
        assert_eq!(messages(GOOD), Vec::<String>::new());
        let bad = "apiVersion: scaffold/v2\nkind: GoldenPath\nmetadata:\n  name: Svc\n  version: 1.0.0\n  colour: red\nspec:\n  skeleton:\n    - path: skeleton\n";
        assert_eq!(
            messages(bad),
            [
                "1:1: apiVersion: \"scaffold/v1\" was expected",
                "4:3: metadata.name: \"Svc\" does not match \"^[a-z][a-z0-9-]{0,62}$\"",
                "6:3: metadata: unknown key `colour` (docs/schema/golden-path.schema.json lists the keys)",
                "7:1: spec: \"skeletons\" is a required property",
                "8:3: spec: unknown key `skeleton` (docs/schema/golden-path.schema.json lists the keys)",
            ]
        );
    }

    #[test]
    fn the_schema_refuses_what_the_parser_refuses() {
        // Each of these fails Definition::parse (deny_unknown_fields, types, required
        // keys); the schema must say so too, or lint and editors would disagree.
        for text in [
            GOOD.replace("  version: 1.0.0\n", ""),
            GOOD.replace(
                "    - path: skeleton\n",
                "    - path: skeleton\n      if: x\n",
            ),
            GOOD.replace("spec:\n", "spec:\n  limits: {maxFileBytes: lots}\n"),
            GOOD.replace("spec:\n", "spec:\n  computed: {a: [1]}\n"),
            GOOD.replace("spec:\n", "spec:\n  files: {policy: {owned: [x]}}\n"),
            format!("{GOOD}  hooks: 3\n"),
        ] {
            assert!(
                crate::Definition::parse("gp.yaml", &text).is_err(),
                "{text}"
            );
            assert!(!messages(&text).is_empty(), "the schema passes:\n{text}");
        }
        assert!(crate::Definition::parse("gp.yaml", GOOD).is_ok());
    }

    #[test]
    fn text_that_is_not_yaml_is_left_to_the_parser() {
        assert_eq!(messages("a: [\n"), Vec::<String>::new());
    }

    #[test]
    fn the_answers_schema_is_a_valid_schema() {
        let schema: serde_json::Value = serde_json::from_str(ANSWERS_SCHEMA).unwrap();
        assert!(jsonschema::meta::validator_for(&schema).is_ok_and(|m| m.is_valid(&schema)));
    }
}
