//! dropshot 0.18 alone: one endpoint, `GET /api/v1/health`, dropshot's own logger at `warn`.

use dropshot::{
    ApiDescription, ConfigDropshot, ConfigLogging, ConfigLoggingLevel, HandlerTaskMode, HttpError,
    HttpResponseOk, RequestContext, ServerBuilder,
};
use schemars::JsonSchema;
use serde::Serialize;

/// The answer.
#[derive(Serialize, JsonSchema)]
struct Health {
    status: &'static str,
}

#[dropshot::endpoint { method = GET, path = "/api/v1/health" }]
async fn health(_rqctx: RequestContext<()>) -> Result<HttpResponseOk<Health>, HttpError> {
    Ok(HttpResponseOk(Health { status: "ok" }))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let log = ConfigLogging::StderrTerminal {
        level: ConfigLoggingLevel::Warn,
    }
    .to_logger("bare-dropshot")?;
    let mut api = ApiDescription::new();
    api.register(health).map_err(|e| anyhow::anyhow!("{e}"))?;
    let config = ConfigDropshot {
        bind_address: statusboard_baselines::bind_address()?,
        default_handler_task_mode: HandlerTaskMode::Detached,
        ..ConfigDropshot::default()
    };
    let server = ServerBuilder::new(api, (), log)
        .config(config)
        .start()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    server.await.map_err(|e| anyhow::anyhow!("{e}"))
}
