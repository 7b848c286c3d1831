//! `--db-replica`: read-only queries go to a streaming replica, and a member
//! who just wrote reads from the primary, so they always see their own posts.
//! Needs the primary/replica pair from `scripts/pg-replica` (scripts/test starts it).

use crate::support::*;
use jogette::config::{Config, RateLimits};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

async fn replica_queries(base: &str) -> u64 {
    let text = reqwest::get(format!("{base}/metrics")).await.unwrap().text().await.unwrap();
    text.lines().find_map(|l| l.strip_prefix("jogette_db_replica_queries_total ")).unwrap().parse().unwrap()
}

#[tokio::test]
async fn reads_go_to_the_replica_and_members_read_their_own_writes() {
    let (Ok(primary), Ok(replica)) = (std::env::var("JOGETTE_TEST_PG_PRIMARY"), std::env::var("JOGETTE_TEST_PG_REPLICA")) else {
        println!("needs scripts/pg-replica; scripts/test runs it with the replica pair");
        return;
    };
    let schema = format!("r_{}", &jogette::app::accounts::new_token()[..12]);
    let with_schema = |url: &str| format!("{url}?options=-c%20search_path%3D{schema}");
    {
        let (client, connection) = tokio_postgres::connect(&primary, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        client.batch_execute(&format!("CREATE SCHEMA {schema}")).await.unwrap();
    }
    let (primary_url, replica_url) = (with_schema(&primary), with_schema(&replica));
    let config = Config { db: primary_url, db_replica: Some(replica_url), rate_limits: RateLimits::off(), ..Config::default() };
    let state = jogette::web::AppState::new(jogette::app::App::open(config).await.unwrap());
    let app = state.app.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(jogette::web::serve(listener, state, std::future::pending()));

    app.create_member("site_admin", PASSWORD, jogette::domain::Role::Admin).await.unwrap();
    let guest = reqwest::Client::new();
    let anon = |path: &str| guest.get(format!("{base}{path}"));
    let admin = Api { base: base.clone(), token: None, http: reqwest::Client::new() }.login("site_admin").await;
    assert_eq!(admin.post("/api/v1/categories", json!({"slug": "intro", "name": "Introductions"})).await.status(), StatusCode::CREATED);
    let member = admin.clone();

    // Writing, then reading straight back: the primary answers, so the post is there.
    for n in 0..5 {
        let thread = member.thread("intro", &format!("Read your own writes {n}"), "Written just now").await;
        let before = replica_queries(&base).await;
        let read = member.get_json(&format!("/api/v1/threads/{}", thread["id"])).await;
        assert_eq!(read["posts"][0]["body"], "Written just now");
        assert_eq!(replica_queries(&base).await, before, "a member who just wrote reads from the primary");
    }

    // A guest's reads go to the replica, which catches up within moments.
    let before = replica_queries(&base).await;
    let mut seen = false;
    for _ in 0..50 {
        let r = anon("/api/v1/threads?category=intro").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let list: serde_json::Value = r.json().await.unwrap();
        if list["total"] == 5 {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "the replica shows the new threads within five seconds");
    assert!(replica_queries(&base).await > before, "guests read from the replica");

    // Search and similar threads run there too (search in a read-only transaction).
    let before = replica_queries(&base).await;
    let found: serde_json::Value = anon("/api/v1/search?q=writes").send().await.unwrap().json().await.unwrap();
    assert_eq!(found["total"], 5, "{found}");
    let similar: serde_json::Value = anon("/api/v1/threads/similar?title=reading+my+own+writes").send().await.unwrap().json().await.unwrap();
    assert!(!similar["threads"].as_array().unwrap().is_empty(), "{similar}");
    assert!(replica_queries(&base).await > before, "searches read from the replica");

    let (client, connection) = tokio_postgres::connect(&primary, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).await.unwrap();
}
