//! Themes: semantic roles mapped to styles, loaded from TOML.
