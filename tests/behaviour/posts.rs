//! Threads, replies, edits, deletion, thanks, mentions, listings and profiles.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn titles_and_bodies_are_checked() {
    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let member = server.member("checker").await;
    let r = member.post("/api/v1/threads", json!({"category": "intro", "title": "Hi", "body": " "})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = r.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title", "body"]);
    let r = member.post("/api/v1/threads", json!({"category": "nope", "title": "Hello there", "body": "x"})).await;
    assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "category");
    let long = "x".repeat(151);
    let r = member.post("/api/v1/threads", json!({"category": "intro", "title": long, "body": "x"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn guests_cannot_post_and_replies_must_answer_posts_in_the_same_thread() {
    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let member = server.member("poster").await;
    let a = member.thread("intro", "First thread here", "one").await;
    let b = member.thread("intro", "Second thread here", "two").await;
    let guest = server.api();
    let r = guest.post(&format!("/api/v1/threads/{}/posts", a["id"]), json!({"body": "hi"})).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = member.post(&format!("/api/v1/threads/{}/posts", a["id"]), json!({"body": "hi", "reply_to": b["first_post"]["id"]})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "reply_to");
    let r = member.post("/api/v1/threads/999/posts", json!({"body": "hi"})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn authors_edit_their_posts_and_earlier_versions_are_kept() {
    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let author = server.member("author").await;
    let other = server.member("other").await;
    let thread = author.thread("intro", "Editing my post", "First version").await;
    let id = thread["first_post"]["id"].as_i64().unwrap();

    assert_eq!(other.patch(&format!("/api/v1/posts/{id}"), json!({"body": "Hijacked"})).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.api().patch(&format!("/api/v1/posts/{id}"), json!({"body": "x"})).await.status(), StatusCode::UNAUTHORIZED);

    let r = author.patch(&format!("/api/v1/posts/{id}"), json!({"body": "Second version, with @other"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let post: Value = r.json().await.unwrap();
    assert_eq!(post["body"], "Second version, with @other");
    assert_eq!(post["mentions"], json!(["other"]));
    assert!(post["edited_at"].is_string());
    author.patch(&format!("/api/v1/posts/{id}"), json!({"body": "Third version"})).await;

    // Earlier versions are the author's and the moderators' to see: what was edited out stays private.
    let revisions = author.get_json(&format!("/api/v1/posts/{id}/revisions")).await;
    let bodies: Vec<&str> = revisions["revisions"].as_array().unwrap().iter().map(|r| r["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["First version", "Second version, with @other"]);
    assert_eq!(other.get(&format!("/api/v1/posts/{id}/revisions")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.api().get(&format!("/api/v1/posts/{id}/revisions")).await.status(), StatusCode::UNAUTHORIZED);

    let page = server.browser().open(thread["url"].as_str().unwrap()).await;
    assert_eq!(page.text("#p1 .edited"), ["edited"]);
    assert_eq!(page.text("#p1 .body"), ["Third version"]);
}

#[tokio::test]
async fn editing_through_the_form_keeps_the_text_when_it_is_invalid() {
    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let browser = server.browser();
    browser.register("formedit").await;
    let url = browser.fill("/new-thread", "/new-thread", &[("category", "intro"), ("title", "Form editing"), ("body", "Original")]).await.unwrap();
    let page = browser.open(&url).await;
    let edit = page.attr("#p1 footer a", "href").into_iter().find(|h| h.ends_with("/edit")).unwrap();
    let form = browser.open(&edit).await;
    assert_eq!(form.text("textarea#body"), ["Original"]);
    let invalid = browser.submit(&edit, &[("csrf", &form.csrf()), ("body", "   ")]).await.unwrap_err();
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.text("#body-error").len(), 1);
    let to = browser.submit(&edit, &[("csrf", &form.csrf()), ("body", "Changed")]).await.unwrap();
    assert_eq!(browser.open(&to).await.text("#p1 .body"), ["Changed"]);
}

#[tokio::test]
async fn a_deleted_post_shows_as_deleted_and_replies_to_it_still_make_sense() {
    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let ann = server.member("ann_runs").await;
    let bob = server.member("bob_runs").await;
    let thread = ann.thread("intro", "Deleting posts", "Opening").await;
    let tid = thread["id"].as_i64().unwrap();
    let regret = ann.reply(tid, "Something I regret saying", None).await;
    let answer = bob.reply(tid, "I disagree with that", regret["id"].as_i64()).await;

    assert_eq!(bob.delete(&format!("/api/v1/posts/{}", regret["id"])).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(ann.delete(&format!("/api/v1/posts/{}", regret["id"])).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(ann.delete(&format!("/api/v1/posts/{}", regret["id"])).await.status(), StatusCode::NOT_FOUND);

    let gone = server.api().get_json(&format!("/api/v1/posts/{}", regret["id"])).await;
    assert_eq!(gone["deleted"], true);
    assert_eq!(gone["body"], "");
    assert_eq!(gone["author"]["username"], "ann_runs");

    let page = server.browser().open(thread["url"].as_str().unwrap()).await;
    assert_eq!(page.text("#p2 .deleted-note"), ["This post was deleted by its author."]);
    assert!(!page.html.html().contains("Something I regret saying"));
    let context = page.text("#p3 .reply-to").remove(0);
    assert!(context.contains("In reply to ann_runs (#2)") && context.contains("that post was deleted"), "{context}");
    assert_eq!(answer["reply_to"], regret["id"]);
    let thread = server.api().get_json(&format!("/api/v1/threads/{tid}")).await;
    assert_eq!(thread["replies"], 1);
}

#[tokio::test]
async fn thanks_are_one_per_member_never_your_own_and_can_be_undone() {
    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let ann = server.member("ann_thanks").await;
    let bob = server.member("bob_thanks").await;
    let thread = ann.thread("intro", "Thank you all", "Helpful words").await;
    let post = format!("/api/v1/posts/{}/thanks", thread["first_post"]["id"]);

    assert_eq!(ann.put(&post).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.api().put(&post).await.status(), StatusCode::UNAUTHORIZED);
    let first: Value = bob.put(&post).await.json().await.unwrap();
    let second: Value = bob.put(&post).await.json().await.unwrap();
    assert_eq!((first["thanks"].as_i64(), second["thanks"].as_i64()), (Some(1), Some(1)));
    let mine = bob.get_json(&format!("/api/v1/posts/{}", thread["first_post"]["id"])).await;
    assert_eq!(mine["thanked"], true);
    let profile = server.api().get_json("/api/v1/users/ann_thanks").await;
    assert_eq!(profile["thanks_received"], 1);

    let undone: Value = bob.delete(&post).await.json().await.unwrap();
    assert_eq!(undone["thanks"], 0);
    let profile = server.api().get_json("/api/v1/users/ann_thanks").await;
    assert_eq!(profile["thanks_received"], 0);
}

#[tokio::test]
async fn mentions_match_members_without_regard_to_case_and_unknown_names_stay_text() {
    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let ann = server.member("Ann.Runs").await;
    server.member("bob-b").await;
    let body = "Hi @BOB-B, @ann.runs and @ghost_runner. Mail me at x@bob-b.com";
    // An email address in a post is pointed out first; the author may post anyway.
    let r = ann.post("/api/v1/threads", json!({"category": "intro", "title": "Mentions test", "body": body})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = ann.post("/api/v1/threads", json!({"category": "intro", "title": "Mentions test", "body": body, "contact_details_ok": true})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let thread: Value = r.json().await.unwrap();
    let post = &thread["first_post"];
    assert_eq!(post["mentions"], json!(["bob-b", "Ann.Runs"]));
    let html = post["html"].as_str().unwrap();
    assert!(html.contains(">@bob-b</a>") && html.contains("href=\"/u/Ann.Runs\""), "{html}");
    assert!(html.contains("@ghost_runner") && !html.contains("/u/ghost_runner"));
    assert!(!html.contains("/u/bob-b.com"));
}

#[tokio::test]
async fn categories_list_threads_by_last_activity_with_counts_and_pages() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("week", "Week by week").await;
    admin.post("/api/v1/categories", json!({"slug": "kit", "name": "Kit"})).await;
    let ann = server.member("ann_lists").await;
    let bob = server.member("bob_lists").await;
    let mut ids = Vec::new();
    for n in 1..=27 {
        ids.push(ann.thread("week", &format!("Week report {n:02}"), "Done").await["id"].as_i64().unwrap());
    }
    ann.thread("kit", "Shoes for wide feet", "Help").await;
    // A reply lifts the oldest thread to the top.
    bob.reply(ids[0], "Well done!", None).await;

    let page1 = server.api().get_json("/api/v1/threads?category=week").await;
    assert_eq!((page1["total"].as_i64(), page1["pages"].as_i64()), (Some(27), Some(2)));
    let first = &page1["threads"][0];
    assert_eq!((first["title"].as_str(), first["replies"].as_i64()), (Some("Week report 01"), Some(1)));
    assert_eq!(first["last_poster"]["username"], "bob_lists");
    assert_eq!(page1["threads"][1]["title"], "Week report 27");
    let page2 = server.api().get_json("/api/v1/threads?category=week&page=2").await;
    assert_eq!(page2["threads"].as_array().unwrap().len(), 2);

    let html = server.browser().open("/c/week").await;
    assert_eq!(html.text("ol.threads li .title")[0], "Week report 01");
    assert!(html.text("ol.threads li .meta")[0].contains("1 reply"));
    assert!(html.text("ol.threads li .meta")[0].contains("bob_lists"));
    assert_eq!(html.attr(".pagination a[rel=next]", "href")[0], "/c/week?page=2");
    assert_eq!(server.browser().open("/c/week?page=2").await.select("ol.threads li").len(), 2);

    let home = server.browser().open("/").await;
    assert_eq!(home.select("ol.threads li").len(), 25);
    assert_eq!(home.text("ol.threads li .title")[0], "Week report 01");
    assert_eq!(home.text("ol.threads li .title")[1], "Shoes for wide feet");
    assert_eq!(server.browser().open("/c/nowhere").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn long_threads_are_paginated_by_post_number() {
    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let ann = server.member("ann_pages").await;
    let thread = ann.thread("intro", "A long conversation", "Post 1").await;
    let tid = thread["id"].as_i64().unwrap();
    for n in 2..=45 {
        ann.reply(tid, &format!("Post {n}"), None).await;
    }
    let page3 = server.api().get_json(&format!("/api/v1/threads/{tid}?page=3")).await;
    assert_eq!(page3["pages"], 3);
    let numbers: Vec<i64> = page3["posts"].as_array().unwrap().iter().map(|p| p["number"].as_i64().unwrap()).collect();
    assert_eq!(numbers, (41..=45).collect::<Vec<_>>());
    assert_eq!(server.api().get(&format!("/api/v1/threads/{tid}?page=4")).await.status(), StatusCode::NOT_FOUND);
    let html = server.browser().open(&format!("/t/{tid}/a-long-conversation?page=2")).await;
    assert_eq!(html.text("#p21 .body"), ["Post 21"]);
    let r = server.browser().http.get(server.url(&format!("/p/{}", page3["posts"][0]["id"]))).send().await.unwrap();
    assert_eq!(r.headers()["location"], format!("/t/{tid}/a-long-conversation?page=3#p41"));
}

#[tokio::test]
async fn profiles_show_join_date_posts_thanks_and_recent_posts() {
    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let ann = server.member("ann_profile").await;
    let bob = server.member("bob_profile").await;
    let thread = ann.thread("intro", "Profile test thread", "Hello from Ann").await;
    let reply = ann.reply(thread["id"].as_i64().unwrap(), "Another post from Ann", None).await;
    bob.put(&format!("/api/v1/posts/{}/thanks", reply["id"])).await;

    let page = server.browser().open("/u/ANN_PROFILE").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("h1"), ["ann_profile"]);
    assert_eq!(page.text(".stats dd")[1..], ["2", "1"]);
    assert_eq!(page.text("ol.threads .excerpt"), ["Another post from Ann", "Hello from Ann"]);
    assert_eq!(server.browser().open("/u/nobody_at_all").await.status, StatusCode::NOT_FOUND);

    let json = server.api().get_json("/api/v1/users/ann_profile").await;
    assert_eq!((json["post_count"].as_i64(), json["thanks_received"].as_i64()), (Some(2), Some(1)));
    assert_eq!(json["recent_posts"].as_array().unwrap().len(), 2);
}

/// Replies to `thread_id` in number order, and the counters kept beside them
/// (thread posts and replies, the category's posts), straight from the database.
async fn numbers_and_counters(server: &TestServer, thread_id: i64) -> (Vec<i64>, Vec<String>) {
    let numbers = raw_rows(server.db_url(), &format!("SELECT number FROM posts WHERE thread_id = {thread_id} ORDER BY number")).await;
    let counters = raw_rows(
        server.db_url(),
        &format!("SELECT t.post_count, t.reply_count, t.last_number, c.post_count FROM threads t JOIN categories c ON c.id = t.category_id WHERE t.id = {thread_id}"),
    )
    .await;
    (numbers.iter().map(|r| r[0].parse().unwrap()).collect(), counters[0].clone())
}

/// A thread titled `title` and `count` members to answer it, named `prefix0`….
async fn thread_and_members(server: &TestServer, title: &str, prefix: &str, count: usize) -> (i64, Vec<Api>) {
    let admin = server.admin_with_category("chat", "Chat").await;
    let thread = admin.thread("chat", title, "Who is starting this week?").await;
    let mut members = Vec::new();
    for n in 0..count {
        members.push(server.member(&format!("{prefix}{n}")).await);
    }
    (thread["id"].as_i64().unwrap(), members)
}

/// A busy thread ("January starters") answered by many members at the same
/// moment: every reply is kept, numbered in turn with no gap, and every
/// counter agrees with what is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replies_sent_to_one_thread_at_once_are_all_kept_and_numbered_in_turn() {
    let server = TestServer::start().await;
    let (id, members) = thread_and_members(&server, "January starters", "starter", 8).await;
    let sent = members.iter().enumerate().flat_map(|(n, m)| (0..5).map(move |k| async move { m.reply(id, &format!("Starter {n}, run {k}: done and dusted."), None).await }));
    let replies = futures_util::future::join_all(sent).await;
    let mut numbers: Vec<i64> = replies.iter().map(|r| r["number"].as_i64().unwrap()).collect();
    numbers.sort();
    assert_eq!(numbers, (2..=41).collect::<Vec<_>>(), "each reply was answered with a number of its own");
    let (stored, counters) = numbers_and_counters(&server, id).await;
    assert_eq!(stored, (1..=41).collect::<Vec<_>>());
    assert_eq!(counters, ["41", "40", "41", "41"], "thread posts, thread replies, last number, category posts");
    let profile = server.api().get_json("/api/v1/users/starter3").await;
    assert_eq!(profile["post_count"], 5);
}

/// Among replies sent at the same moment, one the database refuses (here a
/// trigger stands in for any failure inside its transaction) fails alone: the
/// others are kept, and it leaves no gap in the numbering.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_that_fails_among_many_sent_at_once_fails_alone() {
    let server = TestServer::start().await;
    let (id, members) = thread_and_members(&server, "Week one check-in", "checkin", 6).await;
    let refuse = if on_postgres() {
        "CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF NEW.body LIKE '%refuse me%' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$; \
         CREATE TRIGGER refuse_marked BEFORE INSERT ON posts FOR EACH ROW EXECUTE FUNCTION refuse_marked();"
    } else {
        "CREATE TRIGGER refuse_marked BEFORE INSERT ON posts WHEN NEW.body LIKE '%refuse me%' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;"
    };
    raw_exec(server.db_url(), refuse).await;
    let path = format!("/api/v1/threads/{id}/posts");
    let sent = members.iter().enumerate().flat_map(|(n, m)| {
        let path = path.clone();
        (0..4).map(move |k| {
            let body = if (n, k) == (2, 1) { "Please refuse me, database.".to_owned() } else { format!("Check-in {n}.{k}: it went well.") };
            let path = path.clone();
            async move { m.post(&path, json!({ "body": body })).await.status() }
        })
    });
    let statuses = futures_util::future::join_all(sent).await;
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    assert_eq!(created, 23, "every reply but the refused one was kept: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| s.is_server_error()).count(), 1);
    let (stored, counters) = numbers_and_counters(&server, id).await;
    assert_eq!(stored, (1..=24).collect::<Vec<_>>(), "no number was lost to the refused reply");
    assert_eq!(counters, ["24", "23", "24", "24"]);
}

/// PostgreSQL breaks a deadlock by failing one of the transactions in it;
/// replies committed in groups can meet one (their rows are locked in no set
/// order), so a reply caught in one is written again, once, and kept. (SQLite
/// has one writer, and no deadlocks.)
#[tokio::test]
async fn a_reply_caught_in_a_deadlock_is_written_again_and_kept() {
    if !on_postgres() {
        return;
    }
    let server = TestServer::start().await;
    let (id, members) = thread_and_members(&server, "Shin splints in week three", "shins", 1).await;
    raw_exec(
        server.db_url(),
        "CREATE SEQUENCE deadlock_once; \
         CREATE FUNCTION deadlock_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF NEW.body ILIKE '%ice and rest%' AND nextval('deadlock_once') = 1 THEN \
             RAISE EXCEPTION 'deadlock detected, for the test' USING ERRCODE = '40P01'; END IF; RETURN NEW; END $$; \
         CREATE TRIGGER deadlock_once BEFORE INSERT ON posts FOR EACH ROW EXECUTE FUNCTION deadlock_once();",
    )
    .await;
    let reply = members[0].reply(id, "Ice and rest helped mine, and slowing right down.", None).await;
    assert_eq!(reply["number"], 2);
    let kept = raw_rows(server.db_url(), "SELECT count(*) FROM posts WHERE body ILIKE '%ice and rest%'").await;
    assert_eq!(kept[0][0], "1", "written once, not twice");
}
