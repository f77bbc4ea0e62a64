//! The library's rendering and answers, in memory (SPEC §2, §3, §10): golden paths
//! built as [`TemplateFs::Memory`] trees, loaded, answered and rendered without touching
//! the disk; errors checked for their kind and location.

use std::sync::Arc;

use scaffold_core::error::TemplateError;
use scaffold_core::golden_path::render::DropReason;
use scaffold_core::source::{Located, SourceRecord, TemplateFs};
use scaffold_core::tree::{Entry, FileMode, Tree};
use scaffold_core::{AnswerInput, Answers, Error, GoldenPath, Rendered};
use serde_json::{Map, Value, json};

/// A golden path in memory: `golden-path.yaml` (the definition) plus `files`.
fn golden_path(definition: &str, files: &[(&str, FileMode, &[u8])]) -> Result<GoldenPath, Error> {
    GoldenPath::load(&located(definition, files))
}

fn located(definition: &str, files: &[(&str, FileMode, &[u8])]) -> Located {
    let mut tree = Tree::new();
    tree.insert(
        "golden-path.yaml".to_string(),
        Entry {
            mode: FileMode::File,
            content: definition.as_bytes().to_vec().into(),
        },
    );
    for (path, mode, content) in files {
        tree.insert(
            path.to_string(),
            Entry {
                mode: *mode,
                content: content.to_vec().into(),
            },
        );
    }
    Located {
        name: "mem".to_string(),
        fs: TemplateFs::Memory {
            tree: Arc::new(tree),
            label: "mem:".to_string(),
        },
        definition: "golden-path.yaml".to_string(),
        record: SourceRecord::Builtin {
            engine_version: "test".to_string(),
        },
        version: None,
        limits: Default::default(),
        remote: None,
    }
}

/// A definition with `spec` appended (indented two spaces under `spec:`).
fn def(spec: &str) -> String {
    format!(
        "apiVersion: scaffold/v1\nkind: GoldenPath\nmetadata:\n  name: mem\n  version: 2.0.0\nspec:\n{spec}"
    )
}

fn answers(gp: &GoldenPath, sets: &[&str]) -> Result<Answers, Error> {
    gp.resolve_answers(&AnswerInput {
        values: Map::new(),
        sets: sets.iter().map(|s| s.to_string()).collect(),
    })
}

fn render(gp: &GoldenPath, sets: &[&str]) -> Result<Rendered, Error> {
    gp.render(&answers(gp, sets)?)
}

fn content(r: &Rendered, path: &str) -> String {
    let f = r
        .files
        .get(path)
        .unwrap_or_else(|| panic!("{path} not rendered: {:?}", r.files.keys()));
    String::from_utf8(f.content.to_vec()).unwrap()
}

fn template_error(e: Error) -> TemplateError {
    match e {
        Error::Template(t) => *t,
        other => panic!("expected a template error, got {other:?}"),
    }
}

const F: FileMode = FileMode::File;
const X: FileMode = FileMode::Executable;

const PARAMS: &str = "  parameters:
    type: object
    required: [name]
    properties:
      name: {type: string, description: Service name}
      flag: {type: boolean, default: false}
      dir: {type: string, default: lib}
";

#[test]
fn tera_rule_names_modes_links_and_empty_directories() {
    let binary: &[u8] = &[0x00, 0x9f, 0x92, 0x96, 0xff, b'{', b'{'];
    let gp = golden_path(
        &def(&format!("{PARAMS}  skeletons:\n    - path: skel\n")),
        &[
            ("skel/a.txt.tera", F, b"A {{ name }}"),
            ("skel/b.txt", F, b"B {{ name }} ${{ env.X }}"),
            ("skel/bin.dat", F, binary),
            ("skel/run.sh.tera", X, b"#!/bin/sh\necho {{ name }}\n"),
            ("skel/tool.sh", X, b"#!/bin/sh\n"),
            ("skel/{{ name }}/{{ dir }}.go.tera", F, b"package {{ dir }}"),
            ("skel/{% if flag %}opt.txt{% endif %}", F, b"opt"),
            ("skel/{% if flag %}optdir{% endif %}/y.txt", F, b"y"),
            ("skel/keep.tera/inner.txt", F, b"inner"),
            ("skel/empty", FileMode::Dir, b""),
            ("skel/link", FileMode::Symlink, b"b.txt"),
            ("skel/nested/up", FileMode::Symlink, b"../a.txt"),
        ],
    )
    .unwrap();
    let r = render(&gp, &["name=svc"]).unwrap();
    let paths: Vec<&str> = r.files.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        vec![
            "a.txt",
            "b.txt",
            "bin.dat",
            "empty",
            "keep.tera/inner.txt",
            "link",
            "nested/up",
            "run.sh",
            "svc/lib.go",
            "tool.sh",
        ]
    );
    assert_eq!(content(&r, "a.txt"), "A svc");
    assert_eq!(content(&r, "b.txt"), "B {{ name }} ${{ env.X }}");
    assert_eq!(r.files["bin.dat"].content, binary);
    assert!(!r.files["bin.dat"].templated && r.files["a.txt"].templated);
    assert_eq!(r.files["run.sh"].mode, X);
    assert_eq!(content(&r, "run.sh"), "#!/bin/sh\necho svc\n");
    assert_eq!(r.files["tool.sh"].mode, X);
    assert_eq!(r.files["a.txt"].mode, F);
    assert_eq!(content(&r, "svc/lib.go"), "package lib");
    assert_eq!(r.files["svc/lib.go"].source, "{{ name }}/{{ dir }}.go.tera");
    assert_eq!(r.files["empty"].mode, FileMode::Dir);
    assert_eq!(r.files["link"].mode, FileMode::Symlink);
    assert_eq!(r.files["link"].content, &b"b.txt"[..]);
    assert_eq!(r.files["nested/up"].content, &b"../a.txt"[..]);
    let empty: Vec<&str> = r
        .dropped
        .iter()
        .filter(|d| d.reason == DropReason::EmptyName)
        .map(|d| d.source.as_str())
        .collect();
    assert_eq!(
        empty,
        vec![
            "{% if flag %}opt.txt{% endif %}",
            "{% if flag %}optdir{% endif %}/y.txt"
        ]
    );

    // With the flag, the conditional file and directory appear.
    let r = render(&gp, &["name=svc", "flag=true"]).unwrap();
    assert_eq!(content(&r, "opt.txt"), "opt");
    assert_eq!(content(&r, "optdir/y.txt"), "y");
    assert!(r.dropped.is_empty(), "{:?}", r.dropped);
}

#[test]
fn layers_when_overrides_and_excludes() {
    let gp = golden_path(
        &def(&format!(
            "{PARAMS}  skeletons:
    - path: base
    - path: extra
      when: \"flag\"
    - path: top
      when: \"name == 'svc' and not flag\"
  files:
    exclude: [\"**/*.swp\", \"tmp/\"]
"
        )),
        &[
            ("base/shared.txt", F, b"base"),
            ("base/only-base.txt", F, b"base"),
            ("base/x.swp", F, b"swap"),
            ("base/deep/y.swp", F, b"swap"),
            ("base/tmp/z.txt", F, b"tmp"),
            ("extra/shared.txt", F, b"extra"),
            ("top/shared.txt", F, b"top"),
        ],
    )
    .unwrap();
    let r = render(&gp, &["name=svc"]).unwrap();
    assert_eq!(
        r.files.keys().collect::<Vec<_>>(),
        vec!["only-base.txt", "shared.txt"]
    );
    assert_eq!(content(&r, "shared.txt"), "top");
    assert_eq!(r.files["shared.txt"].layer, "top");
    let reasons: Vec<(String, String, DropReason)> = r
        .dropped
        .iter()
        .map(|d| (d.layer.clone(), d.source.clone(), d.reason.clone()))
        .collect();
    for expected in [
        (
            "extra",
            "",
            DropReason::LayerDisabled {
                when: "flag".into(),
            },
        ),
        ("base", "x.swp", DropReason::Excluded),
        ("base", "deep/y.swp", DropReason::Excluded),
        ("base", "tmp/z.txt", DropReason::Excluded),
        (
            "base",
            "shared.txt",
            DropReason::Overridden { by: "top".into() },
        ),
    ] {
        let expected = (expected.0.to_string(), expected.1.to_string(), expected.2);
        assert!(
            reasons.contains(&expected),
            "{expected:?} not in {reasons:?}"
        );
    }

    let r = render(&gp, &["name=svc", "flag=true"]).unwrap();
    assert_eq!(content(&r, "shared.txt"), "extra");
    assert!(
        r.dropped
            .iter()
            .any(|d| d.layer == "top" && matches!(d.reason, DropReason::LayerDisabled { .. }))
    );
}

#[test]
fn when_with_an_unknown_variable_is_an_error() {
    let gp = golden_path(
        &def(&format!(
            "{PARAMS}  skeletons:\n    - path: base\n    - path: extra\n      when: \"flga\"\n"
        )),
        &[("base/a.txt", F, b"a"), ("extra/b.txt", F, b"b")],
    )
    .unwrap();
    let e = template_error(render(&gp, &["name=svc"]).unwrap_err());
    assert_eq!(e.variable.as_deref(), Some("flga"));
    assert!(e.location.file.contains("when"), "{e}");
}

#[test]
fn custom_delimiters() {
    let gp = golden_path(
        &def(&format!(
            "{PARAMS}  computed:
    upper: \"<< name | shout_case >>\"
  syntax: {{blockStart: '<%', blockEnd: '%>', variableStart: '<<', variableEnd: '>>', commentStart: '<#', commentEnd: '#>'}}
  skeletons:
    - path: skel
    - path: opt
      when: \"flag\"
"
        )),
        &[
            (
                "skel/chart.yaml.tera",
                F,
                b"<# note #>name: << name >>\nimage: {{ .Values.image }}\n<% if flag %>on<% else %>off<% endif %> << upper >>",
            ),
            ("skel/<< name >>.md", F, b"{{ name }}"),
            ("skel/{{ name }}.txt", F, b"literal"),
            ("opt/opt.txt", F, b"opt"),
        ],
    )
    .unwrap();
    let r = render(&gp, &["name=web"]).unwrap();
    assert_eq!(
        content(&r, "chart.yaml"),
        "name: web\nimage: {{ .Values.image }}\noff WEB"
    );
    assert_eq!(content(&r, "web.md"), "{{ name }}");
    assert_eq!(content(&r, "{{ name }}.txt"), "literal");
    assert!(!r.files.contains_key("opt.txt"));
    let r = render(&gp, &["name=web", "flag=true"]).unwrap();
    assert_eq!(content(&r, "opt.txt"), "opt");
}

#[test]
fn invalid_delimiters_are_a_definition_problem() {
    let err = golden_path(
        &def(&format!(
            "{PARAMS}  syntax: {{variableStart: '<<<'}}\n  skeletons:\n    - path: skel\n"
        )),
        &[("skel/a.txt", F, b"a")],
    )
    .unwrap_err();
    let Error::DefinitionInvalid { problems, .. } = err else {
        panic!("expected DefinitionInvalid, got {err:?}")
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].message.contains("invalid spec.syntax"),
        "{problems:?}"
    );
    assert_eq!(problems[0].location.line, 14);
}

// ---------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------

const TYPED: &str = "  parameters:
    type: object
    required: [name, owner]
    properties:
      name: {type: string, pattern: '^[a-z][a-z0-9-]*$', description: Service name}
      owner: {type: string, description: Owning team}
      port: {type: integer, minimum: 1024, default: 8080, description: HTTP port}
      ratio: {type: number, default: 0.5}
      tier: {type: string, enum: ['1', '2', '3'], default: '2', description: Criticality tier}
      grpc: {type: boolean, default: false}
      tags: {type: array, items: {type: string}, default: []}
      labels: {type: object, default: {}}
      nullable: {type: [string, 'null'], default: null}
  computed:
    image: \"reg/{{ name }}\"
    image_ref: \"{{ image }}:{{ port }}\"
  skeletons:
    - path: skel
";

fn typed() -> GoldenPath {
    golden_path(
        &def(TYPED),
        &[(
            "skel/out.txt.tera",
            F,
            b"{{ image_ref }} {{ tags | length }}",
        )],
    )
    .unwrap()
}

#[test]
fn set_is_typed_by_the_schema() {
    let gp = typed();
    let a = answers(
        &gp,
        &[
            "name=svc",
            "owner=team",
            "port= 9000",
            "ratio=0.25",
            "grpc=Yes",
            "tags=[\"a\",\"b\"]",
            "labels={\"k\":{\"n\":1}}",
            "tier=1",
            "nullable=x=y",
        ],
    )
    .unwrap();
    assert_eq!(
        Value::Object(a.values),
        json!({
            "name": "svc", "owner": "team", "port": 9000, "ratio": 0.25, "grpc": true,
            "tags": ["a", "b"], "labels": {"k": {"n": 1}}, "tier": "1", "nullable": "x=y"
        })
    );
    for (set, needle) in [
        ("port=9000.5", "`port` is an integer"),
        ("ratio=fast", "`ratio` is a number"),
        ("grpc=perhaps", "`grpc` is a boolean"),
        ("tags=a", "`tags` is array and must be given as JSON"),
        ("labels=[1]", "/labels"),
        ("noequals", "expected key=value"),
    ] {
        let err = answers(&gp, &["name=svc", "owner=team", set]).unwrap_err();
        assert!(err.to_string().contains(needle), "{set}: {err}");
    }
    // An unknown --set is one answer problem among the others, with a suggestion.
    let err = answers(&gp, &["name=svc", "owner=team", "prot=1"]).unwrap_err();
    let Error::InvalidAnswers { problems } = err else {
        panic!("expected InvalidAnswers, got {err:?}")
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].pointer, "/prot");
    assert!(
        problems[0]
            .message
            .contains("unknown parameter `prot` (did you mean `port`?);"),
        "{problems:?}"
    );
}

#[test]
fn defaults_values_and_computed_in_order() {
    let gp = typed();
    let mut values = Map::new();
    values.insert("name".into(), json!("from-values"));
    values.insert("owner".into(), json!("team"));
    values.insert("port".into(), json!(1234));
    let a = gp
        .resolve_answers(&AnswerInput {
            values,
            sets: vec!["port=4321".into()],
        })
        .unwrap();
    assert_eq!(a.values["port"], json!(4321), "--set wins over values");
    assert_eq!(a.values["tier"], json!("2"));
    assert_eq!(a.values["tags"], json!([]));
    assert_eq!(a.values["nullable"], Value::Null);
    assert_eq!(
        a.computed.iter().collect::<Vec<_>>(),
        vec![
            (&"image".to_string(), &json!("reg/from-values")),
            (&"image_ref".to_string(), &json!("reg/from-values:4321")),
        ]
    );
    let r = gp.render(&a).unwrap();
    assert_eq!(content(&r, "out.txt"), "reg/from-values:4321 0");

    // Unknown keys in a values map are refused too.
    let mut values = Map::new();
    values.insert("nmae".into(), json!("x"));
    let err = gp
        .resolve_answers(&AnswerInput {
            values,
            sets: vec![],
        })
        .unwrap_err();
    assert!(matches!(err, Error::UnknownParameter { .. }), "{err:?}");
}

#[test]
fn values_files_in_yaml_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("v.yaml");
    std::fs::write(&yaml, "name: svc\nport: 9000\ntags: [a]\n").unwrap();
    let json_file = dir.path().join("v.json");
    std::fs::write(&json_file, r#"{"name": "svc", "labels": {"a": 1}}"#).unwrap();
    let v = scaffold_core::golden_path::answers::read_values_file(&yaml).unwrap();
    assert_eq!(
        Value::Object(v),
        json!({"name": "svc", "port": 9000, "tags": ["a"]})
    );
    let v = scaffold_core::golden_path::answers::read_values_file(&json_file).unwrap();
    assert_eq!(Value::Object(v), json!({"name": "svc", "labels": {"a": 1}}));
    let list = dir.path().join("list.yaml");
    std::fs::write(&list, "- a\n- b\n").unwrap();
    let err = scaffold_core::golden_path::answers::read_values_file(&list).unwrap_err();
    assert!(err.to_string().contains("found a list"), "{err}");
    let missing = dir.path().join("missing.yaml");
    assert!(matches!(
        scaffold_core::golden_path::answers::read_values_file(&missing),
        Err(Error::ValuesFile { .. })
    ));
}

#[test]
fn every_answer_problem_with_pointer_and_description() {
    let gp = typed();
    let err = answers(&gp, &["name=Bad Name", "port=80", "tier=9"]).unwrap_err();
    let Error::InvalidAnswers { problems } = err else {
        panic!("expected InvalidAnswers, got {err:?}")
    };
    let got: Vec<(&str, Option<&str>)> = problems
        .iter()
        .map(|p| (p.pointer.as_str(), p.description.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("/name", Some("Service name")),
            ("/owner", Some("Owning team")),
            ("/port", Some("HTTP port")),
            ("/tier", Some("Criticality tier")),
        ]
    );
    assert!(problems.iter().all(|p| p.hint.is_some()));
    let text = Error::InvalidAnswers { problems }.to_string();
    insta::assert_snapshot!("answer_problems", text);
}

#[test]
fn nested_problems_point_inside_the_value() {
    let gp = golden_path(
        &def("  parameters:
    type: object
    properties:
      db:
        type: object
        description: Database settings
        properties:
          port: {type: integer}
  skeletons:
    - path: skel
"),
        &[("skel/a.txt", F, b"a")],
    )
    .unwrap();
    let err = answers(&gp, &["db={\"port\": \"x\"}"]).unwrap_err();
    let Error::InvalidAnswers { problems } = err else {
        panic!("expected InvalidAnswers, got {err:?}")
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].pointer, "/db/port");
    assert_eq!(
        problems[0].description.as_deref(),
        Some("Database settings")
    );
}

// ---------------------------------------------------------------------------------
// Errors with locations
// ---------------------------------------------------------------------------------

#[test]
fn undefined_variable_names_file_line_and_variable() {
    let gp = golden_path(
        &def(&format!("{PARAMS}  skeletons:\n    - path: skel\n")),
        &[
            ("skel/ok.txt.tera", F, b"{{ name }}"),
            (
                "skel/svc.yaml.tera",
                F,
                b"name: {{ name }}\nowner: {{ nmae }}\n",
            ),
        ],
    )
    .unwrap();
    let e = template_error(render(&gp, &["name=svc"]).unwrap_err());
    assert_eq!(e.location.file, "mem:skel/svc.yaml.tera");
    assert_eq!((e.location.line, e.location.column), (2, 11));
    assert_eq!(e.variable.as_deref(), Some("nmae"));
    insta::assert_snapshot!("undefined_variable", e.to_string());
}

#[test]
fn undefined_variable_in_a_name_names_the_skeleton_file() {
    let gp = golden_path(
        &def(&format!("{PARAMS}  skeletons:\n    - path: skel\n")),
        &[("skel/src/{{ nmae }}/main.go", F, b"package main")],
    )
    .unwrap();
    let e = template_error(render(&gp, &["name=svc"]).unwrap_err());
    assert_eq!(e.location.file, "mem:skel/src/{{ nmae }}/main.go");
    assert_eq!(e.variable.as_deref(), Some("nmae"));
}

#[test]
fn undefined_variable_in_computed_names_the_entry() {
    let gp = golden_path(
        &def(&format!(
            "{PARAMS}  computed:\n    image: \"reg/{{{{ nmae }}}}\"\n  skeletons:\n    - path: skel\n"
        )),
        &[("skel/a.txt", F, b"a")],
    )
    .unwrap();
    let e = template_error(answers(&gp, &["name=svc"]).unwrap_err());
    assert_eq!(
        e.location.file,
        "mem:golden-path.yaml (spec.computed.image)"
    );
    assert_eq!(e.variable.as_deref(), Some("nmae"));
}

#[test]
fn syntax_error_names_file_line_and_column() {
    let gp = golden_path(
        &def(&format!("{PARAMS}  skeletons:\n    - path: skel\n")),
        &[
            ("skel/a.txt.tera", F, b"fine {{ name }}"),
            (
                "skel/b.txt.tera",
                F,
                b"one\ntwo\nthree {% if name %} never closed\n",
            ),
        ],
    )
    .unwrap();
    let e = template_error(render(&gp, &["name=svc"]).unwrap_err());
    assert_eq!(e.location.file, "mem:skel/b.txt.tera");
    assert!(e.location.line >= 3, "{e}");
    assert!(e.location.column > 0, "{e}");
    insta::assert_snapshot!("syntax_error", e.to_string());
    // Lint finds the same error without answers.
    let errors = gp.check_templates();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].location, e.location);
}

#[test]
fn answers_that_leave_the_destination_name_the_parameter() {
    let gp = golden_path(
        &def(&format!("{PARAMS}  skeletons:\n    - path: skel\n")),
        &[("skel/{{ dir }}/x.txt", F, b"x"), ("skel/a.txt", F, b"a")],
    )
    .unwrap();
    for dir in ["../../etc", "..", "a/../../b", "/etc", "/"] {
        let err = render(&gp, &["name=svc", &format!("dir={dir}")]).unwrap_err();
        let Error::UnsafePath {
            parameters,
            source_path,
            ..
        } = &err
        else {
            panic!("{dir}: expected UnsafePath, got {err:?}")
        };
        assert_eq!(parameters, &vec!["dir".to_string()], "{dir}");
        assert_eq!(source_path, "mem:skel/{{ dir }}/x.txt");
        assert!(err.to_string().contains("`/dir`"), "{err}");
    }
    // A sub-directory answer is fine and stays inside.
    let r = render(&gp, &["name=svc", "dir=a/b"]).unwrap();
    assert!(r.files.contains_key("a/b/x.txt"));
}

#[test]
fn symlinks_leaving_the_skeleton_are_refused() {
    for target in ["../outside", "/etc/passwd", "sub/../../x", "../skel/a.txt"] {
        let gp = golden_path(
            &def(&format!("{PARAMS}  skeletons:\n    - path: skel\n")),
            &[
                ("skel/a.txt", F, b"a"),
                ("skel/link", FileMode::Symlink, target.as_bytes()),
            ],
        )
        .unwrap();
        let err = render(&gp, &["name=svc"]).unwrap_err();
        let Error::SymlinkEscapes { path, target: t } = &err else {
            panic!("{target}: expected SymlinkEscapes, got {err:?}")
        };
        assert_eq!(path, "mem:skel/link");
        assert_eq!(t, target);
    }
}

#[test]
fn definition_at_the_skeleton_root_is_not_rendered() {
    let gp = golden_path(
        &def("  skeletons:\n    - path: .\n"),
        &[("README.md", F, b"hi")],
    )
    .unwrap();
    let r = render(&gp, &[]).unwrap();
    assert_eq!(r.files.keys().collect::<Vec<_>>(), vec!["README.md"]);
}

// ---------------------------------------------------------------------------------
// The crate documentation's example, step by step
// ---------------------------------------------------------------------------------

#[test]
fn crate_doc_example_renders_and_writes_go_microservice() {
    use scaffold_core::{Engine, NewOptions};
    let engine = Engine::new();
    let gp = engine.load("go-microservice").unwrap();
    let mut input = AnswerInput::default();
    input.sets.push("name=payments-api".into());
    input.sets.push("owner=team-payments".into());
    let answers = gp.resolve_answers(&input).unwrap();
    let rendered = gp.render(&answers).unwrap();
    assert!(rendered.files.contains_key("catalog-info.yaml"));
    assert!(
        rendered
            .files
            .keys()
            .all(|p| !p.starts_with('/') && !p.split('/').any(|c| c == ".."))
    );
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("payments-api");
    let plan = scaffold_core::plan_new(
        &gp,
        &answers,
        &rendered,
        &NewOptions {
            dest: dest.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    let applied = scaffold_core::apply(&plan.plan).unwrap();
    assert!(applied.staged);
    // Every rendered file, the baseline and the answers file.
    assert_eq!(applied.written, rendered.files.len() + 2);
    assert!(dest.join(".scaffold/go-microservice.yaml").is_file());
    assert!(dest.join(".scaffold/go-microservice.baseline").is_file());
    assert_eq!(
        std::fs::read(dest.join("catalog-info.yaml")).unwrap(),
        rendered.files["catalog-info.yaml"].content
    );
    // Nothing but the project is left in the parent (no staging directory).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// Many templates are compiled side by side (several Tera instances) unless one may
/// name another; either way each file renders as it does alone, and a syntax error is
/// reported at its own file, as one instance reports it.
#[test]
fn many_templates_render_alike_whether_compiled_apart_or_together() {
    const N: usize = 300;
    let texts: Vec<(String, String)> = (0..N)
        .map(|i| {
            (
                format!("skel/d{}/f{i:03}.txt.tera", i % 7),
                format!("{i}: {{{{ name | upper }}}}{{% if flag %}} on{{% endif %}}\n"),
            )
        })
        .collect();
    let definition = def(&format!("{PARAMS}  skeletons:\n    - path: skel\n"));
    let build = |extra: &[(&str, &[u8])]| {
        let mut files: Vec<(&str, FileMode, &[u8])> = texts
            .iter()
            .map(|(p, t)| (p.as_str(), F, t.as_bytes()))
            .collect();
        files.extend(extra.iter().map(|(p, c)| (*p, F, *c)));
        golden_path(&definition, &files).unwrap()
    };
    let check = |r: &Rendered| {
        for (i, (p, _)) in texts.iter().enumerate() {
            let out = p.trim_start_matches("skel/").trim_end_matches(".tera");
            assert_eq!(content(r, out), format!("{i}: SVC on\n"), "{out}");
        }
    };
    // No template names another: compiled apart.
    let apart = render(&build(&[]), &["name=svc", "flag=true"]).unwrap();
    check(&apart);
    // One includes another: compiled together, the include resolved.
    let together = render(
        &build(&[
            (
                "skel/z-incl.txt.tera",
                b"[{% include \"skel/zz-part.txt.tera\" %}]",
            ),
            ("skel/zz-part.txt.tera", b"part {{ name }}"),
        ]),
        &["name=svc", "flag=true"],
    )
    .unwrap();
    check(&together);
    assert_eq!(content(&together, "z-incl.txt"), "[part svc]");
    for (path, f) in &apart.files {
        assert_eq!(together.files[path].content, f.content, "{path}");
        assert_eq!(together.files[path].hash, f.hash, "{path}");
    }
    // A syntax error among many: reported at its file, with its line.
    let broken = build(&[(
        "skel/d3/broken.txt.tera",
        b"ok\n{% if name %} never closed\n",
    )]);
    let e = template_error(render(&broken, &["name=svc"]).unwrap_err());
    assert_eq!(e.location.file, "mem:skel/d3/broken.txt.tera");
    assert!(e.location.line >= 2, "{e}");
}
