//! The `jogette` binary itself: creating an admin from the command line,
//! durability across a crash, and a clean stop on SIGTERM.

use crate::support::{BIN, PASSWORD, Running, TestDb, create_user, login, serve, serve_with, serve_with_admin_and_category};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Command;
use std::time::{Duration, Instant};

#[tokio::test]
async fn an_admin_created_from_the_command_line_can_log_in_and_make_categories() {
    let test_db = TestDb::new();
    let db = test_db.url.clone();
    let out = create_user(&db, "head_coach", "admin", PASSWORD);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let refused = create_user(&db, "tiny_pw", "member", "short");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("at least 10 characters"));

    let server = serve(&db);
    let token = login(&server.base, "head_coach").await;
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/categories", server.base))
        .bearer_auth(token)
        .json(&json!({"slug": "intro", "name": "Introductions"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_operator_adds_a_plan_from_the_command_line_and_a_bad_file_names_its_line_and_column() {
    let test_db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("parkrun.toml");
    std::fs::write(&file, "id = \"parkrun-ready\"\nname = \"Parkrun ready\"\n[[weeks]]\nsession = \"run 10:00, sprint 1:00\"\n").unwrap();
    let add = |file: &std::path::Path| {
        Command::new(BIN).args(["admin", "add-plan"]).arg(file).args(["--db", &test_db.url]).output().unwrap()
    };
    let refused = add(&file);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("parkrun.toml: The plan file has an error at line 4, column 23") && said.contains("expected run, walk"), "{said}");
    std::fs::write(&file, "id = \"parkrun-ready\"\nname = \"Parkrun ready\"\n[[weeks]]\nsession = \"run 10:00, walk 1:00\"\n").unwrap();
    let added = add(&file);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    assert!(String::from_utf8_lossy(&added.stdout).contains("added Parkrun ready (parkrun-ready): 1 weeks, 3 runs"));
    let server = serve(&test_db.url);
    let plans: serde_json::Value = reqwest::get(format!("{}/api/v1/plans", server.base)).await.unwrap().json().await.unwrap();
    assert!(plans.to_string().contains("parkrun-ready"), "{plans}");
}

/// A thread in "intro"; returns its id.
async fn start_thread(server: &Running, token: &str, title: &str) -> i64 {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/threads", server.base))
        .bearer_auth(token)
        .json(&json!({"category": "intro", "title": title, "body": "first"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// A post that got its 201 is on disk: killing the process without warning loses nothing.
#[tokio::test]
async fn acknowledged_posts_survive_a_crash() {
    let test_db = TestDb::new();
    let db = test_db.url.clone();
    let (mut server, token) = serve_with_admin_and_category(&db).await;
    let http = reqwest::Client::new();
    let tid = start_thread(&server, &token, "Will this survive?").await;
    let mut acknowledged = Vec::new();
    let sends = (0..30).map(|n| {
        let (http, base, token) = (http.clone(), server.base.clone(), token.clone());
        tokio::spawn(async move {
            let r = http.post(format!("{base}/api/v1/threads/{tid}/posts")).bearer_auth(token).json(&json!({"body": format!("reply {n}")})).send().await.ok()?;
            (r.status() == StatusCode::CREATED).then_some(())?;
            r.json::<Value>().await.ok()
        })
    });
    for send in sends.collect::<Vec<_>>() {
        if let Some(post) = send.await.unwrap() {
            acknowledged.push(post["id"].as_i64().unwrap());
        }
    }
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.child.wait().unwrap();
    assert_eq!(acknowledged.len(), 30);

    let server = serve(&db);
    for id in acknowledged {
        let r = reqwest::get(format!("{}/api/v1/posts/{id}", server.base)).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "post {id} was acknowledged but lost");
    }
}

/// Killed without warning at a random moment while members post, round after
/// round: every reply that got its 201 is there afterwards, each with the live
/// event that announced it.
#[tokio::test]
async fn every_acknowledged_post_keeps_its_event_across_crashes() {
    let test_db = TestDb::new();
    let db = test_db.url.clone();
    let (mut server, token) = serve_with_admin_and_category(&db).await;
    let http = reqwest::Client::new();
    let tid = start_thread(&server, &token, "Crash after crash").await;
    let mut acknowledged: Vec<i64> = Vec::new();
    let mut seed = 0x2545_f491_u64;
    for round in 0..5 {
        let base = server.base.clone();
        let in_round = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let writers: Vec<_> = (0..8)
            .map(|w| {
                let (http, base, token, in_round) = (http.clone(), base.clone(), token.clone(), in_round.clone());
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    for n in 0.. {
                        let body = json!({"body": format!("round {round}, writer {w}, reply {n}")});
                        let Ok(r) = http.post(format!("{base}/api/v1/threads/{tid}/posts")).bearer_auth(&token).json(&body).send().await else { break };
                        if r.status() != StatusCode::CREATED {
                            break;
                        }
                        let Ok(post) = r.json::<Value>().await else { break };
                        mine.push(post["id"].as_i64().unwrap());
                        in_round.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    mine
                })
            })
            .collect();
        // Once writes are flowing, at a random moment.
        while in_round.load(std::sync::atomic::Ordering::Relaxed) < 4 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        tokio::time::sleep(Duration::from_millis(seed % 300)).await;
        server.child.kill().unwrap(); // SIGKILL, mid-write
        server.child.wait().unwrap();
        for writer in writers {
            acknowledged.extend(writer.await.unwrap());
        }
        server = serve(&db);
    }
    assert!(acknowledged.len() >= 20, "only {} replies were acknowledged", acknowledged.len());

    let announced: std::collections::HashSet<i64> = crate::support::raw_rows(&db, "SELECT post_id FROM events WHERE kind = 'post-created'")
        .await
        .into_iter()
        .map(|row| row[0].parse().unwrap())
        .collect();
    for id in &acknowledged {
        let r = reqwest::get(format!("{}/api/v1/posts/{id}", server.base)).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "post {id} was acknowledged but lost");
        assert!(announced.contains(id), "post {id} was saved without its event");
    }
    println!("{} acknowledged replies over 5 crashes, 0 lost, each with its event", acknowledged.len());
}

/// SIGTERM stops accepting work, finishes what is in flight, and exits 0.
#[tokio::test]
async fn sigterm_finishes_requests_in_flight_and_exits_cleanly() {
    let test_db = TestDb::new();
    let db = test_db.url.clone();
    let (mut server, token) = serve_with_admin_and_category(&db).await;
    let http = reqwest::Client::new();

    let sends: Vec<_> = (0..40)
        .map(|n| {
            let (http, base, token) = (http.clone(), server.base.clone(), token.clone());
            tokio::spawn(async move {
                let r = http
                    .post(format!("{base}/api/v1/threads"))
                    .bearer_auth(token)
                    .json(&json!({"category": "intro", "title": format!("Thread number {n}"), "body": "x"}))
                    .send()
                    .await;
                match r {
                    Ok(r) => Some(r.status()),
                    Err(e) => {
                        // Refused after shutdown began is fine; a half-answered request is not.
                        assert!(e.is_connect() || e.is_request(), "{e}");
                        None
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    let mut created = 0;
    for send in sends {
        if let Some(status) = send.await.unwrap() {
            assert_eq!(status, StatusCode::CREATED);
            created += 1;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "jogette did not stop after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status:?}");

    let server = serve(&db);
    let listing: Value = reqwest::get(format!("{}/api/v1/threads", server.base)).await.unwrap().json().await.unwrap();
    assert_eq!(listing["total"].as_i64().unwrap(), created, "every acknowledged thread is there, and nothing else");
}

/// Mail queued while the SMTP server is down waits in the outbox, through a
/// crash of Jogette itself, and goes out once, when both are back.
#[tokio::test]
async fn mail_waits_through_a_stopped_smtp_server_and_a_crash_and_goes_once() {
    let Some(mut sink) = crate::support::SmtpSink::start() else { return };
    sink.stop();
    let db = TestDb::new();
    let smtp = sink.url();
    // A crash may come while a message is claimed: its lease (2 s here) lets the restarted node take it.
    let flags = ["--smtp-url", smtp.as_str(), "--mail-retry-ms", "100", "--mailer-poll-seconds", "1", "--mail-lease-seconds", "2"];
    let mut server = serve_with(&db.url, &flags);
    let names = ["ann_a", "ben_b", "cat_c", "dee_d"];
    for name in names {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/users", server.base))
            .json(&json!({"username": name, "password": PASSWORD, "email": format!("{name}@example.org")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    // Every message has been tried and failed at least once.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let rows = crate::support::raw_rows(&db.url, "SELECT attempts FROM outbox WHERE settled_at IS NULL").await;
        if rows.len() == names.len() && rows.iter().all(|r| r[0] != "0") {
            break;
        }
        assert!(Instant::now() < deadline, "not tried: {rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Jogette dies mid-retry, the SMTP server comes back, Jogette starts again.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    sink.resume();
    let _server = serve_with(&db.url, &flags);
    for name in names {
        // Each at its next retry: the backoff it had reached is kept across the restart.
        assert_eq!(sink.wait_for(&format!("{name}@example.org"), 1, Duration::from_secs(40)).await.len(), 1, "{name}'s confirmation arrives");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.messages().len(), names.len(), "none twice");
    let settled = crate::support::raw_rows(&db.url, "SELECT outcome FROM outbox").await;
    assert!(settled.iter().all(|r| r[0] == "sent"), "{settled:?}");
}
