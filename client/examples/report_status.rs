//! A complete program that reports a component's status with a token, as another service
//! would: retried while the failure is transient, recorded once.
//!
//! ```sh
//! # The operator grants a token pair (JSON) once:
//! statusboard-server token issue --subject checkout-service --scope reports:write > tokens.json
//! STATUSBOARD_TOKENS="$(cat tokens.json)" cargo run -p statusboard-client --example report_status -- \
//!     http://127.0.0.1:8000 checkout-api degraded_performance "p99 latency above 2 s"
//! ```
//!
//! With a token pair the client refreshes the access token by itself when it expires. Set
//! `STATUSBOARD_TOKEN_FILE` to keep the latest pair in that file: a later run starts from
//! it (a refresh token works once; presented again, it revokes the grant).

use std::process::ExitCode;
use std::time::Duration;

use statusboard_client::types::{ComponentStatus, NewStatusReport, TokenResponse};
use statusboard_client::{Client, FileTokenStore, Retry, Session, TokenStore, reqwest};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("report_status: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: report_status <base URL> <component slug> <status> [message]";
    let (Some(base_url), Some(slug), Some(status)) = (args.next(), args.next(), args.next())
    else {
        return Err(usage.into());
    };
    let message = args.next().unwrap_or_default();

    let granted = || -> Result<TokenResponse, String> {
        let tokens = std::env::var("STATUSBOARD_TOKENS")
            .map_err(|_| "STATUSBOARD_TOKENS must hold the JSON of `token issue`")?;
        serde_json::from_str(&tokens)
            .map_err(|e| format!("STATUSBOARD_TOKENS is not a token pair: {e}"))
    };
    // With a token file: the pair it holds (the first run copies in the granted one), and
    // every new pair saved there.
    let session = match std::env::var_os("STATUSBOARD_TOKEN_FILE") {
        Some(path) => {
            let store = FileTokenStore::new(path);
            let pair = match store.load()? {
                Some(pair) => pair,
                None => {
                    let pair = granted()?;
                    store.save(&pair)?;
                    pair
                }
            };
            Session::with_stored_tokens(&pair, store)?
        }
        None => Session::with_tokens(&granted()?)?,
    };
    let status: ComponentStatus = status
        .parse()
        .map_err(|_| format!("unknown status {status:?}"))?;

    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .build()?;
    let client = Client::new_with_client(&base_url, http, session);
    let report = NewStatusReport {
        status,
        message: message.parse()?,
    };
    let recorded = client
        .record_report(&slug, &report, &Retry::default())
        .await
        .map_err(|e| format!("{e:#}"))?;
    println!(
        "{slug} is {:?} as of report {} ({})",
        recorded.status, recorded.id, recorded.reported_at
    );
    Ok(())
}
