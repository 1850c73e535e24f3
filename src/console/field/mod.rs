//! The one field widget of the console's wizards and Properties forms: kinds (text, secret,
//! file path, comma-separated files, number, checkbox, choice, read-only, button), label,
//! hint, error and findings, enabled/hidden/depends-on (`widget`); the editing core shared
//! with the filter box and the palette (`input`); ids (`id`); path completion (`path`); and
//! drawing with the terminal cursor in place (`draw`).

pub(super) mod draw;
pub(super) mod id;
pub(super) mod input;
pub(super) mod path;
pub(super) mod widget;

pub(super) use draw::Look;
pub(super) use id::FieldId;
pub(super) use input::Input;
pub(super) use path::TabResult;
pub(super) use widget::{Field, FieldKey, Kind, Tone};
