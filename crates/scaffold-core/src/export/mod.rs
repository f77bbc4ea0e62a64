//! Exports of golden paths to other tools' formats (`scaffold export`).
//!
//! An export is data: the files it would write ([`ExportedFile`]) and a typed report,
//! computed in memory from a loaded [`GoldenPath`](crate::GoldenPath). [`plan_files`]
//! turns the files into a [`Plan`] for [`crate::write::apply`], so an export is
//! written like a project: all or nothing, never outside its directory, and never
//! over existing files unless asked.

pub mod backstage;

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::tree::{Bytes, FileMode};
use crate::write::{Change, Op, Plan};

pub use backstage::{
    BackstageExport, PageSummary, RoundTripProblem, merge_pages, round_trip_problems,
};

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedFile {
    /// Path relative to the export directory, with `/`.
    pub path: String,
    /// The whole content (not part of the JSON report).
    #[serde(skip)]
    pub contents: String,
    /// Its size in bytes.
    pub size: usize,
}

impl ExportedFile {
    /// A file at `path` holding `contents`.
    pub fn new(path: &str, contents: String) -> Self {
        ExportedFile {
            path: path.to_string(),
            size: contents.len(),
            contents,
        }
    }
}

/// The plan writing `files` into `dir`. Without `force`, a file that exists with other
/// content is [`Error::ExportExists`] (all of them named, nothing written); a file that
/// exists with the same content is left out of the plan.
pub fn plan_files(files: &[ExportedFile], dir: &Path, force: bool) -> Result<Plan> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::DestinationIsFile {
            dest: dir.to_path_buf(),
            file: dir.to_path_buf(),
        });
    }
    let mut changes = Vec::new();
    let mut existing = Vec::new();
    for f in files {
        let target = dir.join(&f.path);
        match std::fs::symlink_metadata(&target) {
            Ok(meta) => {
                let same = meta.is_file()
                    && std::fs::read(&target).is_ok_and(|b| b == f.contents.as_bytes());
                if same {
                    continue;
                }
                existing.push(f.path.clone());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::io("cannot read", &target, e));
            }
        }
        changes.push(Change {
            path: f.path.clone(),
            op: Op::Write {
                content: Bytes::from(f.contents.clone().into_bytes()),
                mode: FileMode::File,
            },
        });
    }
    if !existing.is_empty() && !force {
        return Err(Error::ExportExists {
            dir: dir.to_path_buf(),
            paths: existing,
        });
    }
    Ok(Plan {
        root: dir.to_path_buf(),
        changes,
    })
}

/// Write an export's plan with [`crate::write::apply`] (a fresh directory appears in one
/// rename; files in an existing one are replaced all or nothing, through the journal),
/// then remove the `.scaffold/` directory the journal needed when it is empty and was
/// not there before, so an export directory holds only the export.
pub fn write(plan: &Plan) -> Result<crate::write::Applied> {
    let state = plan.root.join(crate::tree::SCAFFOLD_DIR);
    let had_state = state.exists();
    let applied = crate::write::apply(plan)?;
    if !had_state {
        // Only an empty directory is removed; anything in it stays.
        let _ = std::fs::remove_dir(&state);
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_files_are_refused_unless_forced_and_identical_ones_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![
            ExportedFile::new("template.yaml", "a: 1\n".into()),
            ExportedFile::new("other.yaml", "b: 2\n".into()),
        ];
        let fresh = plan_files(&files, &dir.path().join("out"), false).unwrap();
        assert_eq!(fresh.changes.len(), 2);

        std::fs::write(dir.path().join("template.yaml"), "edited\n").unwrap();
        std::fs::write(dir.path().join("other.yaml"), "b: 2\n").unwrap();
        match plan_files(&files, dir.path(), false) {
            Err(Error::ExportExists { paths, .. }) => assert_eq!(paths, vec!["template.yaml"]),
            other => panic!("expected ExportExists, got {other:?}"),
        }
        let forced = plan_files(&files, dir.path(), true).unwrap();
        let paths: Vec<_> = forced.changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, vec!["template.yaml"]);
        write(&forced).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("template.yaml")).unwrap(),
            "a: 1\n"
        );
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["other.yaml", "template.yaml"],
            "no .scaffold/ left behind"
        );
    }

    #[test]
    fn a_file_in_place_of_the_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let files = vec![ExportedFile::new("template.yaml", "a: 1\n".into())];
        assert!(matches!(
            plan_files(&files, &file, true),
            Err(Error::DestinationIsFile { .. })
        ));
    }
}
