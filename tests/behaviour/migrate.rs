//! Moving a community between stores with `jogette migrate-store`.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_jogette");

/// Every page of every thread, as the API renders it.
async fn every_thread(base: &str) -> Vec<Value> {
    let http = reqwest::Client::new();
    let mut threads = Vec::new();
    let mut page = 1;
    loop {
        let list: Value = http.get(format!("{base}/api/v1/threads?page={page}")).send().await.unwrap().json().await.unwrap();
        for t in list["threads"].as_array().unwrap() {
            let mut thread_page = 1;
            loop {
                let body: Value = http.get(format!("{base}/api/v1/threads/{}?page={thread_page}", t["id"])).send().await.unwrap().json().await.unwrap();
                let pages = body["pages"].as_i64().unwrap();
                threads.push(body);
                if thread_page >= pages {
                    break;
                }
                thread_page += 1;
            }
        }
        if page >= list["pages"].as_i64().unwrap() {
            break;
        }
        page += 1;
    }
    threads
}

/// The demo community moves from SQLite to PostgreSQL and every thread reads the same.
#[tokio::test]
async fn the_demo_community_moves_from_sqlite_to_postgres_intact() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("demo.db").display());
    {
        let app = jogette::app::App::open(jogette::config::Config { db: sqlite.clone(), ..Default::default() }).await.unwrap();
        app.load_demo().await.unwrap();
        // Edits, deletions and notifications move too.
        app.create_member("migrating_mo", PASSWORD, jogette::domain::Role::Moderator).await.unwrap();
    }
    let source = TestServer::on_url(&sqlite).await;
    let member = source.api().login("migrating_mo").await;
    member.patch("/api/v1/posts/1", json!({"body": "Edited before the move"})).await;
    member.delete("/api/v1/posts/3").await;

    let target = TestDb::postgres();
    let out = Command::new(BIN).args(["migrate-store", "--from", &sqlite, "--to", &target.url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("posts") && report.contains("rows copied and verified"), "{report}");

    let moved = TestServer::on(target).await;
    let (before, after) = (every_thread(&source.base).await, every_thread(&moved.base).await);
    assert_eq!(before.len(), after.len());
    assert!(before.len() >= 45);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a, "thread {} differs after the move", b["id"]);
    }
    // Members keep their passwords, and new posts carry on numbering.
    let runner = moved.api().login("migrating_mo").await;
    let thread = runner.thread("introductions", "Hello after the move", "Still here").await;
    assert!(thread["id"].as_i64().unwrap() > 45);
    assert_eq!(moved.api().get_json("/api/v1/users/runningnearbeirut").await["post_count"], before_count(&source).await);

    // A second migration into a community that isn't empty is refused.
    let again = Command::new(BIN).args(["migrate-store", "--from", &sqlite, "--to", &moved_url(&moved)]).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("empty"));
    assert_eq!(source.api().get("/api/v1/posts/1").await.status(), StatusCode::OK);
}

async fn before_count(server: &TestServer) -> Value {
    server.api().get_json("/api/v1/users/runningnearbeirut").await["post_count"].clone()
}

fn moved_url(server: &TestServer) -> String {
    server.db_url().to_owned()
}
