//! A minimal HTTP/1.1 client over a plain TCP socket: enough for the container health
//! check (`statusboard-server healthcheck`; the runtime image has no curl) and for tools
//! and tests that must see the raw bytes a server answers.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Sends `request` as is and returns everything the server answers until it closes the
/// connection. What arrived before a reset or a read timeout counts as the answer.
pub fn exchange(addr: SocketAddr, request: &[u8], timeout: Duration) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(request)?;
    let mut response = Vec::new();
    match stream.read_to_end(&mut response) {
        Err(e) if response.is_empty() => Err(e),
        _ => Ok(response),
    }
}

/// `GET path` with `Connection: close`; returns the status code (0 when the answer is not
/// HTTP) and the whole response as text.
pub fn get(addr: SocketAddr, path: &str, timeout: Duration) -> std::io::Result<(u16, String)> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let response =
        String::from_utf8_lossy(&exchange(addr, request.as_bytes(), timeout)?).into_owned();
    Ok((status_code(&response), response))
}

/// The status code of a raw HTTP response, 0 when there is none.
pub fn status_code(response: &str) -> u16 {
    response
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::status_code;

    #[test]
    fn reads_the_status_code() {
        assert_eq!(status_code("HTTP/1.1 200 OK\r\n\r\n"), 200);
        assert_eq!(status_code("HTTP/1.1 503 Service Unavailable\r\n"), 503);
        assert_eq!(status_code(""), 0);
        assert_eq!(status_code("garbage"), 0);
    }
}
