//! Retrying transient failures: [`Retry`], and the writes that retry without ever
//! writing twice, each attempt with the same new `Idempotency-Key`:
//! [`Client::record_report`], [`Client::open_incident`], [`Client::post_incident_update`],
//! [`Client::announce_maintenance`].

use std::future::Future;
use std::time::Duration;

use progenitor_client::{Error, ResponseValue};

use crate::types::{
    self, Incident, Maintenance, NewIncident, NewIncidentUpdate, NewMaintenance, NewStatusReport,
    StatusReport,
};
use crate::{Client, Failure};

/// How often and how patiently to retry a call whose failure is transient
/// ([`Failure::is_transient`]): up to `attempts` calls in all, waiting `first_delay`
/// after the first failure and twice as long after each next one, never more than
/// `max_delay`.
///
/// ```no_run
/// # async fn example(client: statusboard_client::Client) {
/// use statusboard_client::Retry;
///
/// let health = Retry::default().run(|| client.health().send()).await;
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Calls in all, the first included (at least 1).
    pub attempts: u32,
    /// The wait after the first failure.
    pub first_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
}

impl Default for Retry {
    /// 4 attempts, waiting 200 ms, 400 ms, then 800 ms.
    fn default() -> Self {
        Self {
            attempts: 4,
            first_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl Retry {
    /// Calls `call` until it succeeds, fails for good, or the attempts run out; answers
    /// the last result.
    pub async fn run<T, E, F, Fut>(&self, mut call: F) -> Result<T, Error<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error<E>>>,
    {
        let mut delay = self.first_delay;
        let mut attempt = 1;
        loop {
            match call().await {
                Err(e) if e.is_transient() && attempt < self.attempts => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(self.max_delay);
                    attempt += 1;
                }
                result => return result,
            }
        }
    }
}

impl Client {
    /// Records `report` for the component `slug` (`POST …/reports`, which needs a
    /// session with the scope `reports:write`), retrying transient failures with `retry`.
    /// Every attempt carries the same new `Idempotency-Key`, so that a report whose answer
    /// was lost is recorded once: the server answers the first report again.
    pub async fn record_report(
        &self,
        slug: &str,
        report: &NewStatusReport,
        retry: &Retry,
    ) -> Result<ResponseValue<StatusReport>, Error<types::ApiError>> {
        let key: types::CreateReportIdempotencyKey = new_key()?;
        retry
            .run(|| {
                self.create_report()
                    .slug(slug)
                    .idempotency_key(key.clone())
                    .body(report.clone())
                    .send()
            })
            .await
    }

    /// Opens `incident` (`POST /api/v1/incidents`, which needs a session with the scope
    /// `incidents:write`), retrying transient failures with `retry`, every attempt with the
    /// same new `Idempotency-Key`: an incident whose answer was lost is opened once.
    pub async fn open_incident(
        &self,
        incident: &NewIncident,
        retry: &Retry,
    ) -> Result<ResponseValue<Incident>, Error<types::ApiError>> {
        let key: types::CreateIncidentIdempotencyKey = new_key()?;
        retry
            .run(|| {
                self.create_incident()
                    .idempotency_key(key.clone())
                    .body(incident.clone())
                    .send()
            })
            .await
    }

    /// Posts `update` to the incident `id` (scope `incidents:write`), retrying transient
    /// failures with `retry`, posted once.
    pub async fn post_incident_update(
        &self,
        id: i64,
        update: &NewIncidentUpdate,
        retry: &Retry,
    ) -> Result<ResponseValue<Incident>, Error<types::ApiError>> {
        let key: types::CreateIncidentUpdateIdempotencyKey = new_key()?;
        retry
            .run(|| {
                self.create_incident_update()
                    .id(id)
                    .idempotency_key(key.clone())
                    .body(update.clone())
                    .send()
            })
            .await
    }

    /// Announces `maintenance` (scope `incidents:write`), retrying transient failures with
    /// `retry`, announced once.
    pub async fn announce_maintenance(
        &self,
        maintenance: &NewMaintenance,
        retry: &Retry,
    ) -> Result<ResponseValue<Maintenance>, Error<types::ApiError>> {
        let key: types::CreateMaintenanceIdempotencyKey = new_key()?;
        retry
            .run(|| {
                self.create_maintenance()
                    .idempotency_key(key.clone())
                    .body(maintenance.clone())
                    .send()
            })
            .await
    }
}

/// A new `Idempotency-Key` (a UUID v4) in the operation's key type.
fn new_key<K>() -> Result<K, Error<types::ApiError>>
where
    K: std::str::FromStr<Err = types::error::ConversionError>,
{
    uuid::Uuid::new_v4()
        .to_string()
        .parse()
        .map_err(|e: types::error::ConversionError| Error::InvalidRequest(e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn quick(attempts: u32) -> Retry {
        Retry {
            attempts,
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        }
    }

    #[tokio::test]
    async fn retries_transient_failures_until_the_attempts_run_out() {
        let calls = AtomicU32::new(0);
        let result: Result<(), Error<()>> = quick(3)
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Error::InvalidRequest("transient?".to_owned()))
            })
            .await;
        // An invalid request is not transient: one call only.
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
