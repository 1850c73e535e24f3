//! The PostgreSQL side: the statement text both engines share, rewritten where PostgreSQL
//! spells it differently, [`Value`]s bound by the type the server infers for each parameter,
//! and rows read back into [`Value`]s.

use super::error::{Error, Result};
use super::value::Value;
use ::postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use bytes::BytesMut;

/// `?N` → `$N` outside quotes, and `INSERT OR IGNORE …` → `INSERT … ON CONFLICT DO NOTHING`.
pub(super) fn translate(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quote = None::<char>;
    for c in sql.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (None, '?') => out.push('$'),
            _ => out.push(c),
        }
    }
    const IGNORE: &str = "INSERT OR IGNORE ";
    match out.trim_start().strip_prefix(IGNORE) {
        Some(rest) => format!("INSERT {} ON CONFLICT DO NOTHING", rest.trim_end()),
        None => out,
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::UNKNOWN => i.to_string().to_sql(ty, out),
                _ => Err(format!("an integer cannot go into a {ty} parameter").into()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                _ => Err(format!("a real cannot go into a {ty} parameter").into()),
            },
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    s.as_str().to_sql(&Type::TEXT, out)
                }
                _ => Err(format!("text cannot go into a {ty} parameter").into()),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.as_slice().to_sql(ty, out),
                _ => Err(format!("a blob cannot go into a {ty} parameter").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        // Every parameter type: to_sql converts or refuses with a message.
        true
    }

    to_sql_checked!();
}

fn bind(values: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// Runs one statement; the rows it changed.
pub(super) fn execute(
    client: &mut ::postgres::Client,
    sql: &str,
    values: &[Value],
) -> Result<usize> {
    let sql = translate(sql);
    let n = client
        .execute(sql.as_str(), &bind(values))
        .map_err(|source| Error::PostgresStatement { sql, source })?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// Runs a query; every row, each column as a [`Value`].
pub(super) fn query(
    client: &mut ::postgres::Client,
    sql: &str,
    values: &[Value],
) -> Result<Vec<Vec<Value>>> {
    let sql = translate(sql);
    let rows = client
        .query(sql.as_str(), &bind(values))
        .map_err(|source| Error::PostgresStatement { sql, source })?;
    rows.iter().map(read_row).collect()
}

fn read_row(row: &::postgres::Row) -> Result<Vec<Value>> {
    (0..row.len())
        .map(|i| {
            let ty = row.columns()[i].type_().clone();
            let v = match ty {
                Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
                Type::INT4 => row.try_get::<_, Option<i32>>(i)?.map(|v| Value::Int(v.into())),
                Type::INT2 => row.try_get::<_, Option<i16>>(i)?.map(|v| Value::Int(v.into())),
                Type::OID => row.try_get::<_, Option<u32>>(i)?.map(|v| Value::Int(v.into())),
                Type::BOOL => row
                    .try_get::<_, Option<bool>>(i)?
                    .map(|v| Value::Int(v.into())),
                Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Real),
                Type::FLOAT4 => row
                    .try_get::<_, Option<f32>>(i)?
                    .map(|v| Value::Real(v.into())),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    row.try_get::<_, Option<String>>(i)?.map(Value::Text)
                }
                Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
                other => {
                    return Err(Error::Conversion {
                        index: i,
                        message: format!(
                            "a {other} column cannot be read; CAST it to BIGINT, DOUBLE PRECISION or TEXT in the query"
                        ),
                    });
                }
            };
            Ok(v.unwrap_or(Value::Null))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn placeholders_and_insert_or_ignore_are_rewritten_outside_quotes() {
        assert_eq!(
            translate("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d = $12"
        );
        assert_eq!(
            translate("INSERT OR IGNORE INTO t (a) VALUES (?1)"),
            "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING"
        );
    }
}
