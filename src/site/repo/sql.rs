//! How domain types are stored in the site database's columns (either engine). A value the code does not know is an error
//! naming the column's type and the value, never a silent default: a row that cannot be read
//! must not be shown (or acted on) as something it is not.

use crate::domain::alert::{AlertState, AlertType, Severity};
use crate::domain::content::ContentType;
use crate::domain::role::Role;
use crate::domain::service::{Environment, HostedKind, ServiceState, TrustedRootKind};
use crate::domain::task::{Step, TaskKind, TaskState};
use crate::site::db::{self, FromValue, Row, ToValue, Value};

fn unknown(index: usize, what: &str, value: impl std::fmt::Debug) -> db::Error {
    db::Error::Conversion {
        index,
        message: format!("unknown {what} {value:?} in the site database"),
    }
}

/// A column that holds a name (text).
macro_rules! text_column {
    ($ty:ty, $what:literal, $to:expr, $from:expr) => {
        impl ToValue for $ty {
            fn to_value(&self) -> db::Result<Value> {
                Ok(Value::Text($to(*self).to_string()))
            }
        }
        impl FromValue for $ty {
            fn from_value(value: &Value, index: usize) -> db::Result<Self> {
                let text = String::from_value(value, index)?;
                $from(text.as_str()).ok_or_else(|| unknown(index, $what, text))
            }
        }
    };
}

/// A column that holds a code (integer).
macro_rules! code_column {
    ($ty:ty, $what:literal, $to:expr, $from:expr) => {
        impl ToValue for $ty {
            fn to_value(&self) -> db::Result<Value> {
                Ok(Value::Int(i64::from($to(*self))))
            }
        }
        impl FromValue for $ty {
            fn from_value(value: &Value, index: usize) -> db::Result<Self> {
                let code = i64::from_value(value, index)?;
                $from(code).ok_or_else(|| unknown(index, $what, code))
            }
        }
    };
}

text_column!(Role, "role", Role::as_str, Role::parse);
text_column!(
    HostedKind,
    "service kind",
    HostedKind::as_str,
    HostedKind::parse
);
text_column!(
    Environment,
    "environment",
    Environment::as_str,
    Environment::parse
);
text_column!(
    ServiceState,
    "service state",
    ServiceState::as_str,
    ServiceState::parse
);
text_column!(AlertType, "alert type", AlertType::as_str, AlertType::parse);
text_column!(
    TrustedRootKind,
    "trusted root kind",
    TrustedRootKind::as_str,
    TrustedRootKind::parse
);
text_column!(
    ContentType,
    "content type",
    ContentType::as_str,
    |t: &str| { ContentType::parse(t).ok() }
);
code_column!(
    AlertState,
    "alert state",
    AlertState::code,
    AlertState::from_code
);
code_column!(
    Severity,
    "alert severity",
    Severity::code,
    Severity::from_code
);
code_column!(TaskKind, "task kind", TaskKind::code, |c: i64| {
    i32::try_from(c).ok().and_then(TaskKind::from_code)
});
code_column!(TaskState, "task state", TaskState::code, |c: i64| {
    i32::try_from(c).ok().and_then(TaskState::from_code)
});

/// A task's step column: empty before the first step.
pub(super) struct StepColumn(pub Option<Step>);

impl ToValue for StepColumn {
    fn to_value(&self) -> db::Result<Value> {
        Ok(Value::Text(self.0.map_or("", Step::as_str).to_string()))
    }
}

impl FromValue for StepColumn {
    fn from_value(value: &Value, index: usize) -> db::Result<Self> {
        match String::from_value(value, index)?.as_str() {
            "" => Ok(StepColumn(None)),
            name => Step::parse(name)
                .map(|s| StepColumn(Some(s)))
                .ok_or_else(|| unknown(index, "task step", name)),
        }
    }
}

/// A column of JSON text, read as `T`; text that is not a `T` is an error.
pub(super) fn json<T: serde::de::DeserializeOwned>(r: &Row<'_>, idx: usize) -> db::Result<T> {
    let text: String = r.get(idx)?;
    serde_json::from_str(&text).map_err(|e| db::Error::Conversion {
        index: idx,
        message: format!("not the JSON expected: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::db::{Connection, params};

    #[test]
    fn an_unknown_value_is_an_error_not_a_default() {
        let c = Connection::from_sqlite(rusqlite::Connection::open_in_memory().unwrap());
        let kind: db::Result<TaskKind> = c.query_row("SELECT 42", params![], |r| r.get(0));
        let e = kind.unwrap_err().to_string();
        assert!(e.contains("unknown task kind 42"), "{e}");
        let t: db::Result<AlertType> = c.query_row("SELECT 'gremlins'", params![], |r| r.get(0));
        assert!(t.unwrap_err().to_string().contains("unknown alert type"));
        let s: StepColumn = c.query_row("SELECT ''", params![], |r| r.get(0)).unwrap();
        assert_eq!(s.0, None);
        let s: StepColumn = c
            .query_row("SELECT 'deploy'", params![], |r| r.get(0))
            .unwrap();
        assert_eq!(s.0, Some(Step::Deploy));
        let k: HostedKind = c
            .query_row("SELECT ?1", [HostedKind::Cmg], |r| r.get(0))
            .unwrap();
        assert_eq!(k, HostedKind::Cmg);
    }
}
