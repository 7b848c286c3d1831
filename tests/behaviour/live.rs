//! Live updates over Server-Sent Events, on one node and across nodes.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

/// Proxies drop connections that stay idle; a quiet stream still sends a
/// comment line at the configured interval (15 s unless set).
#[tokio::test]
async fn an_idle_stream_sends_keep_alive_comments() {
    let server = TestServer::configured(|c| c.sse_keep_alive = Duration::from_millis(200)).await;
    let mut stream = Stream::open(&server.base, "", None).await;
    let mut comments = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while comments < 3 {
        let Ok(chunk) = tokio::time::timeout_at(deadline, stream.response.chunk()).await else { break };
        let chunk = chunk.unwrap().expect("the stream stays open");
        comments += String::from_utf8_lossy(&chunk).lines().filter(|l| l.starts_with(':')).count();
    }
    assert!(comments >= 3, "{comments} keep-alive comments in 3 s at a 200 ms interval");
    assert!(stream.next(Duration::from_millis(300)).await.is_none(), "keep-alives are not events");
}

async fn thread_with_member(server: &TestServer) -> (Api, i64, i64) {
    server.admin_with_category("injuries", "Injuries and niggles").await;
    let member = server.member("live_poster").await;
    let thread = member.thread("injuries", "Live updates please", "First post").await;
    (member, thread["id"].as_i64().unwrap(), thread["first_post"]["id"].as_i64().unwrap())
}

#[tokio::test]
async fn a_new_reply_reaches_the_thread_stream_within_a_second() {
    let server = TestServer::start().await;
    let (member, thread_id, first) = thread_with_member(&server).await;
    let mut stream = Stream::open(&server.base, &format!("?thread={thread_id}"), None).await;
    let reply = member.reply(thread_id, "A live reply", Some(first)).await;
    let event = stream.next(Duration::from_secs(1)).await.expect("the reply arrives within a second");
    assert_eq!(event.event, "post-created");
    assert_eq!(event.data["post_id"], reply["id"]);
    assert_eq!(event.data["thread_id"], thread_id);
}

#[tokio::test]
async fn edits_deletions_and_thanks_reach_the_thread_stream() {
    let server = TestServer::start().await;
    let (member, thread_id, first) = thread_with_member(&server).await;
    let other = server.member("live_thanker").await;
    let mut stream = Stream::open(&server.base, &format!("?thread={thread_id}"), None).await;
    member.patch(&format!("/api/v1/posts/{first}"), json!({"body": "Edited first post"})).await;
    other.put(&format!("/api/v1/posts/{first}/thanks")).await;
    let reply = member.reply(thread_id, "Soon gone", None).await;
    member.delete(&format!("/api/v1/posts/{}", reply["id"])).await;
    let mut kinds = Vec::new();
    for _ in 0..4 {
        kinds.push(stream.next(Duration::from_secs(2)).await.expect("an event").event);
    }
    assert_eq!(kinds, ["post-edited", "thanks", "post-created", "post-deleted"]);
}

#[tokio::test]
async fn a_stream_sees_only_its_own_thread() {
    let server = TestServer::start().await;
    let (member, thread_id, _) = thread_with_member(&server).await;
    let other = member.thread("injuries", "Another thread entirely", "Hello").await;
    let mut stream = Stream::open(&server.base, &format!("?thread={thread_id}"), None).await;
    member.reply(other["id"].as_i64().unwrap(), "Elsewhere", None).await;
    member.reply(thread_id, "Here", None).await;
    let event = stream.next(Duration::from_secs(2)).await.unwrap();
    assert_eq!(event.data["thread_id"], thread_id);
}

#[tokio::test]
async fn reconnecting_with_last_event_id_replays_what_was_missed() {
    let server = TestServer::start().await;
    let (member, thread_id, first) = thread_with_member(&server).await;
    let mut stream = Stream::open(&server.base, &format!("?thread={thread_id}"), None).await;
    member.reply(thread_id, "Seen live", None).await;
    let seen = stream.next(Duration::from_secs(2)).await.unwrap();
    drop(stream); // the browser loses its connection

    let missed_a = member.reply(thread_id, "Missed one", Some(first)).await;
    let missed_b = member.reply(thread_id, "Missed two", None).await;
    let mut stream = Stream::open(&server.base, &format!("?thread={thread_id}"), Some(seen.id)).await;
    let a = stream.next(Duration::from_secs(2)).await.unwrap();
    let b = stream.next(Duration::from_secs(2)).await.unwrap();
    assert_eq!((a.data["post_id"].clone(), b.data["post_id"].clone()), (missed_a["id"].clone(), missed_b["id"].clone()));
    assert!(a.id > seen.id && b.id > a.id);
    // And then it carries on live.
    let live = member.reply(thread_id, "Live again", None).await;
    assert_eq!(stream.next(Duration::from_secs(1)).await.unwrap().data["post_id"], live["id"]);
}

#[tokio::test]
async fn home_and_category_streams_announce_new_and_updated_threads() {
    let server = TestServer::start().await;
    let (member, thread_id, first) = thread_with_member(&server).await;
    let mut home = Stream::open(&server.base, "", None).await;
    let mut category = Stream::open(&server.base, "?category=injuries", None).await;
    let thanker = server.member("list_thanker").await;
    thanker.put(&format!("/api/v1/posts/{first}/thanks")).await; // not a list change
    member.reply(thread_id, "Bump", None).await;
    let new = member.thread("injuries", "A brand new thread", "Hi").await;
    for stream in [&mut home, &mut category] {
        assert_eq!(stream.next(Duration::from_secs(2)).await.unwrap().event, "post-created");
        let created = stream.next(Duration::from_secs(2)).await.unwrap();
        assert_eq!((created.event.as_str(), created.data["thread_id"].clone()), ("thread-created", new["id"].clone()));
    }
    assert_eq!(server.api().get("/api/v1/events?category=nowhere").await.status(), StatusCode::NOT_FOUND);
}

/// A post and everything it leaves behind (its live event, its staff alert)
/// commit together: when the alert cannot be written, the reply is refused,
/// and neither the post nor its event exists.
#[tokio::test]
async fn a_reply_that_cannot_be_saved_whole_leaves_no_post_and_no_event() {
    let server = TestServer::start().await;
    let (member, thread_id, _) = thread_with_member(&server).await;
    let events_before = raw_rows(server.db_url(), "SELECT COUNT(*) FROM events").await[0][0].clone();
    // Staff alerts can no longer be stored.
    let sabotage = if on_postgres() {
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'alerts are down'; END $$; \
         CREATE TRIGGER refuse_alerts BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION refuse();"
    } else {
        "CREATE TRIGGER refuse_alerts BEFORE INSERT ON notifications BEGIN SELECT RAISE(ABORT, 'alerts are down'); END;"
    };
    raw_exec(server.db_url(), sabotage).await;
    let mut stream = Stream::open(&server.base, &format!("?thread={thread_id}"), None).await;

    let emergency = "Halfway round I got a crushing pain in my chest and it's spreading down my left arm.";
    let r = member.post(&format!("/api/v1/threads/{thread_id}/posts"), json!({"body": emergency})).await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(stream.next(Duration::from_millis(500)).await.is_none(), "no live update for a post that was not saved");
    let thread = member.get_json(&format!("/api/v1/threads/{thread_id}")).await;
    assert_eq!(thread["posts"].as_array().unwrap().len(), 1, "only the opening post");
    assert_eq!(raw_rows(server.db_url(), "SELECT COUNT(*) FROM events").await[0][0], events_before);

    // A reply with nothing to alert still goes through, with its event.
    let ok = member.reply(thread_id, "Ordinary news: a gentle jogette today.", None).await;
    assert_eq!(stream.next(Duration::from_secs(2)).await.expect("the next reply is live").data["post_id"], ok["id"]);
}

/// Two app nodes over one PostgreSQL: sessions and live updates cross between them,
/// and a node whose listener connection drops resyncs from the database.
#[tokio::test]
async fn two_nodes_share_sessions_and_live_updates() {
    let db = TestDb::postgres();
    let schema = db.schema().unwrap().to_owned();
    let node_a = TestServer::on(db).await;
    let node_b = node_a.another_node().await;
    let (member, thread_id, _) = thread_with_member(&node_a).await;

    // A session made on node A works on node B.
    let on_b = Api { base: node_b.base.clone(), ..member.clone() };
    assert_eq!(on_b.get_json("/api/v1/me").await["username"], "live_poster");

    // A reply posted through A reaches an SSE client on B within a second.
    let mut stream = Stream::open(&node_b.base, &format!("?thread={thread_id}"), None).await;
    let reply = member.reply(thread_id, "Posted on node A", None).await;
    let event = stream.next(Duration::from_secs(1)).await.expect("node B hears node A's reply within a second");
    assert_eq!(event.data["post_id"], reply["id"]);

    // Cut every listener of this database, post while they are down: nothing is lost.
    pg_admin(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{schema}' AND query LIKE 'LISTEN%'"
    ));
    let during = member.reply(thread_id, "Posted while node B was not listening", None).await;
    let event = stream.next(Duration::from_secs(10)).await.expect("node B resyncs after its listener reconnects");
    assert_eq!(event.data["post_id"], during["id"]);

    // A browser reconnecting to B with Last-Event-ID gets what it missed from A.
    let mut again = Stream::open(&node_b.base, &format!("?thread={thread_id}"), Some(event.id - 1)).await;
    assert_eq!(again.next(Duration::from_secs(1)).await.unwrap().data["post_id"], during["id"]);
}
