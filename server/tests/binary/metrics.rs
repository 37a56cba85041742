//! The Prometheus listener of the real binary.

use super::*;

#[test]
fn metrics_count_known_requests_on_their_own_listener_only() {
    let (process, _dir) = Process::start(&[
        ("JWT_SECRET", SECRET),
        ("METRICS_BIND_ADDRESS", "127.0.0.1:0"),
    ]);
    let metrics = process.metrics_addr();
    // Process::start polled /health until it answered; count from a scrape taken now.
    let count = |text: &str, series: &str| metric_value(text, series).unwrap_or(0.0);
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
        // Without a database the server's background tasks may be waiting for a
        // connection when the scrape is taken: the gauge is there, its value varies.
        "statusboard_database_pool_waiters ",
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
