//! The terminal console: the app state and its update function (`app`), the messages between
//! app, forms and network worker (`msg`), the network worker (`net`) and the
//! [`link::SiteLink`] it reaches the site through, the terminal loop (`run`), drawing (`ui`),
//! themes and key bindings, and the forms drawn over the main screen — one field widget
//! (`field`) and one form shell (`shell`) under the wizards and Properties. What the lists hold
//! and which rows the filter keeps (`rows`), the whole text of a row (`describe`), the palette's
//! commands (`palette`), the workspace (`node`), scrolling (`scroll`) and the confirmation
//! convention (`confirm`) are apart from the app, which uses them.

pub mod analyzer;
pub mod app;
mod confirm;
pub mod describe;
mod field;
mod form;
mod forms;
pub mod keymap;
pub mod link;
pub mod model;
pub mod msg;
pub mod net;
pub mod node;
pub mod palette;
pub mod rows;
pub mod run;
pub mod scroll;
pub mod settings;
mod shell;
pub mod theme;
pub mod ui;
mod wizard;
