//! Moderation: flags and the review queue, sanctions, thread tools, held
//! posts, new members' limits, members-only spaces and the audit log.

use crate::support::*;
use jogette::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A community with an admin, a moderator, a category and a thread by `poster`.
struct Community {
    server: TestServer,
    admin: Api,
    moderator: Api,
    poster: Api,
    thread_id: i64,
    first_id: i64,
}

async fn community() -> Community {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("injuries", "Injuries and niggles").await;
    server.seed_user("mod_mel", Role::Moderator).await;
    let moderator = server.api().login("mod_mel").await;
    let poster = server.member("poster_pat").await;
    let thread = poster.thread("injuries", "Sore knees on the stairs", "My knees ache going down the stairs after a run.").await;
    Community { thread_id: thread["id"].as_i64().unwrap(), first_id: thread["first_post"]["id"].as_i64().unwrap(), server, admin, moderator, poster }
}

async fn status(r: reqwest::Response) -> StatusCode {
    r.status()
}

async fn flag(api: &Api, post: i64, reason: &str) -> reqwest::Response {
    api.post(&format!("/api/v1/posts/{post}/flags"), json!({"reason": reason})).await
}

fn kinds(notifications: &Value) -> Vec<String> {
    notifications["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_member_flags_a_post_once_and_nobody_learns_who_flagged() {
    let c = community().await;
    let helper = c.server.member("flagging_fran").await;
    let r = flag(&helper, c.first_id, "spam").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap()["hidden"], false);
    let again = flag(&helper, c.first_id, "abuse").await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().await.unwrap().contains("already flagged"));
    assert_eq!(status(flag(&c.poster, c.first_id, "spam").await).await, StatusCode::FORBIDDEN, "not your own post");
    let other = c.server.member("other_oli").await;
    let r = other.post(&format!("/api/v1/posts/{}/flags", c.first_id), json!({"reason": "other"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "\"other\" needs a note");

    let queue = c.moderator.get("/api/v1/mod/queue").await;
    let text = queue.text().await.unwrap();
    assert!(text.contains("\"flagged\"") && text.contains("\"spam\""), "{text}");
    assert!(!text.contains("flagging_fran"), "the queue never names the flagger: {text}");
    let seen_by_author = c.poster.get_json("/api/v1/notifications").await.to_string();
    assert!(!seen_by_author.contains("flagging_fran"));
}

#[tokio::test]
async fn enough_flags_from_different_members_hide_a_post_until_a_moderator_looks() {
    let c = community().await;
    for (n, name) in ["flagger_one", "flagger_two", "flagger_three"].iter().enumerate() {
        let member = c.server.member(name).await;
        let r: Value = flag(&member, c.first_id, "abuse").await.json().await.unwrap();
        assert_eq!(r["hidden"], n == 2, "hidden at the third flag");
    }
    let reader = c.server.member("reader_rae").await;
    let thread = reader.get_json(&format!("/api/v1/threads/{}", c.thread_id)).await;
    assert_eq!(thread["posts"][0], json!({"id": c.first_id, "number": 1, "hidden": true}), "members see only its place");
    let page = c.server.browser().open(&format!("/t/{}/sore-knees-on-the-stairs", c.thread_id)).await;
    assert!(page.text("#p1 .body").join(" ").contains("hidden while the moderators look"));
    assert!(!page.html.html().contains("going down the stairs"));
    let own = c.poster.get_json(&format!("/api/v1/posts/{}", c.first_id)).await;
    assert_eq!((own["hidden"].as_bool(), own["body"].as_str().is_some_and(|b| b.contains("stairs"))), (Some(true), true), "its author still reads it");
    assert!(own["hidden_reason"].as_str().unwrap().contains("flagged"));
    let staff = c.moderator.get_json(&format!("/api/v1/posts/{}", c.first_id)).await;
    assert!(staff["body"].as_str().unwrap().contains("stairs"));
    // Search never finds it.
    assert_eq!(reader.get_json("/api/v1/search?q=stairs").await["total"], 0);
}

#[tokio::test]
async fn the_community_sets_how_many_flags_hide_a_post() {
    let c = community().await;
    assert_eq!(c.moderator.patch("/api/v1/settings/moderation", json!({})).await.status(), StatusCode::METHOD_NOT_ALLOWED);
    let put = |api: &Api, body: Value| {
        let api = api.clone();
        async move { api.http.put(format!("{}/api/v1/settings/moderation", api.base)).bearer_auth(api.token.clone().unwrap()).json(&body).send().await.unwrap() }
    };
    assert_eq!(put(&c.moderator, json!({"flags_to_hide": 1, "approve_first_posts": 0})).await.status(), StatusCode::FORBIDDEN, "admins only");
    assert_eq!(put(&c.admin, json!({"flags_to_hide": 0, "approve_first_posts": 0})).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(put(&c.admin, json!({"flags_to_hide": 1, "approve_first_posts": 0})).await.status(), StatusCode::OK);
    let one = c.server.member("single_flag").await;
    assert_eq!(flag(&one, c.first_id, "spam").await.json::<Value>().await.unwrap()["hidden"], true);
    let log = c.moderator.get_json("/api/v1/mod/log?action=change-settings").await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_at_risk_flag_tells_every_moderator_at_once() {
    let c = community().await;
    let worried = c.server.member("worried_wyn").await;
    let r = worried.post(&format!("/api/v1/posts/{}/flags", c.first_id), json!({"reason": "at_risk", "note": "They sound very low"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    for staff in [&c.moderator, &c.admin] {
        let n = staff.get_json("/api/v1/notifications").await;
        assert!(kinds(&n).contains(&"flag-at-risk".to_owned()), "{n}");
    }
    assert!(!kinds(&c.poster.get_json("/api/v1/notifications").await).contains(&"flag-at-risk".to_owned()));
    // And it heads the queue.
    let other = c.poster.reply(c.thread_id, "A second post to flag", None).await;
    flag(&worried, other["id"].as_i64().unwrap(), "spam").await;
    let queue = c.moderator.get_json("/api/v1/mod/queue").await;
    assert_eq!(queue["items"][0]["post_id"], c.first_id, "{queue}");
}

#[tokio::test]
async fn a_moderator_hides_with_a_reason_the_author_sees_and_flaggers_hear_it_was_handled() {
    let c = community().await;
    let flagger = c.server.member("flagger_flo").await;
    flag(&flagger, c.first_id, "harmful_advice").await;
    let r = c.moderator.post(&format!("/api/v1/mod/posts/{}/hide", c.first_id), json!({"reason": "Please don't advise skipping the physio."})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(c.moderator.get_json("/api/v1/mod/queue").await["items"], json!([]), "it left the queue");

    let told = c.poster.get_json("/api/v1/notifications").await;
    let notice = told["items"].as_array().unwrap().iter().find(|n| n["kind"] == "post-hidden").expect("the author is told");
    assert!(notice["detail"].as_str().unwrap().contains("physio"));
    let own = c.poster.get_json(&format!("/api/v1/posts/{}", c.first_id)).await;
    assert_eq!(own["hidden_reason"], "Please don't advise skipping the physio.");
    assert!(kinds(&flagger.get_json("/api/v1/notifications").await).contains(&"flag-handled".to_owned()));

    // Without a reason of their own, the author is still told why, in general words.
    let second = c.poster.reply(c.thread_id, "Another one", None).await["id"].as_i64().unwrap();
    assert_eq!(c.moderator.post(&format!("/api/v1/mod/posts/{second}/hide"), json!({})).await.status(), StatusCode::OK);
    assert!(c.poster.get_json(&format!("/api/v1/posts/{second}")).await["hidden_reason"].as_str().unwrap().contains("guidelines"));

    // Disagreeing brings it back.
    let r = c.moderator.post(&format!("/api/v1/mod/posts/{}/restore", c.first_id), json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let reader = c.server.member("reader_ren").await;
    assert!(reader.get_json(&format!("/api/v1/posts/{}", c.first_id)).await["body"].as_str().unwrap().contains("stairs"));
    assert!(kinds(&c.poster.get_json("/api/v1/notifications").await).contains(&"post-restored".to_owned()));
}

#[tokio::test]
async fn a_new_members_first_post_waits_for_a_moderator_and_only_they_see_it() {
    let c = community().await;
    c.admin.http.put(format!("{}/api/v1/settings/moderation", c.admin.base)).bearer_auth(c.admin.token.clone().unwrap())
        .json(&json!({"flags_to_hide": 3, "approve_first_posts": 1})).send().await.unwrap();
    let newcomer = c.server.member("new_nia").await;
    let held = newcomer.reply(c.thread_id, "Hello! Same here, knees ache on stairs.", Some(c.first_id)).await;
    let held_id = held["id"].as_i64().unwrap();
    assert_eq!(held["held"], true);

    let reader = c.server.member("reader_rob").await;
    let thread = reader.get_json(&format!("/api/v1/threads/{}", c.thread_id)).await;
    assert_eq!(thread["posts"].as_array().unwrap().len(), 1, "nobody else sees it: {thread}");
    assert_eq!(thread["replies"], 0, "nor counts it");
    assert_eq!(reader.get(&format!("/api/v1/posts/{held_id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(c.server.api().get(&format!("/api/v1/posts/{held_id}")).await.status(), StatusCode::NOT_FOUND);
    let own = newcomer.get_json(&format!("/api/v1/threads/{}", c.thread_id)).await;
    assert_eq!(own["posts"][1]["held"], true);
    let browser = c.server.browser();
    browser.fill("/login", "/login", &[("username", "new_nia"), ("password", PASSWORD)]).await.unwrap();
    let page = browser.open(&format!("/t/{}/sore-knees-on-the-stairs", c.thread_id)).await;
    assert!(page.text(".held-note").join(" ").contains("Waiting for a moderator"), "{page:?}");

    let queue = c.moderator.get_json("/api/v1/mod/queue?kind=held").await;
    assert_eq!(queue["items"][0]["post_id"], held_id);
    assert_eq!(c.moderator.post(&format!("/api/v1/mod/posts/{held_id}/approve"), json!({})).await.status(), StatusCode::OK);
    let thread = reader.get_json(&format!("/api/v1/threads/{}", c.thread_id)).await;
    assert_eq!((thread["posts"].as_array().unwrap().len(), thread["replies"].as_i64()), (2, Some(1)));
    assert!(kinds(&newcomer.get_json("/api/v1/notifications").await).contains(&"post-approved".to_owned()));
    // Their next post goes straight up.
    assert_eq!(newcomer.reply(c.thread_id, "Thanks for letting me in.", None).await["held"], false);
}

#[tokio::test]
async fn a_held_new_thread_is_listed_nowhere_until_it_is_approved() {
    let c = community().await;
    c.admin.http.put(format!("{}/api/v1/settings/moderation", c.admin.base)).bearer_auth(c.admin.token.clone().unwrap())
        .json(&json!({"flags_to_hide": 3, "approve_first_posts": 1})).send().await.unwrap();
    let newcomer = c.server.member("new_ned").await;
    let thread = newcomer.thread("injuries", "My first question here", "Is it normal for shins to ache?").await;
    let list = c.server.api().get_json("/api/v1/threads").await;
    assert!(!list.to_string().contains("My first question here"), "{list}");
    assert_eq!(c.server.api().get(&format!("/api/v1/threads/{}", thread["id"])).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(newcomer.get(&format!("/api/v1/threads/{}", thread["id"])).await.status(), StatusCode::OK);
    c.moderator.post(&format!("/api/v1/mod/posts/{}/approve", thread["first_post"]["id"]), json!({})).await;
    assert!(c.server.api().get_json("/api/v1/threads").await.to_string().contains("My first question here"));
}

#[tokio::test]
async fn new_members_posts_hold_two_links_and_two_mentions_at_most() {
    let c = community().await;
    let newcomer = c.server.member("new_nico").await;
    let links = "See https://a.example, https://b.example and https://c.example";
    let r = newcomer.post(&format!("/api/v1/threads/{}/posts", c.thread_id), json!({"body": links})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = r.json().await.unwrap();
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("up to 2 links"), "{problem}");
    let r = newcomer.post(&format!("/api/v1/threads/{}/posts", c.thread_id), json!({"body": "@poster_pat @mod_mel @site_admin hello"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A moderator can trust them early, and the limit lifts.
    assert_eq!(c.moderator.post("/api/v1/mod/users/new_nico/trust", json!({})).await.status(), StatusCode::NO_CONTENT);
    let r = newcomer.post(&format!("/api/v1/threads/{}/posts", c.thread_id), json!({"body": links})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn contact_details_are_pointed_out_before_posting() {
    let c = community().await;
    let body = "Message me on 07700 900123 if you want a running buddy.";
    let r = c.poster.post(&format!("/api/v1/threads/{}/posts", c.thread_id), json!({"body": body})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "contact_details");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("07700 900123"));
    let r = c.poster.post(&format!("/api/v1/threads/{}/posts", c.thread_id), json!({"body": body, "contact_details_ok": true})).await;
    assert_eq!(r.status(), StatusCode::CREATED);

    // Without JavaScript: the form comes back with the text kept and a "post anyway" box.
    let browser = c.server.browser();
    browser.fill("/login", "/login", &[("username", "poster_pat"), ("password", PASSWORD)]).await.unwrap();
    let reply = format!("/t/{}/sore-knees-on-the-stairs/reply", c.thread_id);
    let page = browser.fill(&reply, &format!("/t/{}/reply", c.thread_id), &[("body", "Email me: pat@example.com")]).await.unwrap_err();
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.text("textarea#body"), ["Email me: pat@example.com"]);
    assert_eq!(page.select("input[name=contact_details_ok]").len(), 1);
    let posted = browser
        .fill(&reply, &format!("/t/{}/reply", c.thread_id), &[("body", "Email me: pat@example.com"), ("contact_details_ok", "1")])
        .await;
    assert!(posted.is_ok(), "{posted:?}");
}

#[tokio::test]
async fn a_silenced_member_reads_but_cannot_post_flag_or_thank_and_is_told_why() {
    let c = community().await;
    let r = c.moderator.post("/api/v1/mod/users/poster_pat/silence", json!({"until": "1d", "reason": "Cooling off after the argument"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let told = c.poster.get_json("/api/v1/notifications").await;
    let notice = told["items"].as_array().unwrap().iter().find(|n| n["kind"] == "silenced").expect("the member is told");
    let detail = notice["detail"].as_str().unwrap();
    assert!(detail.contains("Cooling off") && detail.contains("until"), "{detail}");

    assert_eq!(c.poster.get(&format!("/api/v1/threads/{}", c.thread_id)).await.status(), StatusCode::OK, "reading is fine");
    let r = c.poster.post(&format!("/api/v1/threads/{}/posts", c.thread_id), json!({"body": "Let me reply"})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("You can read, but not post"));
    let other = c.server.member("other_ola").await;
    let theirs = other.reply(c.thread_id, "A post to thank", None).await["id"].as_i64().unwrap();
    assert_eq!(c.poster.put(&format!("/api/v1/posts/{theirs}/thanks")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(status(flag(&c.poster, theirs, "spam").await).await, StatusCode::FORBIDDEN);

    assert_eq!(c.moderator.delete("/api/v1/mod/users/poster_pat/silence").await.status(), StatusCode::NO_CONTENT);
    c.poster.reply(c.thread_id, "Back, and calmer.", None).await;
}

#[tokio::test]
async fn a_suspended_member_cannot_log_in_and_their_sessions_end() {
    let c = community().await;
    let r = c.moderator.post("/api/v1/mod/users/poster_pat/suspend", json!({"reason": "Repeated abuse"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap()["for_good"], true);
    assert_eq!(c.poster.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED, "the session ended");
    let r = c.server.api().post("/api/v1/sessions", json!({"username": "poster_pat", "password": PASSWORD})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("Repeated abuse"), "the right password hears why");
    let r = c.server.api().post("/api/v1/sessions", json!({"username": "poster_pat", "password": "not the password"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a wrong one learns nothing");
    assert_eq!(c.moderator.delete("/api/v1/mod/users/poster_pat/suspend").await.status(), StatusCode::NO_CONTENT);
    c.server.api().login("poster_pat").await;
}

#[tokio::test]
async fn a_sanction_can_only_settle_one_of_the_members_own_posts() {
    let c = community().await;
    let other = c.server.member("other_ola").await;
    let theirs = other.reply(c.thread_id, "Someone else's words", None).await["id"].as_i64().unwrap();
    for post_id in [theirs, 987_654_321] {
        let r = c.moderator.post("/api/v1/mod/users/poster_pat/suspend", json!({"reason": "Abuse", "post_id": post_id})).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "post {post_id}");
        assert!(r.text().await.unwrap().contains("isn't one of this member's"));
    }
    assert_eq!(c.poster.get("/api/v1/me").await.status(), StatusCode::OK, "nothing was applied: the member's session goes on");
    let r = c.moderator.post("/api/v1/mod/users/poster_pat/suspend", json!({"reason": "Abuse", "post_id": c.first_id})).await;
    assert_eq!(r.status(), StatusCode::CREATED, "their own post is fine");
}

#[tokio::test]
async fn sanctions_never_reach_admins_or_the_moderator_themselves() {
    let c = community().await;
    let body = json!({"until": "1d", "reason": "testing"});
    assert_eq!(c.moderator.post("/api/v1/mod/users/site_admin/silence", body.clone()).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(c.moderator.post("/api/v1/mod/users/mod_mel/suspend", body.clone()).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(c.admin.post("/api/v1/mod/users/mod_mel/warn", body.clone()).await.status(), StatusCode::CREATED, "admins may warn moderators");
    assert_eq!(c.moderator.post("/api/v1/mod/users/poster_pat/silence", json!({"until": "someday", "reason": "x"})).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.moderator.post("/api/v1/mod/users/nobody_here/warn", body).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn thread_tools_lock_pin_move_and_slow_a_thread() {
    let c = community().await;
    c.admin.post("/api/v1/categories", json!({"slug": "kit", "name": "Kit and shoes"})).await;
    let tool = |name: &str| format!("/api/v1/mod/threads/{}/{name}", c.thread_id);

    assert_eq!(c.moderator.post(&tool("lock"), json!({})).await.status(), StatusCode::OK);
    let r = c.poster.post(&format!("/api/v1/threads/{}/posts", c.thread_id), json!({"body": "one more"})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("locked"));
    c.moderator.reply(c.thread_id, "Locked while we sort this out.", None).await;
    assert_eq!(c.moderator.post(&tool("lock"), json!({"locked": false})).await.status(), StatusCode::OK);

    let r: Value = c.moderator.post(&tool("pin"), json!({"scope": "everywhere"})).await.json().await.unwrap();
    assert_eq!(r["pinned"], "everywhere");
    let other = c.poster.thread("injuries", "A newer thread", "Newer").await;
    let home = c.server.browser().open("/").await;
    assert_eq!(home.text("ol.pinned .title"), ["Sore knees on the stairs"], "pinned first, above the newer one");
    assert!(!home.text("ol.threads:not(.pinned) .title").contains(&"Sore knees on the stairs".to_owned()));
    let _ = other;

    let r: Value = c.moderator.post(&tool("move"), json!({"category": "kit"})).await.json().await.unwrap();
    assert_eq!(r["category"], "kit");
    let kit = c.server.api().get_json("/api/v1/categories").await;
    assert!(kit.to_string().contains("\"thread_count\":1"), "{kit}");

    assert_eq!(c.moderator.post(&tool("slow-mode"), json!({"minutes": 10})).await.status(), StatusCode::OK);
    let runner = c.server.member("slow_sue").await;
    runner.reply(c.thread_id, "First in slow mode", None).await;
    let r = runner.post(&format!("/api/v1/threads/{}/posts", c.thread_id), json!({"body": "Second, too soon"})).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 500);
    assert!(r.text().await.unwrap().contains("slow mode"));
    c.moderator.reply(c.thread_id, "Moderators are not slowed.", None).await;
    let r = c.moderator.post(&format!("/api/v1/threads/{}/posts", c.thread_id), json!({"body": "Not even twice."})).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn splitting_and_merging_keep_numbers_reply_links_and_quotes_right() {
    let c = community().await;
    let slug = "sore-knees-on-the-stairs";
    let mut ids = vec![c.first_id];
    for n in 2..=5 {
        let body = if n == 4 { format!("> **@poster_pat** [wrote](/t/{}/{slug}#p3):\n> reply 3\n\nAnswering #3.", c.thread_id) } else { format!("reply {n}") };
        let reply_to = (n == 4).then(|| ids[2]);
        ids.push(c.poster.reply(c.thread_id, &body, reply_to).await["id"].as_i64().unwrap());
    }
    let r = c.moderator.post(&format!("/api/v1/mod/threads/{}/split", c.thread_id), json!({"post_ids": [ids[0]], "title": "Split off"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "the opening post stays");
    let r = c.moderator.post(&format!("/api/v1/mod/threads/{}/split", c.thread_id), json!({"post_ids": [ids[2], ids[3]], "title": "Stairs and knees, continued"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let split: Value = r.json().await.unwrap();
    let new_id = split["id"].as_i64().unwrap();

    let moved = c.server.api().get_json(&format!("/api/v1/threads/{new_id}")).await;
    let posts = moved["posts"].as_array().unwrap();
    assert_eq!(posts.iter().map(|p| (p["id"].as_i64().unwrap(), p["number"].as_i64().unwrap())).collect::<Vec<_>>(), [(ids[2], 1), (ids[3], 2)]);
    assert_eq!(posts[1]["reply_to"], ids[2], "the reply still answers the same post");
    assert!(posts[1]["body"].as_str().unwrap().contains(&format!("[wrote](/p/{})", ids[2])), "the quote points to the post itself: {}", posts[1]["body"]);
    let old = c.server.api().get_json(&format!("/api/v1/threads/{}", c.thread_id)).await;
    assert_eq!(old["posts"].as_array().unwrap().iter().map(|p| p["number"].as_i64().unwrap()).collect::<Vec<_>>(), [1, 2, 5], "numbers stay");
    assert_eq!(old["replies"], 2);
    // The permanent address of a moved post leads to where it is now.
    let to = c.server.browser().http.get(c.server.url(&format!("/p/{}", ids[3]))).send().await.unwrap();
    assert_eq!(to.headers()["location"], format!("/t/{new_id}/stairs-and-knees-continued?page=1#p2"));

    let r = c.moderator.post(&format!("/api/v1/mod/threads/{new_id}/merge"), json!({"into": c.thread_id})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let merged = c.server.api().get_json(&format!("/api/v1/threads/{}", c.thread_id)).await;
    let numbers: Vec<(i64, i64)> = merged["posts"].as_array().unwrap().iter().map(|p| (p["id"].as_i64().unwrap(), p["number"].as_i64().unwrap())).collect();
    assert_eq!(numbers, [(ids[0], 1), (ids[1], 2), (ids[4], 5), (ids[2], 6), (ids[3], 7)]);
    assert_eq!(merged["replies"], 4);
    let gone = c.server.browser().open(&format!("/t/{new_id}/stairs-and-knees-continued")).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER, "a merged thread's address leads on");
}

#[tokio::test]
async fn a_moderators_deletion_says_so_and_the_author_hears_why() {
    let c = community().await;
    let r = c.moderator.delete(&format!("/api/v1/posts/{}?reason=Duplicate%20of%20another%20thread", c.first_id)).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let page = c.server.browser().open(&format!("/t/{}/sore-knees-on-the-stairs", c.thread_id)).await;
    assert_eq!(page.text("#p1 .deleted-note"), ["This post was removed by a moderator."]);
    let told = c.poster.get_json("/api/v1/notifications").await;
    assert!(told.to_string().contains("Duplicate of another thread"));
    let own = c.poster.thread("injuries", "Deleting my own", "Oops").await;
    c.poster.delete(&format!("/api/v1/posts/{}", own["first_post"]["id"])).await;
    let page = c.server.browser().open(own["url"].as_str().unwrap()).await;
    assert_eq!(page.text("#p1 .deleted-note"), ["This post was deleted by its author."]);
}

#[tokio::test]
async fn the_audit_log_keeps_every_action_with_who_why_and_the_state_before_and_after() {
    let c = community().await;
    c.moderator.post(&format!("/api/v1/mod/posts/{}/hide", c.first_id), json!({"reason": "Off topic"})).await;
    c.moderator.post(&format!("/api/v1/mod/threads/{}/lock", c.thread_id), json!({})).await;
    c.moderator.post("/api/v1/mod/users/poster_pat/warn", json!({"reason": "Please keep it kind"})).await;
    c.admin.post("/api/v1/categories", json!({"slug": "kit", "name": "Kit"})).await;

    let log = c.moderator.get_json("/api/v1/mod/log").await;
    let entries = log["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["create-category", "warn", "lock", "hide", "create-category"], "newest first (the first is the community's own first category)");
    let hide = &entries[3];
    assert_eq!((hide["actor"].as_str(), hide["member"].as_str(), hide["reason"].as_str()), (Some("mod_mel"), Some("poster_pat"), Some("Off topic")));
    assert!(hide["before"].as_str().unwrap().contains("\"hidden\":false") && hide["after"].as_str().unwrap().contains("\"hidden\":true"));

    let by_member = c.moderator.get_json("/api/v1/mod/log?member=poster_pat&action=warn").await;
    assert_eq!(by_member["entries"].as_array().unwrap().len(), 1);
    assert_eq!(c.moderator.get("/api/v1/mod/log?format=csv").await.status(), StatusCode::FORBIDDEN, "CSV is for admins");
    let csv = c.admin.get("/api/v1/mod/log?format=csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("id,when,actor,action") && text.contains("Please keep it kind"), "{text}");
    let page = c.server.browser();
    page.fill("/login", "/login", &[("username", "mod_mel"), ("password", PASSWORD)]).await.unwrap();
    assert_eq!(page.open("/mod/log").await.select("table.log tbody tr").len(), 5);
}

#[tokio::test]
async fn moderator_routes_answer_401_to_guests_and_403_to_members() {
    let c = community().await;
    let member = c.server.member("just_a_member").await;
    let guest = c.server.api();
    let t = c.thread_id;
    let p = c.first_id;
    let routes: Vec<(reqwest::Method, String)> = vec![
        (reqwest::Method::GET, "/api/v1/mod/queue".into()),
        (reqwest::Method::POST, format!("/api/v1/mod/posts/{p}/hide")),
        (reqwest::Method::POST, format!("/api/v1/mod/posts/{p}/restore")),
        (reqwest::Method::POST, format!("/api/v1/mod/posts/{p}/approve")),
        (reqwest::Method::GET, "/api/v1/mod/users/poster_pat".into()),
        (reqwest::Method::POST, "/api/v1/mod/users/poster_pat/warn".into()),
        (reqwest::Method::POST, "/api/v1/mod/users/poster_pat/silence".into()),
        (reqwest::Method::POST, "/api/v1/mod/users/poster_pat/suspend".into()),
        (reqwest::Method::POST, "/api/v1/mod/users/poster_pat/trust".into()),
        (reqwest::Method::POST, "/api/v1/mod/users/poster_pat/notes".into()),
        (reqwest::Method::GET, "/api/v1/mod/log".into()),
        (reqwest::Method::GET, "/api/v1/settings/moderation".into()),
    ]
    .into_iter()
    .chain(["lock", "pin", "move", "split", "merge", "slow-mode"].iter().map(|tool| (reqwest::Method::POST, format!("/api/v1/mod/threads/{t}/{tool}"))))
    .collect();
    let body = json!({"reason": "x", "note": "x", "scope": "everywhere", "category": "injuries", "minutes": 1, "post_ids": [p], "title": "A title here", "into": t});
    for (method, path) in &routes {
        for (who, api, expected) in [("guest", &guest, StatusCode::UNAUTHORIZED), ("member", &member, StatusCode::FORBIDDEN)] {
            let r = api.http.request(method.clone(), format!("{}{path}", api.base));
            let r = match &api.token {
                Some(token) => r.bearer_auth(token),
                None => r,
            };
            let r = r.json(&body).send().await.unwrap();
            assert_eq!(r.status(), expected, "{who} {method} {path}");
        }
    }
    for page in ["/mod", "/mod/log", "/mod/users/poster_pat", &format!("/mod/threads/{t}/split")] {
        let browser = c.server.browser();
        assert_eq!(browser.open(page).await.status, StatusCode::UNAUTHORIZED, "guest {page}");
    }
}

/// One slice of the permission matrix, over HTTP: each kind of viewer tries
/// the same actions, and gets what the matrix says.
#[tokio::test]
async fn the_permission_matrix_holds_over_http() {
    let c = community().await;
    let new_member = c.server.member("brand_new").await;
    c.server.seed_user("old_hand", Role::Member).await;
    let trusted = c.server.api().login("old_hand").await;
    c.moderator.post("/api/v1/mod/users/old_hand/trust", json!({})).await;
    let silenced = c.server.member("quiet_quinn").await;
    c.moderator.post("/api/v1/mod/users/quiet_quinn/silence", json!({"until": "1w", "reason": "a pause"})).await;
    let suspended = c.server.member("away_ash").await;
    c.moderator.post("/api/v1/mod/users/away_ash/suspend", json!({"until": "1w", "reason": "away"})).await;
    let guest = c.server.api();
    let t = c.thread_id;

    type Row = (&'static str, [u16; 7]);
    //                     guest new  trusted mod  admin silenced suspended
    let table: [Row; 6] = [
        ("reply", [401, 201, 201, 201, 201, 403, 401]),
        ("thank", [401, 200, 200, 200, 200, 403, 401]),
        ("flag", [401, 201, 201, 201, 201, 403, 401]),
        ("queue", [401, 403, 403, 200, 200, 403, 401]),
        ("log csv", [401, 403, 403, 403, 200, 403, 401]),
        ("category", [401, 403, 403, 403, 201, 403, 401]),
    ];
    let viewers = [&guest, &new_member, &trusted, &c.moderator, &c.admin, &silenced, &suspended];
    for (action, expected) in table {
        for (n, (api, want)) in viewers.iter().zip(expected).enumerate() {
            let target = c.poster.reply(t, &format!("for {action} by viewer {n}"), None).await["id"].as_i64().unwrap();
            let r = match action {
                "reply" => api.post(&format!("/api/v1/threads/{t}/posts"), json!({"body": "a reply"})).await,
                "thank" => api.put(&format!("/api/v1/posts/{target}/thanks")).await,
                "flag" => flag(api, target, "spam").await,
                "queue" => api.get("/api/v1/mod/queue").await,
                "log csv" => api.get("/api/v1/mod/log?format=csv").await,
                _ => api.post("/api/v1/categories", json!({"slug": format!("c{n}"), "name": format!("Category {n}")})).await,
            };
            assert_eq!(r.status().as_u16(), want, "{action} by viewer {n}");
        }
    }
}

#[tokio::test]
async fn wrong_passwords_slow_an_account_then_lock_it_and_its_owner_is_told() {
    let server = TestServer::start().await;
    let owner = server.member("careful_cat").await;
    let api = server.api();
    let attempt = |password: &'static str| {
        let api = api.clone();
        async move { api.post("/api/v1/sessions", json!({"username": "careful_cat", "password": password})).await.status() }
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong password!").await, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // After five in a row, the account takes one try per 30 seconds; even the right password waits.
    let r = api.post("/api/v1/sessions", json!({"username": "careful_cat", "password": PASSWORD})).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("For your safety"));
    // Other accounts are unaffected.
    server.member("someone_else").await;
    // Once it has locked, the owner is told.
    raw_exec(server.db_url(), "UPDATE users SET failed_logins = 9, last_failed_login_at = 0 WHERE username = 'careful_cat'").await;
    assert_eq!(attempt("still wrong!!").await, StatusCode::UNPROCESSABLE_ENTITY);
    let locked = raw_rows(server.db_url(), "SELECT login_locked_until FROM users WHERE username = 'careful_cat'").await;
    assert!(!locked[0][0].is_empty(), "locked");
    assert_eq!(attempt(PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    assert!(kinds(&owner.get_json("/api/v1/notifications").await).contains(&"login-locked".to_owned()));
}

#[tokio::test]
async fn the_join_form_turns_away_programs_that_fill_the_hidden_box() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let page = browser.open("/register").await;
    assert_eq!(page.select(".trap input[name=website]").len(), 1);
    let r = browser.fill("/register", "/register", &[("username", "bot_bob"), ("password", PASSWORD), ("email", ""), ("website", "http://spam.example")]).await;
    let page = r.unwrap_err();
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(server.api().get("/api/v1/users/bot_bob").await.status(), StatusCode::NOT_FOUND);
    browser.register("real_rita").await;
}

/// Guests see a members-only thread's title and its first 250 characters,
/// and nothing else of it, on any route that shows content.
#[tokio::test]
async fn members_only_threads_never_leak_to_guests() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("open", "Open to all").await;
    admin.post("/api/v1/categories", json!({"slug": "private", "name": "Members only", "members_only": true})).await;
    let member = server.member("private_pip").await;
    let start = "I want to talk about something personal that I'd rather only members read. ".repeat(4);
    let secret = "The hidden part mentions zebrafish nightingales.";
    let thread = member.thread("private", "A private worry", &format!("{start}{secret}")).await;
    let (tid, pid) = (thread["id"].as_i64().unwrap(), thread["first_post"]["id"].as_i64().unwrap());
    let reply = member.reply(tid, "A reply about zebrafish too.", Some(pid)).await;
    let rid = reply["id"].as_i64().unwrap();
    let slug = thread["slug"].as_str().unwrap().to_owned();

    let guest = server.browser();
    let page = guest.open(&format!("/t/{tid}/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("h1"), ["A private worry"]);
    assert_eq!(page.attr("meta[name=robots]", "content"), ["noindex"]);
    assert!(page.text(".join-prompt").join(" ").contains("members-only"));
    let teaser = page.text("article.teaser .body").join("");
    assert!(teaser.starts_with("I want to talk") && teaser.chars().count() <= 251, "{teaser}");

    let api = server.api();
    // Each search asks for one of the hidden words and must find nothing, nor show the other.
    for (query, other) in [("zebrafish", "nightingales"), ("nightingales", "zebrafish")] {
        for url in [format!("/search?q={query}"), format!("/api/v1/search?q={query}"), format!("/api/v1/threads/similar?title={query}+worry")] {
            let body = server.api().get(&url).await.text().await.unwrap();
            assert!(!body.contains(other) && !body.contains("A private worry"), "{url} leaks: {body}");
        }
    }
    let urls = [
        format!("/t/{tid}/{slug}"),
        format!("/api/v1/threads/{tid}"),
        format!("/api/v1/posts/{pid}"),
        format!("/api/v1/posts/{rid}"),
        format!("/api/v1/posts/{pid}/quote"),
        format!("/api/v1/posts/{pid}/revisions"),
        format!("/t/{tid}/{slug}/reply?quote={pid}"),
        "/u/private_pip".into(),
        "/api/v1/users/private_pip".into(),
        "/api/v1/threads?category=private".into(),
        "/c/private".into(),
        "/".into(),
    ];
    for url in &urls {
        let body = api.get(url).await.text().await.unwrap();
        assert!(!body.contains("zebrafish") && !body.contains("nightingales"), "{url} leaks: {body}");
    }
    // Members read it all, and find it.
    assert!(member.get_json(&format!("/api/v1/threads/{tid}")).await.to_string().contains(secret));
    assert_eq!(member.get_json("/api/v1/search?q=zebrafish").await["total"], 2);
    // Live streams: a guest hears nothing of the members-only thread.
    let mut stream = reqwest::Client::new().get(server.url(&format!("/api/v1/events?thread={tid}"))).send().await.unwrap();
    member.reply(tid, "Another zebrafish thought", None).await;
    let heard = tokio::time::timeout(std::time::Duration::from_millis(700), stream.chunk()).await;
    let heard = heard.ok().and_then(|c| c.ok().flatten()).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    assert!(!heard.contains("post-created"), "{heard}");
}

/// The queue page follows the queue live: a moderator's stream hears each
/// change, and only moderators may follow it.
#[tokio::test]
async fn moderators_follow_the_queue_live() {
    let c = community().await;
    assert_eq!(c.server.api().get("/api/v1/events?queue=true").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(c.poster.get("/api/v1/events?queue=true").await.status(), StatusCode::FORBIDDEN);
    let mut stream = c.moderator.get("/api/v1/events?queue=true").await;
    assert_eq!(stream.status(), StatusCode::OK);
    let flagger = c.server.member("live_flagger").await;
    flag(&flagger, c.first_id, "spam").await;
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
    while !seen.contains("event: review") {
        let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, stream.chunk()).await else { break };
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("event: review") && seen.contains(&format!("\"post_id\":{}", c.first_id)), "{seen}");
    // Thread streams don't carry queue events.
    assert!(!seen.contains("post-created"));
}
