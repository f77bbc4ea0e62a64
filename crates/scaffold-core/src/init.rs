//! `scaffold init [DIR]`: a new golden path for a platform team's first template: a
//! definition (with the editor schema header), one skeleton layer, one example and a
//! changelog, written as a [`Plan`] by [`crate::write`] into a new or empty directory,
//! and passing `scaffold lint` as written.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::golden_path::definition::valid_name;
use crate::golden_path::schema::GOLDEN_PATH_SCHEMA_URL;
use crate::tree::{Bytes, FileMode};
use crate::write::{Change, Op, Plan};

/// What `scaffold init` is asked to do.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The directory to write into (created when absent; it must be empty).
    pub dir: PathBuf,
    /// The golden path's name; `None`: the directory's name.
    pub name: Option<String>,
}

/// What `scaffold init` wrote (`--format json`, docs/json.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InitReport {
    /// The new golden path's name.
    pub golden_path: String,
    /// The directory written.
    pub dir: PathBuf,
    /// The files written, relative to `dir`.
    pub files: Vec<String>,
}

/// The plan of a new golden path and the report of it, or why not: a name that is not
/// a golden-path name ([`Error::InvalidName`]), a directory with files in it
/// ([`Error::InitNotEmpty`]) or a file in the way ([`Error::DestinationIsFile`]).
pub fn plan_init(opts: &InitOptions) -> Result<(Plan, InitReport)> {
    let name = match &opts.name {
        Some(n) => checked_name(n, "")?,
        None => {
            let absolute = std::path::absolute(&opts.dir)
                .map_err(|e| Error::io("cannot resolve", &opts.dir, e))?;
            let base = absolute
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            checked_name(
                &base,
                "; it is the directory's name: give the golden path's name explicitly",
            )?
        }
    };
    check_empty(&opts.dir)?;
    let files = files(&name);
    let report = InitReport {
        golden_path: name,
        dir: opts.dir.clone(),
        files: files.iter().map(|(p, _)| p.to_string()).collect(),
    };
    let changes = files
        .into_iter()
        .map(|(path, text)| Change {
            path: path.to_string(),
            op: Op::Write {
                content: Bytes::from(text.into_bytes()),
                mode: FileMode::File,
            },
        })
        .collect();
    let plan = Plan {
        root: opts.dir.clone(),
        changes,
    };
    Ok((plan, report))
}

fn checked_name(name: &str, hint: &str) -> Result<String> {
    if valid_name(name) {
        Ok(name.to_string())
    } else {
        Err(Error::InvalidName {
            name: name.to_string(),
            hint: hint.to_string(),
        })
    }
}

fn check_empty(dir: &Path) -> Result<()> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("cannot read", dir, e)),
        Ok(m) if !m.is_dir() => {
            return Err(Error::DestinationIsFile {
                dest: dir.to_path_buf(),
                file: dir.to_path_buf(),
            });
        }
        Ok(_) => {}
    }
    let mut entries: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io("cannot read", dir, e))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if entries.is_empty() {
        return Ok(());
    }
    entries.sort();
    Err(Error::InitNotEmpty {
        path: dir.to_path_buf(),
        entries,
    })
}

/// The files of a new golden path named `name`, in writing order.
fn files(name: &str) -> Vec<(&'static str, String)> {
    let definition = format!(
        r#"# yaml-language-server: $schema={GOLDEN_PATH_SCHEMA_URL}
# The golden path {name}, made by `scaffold init`. Check it with `scaffold lint DIR`
# (the definition, its templates, and every example rendered) and try it with
# `scaffold new DIR/golden-path.yaml my-service`. docs/golden-paths.md describes
# every key; an editor with the YAML language server completes them from the schema.
apiVersion: scaffold/v1
kind: GoldenPath
metadata:
  name: {name}
  title: {name}
  description: A starting point for a service, owned by the platform team.
  version: 0.1.0
  owner: group:platform-team
spec:
  # The questions: a JSON Schema (draft 2020-12) of the answers.
  parameters:
    type: object
    additionalProperties: false
    required: [name, owner]
    properties:
      name:
        type: string
        title: Name
        description: The project's name, used for its directory and in its files.
        pattern: '^[a-z][a-z0-9-]*[a-z0-9]$'
        x-pattern-hint: lowercase letters, digits and hyphens, starting with a letter
      owner:
        type: string
        title: Owner
        description: The team that owns the project (e.g. team-payments).
        pattern: '^[a-z0-9][a-z0-9-]*$'
      description:
        type: string
        title: Description
        description: One sentence on what the project does.
        default: A service made from the {name} golden path.
  # Layers rendered in order; `.tera` files and templated names are rendered with
  # the answers, everything else is copied.
  skeletons:
    - path: skeleton
  files:
    policy:
      # The platform owns these: `scaffold check` fails when a project edits them.
      enforced: [CODEOWNERS]
      # Written once by `scaffold new`, never touched by `scaffold update`.
      seed: [README.md]
  # Answer sets `scaffold lint` validates and renders.
  examples:
    - {{name: example-service, owner: team-example}}
"#
    );
    let readme = "# {{ name }}\n\n{{ description }}\n\nOwned by {{ owner }}. Made from the \
        `{{ scaffold.golden_path }}` golden path {{ scaffold.version }}: `scaffold update` \
        brings its newer versions, `scaffold check` reports drift.\n"
        .to_string();
    let codeowners = "# Enforced by the golden path: `scaffold check` fails on local edits.\n\
        * @{{ owner }}\n"
        .to_string();
    let changelog = format!("# {name}\n\n## 0.1.0\n\n- First version, made by `scaffold init`.\n");
    vec![
        ("golden-path.yaml", definition),
        ("CHANGELOG.md", changelog),
        ("skeleton/README.md.tera", readme),
        ("skeleton/CODEOWNERS.tera", codeowners),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_definition_parses_and_breaks_no_rule() {
        let (plan, report) = plan_init(&InitOptions {
            dir: PathBuf::from("/nonexistent/for-init/my-path"),
            name: None,
        })
        .unwrap();
        assert_eq!(report.golden_path, "my-path");
        assert_eq!(
            report.files,
            [
                "golden-path.yaml",
                "CHANGELOG.md",
                "skeleton/README.md.tera",
                "skeleton/CODEOWNERS.tera"
            ]
        );
        let Op::Write { content, .. } = &plan.changes[0].op else {
            panic!("not a write")
        };
        let text = std::str::from_utf8(content).unwrap();
        let def = crate::Definition::parse("golden-path.yaml", text).unwrap();
        assert_eq!(def.metadata.name, "my-path");
        assert_eq!(def.problems("golden-path.yaml", text), vec![]);
        assert_eq!(def.default_problems("golden-path.yaml", text), vec![]);
        assert_eq!(
            crate::golden_path::schema::definition_problems("golden-path.yaml", text),
            vec![]
        );
        assert!(text.starts_with("# yaml-language-server: $schema=https://"));
    }

    #[test]
    fn a_name_that_is_not_a_golden_path_name_is_refused() {
        let e = plan_init(&InitOptions {
            dir: PathBuf::from("/nonexistent/My_Path"),
            name: None,
        })
        .unwrap_err();
        assert!(
            matches!(&e, Error::InvalidName { name, .. } if name == "My_Path"),
            "{e}"
        );
        assert!(e.to_string().contains("the directory's name"), "{e}");
        assert_eq!(crate::error::flag_in(&e.to_string()), None, "{e}");
        let ok = plan_init(&InitOptions {
            dir: PathBuf::from("/nonexistent/My_Path"),
            name: Some("my-path".into()),
        });
        assert!(ok.is_ok());
    }

    #[test]
    fn a_directory_with_files_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        let e = plan_init(&InitOptions {
            dir: dir.path().to_path_buf(),
            name: Some("svc".into()),
        })
        .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::WouldOverwrite);
        assert!(e.to_string().contains("`notes.txt`"), "{e}");
    }
}
