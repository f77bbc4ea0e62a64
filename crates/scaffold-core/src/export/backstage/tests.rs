use super::*;
use crate::Engine;

/// A local golden path in a temporary directory: `parameters` (YAML, indented for
/// `spec.parameters`), one skeleton file `files` maps to its content.
fn local(
    parameters: &str,
    files: &[(&str, &str)],
    example: &str,
) -> (tempfile::TempDir, GoldenPath) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("skeleton")).unwrap();
    for (path, content) in files {
        std::fs::write(dir.path().join("skeleton").join(path), content).unwrap();
    }
    let definition = format!(
        "apiVersion: scaffold/v1\nkind: GoldenPath\nmetadata:\n  name: demo\n  title: Demo\n  version: 1.2.0\n  owner: group:platform-team\nspec:\n  parameters:\n{parameters}\n  skeletons:\n    - path: skeleton\n  examples:\n    - {example}\n"
    );
    let file = dir.path().join("golden-path.yaml");
    std::fs::write(&file, definition).unwrap();
    let gp = Engine::new().load(file.to_str().unwrap()).unwrap();
    (dir, gp)
}

const SECRET_SCHEMA: &str = "    type: object
    additionalProperties: false
    required: [name]
    properties:
      name: {type: string, title: Name, pattern: '^[a-z-]+$'}
      port: {type: integer, title: Port, default: 8080, minimum: 1024}
      token: {type: string, title: Token, x-secret: true}
      description: {type: string, title: Description, default: ''}";

fn page_names(export: &BackstageExport) -> Vec<(String, Vec<String>)> {
    export
        .pages
        .iter()
        .map(|p| (p.title.clone(), p.parameters.clone()))
        .collect()
}

#[test]
fn a_built_in_golden_path_becomes_pages_and_three_steps() {
    let gp = Engine::new().load("node-api").unwrap();
    let export = export(&gp, &pinned_reference(&gp, "node-api")).unwrap();
    assert_eq!(export.reference, format!("node-api@{}", gp.version));
    let pages = page_names(&export);
    assert_eq!(pages[0].0, "Identity");
    assert_eq!(
        pages[0].1,
        ["name", "description", "owner", "system", "lifecycle"]
    );
    assert_eq!(pages[1].0, "Options");
    assert!(pages[1].1.contains(&"port".to_string()));
    assert_eq!(pages.len(), 2, "node-api has no secrets: {pages:?}");
    assert_eq!(export.steps, ["scaffold", "publish", "register"]);
    assert!(export.notes.is_empty(), "{:?}", export.notes);

    let spec = &export.template.spec;
    let identity = &spec.parameters[0];
    assert_eq!(identity["required"], json!(["name", "owner"]));
    assert_eq!(identity["properties"]["name"]["ui:autofocus"], json!(true));
    assert!(identity.get("additionalProperties").is_none());
    assert!(identity.get("$schema").is_none());
    let options = &spec.parameters[1];
    assert_eq!(
        options["properties"]["tier"]["enum"],
        json!(["1", "2", "3"])
    );
    assert_eq!(options["properties"]["port"]["default"], json!(8080));

    let step = &spec.steps[0];
    assert_eq!(step.action, ACTION_ID);
    assert_eq!(step.input["goldenPath"], json!(export.reference));
    let values = step.input["values"].as_object().unwrap();
    let declared = gp.parameters().schema()["properties"].as_object().unwrap();
    assert_eq!(values.len(), declared.len());
    assert_eq!(
        values["gitops_repo_url"],
        json!("${{ parameters.gitops_repo_url }}")
    );
    assert_eq!(
        spec.steps[1].input["repoUrl"],
        json!("github.com?owner=${{ parameters.org }}&repo=${{ parameters.name }}")
    );
    assert_eq!(spec.steps[2].action, "catalog:register");
    assert_eq!(
        spec.output["links"][1]["entityRef"],
        json!("${{ steps['register'].output.entityRef }}")
    );
    let text = &export.files[0].contents;
    assert!(text.starts_with("# Backstage Software Template for the golden path node-api"));
    assert!(
        text.contains("apiVersion: scaffolder.backstage.io/v1beta3\n"),
        "{text}"
    );
}

#[test]
fn every_built_in_golden_path_round_trips() {
    let engine = Engine::new();
    let mut checked = 0;
    for entry in engine.catalog().unwrap() {
        let gp = engine.load(&entry.name).unwrap();
        let problems = round_trip_problems(&gp);
        assert!(problems.is_empty(), "{}: {problems:?}", entry.name);
        if !gp.is_add_on() {
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} golden paths exported");
}

#[test]
fn secrets_get_a_page_of_their_own_with_a_password_widget() {
    let (_dir, gp) = local(SECRET_SCHEMA, &[("README.md", "hi\n")], "{name: demo}");
    let export = export(&gp, "./golden-path.yaml").unwrap();
    assert_eq!(
        page_names(&export),
        [
            (
                "Identity".to_string(),
                vec!["name".to_string(), "description".to_string()]
            ),
            ("Options".to_string(), vec!["port".to_string()]),
            ("Secrets".to_string(), vec!["token".to_string()]),
            ("Repository".to_string(), vec!["repoUrl".to_string()]),
        ]
    );
    let secrets = &export.template.spec.parameters[2];
    assert_eq!(
        secrets["properties"]["token"]["ui:widget"],
        json!("password")
    );
    assert_eq!(secrets["properties"]["token"]["x-secret"], json!(true));
    assert!(secrets.get("required").is_none());
    // No `org`: the portal asks where to publish, on a page the round trip leaves out.
    let repo = &export.template.spec.parameters[3];
    assert_eq!(repo[PORTAL_PAGE], json!(true));
    assert_eq!(
        repo["properties"]["repoUrl"]["ui:field"],
        json!("RepoUrlPicker")
    );
    assert_eq!(
        export.template.spec.steps[1].input["repoUrl"],
        json!("${{ parameters.repoUrl }}")
    );
    // No catalog-info.yaml in the skeleton: no register step, and a note says so.
    assert_eq!(export.steps, ["scaffold", "publish"]);
    assert_eq!(export.notes.len(), 1, "{:?}", export.notes);
    assert!(
        round_trip_problems(&gp).is_empty(),
        "{:?}",
        round_trip_problems(&gp)
    );
}

#[test]
fn what_the_pages_cannot_carry_is_reported_at_its_pointer() {
    let schema = "    type: object
    title: Demo answers
    required: [name]
    properties:
      name: {type: string}";
    let (_dir, gp) = local(schema, &[("catalog-info.yaml", "x: 1\n")], "{name: demo}");
    let problems = round_trip_problems(&gp);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].pointer, "/title");
    assert!(problems[0].message.contains("lost"), "{}", problems[0]);
}

#[test]
fn merging_pages_drops_ui_keys_and_reports_conflicts() {
    let pages = vec![
        json!({"title": "A", "type": "object", "required": ["a"], "properties": {"a": {"type": "string", "ui:autofocus": true, "items": {"ui:widget": "x", "type": "string"}}}}),
        json!({"title": "B", "type": "object", "required": ["a", "b"], "properties": {"b": {"type": "integer"}}}),
    ];
    let merged = merge_pages(&pages).unwrap();
    assert_eq!(
        merged,
        json!({"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "string", "items": {"type": "string"}}, "b": {"type": "integer"}}})
    );

    let bad = vec![
        json!({"type": "object", "properties": {"a": {"type": "string"}}}),
        json!({"type": "array", "properties": {"a": {"type": "string"}}}),
        json!("not a page"),
    ];
    let problems = merge_pages(&bad).unwrap_err();
    let pointers: Vec<_> = problems.iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(pointers, ["/1/type", "/1/properties/a", "/2"]);
}

#[test]
fn a_changed_value_is_a_difference_at_its_pointer() {
    let mut out = Vec::new();
    differences(
        "",
        &json!({"required": ["a", "b"], "properties": {"a/b": {"default": 1, "enum": [1, 2]}}}),
        &json!({"required": ["b", "a"], "properties": {"a/b": {"default": 2, "enum": [1, 2], "extra": true}}}),
        &mut out,
    );
    let pointers: Vec<_> = out.iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        ["/properties/a~1b/default", "/properties/a~1b/extra"]
    );
}

#[test]
fn an_add_on_is_not_exported() {
    let engine = Engine::new();
    let add_on = engine
        .catalog()
        .unwrap()
        .into_iter()
        .find(|c| c.is_add_on())
        .expect("a built-in add-on");
    let gp = engine.load(&add_on.name).unwrap();
    let err = export(&gp, &add_on.name).unwrap_err();
    assert!(matches!(err, Error::ExportUnsupported { .. }), "{err}");
    assert_eq!(err.kind(), crate::ErrorKind::NotApplicable);
    assert!(
        err.to_string()
            .contains("applied to an existing project of"),
        "{err}"
    );
    assert_eq!(crate::error::flag_in(&err.to_string()), None, "{err}");
}

#[test]
fn names_that_are_not_identifiers_are_bracketed() {
    assert_eq!(expr("port"), "${{ parameters.port }}");
    assert_eq!(expr("my-name"), "${{ parameters['my-name'] }}");
    assert_eq!(expr("1st"), "${{ parameters['1st'] }}");
}

#[test]
fn a_golden_path_without_parameters_has_no_pages_and_round_trips() {
    let (_dir, gp) = local("    type: object", &[("x.txt", "x\n")], "{}");
    let export = export(&gp, "./golden-path.yaml").unwrap();
    // Only the portal's own repository page: nothing of the golden path's to ask.
    assert_eq!(export.pages.len(), 1);
    assert_eq!(export.pages[0].title, "Repository");
    assert!(
        round_trip_problems(&gp).is_empty(),
        "{:?}",
        round_trip_problems(&gp)
    );
    assert_eq!(
        without_pages(&json!({"type": "object", "minProperties": 1})),
        [problem(
            "/minProperties".into(),
            "is lost: a golden path without parameters exports no form pages".into()
        )]
    );
}
