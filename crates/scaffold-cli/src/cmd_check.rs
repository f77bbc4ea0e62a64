//! `scaffold check` and `scaffold diff`.

use scaffold_core::{Engine, Error};

use crate::cli::{CheckArgs, DiffArgs, Global};

pub fn check(_engine: &Engine, _global: &Global, _args: &CheckArgs) -> Result<u8, Error> {
    Err(Error::Usage("scaffold check is not available yet".into()))
}

pub fn diff(_engine: &Engine, _global: &Global, _args: &DiffArgs) -> Result<u8, Error> {
    Err(Error::Usage("scaffold diff is not available yet".into()))
}
