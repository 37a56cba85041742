//! A complete program that tells an incident's story on the board, as an on-call tool
//! would: opened with the components it takes down, updated, resolved (which returns the
//! components to operational). Each write is retried while its failure is transient and
//! made once (one `Idempotency-Key` per write, across its retries).
//!
//! ```sh
//! # The operator grants a token pair (JSON) once:
//! statusboard-server token issue --subject on-call --scope incidents:write > tokens.json
//! STATUSBOARD_TOKENS="$(cat tokens.json)" cargo run -p statusboard-client --example incident -- \
//!     http://127.0.0.1:8000 db
//! ```

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

use statusboard_client::types::{
    ComponentStatus, Impact, IncidentStatus, NewIncident, NewIncidentUpdate, TokenResponse,
};
use statusboard_client::{Client, Retry, Session, reqwest};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("incident: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(base_url), Some(slug)) = (args.next(), args.next()) else {
        return Err("usage: incident <base URL> <component slug>".into());
    };
    let tokens = std::env::var("STATUSBOARD_TOKENS")
        .map_err(|_| "STATUSBOARD_TOKENS must hold the JSON of `token issue`")?;
    let pair: TokenResponse = serde_json::from_str(&tokens)
        .map_err(|e| format!("STATUSBOARD_TOKENS is not a token pair: {e}"))?;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .build()?;
    let client = Client::new_with_client(&base_url, http, Session::with_tokens(&pair)?);
    let retry = Retry::default();

    let opened = client
        .open_incident(
            &NewIncident {
                name: "Checkout errors".parse()?,
                status: IncidentStatus::Investigating,
                impact: Impact::Major,
                message: "Some payments fail; we are looking into it.".parse()?,
                components: HashMap::from([(slug.clone(), ComponentStatus::PartialOutage)]),
            },
            &retry,
        )
        .await
        .map_err(|e| format!("{e:#}"))?;
    println!("opened incident #{}: {}", opened.id, opened.name);

    let steps = [
        (IncidentStatus::Identified, "A bad deploy; rolling back."),
        (
            IncidentStatus::Monitoring,
            "Rolled back; watching the error rate.",
        ),
        (IncidentStatus::Resolved, "Payments work again."),
    ];
    for (status, message) in steps {
        let update = NewIncidentUpdate {
            status,
            message: message.parse()?,
            components: None,
        };
        let incident = client
            .post_incident_update(opened.id, &update, &retry)
            .await
            .map_err(|e| format!("{e:#}"))?;
        println!("#{} is {}: {message}", incident.id, incident.status);
    }
    let component = client
        .get_component()
        .slug(slug.as_str())
        .send()
        .await
        .map_err(|e| format!("{e:#}"))?;
    println!("{slug} is {} again", component.status);
    Ok(())
}
