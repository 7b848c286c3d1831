//! Bad input gets a clear answer: problem+json for API clients, a page for browsers.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let server = TestServer::start().await;
    let r = reqwest::Client::new()
        .post(server.url("/api/v1/users"))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let problem: Value = r.json().await.unwrap();
    assert_eq!((problem["status"].as_i64(), problem["title"].as_str()), (Some(400), Some("We couldn't read that request")));
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_named() {
    let server = TestServer::start().await;
    let r = server.api().post("/api/v1/users", json!({"username": "someone"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "password");
    let r = server.api().post("/api/v1/users", json!({"username": 42, "password": "x"})).await;
    assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "username");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused() {
    let server = TestServer::start().await;
    let r = reqwest::Client::new().post(server.url("/api/v1/sessions")).body("username=x").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn unknown_things_are_404_in_the_form_the_client_wants() {
    let server = TestServer::start().await;
    for path in ["/api/v1/posts/12345", "/api/v1/threads/777", "/api/v1/users/nobody", "/api/v1/nothing-here"] {
        let r = server.api().get(path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{path}");
    }
    let page = server.browser().open("/t/999/missing").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(page.text("main h1"), ["We couldn't find that page"]);
    let r = server.api().get("/api/v1/posts/not-a-number").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn the_wrong_method_is_405() {
    let server = TestServer::start().await;
    let r = server.api().delete("/api/v1/categories").await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn guests_are_sent_to_log_in_before_composing() {
    let server = TestServer::start().await;
    let r = server.browser().http.get(server.url("/new-thread")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=%2Fnew-thread");
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_nothing_is_posted() {
    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let browser = server.browser();
    browser.register("csrf_victim").await;
    let page = browser.submit("/new-thread", &[("category", "intro"), ("title", "Forged thread"), ("body", "x")]).await.unwrap_err();
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = browser.submit("/new-thread", &[("csrf", "0123456789abcdef"), ("category", "intro"), ("title", "Forged thread"), ("body", "x")]).await.unwrap_err();
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(server.api().get_json("/api/v1/threads").await["total"], 0);
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let csrf = browser.open("/login").await.csrf();
    let r = browser
        .http
        .post(server.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str()), ("username", "x"), ("password", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = browser.http.post(server.url("/login")).header("sec-fetch-site", "cross-site").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
