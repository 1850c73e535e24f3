//! Resume decisions for a download into a `.part` file. Pure, so every case is tested without
//! a network: what to ask for given the part on disk, and what to do with the instance's answer.

/// What to do with the part file before asking an instance for bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PartPlan {
    /// No part, or an empty one: ask for the whole blob.
    Fresh,
    /// Ask for the rest with `Range: bytes=<from>-`.
    Resume {
        /// Bytes already in the part: more than 0, fewer than the blob's size.
        from: u64,
    },
    /// The part holds every expected byte already: verify it without a request.
    Complete,
    /// The part is longer than the blob can be: delete it and ask for the whole blob.
    Discard,
}

/// The plan for a part of `part_len` bytes (`None`: no part) of a blob of `expected` bytes.
pub(super) fn plan(part_len: Option<u64>, expected: u64) -> PartPlan {
    match part_len {
        None | Some(0) => PartPlan::Fresh,
        Some(n) if n < expected => PartPlan::Resume { from: n },
        Some(n) if n == expected => PartPlan::Complete,
        Some(_) => PartPlan::Discard,
    }
}

/// The `Range` header value asking for everything from byte `from`.
pub(super) fn range_header(from: u64) -> String {
    format!("bytes={from}-")
}

/// What to do with an instance's answer to a content request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Answer {
    /// The body is the whole blob: truncate the part and write it from byte 0.
    WriteAll,
    /// The body continues the part: append it.
    Append,
    /// Nothing is left to send for the part (416): it is complete, or bad; decrypting tells.
    Verify,
    /// The range answered does not fit the part: delete the part and ask for everything.
    Discard,
    /// Not content: a refusal or error status the location fails with.
    Refused(u16),
}

/// A parsed `Content-Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ContentRange {
    /// First and last byte sent (`None` for `bytes */total`).
    pub span: Option<(u64, u64)>,
    /// The blob's length, if the instance told it.
    pub total: Option<u64>,
}

/// Parses `bytes 100-199/1000`, `bytes 100-199/*` or `bytes */1000`.
pub(super) fn parse_content_range(value: &str) -> Option<ContentRange> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (span, total) = rest.split_once('/')?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    let span = match span.trim() {
        "*" => None,
        s => {
            let (first, last) = s.split_once('-')?;
            let (first, last): (u64, u64) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
            if last < first {
                return None;
            }
            Some((first, last))
        }
    };
    Some(ContentRange { span, total })
}

/// What to do with an answer of `status` to a request that asked from byte `asked_from`
/// (`None`: no `Range` header) and came with `content_range`.
pub(super) fn answer(status: u16, asked_from: Option<u64>, content_range: Option<&str>) -> Answer {
    let range = content_range.and_then(parse_content_range);
    match status {
        // An instance may ignore Range; the whole blob is as good, it just starts over.
        200 => Answer::WriteAll,
        206 => match (asked_from, range.and_then(|r| r.span)) {
            (Some(from), Some((first, _))) if first == from => Answer::Append,
            (None, Some((0, _))) => Answer::WriteAll,
            // Another range than asked for, or none given: appending it would corrupt the part.
            _ => Answer::Discard,
        },
        416 => match (asked_from, range.and_then(|r| r.total)) {
            (None, _) => Answer::Refused(416),
            (Some(from), Some(total)) if total == from => Answer::Verify,
            // The blob is shorter than the part: the part belongs to another blob.
            (Some(_), Some(_)) => Answer::Discard,
            // No length given: the part may be whole; decryption decides.
            (Some(_), None) => Answer::Verify,
        },
        s => Answer::Refused(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_follow_the_part_length() {
        assert_eq!(plan(None, 100), PartPlan::Fresh);
        assert_eq!(plan(Some(0), 100), PartPlan::Fresh);
        assert_eq!(plan(Some(1), 100), PartPlan::Resume { from: 1 });
        assert_eq!(plan(Some(99), 100), PartPlan::Resume { from: 99 });
        assert_eq!(plan(Some(100), 100), PartPlan::Complete);
        assert_eq!(plan(Some(101), 100), PartPlan::Discard);
        assert_eq!(range_header(4096), "bytes=4096-");
    }

    #[test]
    fn content_ranges_parse() {
        assert_eq!(
            parse_content_range("bytes 100-199/1000"),
            Some(ContentRange {
                span: Some((100, 199)),
                total: Some(1000)
            })
        );
        assert_eq!(
            parse_content_range("bytes */1000"),
            Some(ContentRange {
                span: None,
                total: Some(1000)
            })
        );
        assert_eq!(
            parse_content_range("bytes 0-9/*"),
            Some(ContentRange {
                span: Some((0, 9)),
                total: None
            })
        );
        for bad in [
            "",
            "bytes",
            "bytes 5-1/10",
            "items 0-1/2",
            "bytes a-b/10",
            "bytes 0-1",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn answers_to_a_resume() {
        let from = Some(100);
        assert_eq!(
            answer(206, from, Some("bytes 100-999/1000")),
            Answer::Append
        );
        assert_eq!(answer(200, from, None), Answer::WriteAll);
        assert_eq!(answer(206, from, Some("bytes 0-999/1000")), Answer::Discard);
        assert_eq!(answer(206, from, None), Answer::Discard);
        assert_eq!(answer(206, from, Some("garbage")), Answer::Discard);
        assert_eq!(answer(416, from, Some("bytes */100")), Answer::Verify);
        assert_eq!(answer(416, from, Some("bytes */50")), Answer::Discard);
        assert_eq!(answer(416, from, None), Answer::Verify);
    }

    #[test]
    fn answers_to_a_whole_request() {
        assert_eq!(answer(200, None, None), Answer::WriteAll);
        assert_eq!(answer(206, None, Some("bytes 0-9/10")), Answer::WriteAll);
        assert_eq!(answer(206, None, Some("bytes 5-9/10")), Answer::Discard);
        assert_eq!(answer(416, None, Some("bytes */0")), Answer::Refused(416));
        for s in [401, 403, 404, 500, 503] {
            assert_eq!(answer(s, None, None), Answer::Refused(s));
            assert_eq!(answer(s, Some(5), None), Answer::Refused(s));
        }
    }
}
