//! The container image runs as GitHub's `image` job runs it: against PostgreSQL,
//! `/api/v1/ready` and `/metrics` answer `200`, the process runs as uid 10001, the image's
//! `HEALTHCHECK` passes, and SIGTERM stops it with exit status 0 within the drain and
//! shutdown timeouts. `.ci/image` builds the image with podman and runs this with
//! `STATUSBOARD_IMAGE` naming it.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use statusboard_server::probe;
use statusboard_tests::os::free_loopback_port;
use statusboard_tests::poll;
use statusboard_tests::postgres::{Cluster, DataDir};

/// `podman …`, its standard output; panics with its error output when it fails.
fn podman(args: &[&str]) -> String {
    let output = Command::new("podman")
        .args(args)
        .env(
            "CONTAINERS_CONF",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../.ci/containers.conf"),
        )
        .output()
        .expect("podman runs");
    assert!(
        output.status.success(),
        "podman {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Removes the container however the test ends.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("podman")
            .args(["rm", "--force", "--time", "0", &self.0])
            .env(
                "CONTAINERS_CONF",
                concat!(env!("CARGO_MANIFEST_DIR"), "/../.ci/containers.conf"),
            )
            .output();
    }
}

#[test]
#[ignore = "needs podman and an image built by .ci/image (STATUSBOARD_IMAGE)"]
fn the_image_serves_runs_unprivileged_is_healthy_and_stops_cleanly() {
    let image = std::env::var("STATUSBOARD_IMAGE").expect("STATUSBOARD_IMAGE names the image");
    let cluster = Cluster::start(DataDir::Temporary, None).unwrap();
    cluster.create_database("statusboard").unwrap();
    // Two ports: asked for one after the other, the same free port can come back.
    let api = free_loopback_port().unwrap();
    let metrics = std::iter::repeat_with(|| free_loopback_port().unwrap())
        .take(100)
        .find(|&port| port != api)
        .unwrap();
    let (drain, timeout) = (2, 10);
    let name = format!("statusboard-image-test-{}", std::process::id());
    let env = [
        format!("DATABASE_URL={}", cluster.url("statusboard")),
        "JWT_SECRET=image-test-secret-not-for-production-0123".to_owned(),
        format!("BIND_ADDRESS=127.0.0.1:{api}"),
        format!("METRICS_BIND_ADDRESS=127.0.0.1:{metrics}"),
        format!("SHUTDOWN_DRAIN_SECONDS={drain}"),
        format!("SHUTDOWN_TIMEOUT_SECONDS={timeout}"),
    ];
    let mut run = vec!["run", "--detach", "--name", &name, "--network", "host"];
    for variable in &env {
        run.extend(["--env", variable]);
    }
    run.push(&image);
    podman(&run);
    let _container = Container(name.clone());

    let api_addr = SocketAddr::from(([127, 0, 0, 1], api));
    let metrics_addr = SocketAddr::from(([127, 0, 0, 1], metrics));
    let ready = poll::until(Duration::from_secs(60), Duration::from_millis(100), || {
        probe::get(api_addr, "/api/v1/ready", Duration::from_secs(2))
            .is_ok_and(|(status, _)| status == 200)
            .then_some(())
    });
    assert!(
        ready.is_some(),
        "/ready never answered 200:\n{}",
        podman(&["logs", &name])
    );
    let (status, body) = probe::get(metrics_addr, "/metrics", Duration::from_secs(2)).unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("statusboard_build_info"), "{body}");

    // The server process itself, as the host sees it (no user namespace here).
    let pid = podman(&["inspect", "--format", "{{.State.Pid}}", &name]);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uids = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(
        uids.split_whitespace().skip(1).all(|uid| uid == "10001"),
        "{uids}"
    );
    podman(&["healthcheck", "run", &name]);

    let stopping = Instant::now();
    podman(&["stop", "--time", &(drain + timeout + 10).to_string(), &name]);
    let took = stopping.elapsed();
    let exit = podman(&["inspect", "--format", "{{.State.ExitCode}}", &name]);
    assert_eq!(exit, "0", "{}", podman(&["logs", &name]));
    assert!(
        took < Duration::from_secs(drain + timeout),
        "SIGTERM took {took:?}, more than the drain ({drain} s) and shutdown timeout ({timeout} s)"
    );

    let size: u64 = podman(&["image", "inspect", "--format", "{{.Size}}", &image])
        .parse()
        .unwrap();
    println!(
        "image {image}: {:.1} MiB; SIGTERM to exit 0 in {took:.2?} (drain {drain} s)",
        size as f64 / 1024.0 / 1024.0
    );
}
