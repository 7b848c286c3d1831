//! Known XSS payloads posted as Markdown must come out inert, in the API's
//! stored HTML and on the thread page.

use crate::support::*;
use scraper::{Html, Selector};

const PAYLOADS: &str = include_str!("xss_payloads.txt");
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script", "iframe", "object", "embed", "svg", "math", "style", "form", "input", "button", "base", "meta",
    "link", "details", "marquee", "video", "source", "body",
];

fn assert_inert(html: &str, payload: &str) {
    let fragment = Html::parse_fragment(html);
    for element in fragment.select(&Selector::parse("*").unwrap()) {
        let name = element.value().name();
        assert!(!FORBIDDEN_ELEMENTS.contains(&name), "<{name}> survived {payload:?}: {html}");
        for (attr, value) in element.value().attrs() {
            assert!(!attr.starts_with("on"), "{attr} survived {payload:?}: {html}");
            assert!(!matches!(attr, "style" | "srcdoc" | "formaction"), "{attr} survived {payload:?}");
            let squashed: String = value.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect::<String>().to_ascii_lowercase();
            for scheme in ["javascript:", "vbscript:", "data:"] {
                assert!(!squashed.starts_with(scheme), "{attr}={value:?} survived {payload:?}");
            }
        }
    }
}

#[tokio::test]
async fn every_known_payload_renders_inert() {
    let payloads: Vec<&str> = PAYLOADS.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(payloads.len() >= 30, "the list has {} payloads", payloads.len());

    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let member = server.member("mallory").await;
    let thread = member.thread("intro", "Testing some formatting", "Hello").await;
    let tid = thread["id"].as_i64().unwrap();
    for payload in &payloads {
        let post = member.reply(tid, payload, None).await;
        assert_inert(post["html"].as_str().unwrap(), payload);
    }

    // The page a reader sees: every post body, whatever page it landed on.
    let pages = server.api().get_json(&format!("/api/v1/threads/{tid}")).await["pages"].as_i64().unwrap();
    let mut bodies = 0;
    for page in 1..=pages {
        let html = server.browser().open(&format!("/t/{tid}/testing-some-formatting?page={page}")).await;
        for body in html.select("article.post .body") {
            assert_inert(&body.inner_html(), "thread page");
            bodies += 1;
        }
    }
    assert_eq!(bodies, payloads.len() + 1);
}

#[tokio::test]
async fn thread_titles_and_usernames_are_escaped() {
    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let member = server.member("escaper").await;
    let thread = member.thread("intro", "<script>alert('title')</script>", "body").await;
    let page = server.browser().open(thread["url"].as_str().unwrap()).await;
    assert_eq!(page.text("h1"), ["<script>alert('title')</script>"]);
    assert!(page.select("main script").is_empty());
}
