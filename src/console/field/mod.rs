//! The one field widget of the console's forms and wizards.

pub mod input;
