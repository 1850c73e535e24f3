//! What a statement takes as parameters.

use super::error::Result;
use super::value::{ToValue, Value};

/// What a statement takes as parameters: `params![…]`, an array of one type, or `[]`.
pub trait Params {
    /// The values, in placeholder order (`?1` first).
    fn values(&self) -> Result<Vec<Value>>;
}

impl Params for &[&dyn ToValue] {
    fn values(&self) -> Result<Vec<Value>> {
        self.iter().map(|v| v.to_value()).collect()
    }
}

impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(&self) -> Result<Vec<Value>> {
        self.iter().map(|v| v.to_value()).collect()
    }
}
