//! One `custodia serve` process for the tests that drive the real binary: the crash
//! harness (tests/crash.rs) kills it, the two-node test (tests/cluster.rs) runs two.
//! Its settings are environment variables, its log a file.

// Each test binary includes this module and uses a different part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_custodia")
}

pub fn config_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A restartable `custodia serve` with the same settings each time.
pub struct Server {
    pub env: Vec<(String, String)>,
    pub port: u16,
    pub log: PathBuf,
    child: Option<Child>,
}

impl Server {
    pub fn new(env: Vec<(String, String)>, port: u16, log: PathBuf) -> Self {
        Server { env, port, log, child: None }
    }

    /// The binary with this server's settings, for `serve` or any CLI command.
    pub fn command(&self) -> Command {
        let mut c = Command::new(bin());
        c.arg("--config-dir").arg(config_dir()).args(["--env", "test"]);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    pub fn start(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let child = self.command().arg("serve").stdout(Stdio::null()).stderr(log).spawn().unwrap();
        self.child = Some(child);
    }

    /// SIGKILL: no shutdown hook runs, as when a machine dies.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The last lines of its log, for a failure message.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Waits (up to a minute) until it answers `/readyz`; false if it never did.
    pub async fn ready(&self, client: &reqwest::Client) -> bool {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(r) = client.get(self.url("/readyz")).send().await
                && r.status() == 200
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
