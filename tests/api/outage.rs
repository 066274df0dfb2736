//! The database goes away and comes back: requests and /readyz answer 503 meanwhile,
//! and the service recovers by itself. PostgreSQL only (run through a TCP proxy this test
//! can cut); an embedded SQLite file cannot "go away" in the same sense.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::helpers::*;

/// A loopback TCP proxy that can be cut (listener closed, live connections dropped)
/// and restored on the same port.
struct Proxy {
    port: u16,
    upstream: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = Proxy { port, upstream, tasks: Arc::default() };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream.clone(), self.tasks.clone());
        let acceptor = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(conn);
            }
        });
        self.tasks.lock().unwrap().push(acceptor);
    }

    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    async fn restore(&self) {
        // The port was just released; binding it again may take a moment.
        for _ in 0..50 {
            if let Ok(listener) = TcpListener::bind(("127.0.0.1", self.port)).await {
                self.serve(listener);
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("could not rebind the proxy port");
    }
}

// Multi-threaded: start-up connects synchronously, and the proxy must answer meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_gives_503_and_the_service_recovers_without_restart() {
    let Some(base) = postgres_url() else { return };
    let authority = base.split('@').nth(1).and_then(|rest| rest.split('/').next()).unwrap().to_owned();
    let proxy = Proxy::start(authority.clone()).await;
    let proxied = format!("127.0.0.1:{}", proxy.port);
    let app = spawn_app_with(|s| {
        use secrecy::ExposeSecret;
        let url = s.database.url.expose_secret().replace(&authority, &proxied);
        s.database.url = url.into();
        s.database.connect_timeout_secs = 1;
    })
    .await;
    assert_eq!(app.get("/api/v1/auth/me", &app.admin).await.status(), 200);

    proxy.cut();
    assert_problem(app.get("/api/v1/auth/me", &app.admin).await, 503, "unavailable").await;
    assert_problem(app.client.get(app.url("/readyz")).send().await.unwrap(), 503, "unavailable").await;
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);

    proxy.restore().await;
    let mut status = 0;
    for _ in 0..50 {
        status = app.get("/api/v1/auth/me", &app.admin).await.status().as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "recovered without a restart");
    assert_eq!(app.client.get(app.url("/readyz")).send().await.unwrap().status(), 200);
}
