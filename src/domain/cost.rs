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
