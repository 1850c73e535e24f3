//! The terminal console. Only its theme exists so far; views arrive with the console issue.

pub mod theme;
pub mod keymap;
pub mod model;
