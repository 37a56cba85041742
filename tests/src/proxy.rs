//! [`Proxy`]: a TCP proxy that can cut its connections, as a load balancer failing would.

/// A TCP proxy in front of a server, as a load balancer would be: [`Proxy::cut`] drops
/// every connection through it, and it keeps accepting new ones.
#[derive(Debug)]
pub struct Proxy {
    /// Where clients connect.
    pub addr: std::net::SocketAddr,
    connections: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to `target` on a loopback port of its own.
    pub async fn start(target: std::net::SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("a bound address");
        let connections = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let held = connections.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                held.lock().expect("the proxy's list").push(relay);
            }
        });
        Self {
            addr,
            connections,
            accepting,
        }
    }

    /// Drops every connection through the proxy now.
    pub fn cut(&self) {
        for relay in self.connections.lock().expect("the proxy's list").drain(..) {
            relay.abort();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accepting.abort();
    }
}
