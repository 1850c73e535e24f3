//! Blob names and byte ranges, the same for every store: a blob is `<package>/<file>`, and
//! names starting with `.` are the store's own (never a blob, never served, never counted).
//! Where the blobs live is the `store` module's business.

/// Longest package or file name: leaves room for the hidden names beside it (255-byte limit).
const MAX_SEGMENT: usize = 200;

/// Why `segment` cannot be a package (`kind` = "package") or file name; `None` if it can.
pub(super) fn segment_problem(kind: &str, segment: &str) -> Option<String> {
    let rule = if segment.is_empty() {
        "it is empty"
    } else if segment == "." || segment == ".." {
        "'.' and '..' are not names"
    } else if segment.starts_with('.') {
        "it must not start with '.' (such names are the cloud's own)"
    } else if segment.contains(['/', '\\']) {
        "it must not contain '/' or '\\'"
    } else if segment.chars().any(char::is_control) {
        "it must not contain NUL or other control characters"
    } else if segment.len() > MAX_SEGMENT {
        "it is longer than 200 bytes"
    } else {
        return None;
    };
    Some(format!(
        "the {kind} name '{}' is invalid: {rule}",
        segment.escape_debug()
    ))
}

/// Splits a blob name `<package id>/<file name>` into its checked parts.
pub(super) fn split_blob(name: &str) -> Result<(&str, &str), String> {
    let mut parts = name.split('/');
    let (Some(package), Some(file), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "the blob name '{}' is invalid: it must be <package id>/<file name>",
            name.escape_debug()
        ));
    };
    match segment_problem("package", package).or_else(|| segment_problem("file", file)) {
        Some(problem) => Err(problem),
        None => Ok((package, file)),
    }
}

/// Is `text` a SHA-256 in lower-case hex?
pub(super) fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What a `Range` header asks of a body of a given length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ByteRange {
    /// The whole body: no range, or one to ignore (malformed, or several ranges).
    Full,
    /// Bytes `start..=end`.
    Part {
        /// First byte.
        start: u64,
        /// Last byte (inclusive).
        end: u64,
    },
    /// A well-formed range wholly past the end: 416.
    Unsatisfiable,
}

/// Parses a `Range` header (RFC 9110 §14.2) for a body of `len` bytes: one range of the
/// `bytes` unit; anything else is ignored, as the RFC allows, so the whole body is sent.
pub(super) fn parse_range(value: &str, len: u64) -> ByteRange {
    let Some((unit, spec)) = value.split_once('=') else {
        return ByteRange::Full;
    };
    let Some((first, last)) = spec.trim().split_once('-') else {
        return ByteRange::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return ByteRange::Full;
    }
    // Digits only (`parse` alone would take "+5"); too many digits means "past any end".
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().unwrap_or(u64::MAX))
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        return match number(last) {
            None => ByteRange::Full,
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if len == 0 => ByteRange::Unsatisfiable,
            Some(n) => ByteRange::Part {
                start: len.saturating_sub(n),
                end: len - 1,
            },
        };
    }
    let Some(start) = number(first) else {
        return ByteRange::Full;
    };
    let end = match (last.is_empty(), number(last)) {
        (true, _) => u64::MAX,
        (false, Some(end)) if end >= start => end,
        _ => return ByteRange::Full,
    };
    if start >= len {
        return ByteRange::Unsatisfiable;
    }
    ByteRange::Part {
        start,
        end: end.min(len - 1),
    }
}

/// What an upload request declares about the blob and the piece it carries.
#[derive(Clone, Debug)]
pub(crate) struct Piece {
    /// Where the piece starts: the partial copy's length, or 0 to start over.
    pub offset: u64,
    /// Length of the whole blob.
    pub total: u64,
    /// SHA-256 of the whole blob, lower-case hex.
    pub sha256: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ByteRange::*;

    #[test]
    fn names_follow_the_rules() {
        assert_eq!(
            split_blob("PS100001/setup.bin"),
            Ok(("PS100001", "setup.bin"))
        );
        assert_eq!(split_blob("p/a b (1).msi"), Ok(("p", "a b (1).msi")));
        for (bad, rule) in [
            ("PS1", "<package id>/<file name>"),
            ("a/b/c", "<package id>/<file name>"),
            ("../x", "'..'"),
            ("p/..", "'..'"),
            ("p/.x.partial", "start with '.'"),
            (".p/x", "start with '.'"),
            ("p/", "empty"),
            ("/x", "empty"),
            ("p/a\\b", "'\\'"),
            ("p/a\0b", "NUL"),
        ] {
            let err = split_blob(bad).expect_err(bad);
            assert!(err.contains(rule), "{bad}: {err}");
        }
        assert!(segment_problem("file", &"x".repeat(201)).is_some());
        assert!(segment_problem("file", &"x".repeat(200)).is_none());
        assert!(is_sha256_hex(&"ab".repeat(32)));
        assert!(!is_sha256_hex(&"AB".repeat(32)));
        assert!(!is_sha256_hex("abc"));
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        let p = |start, end| Part { start, end };
        assert_eq!(parse_range("bytes=0-99", 1000), p(0, 99));
        assert_eq!(parse_range("bytes=500-", 1000), p(500, 999));
        assert_eq!(parse_range("bytes=-100", 1000), p(900, 999));
        assert_eq!(parse_range("bytes=-5000", 1000), p(0, 999));
        assert_eq!(parse_range("bytes=990-5000", 1000), p(990, 999));
        assert_eq!(parse_range("Bytes = 1-1", 1000), p(1, 1));
        assert_eq!(parse_range("bytes=0-99999999999999999999999", 10), p(0, 9));
        assert_eq!(parse_range("bytes=1000-", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=1000-2000", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Unsatisfiable);
        assert_eq!(parse_range("bytes=-1", 0), Unsatisfiable);
        for ignored in [
            "bytes=5-1",
            "bytes=abc",
            "bytes=-",
            "bytes=+1-2",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes 0-1",
            "",
        ] {
            assert_eq!(parse_range(ignored, 1000), Full, "{ignored}");
        }
    }
}
