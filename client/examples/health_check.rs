//! A complete program that uses `statusboard-client`: asks a statusboard server whether it
//! is alive, with a timeout, retrying while the failure is transient.
//!
//! ```sh
//! cargo run -p statusboard-client --example health_check -- http://127.0.0.1:8000
//! ```
//!
//! Its `Cargo.toml` needs the client and an async runtime:
//!
//! ```toml
//! [dependencies]
//! statusboard-client = { git = "https://github.com/<org>/statusboard", package = "statusboard-client" }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread", "time"] }
//! ```

use std::process::ExitCode;
use std::time::Duration;

// `reqwest` comes re-exported: no dependency of your own is needed to configure it.
use statusboard_client::{Client, Failure, Session, reqwest};

const ATTEMPTS: u32 = 4;

#[tokio::main]
async fn main() -> ExitCode {
    let base_url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8000".to_owned());

    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a valid reqwest configuration");
    let client = Client::new_with_client(&base_url, http, Session::anonymous());

    let mut delay = Duration::from_millis(200);
    let mut attempt = 1;
    loop {
        match client.health().send().await {
            Ok(health) => {
                println!("{base_url} is alive: {:?}", health.into_inner().status);
                return ExitCode::SUCCESS;
            }
            // Connection refused, a timeout, a 503 from the server or from a proxy in
            // front of it: worth another try. `{e:#}` prints every cause.
            Err(e) if e.is_transient() && attempt < ATTEMPTS => {
                eprintln!("attempt {attempt} failed ({e:#}); retrying in {delay:?}");
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            Err(e) => {
                let status = e
                    .http_status()
                    .map_or("no answer".to_owned(), |s| s.to_string());
                eprintln!("{base_url} is not healthy ({status}): {e:#}");
                return ExitCode::FAILURE;
            }
        }
    }
}
