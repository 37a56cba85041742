//! A complete program that watches the live board with `statusboard-client`: prints every
//! report of the server's window, then each new one as it is recorded, on whichever replica;
//! a dropped connection is resumed after the last report printed, so none is missed or
//! printed twice.
//!
//! ```sh
//! cargo run -p statusboard-client --example watch_board -- http://127.0.0.1:8000
//! ```
//!
//! Its `Cargo.toml` needs the client, `futures` and an async runtime:
//!
//! ```toml
//! [dependencies]
//! statusboard-client = { git = "https://github.com/<org>/statusboard", package = "statusboard-client" }
//! futures = "0.3"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```

use std::process::ExitCode;

use futures::StreamExt;
use statusboard_client::{BoardEvent, Client, Retry, Session};

#[tokio::main]
async fn main() -> ExitCode {
    let base_url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8000".to_owned());
    let client = Client::new(&base_url, Session::anonymous());
    // `None`: start with the board and the server's window (`WS_INITIAL_HOURS`);
    // `Some(change)`: after that change. Reconnections retry transient failures 4 times, 200 ms doubling.
    let subscription = match client.subscribe(None, &Retry::default()).await {
        Ok(subscription) => subscription,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::FAILURE;
        }
    };
    let mut events = subscription.into_stream();
    while let Some(event) = events.next().await {
        match event {
            Ok(BoardEvent::Board {
                change, components, ..
            }) => {
                println!("board at change {change}:");
                for component in components {
                    println!("  {}: {}", component.slug, component.status);
                }
            }
            Ok(BoardEvent::Component { slug, name, .. }) => println!("{slug} is now {name:?}"),
            Ok(BoardEvent::ComponentDeleted { slug, .. }) => println!("{slug} was deleted"),
            Ok(BoardEvent::Report {
                id,
                reported_at,
                component,
                status,
                message,
                ..
            }) => println!("#{id} {reported_at} {component}: {status} ({message})"),
            Ok(BoardEvent::Incident {
                id, name, status, ..
            }) => println!("incident #{id} {name:?}: {status}"),
            Ok(BoardEvent::Maintenance {
                id, name, status, ..
            }) => println!("maintenance #{id} {name:?}: {status}"),
            Ok(BoardEvent::CaughtUp) => println!("-- live from here --"),
            Err(e) => {
                eprintln!("{e:#}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
