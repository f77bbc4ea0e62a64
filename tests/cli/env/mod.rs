//! The one environment every CLI test runs the binary in, shared by the sandboxes of
//! tests/cli/common (new, lint), tests/cli/support (update) and tests/cli/check.rs:
//! HOME, caches and config inside the sandbox root, no system or global git config,
//! no repository discovery above the root, no colour, fixed git dates, and none of
//! the variables that would change scaffold's or git's behaviour.

use std::path::Path;
use std::process::Command;

/// Give `cmd` the sandbox environment of `root` (which holds `home/` and `cache/`).
pub fn sandbox_env(cmd: &mut Command, root: &Path) {
    cmd.env("HOME", root.join("home"))
        .env("XDG_CACHE_HOME", root.join("home/.cache"))
        .env("XDG_CONFIG_HOME", root.join("home/.config"))
        .env("SCAFFOLD_CACHE_DIR", root.join("cache"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CEILING_DIRECTORIES", root)
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .env("NO_COLOR", "1");
    for var in [
        "SCAFFOLD_TEMPLATES",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "CLICOLOR_FORCE",
        "RUST_BACKTRACE",
    ] {
        cmd.env_remove(var);
    }
}
