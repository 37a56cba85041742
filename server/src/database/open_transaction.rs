//! [`OpenTransaction`]: a transaction whose last statement goes to the server together with
//! its `COMMIT`, so that a lock the statement takes is held for no round trip.

use deadpool_postgres::Object;
use tokio_postgres::Row;
use tokio_postgres::types::{ToSql, Type};

use super::{Connection, DatabaseError};

/// A transaction begun on a pooled connection ([`Connection::begin`]). It ends with
/// [`commit`](Self::commit), [`commit_after`](Self::commit_after) or
/// [`rollback`](Self::rollback); dropped unfinished (an error returned early, the request
/// cancelled, a panic), it closes its connection instead of returning it to the pool, and
/// PostgreSQL rolls the transaction back.
pub struct OpenTransaction {
    /// `None` once finished.
    object: Option<Object>,
}

impl std::fmt::Debug for OpenTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenTransaction")
            .field("finished", &self.object.is_none())
            .finish()
    }
}

impl Connection {
    /// Begins a transaction on this connection.
    pub async fn begin(self) -> Result<OpenTransaction, DatabaseError> {
        self.object.batch_execute("BEGIN").await?;
        Ok(OpenTransaction {
            object: Some(self.object),
        })
    }
}

impl OpenTransaction {
    /// The client, for the transaction's statements.
    pub fn client(&self) -> &tokio_postgres::Client {
        // Present until a method that consumes `self` takes it.
        self.object
            .as_ref()
            .expect("an open transaction has its connection")
    }

    /// Runs `sql` and commits, sending both before waiting for either: the statement's
    /// locks are held while it runs and the commit is written, never while an answer
    /// travels back to this server and the next request travels out. When the statement
    /// fails, the transaction is rolled back (PostgreSQL answers the `COMMIT` of a failed
    /// transaction with a rollback) and its error is returned.
    pub async fn commit_after(
        mut self,
        sql: &str,
        parameters: &[(&(dyn ToSql + Sync), Type)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        let client = self.client();
        let (rows, committed) = futures::join!(
            client.query_typed(sql, parameters),
            client.batch_execute("COMMIT")
        );
        if committed.is_ok() {
            // Finished either way: the connection goes back to the pool.
            self.object = None;
        }
        let rows = rows?;
        committed?;
        Ok(rows)
    }

    /// Commits.
    pub async fn commit(mut self) -> Result<(), DatabaseError> {
        self.client().batch_execute("COMMIT").await?;
        self.object = None;
        Ok(())
    }

    /// Rolls back.
    pub async fn rollback(mut self) -> Result<(), DatabaseError> {
        self.client().batch_execute("ROLLBACK").await?;
        self.object = None;
        Ok(())
    }
}

impl Drop for OpenTransaction {
    fn drop(&mut self) {
        if let Some(object) = self.object.take() {
            // Out of the pool and closed: the server rolls back what it was doing.
            drop(Object::take(object));
        }
    }
}
