//! Crash safety: sixteen members write at once (replies, thanks, edits,
//! flags, run logs) and the server is killed with SIGKILL at a random moment,
//! round after round. After each restart every write that got a success
//! answer is there, intact, with its event, and the database passes its
//! integrity check. On PostgreSQL the app is killed; a separate test (run by
//! scripts/test against a throwaway cluster) kills PostgreSQL itself.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WRITERS: usize = 16;

/// What one member saw acknowledged, and what they sent without hearing back.
#[derive(Default, Clone)]
struct Acked {
    replies: Vec<i64>,
    /// An edited post's last acknowledged body, and those sent since without
    /// an answer (the crash came first: each may or may not have committed).
    edits: HashMap<i64, (String, Vec<String>)>,
    thanked: Vec<i64>,
    flagged: Vec<i64>,
    runs: Vec<i64>,
}

impl Acked {
    fn count(&self) -> usize {
        self.replies.len() + self.edits.values().filter(|(body, _)| !body.is_empty()).count() + self.thanked.len() + self.flagged.len() + self.runs.len()
    }
}

struct Member {
    user_id: i64,
    http: reqwest::Client,
    token: String,
}

/// The members writing, where, and every reply so far (with its author's
/// index, for others to thank and flag).
struct Crowd {
    base: String,
    members: Vec<Arc<Member>>,
    thread: i64,
    pool: Mutex<Vec<(i64, usize)>>,
}

impl Crowd {
    /// The same members and replies, writing to the server restarted at `base`.
    fn restarted_at(&self, base: &str) -> Arc<Crowd> {
        let pool = self.pool.lock().unwrap().clone();
        Arc::new(Crowd { base: base.to_owned(), members: self.members.clone(), thread: self.thread, pool: Mutex::new(pool) })
    }
}

/// One member writing until the server stops answering.
async fn write_until_stopped(crowd: Arc<Crowd>, me: usize, mut acked: Acked, round: usize, started: Arc<std::sync::atomic::AtomicUsize>) -> Acked {
    let (base, member, thread, pool) = (&crowd.base, &crowd.members[me], crowd.thread, &crowd.pool);
    let send = |method: reqwest::Method, path: String, body: Option<Value>| {
        let mut r = member.http.request(method, format!("{base}{path}")).bearer_auth(&member.token);
        if let Some(body) = body {
            r = r.json(&body);
        }
        r.send()
    };
    for n in 0.. {
        let outcome = match n % 5 {
            0 => match send(reqwest::Method::POST, format!("/api/v1/threads/{thread}/posts"), Some(json!({"body": format!("round {round}, member {me}, reply {n}")}))).await {
                Ok(r) if r.status() == StatusCode::CREATED => match r.json::<Value>().await {
                    Ok(v) => {
                        let id = v["id"].as_i64().unwrap();
                        acked.replies.push(id);
                        pool.lock().unwrap().push((id, me));
                        Ok(())
                    }
                    Err(_) => Err(()),
                },
                _ => Err(()),
            },
            1 | 3 => {
                let thanking = n % 5 == 1;
                let done = if thanking { &acked.thanked } else { &acked.flagged };
                let target = pool.lock().unwrap().iter().rev().find(|(id, author)| *author != me && !done.contains(id)).map(|(id, _)| *id);
                let Some(post) = target else { continue };
                let sent = if thanking {
                    send(reqwest::Method::PUT, format!("/api/v1/posts/{post}/thanks"), None).await
                } else {
                    send(reqwest::Method::POST, format!("/api/v1/posts/{post}/flags"), Some(json!({"reason": "spam"}))).await
                };
                match sent {
                    Ok(r) if r.status().is_success() => {
                        if thanking { acked.thanked.push(post) } else { acked.flagged.push(post) }
                        Ok(())
                    }
                    // A post hidden by flags can't be thanked: a refusal, not a crash.
                    Ok(r) if r.status().is_client_error() => Ok(()),
                    _ => Err(()),
                }
            }
            2 => {
                let Some(&post) = acked.replies.get(n % acked.replies.len().max(1)) else { continue };
                let body = format!("edited in round {round} by member {me}, step {n}");
                match send(reqwest::Method::PATCH, format!("/api/v1/posts/{post}"), Some(json!({"body": body.clone()}))).await {
                    Ok(r) if r.status() == StatusCode::OK => {
                        acked.edits.insert(post, (body, Vec::new()));
                        Ok(())
                    }
                    // Refused: nothing changed.
                    Ok(r) if r.status().is_client_error() => Ok(()),
                    _ => {
                        acked.edits.entry(post).or_insert_with(|| (String::new(), Vec::new())).1.push(body);
                        Err(())
                    }
                }
            }
            _ => {
                let client = format!("crash-{round}-{me}-{n}");
                match send(reqwest::Method::POST, "/api/v1/runs".into(), Some(json!({"date": "2026-12-01", "client_id": client}))).await {
                    Ok(r) if r.status() == StatusCode::CREATED => match r.json::<Value>().await {
                        Ok(v) => {
                            acked.runs.push(v["id"].as_i64().unwrap());
                            Ok(())
                        }
                        Err(_) => Err(()),
                    },
                    _ => Err(()),
                }
            }
        };
        if outcome.is_err() {
            break;
        }
        started.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    acked
}

/// Rows of `sql` as sets of their first two columns.
async fn pairs(db: &str, sql: &str) -> HashSet<(i64, i64)> {
    raw_rows(db, sql).await.into_iter().map(|r| (r[0].parse().unwrap(), r.get(1).map_or(0, |c| c.parse().unwrap_or(0)))).collect()
}

/// Every acknowledged write is there, intact, with its event.
async fn verify(db: &str, members: &[Arc<Member>], all: &[Acked]) -> usize {
    if db.starts_with("sqlite://") {
        assert_eq!(raw_rows(db, "PRAGMA integrity_check").await, [["ok"]], "integrity check");
    }
    let posts: HashMap<i64, String> = raw_rows(db, "SELECT id, body FROM posts").await.into_iter().map(|r| (r[0].parse().unwrap(), r[1].clone())).collect();
    let events = pairs(db, "SELECT post_id, 0 FROM events WHERE kind = 'post-created' AND post_id IS NOT NULL").await;
    let edited_events = pairs(db, "SELECT post_id, 0 FROM events WHERE kind = 'post-edited' AND post_id IS NOT NULL").await;
    let thanks_events = pairs(db, "SELECT post_id, 0 FROM events WHERE kind = 'thanks' AND post_id IS NOT NULL").await;
    let thanks = pairs(db, "SELECT post_id, user_id FROM thanks").await;
    let flags = pairs(db, "SELECT post_id, user_id FROM flags").await;
    let runs = pairs(db, "SELECT id, 0 FROM runs").await;
    let mut checked = 0;
    for (member, acked) in members.iter().zip(all) {
        for id in &acked.replies {
            assert!(posts.contains_key(id), "reply {id} was acknowledged but lost");
            assert!(events.contains(&(*id, 0)), "reply {id} was saved without its event");
        }
        for (post, (body, unanswered)) in &acked.edits {
            if body.is_empty() {
                continue;
            }
            let stored = &posts[post];
            assert!(stored == body || unanswered.contains(stored), "post {post} holds {stored:?}, not its acknowledged edit {body:?}");
            assert!(edited_events.contains(&(*post, 0)), "the edit of {post} has no event");
        }
        for post in &acked.thanked {
            assert!(thanks.contains(&(*post, member.user_id)), "thanks for {post} by {} lost", member.user_id);
            assert!(thanks_events.contains(&(*post, 0)), "thanks for {post} has no event");
        }
        for post in &acked.flagged {
            assert!(flags.contains(&(*post, member.user_id)), "flag on {post} by {} lost", member.user_id);
        }
        for run in &acked.runs {
            assert!(runs.contains(&(*run, 0)), "run {run} lost");
        }
        checked += acked.count();
    }
    checked
}

async fn crowd(base: &str, admin_token: &str) -> Arc<Crowd> {
    let http = reqwest::Client::new();
    let mut members = Vec::new();
    for m in 0..WRITERS {
        let name = format!("crash_writer_{m}");
        let r = http.post(format!("{base}/api/v1/users")).json(&json!({"username": name, "password": PASSWORD})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let token = login(base, &name).await;
        let me: Value = http.get(format!("{base}/api/v1/me")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        members.push(Arc::new(Member { user_id: me["id"].as_i64().unwrap(), http: http.clone(), token }));
    }
    // The flags of sixteen members would hide most posts at the default of three.
    let r = http.put(format!("{base}/api/v1/settings/moderation")).bearer_auth(admin_token).json(&json!({"flags_to_hide": 50, "approve_first_posts": 0})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = http.post(format!("{base}/api/v1/threads")).bearer_auth(admin_token).json(&json!({"category": "intro", "title": "Crash after crash", "body": "Write away."})).send().await.unwrap();
    let thread = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    Arc::new(Crowd { base: base.to_owned(), members, thread, pool: Mutex::default() })
}

/// One round: everyone writes, then `crash` happens once writes flow; returns each member's record.
async fn round(crowd: &Arc<Crowd>, all: Vec<Acked>, round: usize, delay_ms: u64, crash: impl FnOnce()) -> Vec<Acked> {
    let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let writers: Vec<_> = all.into_iter().enumerate().map(|(i, acked)| tokio::spawn(write_until_stopped(crowd.clone(), i, acked, round, started.clone()))).collect();
    while started.load(std::sync::atomic::Ordering::Relaxed) < WRITERS {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    crash();
    let mut out = Vec::new();
    for w in writers {
        out.push(w.await.unwrap());
    }
    out
}

fn next_delay(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed % 400
}

#[tokio::test]
async fn every_acknowledged_write_survives_thirty_crashes_intact_with_its_event() {
    let rounds: usize = std::env::var("JOGETTE_CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(30);
    let test_db = TestDb::new();
    let db = test_db.url.clone();
    let (mut server, admin) = serve_with_admin_and_category(&db).await;
    let mut crowd = crowd(&server.base, &admin).await;
    let mut all = vec![Acked::default(); WRITERS];
    let mut seed = 0x9e37_79b9_u64;
    for r in 0..rounds {
        let child = &mut server.child;
        all = round(&crowd, all, r, next_delay(&mut seed), || {
            child.kill().unwrap(); // SIGKILL, mid-write
            child.wait().unwrap();
        })
        .await;
        server = serve(&db);
        crowd = crowd.restarted_at(&server.base);
        verify(&db, &crowd.members, &all).await;
    }
    let checked = verify(&db, &crowd.members, &all).await;
    let writes = all.iter().map(|a| (a.replies.len(), a.edits.len(), a.thanked.len(), a.flagged.len(), a.runs.len())).fold((0, 0, 0, 0, 0), |t, a| (t.0 + a.0, t.1 + a.1, t.2 + a.2, t.3 + a.3, t.4 + a.4));
    assert!(checked >= rounds * WRITERS, "only {checked} writes were acknowledged");
    println!(
        "{}: {checked} acknowledged writes over {rounds} SIGKILLs, 0 lost ({} replies, {} posts edited, {} thanks, {} flags, {} runs)",
        if db.starts_with("sqlite") { "SQLite" } else { "PostgreSQL" },
        writes.0,
        writes.1,
        writes.2,
        writes.3,
        writes.4
    );
}

/// PostgreSQL itself dies (immediate shutdown: no checkpoint, no goodbye)
/// while sixteen members write, then starts again: every acknowledged write
/// is there. Needs a cluster of its own, which scripts/test starts
/// (`scripts/pg-replica`), so it is run explicitly from there.
#[tokio::test]
#[ignore = "needs a throwaway PostgreSQL it may kill: run by scripts/test"]
async fn every_acknowledged_write_survives_postgresql_itself_crashing() {
    let primary = std::env::var("JOGETTE_TEST_PG_PRIMARY").expect("JOGETTE_TEST_PG_PRIMARY: a PostgreSQL this test may kill");
    let cluster = std::env::var("JOGETTE_TEST_PG_DIR").expect("JOGETTE_TEST_PG_DIR: the throwaway cluster's folder");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg-replica");
    let schema = format!("crash_{}", &jogette::app::accounts::new_token()[..10].to_ascii_lowercase());
    let (admin_client, connection) = tokio_postgres::connect(&primary, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    admin_client.batch_execute(&format!("CREATE SCHEMA {schema}")).await.unwrap();
    drop(admin_client);
    let db = format!("{primary}?options=-c%20search_path%3D{schema}");
    let (server, admin) = serve_with_admin_and_category(&db).await;
    let mut crowd = crowd(&server.base, &admin).await;
    let mut all = vec![Acked::default(); WRITERS];
    // Two rounds with the app killed, then one with PostgreSQL killed under it.
    let mut server = server;
    for r in 0..2 {
        let child = &mut server.child;
        all = round(&crowd, all, r, 150, || {
            child.kill().unwrap();
            child.wait().unwrap();
        })
        .await;
        server = serve(&db);
        crowd = crowd.restarted_at(&server.base);
    }
    all = round(&crowd, all, 2, 200, || {
        let status = std::process::Command::new(script).args(["crash", &cluster]).status().unwrap();
        assert!(status.success(), "PostgreSQL stopped with -m immediate");
    })
    .await;
    let status = std::process::Command::new(script).args(["restart", &cluster]).status().unwrap();
    assert!(status.success(), "PostgreSQL started again");
    // The same app, still running, carries on once its database is back.
    let mut back = false;
    for _ in 0..100 {
        if reqwest::get(format!("{}/readyz", server.base)).await.is_ok_and(|r| r.status() == StatusCode::OK) {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the app is ready again once PostgreSQL is");
    let child = &mut server.child;
    all = round(&crowd, all, 3, 150, || {
        child.kill().unwrap();
        child.wait().unwrap();
    })
    .await;
    let checked = verify(&db, &crowd.members, &all).await;
    println!("PostgreSQL killed under the app: {checked} acknowledged writes, 0 lost");
}
