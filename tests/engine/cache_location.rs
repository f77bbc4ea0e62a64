//! The library reads no environment variable for its cache (the CLI reads
//! `SCAFFOLD_CACHE_DIR`): `GitCache::default_location` is the user's cache directory
//! even when that variable is set. It sets the environment, so it has a test binary of
//! its own.
#![allow(unsafe_code)] // set_var is unsafe in edition 2024; this binary has one test.

use scaffold_core::source::git::GitCache;

#[test]
fn default_location_ignores_the_environment() {
    let dir = tempfile::TempDir::new().unwrap();
    // SAFETY: this is the only test in this binary, so no other thread reads the
    // environment concurrently.
    unsafe { std::env::set_var("SCAFFOLD_CACHE_DIR", dir.path()) };
    match dirs::cache_dir() {
        Some(d) => {
            let cache = GitCache::default_location().unwrap();
            assert_eq!(cache.root(), d.join("scaffold").join("git"));
            assert!(!cache.root().starts_with(dir.path()));
        }
        None => assert!(matches!(
            GitCache::default_location(),
            Err(scaffold_core::source::git::GitError::NoCacheDir)
        )),
    }
    unsafe { std::env::remove_var("SCAFFOLD_CACHE_DIR") };
}
