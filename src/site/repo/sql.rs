//! How domain types are stored in SQLite columns. A value the code does not know is an error
//! naming the column's type and the value, never a silent default: a row that cannot be read
//! must not be shown (or acted on) as something it is not.

use crate::domain::alert::{AlertState, AlertType, Severity};
use crate::domain::content::ContentType;
use crate::domain::role::Role;
use crate::domain::service::{Environment, HostedKind, ServiceState, TrustedRootKind};
use crate::domain::task::{Step, TaskKind, TaskState};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

fn unknown(what: &str, value: impl std::fmt::Debug) -> FromSqlError {
    FromSqlError::Other(format!("unknown {what} {value:?} in the site database").into())
}

/// A column that holds a name (text).
macro_rules! text_column {
    ($ty:ty, $what:literal, $to:expr, $from:expr) => {
        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from($to(*self)))
            }
        }
        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = value.as_str()?;
                $from(text).ok_or_else(|| unknown($what, text))
            }
        }
    };
}

/// A column that holds a code (integer).
macro_rules! code_column {
    ($ty:ty, $what:literal, $to:expr, $from:expr) => {
        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(i64::from($to(*self))))
            }
        }
        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let code = value.as_i64()?;
                $from(code).ok_or_else(|| unknown($what, code))
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

impl ToSql for StepColumn {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.map_or("", Step::as_str)))
    }
}

impl FromSql for StepColumn {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_str()? {
            "" => Ok(StepColumn(None)),
            name => Step::parse(name)
                .map(|s| StepColumn(Some(s)))
                .ok_or_else(|| unknown("task step", name)),
        }
    }
}

/// A column of JSON text, read as `T`; text that is not a `T` is an error.
pub(super) fn json<T: serde::de::DeserializeOwned>(
    r: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<T> {
    let text: String = r.get(idx)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn an_unknown_value_is_an_error_not_a_default() {
        let c = Connection::open_in_memory().unwrap();
        let kind: rusqlite::Result<TaskKind> = c.query_row("SELECT 42", [], |r| r.get(0));
        let e = kind.unwrap_err().to_string();
        assert!(e.contains("unknown task kind 42"), "{e}");
        let t: rusqlite::Result<AlertType> = c.query_row("SELECT 'gremlins'", [], |r| r.get(0));
        assert!(t.unwrap_err().to_string().contains("unknown alert type"));
        let s: StepColumn = c.query_row("SELECT ''", [], |r| r.get(0)).unwrap();
        assert_eq!(s.0, None);
        let s: StepColumn = c.query_row("SELECT 'deploy'", [], |r| r.get(0)).unwrap();
        assert_eq!(s.0, Some(Step::Deploy));
        let k: HostedKind = c
            .query_row("SELECT ?1", [HostedKind::Cmg], |r| r.get(0))
            .unwrap();
        assert_eq!(k, HostedKind::Cmg);
    }
}
