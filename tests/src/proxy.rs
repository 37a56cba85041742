//! [`Proxy`]: a TCP proxy that can cut its connections, as a load balancer failing would,
//! or freeze them, as a dead peer or a dropped route does (nothing arrives, nothing is
//! closed).

/// A TCP proxy in front of a server, as a load balancer would be: [`Proxy::cut`] drops
/// every connection through it, and it keeps accepting new ones.
#[derive(Debug)]
pub struct Proxy {
    /// Where clients connect.
    pub addr: std::net::SocketAddr,
    connections: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accepting: tokio::task::JoinHandle<()>,
    /// How many times [`Proxy::freeze`] was called: a connection freezes at the next one.
    frozen: tokio::sync::watch::Sender<u64>,
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
        let frozen = tokio::sync::watch::channel(0_u64).0;
        let freezes = frozen.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut freeze = freezes.subscribe();
                let epoch = *freeze.borrow_and_update();
                let relay = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                            // Frozen: both sockets stay open and silent until cut.
                            _ = async { freeze.wait_for(|now| *now > epoch).await.map(|_| ()) } => {
                                std::future::pending::<()>().await;
                            }
                        }
                    }
                });
                held.lock().expect("the proxy's list").push(relay);
            }
        });
        Self {
            addr,
            connections,
            accepting,
            frozen,
        }
    }

    /// Stops relaying on every connection open now, without closing any; connections
    /// made later are relayed as usual.
    pub fn freeze(&self) {
        self.frozen.send_modify(|epoch| *epoch += 1);
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
