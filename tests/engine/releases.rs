//! Released built-in versions are immutable: for every built-in golden path, every
//! version (each frozen release under `golden-paths/releases/<name>/<version>/` and
//! the head) and every example of its definition, the whole render (paths, modes,
//! contents) must hash to what `tests/fixtures/releases/<name>@<version>.lock` says.
//!
//! A head whose version is also frozen must render exactly like the frozen copy (both
//! are checked against the same lock). A new version has no lock yet: the test fails
//! with the command that writes it (`SCAFFOLD_BLESS_RELEASES=1`); see the release
//! procedure in docs/golden-paths.md.

use std::collections::BTreeMap;
use std::path::PathBuf;

use scaffold_core::source::{self, Located};
use scaffold_core::{AnswerInput, ENGINE_VERSION, GoldenPath};

const BLESS: &str = "SCAFFOLD_BLESS_RELEASES";

fn lock_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/releases")
}

/// The lock text of one version: a header, then per example its index and one
/// `path mode blake3` line per entry of the render.
fn lock_text(name: &str, version: &str, located: &Located) -> String {
    let gp =
        GoldenPath::load(located).unwrap_or_else(|e| panic!("{name}@{version} does not load: {e}"));
    assert!(
        !gp.definition.spec.examples.is_empty(),
        "{name}@{version} has no spec.examples: nothing would pin its render"
    );
    let mut out = format!(
        "# {name}@{version}: blake3 of the render of every spec.examples entry.\n# Written by `{BLESS}=1 cargo test -p scaffold-core --test releases`; never edit by hand.\n"
    );
    for (i, example) in gp.definition.spec.examples.iter().enumerate() {
        let values = example.as_object().cloned().unwrap_or_default();
        let answers = gp
            .resolve_answers(&AnswerInput {
                values,
                sets: Vec::new(),
            })
            .unwrap_or_else(|e| panic!("{name}@{version} examples[{i}]: {e}"));
        let rendered = gp
            .render(&answers)
            .unwrap_or_else(|e| panic!("{name}@{version} examples[{i}]: {e}"));
        out.push_str(&format!("\n[example {i}]\n"));
        for (path, entry) in rendered.tree() {
            out.push_str(&format!(
                "{path} {} {}\n",
                entry.mode,
                blake3::hash(&entry.content).to_hex()
            ));
        }
    }
    out
}

/// Every (name, version, how to find it) to pin: each frozen release and each head.
fn all_versions() -> Vec<(String, String, String, Located)> {
    let mut out = Vec::new();
    for head in source::builtin_definitions(ENGINE_VERSION) {
        let name = head.name.clone();
        for v in source::builtin_versions(ENGINE_VERSION, &name).unwrap() {
            if let Some(dir) = &v.release_dir {
                out.push((
                    name.clone(),
                    v.version.clone(),
                    format!("golden-paths/releases/{name}/{dir}"),
                    v.located.clone(),
                ));
            }
        }
        let version = source::declared_version(&head).unwrap();
        out.push((name, version, "head".to_string(), head));
    }
    out
}

#[test]
fn every_release_directory_is_named_by_its_version() {
    let releases = source::builtin_releases();
    assert!(
        releases.contains(&("go-microservice".to_string(), "1.0.0".to_string())),
        "go-microservice 1.0.0 must stay frozen: {releases:?}"
    );
    for (name, dir) in releases {
        let versions = source::builtin_versions(ENGINE_VERSION, &name).unwrap();
        let frozen = versions
            .iter()
            .find(|v| v.release_dir.as_deref() == Some(dir.as_str()))
            .unwrap_or_else(|| panic!("{name}/{dir} is not listed"));
        assert_eq!(
            frozen.version, dir,
            "golden-paths/releases/{name}/{dir}/golden-paths/{name}.yaml declares metadata.version {}; a release directory is named by its version",
            frozen.version
        );
        let gp = GoldenPath::load(&frozen.located).unwrap();
        assert_eq!(gp.name(), name, "{name}/{dir} defines another golden path");
    }
}

#[test]
fn every_released_render_matches_its_lock() {
    let bless = std::env::var_os(BLESS).is_some_and(|v| v == "1");
    let mut texts: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (name, version, origin, located) in all_versions() {
        let file = format!("{name}@{version}.lock");
        let text = lock_text(&name, &version, &located);
        // A head that is also frozen must render exactly like the frozen copy.
        if let Some((other, first)) = texts.get(&file) {
            if *first != text {
                failures.push(format!(
                    "{name}@{version}: {origin} renders differently from {other}: a released version must not change; bump the head's metadata.version"
                ));
            }
            continue;
        }
        texts.insert(file.clone(), (origin.clone(), text.clone()));
        let path = lock_dir().join(&file);
        if bless {
            std::fs::create_dir_all(lock_dir()).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Err(_) => failures.push(format!(
                "{name}@{version} ({origin}) has no lock file tests/fixtures/releases/{file}; write it with `{BLESS}=1 cargo test -p scaffold-core --test releases`, review it and commit it"
            )),
            Ok(locked) if locked != text => {
                let changed: Vec<String> = similar::TextDiff::from_lines(&locked, &text)
                    .iter_all_changes()
                    .filter(|c| c.tag() != similar::ChangeTag::Equal)
                    .take(20)
                    .map(|c| format!("{}{}", c.tag(), c.value().trim_end()))
                    .collect();
                failures.push(format!(
                    "{name}@{version} ({origin}) no longer renders as released (tests/fixtures/releases/{file}):\n{}\nA released version must not change: freeze the old head and bump the version (docs/golden-paths.md); re-bless only a version that was never released",
                    changed.join("\n")
                ));
            }
            Ok(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    if !bless {
        // Every lock file belongs to a version that still exists.
        for entry in std::fs::read_dir(lock_dir()).unwrap() {
            let file = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                texts.contains_key(&file),
                "tests/fixtures/releases/{file} pins no built-in version any more: a released version was removed"
            );
        }
    }
}

#[test]
fn the_lock_notices_a_changed_byte() {
    // The comparison is over contents, modes and paths: changing one byte of one
    // skeleton file of a frozen release changes its lock text.
    let (name, version, _, located) = all_versions()
        .into_iter()
        .find(|(_, _, origin, _)| origin != "head")
        .expect("at least one frozen release");
    let before = lock_text(&name, &version, &located);
    let source::TemplateFs::Memory { tree, label } = &located.fs else {
        panic!("a built-in release is a tree in memory");
    };
    let mut tree = (**tree).clone();
    // A file of the definition's last layer, which no later layer overrides.
    let definition = String::from_utf8(tree[&located.definition].content.to_vec()).unwrap();
    let last_layer = definition
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- path: ../"))
        .next_back()
        .expect("the definition has skeleton layers")
        .to_string();
    let (path, entry) = tree
        .iter_mut()
        .find(|(p, e)| {
            p.starts_with(&format!("{last_layer}/"))
                && !e.content.is_empty()
                && e.mode == scaffold_core::tree::FileMode::File
        })
        .expect("a skeleton file");
    let path = path.clone();
    let mut grown = entry.content.to_vec();
    grown.push(b'\n');
    entry.content = grown.into();
    let changed = Located {
        fs: source::TemplateFs::Memory {
            tree: std::sync::Arc::new(tree),
            label: label.clone(),
        },
        ..located.clone()
    };
    assert_ne!(
        before,
        lock_text(&name, &version, &changed),
        "appending a newline to {path} did not change the lock"
    );
}

#[test]
fn every_version_has_a_changelog_entry() {
    for head in source::builtin_definitions(ENGINE_VERSION) {
        let gp = GoldenPath::load(&head).unwrap();
        let entries = scaffold_core::golden_path::changelog::read(&gp)
            .unwrap()
            .unwrap_or_else(|| panic!("golden-paths/{}.CHANGELOG.md is missing", gp.name()));
        for v in source::builtin_versions(ENGINE_VERSION, gp.name()).unwrap() {
            assert!(
                entries
                    .iter()
                    .any(|e| source::same_version(&e.version, &v.version)),
                "golden-paths/{}.CHANGELOG.md has no `## {}` entry",
                gp.name(),
                v.version
            );
        }
    }
}

#[test]
fn versions_are_located_by_number_with_errors_callers_can_branch_on() {
    use scaffold_core::source::remote::Target;
    use scaffold_core::{Engine, Error, SourceRecord};
    let engine = Engine::new();
    let record = SourceRecord::Builtin {
        engine_version: ENGINE_VERSION.to_string(),
    };
    let frozen = engine
        .locate_recorded(&record, "go-microservice", &Target::Ref("1.0.0".into()))
        .unwrap();
    assert_eq!(source::declared_version(&frozen).unwrap(), "1.0.0");
    let via_name = engine.locate("go-microservice@1.0.0").unwrap();
    assert_eq!(
        via_name.fs.display(&via_name.definition),
        frozen.fs.display(&frozen.definition)
    );
    // `latest` and no version are the head.
    let head = engine.locate("go-microservice").unwrap();
    let latest = engine.locate("go-microservice@latest").unwrap();
    assert_eq!(
        head.fs.display(&head.definition),
        latest.fs.display(&latest.definition)
    );
    let recorded_latest = engine
        .locate_recorded(&record, "go-microservice", &Target::Latest)
        .unwrap();
    assert_eq!(
        source::declared_version(&recorded_latest).unwrap(),
        source::declared_version(&head).unwrap()
    );

    match engine.locate("go-microservice@0.0.1") {
        Err(Error::VersionNotFound {
            golden_path,
            version,
            available,
        }) => {
            assert_eq!(
                (golden_path.as_str(), version.as_str()),
                ("go-microservice", "0.0.1")
            );
            let listed: Vec<String> = source::builtin_versions(ENGINE_VERSION, "go-microservice")
                .unwrap()
                .into_iter()
                .map(|v| v.version)
                .collect();
            assert_eq!(available, listed);
        }
        other => panic!("expected VersionNotFound, got {other:?}"),
    }
    assert!(matches!(
        engine.locate_recorded(&record, "go-microservice", &Target::Ref("0.0.1".into())),
        Err(Error::VersionNotFound { .. })
    ));
    for bad in ["1.0", "one", ""] {
        match engine.locate(&format!("go-microservice@{bad}")) {
            Err(Error::InvalidVersion { version, .. }) => assert_eq!(version, bad),
            other => panic!("{bad:?}: expected InvalidVersion, got {other:?}"),
        }
    }
    assert!(matches!(
        engine.locate("no-such-path@1.0.0"),
        Err(Error::UnknownGoldenPath { .. })
    ));
    // The recorded target of a built-in project is its recorded version.
    let mut file: scaffold_core::AnswersFile = serde_yaml::from_str(&format!(
        "format: 1\ngolden_path: go-microservice\nversion: 1.0.0\nsource:\n  type: builtin\n  engine_version: {ENGINE_VERSION}\nengine_version: {ENGINE_VERSION}\nanswers: {{}}\nmanifest: {{}}\n"
    ))
    .unwrap();
    assert_eq!(file.recorded_target(), Target::Ref("1.0.0".into()));
    file.source = SourceRecord::Local {
        path: "/x/golden-path.yaml".into(),
    };
    assert_eq!(file.recorded_target(), Target::Latest);
}
