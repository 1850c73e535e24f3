//! A connection to either engine, the statements run on it, and the rows they return.

use super::error::{Error, Result};
use super::params::Params;
use super::value::ToValue;
use super::value::{FromValue, Value};
use super::{postgres, sqlite};
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::ops::Deref;

/// Which engine a connection talks to: the domain's name for it, so the site reports the
/// engine it runs on without a second enum to map.
pub use crate::domain::replica::DatabaseEngine as Engine;

/// One connection. Rows are read whole when the statement runs (the site's queries return
/// tens of rows, not millions), so nothing borrowed from the engine outlives a call.
pub struct Connection {
    inner: Inner,
    /// A transaction begun through [`Connection::transaction`] is open.
    in_transaction: Cell<bool>,
}

enum Inner {
    Sqlite(rusqlite::Connection),
    // The driver wants `&mut` for every call; the store hands out `&Connection` (as rusqlite
    // does), and one thread uses a connection at a time, so a RefCell is enough. The Option
    // lets Drop move the session to a thread of its own (see there).
    Postgres(RefCell<Option<::postgres::Client>>),
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Closing a session blocks on the driver's own runtime, which panics inside an async
        // worker (where the last clone of a store may be dropped): close it on a plain thread.
        if let Inner::Postgres(cell) = &mut self.inner
            && let Some(client) = cell.get_mut().take()
        {
            let _ = std::thread::Builder::new()
                .name("site-db-close".into())
                .spawn(move || drop(client));
        }
    }
}

/// Runs `f` on the PostgreSQL session of `cell`.
fn with_pg<T>(
    cell: &RefCell<Option<::postgres::Client>>,
    f: impl FnOnce(&mut ::postgres::Client) -> Result<T>,
) -> Result<T> {
    match cell.borrow_mut().as_mut() {
        Some(client) => f(client),
        // Only Drop takes the session, and nothing runs after Drop.
        None => Err(Error::Parameter("the database session is closed".into())),
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("engine", &self.engine())
            .finish()
    }
}

impl Connection {
    /// Wraps an open SQLite connection.
    pub fn from_sqlite(conn: rusqlite::Connection) -> Connection {
        Connection {
            inner: Inner::Sqlite(conn),
            in_transaction: Cell::new(false),
        }
    }

    /// Wraps an open PostgreSQL session.
    pub fn from_postgres(client: ::postgres::Client) -> Connection {
        Connection {
            inner: Inner::Postgres(RefCell::new(Some(client))),
            in_transaction: Cell::new(false),
        }
    }

    /// The engine behind this connection.
    pub fn engine(&self) -> Engine {
        match self.inner {
            Inner::Sqlite(_) => Engine::Sqlite,
            Inner::Postgres(_) => Engine::Postgres,
        }
    }

    /// The SQLite connection, for what only SQLite has (pragmas, checkpoints).
    pub fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.inner {
            Inner::Sqlite(c) => Some(c),
            Inner::Postgres(_) => None,
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        let values = params.values()?;
        match &self.inner {
            Inner::Sqlite(c) => sqlite::execute(c, sql, &values),
            Inner::Postgres(c) => with_pg(c, |c| postgres::execute(c, sql, &values)),
        }
    }

    /// Runs several statements without parameters (migrations).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Inner::Postgres(c) => with_pg(c, |c| Ok(c.batch_execute(sql)?)),
        }
    }

    /// Every row a query returns.
    pub fn query_all<P: Params>(&self, sql: &str, params: P) -> Result<Vec<Row<'static>>> {
        let values = params.values()?;
        let rows = match &self.inner {
            Inner::Sqlite(c) => sqlite::query(c, sql, &values)?,
            Inner::Postgres(c) => with_pg(c, |c| postgres::query(c, sql, &values))?,
        };
        Ok(rows.into_iter().map(Row::new).collect())
    }

    /// The first row a query returns, through `f`; [`Error::QueryReturnedNoRows`] when none.
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let rows = self.query_all(sql, params)?;
        match rows.first() {
            Some(row) => f(row),
            None => Err(Error::QueryReturnedNoRows),
        }
    }

    /// A statement to run with [`Statement::query_map`].
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement {
            conn: self,
            sql: sql.to_string(),
        })
    }

    /// The id of the row the last INSERT into a table with an integer key added.
    pub fn last_insert_rowid(&self) -> Result<i64> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(c.last_insert_rowid()),
            Inner::Postgres(_) => self.query_row("SELECT lastval()", params_none(), |r| r.get(0)),
        }
    }

    /// Begins a transaction that takes the write lock up front (SQLite `BEGIN IMMEDIATE`; on
    /// PostgreSQL rows are locked as they are written). It rolls back unless committed.
    pub fn transaction(&self) -> Result<Transaction<'_>> {
        let begin = match self.engine() {
            Engine::Sqlite => "BEGIN IMMEDIATE",
            Engine::Postgres => "BEGIN",
        };
        self.execute_batch(begin)?;
        self.in_transaction.set(true);
        Ok(Transaction {
            conn: self,
            done: false,
        })
    }

    /// No transaction is open (one begun by hand and never ended counts as open).
    pub fn is_autocommit(&self) -> bool {
        match &self.inner {
            Inner::Sqlite(c) => c.is_autocommit(),
            Inner::Postgres(_) => !self.in_transaction.get(),
        }
    }

    /// Ends whatever transaction is open, throwing its changes away.
    pub fn rollback_open(&self) -> Result<()> {
        self.in_transaction.set(false);
        self.execute_batch("ROLLBACK")
    }
}

fn params_none() -> &'static [&'static dyn ToValue] {
    &[]
}

/// A transaction: derefs to its connection; rolls back when dropped uncommitted (also while
/// unwinding from a panic).
pub struct Transaction<'c> {
    conn: &'c Connection,
    done: bool,
}

impl Transaction<'_> {
    /// Makes the changes durable.
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        self.conn.in_transaction.set(false);
        self.conn.execute_batch("COMMIT")
    }
}

impl Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Best effort: if even ROLLBACK fails, the store rolls back before the next use.
            let _ = self.conn.rollback_open();
        }
    }
}

/// A statement prepared for [`Statement::query_map`].
pub struct Statement<'c> {
    conn: &'c Connection,
    sql: String,
}

impl Statement<'_> {
    /// Runs the query and reads each row through `f`.
    pub fn query_map<T, P, F>(&mut self, params: P, f: F) -> Result<std::vec::IntoIter<Result<T>>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        let rows = self.conn.query_all(&self.sql, params)?;
        Ok(rows.iter().map(f).collect::<Vec<_>>().into_iter())
    }
}

/// One row of a result, read whole.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    values: Vec<Value>,
    // Keeps rusqlite's `Row<'_>` spelling working in signatures that name it.
    _borrow: PhantomData<&'a ()>,
}

impl Row<'_> {
    pub(super) fn new(values: Vec<Value>) -> Row<'static> {
        Row {
            values,
            _borrow: PhantomData,
        }
    }

    /// Column `index` (from 0) read as `T`; an error if it is missing or does not fit.
    pub fn get<I: RowIndex, T: FromValue>(&self, index: I) -> Result<T> {
        let index = index.index();
        let value = self.values.get(index).ok_or_else(|| Error::Conversion {
            index,
            message: format!("no such column (the row has {})", self.values.len()),
        })?;
        T::from_value(value, index)
    }
}

/// A column position (only `usize`, so a literal `0` needs no annotation).
pub trait RowIndex {
    /// The position, from 0.
    fn index(self) -> usize;
}

impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}
