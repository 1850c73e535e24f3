//! The terminal console: the app state and its update function (`app`), the messages between
//! app, forms and network worker (`msg`), the network worker (`net`) and the
//! [`link::SiteLink`] it reaches the site through, the terminal loop (`run`), drawing (`ui`),
//! themes and key bindings, and the forms drawn over the main screen — one field widget
//! (`field`) and one form shell (`shell`) under the wizards and Properties.

pub mod analyzer;
pub mod app;
mod field;
mod form;
mod forms;
pub mod keymap;
pub mod link;
pub mod model;
pub mod msg;
pub mod net;
pub mod run;
pub mod settings;
mod shell;
pub mod theme;
pub mod ui;
mod wizard;
