//! The conversation Jogette exists for, played through the API and through the HTML forms.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;

/// A new runner asks about back pain; members ask, answer, quote, mention, and get thanked.
#[tokio::test]
async fn the_back_pain_thread_through_the_api() {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries and niggles").await;
    let poster = server.member("runningnearbeirut").await;
    let jen = server.member("jogon_jen").await;
    let sam = server.member("slow_and_steady_sam").await;

    let thread = poster
        .thread("injuries", "Back pain following run", "A week after my run my upper back still aches.\n\nWorse on waking. Should I see a physio?")
        .await;
    let thread_id = thread["id"].as_i64().unwrap();
    let first_id = thread["first_post"]["id"].as_i64().unwrap();
    assert_eq!(thread["url"], format!("/t/{thread_id}/back-pain-following-run"));

    let question = jen.reply(thread_id, "Is it your back or your shoulders?", Some(first_id)).await;
    let answer = poster.reply(thread_id, "Probably the shoulders, I hunch.", question["id"].as_i64()).await;

    let quote: serde_json::Value = sam
        .get_json(&format!("/api/v1/posts/{first_id}/quote?selection=upper%20back%20still%20aches"))
        .await;
    let quoted = quote["markdown"].as_str().unwrap();
    let agree = sam
        .reply(thread_id, &format!("{quoted}I agree with @RunningNearBeirut: relax the shoulders and try a tennis ball."), Some(first_id))
        .await;
    assert_eq!(agree["mentions"], json!(["runningnearbeirut"]));

    for helper in [&question, &agree] {
        let r = poster.put(&format!("/api/v1/posts/{}/thanks", helper["id"])).await;
        assert_eq!(r.status(), StatusCode::OK);
    }

    let page = poster.get_json(&format!("/api/v1/threads/{thread_id}")).await;
    let posts = page["posts"].as_array().unwrap();
    assert_eq!(posts.iter().map(|p| p["number"].as_i64().unwrap()).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(posts[1]["reply_to"], first_id);
    assert_eq!(posts[2]["reply_to"], question["id"]);
    assert_eq!(posts[3]["reply_to"], first_id);
    assert_eq!(posts.iter().map(|p| p["thanks"].as_i64().unwrap()).collect::<Vec<_>>(), [0, 1, 0, 1]);
    assert_eq!(posts[1]["author"]["username"], "jogon_jen");
    let html = posts[3]["html"].as_str().unwrap();
    assert!(html.contains("<blockquote>") && html.contains("upper back still aches"), "{html}");
    assert!(!html.contains("Worse on waking"), "only the selected words are quoted");
    assert!(html.contains("href=\"/u/runningnearbeirut\""), "{html}");
    assert_eq!(page["url"], thread["url"]);
    assert_eq!(page["category"]["slug"], "injuries");
    assert_eq!(answer["author"]["username"], "runningnearbeirut");

    // The HTML page tells the same story.
    let browser = server.browser();
    let page = browser.open(thread["url"].as_str().unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("article.post .author"), ["runningnearbeirut", "jogon_jen", "runningnearbeirut", "slow_and_steady_sam"]);
    let contexts = page.text("article.post .reply-to");
    assert_eq!(contexts.len(), 3);
    assert!(contexts[0].starts_with("In reply to runningnearbeirut (#1)"), "{contexts:?}");
    assert!(contexts[1].contains("In reply to jogon_jen (#2)") && contexts[1].contains("Is it your back or your shoulders?"));
    // "In reply to" links use the post's permanent address, which survives a split or merge.
    assert_eq!(page.attr("article.post .reply-to a", "href")[1], format!("/p/{}", question["id"]));
    assert_eq!(page.attr("#p4 .body > p a[href^='/u/']", "href"), ["/u/runningnearbeirut"]);
    assert_eq!(page.text("#p2 .thanks"), ["1 thank"]);
    assert_eq!(page.text("#p1 .thanks"), ["0 thanks"]);
}

/// The same conversation with JavaScript off: plain forms, links and redirects.
#[tokio::test]
async fn the_back_pain_thread_through_html_forms() {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries and niggles").await;
    let poster = server.browser();
    let jen = server.browser();
    let sam = server.browser();
    poster.register("runningnearbeirut").await;
    jen.register("jogon_jen").await;
    sam.register("slow_and_steady_sam").await;

    let new = poster.open("/new-thread?category=injuries").await;
    assert_eq!(new.attr("select#category option[selected]", "value"), ["injuries"]);
    let thread_url = poster
        .fill("/new-thread?category=injuries", "/new-thread", &[
            ("category", "injuries"),
            ("title", "Back pain following run"),
            ("body", "My upper back still aches a week later. Worse on waking."),
        ])
        .await
        .expect("the thread is created");
    assert!(thread_url.ends_with("/back-pain-following-run"), "{thread_url}");
    let thread_id: i64 = thread_url.split('/').nth(2).unwrap().parse().unwrap();

    // Jen follows the first post's "Reply" link.
    let page = jen.open(&thread_url).await;
    let reply_link = page.attr("#p1 footer a", "href").into_iter().find(|h| h.contains("reply?to=")).unwrap();
    let form = jen.open(&reply_link).await;
    assert_eq!(form.text(".context .meta"), ["Replying to runningnearbeirut (#1):"]);
    let reply_to = form.attr("input[name=reply_to]", "value").remove(0);
    let to = jen
        .submit(&format!("/t/{thread_id}/reply"), &[("csrf", &form.csrf()), ("body", "Is it your back or your shoulders?"), ("reply_to", &reply_to)])
        .await
        .unwrap();
    assert_eq!(to, format!("{thread_url}?page=1#p2"));

    // The poster comes back to the thread and lands on Jen's reply, the first they haven't read.
    let (landed, page) = poster.visit(&thread_url).await;
    assert_eq!(landed, format!("{thread_url}?page=1#p2"));
    let reply_link = page.attr("#p2 footer a", "href").into_iter().find(|h| h.contains("reply?to=")).unwrap();
    let form = poster.open(&reply_link).await;
    let reply_to = form.attr("input[name=reply_to]", "value").remove(0);
    poster
        .submit(&format!("/t/{thread_id}/reply"), &[("csrf", &form.csrf()), ("body", "The shoulders, I think."), ("reply_to", &reply_to)])
        .await
        .unwrap();

    // Sam quotes the first post: the composer arrives pre-filled with attribution.
    let (_, page) = sam.visit(&thread_url).await;
    let quote_link = page.attr("#p1 a.quote", "href").remove(0);
    let form = sam.open(&quote_link).await;
    let prefilled = form.text("textarea#body").remove(0);
    assert!(prefilled.starts_with("> **@runningnearbeirut** [wrote]("), "{prefilled}");
    assert!(prefilled.contains("> My upper back still aches"));
    let body = format!("{prefilled}\n\nI agree with @runningnearbeirut, get it checked if it doesn't settle.");
    let reply_to = form.attr("input[name=reply_to]", "value").remove(0);
    sam.submit(&format!("/t/{thread_id}/reply"), &[("csrf", &form.csrf()), ("body", &body), ("reply_to", &reply_to)])
        .await
        .unwrap();

    // The poster thanks both helpers with the buttons on their posts.
    for number in [2, 4] {
        let (_, page) = poster.visit(&thread_url).await;
        let action = page.attr(&format!("#p{number} form[action$='/thanks']"), "action").remove(0);
        let to = poster.submit(&action, &[("csrf", &page.csrf()), ("thanked", "1")]).await.unwrap();
        assert_eq!(to, format!("{thread_url}?page=1#p{number}"));
    }

    let page = server.browser().open(&thread_url).await;
    assert_eq!(page.text("article.post .author"), ["runningnearbeirut", "jogon_jen", "runningnearbeirut", "slow_and_steady_sam"]);
    assert_eq!(page.text("article.post .thanks"), ["0 thanks", "1 thank", "0 thanks", "1 thank"]);
    assert!(page.text("#p3 .reply-to")[0].contains("Is it your back or your shoulders?"));
    assert_eq!(page.attr("#p4 .body > p a[href^='/u/']", "href"), ["/u/runningnearbeirut"]);
    assert!(!page.select("#p4 .body blockquote").is_empty());
    assert!(page.select("form[action$='/thanks']").is_empty(), "guests see counts, not buttons");

    // The poster's own view: no thank button on their own posts, "Undo" on those they thanked.
    let (_, mine) = poster.visit(&thread_url).await;
    assert!(mine.select("#p1 form[action$='/thanks']").is_empty());
    assert_eq!(mine.text("#p2 form[action$='/thanks'] button"), ["Undo thanks"]);
}
