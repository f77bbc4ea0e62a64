//! No input may panic: random definitions (YAML-ish text, and well-formed definitions
//! with random parameter schemas, Tera snippets in contents, names and `when`, random
//! delimiters) and random answers are thrown at the library. Every call must return
//! `Ok` or `Err`, and no rendered path may be absolute, climb with `..` or lie in
//! `.git`/`.scaffold`. The `counted_*` tests put a floor on how many cases reach each
//! stage (definition loaded, answers resolved, render, plan; three-way merges clean
//! and conflicting), so a generator that stopped reaching them would fail; each runs
//! a fixed number of cases and checks it stays well within two minutes.

use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::Config;
use scaffold_core::source::{Located, SourceRecord, TemplateFs};
use scaffold_core::tree::{Entry, FileMode, Tree};
use scaffold_core::{AnswerInput, Definition, GoldenPath, NewOptions};
use serde_json::{Map, Value, json};

fn located(definition: &str, files: Vec<(String, Entry)>) -> Located {
    let mut tree = Tree::new();
    tree.insert(
        "gp/golden-path.yaml".to_string(),
        Entry {
            mode: FileMode::File,
            content: definition.as_bytes().to_vec().into(),
        },
    );
    for (p, e) in files {
        tree.insert(format!("gp/{p}"), e);
    }
    Located {
        name: "fuzz".to_string(),
        fs: TemplateFs::Memory {
            tree: Arc::new(tree),
            label: "fuzz:".to_string(),
        },
        definition: "gp/golden-path.yaml".to_string(),
        record: SourceRecord::Builtin {
            engine_version: "fuzz".to_string(),
        },
        version: None,
        limits: Default::default(),
        remote: None,
    }
}

/// Check a rendered path: relative, normalized, never climbing.
fn assert_safe_path(path: &str) {
    assert!(!path.is_empty(), "empty rendered path");
    assert!(!path.starts_with('/'), "absolute rendered path {path:?}");
    assert!(!path.contains('\\') && !path.contains('\0'), "{path:?}");
    for c in path.split('/') {
        assert!(
            !c.is_empty() && c != "." && c != "..",
            "rendered path {path:?} has component {c:?}"
        );
    }
}

/// How far one case got: each stage counts toward the floors of `counted_*` tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Refused,
    Loaded,
    Answered,
    Rendered,
    Planned,
}

/// Load, answer, render, lint and plan; every step may fail but none may panic.
fn exercise(loc: &Located, values: Map<String, Value>, sets: Vec<String>) -> Stage {
    let _ = scaffold_core::lint(loc);
    let Ok(gp) = GoldenPath::load(loc) else {
        return Stage::Refused;
    };
    let _ = gp.parameters().questions();
    let _ = gp.check_templates();
    for (k, v) in &values {
        let _ = gp.parameters().validate_one(k, v);
        let _ = gp.parameters().coerce(k, &v.to_string());
    }
    let Ok(answers) = gp.resolve_answers(&AnswerInput { values, sets }) else {
        return Stage::Loaded;
    };
    let Ok(rendered) = gp.render(&answers) else {
        return Stage::Answered;
    };
    for (path, f) in &rendered.files {
        assert_safe_path(path);
        assert_eq!(
            scaffold_core::tree::reserved_component(path),
            None,
            "rendered into a reserved path: {path:?}"
        );
        if f.mode == FileMode::Symlink {
            let target = String::from_utf8_lossy(&f.content);
            assert!(
                !target.starts_with('/'),
                "absolute link {path:?} -> {target:?}"
            );
        }
    }
    for d in &rendered.dropped {
        if let Some(p) = &d.path {
            assert_safe_path(p);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let opts = NewOptions {
        dest: dir.path().join("out"),
        ..Default::default()
    };
    if let Ok(plan) = scaffold_core::plan_new(&gp, &answers, &rendered, &opts) {
        for c in &plan.plan.changes {
            assert_safe_path(&c.path);
        }
        let _ = scaffold_core::project::provenance::AnswersFile::new(&gp, &answers, &rendered)
            .to_yaml();
        return Stage::Planned;
    }
    Stage::Rendered
}

// ---------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------

const PARAM_NAMES: &[&str] = &["name", "a", "b", "flag", "n", "list", "obj", "x-y"];

/// Pieces of Tera that render with the usual answers (undefined optional answers
/// included), so that most random golden paths get all the way through a render.
const SAFE_SNIPPETS: &[&str] = &[
    "x",
    " ",
    "\n",
    "é",
    "«»",
    ".",
    "-",
    "{{ scaffold.version }}",
    "{{ scaffold.golden_path | upper }}",
    "{{ a | default(value='d') }}",
    "{{ name | default(value='n') | snake_case }}",
    "{{ name | default(value='n') | kebab_case }}",
    "{{ name | default(value='n') | camel_case }}",
    "{{ name | default(value='n') | pascal_case }}",
    "{{ name | default(value='n') | shout_case }}",
    "{{ obj | default(value=1) | json_encode }}",
    "{{ list | default(value=[]) | json_encode }}",
    "{% if flag %}on{% endif %}",
    "{% if a == 'x' %}y{% else %}z{% endif %}",
    "{% for i in list | default(value=[]) %}{{ i | json_encode }}{% endfor %}",
    "{% set v = 1 %}{{ v }}",
    "{% raw %}{{ kept }}{% endraw %}",
    "{# comment #}",
    "${{ github.sha }}",
    "<< name >>",
    "<% if flag %>y<% endif %>",
];

/// Pieces of Tera that are invalid, undefined or hostile.
const HOSTILE_SNIPPETS: &[&str] = &[
    "..",
    "/",
    "\\",
    "{{ name }}",
    "{{ a }}",
    "{{ nosuch }}",
    "{{ a.b.c }}",
    "{{ list[0] }}",
    "{{ n + 1 }}",
    "{{ 1 / 0 }}",
    "{{ a | upper }}",
    "{{ a | truncate(length=0) }}",
    "{{ a | split(pat='') | first }}",
    "{{ a | replace(from='', to='x') }}",
    "{{ a ~ '/' ~ b }}",
    "{{ '..' }}",
    "{{ '/' }}",
    "{{ '/etc' }}",
    "{{ '../' ~ name }}",
    "{{ scaffold.nosuch }}",
    "{% if flag %}",
    "{% endif %}",
    "{% include 'x' %}",
    "{% extends 'y' %}",
    "{% block b %}{% endblock %}",
    "{% macro m() %}{% endmacro %}",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "<<",
    ">>",
    "<% endif %>",
];

fn piece() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        9 => prop::sample::select(SAFE_SNIPPETS),
        1 => prop::sample::select(HOSTILE_SNIPPETS),
    ]
}

fn snippet() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..4).prop_map(|v| v.concat())
}

/// A file name component: literal or templated, never `/`, `.` or `..` on disk.
fn component() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(&["a", "b.txt", "dir", "README.md", "x.tera", ".hidden"][..])
            .prop_map(str::to_string),
        2 => snippet().prop_filter("a valid file name", |s| {
            !s.is_empty() && !s.contains('/') && s != "." && s != ".." && !s.contains('\0')
        }),
        1 => prop::sample::select(&[
            "{{ a | default(value='') }}",
            "{% if flag %}opt{% endif %}",
            "{{ name | default(value='svc') }}",
            "{{ b | default(value='') }}",
            "{{ a | default(value='..') }}",
            "{{ b | default(value='.') }}",
            "{{ n | default(value='~') }}",
        ][..])
        .prop_map(str::to_string),
    ]
}

fn entry() -> impl Strategy<Value = (String, Entry)> {
    let path = prop::collection::vec(component(), 1..4).prop_map(|c| c.join("/"));
    let tera = any::<bool>();
    let kind = prop_oneof![
        6 => snippet().prop_map(|s| (FileMode::File, s.into_bytes())),
        2 => snippet().prop_map(|s| (FileMode::Executable, s.into_bytes())),
        1 => prop::collection::vec(any::<u8>(), 0..16).prop_map(|b| (FileMode::File, b)),
        1 => prop::sample::select(&["a", "../a", "/etc/passwd", "dir/../a", "x/../../y", ""][..])
            .prop_map(|t| (FileMode::Symlink, t.as_bytes().to_vec())),
        1 => Just((FileMode::Dir, Vec::new())),
    ];
    (path, tera, kind).prop_map(|(path, tera, (mode, content))| {
        let path = if tera && mode != FileMode::Dir && mode != FileMode::Symlink {
            format!("{path}.tera")
        } else {
            path
        };
        (
            path,
            Entry {
                mode,
                content: content.into(),
            },
        )
    })
}

const STRINGS: &[&str] = &[
    "",
    "x",
    "svc",
    "../../etc",
    "/abs",
    "a/b",
    "..",
    ".",
    "é«",
    "{{ a }}",
    "C:/x",
    "~/x",
    "a\\b",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        prop::sample::select(STRINGS).prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One parameter: its schema and, usually, an answer of the matching type.
fn parameter() -> impl Strategy<Value = (Value, Option<Value>)> {
    let string = prop::sample::select(STRINGS).prop_map(Value::from);
    let typed = prop_oneof![
        3 => (
            prop::sample::select(vec![
                json!({"type": "string"}),
                json!({"type": "string", "format": "password"}),
                json!({"type": "string", "x-secret": true}),
            ]),
            string,
        ),
        1 => prop::sample::select(&["", "x", "svc"][..])
            .prop_map(|v| (json!({"type": "string", "pattern": "^[a-z]*$"}), Value::from(v))),
        1 => prop::sample::select(&["x", "svc", "../../etc"][..])
            .prop_map(|v| (json!({"enum": ["x", "svc", "../../etc"]}), Value::from(v))),
        1 => any::<i64>().prop_map(|v| (json!({"type": "integer"}), Value::from(v))),
        1 => (0f64..1e3).prop_map(|v| (json!({"type": "number", "minimum": 0}), json!(v))),
        2 => any::<bool>().prop_map(|v| (json!({"type": "boolean"}), Value::from(v))),
        1 => prop::collection::vec(prop::sample::select(STRINGS), 0..3)
            .prop_map(|v| (json!({"type": "array", "items": {"type": "string"}}), json!(v))),
        1 => json_value().prop_map(|v| (json!({"type": "object"}), json!({"k": v}))),
        1 => json_value().prop_map(|v| (json!({}), v)),
        1 => prop_oneof![any::<i64>().prop_map(Value::from), prop::sample::select(STRINGS).prop_map(Value::from)]
            .prop_map(|v| (json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}), v)),
        1 => prop::sample::select(&["../../etc", "/abs", "svc"][..])
            .prop_map(|v| (json!({"if": {"type": "string"}, "then": {"minLength": 2}}), Value::from(v))),
    ];
    let hostile = (
        prop::sample::select(vec![
            json!({"type": 12}),
            json!({"type": "nosuchtype"}),
            json!({"type": "string", "pattern": "("}),
            json!({"$ref": "#/properties/a"}),
            json!({"$ref": "#"}),
            json!({"$ref": "http://example.invalid/schema.json"}),
            json!({"$ref": "#/$defs/missing"}),
            json!({"minimum": "ten"}),
            json!({"type": "string", "format": "email"}),
            json!(true),
            json!(false),
            json!("not a schema"),
        ]),
        json_value(),
    );
    (
        prop_oneof![40 => typed, 1 => hostile],
        prop::option::weighted(0.2, json_value()),
        prop::option::weighted(0.3, snippet()),
        0..10u8,
    )
        .prop_map(|((mut schema, value), default, description, roll)| {
            if let Some(obj) = schema.as_object_mut() {
                if let Some(d) = default {
                    obj.insert("default".into(), d);
                }
                if let Some(d) = description {
                    obj.insert("description".into(), Value::from(d));
                }
            }
            // Usually answered (with the right type, unless the schema is hostile).
            let value = (roll < 9).then_some(value);
            (schema, value)
        })
}

/// Parameters schema plus the answers given for it.
fn parameters() -> impl Strategy<Value = (Value, Map<String, Value>)> {
    (
        prop::collection::vec(prop::option::weighted(0.8, parameter()), PARAM_NAMES.len()),
        prop::collection::btree_set(prop::sample::select(PARAM_NAMES), 0..2),
        prop::option::weighted(0.05, (prop::sample::select(PARAM_NAMES), json_value())),
        any::<bool>(),
    )
        .prop_map(|(params, required, extra, closed)| {
            let mut props = Map::new();
            let mut answers = Map::new();
            for (name, p) in PARAM_NAMES.iter().zip(params) {
                if let Some((schema, value)) = p {
                    props.insert(name.to_string(), schema);
                    if let Some(v) = value {
                        answers.insert(name.to_string(), v);
                    }
                }
            }
            if let Some((k, v)) = extra {
                answers.insert(k.to_string(), v);
            }
            let schema = json!({
                "type": "object",
                "properties": props,
                "required": required,
                "additionalProperties": !closed,
            });
            (schema, answers)
        })
}

const DELIMITERS: &[&str] = &[
    "{{", "}}", "{%", "%}", "{#", "#}", "<<", ">>", "<%", "%>", "«", "»", "éé", "[[", "]]", "a",
    "abc",
];

fn syntax() -> impl Strategy<Value = Option<Value>> {
    let angle = Just(json!({
        "blockStart": "<%", "blockEnd": "%>", "variableStart": "<<",
        "variableEnd": ">>", "commentStart": "<#", "commentEnd": "#>",
    }));
    let random = prop::collection::vec(prop::sample::select(DELIMITERS), 6).prop_map(|d| {
        json!({
            "blockStart": d[0], "blockEnd": d[1], "variableStart": d[2],
            "variableEnd": d[3], "commentStart": d[4], "commentEnd": d[5],
        })
    });
    prop::option::weighted(0.25, prop_oneof![4 => angle, 1 => random])
}

fn layers() -> impl Strategy<Value = Vec<Value>> {
    let path = prop_oneof![
        30 => prop::sample::select(&["one", "two"][..]),
        1 => prop::sample::select(&[".", "..", "missing", "one/dir", "", "/abs", "../.."][..]),
    ];
    let when = prop::option::weighted(
        0.4,
        prop_oneof![
            8 => prop::sample::select(
                &[
                    "flag",
                    "not flag",
                    "a == 'x'",
                    "nosuch",
                    "name == 'svc' or flag",
                    "list | default(value=[]) | length > 0",
                    "true",
                    "false",
                ][..]
            )
            .prop_map(str::to_string),
            1 => snippet(),
            1 => prop::sample::select(&["%}", "true %}{% if", "{{", "", "<% if", "1 +"][..])
                .prop_map(str::to_string),
        ],
    );
    prop::collection::vec((path, when), 1..4).prop_map(|v| {
        v.into_iter()
            .map(|(path, when)| match when {
                Some(w) => json!({"path": path, "when": w}),
                None => json!({"path": path}),
            })
            .collect()
    })
}

#[derive(Debug, Clone)]
struct Case {
    definition: String,
    files: Vec<(String, Entry)>,
    values: Map<String, Value>,
    sets: Vec<String>,
}

fn case() -> impl Strategy<Value = Case> {
    let definition = (
        parameters(),
        prop::collection::vec(
            (prop::sample::select(&["c1", "c2", "name"][..]), snippet()),
            0..3,
        ),
        layers(),
        syntax(),
        prop::collection::vec(
            prop_oneof![
                40 => prop::sample::select(&["**/*.swp", "a", "dir/", "[", "!b.txt", "**"][..]),
                1 => Just("[z-a]"),
            ],
            0..3,
        ),
        prop::collection::vec(
            prop_oneof![
                20 => prop::collection::btree_map(prop::sample::select(PARAM_NAMES), json_value(), 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
                1 => json_value(),
            ],
            0..2,
        ),
    )
        .prop_map(
            |((parameters, answers), computed, skeletons, syntax, exclude, examples)| {
                let computed: Map<String, Value> = computed
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), Value::from(v)))
                    .collect();
                let mut spec = json!({
                    "parameters": parameters,
                    "computed": computed,
                    "skeletons": skeletons,
                    "files": {"exclude": exclude, "policy": {"enforced": ["a"], "seed": ["dir/**"]}},
                    "examples": examples,
                });
                if let Some(s) = syntax {
                    spec["syntax"] = s;
                }
                let def = json!({
                    "apiVersion": "scaffold/v1",
                    "kind": "GoldenPath",
                    "metadata": {"name": "fuzz", "version": "1.0.0"},
                    "spec": spec,
                });
                (serde_yaml::to_string(&def).expect("serializes"), answers)
            },
        );
    let files = prop::collection::vec(
        (
            prop::sample::select(&["one", "two", "one/dir"][..]),
            entry(),
        ),
        0..8,
    )
    .prop_map(|v| {
        let mut files: Vec<(String, Entry)> = v
            .into_iter()
            .map(|(layer, (p, e))| (format!("{layer}/{p}"), e))
            .collect();
        // Both layers exist even when no random file landed in them.
        for layer in ["one", "two"] {
            files.push((
                format!("{layer}/{layer}.keep"),
                Entry {
                    mode: FileMode::File,
                    content: layer.as_bytes().to_vec().into(),
                },
            ));
        }
        files
    });
    let sets = prop::collection::vec(
        (
            prop::sample::select(PARAM_NAMES),
            prop_oneof![8 => Just("="), 1 => Just(""), 1 => Just("==")],
            prop::sample::select(
                &[
                    "1",
                    "true",
                    "[1]",
                    "{\"k\":1}",
                    "x",
                    "../up",
                    "/abs",
                    "",
                    "1e400",
                    "NaN",
                    "9223372036854775808",
                ][..],
            ),
        )
            .prop_map(|(k, eq, v)| format!("{k}{eq}{v}")),
        0..2,
    );
    (definition, files, sets).prop_map(|((definition, values), files, sets)| Case {
        definition,
        files,
        values,
        sets,
    })
}

/// Tokens that make up YAML-ish text: pieces of a definition, YAML punctuation, tags,
/// anchors, and Tera.
const YAML_TOKENS: &[&str] = &[
    "apiVersion: scaffold/v1\n",
    "kind: GoldenPath\n",
    "metadata:\n",
    "  name: fuzz\n",
    "  version: 1.0.0\n",
    "  version: v\n",
    "spec:\n",
    "  parameters:\n",
    "    type: object\n",
    "    properties: {a: {type: string}}\n",
    "  skeletons:\n",
    "    - path: one\n",
    "      when: flag\n",
    "  computed:\n",
    "    c: '{{ a }}'\n",
    "  syntax: {variableStart: '<<'}\n",
    "  examples: [{a: x}]\n",
    "  files: {exclude: ['[']}\n",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\n",
    "  ",
    "\t",
    "'",
    "\"",
    "&a ",
    "*a",
    "!!binary ",
    "!!str ",
    "? ",
    "|\n",
    ">-\n",
    "---\n",
    "...\n",
    "# c\n",
    "~",
    "0x10",
    "1e999",
    "é",
    "{{ a }}",
    "\u{feff}",
];

// ---------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------

proptest! {
    #![proptest_config(Config { cases: 200, failure_persistence: None, ..Config::default() })]

    #[test]
    fn yamlish_text_never_panics(tokens in prop::collection::vec(prop::sample::select(YAML_TOKENS), 0..30)) {
        let text = tokens.concat();
        if let Ok(d) = Definition::parse("fuzz.yaml", &text) {
            let _ = d.problems("fuzz.yaml", &text);
        }
        let files = vec![(
            "one/a.txt.tera".to_string(),
            Entry { mode: FileMode::File, content: b"{{ a }}".to_vec().into() },
        )];
        exercise(&located(&text, files), Map::new(), vec!["a=x".to_string()]);
    }

    #[test]
    fn random_golden_paths_and_answers_never_panic(c in case()) {
        exercise(&located(&c.definition, c.files), c.values, c.sets);
    }
}

/// Run `cases` cases of `strategy` through `f` and count the stage each reached.
fn counted<S: Strategy>(cases: u32, strategy: S, f: impl Fn(S::Value) -> Stage) -> [usize; 5] {
    let counts = std::sync::Mutex::new([0usize; 5]);
    let mut runner = proptest::test_runner::TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |v| {
            let stage = f(v);
            counts.lock().unwrap()[stage as usize] += 1;
            Ok(())
        })
        .unwrap();
    counts.into_inner().unwrap()
}

/// Definition parsing and path rendering, with a floor on the cases that get through
/// each stage: a generator that only produced refused definitions would test nothing.
#[test]
#[allow(clippy::print_stderr)] // the stage counts are the test's summary
fn counted_definitions_and_path_rendering_reach_every_stage() {
    let started = std::time::Instant::now();
    let counts = counted(300, case(), |c| {
        exercise(&located(&c.definition, c.files), c.values, c.sets)
    });
    let at_least = |stage: Stage| counts[stage as usize..].iter().sum::<usize>();
    eprintln!("stages reached (refused, loaded, answered, rendered, planned): {counts:?}");
    // Floors well under what the generator reaches (about 190, 80, 40, 40 of 300).
    assert!(at_least(Stage::Loaded) >= 120, "{counts:?}");
    assert!(at_least(Stage::Answered) >= 50, "{counts:?}");
    assert!(at_least(Stage::Rendered) >= 20, "{counts:?}");
    assert!(counts[Stage::Planned as usize] >= 20, "{counts:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(120));
}

/// Lines for the merge fuzz: LF and CRLF endings, a line without an ending, and
/// lines that look like conflict markers.
const MERGE_LINES: &[&str] = &[
    "a\n",
    "b\n",
    "c\n",
    "d\r\n",
    "e\r\n",
    "\n",
    "x",
    "=======\n",
    "é\n",
];

/// A base of lines, and ours and theirs each made from it by a few edits (replace,
/// insert, delete at random places), as real edits are.
fn merge_case() -> impl Strategy<Value = (Vec<u8>, Vec<u8>, Vec<u8>)> {
    let line = || prop::sample::select(MERGE_LINES);
    let edits = || prop::collection::vec((0usize..16, 0u8..3, line()), 0..3);
    (prop::collection::vec(line(), 1..12), edits(), edits()).prop_map(|(base, o, t)| {
        let apply = |edits: &[(usize, u8, &'static str)]| {
            let mut v = base.clone();
            for (at, kind, l) in edits {
                let i = at % (v.len() + 1);
                match kind {
                    0 if i < v.len() => v[i] = l,
                    1 => v.insert(i, l),
                    _ if i < v.len() => {
                        v.remove(i);
                    }
                    _ => v.push(l),
                }
            }
            v.concat().into_bytes()
        };
        (base.concat().into_bytes(), apply(&o), apply(&t))
    })
}

/// The merge: laws that hold for any input, and a floor on the cases where both sides
/// changed the base differently (the only ones that exercise the three-way merge).
#[test]
#[allow(clippy::print_stderr)] // the merge counts are the test's summary
fn counted_merges_obey_the_laws() {
    use scaffold_core::merge::{MergeLabels, merge_text};
    let labels = MergeLabels {
        ours: "ours",
        base: "base",
        theirs: "theirs",
    };
    let three_way = std::sync::atomic::AtomicUsize::new(0);
    let clean_three_way = std::sync::atomic::AtomicUsize::new(0);
    let started = std::time::Instant::now();
    counted(600, merge_case(), |(base, ours, theirs)| {
        let m = merge_text(&base, &ours, &theirs, labels);
        if ours == theirs || base == theirs {
            assert_eq!(m.content, ours);
            assert!(m.is_clean());
        } else if base == ours {
            assert_eq!(m.content, theirs);
            assert!(m.is_clean());
        } else {
            three_way.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if m.is_clean() {
                clean_three_way.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            } else {
                let text = String::from_utf8_lossy(&m.content);
                assert!(
                    text.contains("<<<<<<< ours") && text.contains(">>>>>>> theirs"),
                    "{text:?}"
                );
            }
        }
        // Merging the result with itself as base and ours takes theirs, whatever it holds.
        let again = merge_text(&m.content, &m.content, &theirs, labels);
        assert_eq!(again.content, theirs);
        Stage::Planned
    });
    let three_way = three_way.into_inner();
    let clean = clean_three_way.into_inner();
    eprintln!("three-way merges: {three_way}, clean: {clean}");
    assert!(three_way >= 150, "{three_way}");
    assert!(clean >= 30, "{clean}");
    assert!(three_way - clean >= 30, "{}", three_way - clean);
    assert!(started.elapsed() < std::time::Duration::from_secs(120));
}

/// The same random golden paths from disk (a temp dir, so names, modes and links go
/// through the file system), fewer cases.
mod on_disk {
    use super::*;

    fn write_tree(root: &std::path::Path, def: &str, files: &[(String, Entry)]) -> bool {
        std::fs::write(root.join("golden-path.yaml"), def).unwrap();
        for (p, e) in files {
            let path = root.join(p);
            if std::fs::create_dir_all(path.parent().unwrap()).is_err() {
                return false;
            }
            let ok = match e.mode {
                FileMode::Dir => std::fs::create_dir_all(&path).is_ok(),
                FileMode::Symlink => {
                    std::os::unix::fs::symlink(String::from_utf8_lossy(&e.content).as_ref(), &path)
                        .is_ok()
                }
                _ => {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::write(&path, &e.content).is_ok()
                        && std::fs::set_permissions(
                            &path,
                            std::fs::Permissions::from_mode(if e.mode == FileMode::Executable {
                                0o755
                            } else {
                                0o644
                            }),
                        )
                        .is_ok()
                }
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// On disk a layer may climb out of the template directory (`../skeletons` is how
    /// the built-in library is laid out); keep random layers from rendering whatever
    /// lies above the temp dir.
    fn no_climbing_layers(definition: &str) -> String {
        definition
            .lines()
            .map(|l| match l.find("path: ..") {
                Some(i) if matches!(&l[i..], "path: .." | "path: ../..") => {
                    format!("{}path: one\n", &l[..i])
                }
                _ => format!("{l}\n"),
            })
            .collect()
    }

    proptest! {
        #![proptest_config(Config { cases: 50, failure_persistence: None, ..Config::default() })]

        #[test]
        fn random_golden_paths_on_disk_never_panic(c in case()) {
            let definition = no_climbing_layers(&c.definition);
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().join("gp");
            std::fs::create_dir(&root).unwrap();
            // Entries that collide on disk (a file where a directory must go) are skipped.
            prop_assume!(write_tree(&root, &definition, &c.files));
            let loc = scaffold_core::source::local_definition(&root.join("golden-path.yaml"));
            exercise(&loc, c.values, c.sets);
        }
    }
}

// ---------------------------------------------------------------------------------
// The committed corpus (tests/engine/corpus/), and mutations of it
// ---------------------------------------------------------------------------------
//
// One directory per target: `definition/` (golden-path definitions), `answers/`
// (answers files of both formats), `path/` (templated path names, one per line) and
// `merge/` (three-way triples: a `scaffold-merge-triple LEN LEN LEN` line, then base,
// ours and theirs). Each input runs as it is, then mutated (bytes flipped, ranges
// deleted or repeated, YAML/Tera tokens spliced in). `SCAFFOLD_FUZZ_CASES` (default
// 120 per target) bounds the run; CI runs the default. An input that made the library
// panic belongs in the corpus, beside the fix.

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/engine/corpus")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(out.len() >= 2, "corpus {target} is (nearly) empty");
    out
}

fn fuzz_cases() -> u32 {
    std::env::var("SCAFFOLD_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120)
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Repeat(usize, usize),
    Insert(usize, &'static str),
}

const SPLICE_TOKENS: &[&str] = &[
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    ": ",
    "\n",
    "- ",
    "'",
    "\"",
    "&a ",
    "*a",
    "<<: ",
    "..",
    ".git/",
    "/",
    "\t",
    "\u{feff}",
    "~",
    "null",
    "[",
    "]",
    "{",
    "}",
    "format: 3\n",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::Flip(p, b)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Mutation::Delete(p, n)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Mutation::Repeat(p, n)),
        (any::<usize>(), prop::sample::select(SPLICE_TOKENS))
            .prop_map(|(p, t)| Mutation::Insert(p, t)),
    ]
}

fn mutate(input: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut v = input.to_vec();
    for m in mutations {
        let at = |p: usize, len: usize| if len == 0 { 0 } else { p % (len + 1) };
        match *m {
            Mutation::Flip(p, b) if !v.is_empty() => {
                let i = p % v.len();
                v[i] ^= b.max(1);
            }
            Mutation::Flip(..) => {}
            Mutation::Delete(p, n) => {
                let i = at(p, v.len());
                let end = (i + n).min(v.len());
                v.drain(i..end);
            }
            Mutation::Repeat(p, n) => {
                let i = at(p, v.len());
                let end = (i + n).min(v.len());
                let chunk = v[i..end].to_vec();
                v.splice(i..i, chunk);
            }
            Mutation::Insert(p, t) => {
                let i = at(p, v.len());
                v.splice(i..i, t.bytes());
            }
        }
    }
    v
}

/// Each corpus input as it is (`None`), then mutated, through `f`.
fn run_corpus(target: &str, f: impl Fn(&str, &[u8], bool)) {
    let inputs = corpus(target);
    for (name, bytes) in &inputs {
        f(name, bytes, true);
    }
    let strategy = (0..inputs.len(), prop::collection::vec(mutation(), 1..6));
    let mut runner = proptest::test_runner::TestRunner::new(Config {
        cases: fuzz_cases(),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |(i, ms)| {
            let (name, bytes) = &inputs[i];
            f(name, &mutate(bytes, &ms), false);
            Ok(())
        })
        .unwrap();
}

#[test]
fn corpus_definitions_and_their_mutations_never_panic() {
    let parsed = std::sync::atomic::AtomicUsize::new(0);
    run_corpus("definition", |name, bytes, original| {
        let text = String::from_utf8_lossy(bytes);
        let definition = Definition::parse(name, &text);
        if let Ok(d) = &definition {
            parsed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let problems = d.problems(name, &text);
            if original && name == "go-microservice.yaml" {
                assert!(problems.is_empty(), "{problems:?}");
            }
        } else if original && name == "go-microservice.yaml" {
            panic!("the built-in definition does not parse: {definition:?}");
        }
        // Without its skeletons, loading stops at the layers; it must not panic.
        exercise(&located(&text, Vec::new()), Map::new(), Vec::new());
    });
    // The unmutated definitions parse, and some mutations still do.
    assert!(parsed.into_inner() >= 6);
}

#[test]
fn corpus_answers_files_and_their_mutations_never_panic() {
    use scaffold_core::AnswersFile;
    let accepted = std::sync::atomic::AtomicUsize::new(0);
    run_corpus("answers", |name, bytes, original| {
        let text = String::from_utf8_lossy(bytes);
        let full = AnswersFile::parse(name, &text);
        let fast = AnswersFile::parse_fast(name, &text);
        // The fast reader is documented to give exactly the full parser's result.
        match (&full, &fast) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "parse and parse_fast disagree"),
            (Err(_), Err(_)) => {}
            _ => panic!(
                "parse and parse_fast disagree on {name}: {:?} vs {:?}",
                full.as_ref().map(|_| ()),
                fast.as_ref().map(|_| ())
            ),
        }
        if original {
            assert!(
                full.is_ok(),
                "corpus answers file {name} is refused: {full:?}"
            );
        }
        if let Ok(file) = full {
            accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            for path in file.manifest.keys() {
                assert_safe_path(path);
                assert_eq!(
                    scaffold_core::tree::reserved_component(path),
                    None,
                    "{path:?}"
                );
            }
            // What parses writes back to what parses the same.
            let again = AnswersFile::parse(name, &file.to_yaml()).expect("re-parse");
            assert_eq!(again, file);
        }
    });
    assert!(accepted.into_inner() >= 2);
}

#[test]
fn corpus_path_names_and_their_mutations_render_only_safe_paths() {
    let definition = r#"apiVersion: scaffold/v1
kind: GoldenPath
metadata:
  name: fuzz
  version: 1.0.0
spec:
  parameters:
    type: object
    properties:
      name: {type: string, default: svc}
      dir: {type: string, default: sub}
      package: {type: string, default: pkg}
      env: {type: string, default: dev}
      grpc: {type: boolean, default: true}
      snake_name: {type: string, default: svc_name}
  skeletons:
    - path: skel
"#;
    let answers = [
        vec![],
        vec!["dir=..".to_string()],
        vec!["name=.git".to_string(), "dir=".to_string()],
        vec!["dir=a/../../b".to_string(), "grpc=false".to_string()],
    ];
    let rendered = std::sync::atomic::AtomicUsize::new(0);
    run_corpus("path", |_, bytes, _| {
        let text = String::from_utf8_lossy(bytes);
        for (n, line) in text.lines().enumerate().take(40) {
            let files = vec![(
                format!("skel/{line}"),
                Entry {
                    mode: FileMode::File,
                    content: b"x".to_vec().into(),
                },
            )];
            let loc = located(definition, files);
            let sets = answers[n % answers.len()].clone();
            if exercise(&loc, Map::new(), sets) >= Stage::Rendered {
                rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
    let rendered = rendered.into_inner();
    assert!(rendered >= 20, "{rendered}");
}

#[test]
fn corpus_merges_and_their_mutations_obey_the_laws() {
    use scaffold_core::merge::{MergeLabels, merge_text};
    let labels = MergeLabels {
        ours: "ours",
        base: "base",
        theirs: "theirs",
    };
    let split = |bytes: &[u8]| -> Option<[Vec<u8>; 3]> {
        let nl = bytes.iter().position(|b| *b == b'\n')?;
        let head = std::str::from_utf8(&bytes[..nl]).ok()?;
        let lens: Vec<usize> = head
            .strip_prefix("scaffold-merge-triple ")?
            .split(' ')
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?;
        if lens.len() != 3 {
            return None;
        }
        let body = &bytes[nl + 1..];
        let (a, b) = (lens[0], lens[0].checked_add(lens[1])?);
        (Some(body.len()) == b.checked_add(lens[2]))
            .then(|| [body[..a].to_vec(), body[a..b].to_vec(), body[b..].to_vec()])
    };
    run_corpus("merge", |name, bytes, original| {
        // A mutated triple is cut into three parts wherever its header allows.
        let [base, ours, theirs] = match split(bytes) {
            Some(t) => t,
            None if original => panic!("corpus triple {name} is malformed"),
            None => {
                let third = bytes.len() / 3;
                [
                    bytes[..third].to_vec(),
                    bytes[third..2 * third].to_vec(),
                    bytes[2 * third..].to_vec(),
                ]
            }
        };
        let m = merge_text(&base, &ours, &theirs, labels);
        if ours == theirs || base == theirs {
            assert_eq!(m.content, ours);
        } else if base == ours {
            assert_eq!(m.content, theirs);
        }
        assert_eq!(m.is_clean(), m.conflicts == 0);
        let again = merge_text(&m.content, &m.content, &theirs, labels);
        assert_eq!(again.content, theirs);
        // Symmetry of cleanliness: swapping the sides never turns a conflict clean.
        let swapped = merge_text(&base, &theirs, &ours, labels);
        assert_eq!(swapped.is_clean(), m.is_clean(), "{name}");
    });
}
