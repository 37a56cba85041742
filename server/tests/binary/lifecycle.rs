//! The `healthcheck` subcommand, and SIGTERM with requests in flight.

use super::*;

#[test]
fn healthcheck_subcommand_reports_the_running_server() {
    let (process, _dir) = Process::start(&[("JWT_SECRET", SECRET)]);
    let bind = process.addr.to_string();
    let healthcheck = || {
        let (mut healthcheck, dir) = command(&[("JWT_SECRET", SECRET), ("BIND_ADDRESS", &bind)]);
        healthcheck.arg("healthcheck");
        (healthcheck, dir)
    };
    let (mut up, _dir) = healthcheck();
    assert!(up.status().unwrap().success());
    drop(process);

    let (mut down, _dir) = healthcheck();
    let output = down.output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unhealthy"));
}

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish_and_exits_0() {
    const SLOW_CLIENTS: usize = 8;
    let (mut process, _dir) =
        Process::start(&[("JWT_SECRET", SECRET), ("SHUTDOWN_TIMEOUT_SECONDS", "20")]);
    let addr = process.addr;

    // Slow readers of a large response: their requests are in flight until they finish
    // reading, which they do at about 400 KiB/s through a small receive buffer.
    let reading = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut readers = Vec::new();
    for _ in 0..SLOW_CLIENTS {
        let reading = Arc::clone(&reading);
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut stream = socket.connect(addr).await.unwrap();
        readers.push(tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            stream
                .write_all(b"GET /api/v1/docs/redoc.standalone.js HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            let mut response = Vec::new();
            let mut buf = vec![0u8; 8192];
            loop {
                let n = stream.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                if response.is_empty() {
                    reading.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                response.extend_from_slice(&buf[..n]);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            response
        }));
    }
    // Every reader has its answer coming: all eight requests are in flight.
    let all_reading =
        poll::until_async(Duration::from_secs(10), Duration::from_millis(10), || {
            let n = reading.load(std::sync::atomic::Ordering::SeqCst);
            std::future::ready((n == SLOW_CLIENTS).then_some(()))
        })
        .await;
    assert!(
        all_reading.is_some(),
        "the slow clients never got their answers going"
    );
    let stopped_at = Instant::now();
    process.terminate();
    let shutting_down = poll::until(Duration::from_secs(5), Duration::from_millis(10), || {
        process.output().contains("shutting down").then_some(())
    });
    assert!(
        shutting_down.is_some(),
        "no shutdown logged: {}",
        process.output()
    );

    // A new connection is not served any more.
    let late = tokio::time::timeout(Duration::from_secs(2), async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        stream
            .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .ok()?;
        let mut buf = [0u8; 64];
        let n = stream.read(&mut buf).await.ok()?;
        (n > 0).then(|| String::from_utf8_lossy(&buf[..n]).into_owned())
    })
    .await;
    assert!(
        !matches!(late, Ok(Some(_))),
        "a connection after SIGTERM was served: {late:?}"
    );

    for reader in readers {
        let response = reader.await.unwrap();
        let text = String::from_utf8_lossy(&response);
        assert!(
            text.starts_with("HTTP/1.1 200"),
            "{}",
            &text[..text.len().min(200)]
        );
        let length: usize = text
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let body_start = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        assert_eq!(
            response.len() - body_start,
            length,
            "the whole body arrived"
        );
    }
    let status = process.wait(Duration::from_secs(20));
    assert!(
        status.success(),
        "exit status {status}: {}",
        process.output()
    );
    assert!(stopped_at.elapsed() < Duration::from_secs(20));
    let output = process.output();
    assert!(
        output.contains("shutting down") && output.contains("\"stopped\""),
        "{output}"
    );
}

/// SIGTERM starts the drain: `/ready` answers `503` at once while everything else is still
/// served, new connections too, each answer closing its connection; when the drain ends
/// the server stops and exits 0.
#[tokio::test]
async fn sigterm_drains_before_stopping() {
    let url = statusboard_tests::database::fresh_database_url().await;
    let (mut process, _dir) = Process::start(&[
        ("JWT_SECRET", SECRET),
        ("DATABASE_URL", url.as_str()),
        ("SHUTDOWN_DRAIN_SECONDS", "2"),
    ]);
    let addr = process.addr;
    process.wait_ready();

    let signalled = Instant::now();
    process.terminate();
    let not_ready = poll::until(Duration::from_secs(2), Duration::from_millis(10), || {
        get(addr, "/api/v1/ready").filter(|r| probe::status_code(r) == 503)
    })
    .expect("/ready turns 503 on SIGTERM");
    assert!(
        not_ready.contains("the server is shutting down"),
        "{not_ready}"
    );
    // A keep-alive request on a new connection: served, and told to close.
    let health = raw(addr, b"GET /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    assert_eq!(probe::status_code(&health), 200, "{health}");
    assert!(
        health.to_ascii_lowercase().contains("connection: close"),
        "{health}"
    );
    assert!(
        signalled.elapsed() < Duration::from_secs(2),
        "checked within the drain"
    );

    let status = process.wait(Duration::from_secs(10));
    let stopped = signalled.elapsed();
    assert!(status.success(), "{status}: {}", process.output());
    assert!(
        stopped >= Duration::from_secs(2),
        "stopped after {stopped:?}, within the drain"
    );
    assert!(
        process.output().contains("draining"),
        "{}",
        process.output()
    );
}

/// SIGTERM: a live board subscriber gets its close frame, `1001` (going away), at the end
/// of the drain, and the process exits 0 within the drain and the shutdown timeout.
#[tokio::test]
async fn sigterm_closes_live_board_subscribers_with_1001_and_exits_0() {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;

    let url = statusboard_tests::database::fresh_database_url().await;
    let (mut process, _dir) = Process::start(&[
        ("JWT_SECRET", SECRET),
        ("DATABASE_URL", url.as_str()),
        ("SHUTDOWN_DRAIN_SECONDS", "1"),
        ("SHUTDOWN_TIMEOUT_SECONDS", "5"),
    ]);
    let addr = process.addr;
    process.wait_ready();
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/events"))
        .await
        .unwrap();
    let board = socket.next().await.unwrap().unwrap();
    assert!(board.to_text().unwrap().starts_with(r#"{"type":"board""#));
    let caught_up = socket.next().await.unwrap().unwrap();
    assert_eq!(
        caught_up.into_text().unwrap().as_str(),
        r#"{"type":"caught_up"}"#
    );

    let signalled = Instant::now();
    process.terminate();
    let code = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .expect("a close frame within 10 s");
    assert_eq!(code, Some(1001));
    let status = process.wait(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0), "{}", process.output());
    let took = signalled.elapsed();
    assert!(took < Duration::from_secs(1 + 5), "{took:?}");
}
