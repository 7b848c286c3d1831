//! Reads are cheap: a thread page costs the same few queries whatever its length.

use crate::support::*;
use reqwest::StatusCode;

async fn thread_with_posts(server: &TestServer, member: &Api, title: &str, posts: usize) -> (i64, String) {
    let thread = member.thread("intro", title, "First post @site_admin").await;
    let tid = thread["id"].as_i64().unwrap();
    let mut previous = thread["first_post"]["id"].as_i64();
    for n in 2..=posts {
        let reply = member.reply(tid, &format!("Reply {n} to @site_admin"), previous).await;
        previous = reply["id"].as_i64();
    }
    let _ = server;
    (tid, thread["url"].as_str().unwrap().to_owned())
}

/// Counts the SQL statements one request runs.
async fn cost(server: &TestServer, request: impl std::future::Future<Output = StatusCode>) -> u64 {
    let before = server.queries().await;
    assert_eq!(request.await, StatusCode::OK);
    server.queries().await - before
}

#[tokio::test]
async fn a_fifty_post_thread_costs_a_fixed_number_of_queries() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("intro", "Introductions").await;
    let member = server.member("chatty").await;
    let (short_id, short_url) = thread_with_posts(&server, &member, "A short thread", 5).await;
    let (long_id, long_url) = thread_with_posts(&server, &member, "A long thread", 50).await;
    // Thanks from the reader, so "have I thanked this?" is part of what is measured.
    for id in [short_id, long_id] {
        let posts = admin.get_json(&format!("/api/v1/threads/{id}")).await;
        for p in posts["posts"].as_array().unwrap().iter().step_by(2) {
            admin.put(&format!("/api/v1/posts/{}/thanks", p["id"])).await;
        }
    }

    let guest = server.browser();
    let reader = server.browser();
    let to = reader.fill("/login", "/login", &[("username", "site_admin"), ("password", PASSWORD)]).await;
    assert!(to.is_ok());

    for (url, api) in [(&short_url, format!("/api/v1/threads/{short_id}")), (&long_url, format!("/api/v1/threads/{long_id}"))] {
        // Thread, then one page of posts with authors, reply context and thanks.
        assert_eq!(cost(&server, async { guest.open(url).await.status }).await, 2, "guest HTML {url}");
        assert_eq!(cost(&server, async { server.api().get(&api).await.status() }).await, 2, "guest API {api}");
        // Plus the session lookup.
        assert_eq!(cost(&server, async { reader.open(url).await.status }).await, 3, "member HTML {url}");
        assert_eq!(cost(&server, async { admin.get(&api).await.status() }).await, 3, "member API {api}");
    }
    let page = reader.open(&long_url).await;
    assert_eq!(page.select("article.post").len(), 20);
    assert_eq!(page.select("article.post .reply-to").len(), 19);
}
