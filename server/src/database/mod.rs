//! PostgreSQL access: a connection pool, per-request connections and transactions, and
//! migrations.
//!
//! The Rust form of the reference scaffold's `app/database.py`:
//!
//! | reference | here |
//! |---|---|
//! | `async_engine` | [`Database`], a `deadpool_postgres` pool built from `DATABASE_URL`; building it never connects |
//! | `AsyncSessionLocal()` | [`Database::connection`], a checkout bounded by `DATABASE_CONNECT_TIMEOUT_SECONDS` |
//! | `get_db()` | [`Connection::transaction`]: commits on `Ok`, rolls back on `Err`, on panic and on cancellation |
//! | `Base` | [`migrations`]: versioned SQL files embedded in the binary |

mod error;
pub mod migrations;
mod open_transaction;
pub mod tls;

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
pub use deadpool_postgres::{Status as PoolStatus, Transaction};
pub use error::DatabaseError;
pub use open_transaction::OpenTransaction;

use crate::config::{DatabaseUrl, SessionTimeouts, Settings};

/// The application's PostgreSQL pool. Cloning it is cheap and shares the pool.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    timeout: Duration,
    /// How to open the connection outside the pool that `LISTEN`s.
    listen: Connector,
}

/// A connection's settings and its TLS, built from one URL.
#[derive(Clone)]
struct Connector {
    config: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
}

impl Connector {
    /// `url`'s settings, its connecting bounded by `timeout`, with the application name
    /// and database spelt out.
    fn new(url: &DatabaseUrl, timeout: Duration) -> Result<Self, DatabaseError> {
        let mut config = url.connect_config().clone();
        config.connect_timeout(timeout);
        if config.get_application_name().is_none() {
            config.application_name("statusboard");
        }
        // PostgreSQL defaults the database to the user's name; deadpool wants it spelt out.
        if config.get_dbname().is_none() {
            let user = config.get_user().unwrap_or("postgres").to_owned();
            config.dbname(&user);
        }
        let tls = tls::connector(url.ssl_mode(), url.root_certificates())?;
        Ok(Self { config, tls })
    }
}

impl Connector {
    /// Has every session of this connector bounded by `timeouts` (PostgreSQL's
    /// `lock_timeout`, `statement_timeout` and `idle_in_transaction_session_timeout`, sent
    /// as startup options after any the URL gives), so that a stalled session fails by
    /// itself instead of holding its locks, and everyone waiting on them, for hours.
    fn bound_sessions(&mut self, timeouts: &SessionTimeouts) {
        let mut options = self.config.get_options().unwrap_or_default().to_owned();
        for (name, value) in [
            ("lock_timeout", timeouts.lock),
            ("statement_timeout", timeouts.statement),
            (
                "idle_in_transaction_session_timeout",
                timeouts.idle_in_transaction,
            ),
        ] {
            if !options.is_empty() {
                options.push(' ');
            }
            options.push_str(&format!("-c {name}={}", value.as_millis()));
        }
        self.config.options(&options);
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("status", &self.pool.status())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A name no other lease holder has, for the rows a worker leases (webhook subscriptions,
/// the GitHub poller): this process's id and 8 random bytes, new at each call, so that
/// two servers in one process (the tests' replicas) hold leases apart.
pub fn new_lease_holder() -> String {
    let mut bytes = [0u8; 8];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{random}", std::process::id())
}

impl Database {
    /// Builds the pool from `DATABASE_URL`, `DATABASE_POOL_MAX_SIZE` and
    /// `DATABASE_CONNECT_TIMEOUT_SECONDS` (and [`Database::listen`]'s connection from
    /// `DATABASE_LISTEN_URL`). Connects lazily: this succeeds while PostgreSQL is down.
    pub fn new(settings: &Settings) -> Result<Self, DatabaseError> {
        let timeout = settings.database_connect_timeout;
        let mut pooled = Connector::new(&settings.database_url, timeout)?;
        pooled.bound_sessions(&settings.database_session_timeouts);
        let listen = Connector::new(settings.listen_url(), timeout)?;
        let manager = Manager::from_config(
            pooled.config,
            pooled.tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        // One deadline bounds a whole checkout (see `connection`), rather than deadpool's
        // separate wait, create and recycle timeouts, which could add up to three times
        // the setting; connecting itself is bounded by `connect_timeout` above.
        let pool = Pool::builder(manager)
            .max_size(settings.database_pool_max_size)
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| DatabaseError::Pool(e.to_string()))?;
        Ok(Self {
            pool,
            timeout,
            listen,
        })
    }

    /// Opens a connection of its own, outside the pool, that `LISTEN`s on `channel`; its
    /// notifications' payloads come through the receiver, which ends when the connection
    /// does. It goes to `DATABASE_LISTEN_URL` (else `DATABASE_URL`): `LISTEN` needs a
    /// session, so behind a pooler in transaction mode that must reach PostgreSQL itself.
    pub async fn listen(
        &self,
        channel: &str,
    ) -> Result<
        (
            tokio_postgres::Client,
            tokio::sync::mpsc::UnboundedReceiver<String>,
        ),
        DatabaseError,
    > {
        let Connector { config, tls } = &self.listen;
        let (client, mut connection) = self
            .within_timeout("no connection", async {
                config
                    .connect(tls.clone())
                    .await
                    .map_err(DatabaseError::from)
            })
            .await?;
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await
            {
                match message {
                    Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                        if sender.send(n.payload().to_owned()).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        });
        client.batch_execute(&format!("LISTEN {channel}")).await?;
        Ok((client, receiver))
    }

    /// Checks a connection out of the pool, waiting at most the connect timeout (for a
    /// free connection, or for a new one to connect).
    pub async fn connection(&self) -> Result<Connection, DatabaseError> {
        self.within_timeout("no connection", self.checkout()).await
    }

    /// The first row `sql` answers with `params`, if any: one statement on a pooled
    /// connection, in one round trip (`query_typed`, no prepared statement), so that it is
    /// correct behind PgBouncer in transaction mode.
    pub async fn first_row(
        &self,
        sql: &str,
        params: &[(
            &(dyn tokio_postgres::types::ToSql + Sync),
            tokio_postgres::types::Type,
        )],
    ) -> Result<Option<tokio_postgres::Row>, DatabaseError> {
        let connection = self.connection().await?;
        let rows = connection.client().query_typed(sql, params).await?;
        Ok(rows.into_iter().next())
    }

    /// Checks that a connection checks out and answers `SELECT 1`, both within the
    /// connect timeout.
    pub async fn ping(&self) -> Result<(), DatabaseError> {
        let check = async {
            let connection = self.checkout().await?;
            // The simple protocol: one round trip and no prepared statement, so it stays
            // correct behind a pooler in transaction mode (PgBouncer), where a statement
            // prepared on one server connection is unknown to the next.
            connection.client().simple_query("SELECT 1").await?;
            Ok(())
        };
        self.within_timeout("no answer to SELECT 1", check).await
    }

    async fn checkout(&self) -> Result<Connection, DatabaseError> {
        match self.pool.get().await {
            Ok(object) => Ok(Connection { object }),
            Err(e) => Err(DatabaseError::from_pool(e)),
        }
    }

    /// One deadline for the whole of `work`.
    async fn within_timeout<T>(
        &self,
        what: &str,
        work: impl Future<Output = Result<T, DatabaseError>>,
    ) -> Result<T, DatabaseError> {
        let result = tokio::time::timeout(self.timeout, work)
            .await
            .unwrap_or_else(|_| {
                let reason = format!("{what} within {} s", self.timeout.as_secs());
                Err(DatabaseError::unavailable(reason))
            });
        if let Err(e) = &result {
            crate::metrics::database_error(e.kind());
        }
        result
    }

    /// How many connections the pool holds, and how many are idle.
    pub fn status(&self) -> PoolStatus {
        self.pool.status()
    }

    /// Closes the pool: idle connections are closed now, checked-out ones when returned.
    pub fn close(&self) {
        self.pool.close();
    }
}

/// A connection checked out of the pool for one request. Dropping it returns it.
pub struct Connection {
    object: deadpool_postgres::Object,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").finish_non_exhaustive()
    }
}

impl Connection {
    /// The client, for statements outside a transaction.
    pub fn client(&self) -> &deadpool_postgres::Client {
        &self.object
    }

    /// Runs `work` in a transaction: commits when it returns `Ok`, rolls back when it
    /// returns `Err`. If `work` panics, or the future is dropped before it finishes (the
    /// client went away, a timeout fired), the transaction is rolled back too: the
    /// driver sends `ROLLBACK` when an unfinished transaction is dropped, ahead of
    /// anything the connection is used for next.
    ///
    /// ```no_run
    /// # use statusboard_server::database::{Database, DatabaseError};
    /// # async fn example(db: &Database) -> Result<u64, DatabaseError> {
    /// let mut connection = db.connection().await?;
    /// let inserted = connection
    ///     .transaction(async |tx| {
    ///         let n = tx.execute("INSERT INTO notes (body) VALUES ($1)", &[&"hello"]).await?;
    ///         Ok::<_, DatabaseError>(n)
    ///     })
    ///     .await?;
    /// # Ok(inserted)
    /// # }
    /// ```
    pub async fn transaction<T, E, F>(&mut self, work: F) -> Result<T, E>
    where
        F: AsyncFnOnce(&Transaction<'_>) -> Result<T, E>,
        E: From<DatabaseError>,
    {
        let transaction = self
            .object
            .transaction()
            .await
            .map_err(DatabaseError::from)?;
        match work(&transaction).await {
            Ok(value) => {
                transaction.commit().await.map_err(DatabaseError::from)?;
                Ok(value)
            }
            Err(e) => {
                // Best effort: if the rollback itself fails the connection is broken,
                // and the server discards it; the original error is what matters.
                let _ = transaction.rollback().await;
                Err(e)
            }
        }
    }
}
