//! Health, metrics, headers, the API description, and rate limits.

use crate::support::*;
use jogette::config::{RateLimits, Rule};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn health_and_readiness() {
    let server = TestServer::start().await;
    assert_eq!(server.api().get("/healthz").await.status(), StatusCode::OK);
    let ready = server.api().get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert!(server.queries().await > 0);
}

#[tokio::test]
async fn pages_carry_a_strict_content_security_policy_and_no_inline_script() {
    let server = TestServer::start().await;
    let r = server.api().get("/").await;
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let html = scraper::Html::parse_document(&r.text().await.unwrap());
    for script in html.select(&scraper::Selector::parse("script").unwrap()) {
        assert!(script.value().attr("src").is_some(), "inline script found");
        assert!(script.inner_html().trim().is_empty());
    }
    let css = server.api().get("/static/style.css").await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()["cache-control"].to_str().unwrap().contains("immutable"));
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_route() {
    let server = TestServer::start().await;
    let spec = server.api().get_json("/api/openapi.json").await;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = spec["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            operations += 1;
            assert!(op["responses"].is_object(), "{method} {path} lists its responses");
            // Every documented operation exists: the router answers something other than "no such route".
            let concrete = path.replace("{id}", "1").replace("{username}", "someone").replace("{slug}", "some-slug");
            let url = server.url(&concrete);
            let r = reqwest::Client::new()
                .request(method.to_uppercase().parse().unwrap(), &url)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_ne!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is not routed");
            if r.status() == StatusCode::NOT_FOUND {
                let problem: Value = r.json().await.unwrap();
                assert!(!problem["detail"].as_str().unwrap_or("").starts_with("There's no page at this address"), "{method} {path}");
            }
        }
    }
    // And every route the API serves is documented.
    let routed = include_str!("../../src/web/api/mod.rs")
        .lines()
        .filter_map(|l| l.trim().strip_prefix(".route(\""))
        .map(|l| format!("/api/v1{}", &l[..l.find('"').unwrap()]))
        .collect::<Vec<_>>();
    assert!(routed.len() >= 10);
    for route in routed {
        assert!(paths.contains_key(&route), "{route} is not in openapi.json");
    }
    assert!(operations >= 19, "{operations} operations");
}

#[tokio::test]
async fn logins_are_rate_limited_with_a_clear_429() {
    let limits = RateLimits { login: Some(Rule { burst: 3, per: Duration::from_secs(60) }), ..RateLimits::off() };
    let server = TestServer::with_limits(limits).await;
    server.member("limited").await;
    let api = server.api();
    for _ in 0..2 {
        let r = api.post("/api/v1/sessions", json!({"username": "limited", "password": "wrong password"})).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = api.post("/api/v1/sessions", json!({"username": "limited", "password": "wrong password"})).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["title"], "Please wait a moment");

    let page = server.browser().fill("/login", "/login", &[("username", "limited"), ("password", PASSWORD)]).await.unwrap_err();
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(page.text("main h1"), ["Please wait a moment"]);
}

#[tokio::test]
async fn registration_and_posting_are_rate_limited() {
    let limits = RateLimits {
        register: Some(Rule { burst: 2, per: Duration::from_secs(3600) }),
        post: Some(Rule { burst: 2, per: Duration::from_secs(60) }),
        ..RateLimits::off()
    };
    let server = TestServer::with_limits(limits).await;
    server.admin_with_category("intro", "Introductions").await;
    let poster = server.member("fast_poster").await;
    server.member("second_one").await;
    let r = server.api().post("/api/v1/users", json!({"username": "third_one", "password": PASSWORD})).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    let thread = poster.thread("intro", "Posting quickly", "one").await;
    poster.reply(thread["id"].as_i64().unwrap(), "two", None).await;
    let r = poster.post(&format!("/api/v1/threads/{}/posts", thread["id"]), json!({"body": "three"})).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}
