//! Theme loading: built-ins, inheritance, user themes and the errors an operator sees.

use std::fs;
use std::path::Path;

use cloudsite::console::theme::{Color, Role, Theme, ThemeError, available, builtin_names};

fn user_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("write theme");
    }
    dir
}

fn load_err(name: &str, dir: &Path) -> String {
    match Theme::load(name, Some(dir)) {
        Ok(t) => panic!("theme {name} loaded: {t:?}"),
        Err(e) => e.to_string(),
    }
}

/// Every role of the default theme, written out in full, so a test theme can stand alone.
fn full_theme(fg: &str) -> String {
    Role::ALL
        .iter()
        .map(|r| format!("\"{}\" = \"{fg}\"\n", r.as_str()))
        .collect()
}

#[test]
fn every_builtin_loads_and_sets_every_role() {
    assert_eq!(builtin_names().len(), 4);
    for name in builtin_names() {
        let theme = Theme::load(name, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&theme.name, name);
        // A role left at the empty style in a built-in is almost always an oversight.
        let unstyled: Vec<_> = Role::ALL
            .iter()
            .filter(|r| theme.style(**r) == Default::default())
            .collect();
        assert!(unstyled.is_empty(), "{name} leaves {unstyled:?} unstyled");
    }
}

#[test]
fn ansi16_uses_only_base_colours() {
    let theme = Theme::load("ansi16", None).expect("ansi16 loads");
    for role in Role::ALL {
        let style = theme.style(role);
        for color in [style.fg, style.bg].into_iter().flatten() {
            assert!(color.is_base16(), "{role} uses {color}");
        }
    }
    // high-contrast inherits from ansi16 and must keep to the same palette.
    let hc = Theme::load("high-contrast", None).expect("high-contrast loads");
    for role in Role::ALL {
        let style = hc.style(role);
        assert!(
            [style.fg, style.bg]
                .into_iter()
                .flatten()
                .all(Color::is_base16),
            "{role}"
        );
    }
    assert!(hc.style(Role::Selection).reverse);
}

#[test]
fn a_child_overrides_only_the_roles_it_sets() {
    let dir = user_dir(&[(
        "mine.toml",
        "parent = \"default\"\nmuted = \"red\"\n[status]\nready = { fg = \"#010203\", bold = false }\n",
    )]);
    let base = Theme::load("default", None).expect("default loads");
    let mine = Theme::load("mine", Some(dir.path())).expect("mine loads");
    assert_eq!(mine.name, "mine");
    assert_eq!(mine.style(Role::Muted).fg, Some(Color::Red));
    let ready = mine.style(Role::StatusReady);
    assert_eq!(ready.fg, Some(Color::Rgb(1, 2, 3)));
    assert!(!ready.bold);
    for role in Role::ALL {
        if role != Role::Muted && role != Role::StatusReady {
            assert_eq!(mine.style(role), base.style(role), "{role}");
        }
    }
}

#[test]
fn chains_of_parents_resolve() {
    let dir = user_dir(&[
        ("a.toml", "parent = \"b\"\ntext = \"red\"\n"),
        (
            "b.toml",
            "parent = \"light\"\ntext = \"blue\"\nmuted = \"green\"\n",
        ),
    ]);
    let a = Theme::load("a", Some(dir.path())).expect("a loads");
    let light = Theme::load("light", None).expect("light loads");
    assert_eq!(a.style(Role::Text).fg, Some(Color::Red));
    assert_eq!(a.style(Role::Muted).fg, Some(Color::Green));
    assert_eq!(a.style(Role::Title), light.style(Role::Title));
}

#[test]
fn a_cycle_is_an_error_naming_the_chain() {
    let dir = user_dir(&[
        ("a.toml", "parent = \"b\"\n"),
        ("b.toml", "parent = \"c\"\n"),
        ("c.toml", "parent = \"a\"\n"),
    ]);
    let err = Theme::load("a", Some(dir.path()));
    assert!(matches!(err, Err(ThemeError::Cycle { .. })), "{err:?}");
    let msg = load_err("a", dir.path());
    assert!(msg.contains("a -> b -> c -> a"), "{msg}");
}

#[test]
fn an_unknown_parent_names_the_place_and_chain() {
    let dir = user_dir(&[("a.toml", "name = \"A\"\nparent = \"nope\"\n")]);
    let msg = load_err("a", dir.path());
    assert!(msg.contains("a.toml:2:10"), "{msg}");
    assert!(msg.contains("'nope'") && msg.contains("chain: a"), "{msg}");
}

#[test]
fn an_unknown_role_names_file_line_and_key() {
    let dir = user_dir(&[(
        "bad.toml",
        "parent = \"default\"\n\n[status]\nready = \"green\"\nrunning = \"green\"\n",
    )]);
    let msg = load_err("bad", dir.path());
    assert!(
        msg.contains("bad.toml:5:1: status.running: unknown role"),
        "{msg}"
    );
    assert!(msg.contains("ready, provisioning"), "{msg}");
}

#[test]
fn a_bad_colour_names_file_line_and_key() {
    let dir = user_dir(&[(
        "bad.toml",
        "parent = \"default\"\n[alert]\nwarning = { fg = \"orange\", bold = true }\ncritical = { bg = 300 }\n",
    )]);
    let msg = load_err("bad", dir.path());
    assert!(
        msg.contains("bad.toml:3:18: alert.warning.fg: 'orange' is not a colour"),
        "{msg}"
    );
    assert!(
        msg.contains("bad.toml:4:19: alert.critical.bg: colour index must be from 0 to 255"),
        "{msg}"
    );
}

#[test]
fn missing_roles_without_a_parent_are_listed() {
    let dir = user_dir(&[(
        "bare.toml",
        "text = \"white\"\n[status]\nready = \"green\"\n",
    )]);
    let err = Theme::load("bare", Some(dir.path()));
    let Err(ThemeError::MissingRoles { missing, .. }) = &err else {
        panic!("expected missing roles, got {err:?}");
    };
    assert_eq!(missing.len(), Role::COUNT - 2);
    assert!(missing.contains(&"border.focused".to_string()));
    assert!(!missing.contains(&"text".to_string()));
    let msg = load_err("bare", dir.path());
    assert!(
        msg.contains("bare.toml") && msg.contains("status.provisioning"),
        "{msg}"
    );
}

#[test]
fn a_user_theme_overrides_a_builtin_of_the_same_name() {
    let dir = user_dir(&[("light.toml", &full_theme("magenta"))]);
    let theme = Theme::load("light", Some(dir.path())).expect("user light loads");
    assert_eq!(theme.style(Role::Title).fg, Some(Color::Magenta));
    assert_eq!(available(Some(dir.path())), builtin_names());
}

#[test]
fn a_user_theme_can_tweak_the_builtin_it_replaces() {
    let dir = user_dir(&[(
        "default.toml",
        "name = \"my default\"\nparent = \"default\"\ntext = \"white\"\n",
    )]);
    let theme = Theme::load("default", Some(dir.path())).expect("tweaked default loads");
    let builtin = Theme::load("default", None).expect("built-in loads");
    assert_eq!(theme.name, "my default");
    assert_eq!(theme.style(Role::Text).fg, Some(Color::White));
    assert_eq!(theme.style(Role::Focus), builtin.style(Role::Focus));
}

#[test]
fn user_themes_are_available_and_may_extend_builtins() {
    let dir = user_dir(&[
        ("zeta.toml", "parent = \"ansi16\"\n"),
        ("alpha.toml", &full_theme("#102030")),
        ("notes.txt", "not a theme"),
        ("bad name.toml", "parent = \"default\"\n"),
    ]);
    let names = available(Some(dir.path()));
    assert_eq!(names[..4], *builtin_names());
    assert_eq!(names[4..], ["alpha".to_string(), "zeta".to_string()]);
    let zeta = Theme::load("zeta", Some(dir.path())).expect("zeta loads");
    assert_eq!(
        zeta.style(Role::Text),
        Theme::load("ansi16", None)
            .expect("ansi16")
            .style(Role::Text)
    );
    let alpha = Theme::load("alpha", Some(dir.path())).expect("alpha loads");
    assert_eq!(
        alpha.style(Role::Gauge).fg,
        Some(Color::Rgb(0x10, 0x20, 0x30))
    );
}

#[test]
fn an_unknown_theme_lists_the_available_ones() {
    let msg = Theme::load("solarized", None)
        .map(|t| t.name)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("solarized") && msg.contains("high-contrast"),
        "{msg}"
    );
}

#[test]
fn a_malformed_parent_name_is_reported_with_its_place() {
    let dir = user_dir(&[("a.toml", "parent = \"../b\"\n")]);
    let msg = load_err("a", dir.path());
    assert!(
        msg.contains("a.toml:1:10: parent: no theme named '../b'"),
        "{msg}"
    );
}
