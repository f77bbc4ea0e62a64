//! Embeds the built-in golden paths (`golden-paths/`) and their skeletons (`skeletons/`)
//! of this repository into the library, keeping each file's executable bit, symbolic
//! link targets and empty directories, which `include_dir`-style macros lose.
//!
//! It writes `$OUT_DIR/builtin.rs`: a sorted table of entries whose file contents are
//! `include_bytes!` of the source files. Nothing is downloaded.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let root = manifest_dir.join("../..");
    let mut entries = Vec::new();
    for top in ["golden-paths", "skeletons"] {
        let dir = root.join(top);
        println!("cargo:rerun-if-changed={}", dir.display());
        if dir.is_dir() {
            walk(&root, &dir, &mut entries);
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::from(
        "/// Every file, symbolic link and empty directory of the built-in library.\npub(crate) static BUILTIN_ENTRIES: &[BuiltinEntry] = &[\n",
    );
    for (rel, kind) in &entries {
        match kind {
            Kind::File { abs, executable } => writeln!(
                out,
                "    BuiltinEntry {{ path: {rel:?}, kind: BuiltinKind::File {{ bytes: include_bytes!({abs:?}), executable: {executable} }} }},",
                abs = abs.display().to_string()
            ),
            Kind::Symlink(target) => writeln!(out, "    BuiltinEntry {{ path: {rel:?}, kind: BuiltinKind::Symlink({target:?}) }},"),
            Kind::EmptyDir => writeln!(out, "    BuiltinEntry {{ path: {rel:?}, kind: BuiltinKind::EmptyDir }},"),
        }
        .expect("writing to a String cannot fail");
    }
    out.push_str("];\n");
    let out_path =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin.rs");
    fs::write(&out_path, out).expect("write builtin.rs");
}

enum Kind {
    File { abs: PathBuf, executable: bool },
    Symlink(String),
    EmptyDir,
}

fn walk(root: &Path, dir: &Path, entries: &mut Vec<(String, Kind)>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut children: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    children.sort();
    let rel = |p: &Path| {
        p.strip_prefix(root)
            .expect("inside root")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    };
    if children.is_empty() {
        entries.push((rel(dir), Kind::EmptyDir));
    }
    for path in children {
        let meta = fs::symlink_metadata(&path).expect("metadata");
        if meta.file_type().is_symlink() {
            println!("cargo:rerun-if-changed={}", path.display());
            let target = fs::read_link(&path).expect("read_link");
            entries.push((
                rel(&path),
                Kind::Symlink(target.to_string_lossy().into_owned()),
            ));
        } else if meta.is_dir() {
            walk(root, &path, entries);
        } else {
            println!("cargo:rerun-if-changed={}", path.display());
            #[cfg(unix)]
            let executable = {
                use std::os::unix::fs::PermissionsExt;
                meta.permissions().mode() & 0o111 != 0
            };
            #[cfg(not(unix))]
            let executable = false;
            let abs = fs::canonicalize(&path).expect("canonicalize");
            entries.push((rel(&path), Kind::File { abs, executable }));
        }
    }
}
