//! Every migration runs up, down and up again, and the schema after the second "up"
//! equals the first: each down.sql is known to undo its up.sql.

use custodia::store::{Db, DbConnection, migrate};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::helpers::*;

#[derive(QueryableByName, Debug, PartialEq)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

fn schema_dump(conn: &mut DbConnection, postgres: bool) -> Vec<String> {
    let sql = if postgres {
        "SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable AS line
         FROM information_schema.columns WHERE table_schema = current_schema()
         UNION ALL
         SELECT tablename || ' index ' || indexdef AS line FROM pg_indexes WHERE schemaname = current_schema()
         ORDER BY line"
    } else {
        "SELECT type || ' ' || name || ' ' || COALESCE(sql, '') AS line FROM sqlite_master
         WHERE name NOT LIKE 'sqlite_%' ORDER BY line"
    };
    diesel::sql_query(sql).load::<Line>(conn).unwrap().into_iter().map(|l| l.line).collect()
}

#[tokio::test]
async fn migrations_run_up_down_and_up_again() {
    let db = TestDb::new();
    let settings = test_settings(&db);
    let pool = Db::connect(&settings.database).unwrap();
    let postgres = db.is_postgres();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        let applied = migrate::run_pending(&mut conn).unwrap();
        assert!(!applied.is_empty());
        let first = schema_dump(&mut conn, postgres);
        assert!(first.iter().any(|l| l.contains("users")), "{first:?}");
        let reverted = migrate::revert_all(&mut conn).unwrap();
        assert_eq!(reverted.len(), applied.len());
        let empty = schema_dump(&mut conn, postgres);
        assert!(empty.iter().all(|l| l.contains("__diesel_schema_migrations")), "left behind: {empty:?}");
        migrate::run_pending(&mut conn).unwrap();
        assert_eq!(schema_dump(&mut conn, postgres), first);
        assert_eq!(migrate::pending_count(&mut conn).unwrap(), 0);
    })
    .await
    .unwrap();
}

/// An install upgraded from the token table of migration 000006 to the engines' own
/// inverted indexes (000010) finds what it had indexed, without a reindex: the SQL that
/// carries the postings over computes the same scope tokens as the code.
#[tokio::test]
async fn postings_carry_over_from_the_token_table_into_the_engines_index() {
    use custodia::search::index::Index;
    use custodia::search::query::candidates;
    let db = TestDb::new();
    let pool = Db::connect(&test_settings(&db).database).unwrap();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        let c = &mut *conn;
        migrate::run_pending(c).unwrap();
        // Back to before 000010 (the index builds of 000017, the revocation counter of
        // 000016, field intake's tables of 000015, the cluster's tables of 000014, the court
        // records of 000013, the analysis of 000012 and the imports of 000011 first).
        assert!(migrate::revert_last(c).unwrap().contains("000017"));
        assert!(migrate::revert_last(c).unwrap().contains("000016"));
        assert!(migrate::revert_last(c).unwrap().contains("000015"));
        assert!(migrate::revert_last(c).unwrap().contains("000014"));
        assert!(migrate::revert_last(c).unwrap().contains("000013"));
        assert!(migrate::revert_last(c).unwrap().contains("000012"));
        assert!(migrate::revert_last(c).unwrap().contains("000011"));
        assert!(migrate::revert_last(c).unwrap().contains("000010"));
        let (a, b) = ("5b0e8f0c-3d7a-4f1e-9c2b-6a1d0e9f8a7b", "c4a1f2e3-0b9d-4c8e-8f7a-1e2d3c4b5a69");
        for (token, table, record, case) in [
            ("0a1b", "testimonies", "t1", a),
            ("ffff", "testimonies", "t1", a),
            ("0a1b", "testimonies", "t2", b),
            ("0a1b", "persons", "p1", a),
        ] {
            diesel::sql_query(format!(
                "INSERT INTO search_tokens (token, record_table, record_id, case_id) \
                 VALUES ('{token}', '{table}', '{record}', '{case}')"
            ))
            .execute(c)
            .unwrap();
        }
        migrate::run_pending(c).unwrap();
        let mut found = |index, tokens: &[u16], cases: &[&str], all| {
            let cases: Vec<String> = cases.iter().map(|s| s.to_string()).collect();
            let mut got: Vec<String> =
                candidates(c, index, tokens, &cases, all).unwrap().into_iter().map(|(id, _)| id).collect();
            got.sort();
            got
        };
        assert_eq!(found(Index::Testimonies, &[0x0a1b, 0xffff], &[a], true), ["t1"]);
        assert_eq!(found(Index::Testimonies, &[0x0a1b], &[a, b], true), ["t1", "t2"]);
        assert_eq!(found(Index::Testimonies, &[0x0a1b], &[b], true), ["t2"]);
        assert_eq!(found(Index::Names, &[0x0a1b, 0x1234], &[a, b], false), ["p1"]);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn sqlite_connections_are_set_up_for_durability() {
    let db = TestDb::new();
    if db.is_postgres() {
        return;
    }
    let pool = Db::connect(&test_settings(&db).database).unwrap();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        for (pragma, want) in
            [("journal_mode", "wal"), ("synchronous", "2"), ("foreign_keys", "1"), ("secure_delete", "1")]
        {
            let got =
                diesel::sql_query(format!("SELECT CAST({pragma} AS TEXT) AS line FROM pragma_{pragma}"))
                    .get_result::<Line>(&mut *conn)
                    .unwrap();
            assert_eq!(got.line, want, "PRAGMA {pragma}");
        }
    })
    .await
    .unwrap();
}

/// Migration 000013 rebuilds `users` on SQLite to admit clinicians (a CHECK cannot be
/// altered in place): an installation's users, their sessions and what points at them
/// survive it, foreign keys are on again afterwards, and none dangles.
#[tokio::test]
async fn users_and_their_sessions_survive_the_clinician_role() {
    let db = TestDb::new();
    let postgres = db.is_postgres();
    let pool = Db::connect(&test_settings(&db).database).unwrap();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        let c = &mut *conn;
        migrate::run_pending(c).unwrap();
        assert!(migrate::revert_last(c).unwrap().contains("000017"));
        assert!(migrate::revert_last(c).unwrap().contains("000016"));
        assert!(migrate::revert_last(c).unwrap().contains("000015"));
        assert!(migrate::revert_last(c).unwrap().contains("000014"));
        assert!(migrate::revert_last(c).unwrap().contains("000013"));
        for sql in [
            "INSERT INTO users (id, username, password_hash, role, disabled, totp_enabled, created_at, updated_at) \
             VALUES ('u1', 'ada', 'x', 'lawyer', FALSE, FALSE, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            "INSERT INTO sessions (id, token_hash, user_id, second_factor, created_at, last_seen_at, expires_at) \
             VALUES ('s1', X'00', 'u1', FALSE, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2027-01-01 00:00:00')",
        ] {
            let sql = if postgres { sql.replace("X'00'", "'\\x00'::bytea") } else { sql.to_owned() };
            diesel::sql_query(sql).execute(c).unwrap();
        }
        migrate::run_pending(c).unwrap();
        let count = |c: &mut DbConnection, sql: &str| diesel::sql_query(sql).get_result::<Line>(c).unwrap().line;
        assert_eq!(count(c, "SELECT CAST(COUNT(*) AS TEXT) AS line FROM sessions WHERE user_id = 'u1'"), "1");
        assert_eq!(count(c, "SELECT role AS line FROM users WHERE id = 'u1'"), "lawyer");
        diesel::sql_query(
            "INSERT INTO users (id, username, password_hash, role, disabled, totp_enabled, created_at, updated_at) \
             VALUES ('u2', 'hippocrates', 'x', 'clinician', FALSE, FALSE, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        )
        .execute(c)
        .unwrap();
        if !postgres {
            assert_eq!(count(c, "SELECT CAST(foreign_keys AS TEXT) AS line FROM pragma_foreign_keys"), "1");
            assert_eq!(count(c, "SELECT CAST(COUNT(*) AS TEXT) AS line FROM pragma_foreign_key_check"), "0");
            // The references still name `users`, and still hold.
            let orphan = diesel::sql_query(
                "INSERT INTO sessions (id, token_hash, user_id, second_factor, created_at, last_seen_at, expires_at) \
                 VALUES ('s2', X'01', 'nobody', FALSE, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2027-01-01 00:00:00')",
            )
            .execute(c);
            assert!(orphan.is_err(), "a session of no user was accepted");
        }
    })
    .await
    .unwrap();
}

#[test]
fn a_bad_url_or_an_unreachable_server_is_a_clear_error() {
    let db = TestDb::new();
    let mut settings = test_settings(&db);
    settings.database.url = "mysql://root:hunter2@localhost/x".to_owned().into();
    let err = Db::connect(&settings.database).unwrap_err().to_string();
    assert!(err.contains("sqlite://") && !err.contains("hunter2"), "{err}");
    if cfg!(feature = "postgres") {
        // Port 1 on loopback: nothing listens there.
        settings.database.url = "postgres://u:hunter2@127.0.0.1:1/db".to_owned().into();
        let err = Db::connect(&settings.database).unwrap_err().to_string();
        assert!(err.starts_with("cannot connect to the database") && !err.contains("hunter2"), "{err}");
    }
}
