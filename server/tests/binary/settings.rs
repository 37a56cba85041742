//! Bad settings, a busy port, and secrets that never appear in any output.

use super::*;

#[test]
fn bad_settings_exit_2_with_one_line_naming_the_variable() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[], "JWT_SECRET"),
        (&[("JWT_SECRET", "a")], "JWT_SECRET"),
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
            all.push(("JWT_SECRET", SECRET));
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
    let (mut command, _dir) = command(&[("JWT_SECRET", SECRET), ("BIND_ADDRESS", &bind)]);
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("BIND_ADDRESS") && stderr.contains(&bind),
        "{stderr}"
    );
}

#[tokio::test]
async fn secrets_never_appear_in_any_output() {
    const JWT: &str = "jwt-secret-MARKER-7f3a-0123456789abcdef";
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
    poll::until(Duration::from_secs(10), Duration::from_millis(50), || {
        get(process.addr, "/api/v1/ready").filter(|r| probe::status_code(r) == 200)
    });
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
