//! The metrics listener: `GET /metrics` in Prometheus' text format, on
//! `METRICS_BIND_ADDRESS`, apart from the API's port.

use std::net::SocketAddr;

use dropshot::{ApiDescription, Body, ConfigDropshot, HttpError, HttpServer, RequestContext};
use http::{Response, StatusCode, header};
use slog::Logger;

use crate::metrics::{Exporter, PoolGauges};

/// Reads the database pool's state at each scrape.
pub type PoolStatus = Box<dyn Fn() -> PoolGauges + Send + Sync>;

/// What the metrics endpoint needs.
struct MetricsContext {
    exporter: Exporter,
    pool_status: PoolStatus,
}

/// The metrics listener.
pub struct MetricsServer {
    http: HttpServer<MetricsContext>,
}

impl std::fmt::Debug for MetricsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsServer")
            .field("local_addr", &self.local_addr())
            .finish()
    }
}

impl MetricsServer {
    /// Installs the recorder (once per process) and serves `GET /metrics` on `address`,
    /// reporting the pool's state as `pool_status` reads it.
    pub fn start(
        address: SocketAddr,
        pool_status: PoolStatus,
        log: &Logger,
    ) -> Result<Self, String> {
        let exporter = Exporter::install()?;
        let mut api = ApiDescription::new();
        api.register(metrics_endpoint).map_err(|e| e.to_string())?;
        let config = ConfigDropshot {
            bind_address: address,
            ..ConfigDropshot::default()
        };
        let context = MetricsContext {
            exporter,
            pool_status,
        };
        let http =
            dropshot::ServerBuilder::new(api, context, log.new(slog::o!("listener" => "metrics")))
                .config(config)
                .start()
                .map_err(|e| super::bind_failure(&e))?;
        Ok(Self { http })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.http.local_addr()
    }

    /// Stops it.
    pub async fn close(self) {
        let _ = self.http.close().await;
    }
}

/// Prometheus text: the recorder's metrics, with the pool's state as of now.
#[dropshot::endpoint { method = GET, path = "/metrics" }]
async fn metrics_endpoint(
    rqctx: RequestContext<MetricsContext>,
) -> Result<Response<Body>, HttpError> {
    let context = rqctx.context();
    let text = context.exporter.render((context.pool_status)());
    Response::builder()
        .status(StatusCode::OK)
        .header(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )
        .body(Body::from(text))
        .map_err(|e| HttpError::for_internal_error(e.to_string()))
}
