//! `scaffold update`.

use scaffold_core::{Engine, Error};

use crate::cli::{Global, UpdateArgs};

pub fn run(_engine: &Engine, _global: &Global, _args: &UpdateArgs) -> Result<u8, Error> {
    Err(Error::Usage("scaffold update is not available yet".into()))
}
