//! Atom feeds, read back by a real feed parser (Python's feedparser): valid
//! Atom, escaped right, carrying the cooked HTML, and never anything a guest
//! may not read.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// What feedparser makes of the feed at `path`.
async fn parse(server: &TestServer, path: &str) -> Option<Value> {
    let python = test_python()?;
    let r = reqwest::get(server.url(path)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    assert_eq!(r.headers()["content-type"], "application/atom+xml; charset=utf-8");
    let xml = r.bytes().await.unwrap();
    let mut child = std::process::Command::new(python)
        .arg(tool("feed_check.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &xml).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parsed["bozo"], false, "{path} is well-formed: {}", parsed["error"]);
    assert_eq!(parsed["version"], "atom10", "{path}");
    Some(parsed)
}

fn titles(feed: &Value) -> Vec<String> {
    feed["entries"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn every_feed_is_valid_atom_with_the_cooked_html_escaped_right() {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries & niggles").await;
    let ann = server.member("ann_runs").await;
    let thread = ann.thread("injuries", "Knees <and> stairs & \"hills\"", "It hurts **going down**. Tried <script>alert(1)</script> & ice, @ann_runs").await;
    let id = thread["id"].as_i64().unwrap();
    let reply = ann.reply(id, "Update: 'better' now < a week later > ok", None).await;
    let Some(latest) = parse(&server, "/feed.atom").await else { return };
    assert_eq!(latest["title"], "Jogette: new threads");
    assert_eq!(titles(&latest), ["Knees <and> stairs & \"hills\""]);
    let entry = &latest["entries"][0];
    assert_eq!(entry["author"], "ann_runs");
    assert_eq!(entry["link"], server.url(&format!("/t/{id}/knees-and-stairs-hills?page=1#p1")));
    let content = entry["content"].as_str().unwrap();
    assert!(content.contains("<strong>going down</strong>"), "{content}");
    assert!(!content.contains("<script"), "the cooked, sanitised HTML: {content}");
    assert!(content.contains(&format!("href=\"{}/u/ann_runs\"", server.base)), "links inside posts resolve against the forum: {content}");
    assert_eq!(entry["content_type"], "text/html");

    let category = parse(&server, "/c/injuries/feed.atom").await.unwrap();
    assert_eq!(category["title"], "Injuries & niggles: new threads");
    assert_eq!(titles(&category).len(), 1);
    let in_thread = parse(&server, &format!("/t/{id}/feed.atom")).await.unwrap();
    assert_eq!(titles(&in_thread), ["ann_runs replied in “Knees <and> stairs & \"hills\"”", "Knees <and> stairs & \"hills\""]);
    assert!(in_thread["entries"][0]["content"].as_str().unwrap().contains("&lt; a week later &gt;"));
    assert_eq!(in_thread["entries"][0]["id"], server.url(&format!("/p/{}", reply["id"])));
    let member = parse(&server, "/u/ann_runs/feed.atom").await.unwrap();
    assert_eq!(titles(&member).len(), 2);
    for path in ["/c/nowhere/feed.atom", "/t/999/feed.atom", "/u/nobody/feed.atom"] {
        assert_eq!(reqwest::get(server.url(path)).await.unwrap().status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn members_only_hidden_and_held_posts_never_reach_a_feed() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("injuries", "Injuries").await;
    let r = admin.post("/api/v1/categories", json!({"slug": "private", "name": "Members only", "members_only": true})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let ann = server.member("ann_runs").await;
    let secret = ann.thread("private", "Something private", "Only for members' eyes").await;
    let public = ann.thread("injuries", "Shin splints", "Both shins ache").await;
    let pid = public["id"].as_i64().unwrap();
    let hidden = ann.reply(pid, "A post a moderator will hide", None).await;
    let r = admin.post(&format!("/api/v1/mod/posts/{}/hide", hidden["id"]), json!({"reason": "Off topic"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let Some(latest) = parse(&server, "/feed.atom").await else { return };
    assert_eq!(titles(&latest), ["Shin splints"]);
    let thread = parse(&server, &format!("/t/{pid}/feed.atom")).await.unwrap();
    assert_eq!(titles(&thread), ["Shin splints"], "the hidden reply is left out");
    let member = parse(&server, "/u/ann_runs/feed.atom").await.unwrap();
    assert_eq!(titles(&member), ["ann_runs in “Shin splints”"]);
    let everything = [latest, thread, member].iter().map(|f| f.to_string()).collect::<String>();
    assert!(!everything.contains("private") && !everything.contains("moderator will hide"));
    for path in ["/c/private/feed.atom".to_owned(), format!("/t/{}/feed.atom", secret["id"])] {
        assert_eq!(reqwest::get(server.url(&path)).await.unwrap().status(), StatusCode::NOT_FOUND, "{path}");
    }
    // A thread held for approval has no feed yet.
    admin.put_json("/api/v1/settings/moderation", json!({"flags_to_hide": 3, "approve_first_posts": 1})).await;
    let newcomer = server.member("new_nia").await;
    let held = newcomer.thread("injuries", "My first thread", "Hello!").await;
    assert_eq!(reqwest::get(server.url(&format!("/t/{}/feed.atom", held["id"]))).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(titles(&parse(&server, "/feed.atom").await.unwrap()), ["Shin splints"]);
}

#[tokio::test]
async fn feeds_answer_304_while_nothing_changed() {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries").await;
    let ann = server.member("ann_runs").await;
    ann.thread("injuries", "Shin splints", "Both shins ache").await;
    let http = reqwest::Client::new();
    let first = http.get(server.url("/feed.atom")).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    // Weak: the same feed, gzipped or not, is the same version.
    assert!(etag.starts_with("W/\"") && etag.ends_with('"'), "{etag}");
    let again = http.get(server.url("/feed.atom")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
    ann.thread("injuries", "Calf cramps", "Mid-run cramps").await;
    let changed = http.get(server.url("/feed.atom")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
}

#[tokio::test]
async fn each_page_links_its_feed() {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries").await;
    let ann = server.member("ann_runs").await;
    let thread = ann.thread("injuries", "Shin splints", "Both shins ache").await;
    let browser = server.browser();
    let alternate = "link[rel=alternate][type='application/atom+xml']";
    for (page, feed) in [
        ("/".to_owned(), "/feed.atom".to_owned()),
        ("/c/injuries".to_owned(), "/c/injuries/feed.atom".to_owned()),
        (thread["url"].as_str().unwrap().to_owned(), format!("/t/{}/feed.atom", thread["id"])),
        ("/u/ann_runs".to_owned(), "/u/ann_runs/feed.atom".to_owned()),
    ] {
        let links = browser.open(&page).await.attr(alternate, "href");
        assert!(links.contains(&feed), "{page} links {feed}: {links:?}");
    }
}
