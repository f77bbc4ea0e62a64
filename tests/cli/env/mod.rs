//! The one environment every CLI test runs the binary in, shared by the sandboxes of
//! tests/cli/common (new, lint), tests/cli/support (update) and tests/cli/check.rs:
//! HOME, caches and config inside the sandbox root, no system or global git config,
//! no repository discovery above the root, no colour, fixed git dates, and none of
//! the variables that would change scaffold's or git's behaviour.

use std::path::Path;
use std::process::Command;

/// The variables the sandbox of `root` sets (for a command built another way, such
/// as a pseudo-terminal's in tests/cli/prompts.rs).
pub fn sandbox_vars(root: &Path) -> Vec<(&'static str, std::ffi::OsString)> {
    vec![
        ("HOME", root.join("home").into()),
        ("XDG_CACHE_HOME", root.join("home/.cache").into()),
        ("XDG_CONFIG_HOME", root.join("home/.config").into()),
        ("SCAFFOLD_CACHE_DIR", root.join("cache").into()),
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ("GIT_CONFIG_GLOBAL", "/dev/null".into()),
        ("GIT_CEILING_DIRECTORIES", root.into()),
        ("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z".into()),
        ("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z".into()),
        ("NO_COLOR", "1".into()),
    ]
}

/// Variables that would change scaffold's or git's behaviour, removed.
pub const REMOVED_VARS: [&str; 7] = [
    "SCAFFOLD_TEMPLATES",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "CLICOLOR_FORCE",
    "RUST_BACKTRACE",
];

/// Give `cmd` the sandbox environment of `root` (which holds `home/` and `cache/`).
pub fn sandbox_env(cmd: &mut Command, root: &Path) {
    for (k, v) in sandbox_vars(root) {
        cmd.env(k, v);
    }
    for var in REMOVED_VARS {
        cmd.env_remove(var);
    }
}
