//! The user configuration (docs/config.md): default answers (for every golden path and
//! per golden path), template libraries, trusted sources (whose hooks run) and git-host
//! shorthands. The caller finds the file (the CLI: `--config`, `SCAFFOLD_CONFIG`, else
//! the platform's configuration directory) and hands its path or text to
//! [`UserConfig::read`] or [`UserConfig::parse`]; the library reads no environment.
//!
//! Answers are layered by [`layer_answers`], lowest first: the schema default, the
//! configuration, the destination's name, `--values`, then `--set`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Location, Result};
use crate::golden_path::GoldenPath;
use crate::golden_path::answers::{AnswerOrigin, Parameters};
use crate::golden_path::definition::YamlPositions;
use crate::source::SourceRecord;

/// `docs/schema/config.schema.json`: the user configuration file.
pub const CONFIG_SCHEMA: &str = include_str!("../../../docs/schema/config.schema.json");

/// The configuration file's name inside the `scaffold` configuration directory.
pub const FILE_NAME: &str = "config.yaml";

/// The file as written (serde types; unknown keys are refused).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Answers for every golden path that declares the parameter.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub defaults: Map<String, Value>,
    /// Per golden path (by name): its own defaults, winning over `defaults`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub golden_paths: BTreeMap<String, GoldenPathConfig>,
    /// Template library directories (relative ones from the file's directory),
    /// searched after the command line's and before the built-in library.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub libraries: Vec<PathBuf>,
    /// Sources whose hooks run without being asked: globs over the recorded source
    /// (`built-in`, a definition's absolute path, a git URL; `gh:`, `gl:` and the
    /// shorthands below are expanded first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted: Vec<String>,
    /// Git-host shorthands: `acme: "https://git.acme.internal/{}.git"` makes
    /// `acme:team/repo` that URL (`{}` is the repository).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub shorthands: BTreeMap<String, String>,
}

/// `golden_paths.NAME` of the configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenPathConfig {
    /// Answers for this golden path.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub defaults: Map<String, Value>,
}

/// A parsed, checked configuration and where it came from.
#[derive(Debug, Clone)]
pub struct UserConfig {
    /// The file.
    pub path: PathBuf,
    /// Its content.
    pub file: ConfigFile,
    positions: YamlPositions,
    trusted: globset::GlobSet,
}

/// The names a shorthand may not take: the built-in ones and URL schemes.
const RESERVED_SHORTHANDS: &[&str] = &["gh", "gl", "http", "https", "ssh", "git", "file"];

impl UserConfig {
    /// Read and parse the file at `path`; a missing file is `Ok(None)`.
    pub fn read(path: &Path) -> Result<Option<UserConfig>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(path, &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("cannot read the configuration", path, e)),
        }
    }

    /// Parse `text` as the configuration file `path`: every problem is an
    /// [`Error::Config`] at its line and column.
    pub fn parse(path: &Path, text: &str) -> Result<UserConfig> {
        let shown = path.display().to_string();
        let file: ConfigFile = if text.trim().is_empty() {
            ConfigFile::default()
        } else {
            serde_yaml::from_str(text).map_err(|e| {
                let (line, column) = e
                    .location()
                    .map(|l| (l.line(), l.column()))
                    .unwrap_or((0, 0));
                Error::Config {
                    location: Location {
                        file: shown.clone(),
                        line,
                        column,
                    },
                    message: format!(
                        "{e}; docs/config.md lists the keys (defaults, golden_paths, libraries, trusted, shorthands)"
                    ),
                }
            })?
        };
        let positions = YamlPositions::of(text);
        let at = |pointer: &str, message: String| Error::Config {
            location: positions.locate(&shown, pointer),
            message,
        };
        for (name, template) in &file.shorthands {
            let valid_name = name.len() >= 2
                && name.starts_with(|c: char| c.is_ascii_lowercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !valid_name || RESERVED_SHORTHANDS.contains(&name.as_str()) {
                return Err(at(
                    &format!("/shorthands/{name}"),
                    format!(
                        "shorthand `{name}`: give a name of at least two lowercase letters, digits or hyphens, other than {}",
                        RESERVED_SHORTHANDS.join(", ")
                    ),
                ));
            }
            if template.matches("{}").count() != 1 {
                return Err(at(
                    &format!("/shorthands/{name}"),
                    format!(
                        "shorthand `{name}`: the URL must hold `{{}}` once, where the repository goes, e.g. `https://git.example.com/{{}}.git`"
                    ),
                ));
            }
        }
        let mut globs = globset::GlobSetBuilder::new();
        for (i, pattern) in file.trusted.iter().enumerate() {
            let expanded = expand_pattern(pattern, &file.shorthands);
            let glob = globset::GlobBuilder::new(&expanded)
                .literal_separator(true)
                .build()
                .map_err(|e| {
                    at(
                        &format!("/trusted/{i}"),
                        format!("trusted source `{pattern}` is not a valid glob: {e}"),
                    )
                })?;
            globs.add(glob);
        }
        let trusted = globs.build().map_err(|e| {
            at(
                "/trusted",
                format!("the trusted sources do not compile: {e}"),
            )
        })?;
        Ok(UserConfig {
            path: path.to_path_buf(),
            file,
            positions,
            trusted,
        })
    }

    /// The library directories, relative ones resolved from the file's directory.
    pub fn libraries(&self) -> Vec<PathBuf> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        self.file
            .libraries
            .iter()
            .map(|l| {
                if l.is_absolute() {
                    l.clone()
                } else {
                    dir.join(l)
                }
            })
            .collect()
    }

    /// Whether `source` matches one of the trusted patterns.
    pub fn trusts(&self, source: &SourceRecord) -> bool {
        trust_subjects(source)
            .iter()
            .any(|s| self.trusted.is_match(s))
    }

    /// The configuration's answers for `gp`: `defaults`, then `golden_paths.NAME.defaults`
    /// over them, keeping only the parameters `gp` declares (others are for other
    /// golden paths). A value the parameter's schema refuses is an [`Error::Config`]
    /// at its key.
    pub fn defaults_for(&self, gp: &GoldenPath) -> Result<Map<String, Value>> {
        self.defaults_for_parameters(gp.name(), gp.parameters())
    }

    /// [`UserConfig::defaults_for`] by golden-path name and parameters.
    pub fn defaults_for_parameters(
        &self,
        golden_path: &str,
        params: &Parameters,
    ) -> Result<Map<String, Value>> {
        let declared: Vec<String> = params.questions().into_iter().map(|q| q.name).collect();
        let mut out = Map::new();
        let own = self.file.golden_paths.get(golden_path);
        let layers = [
            ("/defaults".to_string(), Some(&self.file.defaults)),
            (
                format!("/golden_paths/{}/defaults", escape(golden_path)),
                own.map(|g| &g.defaults),
            ),
        ];
        for (base, map) in layers {
            for (key, value) in map.into_iter().flatten() {
                if !declared.contains(key) {
                    continue;
                }
                let mut value = value.clone();
                let mut one = Map::from_iter([(key.clone(), value)]);
                params.coerce_booleans(&mut one);
                value = one.remove(key).unwrap_or_default();
                if let Err(why) = params.validate_one(key, &value) {
                    return Err(Error::Config {
                        location: self.positions.locate(
                            &self.path.display().to_string(),
                            &format!("{base}/{}", escape(key)),
                        ),
                        message: format!(
                            "default `{key}` for {golden_path}: {why}; change or remove it"
                        ),
                    });
                }
                out.insert(key.clone(), value);
            }
        }
        Ok(out)
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// What a trusted pattern is matched against: `built-in`; a local definition's path;
/// a git URL, with and without `.git`.
fn trust_subjects(source: &SourceRecord) -> Vec<String> {
    match source {
        SourceRecord::Builtin { .. } => vec!["built-in".to_string()],
        SourceRecord::Local { path } => vec![path.clone()],
        SourceRecord::Git { url, .. } => {
            let mut out = vec![url.clone()];
            if let Some(bare) = url.strip_suffix(".git") {
                out.push(bare.to_string());
            }
            out
        }
    }
}

/// A trusted pattern with its shorthand (`gh:`, `gl:`, or one of `user`'s) written
/// out as the URL it stands for, without `.git`: `gh:acme/*` is
/// `https://github.com/acme/*`.
fn expand_pattern(pattern: &str, user: &BTreeMap<String, String>) -> String {
    if let Some((name, rest)) = pattern.split_once(':') {
        if let Some(template) = crate::source::git::shorthand_template(name, user) {
            // Matched against the URL without `.git` too, so that `**` can end it.
            let template = template.strip_suffix(".git").unwrap_or(&template);
            return template.replace("{}", rest);
        }
    }
    pattern.to_string()
}

/// The layers answers come from, each already typed (`--set` parsed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnswerLayers {
    /// From the user configuration ([`UserConfig::defaults_for`]).
    pub config: Map<String, Value>,
    /// Implied by the destination (`name`), or an add-on's host.
    pub destination: Map<String, Value>,
    /// From `--values`.
    pub values: Map<String, Value>,
    /// From `--set`.
    pub sets: Map<String, Value>,
}

/// The answers given so far and each one's origin, lowest layer first: configuration,
/// destination, values, set (schema defaults are filled in later, by
/// [`GoldenPath::resolve_answers`], and are the origin of any answer not listed).
pub fn layer_answers(
    layers: &AnswerLayers,
) -> (Map<String, Value>, BTreeMap<String, AnswerOrigin>) {
    let mut values = Map::new();
    let mut origins = BTreeMap::new();
    for (map, origin) in [
        (&layers.config, AnswerOrigin::Config),
        (&layers.destination, AnswerOrigin::Destination),
        (&layers.values, AnswerOrigin::Values),
        (&layers.sets, AnswerOrigin::Set),
    ] {
        for (k, v) in map {
            values.insert(k.clone(), v.clone());
            origins.insert(k.clone(), origin);
        }
    }
    (values, origins)
}

/// One parameter's resulting value and where it comes from (`scaffold config NAME`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedParameter {
    /// The parameter.
    pub name: String,
    /// Its value (`********` for a secret), `null` when nothing gives one.
    pub value: Value,
    /// Where the value comes from; `null` when nothing gives one (a prompt would ask).
    pub origin: Option<AnswerOrigin>,
}

/// Every parameter of `params` with the value the layers and the schema defaults give
/// it, in schema order.
pub fn resolve_parameters(params: &Parameters, layers: &AnswerLayers) -> Vec<ResolvedParameter> {
    let (given, origins) = layer_answers(layers);
    let with_defaults = params.with_defaults(&given);
    params
        .questions()
        .into_iter()
        .map(|q| {
            let value = with_defaults.get(&q.name).cloned();
            let origin = match (&value, origins.get(&q.name)) {
                (None, _) => None,
                (Some(_), Some(o)) => Some(*o),
                (Some(_), None) => Some(AnswerOrigin::Default),
            };
            let value = match value {
                Some(_) if q.secret => Value::String("********".into()),
                Some(v) => v,
                None => Value::Null,
            };
            ResolvedParameter {
                name: q.name,
                value,
                origin,
            }
        })
        .collect()
}

/// The report of `scaffold config` (`--format json`, docs/json.md).
#[derive(Debug, Clone, Serialize)]
pub struct ConfigReport {
    /// The configuration file in use, or `null` when there is none.
    pub path: Option<PathBuf>,
    /// Whether that file exists.
    pub exists: bool,
    /// Its content (absent without a file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<ConfigFile>,
    /// The library directories it adds, resolved.
    pub libraries: Vec<PathBuf>,
    /// With a golden path: its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub golden_path: Option<String>,
    /// With a golden path: each parameter's value and origin.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<ResolvedParameter>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> Parameters {
        Parameters::new(
            "svc",
            &serde_json::json!({
                "type": "object",
                "properties": {
                    "owner": {"type": "string", "default": "schema-owner"},
                    "port": {"type": "integer", "minimum": 1},
                    "token": {"type": "string", "x-secret": true}
                }
            }),
        )
        .unwrap()
    }

    fn config(text: &str) -> Result<UserConfig> {
        UserConfig::parse(Path::new("/home/u/.config/scaffold/config.yaml"), text)
    }

    /// The precedence of answers, row by row: which layers give `owner` a value, and
    /// the value and origin that result.
    #[test]
    fn answers_precedence_table() {
        use AnswerOrigin::*;
        // (set, values, config, destination, expected value, expected origin)
        type Row = (
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
            &'static str,
            AnswerOrigin,
        );
        let rows: &[Row] = &[
            (None, None, None, None, "schema-owner", Default),
            (None, None, Some("c"), None, "c", Config),
            (None, Some("v"), None, None, "v", Values),
            (None, Some("v"), Some("c"), None, "v", Values),
            (Some("s"), None, None, None, "s", Set),
            (Some("s"), None, Some("c"), None, "s", Set),
            (Some("s"), Some("v"), None, None, "s", Set),
            (Some("s"), Some("v"), Some("c"), None, "s", Set),
            (None, None, Some("c"), Some("d"), "d", Destination),
            (None, Some("v"), Some("c"), Some("d"), "v", Values),
            (Some("s"), Some("v"), Some("c"), Some("d"), "s", Set),
        ];
        let p = params();
        for (i, (set, values, cfg, dest, want, origin)) in rows.iter().enumerate() {
            let one = |v: &Option<&str>| -> Map<String, Value> {
                v.map(|v| Map::from_iter([("owner".to_string(), Value::from(v))]))
                    .unwrap_or_default()
            };
            let layers = AnswerLayers {
                config: one(cfg),
                destination: one(dest),
                values: one(values),
                sets: one(set),
            };
            let resolved = resolve_parameters(&p, &layers);
            let owner = resolved.iter().find(|r| r.name == "owner").unwrap();
            assert_eq!(
                (owner.value.as_str().unwrap(), owner.origin),
                (*want, Some(*origin)),
                "row {i}"
            );
            // The same answers as the engine resolves them.
            let (given, _) = layer_answers(&layers);
            assert_eq!(
                p.with_defaults(&given).get("owner"),
                Some(&Value::from(*want)),
                "row {i}"
            );
        }
        // Nothing gives `port` a value: no origin; a secret is masked.
        let layers = AnswerLayers {
            sets: Map::from_iter([("token".to_string(), Value::from("hunter2"))]),
            ..AnswerLayers::default()
        };
        let resolved = resolve_parameters(&p, &layers);
        let port = resolved.iter().find(|r| r.name == "port").unwrap();
        assert_eq!((&port.value, port.origin), (&Value::Null, None));
        let token = resolved.iter().find(|r| r.name == "token").unwrap();
        assert_eq!(token.value, Value::from("********"));
    }

    #[test]
    fn defaults_are_layered_filtered_and_checked() {
        let c = config(
            "defaults:\n  owner: team-x\n  unknown: 1\n  port: 80\ngolden_paths:\n  svc:\n    defaults:\n      port: 8080\n",
        )
        .unwrap();
        let d = c.defaults_for_parameters("svc", &params()).unwrap();
        assert_eq!(
            Value::Object(d),
            serde_json::json!({"owner": "team-x", "port": 8080})
        );
        let other = c.defaults_for_parameters("other", &params()).unwrap();
        assert_eq!(other.get("port"), Some(&Value::from(80)));

        let bad = config("golden_paths:\n  svc:\n    defaults:\n      port: 0\n").unwrap();
        let e = bad.defaults_for_parameters("svc", &params()).unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("/home/u/.config/scaffold/config.yaml:4:") && text.contains("`port`"),
            "{text}"
        );
        assert_eq!(e.kind(), crate::ErrorKind::Config);
    }

    #[test]
    fn unknown_keys_and_bad_shorthands_are_refused_at_their_line() {
        let e = config("defaults: {}\nlibrary: [x]\n").unwrap_err();
        assert!(e.to_string().contains("config.yaml:2:"), "{e}");
        assert!(e.to_string().contains("unknown field `library`"), "{e}");
        let e = config("shorthands:\n  gh: 'https://x/{}.git'\n").unwrap_err();
        assert!(e.to_string().contains("config.yaml:2:"), "{e}");
        let e = config("shorthands:\n  acme: 'https://x/repo.git'\n").unwrap_err();
        assert!(e.to_string().contains("must hold `{}` once"), "{e}");
        let e = config("trusted: ['a[']\n").unwrap_err();
        assert!(e.to_string().contains("config.yaml:1:"), "{e}");
        assert!(config("").unwrap().file == ConfigFile::default());
    }

    #[test]
    fn trusted_patterns_match_recorded_sources() {
        let c = config(
            "trusted: ['gh:acme/*', 'acme:platform/**', 'built-in', '/srv/paths/**']\nshorthands:\n  acme: 'https://git.acme.internal/{}.git'\n",
        )
        .unwrap();
        let git = |url: &str| SourceRecord::Git {
            url: url.into(),
            subpath: None,
            reference: None,
            commit: "0".repeat(40),
        };
        assert!(c.trusts(&git("https://github.com/acme/svc.git")));
        assert!(!c.trusts(&git("https://github.com/acme-evil/svc.git")));
        assert!(!c.trusts(&git("https://github.com/acme/a/b.git")));
        assert!(c.trusts(&git("https://git.acme.internal/platform/go/svc.git")));
        assert!(!c.trusts(&git("https://git.acme.internal/other/svc.git")));
        assert!(c.trusts(&SourceRecord::Builtin {
            engine_version: "0.1.0".into()
        }));
        assert!(c.trusts(&SourceRecord::Local {
            path: "/srv/paths/go/golden-path.yaml".into()
        }));
        assert!(!c.trusts(&SourceRecord::Local {
            path: "/tmp/golden-path.yaml".into()
        }));
        assert!(!config("").unwrap().trusts(&SourceRecord::Builtin {
            engine_version: "0.1.0".into()
        }));
    }

    #[test]
    fn relative_libraries_start_at_the_file() {
        let c = config("libraries: [paths, /abs]\n").unwrap();
        assert_eq!(
            c.libraries(),
            [
                PathBuf::from("/home/u/.config/scaffold/paths"),
                PathBuf::from("/abs")
            ]
        );
    }
}
