//! TLS to PostgreSQL with libpq's `sslmode`, against a cluster that accepts only TLS
//! (`hostssl` lines only) with a certificate for `localhost` signed by a test CA.

use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use statusboard_server::config::DatabaseUrl;
use statusboard_tests::app::TestApp;
use statusboard_tests::poll;
use statusboard_tests::postgres::{Cluster, DataDir};

/// A certificate authority of the test's own.
struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl TestCa {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let pem = params.self_signed(&key).unwrap().pem();
        Self {
            issuer: Issuer::new(params, key),
            pem,
        }
    }

    /// A server certificate for `names`, and its key, in PEM.
    fn server_certificate(&self, names: &[&str]) -> (String, String) {
        let params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .unwrap();
        let key = KeyPair::generate().unwrap();
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        (certificate.pem(), key.serialize_pem())
    }
}

/// `/ready`'s status and body once it settles (migrations applied, or failing for good);
/// the last answer if it does not within 20 s.
async fn ready(app: &TestApp) -> (u16, String) {
    let get = || async {
        let response = reqwest::get(app.url("/api/v1/ready")).await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    };
    let settled = poll::until_async(
        Duration::from_secs(20),
        Duration::from_millis(100),
        || async {
            let (status, body) = get().await;
            // Connected, but still starting: the migrations, the live board's first read
            // of the log, the board's first load into memory.
            let settling = status == 503
                && (body.contains("migrations are not applied yet")
                    || body.contains("has not caught up")
                    || body.contains("the board is not loaded yet"));
            (!settling).then_some((status, body))
        },
    )
    .await;
    match settled {
        Some(answer) => answer,
        None => get().await,
    }
}

/// `/ready`'s status and body with `url`, and the server's log.
async fn ready_with(url: String) -> (u16, String, String) {
    let url = DatabaseUrl::parse("DATABASE_URL", &url).unwrap();
    let captured = statusboard_tests::log_capture::CapturedLog::default();
    let app = TestApp::spawn_logging(TestApp::settings(url), &captured.logger());
    let (status, body) = ready(&app).await;
    app.stop().await;
    (status, body, captured.lines().join("\n"))
}

#[tokio::test]
async fn sslmode_against_a_tls_only_postgresql() {
    let ca = TestCa::new("statusboard test CA");
    let other_ca = TestCa::new("another CA");
    let (certificate, key) = ca.server_certificate(&["localhost"]);
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    let other_ca_file = dir.path().join("other-ca.pem");
    std::fs::write(&ca_file, &ca.pem).unwrap();
    std::fs::write(&other_ca_file, &other_ca.pem).unwrap();

    let cluster = tokio::task::spawn_blocking(move || {
        let mut cluster = Cluster::start(DataDir::Temporary, None).unwrap();
        cluster.require_tls(&certificate, &key).unwrap();
        cluster
    })
    .await
    .unwrap();
    let port = cluster.port();
    let at =
        |host: &str, query: &str| format!("postgresql://postgres@{host}:{port}/postgres{query}");
    let ca = ca_file.display();
    let other_ca = other_ca_file.display();

    // What went wrong is the operator's to read, in the log; a client learns that the
    // database is unavailable.
    for (what, url, want_status, want) in [
        (
            "verify-full, right CA",
            at(
                "localhost",
                &format!("?sslmode=verify-full&sslrootcert={ca}"),
            ),
            200,
            "\"database\":\"ok\"",
        ),
        (
            "no sslmode (prefer)",
            at("127.0.0.1", ""),
            200,
            "\"database\":\"ok\"",
        ),
        (
            "require",
            at("127.0.0.1", "?sslmode=require"),
            200,
            "\"database\":\"ok\"",
        ),
        (
            "asyncpg's ssl=true",
            at("127.0.0.1", "?ssl=true"),
            200,
            "\"database\":\"ok\"",
        ),
        (
            "verify-ca, another name",
            at("127.0.0.1", &format!("?sslmode=verify-ca&sslrootcert={ca}")),
            200,
            "\"database\":\"ok\"",
        ),
        (
            "disable",
            at("127.0.0.1", "?sslmode=disable"),
            503,
            "no encryption",
        ),
        (
            "verify-full, another CA",
            at(
                "localhost",
                &format!("?sslmode=verify-full&sslrootcert={other_ca}"),
            ),
            503,
            "UnknownIssuer",
        ),
        (
            "verify-full, wrong host name",
            at(
                "127.0.0.1",
                &format!("?sslmode=verify-full&sslrootcert={ca}"),
            ),
            503,
            "certificate not valid for name",
        ),
    ] {
        let (status, body, log) = ready_with(url).await;
        assert_eq!(status, want_status, "{what}: {body}");
        if status == 200 {
            assert!(body.contains(want), "{what}: {body}");
        } else {
            assert!(log.contains(want), "{what}: {log}");
            assert!(!body.contains(want), "{what}: {body}");
        }
    }
    drop(cluster);
}

#[test]
fn an_unknown_sslmode_is_a_startup_error_naming_database_url_without_the_password() {
    let error = DatabaseUrl::parse(
        "DATABASE_URL",
        "postgresql://app:s3cret@db:5432/statusboard?sslmode=verify_full",
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("DATABASE_URL"), "{error}");
    assert!(
        error.contains("sslmode one of disable, prefer, require"),
        "{error}"
    );
    assert!(!error.contains("s3cret"), "{error}");
}

#[test]
fn a_missing_root_certificate_is_a_startup_error_naming_it() {
    let url = DatabaseUrl::parse(
        "DATABASE_URL",
        "postgresql://app@db/statusboard?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
    )
    .unwrap();
    let error = statusboard_server::database::Database::new(&TestApp::settings(url))
        .unwrap_err()
        .to_string();
    assert!(error.contains("sslrootcert=/nonexistent/ca.pem"), "{error}");
}
