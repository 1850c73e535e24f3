//! Field validation rules (README, "Configuration Manager facts"). Each rule names the field and states itself.

use std::fmt;

/// A field that broke a rule: which field, and the rule in words an operator understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FieldError {
    /// The field as the wizard labels it (e.g. `Service FQDN`).
    pub field: String,
    /// The rule that was broken, as a sentence.
    pub rule: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

impl FieldError {
    /// A new error for `field` breaking `rule`.
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

/// Longest DNS name (RFC 1035, without the trailing dot).
const MAX_FQDN_LEN: usize = 253;
/// Longest DNS label.
const MAX_LABEL_LEN: usize = 63;

/// Why a string is not a fully qualified host name, or `None` if it is one.
///
/// An FQDN here is at least two labels of letters, digits and inner hyphens, each 1–63
/// characters, 253 in all, with a top-level label that is not all digits (so an IPv4
/// address is not taken for a name). No wildcard, no trailing dot.
pub fn fqdn_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".into());
    }
    if name.len() > MAX_FQDN_LEN {
        return Some(format!(
            "must be at most {MAX_FQDN_LEN} characters (it has {})",
            name.len()
        ));
    }
    if name.ends_with('.') {
        return Some("must not end with a dot".into());
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Some(
            "must be a fully qualified name with a domain, such as clouddp1.contoso.com".into(),
        );
    }
    for label in &labels {
        if label.is_empty() {
            return Some("must not contain empty labels (two dots in a row)".into());
        }
        if *label == "*" {
            return Some("must not contain a wildcard: give the host name in place of *".into());
        }
        if label.len() > MAX_LABEL_LEN {
            return Some(format!(
                "label '{label}' is longer than {MAX_LABEL_LEN} characters"
            ));
        }
        if let Some(bad) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Some(format!(
                "label '{label}' contains '{bad}': only letters, digits and hyphens are allowed"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some(format!(
                "label '{label}' must not begin or end with a hyphen"
            ));
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Some("the last label must not be all digits (an IP address is not a name)".into());
    }
    None
}

/// Checks that `value` is a valid FQDN for `field`.
pub fn fqdn(field: &str, value: &str) -> Result<(), FieldError> {
    match fqdn_problem(value) {
        None => Ok(()),
        Some(rule) => Err(FieldError::new(field, rule)),
    }
}

/// The domain part of a wildcard name `*.contoso.com`, if `name` is one with a valid domain.
pub fn wildcard_domain(name: &str) -> Option<&str> {
    let domain = name.strip_prefix("*.")?;
    fqdn_problem(domain).is_none().then_some(domain)
}

/// Checks an Azure subscription ID: a GUID written `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex.
/// Returns it in lower case.
pub fn subscription_id(value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    let groups: Vec<&str> = v.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = groups.len() == lens.len()
        && groups
            .iter()
            .zip(lens)
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    if ok {
        Ok(v.to_ascii_lowercase())
    } else {
        Err(FieldError::new(
            "Subscription ID",
            "must be a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301 (32 hex digits in groups of 8-4-4-4-12)",
        ))
    }
}

/// Checks a CMG name (the deployment prefix): 3–24 characters, letters, digits and hyphens,
/// beginning with a letter, ending with a letter or digit, no consecutive hyphens (README, "Configuration Manager facts").
pub fn cmg_name(value: &str) -> Result<(), FieldError> {
    let err = |rule: &str| Err(FieldError::new("CMG name", rule));
    let n = value.chars().count();
    if !(3..=24).contains(&n) {
        return err(&format!("must be 3-24 characters long (it has {n})"));
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return err("may contain only letters, digits and hyphens");
    }
    if !value.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return err("must begin with a letter");
    }
    if value.ends_with('-') {
        return err("must end with a letter or a digit");
    }
    if value.contains("--") {
        return err("must not contain consecutive hyphens");
    }
    Ok(())
}

/// Checks a site code: three letters or digits, beginning with a letter (e.g. `PS1`).
pub fn site_code(value: &str) -> Result<(), FieldError> {
    let ok = value.len() == 3
        && value.chars().all(|c| c.is_ascii_alphanumeric())
        && value.starts_with(|c: char| c.is_ascii_alphabetic());
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "Site code",
            "must be three letters or digits, beginning with a letter (e.g. PS1)",
        ))
    }
}

/// Why `fqdn` cannot be the Service FQDN of a service certificate, or `None` if it can: under
/// a wildcard certificate it must be a host directly under the wildcard's domain; otherwise it
/// must be the certificate's CN or one of its DNS names (clients would refuse anything else).
pub fn fqdn_certificate_problem(
    fqdn: &str,
    wildcard_domain: Option<&str>,
    cn: Option<&str>,
    dns_names: &[String],
) -> Option<String> {
    let lower = fqdn.to_ascii_lowercase();
    if let Some(domain) = wildcard_domain {
        let suffix = format!(".{}", domain.to_ascii_lowercase());
        let host_ok = lower
            .strip_suffix(&suffix)
            .is_some_and(|host| !host.is_empty() && !host.contains('.'));
        return (!host_ok).then(|| {
            format!("must be a host directly under the wildcard's domain {domain} (host.{domain})")
        });
    }
    let cn = cn?;
    let held =
        lower == cn.to_ascii_lowercase() || dns_names.iter().any(|d| d.eq_ignore_ascii_case(fqdn));
    (!held).then(|| format!("must be a name the service certificate holds ({cn}); clients would refuse the connection"))
}

/// Why a renewed service certificate cannot keep the service's `fqdn`, or `None` if it can. As
/// [`fqdn_certificate_problem`], but a certificate with neither a CN nor a wildcard must list
/// the name among its DNS names: a renewal never changes the Service FQDN.
pub fn renewal_fqdn_problem(
    fqdn: &str,
    wildcard_domain: Option<&str>,
    cn: Option<&str>,
    dns_names: &[String],
) -> Option<String> {
    if wildcard_domain.is_none() && cn.is_none() {
        // DNS names compare case-insensitively (RFC 4343), as clients match them.
        let held = dns_names.iter().any(|d| d.eq_ignore_ascii_case(fqdn));
        return (!held).then(|| {
            "must be a name the service certificate holds (it has no CN); clients would refuse the connection".to_string()
        });
    }
    fqdn_certificate_problem(fqdn, wildcard_domain, cn, dns_names)
}

/// Checks an Azure resource group name: 1–90 letters, digits, `-`, `_`, `.`, `(`, `)`, not
/// ending with a dot.
pub fn resource_group(value: &str) -> Result<(), FieldError> {
    let err = |rule: String| Err(FieldError::new("Resource group", rule));
    if value.chars().count() > 90 {
        return err("must be at most 90 characters".into());
    }
    if let Some(c) = value
        .chars()
        .find(|c| !(c.is_alphanumeric() || "-_.()".contains(*c)))
    {
        return err(format!(
            "contains '{c}': only letters, digits, '-', '_', '.', '(' and ')' are allowed"
        ));
    }
    if value.ends_with('.') {
        return err("must not end with a dot".into());
    }
    Ok(())
}

/// Most trusted root certificates a CMG takes (≤1902 limits, kept as a sane bound).
pub const MAX_TRUSTED_ROOTS: usize = 2;
/// Most intermediate CA certificates a CMG takes.
pub const MAX_INTERMEDIATES: usize = 4;

/// Checks the number of trusted roots and intermediates of a CMG.
pub fn trusted_root_counts(roots: usize, intermediates: usize) -> Result<(), FieldError> {
    if roots > MAX_TRUSTED_ROOTS || intermediates > MAX_INTERMEDIATES {
        return Err(FieldError::new(
            "Certificates",
            format!(
                "at most {MAX_TRUSTED_ROOTS} trusted roots and {MAX_INTERMEDIATES} intermediates"
            ),
        ));
    }
    Ok(())
}

/// The range of a whole number a field takes, and how its rule reads. The console checks what
/// is typed with it and the site (and so the CLI) checks the number sent with it, so both say
/// the same words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Smallest value.
    pub min: i64,
    /// Largest value.
    pub max: i64,
    /// What the number is, before the range: `"a whole number "`, `"a port "`, or nothing.
    pub what: &'static str,
    /// The unit after the range (`" GB"`), or nothing.
    pub unit: &'static str,
}

/// A percentage of a threshold: 1 to 100.
pub const PERCENT: Bounds = Bounds {
    min: 1,
    max: 100,
    what: "a whole number ",
    unit: "",
};

/// Largest number of CMG VM instances (README, "Configuration Manager facts").
pub const MAX_VM_INSTANCES: i64 = 16;

/// The CMG VM instance count: 1 to 16.
pub const VM_INSTANCES: Bounds = Bounds {
    min: 1,
    max: MAX_VM_INSTANCES,
    what: "",
    unit: "",
};

/// A TCP port: 1 to 65535.
pub const PORT: Bounds = Bounds {
    min: 1,
    max: 65535,
    what: "a port ",
    unit: "",
};

impl Bounds {
    /// The rule, with the value as it was given (`got`).
    pub fn rule(&self, got: &str) -> String {
        format!(
            "must be {}from {} to {}{} (got {got})",
            self.what, self.min, self.max, self.unit
        )
    }

    /// Checks `value` for `field`.
    pub fn check(&self, field: &str, value: i64) -> Result<i64, FieldError> {
        if (self.min..=self.max).contains(&value) {
            Ok(value)
        } else {
            Err(FieldError::new(field, self.rule(&value.to_string())))
        }
    }

    /// Checks a number as an operator types it: digits with an optional sign, `,` or `_`
    /// between thousands. Digits too many for the arithmetic still make a number — one out of
    /// the range — so the rule says the range, as it does for any number outside it, rather
    /// than "not a number".
    pub fn check_text(&self, field: &str, text: &str) -> Result<i64, FieldError> {
        let typed = text.trim();
        let digits: String = typed.chars().filter(|c| !matches!(c, ',' | '_')).collect();
        let unsigned = digits.strip_prefix(['-', '+']).unwrap_or(&digits);
        if unsigned.is_empty() || !unsigned.chars().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::new(
                field,
                format!(
                    "must be a whole number from {} to {}{}",
                    self.min, self.max, self.unit
                ),
            ));
        }
        match digits.parse::<i64>() {
            Ok(n) => self.check(field, n),
            Err(_) => Err(FieldError::new(field, self.rule(typed))),
        }
    }
}

/// Checks a percentage of a threshold (`field` names it): a whole number from 1 to 100.
pub fn percentage(field: &str, value: i64) -> Result<u8, FieldError> {
    PERCENT.check(field, value).map(|v| v as u8)
}

/// Checks a warning/critical pair: each 1–100 and the warning below the critical level.
pub fn warning_below_critical(
    warning_field: &str,
    warning: i64,
    critical_field: &str,
    critical: i64,
) -> Result<(u8, u8), FieldError> {
    let w = percentage(warning_field, warning)?;
    let c = percentage(critical_field, critical)?;
    if w >= c {
        return Err(FieldError::new(
            warning_field,
            format!("must be lower than {critical_field} ({w} % is not below {c} %)"),
        ));
    }
    Ok((w, c))
}

/// Checks the CMG VM instance count: 1 to 16.
pub fn vm_instances(value: i64) -> Result<u8, FieldError> {
    VM_INSTANCES.check("VM Instance", value).map(|v| v as u8)
}

/// Checks a TCP port (`field` names it): 1 to 65535.
pub fn port(field: &str, value: i64) -> Result<u16, FieldError> {
    PORT.check(field, value).map(|v| v as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqdn_accepts_ordinary_names() {
        for ok in [
            "clouddp1.contoso.com",
            "a.b",
            "x-1.example.org",
            "MYCMG.CONTOSO.COM",
        ] {
            assert_eq!(fqdn_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn fqdn_rejects_each_broken_rule() {
        let cases = [
            ("", "empty"),
            ("localhost", "fully qualified"),
            ("a..b", "empty labels"),
            ("*.contoso.com", "wildcard"),
            ("-a.contoso.com", "hyphen"),
            ("a_b.contoso.com", "'_'"),
            ("10.0.0.1", "all digits"),
            ("contoso.com.", "dot"),
        ];
        for (name, expect) in cases {
            let p = fqdn_problem(name).unwrap_or_default();
            assert!(p.contains(expect), "{name:?}: {p}");
        }
        let long_label = format!("{}.com", "a".repeat(64));
        assert!(
            fqdn_problem(&long_label)
                .unwrap_or_default()
                .contains("longer than 63")
        );
        let long_name = format!("{}.com", ["abcdefghij"; 25].join("."));
        assert!(
            fqdn_problem(&long_name)
                .unwrap_or_default()
                .contains("at most 253")
        );
    }

    #[test]
    fn wildcard_domain_is_the_part_after_the_star() {
        assert_eq!(wildcard_domain("*.contoso.com"), Some("contoso.com"));
        assert_eq!(wildcard_domain("*.com"), None);
        assert_eq!(wildcard_domain("a.contoso.com"), None);
    }

    #[test]
    fn subscription_id_is_a_guid() {
        assert_eq!(
            subscription_id("3F2504E0-4F89-11D3-9A0C-0305E82C3301").as_deref(),
            Ok("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
        );
        for bad in [
            "",
            "3f2504e0",
            "3f2504e04f8911d39a0c0305e82c3301",
            "3f2504e0-4f89-11d3-9a0c-0305e82c330g",
        ] {
            let e = subscription_id(bad).unwrap_err();
            assert_eq!(e.field, "Subscription ID");
        }
    }

    #[test]
    fn cmg_name_rules() {
        assert!(cmg_name("GraniteFalls").is_ok());
        assert!(cmg_name("cmg-1").is_ok());
        let broken = [
            ("ab", "3-24"),
            ("a234567890123456789012345", "3-24"),
            ("1abc", "begin with a letter"),
            ("abc-", "end with"),
            ("ab--c", "consecutive"),
            ("ab_c", "only letters"),
        ];
        for (name, rule) in broken {
            let e = cmg_name(name).unwrap_err();
            assert!(e.rule.contains(rule), "{name}: {}", e.rule);
        }
    }

    #[test]
    fn service_fqdn_against_the_certificate() {
        let dns = vec!["b.contoso.com".to_string()];
        assert_eq!(
            fqdn_certificate_problem("a.contoso.com", None, Some("a.contoso.com"), &dns),
            None
        );
        assert_eq!(
            fqdn_certificate_problem("B.contoso.com", None, Some("a.contoso.com"), &dns),
            None
        );
        assert!(
            fqdn_certificate_problem("c.contoso.com", None, Some("a.contoso.com"), &dns)
                .unwrap()
                .contains("certificate holds")
        );
        assert_eq!(
            fqdn_certificate_problem("x.contoso.com", Some("contoso.com"), None, &[]),
            None
        );
        for bad in ["x.y.contoso.com", "contoso.com", "x.fabrikam.com"] {
            assert!(
                fqdn_certificate_problem(bad, Some("contoso.com"), None, &[])
                    .unwrap()
                    .contains("directly under"),
                "{bad}"
            );
        }
    }

    #[test]
    fn resource_groups_and_root_counts() {
        assert!(resource_group("rg-cloud_1.(eu)").is_ok());
        assert_eq!(resource_group("rg.").unwrap_err().field, "Resource group");
        assert!(resource_group("rg/x").is_err() && resource_group(&"r".repeat(91)).is_err());
        assert!(trusted_root_counts(2, 4).is_ok());
        assert!(
            trusted_root_counts(3, 0)
                .unwrap_err()
                .rule
                .contains("at most 2 trusted roots")
        );
        assert!(trusted_root_counts(0, 5).is_err());
    }

    #[test]
    fn numeric_ranges() {
        assert!(percentage("Warning %", 0).is_err());
        assert!(percentage("Warning %", 101).is_err());
        assert_eq!(percentage("Warning %", 50), Ok(50));
        assert_eq!(
            warning_below_critical("Warning %", 50, "Critical %", 90),
            Ok((50, 90))
        );
        assert!(warning_below_critical("Warning %", 90, "Critical %", 90).is_err());
        assert_eq!(vm_instances(16), Ok(16));
        assert!(vm_instances(0).is_err() && vm_instances(17).is_err());
        assert_eq!(port("Port", 80), Ok(80));
        assert!(port("Port", 0).is_err() && port("Port", 65536).is_err());
    }

    #[test]
    fn typed_numbers_too_long_for_the_arithmetic_break_the_range_rule() {
        assert_eq!(PERCENT.check_text("Warning %", " 5,0 "), Ok(50));
        let huge = "99999999999999999999";
        let e = PERCENT.check_text("Warning %", huge).unwrap_err();
        assert_eq!(
            e.rule,
            format!("must be a whole number from 1 to 100 (got {huge})")
        );
        assert_eq!(e.rule, PERCENT.rule(huge));
        assert_eq!(
            PORT.check_text("Port", "-99999999999999999999")
                .unwrap_err()
                .rule,
            "must be a port from 1 to 65535 (got -99999999999999999999)"
        );
        assert_eq!(
            VM_INSTANCES.check_text("VM Instance", "17").unwrap_err(),
            vm_instances(17).unwrap_err(),
            "the same words for typed text and a number"
        );
        assert_eq!(
            PERCENT.check_text("Warning %", "").unwrap_err().rule,
            "must be a whole number from 1 to 100"
        );
    }

    #[test]
    fn a_renewal_keeps_the_name_even_without_a_cn() {
        let dns = vec!["a.contoso.com".to_string()];
        assert_eq!(
            renewal_fqdn_problem("A.contoso.com", None, None, &dns),
            None
        );
        assert!(renewal_fqdn_problem("b.contoso.com", None, None, &dns).is_some());
        assert!(renewal_fqdn_problem("a.contoso.com", None, None, &[]).is_some());
        // With a CN or a wildcard it is the create rule.
        assert_eq!(
            renewal_fqdn_problem("x.contoso.com", Some("contoso.com"), None, &[]),
            fqdn_certificate_problem("x.contoso.com", Some("contoso.com"), None, &[])
        );
        assert!(renewal_fqdn_problem("c.contoso.com", None, Some("a.contoso.com"), &dns).is_some());
    }
}
