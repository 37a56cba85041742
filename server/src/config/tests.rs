use std::io::Write;

use super::*;

/// A valid `JWT_SECRET`: 32 bytes.
const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
    let mut all = vec![("JWT_SECRET", SECRET)];
    all.extend_from_slice(pairs);
    Settings::from_variables(&Variables::from_pairs(all.iter().copied()))
}

fn invalid_variable(pairs: &[(&str, &str)]) -> &'static str {
    let err = settings(pairs).expect_err("the value must be refused");
    assert!(matches!(err, SettingsError::Invalid { .. }), "{err:?}");
    err.variable().expect("names its variable")
}

#[test]
fn defaults_match_the_reference() {
    let s = settings(&[]).unwrap();
    assert_eq!(
        s.database_url.to_string(),
        "postgresql://user:[redacted]@localhost:5432/statusboard"
    );
    assert_eq!(s.jwt_secret.expose(), SECRET);
    assert_eq!(s.jwt_access_expire_minutes, 30);
    assert_eq!(s.jwt_refresh_expire_days, 7);
    assert_eq!(
        s.cors_origins,
        [Origin::parse("http://localhost:3000").unwrap()]
    );
    assert_eq!(s.ws_initial_hours, 1);
    assert_eq!(s.github_token, None);
    assert_eq!(s.log_level, LogLevel(slog::Level::Info));
    assert_eq!(s.log_format, LogFormat::Json);
    assert_eq!(s.bind_address.to_string(), "127.0.0.1:8000");
    assert_eq!(s.database_pool_max_size, 10);
    assert_eq!(s.database_connect_timeout, Duration::from_secs(5));
    assert_eq!(s.request_body_max_bytes, 1_048_576);
    assert_eq!(s.shutdown_timeout, Duration::from_secs(30));
    assert_eq!(s.shutdown_drain, Duration::from_secs(5));
    let origins: Vec<&str> = s.cors_origins_list().iter().map(Origin::as_str).collect();
    assert_eq!(origins, ["http://localhost:3000"]);
}

#[test]
fn missing_jwt_secret_names_it_and_says_how_to_set_it() {
    let err = Settings::from_variables(&Variables::from_pairs([("LOG_LEVEL", "info")]))
        .expect_err("JWT_SECRET is required");
    assert_eq!(err, SettingsError::Missing { name: "JWT_SECRET" });
    let message = err.to_string();
    assert!(message.contains("JWT_SECRET"), "{message}");
    assert!(message.contains(".env"), "{message}");
    assert!(!message.contains('\n'), "one line: {message}");
}

#[test]
fn a_jwt_secret_shorter_than_32_bytes_is_refused_without_showing_it() {
    let short = &SECRET[..31];
    let err = settings(&[("JWT_SECRET", short)]).unwrap_err();
    assert_eq!(
        err,
        SettingsError::ShortSecret {
            name: "JWT_SECRET",
            length: 31,
            minimum: 32
        }
    );
    let message = err.to_string();
    assert!(
        message.starts_with("JWT_SECRET is too short (31 bytes)"),
        "{message}"
    );
    assert!(!message.contains(short), "{message}");
    assert!(settings(&[("JWT_SECRET", SECRET)]).is_ok());
}

#[test]
fn empty_jwt_secret_is_refused() {
    let err = settings(&[("JWT_SECRET", "")]).unwrap_err();
    assert_eq!(err, SettingsError::EmptySecret { name: "JWT_SECRET" });
}

/// Values a number type takes but the server cannot use: refused at startup, in one line
/// naming the variable and the allowed range.
#[test]
fn lifetimes_and_the_window_out_of_range_are_refused_naming_the_range() {
    for (name, value, range) in [
        ("JWT_ACCESS_EXPIRE_MINUTES", "0", "from 1 to 1440"),
        ("JWT_ACCESS_EXPIRE_MINUTES", "1441", "from 1 to 1440"),
        ("JWT_REFRESH_EXPIRE_DAYS", "0", "from 1 to 3650"),
        ("JWT_REFRESH_EXPIRE_DAYS", "200000000", "from 1 to 3650"),
        ("WS_INITIAL_HOURS", "100000", "from 0 to 8760"),
    ] {
        let err = settings(&[(name, value)]).expect_err(name);
        assert_eq!(err.variable(), Some(name));
        let line = err.to_string();
        assert!(line.contains(range) && !line.contains('\n'), "{line}");
    }
    let edge = settings(&[
        ("JWT_ACCESS_EXPIRE_MINUTES", "1440"),
        ("JWT_REFRESH_EXPIRE_DAYS", "3650"),
        ("WS_INITIAL_HOURS", "0"),
    ]);
    assert!(edge.is_ok(), "{edge:?}");
}

#[test]
fn each_bad_value_names_its_variable() {
    assert_eq!(
        invalid_variable(&[("JWT_ACCESS_EXPIRE_MINUTES", "abc")]),
        "JWT_ACCESS_EXPIRE_MINUTES"
    );
    assert_eq!(
        invalid_variable(&[("JWT_REFRESH_EXPIRE_DAYS", "-1")]),
        "JWT_REFRESH_EXPIRE_DAYS"
    );
    assert_eq!(
        invalid_variable(&[("WS_INITIAL_HOURS", "1.5")]),
        "WS_INITIAL_HOURS"
    );
    assert_eq!(invalid_variable(&[("LOG_LEVEL", "loud")]), "LOG_LEVEL");
    assert_eq!(invalid_variable(&[("LOG_FORMAT", "xml")]), "LOG_FORMAT");
    assert_eq!(invalid_variable(&[("CORS_ORIGINS", "*")]), "CORS_ORIGINS");
    assert_eq!(
        invalid_variable(&[("CORS_ORIGINS", "localhost:3000")]),
        "CORS_ORIGINS"
    );
    assert_eq!(
        invalid_variable(&[("CORS_ORIGINS", "http://a.test/path")]),
        "CORS_ORIGINS"
    );
    assert_eq!(
        invalid_variable(&[("DATABASE_URL", "mysql://x")]),
        "DATABASE_URL"
    );
    assert_eq!(
        invalid_variable(&[("BIND_ADDRESS", "nope")]),
        "BIND_ADDRESS"
    );
    assert_eq!(
        invalid_variable(&[("DATABASE_POOL_MAX_SIZE", "0")]),
        "DATABASE_POOL_MAX_SIZE"
    );
    assert_eq!(
        invalid_variable(&[("REQUEST_BODY_MAX_BYTES", "lots")]),
        "REQUEST_BODY_MAX_BYTES"
    );
    assert_eq!(
        invalid_variable(&[("SHUTDOWN_TIMEOUT_SECONDS", "soon")]),
        "SHUTDOWN_TIMEOUT_SECONDS"
    );
    assert_eq!(
        invalid_variable(&[("SHUTDOWN_DRAIN_SECONDS", "-1")]),
        "SHUTDOWN_DRAIN_SECONDS"
    );
}

#[test]
fn messages_show_the_value_and_the_expected_form() {
    let message = settings(&[("JWT_ACCESS_EXPIRE_MINUTES", "abc")])
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "JWT_ACCESS_EXPIRE_MINUTES=\"abc\" is invalid: expected a whole number (0 to 4294967295)"
    );
    let message = settings(&[("CORS_ORIGINS", "*")]).unwrap_err().to_string();
    assert!(message.contains("credentials"), "{message}");
    let message = settings(&[("CORS_ORIGINS", "http://ok.test, localhost:3000")])
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("CORS_ORIGINS=\"localhost:3000\""),
        "{message}"
    );
    assert!(message.contains("scheme://host[:port]"), "{message}");
}

#[test]
fn database_url_schemes() {
    for url in [
        "postgres://u:p@db:5432/app",
        "postgresql://u:p@db:5432/app",
        "postgresql+asyncpg://u:p@db:5432/app",
    ] {
        let s = settings(&[("DATABASE_URL", url)]).unwrap();
        assert_eq!(
            s.database_url.to_string(),
            "postgresql://u:[redacted]@db:5432/app"
        );
        assert_eq!(s.database_url.connect_config().get_dbname(), Some("app"));
        assert_eq!(
            s.database_url.connect_config().get_password(),
            Some(&b"p"[..])
        );
    }
    for url in [
        "mysql://x",
        "postgresql+psycopg://u@h/d",
        "localhost:5432",
        "",
    ] {
        assert_eq!(
            invalid_variable(&[("DATABASE_URL", url)]),
            "DATABASE_URL",
            "{url}"
        );
    }
}

#[test]
fn the_listen_url_defaults_to_the_database_url() {
    for unset in [&[][..], &[("DATABASE_LISTEN_URL", " ")][..]] {
        let s = settings(unset).unwrap();
        assert!(s.database_listen_url.is_none());
        assert_eq!(s.listen_url().to_string(), s.database_url.to_string());
    }
    let s = settings(&[
        ("DATABASE_URL", "postgresql://u:p@pgbouncer:6432/app"),
        ("DATABASE_LISTEN_URL", "postgresql://u:p@postgres:5432/app"),
    ])
    .unwrap();
    assert_eq!(
        s.listen_url().to_string(),
        "postgresql://u:[redacted]@postgres:5432/app"
    );
    assert_eq!(
        invalid_variable(&[("DATABASE_LISTEN_URL", "pgbouncer:6432")]),
        "DATABASE_LISTEN_URL"
    );
}

#[test]
fn a_bad_database_url_never_shows_its_password() {
    let err = settings(&[("DATABASE_URL", "mysql://admin:hunter2@db/app")]).unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
}

#[test]
fn log_level_accepts_python_and_slog_names_in_any_case() {
    for (raw, level) in [
        ("DEBUG", slog::Level::Debug),
        ("info", slog::Level::Info),
        ("Warning", slog::Level::Warning),
        ("warn", slog::Level::Warning),
        ("ERROR", slog::Level::Error),
        ("CRITICAL", slog::Level::Critical),
        ("crit", slog::Level::Critical),
        ("trace", slog::Level::Trace),
    ] {
        assert_eq!(
            settings(&[("LOG_LEVEL", raw)]).unwrap().log_level,
            LogLevel(level),
            "{raw}"
        );
    }
}

#[test]
fn cors_origins_list_splits_trims_drops_empty_and_normalises() {
    let s = settings(&[(
        "CORS_ORIGINS",
        " http://localhost:3000 ,, https://App.Example.com/ ,https://x.test:443,http://[::1]:8080,",
    )])
    .unwrap();
    let origins: Vec<&str> = s.cors_origins_list().iter().map(Origin::as_str).collect();
    assert_eq!(
        origins,
        [
            "http://localhost:3000",
            "https://app.example.com",
            "https://x.test",
            "http://[::1]:8080"
        ]
    );
    assert!(
        settings(&[("CORS_ORIGINS", "")])
            .unwrap()
            .cors_origins_list()
            .is_empty()
    );
}

#[test]
fn names_are_case_insensitive_and_upper_case_wins_a_tie() {
    const LOWER: &str = "lower-0123456789abcdef0123456789abcdef";
    const UPPER: &str = "upper-0123456789abcdef0123456789abcdef";
    let s = Settings::from_variables(&Variables::from_pairs([
        ("jwt_secret", LOWER),
        ("Log_Level", "debug"),
    ]))
    .unwrap();
    assert_eq!(s.jwt_secret.expose(), LOWER);
    assert_eq!(s.log_level, LogLevel(slog::Level::Debug));
    for _ in 0..20 {
        let s = Settings::from_variables(&Variables::from_pairs([
            ("jwt_secret", LOWER),
            ("JWT_SECRET", UPPER),
        ]))
        .unwrap();
        assert_eq!(s.jwt_secret.expose(), UPPER);
    }
}

#[test]
fn environment_wins_over_dotenv_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".env");
    let mut file = std::fs::File::create(&path).unwrap();
    writeln!(
        file,
        "# comment\nJWT_SECRET=from-file-0123456789abcdef0123456789\nLOG_LEVEL=debug\nws_initial_hours=4"
    )
    .unwrap();

    let from_file = Settings::from_variables(&Variables::load(&path, []).unwrap()).unwrap();
    assert_eq!(
        from_file.jwt_secret.expose(),
        "from-file-0123456789abcdef0123456789"
    );
    assert_eq!(from_file.log_level, LogLevel(slog::Level::Debug));
    assert_eq!(from_file.ws_initial_hours, 4);

    let env = [
        (
            "JWT_SECRET".to_owned(),
            "from-env-0123456789abcdef0123456789".to_owned(),
        ),
        ("log_level".into(), "error".into()),
    ];
    let layered = Settings::from_variables(&Variables::load(&path, env).unwrap()).unwrap();
    assert_eq!(
        layered.jwt_secret.expose(),
        "from-env-0123456789abcdef0123456789"
    );
    assert_eq!(layered.log_level, LogLevel(slog::Level::Error));
    assert_eq!(
        layered.ws_initial_hours, 4,
        "what the environment does not set comes from .env"
    );
}

#[test]
fn missing_dotenv_file_is_fine_and_broken_one_is_an_error_without_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let vars = Variables::load(
        &dir.path().join(".env"),
        [("JWT_SECRET".into(), SECRET.into())],
    );
    assert!(Settings::from_variables(&vars.unwrap()).is_ok());

    let path = dir.path().join("broken.env");
    std::fs::write(&path, "JWT_SECRET='topsecret-unterminated\n").unwrap();
    let err = Variables::load(&path, []).unwrap_err();
    assert!(matches!(err, SettingsError::DotEnv { .. }), "{err:?}");
    assert!(!err.to_string().contains("topsecret"), "{err}");
}

#[test]
fn debug_output_redacts_every_secret() {
    let s = settings(&[
        ("JWT_SECRET", "jwt-secret-marker-0123456789abcdef0123"),
        ("GITHUB_TOKEN", "ghp_token_marker"),
        ("GITHUB_WEBHOOK_SECRET", "github-webhook-secret-marker"),
        (
            "DATABASE_URL",
            "postgresql://app:db-password-marker@db:5432/app?password=db-password-marker",
        ),
        (
            "DATABASE_LISTEN_URL",
            "postgresql://app:listen-password-marker@db:5432/app",
        ),
    ])
    .unwrap();
    let shown = format!("{s:?} {} {}", s.database_url, s.jwt_secret);
    for secret in [
        "jwt-secret-marker-0123456789abcdef0123",
        "ghp_token_marker",
        "github-webhook-secret-marker",
        "db-password-marker",
        "listen-password-marker",
    ] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert!(shown.contains("[redacted]"));
    let vars = Variables::from_pairs([("JWT_SECRET", "jwt-secret-marker-0123456789abcdef0123")]);
    assert!(!format!("{vars:?}").contains("jwt-secret-marker"));
}

#[test]
fn empty_github_token_means_none() {
    assert_eq!(
        settings(&[("GITHUB_TOKEN", "")]).unwrap().github_token,
        None
    );
    let token = settings(&[("GITHUB_TOKEN", "t")])
        .unwrap()
        .github_token
        .unwrap();
    assert_eq!(token.expose(), "t");
}

#[test]
fn the_github_settings_default_and_are_checked() {
    let s = settings(&[]).unwrap();
    assert_eq!(s.github_api_url, "https://api.github.com");
    assert_eq!(s.github_poll, std::time::Duration::from_secs(60));
    assert_eq!(s.github_webhook_secret, None);
    let enterprise =
        settings(&[("GITHUB_API_URL", "https://github.example.com/api/v3/")]).unwrap();
    assert_eq!(
        enterprise.github_api_url,
        "https://github.example.com/api/v3"
    );
    for bad in ["api.github.com", "ftp://github.example.com", ""] {
        assert_eq!(
            invalid_variable(&[("GITHUB_API_URL", bad)]),
            "GITHUB_API_URL",
            "{bad}"
        );
    }
    for bad in ["0", "86401", "soon"] {
        assert_eq!(
            invalid_variable(&[("GITHUB_POLL_SECONDS", bad)]),
            "GITHUB_POLL_SECONDS"
        );
    }
}

#[test]
fn the_board_in_memory_has_cache_and_readiness_settings_with_short_defaults() {
    let defaults = settings(&[]).unwrap();
    assert_eq!(
        defaults.read_cache.header(),
        "public, max-age=5, stale-while-revalidate=30"
    );
    assert_eq!(defaults.ready_max_stale, Duration::from_secs(300));
    let set = settings(&[
        ("READ_MAX_AGE_SECONDS", "0"),
        ("READ_STALE_WHILE_REVALIDATE_SECONDS", "600"),
        ("READY_MAX_STALE_SECONDS", "0"),
    ])
    .unwrap();
    assert_eq!(
        set.read_cache.header(),
        "public, max-age=0, stale-while-revalidate=600"
    );
    assert_eq!(set.ready_max_stale, Duration::ZERO);
    for name in [
        "READ_MAX_AGE_SECONDS",
        "READ_STALE_WHILE_REVALIDATE_SECONDS",
        "READY_MAX_STALE_SECONDS",
    ] {
        for bad in ["-1", "86401", "a minute"] {
            assert_eq!(invalid_variable(&[(name, bad)]), name, "{bad}");
        }
    }
}
