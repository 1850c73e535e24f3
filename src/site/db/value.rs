//! One value of a column or a parameter, in the types both engines store: SQLite's storage
//! classes, which PostgreSQL's BIGINT, DOUBLE PRECISION, TEXT and BYTEA columns mirror.

use super::error::{Error, Result};

/// A column's or a parameter's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (also booleans, stored 0/1, and times in unix milliseconds).
    Int(i64),
    /// A double.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes (sealed secrets, certificates).
    Blob(Vec<u8>),
}

impl Value {
    /// The value's kind, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Int(_) => "an integer",
            Value::Real(_) => "a real",
            Value::Text(_) => "text",
            Value::Blob(_) => "a blob",
        }
    }
}

/// Something that can be a statement's parameter.
pub trait ToValue {
    /// The value to bind; an error when it does not fit (an integer beyond 64 bits).
    fn to_value(&self) -> Result<Value>;
}

/// Something a column can be read as. A value that does not fit is an error naming it, never
/// a default.
pub trait FromValue: Sized {
    /// Reads `value` (the column's, `index` from 0, for the message).
    fn from_value(value: &Value, index: usize) -> Result<Self>;
}

/// The error for a value that is not what the code reads it as.
pub fn wrong(index: usize, want: &str, got: &Value) -> Error {
    Error::Conversion {
        index,
        message: format!("expected {want}, found {} ({got:?})", got.kind()),
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Result<Value> {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Result<Value> {
        match self {
            Some(v) => v.to_value(),
            None => Ok(Value::Null),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value, index: usize) -> Result<Self> {
        match value {
            Value::Null => Ok(None),
            v => T::from_value(v, index).map(Some),
        }
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Result<Value> {
        Ok(self.clone())
    }
}

impl FromValue for Value {
    fn from_value(value: &Value, _: usize) -> Result<Self> {
        Ok(value.clone())
    }
}

impl ToValue for str {
    fn to_value(&self) -> Result<Value> {
        Ok(Value::Text(self.to_string()))
    }
}

impl ToValue for String {
    fn to_value(&self) -> Result<Value> {
        Ok(Value::Text(self.clone()))
    }
}

impl FromValue for String {
    fn from_value(value: &Value, index: usize) -> Result<Self> {
        match value {
            Value::Text(s) => Ok(s.clone()),
            v => Err(wrong(index, "text", v)),
        }
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Result<Value> {
        Ok(Value::Blob(self.to_vec()))
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Result<Value> {
        Ok(Value::Blob(self.clone()))
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value, index: usize) -> Result<Self> {
        match value {
            Value::Blob(b) => Ok(b.clone()),
            v => Err(wrong(index, "a blob", v)),
        }
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Result<Value> {
        Ok(Value::Int(i64::from(*self)))
    }
}

impl FromValue for bool {
    fn from_value(value: &Value, index: usize) -> Result<Self> {
        match value {
            Value::Int(i) => Ok(*i != 0),
            v => Err(wrong(index, "a boolean (0 or 1)", v)),
        }
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Result<Value> {
        Ok(Value::Real(*self))
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value, index: usize) -> Result<Self> {
        match value {
            Value::Real(f) => Ok(*f),
            Value::Int(i) => Ok(*i as f64),
            v => Err(wrong(index, "a real", v)),
        }
    }
}

/// Integers of every width go through `i64`, checked both ways.
macro_rules! integer {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Result<Value> {
                i64::try_from(*self).map(Value::Int).map_err(|_| {
                    Error::Parameter(format!("{} does not fit a 64-bit integer column", self))
                })
            }
        }
        impl FromValue for $t {
            fn from_value(value: &Value, index: usize) -> Result<Self> {
                match value {
                    Value::Int(i) => <$t>::try_from(*i).map_err(|_| Error::Conversion {
                        index,
                        message: format!("{i} does not fit {}", stringify!($t)),
                    }),
                    v => Err(wrong(index, "an integer", v)),
                }
            }
        }
    )*};
}

integer!(i64, i32, i16, u8, u16, u32, u64, usize);
