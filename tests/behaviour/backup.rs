//! Backups: a SQLite snapshot taken while writes continue holds every write
//! acknowledged before it began and passes its integrity check; restoring
//! checks the file first and refuses while the server runs. On PostgreSQL,
//! the demo community round-trips through pg_dump and pg_restore.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn jogette(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).output().unwrap()
}

fn integrity(file: &std::path::Path) -> String {
    let conn = rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_members_post_holds_every_acknowledged_post_and_restores_when_stopped() {
    let test_db = TestDb::sqlite();
    let db = test_db.url.clone();
    let file = db.trim_start_matches("sqlite://").to_owned();
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("snapshot.db");
    let server = serve(&db);
    let admin = Api { base: server.base.clone(), token: None, http: http_client(reqwest::Client::builder()) };
    let r = admin.post("/api/v1/users", json!({"username": "writer_wyn", "password": PASSWORD})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let writer = admin.login("writer_wyn").await;
    // A category needs an admin: made straight in the database, as set-up.
    raw_exec(&db, "INSERT INTO categories (slug, name, description, position, created_at) VALUES ('intro', 'Intro', '', 1, 0)").await;
    let thread = writer.thread("intro", "Writes going on", "The first post").await;
    let thread_id = thread["id"].as_i64().unwrap();

    // Four members' worth of replies, acknowledged ones noted, until told to stop.
    let acknowledged: Arc<Mutex<Vec<i64>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (writer, acknowledged, stop) = (writer.clone(), acknowledged.clone(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    let r = writer.post(&format!("/api/v1/threads/{thread_id}/posts"), json!({"body": format!("Reply {n} from writer {w}")})).await;
                    if r.status() == StatusCode::CREATED {
                        let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
                        acknowledged.lock().unwrap().push(id);
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let before: Vec<i64> = acknowledged.lock().unwrap().clone();
    let snapshot_path = snapshot.to_str().unwrap().to_owned();
    let db_for_backup = db.clone();
    let out = tokio::task::spawn_blocking(move || jogette(&["backup", "--db", &db_for_backup, "--to", &snapshot_path])).await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let after: Vec<i64> = acknowledged.lock().unwrap().clone();
    assert!(before.len() > 10 && after.len() > before.len(), "writes went on during the backup: {} then {}", before.len(), after.len());
    assert_eq!(integrity(&snapshot), "ok");
    let kept: Vec<i64> = {
        let conn = rusqlite::Connection::open(&snapshot).unwrap();
        let mut s = conn.prepare("SELECT id FROM posts").unwrap();
        s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let missing: Vec<&i64> = before.iter().filter(|id| !kept.contains(id)).collect();
    assert!(missing.is_empty(), "{} acknowledged before the backup began are missing from it: {missing:?}", missing.len());

    // Not over a live database.
    let refused = jogette(&["restore", "--db", &db, "--from", snapshot.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is in use"), "{}", String::from_utf8_lossy(&refused.stderr));
    // Nor from a damaged file.
    let damaged = dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&snapshot).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 4096].fill(0x5a);
    std::fs::write(&damaged, bytes).unwrap();
    drop(server);
    let refused = jogette(&["restore", "--db", &db, "--from", damaged.to_str().unwrap()]);
    assert!(!refused.status.success(), "a damaged backup is refused");
    let said = String::from_utf8_lossy(&refused.stderr).to_string();
    assert!(said.contains("integrity") || said.contains("not a sound database") || said.contains("malformed"), "{said}");
    let not_ours = dir.path().join("other.db");
    rusqlite::Connection::open(&not_ours).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
    assert!(String::from_utf8_lossy(&jogette(&["restore", "--db", &db, "--from", not_ours.to_str().unwrap()]).stderr).contains("not a Jogette database"));

    // Stopped, it restores: the posts acknowledged before the backup are back,
    // and one written after it is not.
    let out = jogette(&["restore", "--db", &db, "--from", snapshot.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(integrity(std::path::Path::new(&file)), "ok");
    let server = serve(&db);
    let guest = Api { base: server.base.clone(), token: None, http: http_client(reqwest::Client::builder()) };
    for id in before.iter().step_by(7) {
        assert_eq!(guest.get(&format!("/api/v1/posts/{id}")).await.status(), StatusCode::OK, "post {id}");
    }
    let last = after.iter().max().unwrap();
    assert!(kept.contains(last) || guest.get(&format!("/api/v1/posts/{last}")).await.status() == StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_demo_community_round_trips_through_pg_dump_and_pg_restore() {
    if !on_postgres() {
        return;
    }
    let base = std::env::var("JOGETTE_TEST_PG").unwrap();
    let name = format!("jogette_dump_{}", &jogette::app::accounts::new_token()[..10].to_ascii_lowercase());
    let (source, target) = (format!("{name}_a"), format!("{name}_b"));
    for db in [&source, &target] {
        pg_admin(format!("CREATE DATABASE {db}"));
    }
    let url = |db: &str| base.rsplit_once('/').map(|(server, _)| format!("{server}/{db}")).unwrap();
    let dump = tempfile::tempdir().unwrap().keep().join("demo.dump");
    let result = async {
        let original = TestServer::on_url(&url(&source)).await;
        original.app.load_demo().await.unwrap();
        let status = Command::new("pg_dump").args(["-Fc", "-f", dump.to_str().unwrap(), &url(&source)]).status().unwrap();
        assert!(status.success(), "pg_dump");
        let status = Command::new("pg_restore").args(["--no-owner", "-d", &url(&target), dump.to_str().unwrap()]).status().unwrap();
        assert!(status.success(), "pg_restore");
        let restored = TestServer::on_url(&url(&target)).await;
        for id in 1..=45 {
            let path = format!("/api/v1/threads/{id}");
            assert_eq!(original.api().get_json(&path).await, restored.api().get_json(&path).await, "{path}");
        }
        // The restored community takes new posts where the old one left off.
        let member = restored.member("after_restore").await;
        let reply = member.reply(1, "Still here after the restore", None).await;
        assert!(reply["id"].as_i64().unwrap() > 0);
    };
    result.await;
    for db in [&source, &target] {
        pg_admin(format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'"));
        pg_admin(format!("DROP DATABASE IF EXISTS {db}"));
    }
}
