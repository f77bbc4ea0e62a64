//! `GitCache::default_location` reads the environment, so it has a test binary of its own.
#![allow(unsafe_code)] // set_var is unsafe in edition 2024; this binary has one test.

use scaffold_core::git::GitCache;

#[test]
fn default_location_honours_scaffold_cache_dir() {
    let dir = tempfile::TempDir::new().unwrap();
    // SAFETY: this is the only test in this binary, so no other thread reads the
    // environment concurrently.
    unsafe { std::env::set_var("SCAFFOLD_CACHE_DIR", dir.path()) };
    let cache = GitCache::default_location().unwrap();
    assert_eq!(cache.root(), dir.path().join("git"));

    unsafe { std::env::set_var("SCAFFOLD_CACHE_DIR", "") };
    match dirs::cache_dir() {
        Some(d) => {
            let cache = GitCache::default_location().unwrap();
            assert_eq!(cache.root(), d.join("scaffold").join("git"));
        }
        None => assert!(matches!(
            GitCache::default_location(),
            Err(scaffold_core::git::GitError::NoCacheDir)
        )),
    }
    unsafe { std::env::remove_var("SCAFFOLD_CACHE_DIR") };
}
