//! The terminal console. Only its theme exists so far; views arrive with the console issue.

pub mod app;
pub mod form;
pub mod forms;
pub mod keymap;
pub mod model;
pub mod net;
pub mod run;
pub mod settings;
pub mod theme;
pub mod ui;
pub mod wizard;
