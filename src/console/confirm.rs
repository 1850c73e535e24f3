//! The one way the console confirms a destructive action. It asks first, and only a deliberate
//! answer goes ahead: `y` for discarding a form's changes or removing a package from a
//! service; the service's FQDN or name typed out, then Enter, for deleting a service (it
//! cannot be undone, and its content in the cloud goes with it). Any other key — Esc and
//! Enter included — cancels, so a key pressed out of habit never destroys anything.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Whether `key` is the answer that confirms (`y`, no Ctrl or Alt).
pub(crate) fn yes(key: &KeyEvent) -> bool {
    matches!(key.code, KeyCode::Char('y' | 'Y'))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

/// The question, with the answers: `Remove PS100002? y removes · any other key cancels`
/// (`verb` says what `y` does, `otherwise` what any other key does).
pub(crate) fn question(what: &str, verb: &str, otherwise: &str) -> String {
    format!("{what} y {verb} · any other key {otherwise}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_y_confirms() {
        let k = |code, m| KeyEvent::new(code, m);
        assert!(yes(&k(KeyCode::Char('y'), KeyModifiers::NONE)));
        assert!(yes(&k(KeyCode::Char('Y'), KeyModifiers::SHIFT)));
        for no in [
            k(KeyCode::Enter, KeyModifiers::NONE),
            k(KeyCode::Esc, KeyModifiers::NONE),
            k(KeyCode::Char('n'), KeyModifiers::NONE),
            k(KeyCode::Char('y'), KeyModifiers::CONTROL),
        ] {
            assert!(!yes(&no), "{no:?}");
        }
        assert_eq!(
            question("Remove PS100002?", "removes", "cancels"),
            "Remove PS100002? y removes · any other key cancels"
        );
    }
}
