//! How values are shown to a person, the same in the console and the scripting commands:
//! times in the local zone (or RFC 3339, `[console] date_format`), sizes in binary units, and
//! text made safe for a terminal (no control character, escape sequence or BiDi override from
//! a stored value reaches the screen as itself).

use crate::config::DateFormat;
use std::borrow::Cow;
use std::sync::OnceLock;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

static LOCAL_OFFSET: OnceLock<UtcOffset> = OnceLock::new();
static FORMAT: OnceLock<DateFormat> = OnceLock::new();

/// Reads the local time zone's offset. Call at start-up, before any thread starts: the C
/// library's zone lookup is not safe while other threads run, so `time` refuses it then (the
/// offset is then UTC). A change of offset during a session (DST) is not followed.
pub fn init_local_offset() {
    let offset = UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC);
    let _ = LOCAL_OFFSET.set(offset);
}

/// Sets how times are written (`[console] date_format`).
pub fn set_date_format(format: DateFormat) {
    let _ = FORMAT.set(format);
}

fn local(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(LOCAL_OFFSET.get().copied().unwrap_or(UtcOffset::UTC))
}

fn zone(offset: UtcOffset) -> String {
    if offset.is_utc() {
        "UTC".into()
    } else {
        let (h, m, _) = offset.as_hms();
        format!(
            "{}{:02}:{:02}",
            if offset.is_negative() { '-' } else { '+' },
            h.abs(),
            m.abs()
        )
    }
}

/// A time from the API (RFC 3339) as the operator reads it: `2026-12-04 14:03:05 +01:00` in
/// the local zone, or the RFC 3339 text in UTC when so configured. Text that is not a time is
/// shown as it is.
pub fn time(rfc3339: &str) -> String {
    let Ok(t) = OffsetDateTime::parse(rfc3339, &Rfc3339) else {
        return rfc3339.to_string();
    };
    match FORMAT.get().copied().unwrap_or_default() {
        DateFormat::Rfc3339 => t
            .to_offset(UtcOffset::UTC)
            .format(&Rfc3339)
            .unwrap_or_else(|_| rfc3339.to_string()),
        DateFormat::Local => {
            let l = local(t);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {}",
                l.year(),
                u8::from(l.month()),
                l.day(),
                l.hour(),
                l.minute(),
                l.second(),
                zone(l.offset())
            )
        }
    }
}

/// A time for a narrow column: `12-04 14:03` in the local zone (the zone is in the column's
/// title, see [`zone_label`]), or `12-04T13:03Z` when RFC 3339 is configured.
pub fn short_time(rfc3339: &str) -> String {
    let Ok(t) = OffsetDateTime::parse(rfc3339, &Rfc3339) else {
        return rfc3339.to_string();
    };
    match FORMAT.get().copied().unwrap_or_default() {
        DateFormat::Rfc3339 => {
            let u = t.to_offset(UtcOffset::UTC);
            format!(
                "{:02}-{:02}T{:02}:{:02}Z",
                u8::from(u.month()),
                u.day(),
                u.hour(),
                u.minute()
            )
        }
        DateFormat::Local => {
            let l = local(t);
            format!(
                "{:02}-{:02} {:02}:{:02}",
                u8::from(l.month()),
                l.day(),
                l.hour(),
                l.minute()
            )
        }
    }
}

/// The zone short times are in, for a column title (`UTC`, `+01:00`).
pub fn zone_label() -> String {
    match FORMAT.get().copied().unwrap_or_default() {
        DateFormat::Rfc3339 => "UTC".into(),
        DateFormat::Local => zone(LOCAL_OFFSET.get().copied().unwrap_or(UtcOffset::UTC)),
    }
}

/// Columns [`short_time`] takes: 11 (`12-04 14:03`), 12 with RFC 3339 (`12-04T13:03Z`).
pub fn short_time_width() -> usize {
    match FORMAT.get().copied().unwrap_or_default() {
        DateFormat::Rfc3339 => 12,
        DateFormat::Local => 11,
    }
}

/// The day of a time, for dates that need no hour (a certificate's expiry): `2027-11-23` in
/// the local zone, or in UTC when RFC 3339 is configured. Text that is not a time is shown as
/// it is.
pub fn date(rfc3339: &str) -> String {
    let Ok(t) = OffsetDateTime::parse(rfc3339, &Rfc3339) else {
        return rfc3339.to_string();
    };
    let d = match FORMAT.get().copied().unwrap_or_default() {
        DateFormat::Rfc3339 => t.to_offset(UtcOffset::UTC),
        DateFormat::Local => local(t),
    };
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Bytes as people read them, in at most 8 characters so they fit a narrow column: `512 B`,
/// `1.2 GiB`, `12.1 GiB`, `1023 MiB` (binary units; one decimal below 100, none above).
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    // 99.95 would round up to a fifth character ("100.0"); past it the decimal is noise.
    if value < 99.95 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// `text` with every character a terminal would act on (the characters the site refuses to
/// store: controls, DEL, BiDi overrides — older rows and files may still hold them) shown as an escape (`\u{1b}`), so a
/// stored value cannot clear the screen, move the cursor or hide text. Borrowed when clean.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    crate::domain::text::escaped(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_escape_sequences_and_bidi_overrides_are_shown_not_obeyed() {
        assert!(matches!(
            terminal_safe("cdp1.contoso.com"),
            Cow::Borrowed(_)
        ));
        assert_eq!(terminal_safe("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(terminal_safe("x\u{0}y\r\n"), "x\\u{0}y\\u{d}\\u{a}");
        assert_eq!(terminal_safe("\u{202E}gpj.exe"), "\\u{202e}gpj.exe");
        assert_eq!(terminal_safe("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(terminal_safe("Zürich 東京"), "Zürich 東京");
    }

    #[test]
    fn times_are_local_with_their_zone_and_short_ones_fit_a_column() {
        // Whatever the machine's zone, the UTC default before init gives stable text.
        assert_eq!(time("2026-12-04T13:03:05.123Z"), "2026-12-04 13:03:05 UTC");
        assert_eq!(short_time("2026-12-04T13:03:05Z"), "12-04 13:03");
        assert_eq!(time("not a time"), "not a time");
        assert_eq!(date("2027-11-23T00:00:00Z"), "2027-11-23");
        assert_eq!(short_time("2026-12-04T13:03:05Z").len(), short_time_width());
        assert_eq!(zone(UtcOffset::from_hms(-3, -30, 0).unwrap()), "-03:30");
        assert_eq!(zone(UtcOffset::from_hms(1, 0, 0).unwrap()), "+01:00");
    }

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(1023), "1023 B");
        assert_eq!(size(1024), "1.0 KiB");
        assert_eq!(size(1_288_490_189), "1.2 GiB");
        assert_eq!(size(12_400 * 1024 * 1024), "12.1 GiB");
        assert_eq!(size((1 << 30) - 1), "1024 MiB");
        assert_eq!(size(2000 << 30), "2.0 TiB");
        for b in [1u64, 999, 10_239, 102_399, 1 << 40, u64::MAX] {
            assert!(size(b).chars().count() <= 8, "{}", size(b));
        }
    }
}
