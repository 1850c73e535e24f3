//! How the command line spells values that are not plain text: on/off settings and durations.

use std::time::Duration;

/// An on/off setting: `yes`/`no` (also `true`/`false`, `on`/`off`), as the console's settings
/// read. Every such flag takes a value, so a setting can be turned off as well as on.
pub(super) fn yes_no(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" => Ok(true),
        "no" | "false" | "off" => Ok(false),
        other => Err(format!("'{other}' is not yes or no")),
    }
}

/// A duration as the config file writes them (`90s`, `10m`, `1h`), not zero.
pub(super) fn duration(text: &str) -> Result<Duration, String> {
    crate::domain::duration::parse(text)
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("'{text}' is not a duration (e.g. 90s, 10m, 1h)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_off_and_durations() {
        assert_eq!(yes_no("Yes"), Ok(true));
        assert_eq!(yes_no("off"), Ok(false));
        assert!(yes_no("maybe").is_err());
        assert_eq!(duration("90s"), Ok(Duration::from_secs(90)));
        assert!(duration("0s").is_err() && duration("soon").is_err());
    }
}
