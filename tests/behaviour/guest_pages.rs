//! Pages kept for guests: a page many guests read is rendered once, every
//! guest sees each change at once, and no member's page ever reaches a guest
//! (or a guest's page a member).

use crate::support::*;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH, VARY};

/// One counter's value in `/metrics`.
async fn metric(server: &TestServer, name: &str) -> u64 {
    let text = reqwest::get(server.url("/metrics")).await.unwrap().text().await.unwrap();
    text.lines().find_map(|l| l.strip_prefix(name)?.trim().parse().ok()).unwrap_or_else(|| panic!("{name} in {text}"))
}

/// What `/metrics` says of the kept pages: (hits, misses).
async fn kept(server: &TestServer) -> (u64, u64) {
    (metric(server, "jogette_guest_page_hits_total").await, metric(server, "jogette_guest_page_misses_total").await)
}

async fn guest_reads(server: &TestServer, path: &str) -> String {
    let r = reqwest::get(server.url(path)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.unwrap()
}

#[tokio::test]
async fn a_thread_many_guests_read_is_rendered_once_and_shows_each_new_reply_at_once() {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries").await;
    let ann = server.member("ann_runs").await;
    let thread = ann.thread("injuries", "Upper back ache after runs", "Worse on waking. Physio?").await;
    let url = thread["url"].as_str().unwrap().to_owned();

    let first = guest_reads(&server, &url).await;
    let before = server.queries().await;
    let (hits, misses) = kept(&server).await;
    for _ in 0..5 {
        assert_eq!(guest_reads(&server, &url).await, first, "every guest sees the same page");
    }
    assert_eq!(server.queries().await - before, 0, "later guests cost no statements");
    assert_eq!(kept(&server).await, (hits + 5, misses));

    ann.reply(thread["id"].as_i64().unwrap(), "Tennis ball against a wall helped me", None).await;
    let after = guest_reads(&server, &url).await;
    assert!(after.contains("Tennis ball against a wall"), "the reply shows to the very next guest");
    // Lists and profiles move on with it.
    assert!(guest_reads(&server, "/").await.contains("Upper back ache after runs"));
    let profile = guest_reads(&server, "/u/ann_runs").await;
    assert_eq!(guest_reads(&server, "/u/ann_runs").await, profile);
    ann.reply(thread["id"].as_i64().unwrap(), "Relaxing my shoulders helped too", None).await;
    assert!(guest_reads(&server, "/u/ann_runs").await.contains("Relaxing my shoulders"));
}

#[tokio::test]
async fn guests_arriving_together_after_a_change_wait_for_one_render() {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries").await;
    let ann = server.member("ann_runs").await;
    let thread = ann.thread("injuries", "Achilles stiff in the mornings", "Eases after ten minutes").await;
    let url = thread["url"].as_str().unwrap().to_owned();
    guest_reads(&server, &url).await;
    ann.reply(thread["id"].as_i64().unwrap(), "Heel drops helped me", None).await;
    let (hits, misses) = kept(&server).await;
    let readers = (0..24).map(|_| guest_reads(&server, &url));
    let pages = futures_util::future::join_all(readers).await;
    assert!(pages.iter().all(|p| p.contains("Heel drops helped me")));
    assert_eq!(kept(&server).await, (hits + 23, misses + 1), "one render, shared by the rest");
}

#[tokio::test]
async fn a_browser_that_already_has_the_page_is_told_it_has_not_changed() {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries").await;
    let ann = server.member("ann_runs").await;
    let thread = ann.thread("injuries", "Shin splints", "Both shins ache").await;
    let url = server.url(thread["url"].as_str().unwrap());
    let http = reqwest::Client::new();

    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.headers()[CACHE_CONTROL], "no-cache", "a browser must ask again each time");
    assert_eq!(page.headers()[VARY], "Cookie", "and no shared cache gives it to a member");
    let etag = page.headers()[ETAG].clone();
    assert!(etag.to_str().unwrap().starts_with("W/\""), "{etag:?}");
    // Served again as kept: the same tag.
    let again = http.get(&url).send().await.unwrap();
    assert_eq!(again.headers()[ETAG], etag);

    let unchanged = http.get(&url).header(IF_NONE_MATCH, etag.clone()).send().await.unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.headers()[ETAG], etag);
    assert!(unchanged.bytes().await.unwrap().is_empty());

    ann.reply(thread["id"].as_i64().unwrap(), "Calf raises helped me", None).await;
    let changed = http.get(&url).header(IF_NONE_MATCH, etag.clone()).send().await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK, "a new reply is a new page");
    assert_ne!(changed.headers()[ETAG], etag);
    assert!(changed.text().await.unwrap().contains("Calf raises"));

    // Feeds keep their own policy and answer the same way.
    let feed = http.get(server.url("/feed.atom")).send().await.unwrap();
    assert_eq!(feed.headers()[CACHE_CONTROL], "public, max-age=60");
    let tag = feed.headers()[ETAG].clone();
    let feed_again = http.get(server.url("/feed.atom")).header(IF_NONE_MATCH, tag).send().await.unwrap();
    assert_eq!(feed_again.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn members_and_guests_never_see_each_others_pages() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("injuries", "Injuries").await;
    let r = admin.post("/api/v1/categories", serde_json::json!({"slug": "private", "name": "Members only", "members_only": true})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let ann = server.member("ann_runs").await;
    let thread = ann.thread("injuries", "Knee clicks", "On the stairs, no pain").await;
    let url = thread["url"].as_str().unwrap().to_owned();
    let secret = ann.thread("private", "Something private", "Only for members' eyes").await;

    let guest = server.browser();
    let first = guest.open(&url).await;
    assert!(first.select("form[action='/logout']").is_empty());
    let member = server.browser();
    assert!(member.fill("/login", "/login", &[("username", "ann_runs"), ("password", PASSWORD)]).await.is_ok());
    // The member asks for the page a guest just had kept: theirs is their own.
    let theirs = member.open(&url).await;
    assert_eq!(theirs.select("form[action='/logout']").len(), 1, "{theirs:?}");
    assert!(!theirs.select(&format!("form[action='/t/{}/reply']", thread["id"])).is_empty());
    // And the guest asking after them gets no trace of the member.
    let later = guest.open(&url).await;
    assert!(later.select("form[action='/logout']").is_empty());
    assert!(later.select("input[name=csrf]").is_empty(), "a guest's page carries nobody's form token");
    assert!(later.select("a.me").is_empty());
    assert!(!later.html.html().contains(&member.cookie("jogette_csrf").unwrap()));

    // A members-only thread that a member just read still shows guests only its teaser.
    let secret_url = secret["url"].as_str().unwrap();
    assert!(member.open(secret_url).await.select("article.post.teaser").is_empty());
    for _ in 0..2 {
        let page = server.browser().open(secret_url).await;
        assert_eq!(page.select("article.post.teaser").len(), 1, "{page:?}");
        assert!(page.select("article.post:not(.teaser)").is_empty(), "{page:?}");
    }
    // A client with a bearer token is a member, never a guest.
    let with_token = reqwest::Client::new().get(server.url(&url)).bearer_auth(ann.token.clone().unwrap()).send().await.unwrap();
    assert!(with_token.text().await.unwrap().contains("class=\"me\">ann_runs</a>"));
}

#[tokio::test]
async fn a_reply_on_another_node_reaches_the_guests_of_this_one_at_once() {
    if !on_postgres() {
        return; // Several nodes need PostgreSQL; one SQLite process sees its own writes.
    }
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries").await;
    let ann = server.member("ann_runs").await;
    let thread = ann.thread("injuries", "Calf tightness", "Tight after hills").await;
    let url = thread["url"].as_str().unwrap().to_owned();
    let other = server.another_node().await;
    // Let the other node's listener connect, then keep the page here.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    guest_reads(&server, &url).await;
    let kept_at = std::time::Instant::now();
    let mut on_other = other.api();
    on_other.token = ann.token.clone();
    on_other.reply(thread["id"].as_i64().unwrap(), "Foam roller before bed", None).await;
    // Well inside the time a kept page lives: only the other node's signal can explain it.
    loop {
        if guest_reads(&server, &url).await.contains("Foam roller before bed") {
            break;
        }
        assert!(kept_at.elapsed() < std::time::Duration::from_millis(1500), "the page followed the other node's reply");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Each post's (thanked, author_muted) as `member` reads the thread's first page.
async fn marks(member: &Api, thread_id: i64) -> Vec<(bool, bool)> {
    let page = member.get_json(&format!("/api/v1/threads/{thread_id}?page=1")).await;
    page["posts"].as_array().unwrap().iter().map(|p| (p["thanked"] == true, p["author_muted"] == true)).collect()
}

#[tokio::test]
async fn members_reading_a_thread_from_memory_each_see_their_own_thanks_and_mutes_and_every_new_reply() {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries").await;
    let ann = server.member("ann_runs").await;
    let bob = server.member("bob_runs").await;
    let kit = server.member("kit_runs").await;
    let thread = ann.thread("injuries", "Upper back ache after runs", "Worse on waking. Physio?").await;
    let id = thread["id"].as_i64().unwrap();
    bob.reply(id, "Is it your back or your shoulders?", None).await;
    bob.put(&format!("/api/v1/posts/{}/thanks", thread["first_post"]["id"])).await;
    assert_eq!(kit.put("/api/v1/users/bob_runs/mute").await.status(), StatusCode::NO_CONTENT);

    let before = metric(&server, "jogette_kept_posts_hits_total").await;
    assert_eq!(marks(&ann, id).await, [(false, false), (false, false)]);
    assert_eq!(marks(&bob, id).await, [(true, false), (false, false)], "bob thanked the opening post");
    assert_eq!(marks(&kit, id).await, [(false, false), (false, true)], "kit muted bob");
    assert_eq!(marks(&bob, id).await, [(true, false), (false, false)]);
    let after = metric(&server, "jogette_kept_posts_hits_total").await;
    assert!(after >= before + 3, "later readers were served the posts from memory: {before} then {after}");

    // A change shows to the very next reader, with their own marks.
    bob.delete(&format!("/api/v1/posts/{}/thanks", thread["first_post"]["id"])).await;
    ann.reply(id, "My shoulders, I think. Tennis ball helped!", None).await;
    assert_eq!(marks(&bob, id).await, [(false, false), (false, false), (false, false)]);
    assert_eq!(marks(&kit, id).await, [(false, false), (false, true), (false, false)]);
}
