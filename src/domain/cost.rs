//! Cost projection: what a service costs from its egress, storage and instance-hours, with a
//! price table from the configuration. The default prices are illustrative (round figures of
//! the order of Azure's list prices), not a quote.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Prices per unit. Sizes not in `instance_hour` use `default_instance_hour`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriceTable {
    /// Currency the prices are in.
    pub currency: String,
    /// Per GB (GiB) sent out of the cloud.
    pub egress_per_gb: f64,
    /// Per GB stored for a whole month.
    pub storage_per_gb_month: f64,
    /// Per instance-hour, by VM size (a CDP runs `Standard_A0` instances).
    pub instance_hour: BTreeMap<String, f64>,
    /// Per instance-hour for sizes not listed.
    pub default_instance_hour: f64,
}

impl Default for PriceTable {
    fn default() -> Self {
        PriceTable {
            currency: "USD".into(),
            egress_per_gb: 0.087,
            storage_per_gb_month: 0.0208,
            instance_hour: BTreeMap::from([
                ("Standard_A0".to_string(), 0.02),
                ("Standard_A2_v2".to_string(), 0.091),
                ("Standard_A4_v2".to_string(), 0.191),
                ("Standard_B2s".to_string(), 0.0416),
            ]),
            default_instance_hour: 0.1,
        }
    }
}

/// Bytes in the GB the prices are per (1 GiB, whatever quota unit demos use).
pub const PRICE_GB: f64 = (1u64 << 30) as f64;
/// The VM size every CDP instance runs.
pub const CDP_VM_SIZE: &str = "Standard_A0";

const HOUR_MS: f64 = 3_600_000.0;

/// What the cost of one service is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct CostInput<'a> {
    /// Now, unix milliseconds (UTC).
    pub now_ms: i64,
    /// When the service was created, unix milliseconds.
    pub created_ms: i64,
    /// Instances it runs.
    pub instances: u8,
    /// Their VM size ([`CDP_VM_SIZE`] for a CDP, the CMG's setting for a CMG).
    pub vm_size: &'a str,
    /// Bytes stored now (the latest sample).
    pub storage_bytes: u64,
    /// Bytes sent since the start of the month (or since the service was created).
    pub egress_month_bytes: u64,
}

/// A service's cost in hundredths of the price table's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// Since the start of the month.
    pub month_to_date_cents: i64,
    /// For the whole month at the current rate.
    pub projected_month_cents: i64,
}

/// The UTC calendar month holding `now_ms`: its start and the next month's start, in unix ms.
pub fn month_bounds(now_ms: i64) -> (i64, i64) {
    let now = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let first = now.date().replace_day(1).unwrap_or(now.date());
    let next = match first.month() {
        time::Month::December => first
            .replace_year(first.year() + 1)
            .and_then(|d| d.replace_month(time::Month::January)),
        m => first.replace_month(m.next()),
    }
    .unwrap_or(first);
    let ms = |d: time::Date| (d.midnight().assume_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    (ms(first), ms(next))
}

impl PriceTable {
    /// The price of one instance-hour of `vm_size`.
    pub fn instance_hour(&self, vm_size: &str) -> f64 {
        self.instance_hour
            .get(vm_size)
            .copied()
            .unwrap_or(self.default_instance_hour)
    }

    /// Month-to-date and projected cost of one service.
    ///
    /// - Instances bill every hour since the later of the month's start and the service's
    ///   creation, whatever the service's state: a stopped CDP or CMG keeps its VMs allocated
    ///   and still bills them (README, "Configuration Manager facts").
    /// - Storage bills the bytes stored now for the same fraction of the month.
    /// - Egress bills the bytes sent this month.
    ///
    /// The projection adds the hours left in the month at the current hourly rate; the egress
    /// rate is the month's average so far, taken over at least one hour so a burst in a new
    /// service's first minutes is not projected as if it lasted all month.
    pub fn cost(&self, input: &CostInput<'_>) -> Cost {
        let (month_start, month_end) = month_bounds(input.now_ms);
        let month_hours = month_end.saturating_sub(month_start).max(1) as f64 / HOUR_MS;
        let since = input.created_ms.max(month_start).min(input.now_ms);
        let billed_hours = input.now_ms.saturating_sub(since).max(0) as f64 / HOUR_MS;
        let remaining_hours = month_end.saturating_sub(input.now_ms).max(0) as f64 / HOUR_MS;

        let instance_rate = f64::from(input.instances) * self.instance_hour(input.vm_size);
        let storage_gb = input.storage_bytes as f64 / PRICE_GB;
        let storage_rate = storage_gb * self.storage_per_gb_month / month_hours;
        let egress_cost = input.egress_month_bytes as f64 / PRICE_GB * self.egress_per_gb;
        let egress_rate = egress_cost / billed_hours.max(1.0);

        let mtd = billed_hours * (instance_rate + storage_rate) + egress_cost;
        let projected = mtd + remaining_hours * (instance_rate + storage_rate + egress_rate);
        let cents = |v: f64| {
            let c = (v * 100.0).round();
            // Prices are checked to be finite and non-negative; clamp anyway so a bad table
            // never panics or wraps.
            if c.is_finite() {
                c.clamp(0.0, i64::MAX as f64) as i64
            } else {
                0
            }
        };
        let month_to_date_cents = cents(mtd);
        Cost {
            month_to_date_cents,
            projected_month_cents: cents(projected).max(month_to_date_cents),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;
    // 2026-03-01T00:00:00Z and 2026-04-01T00:00:00Z.
    const MARCH: i64 = 1_772_323_200_000;
    const APRIL: i64 = 1_775_001_600_000;

    fn input(now_ms: i64) -> CostInput<'static> {
        CostInput {
            now_ms,
            created_ms: MARCH - 100 * HOUR,
            instances: 2,
            vm_size: CDP_VM_SIZE,
            storage_bytes: 0,
            egress_month_bytes: 0,
        }
    }

    #[test]
    fn months_are_utc_calendar_months() {
        assert_eq!(month_bounds(MARCH + 5 * HOUR), (MARCH, APRIL));
        assert_eq!(month_bounds(MARCH), (MARCH, APRIL));
        assert_eq!(month_bounds(APRIL - 1), (MARCH, APRIL));
        // December rolls over into January of the next year.
        let dec = 1_796_083_200_000; // 2026-12-01
        let jan = 1_798_761_600_000; // 2027-01-01
        assert_eq!(month_bounds(dec + HOUR), (dec, jan));
    }

    #[test]
    fn instance_hours_bill_from_month_start_or_creation() {
        let p = PriceTable::default();
        // Ten hours into the month: 2 × A0 × $0.02 × 10 h = $0.40; 744 h in March.
        let c = p.cost(&input(MARCH + 10 * HOUR));
        assert_eq!(c.month_to_date_cents, 40);
        assert_eq!(
            c.projected_month_cents,
            (2.0 * 0.02 * 744.0 * 100.0_f64).round() as i64
        );
        // Created four hours ago: only four hours so far.
        let c = p.cost(&CostInput {
            created_ms: MARCH + 6 * HOUR,
            ..input(MARCH + 10 * HOUR)
        });
        assert_eq!(c.month_to_date_cents, 16);
        // Unknown sizes use the default price.
        let c = p.cost(&CostInput {
            vm_size: "Standard_Z9",
            instances: 1,
            ..input(MARCH + 10 * HOUR)
        });
        assert_eq!(c.month_to_date_cents, 100);
    }

    #[test]
    fn storage_and_egress_add_up_and_project() {
        let p = PriceTable {
            egress_per_gb: 1.0,
            storage_per_gb_month: 744.0,
            instance_hour: BTreeMap::new(),
            default_instance_hour: 0.0,
            ..PriceTable::default()
        };
        // 1 GB stored at $744 a month = $1 an hour; 10 GB sent in 10 h = $10, $1 an hour.
        let c = p.cost(&CostInput {
            storage_bytes: 1 << 30,
            egress_month_bytes: 10 << 30,
            ..input(MARCH + 10 * HOUR)
        });
        assert_eq!(c.month_to_date_cents, 2000);
        assert_eq!(c.projected_month_cents, 2000 + 734 * 200);
        assert!(c.projected_month_cents >= c.month_to_date_cents);
    }

    #[test]
    fn a_burst_in_the_first_minutes_is_averaged_over_an_hour() {
        let p = PriceTable {
            egress_per_gb: 1.0,
            instance_hour: BTreeMap::new(),
            default_instance_hour: 0.0,
            ..PriceTable::default()
        };
        let now = MARCH + 10 * HOUR;
        let c = p.cost(&CostInput {
            created_ms: now - 60_000,
            egress_month_bytes: 1 << 30,
            ..input(now)
        });
        assert_eq!(c.month_to_date_cents, 100);
        // $1 over the first hour, projected for the 734 hours left.
        assert_eq!(c.projected_month_cents, 100 + 734 * 100);
    }

    #[test]
    fn nothing_running_costs_nothing_and_bad_values_never_panic() {
        let free = PriceTable {
            egress_per_gb: 0.0,
            storage_per_gb_month: 0.0,
            instance_hour: BTreeMap::new(),
            default_instance_hour: 0.0,
            ..PriceTable::default()
        };
        let c = free.cost(&input(MARCH + HOUR));
        assert_eq!((c.month_to_date_cents, c.projected_month_cents), (0, 0));
        let weird = PriceTable {
            default_instance_hour: f64::NAN,
            ..free
        };
        let c = weird.cost(&CostInput {
            vm_size: "x",
            created_ms: i64::MAX,
            ..input(i64::MIN)
        });
        assert_eq!(c.month_to_date_cents, 0);
    }
}
