//! Malformed, slow and oversized HTTP: a 4xx or a closed connection, never a crash.

use super::*;

#[test]
fn malformed_http_gets_4xx_or_a_closed_connection_and_the_server_keeps_serving() {
    let max_body = 1024;
    let max_body_text = max_body.to_string();
    let (mut process, _dir) = Process::start(&[
        ("JWT_SECRET", SECRET),
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
