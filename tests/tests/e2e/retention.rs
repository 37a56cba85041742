//! What expires is removed by the periodic sweep, in batches, one replica at a time; what
//! still guards something, and the board's history, stay.

use statusboard_api::Scope;
use statusboard_server::retention;
use statusboard_tests::app::TestApp;

use crate::board_api::pair;

async fn count(app: &TestApp, table: &str) -> i64 {
    let connection = app.server().context().database.connection().await.unwrap();
    let row = connection
        .client()
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap();
    row.get(0)
}

#[tokio::test]
async fn a_sweep_removes_what_expired_and_keeps_the_rest() {
    let app = TestApp::spawn_with_database().await;
    let _live = pair(&app, "live", &[Scope::ReportsWrite]).await;
    let _dead = pair(&app, "dead", &[Scope::ReportsWrite]).await;
    // 2,500 keys a day old (more than two batches), one fresh; the `dead` grant's refresh
    // token expired two days ago; a report and its change, as history.
    app.execute_sql(
        "INSERT INTO components (slug, name, description) VALUES ('db', 'Database', '');
         INSERT INTO idempotency_keys (subject, key, request, created_at)
             SELECT 'ops', 'old-' || i, 'r', now() - interval '25 hours'
             FROM generate_series(1, 2500) i;
         INSERT INTO idempotency_keys (subject, key, request) VALUES ('ops', 'fresh', 'r');
         UPDATE token_families SET created_at = now() - interval '9 days' WHERE subject = 'dead';
         UPDATE refresh_tokens SET expires_at = now() - interval '2 days'
             WHERE family_id = (SELECT id FROM token_families WHERE subject = 'dead');
         INSERT INTO github_deliveries (id, received_at) VALUES
             ('old', now() - interval '8 days'), ('recent', now() - interval '6 days');",
    )
    .await;
    let history = count(&app, "changes").await;

    let deleted = retention::sweep(&app.server().context().database)
        .await
        .unwrap()
        .expect("no other replica sweeps");
    assert_eq!(
        deleted,
        [
            ("idempotency_keys", 2500),
            ("refresh_tokens", 1),
            ("token_families", 1),
            ("github_deliveries", 1)
        ]
    );
    assert_eq!(
        count(&app, "github_deliveries").await,
        1,
        "a recent delivery id stays"
    );
    assert_eq!(count(&app, "idempotency_keys").await, 1);
    assert_eq!(
        count(&app, "token_families").await,
        1,
        "the live grant stays"
    );
    assert_eq!(count(&app, "changes").await, history, "the history stays");

    // While another session holds the sweep's lock, this replica does not sweep.
    let database = &app.server().context().database;
    let transaction = database.connection().await.unwrap().begin().await.unwrap();
    transaction
        .client()
        .execute("SELECT pg_advisory_xact_lock(7311992650183104117)", &[])
        .await
        .unwrap();
    assert_eq!(retention::sweep(database).await.unwrap(), None);
    transaction.rollback().await.unwrap();
}
