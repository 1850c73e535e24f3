//! Durations as operators write them in configuration (`250ms`, `3s`, `6m`, `1h`).

use std::time::Duration;

/// Parses `250ms`, `3s`, `1m`, `1h` (a bare number is milliseconds); `None` for anything else
/// or a value too large to represent.
pub fn parse(text: &str) -> Option<Duration> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    match unit.trim() {
        "" | "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" | "min" => Some(Duration::from_secs(n.checked_mul(60)?)),
        "h" => Some(Duration::from_secs(n.checked_mul(3600)?)),
        _ => None,
    }
}

/// A duration written the way [`parse`] reads it, in the largest whole unit (`90s`, `6m`).
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(3_600_000) && ms > 0 {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) && ms > 0 {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_durations_parse_back() {
        for text in ["250ms", "90s", "6m", "1h", "0s"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
    }

    #[test]
    fn units_and_refusals() {
        assert_eq!(parse("250"), Some(Duration::from_millis(250)));
        assert_eq!(parse("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse("3 s"), Some(Duration::from_secs(3)));
        assert_eq!(parse("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse("24 h"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse("soon"), None);
        assert_eq!(parse("1d"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse(&format!("{}h", u64::MAX)), None);
    }
}
