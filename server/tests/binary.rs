//! Tests of the real `statusboard-server` binary as an operator runs it: bad settings,
//! secrets in its output, malformed HTTP, and SIGTERM with requests in flight.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use statusboard_server::probe;
use statusboard_tests::os::{free_loopback_port, send_signal};

const BINARY: &str = env!("CARGO_BIN_EXE_statusboard-server");

/// A running server process whose output is collected.
struct Process {
    child: Child,
    addr: SocketAddr,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
}

/// The binary with an empty environment (no `.env` either) plus `vars`.
fn command(vars: &[(&str, &str)]) -> (Command, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .current_dir(dir.path())
        .stdin(Stdio::null());
    for (name, value) in vars {
        command.env(name, value);
    }
    (command, dir)
}

fn free_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], free_loopback_port().unwrap()))
}

fn collect(mut from: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let into = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&into);
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    into
}

impl Process {
    fn start(vars: &[(&str, &str)]) -> (Self, tempfile::TempDir) {
        let addr = free_addr();
        let bind = addr.to_string();
        // Metrics off unless a test turns them on: parallel servers cannot share 9464.
        let mut all = vec![
            ("BIND_ADDRESS", bind.as_str()),
            ("METRICS_BIND_ADDRESS", ""),
        ];
        all.extend_from_slice(vars);
        let (mut command, dir) = command(&all);
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        let process = Self {
            child,
            addr,
            stdout,
            stderr,
        };
        for _ in 0..200 {
            if get(addr, "/api/v1/health").is_some_and(|r| r.starts_with("HTTP/1.1 200")) {
                return (process, dir);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the server did not answer within 10 s: {}",
            process.output()
        );
    }

    fn terminate(&self) {
        send_signal(self.child.id(), "TERM").unwrap();
    }

    /// Waits for the process to exit, at most `within`.
    fn wait(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "still running after {within:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn output(&self) -> String {
        let out = String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned();
        let err = String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned();
        format!("{out}{err}")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends raw bytes and returns whatever comes back before the server closes or 5 s pass.
fn raw(addr: SocketAddr, request: &[u8]) -> Option<String> {
    let response = probe::exchange(addr, request, Duration::from_secs(5)).ok()?;
    Some(String::from_utf8_lossy(&response).into_owned())
}

fn get(addr: SocketAddr, path: &str) -> Option<String> {
    probe::get(addr, path, Duration::from_secs(5))
        .ok()
        .map(|(_, response)| response)
}

#[test]
fn bad_settings_exit_2_with_one_line_naming_the_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[], "JWT_SECRET"),
        (
            &[("JWT_ACCESS_EXPIRE_MINUTES", "abc")],
            "JWT_ACCESS_EXPIRE_MINUTES",
        ),
        (&[("LOG_LEVEL", "loud")], "LOG_LEVEL"),
        (&[("CORS_ORIGINS", "*")], "CORS_ORIGINS"),
        (&[("CORS_ORIGINS", "localhost:3000")], "CORS_ORIGINS"),
        (&[("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
        (&[("BIND_ADDRESS", "nope")], "BIND_ADDRESS"),
    ];
    for (vars, variable) in cases {
        let addr = free_addr();
        let bind = addr.to_string();
        let mut all: Vec<(&str, &str)> = vec![("BIND_ADDRESS", &bind)];
        if *variable != "JWT_SECRET" {
            all.push(("JWT_SECRET", "s"));
        }
        all.extend_from_slice(vars);
        let (mut command, _dir) = command(&all);
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{variable}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{variable}: one line: {stderr}");
        assert!(stderr.contains(variable), "{variable}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            output.stdout.is_empty(),
            "nothing logged before the settings are valid"
        );
        assert!(
            TcpStream::connect(addr).is_err(),
            "{variable}: no port bound"
        );
    }
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = taken.local_addr().unwrap().to_string();
    let (mut command, _dir) = command(&[("JWT_SECRET", "s"), ("BIND_ADDRESS", &bind)]);
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("BIND_ADDRESS") && stderr.contains(&bind),
        "{stderr}"
    );
}

#[test]
fn healthcheck_subcommand_reports_the_running_server() {
    let (process, _dir) = Process::start(&[("JWT_SECRET", "s")]);
    let bind = process.addr.to_string();
    let healthcheck = || {
        let (mut healthcheck, dir) = command(&[("JWT_SECRET", "s"), ("BIND_ADDRESS", &bind)]);
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
async fn secrets_never_appear_in_any_output() {
    const JWT: &str = "jwt-secret-MARKER-7f3a";
    const GITHUB: &str = "ghp_MARKER_token_91c2";
    const PASSWORD: &str = "db-password-MARKER-5e8d";
    let url = statusboard_tests::database::fresh_database_url().await;
    // The test cluster trusts local connections, so any password is accepted.
    let (scheme, rest) = url.split_once("://").unwrap();
    let (userinfo, host) = rest.split_once('@').unwrap();
    let user = userinfo.split(':').next().unwrap();
    let database_url = format!("{scheme}://{user}:{PASSWORD}@{host}");
    let secrets = [
        ("JWT_SECRET", JWT),
        ("GITHUB_TOKEN", GITHUB),
        ("DATABASE_URL", database_url.as_str()),
        ("LOG_LEVEL", "trace"),
    ];

    let (mut process, _dir) = Process::start(&secrets);
    for _ in 0..100 {
        if get(process.addr, "/api/v1/ready").is_some_and(|r| probe::status_code(&r) == 200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready = get(process.addr, "/api/v1/ready").unwrap();
    assert_eq!(
        probe::status_code(&ready),
        200,
        "the server used the database: {ready}"
    );
    for path in [
        "/api/v1/health",
        "/api/v1/openapi.json",
        "/api/v1/nope",
        "/api/v1/docs",
    ] {
        assert!(get(process.addr, path).is_some());
    }
    raw(process.addr, b"OPTIONS /api/v1/health HTTP/1.1\r\nHost: t\r\nOrigin: http://x\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n");
    process.terminate();
    assert!(process.wait(Duration::from_secs(10)).success());
    let mut everything = process.output();
    assert!(
        everything.contains("request completed"),
        "requests were logged: {everything}"
    );

    // Bad starts with the same secrets: a bad level, an unreachable-but-valid database
    // used by `migrate`, and a malformed database URL.
    let bad_url = format!("mysql://root:{PASSWORD}@db/app");
    for extra in [
        vec![("LOG_LEVEL", "loud")],
        vec![("DATABASE_URL", bad_url.as_str())],
    ] {
        let mut vars = secrets.to_vec();
        vars.extend(extra);
        let (mut command, _dir) = command(&vars);
        let output = command.output().unwrap();
        assert!(!output.status.success());
        everything.push_str(&String::from_utf8_lossy(&output.stdout));
        everything.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    let unreachable = format!("postgresql://app:{PASSWORD}@127.0.0.1:1/app");
    let mut vars = secrets.to_vec();
    vars.push(("DATABASE_URL", &unreachable));
    vars.push(("DATABASE_CONNECT_TIMEOUT_SECONDS", "1"));
    let (mut command, _dir) = command(&vars);
    let output = command.arg("migrate").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    everything.push_str(&String::from_utf8_lossy(&output.stdout));
    everything.push_str(&String::from_utf8_lossy(&output.stderr));

    for secret in [JWT, GITHUB, PASSWORD] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked:\n{everything}"
        );
    }
    assert!(
        everything.contains("[redacted]"),
        "the redacted URL is logged"
    );
}

#[test]
fn malformed_http_gets_4xx_or_a_closed_connection_and_the_server_keeps_serving() {
    let max_body = 1024;
    let max_body_text = max_body.to_string();
    let (mut process, _dir) = Process::start(&[
        ("JWT_SECRET", "s"),
        ("REQUEST_BODY_MAX_BYTES", &max_body_text),
    ]);
    let addr = process.addr;

    // Slowloris: connections that never finish their headers, held open meanwhile.
    let slow: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: t\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();

    let huge_header = format!(
        "GET /api/v1/health HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(1024 * 1024)
    );
    let big_body = format!(
        "POST /api/v1/health HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        max_body * 10,
        "x".repeat(max_body * 10)
    );
    let bad_requests: Vec<Vec<u8>> = vec![
        b"\x00\x01\x02garbage\r\n\r\n".to_vec(),
        b"NOT A REQUEST LINE\r\n\r\n".to_vec(),
        b"GET\r\n\r\n".to_vec(),
        b"GET /api/v1/health HTTP/9.9\r\n\r\n".to_vec(),
        b"GET /api/v1/\xff\xfe HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /api/v1/%ff%fe HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /api/v1/health HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n".to_vec(),
        b"GET /api/v1/health HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\n".to_vec(),
        huge_header.into_bytes(),
        big_body.into_bytes(),
    ];
    let mut sent = 0;
    for request in &bad_requests {
        let response = raw(addr, request).unwrap_or_default();
        let status = probe::status_code(&response);
        assert!(
            response.is_empty() || (400..500).contains(&status),
            "{:?} got {response:?}",
            String::from_utf8_lossy(&request[..request.len().min(60)])
        );
        sent += 1;
        let health = get(addr, "/api/v1/health").expect("still serving");
        assert_eq!(
            probe::status_code(&health),
            200,
            "after {sent} malformed requests"
        );
    }
    drop(slow);
    assert!(
        process.child.try_wait().unwrap().is_none(),
        "the server is still running"
    );
    let output = process.output();
    assert!(!output.contains("panicked"), "{output}");
}

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish_and_exits_0() {
    const SLOW_CLIENTS: usize = 8;
    let (mut process, _dir) =
        Process::start(&[("JWT_SECRET", "s"), ("SHUTDOWN_TIMEOUT_SECONDS", "20")]);
    let addr = process.addr;

    // Slow readers of a large response: their requests are in flight until they finish
    // reading, which they do at about 400 KiB/s through a small receive buffer.
    let mut readers = Vec::new();
    for _ in 0..SLOW_CLIENTS {
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
                response.extend_from_slice(&buf[..n]);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            response
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped_at = Instant::now();
    process.terminate();
    tokio::time::sleep(Duration::from_millis(300)).await;

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

#[test]
fn metrics_count_known_requests_on_their_own_listener_only() {
    let metrics = free_addr();
    let metrics_bind = metrics.to_string();
    let (process, _dir) =
        Process::start(&[("JWT_SECRET", "s"), ("METRICS_BIND_ADDRESS", &metrics_bind)]);
    // Process::start polled /health until it answered; count from a scrape taken now.
    let count = |text: &str, series: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or(0.0)
    };
    let health = "statusboard_http_requests_total{operation=\"health\",method=\"GET\",status_class=\"2xx\"}";
    let scrape = || {
        let response = get(metrics, "/metrics").expect("the metrics listener answers");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(
            response.contains("content-type: text/plain; version=0.0.4"),
            "{response}"
        );
        response
    };
    let before = count(&scrape(), health);
    for _ in 0..7 {
        assert!(
            get(process.addr, "/api/v1/health")
                .unwrap()
                .starts_with("HTTP/1.1 200")
        );
    }
    assert!(get(process.addr, "/api/v1/nope").is_some());
    assert!(
        raw(
            process.addr,
            b"DELETE /api/v1/health HTTP/1.1\r\nhost: x\r\n\r\n"
        )
        .is_some()
    );
    let text = scrape();
    assert_eq!(count(&text, health) - before, 7.0, "{text}");
    for expected in [
        "# TYPE statusboard_http_request_duration_seconds histogram",
        "statusboard_http_request_duration_seconds_bucket{operation=\"health\",le=\"0.001\"}",
        "statusboard_http_request_duration_seconds_count{operation=\"health\"}",
        "statusboard_http_requests_total{operation=\"delete_api_v1_health\",method=\"DELETE\",status_class=\"4xx\"} 1",
        "statusboard_http_requests_in_flight 0",
        "statusboard_database_pool_size ",
        "statusboard_database_pool_idle ",
        "statusboard_database_pool_waiters 0",
        "statusboard_database_errors_total{kind=\"unavailable\"}",
        &format!(
            "statusboard_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        ),
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // The API port does not serve metrics.
    let api = get(process.addr, "/metrics").unwrap();
    assert!(api.starts_with("HTTP/1.1 404"), "{api}");
}
