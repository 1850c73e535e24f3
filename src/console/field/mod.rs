//! The one field widget of the console's wizards and Properties forms: kinds (text, secret,
//! file path, comma-separated files, number, checkbox, choice, read-only, button), label,
//! hint, error and findings, enabled/hidden/depends-on (`widget`); the editing core shared
//! with the filter box and the palette (`input`); ids (`id`); path completion (`path`); and
//! drawing with the terminal cursor in place (`draw`).

pub mod draw;
pub mod id;
pub mod input;
pub mod path;
pub mod widget;

pub use draw::{Drawn, Look};
pub use id::FieldId;
pub use input::{Input, PasteError};
pub use path::TabResult;
pub use widget::{Field, FieldKey, Kind, Tone};
