//! `scaffold check`: drift of generated projects against their answers files.
