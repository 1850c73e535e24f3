//! Free text the site stores (descriptions, names, comments, accounts, file names): how long it
//! may be and what it may not contain. Refused here, once, for the console (as the operator
//! types) and the site (on every request): a control character or text-direction override in
//! a stored value would reach terminals and CMTrace logs as itself — clearing a screen, forging
//! a log line, making a name read differently from what it is.

use super::validate::FieldError;
use std::borrow::Cow;

/// Longest description of a CDP or CMG (ConfigMgr documents none; this keeps a list readable).
pub const MAX_DESCRIPTION: usize = 512;
/// Longest comment on an alert.
pub const MAX_COMMENT: usize = 1024;
/// Longest package name (ConfigMgr's package name limit).
pub const MAX_PACKAGE_NAME: usize = 50;
/// Longest file name in a package (a file system's limit, in bytes).
pub const MAX_FILE_NAME_BYTES: usize = 255;
/// Most files in one package.
pub const MAX_PACKAGE_FILES: usize = 1000;
/// Largest file in a package: 1 TiB.
pub const MAX_FILE_BYTES: u64 = 1 << 40;
/// Longest proxy account (`DOMAIN\user` or `user@domain`).
pub const MAX_ACCOUNT: usize = 256;
/// Longest proxy server name (a DNS name or an address).
pub const MAX_SERVER_NAME: usize = 253;
/// Longest client name a client gives the management point.
pub const MAX_CLIENT_NAME: usize = 255;
/// Longest API token name.
pub const MAX_TOKEN_NAME: usize = 100;

/// Whether `c` may not be stored: every control character (C0, DEL, C1: tab and line ends
/// too, since every stored text is one line) and the BiDi embedding, override, isolate and
/// mark characters.
pub fn forbidden_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}'
        )
}

/// Checks one line of free text for `field`: at most `max` characters, no control character
/// or direction override. Returns the text as given (trimming is the caller's choice).
pub fn one_line<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str, FieldError> {
    if let Some(c) = value.chars().find(|c| forbidden_char(*c)) {
        return Err(FieldError::new(
            field,
            format!(
                "must not contain control characters or text-direction overrides (found U+{:04X})",
                u32::from(c)
            ),
        ));
    }
    let len = value.chars().count();
    if len > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters (got {len})"),
        ));
    }
    Ok(value)
}

/// `text` with every character [`forbidden_char`] names shown as its escape (`\u{1b}`), for
/// a terminal or a log line: text from a client or an older row cannot clear a screen, move
/// the cursor, hide text or start a forged log line. Borrowed when clean.
pub fn escaped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(forbidden_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if forbidden_char(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A CDP's or CMG's description, trimmed: at most [`MAX_DESCRIPTION`] characters, one line.
pub fn description(value: &str) -> Result<String, FieldError> {
    one_line("Description", value.trim(), MAX_DESCRIPTION).map(str::to_string)
}

/// A comment on an alert, trimmed: at most [`MAX_COMMENT`] characters, one line.
pub fn comment(value: &str) -> Result<String, FieldError> {
    one_line("Comment", value.trim(), MAX_COMMENT).map(str::to_string)
}

/// The proxy account (`DOMAIN\user` or `user`): at most [`MAX_ACCOUNT`] characters, one line.
pub fn account(value: &str) -> Result<&str, FieldError> {
    one_line("Account", value, MAX_ACCOUNT)
}

/// An API token's name, trimmed: at most [`MAX_TOKEN_NAME`] characters, one line.
pub fn token_name(value: &str) -> Result<String, FieldError> {
    one_line("Name", value.trim(), MAX_TOKEN_NAME).map(str::to_string)
}

/// The name a client gives the management point: at most [`MAX_CLIENT_NAME`] characters. Not
/// stored, only logged, so other characters are escaped where it is written, not refused.
pub fn client_name(value: &str) -> Result<&str, FieldError> {
    let len = value.chars().count();
    if len > MAX_CLIENT_NAME {
        return Err(FieldError::new(
            "Client",
            format!("must be at most {MAX_CLIENT_NAME} characters (got {len})"),
        ));
    }
    Ok(value)
}

/// Checks a file name of a package: one path segment, not `.`/`..`, at most
/// [`MAX_FILE_NAME_BYTES`] bytes, no control character.
pub fn file_name(field: &str, name: &str) -> Result<(), FieldError> {
    one_line(field, name, MAX_FILE_NAME_BYTES)?;
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
        return Err(FieldError::new(
            field,
            format!("'{name}' must be a file name, not a path"),
        ));
    }
    if name.len() > MAX_FILE_NAME_BYTES {
        return Err(FieldError::new(
            field,
            format!(
                "must be at most {MAX_FILE_NAME_BYTES} bytes (got {})",
                name.len()
            ),
        ));
    }
    Ok(())
}

/// Checks a file's announced size.
pub fn file_size(field: &str, size: u64) -> Result<(), FieldError> {
    if size > MAX_FILE_BYTES {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_FILE_BYTES} bytes (1 TiB); {size} was announced"),
        ));
    }
    Ok(())
}

/// Checks how many files a package announces.
pub fn file_count(count: usize) -> Result<(), FieldError> {
    if count == 0 || count > MAX_PACKAGE_FILES {
        return Err(FieldError::new(
            "Files",
            format!("a package holds 1 to {MAX_PACKAGE_FILES} files (got {count})"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_overrides_are_refused_by_name() {
        assert_eq!(one_line("Description", "Berlin DP", 10), Ok("Berlin DP"));
        for bad in [
            "a\u{1b}[2J",
            "line\r\nforged",
            "tab\there",
            "nul\0",
            "\u{202E}exe",
            "c1\u{9b}",
        ] {
            let e = one_line("Description", bad, 100).unwrap_err();
            assert_eq!(e.field, "Description");
            assert!(e.rule.contains("control characters"), "{bad:?}: {e}");
        }
        let long = "x".repeat(MAX_DESCRIPTION + 1);
        let e = one_line("Description", &long, MAX_DESCRIPTION).unwrap_err();
        assert!(e.rule.contains("at most 512 characters (got 513)"), "{e}");
        // Characters, not bytes: 512 two-byte letters fit.
        assert!(one_line("Description", &"ü".repeat(512), MAX_DESCRIPTION).is_ok());
    }

    #[test]
    fn escaped_text_cannot_start_a_line_or_move_the_cursor() {
        assert!(matches!(escaped("Berlin DP"), Cow::Borrowed("Berlin DP")));
        let e = escaped("PC1\r\n<![LOG[forged\u{1b}[2J\u{202E}");
        assert_eq!(e, "PC1\\u{d}\\u{a}<![LOG[forged\\u{1b}[2J\\u{202e}");
        assert!(!e.chars().any(forbidden_char));
    }

    #[test]
    fn every_stored_field_has_its_name_and_limit() {
        assert_eq!(description("  Berlin  ").as_deref(), Ok("Berlin"));
        assert_eq!(
            description(&"d".repeat(513)).unwrap_err().field,
            "Description"
        );
        assert_eq!(comment("a\u{1b}b").unwrap_err().field, "Comment");
        assert_eq!(account("CONTOSO\\svc\r\nx").unwrap_err().field, "Account");
        assert_eq!(token_name(&"t".repeat(101)).unwrap_err().field, "Name");
        assert!(
            client_name("PC1\r\n").is_ok(),
            "escaped when logged, not refused"
        );
        assert_eq!(client_name(&"c".repeat(256)).unwrap_err().field, "Client");
    }

    #[test]
    fn package_files_have_limits() {
        assert!(file_name("File", "setup.msi").is_ok());
        for bad in ["", ".", "..", "a/b", "a\\b", "x\ny"] {
            assert!(file_name("File", bad).is_err(), "{bad:?}");
        }
        assert!(file_name("File", &"é".repeat(200)).is_err(), "400 bytes");
        assert!(file_size("File", MAX_FILE_BYTES).is_ok());
        assert!(file_size("File", (1u64 << 63) - 1).is_err());
        assert!(file_count(1).is_ok() && file_count(MAX_PACKAGE_FILES).is_ok());
        assert!(file_count(0).is_err() && file_count(10_000).is_err());
    }
}
