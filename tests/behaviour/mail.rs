//! Email through a real SMTP server (aiosmtpd, started by each test on
//! 127.0.0.1): confirming addresses, replies while away, digests, password
//! resets, unsubscribing, and delivery that survives a stopped server and
//! several nodes.

use crate::support::*;
use jogette::config::{Config, Rule};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

/// Mail goes to `sink`; replies wait a second to be seen, retries come fast.
fn mail_to(sink: &SmtpSink) -> impl FnOnce(&mut Config) + use<> {
    let url = sink.url();
    move |c: &mut Config| {
        c.smtp_url = Some(url);
        c.mail_from = "Couch to 5K forum <forum@example.org>".into();
        c.email_away_delay = Duration::from_millis(800);
        c.mailer_poll = Duration::from_millis(100);
        c.mail_retry_after = Duration::from_millis(200);
    }
}

fn address(name: &str) -> String {
    format!("{name}@example.org")
}

/// Registers `name` with an address and follows the confirmation link.
async fn confirmed_member(server: &TestServer, sink: &SmtpSink, name: &str) -> Api {
    let r = server.api().post("/api/v1/users", json!({"username": name, "password": PASSWORD, "email": address(name)})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let mail = sink.wait_for(&address(name), 1, WAIT).await.pop().expect("the confirmation link arrives");
    let link = mail.link(&server.base, "/email/confirm/").expect("the message has the link");
    let token = link.trim_start_matches("/email/confirm/");
    let r = server.api().post(&format!("/api/v1/email-confirmations/{token}"), json!({})).await;
    assert_eq!(r.status(), StatusCode::OK);
    server.api().login(name).await
}

async fn forum(sink: &SmtpSink) -> (TestServer, Api, i64, i64) {
    let server = TestServer::configured(mail_to(sink)).await;
    server.admin_with_category("injuries", "Injuries").await;
    let poster = confirmed_member(&server, sink, "poster_pia").await;
    let thread = poster.thread("injuries", "Back pain following run", "My upper back still aches.").await;
    (server, poster, thread["id"].as_i64().unwrap(), thread["first_post"]["id"].as_i64().unwrap())
}

async fn outbox(server: &TestServer) -> Vec<Vec<String>> {
    raw_rows(server.db_url(), "SELECT kind, user_id, outcome, attempts FROM outbox ORDER BY id").await
}

#[tokio::test]
async fn an_address_is_confirmed_before_anything_else_is_sent_to_it() {
    let Some(sink) = SmtpSink::start() else { return };
    let server = TestServer::configured(mail_to(&sink)).await;
    server.admin_with_category("injuries", "Injuries").await;
    let browser = server.browser();
    let joined = browser.fill("/register", "/register", &[("username", "new_nell"), ("password", PASSWORD), ("email", "nell@example.org")]).await;
    assert!(joined.is_ok());
    let mail = sink.wait_for("nell@example.org", 1, WAIT).await.remove(0);
    assert_eq!(mail.subject(), "Confirm your email address for Jogette");
    assert_eq!(mail.header("from"), "Couch to 5K forum <forum@example.org>");
    assert!(mail.header("to").contains("nell@example.org"));
    assert_eq!(mail.header("auto-submitted"), "auto-generated");
    assert!(mail.text.contains("Hello new_nell"));
    // Unconfirmed, Nell hears nothing by email, though the notification is there.
    let writer = server.member("writer_wes").await;
    let thread = writer.thread("injuries", "Hello Nell", "@new_nell welcome!").await;
    assert!(thread["id"].is_i64());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.wait_for("nell@example.org", 2, Duration::ZERO).await.len(), 1);
    // Opening the link asks first (mail scanners open links); the button confirms.
    let link = mail.link(&server.base, "/email/confirm/").unwrap();
    let page = browser.open(&link).await;
    assert_eq!(page.text("main button"), ["Confirm my address"]);
    let done = browser.submit(&link, &[("csrf", &page.csrf())]).await.unwrap_err();
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(done.text("h1"), ["Thank you: your address is confirmed"]);
    let settings = browser.open("/settings").await;
    assert!(settings.text("main").join(" ").contains("nell@example.org, confirmed."));
    // A link works once.
    let again = browser.submit(&link, &[("csrf", &page.csrf())]).await.unwrap_err();
    assert_eq!(again.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn replies_while_you_are_away_come_in_one_message_once() {
    let Some(sink) = SmtpSink::start() else { return };
    let (server, _poster, thread_id, first_id) = forum(&sink).await;
    let jen = server.member("jogon_jen").await;
    jen.reply(thread_id, "Is it your back or your shoulders?", Some(first_id)).await;
    jen.thread("injuries", "Warming up", "@poster_pia asked about this: how do you all warm up?").await;
    let mails = sink.wait_for(&address("poster_pia"), 2, WAIT).await;
    assert_eq!(mails.len(), 2, "the confirmation, then one message for both");
    let mail = &mails[1];
    assert_eq!(mail.subject(), "2 new replies and mentions on Jogette");
    assert!(mail.text.contains("jogon_jen replied to you") && mail.text.contains("jogon_jen mentioned you"), "{}", mail.text);
    assert!(mail.text.contains(&format!("{}/t/{thread_id}/back-pain-following-run?page=1#p2", server.base)));
    assert!(mail.text.contains("Stop emails about “Back pain following run”"));
    assert_eq!(mail.header("auto-submitted"), "auto-generated");
    assert_eq!(mail.header("list-unsubscribe-post"), "List-Unsubscribe=One-Click");
    assert!(mail.header("list-unsubscribe").starts_with(&format!("<{}/unsubscribe/", server.base)));
    assert!(mail.header("message-id").starts_with("<outbox-"));
    // Nothing is sent twice, and later notifications start a new message.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.wait_for(&address("poster_pia"), 3, Duration::ZERO).await.len(), 2);
    jen.reply(thread_id, "One more thought.", Some(first_id)).await;
    let mails = sink.wait_for(&address("poster_pia"), 3, WAIT).await;
    assert_eq!(mails[2].subject(), "jogon_jen replied to you (in “Back pain following run”)");
}

#[tokio::test]
async fn nothing_is_emailed_that_the_member_saw_on_the_site_first() {
    let Some(sink) = SmtpSink::start() else { return };
    let (server, poster, thread_id, first_id) = forum(&sink).await;
    let jen = server.member("jogon_jen").await;
    jen.reply(thread_id, "Is it your back?", Some(first_id)).await;
    // The poster is on the site: the header showed it.
    assert_eq!(poster.get("/api/v1/me").await.status(), StatusCode::OK);
    // Another reply, which the poster reads in the thread.
    jen.reply(thread_id, "Or your shoulders?", Some(first_id)).await;
    poster.get_json(&format!("/api/v1/threads/{thread_id}")).await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(sink.wait_for(&address("poster_pia"), 2, Duration::ZERO).await.len(), 1, "only the confirmation");
    let rows = outbox(&server).await;
    assert!(rows.iter().filter(|r| r[0] == "away").all(|r| r[2] == "nothing-new"), "{rows:?}");
    // Choosing never: no message is even queued.
    poster.patch("/api/v1/me/settings", json!({"email_frequency": "never"})).await;
    let before = outbox(&server).await.len();
    jen.reply(thread_id, "Still there?", Some(first_id)).await;
    assert_eq!(outbox(&server).await.len(), before);
}

#[tokio::test]
async fn unsubscribe_links_work_by_get_and_by_one_click_post() {
    let Some(sink) = SmtpSink::start() else { return };
    let (server, poster, thread_id, first_id) = forum(&sink).await;
    let jen = server.member("jogon_jen").await;
    jen.reply(thread_id, "Is it your back?", Some(first_id)).await;
    let mail = sink.wait_for(&address("poster_pia"), 2, WAIT).await.remove(1);
    let header = mail.header("list-unsubscribe");
    let link = header.trim_start_matches('<').trim_end_matches('>').trim_start_matches(&server.base).to_owned();
    // GET only asks.
    let page = server.browser().open(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text("main p").join(" ").contains("every email about replies, mentions and digests for poster_pia"));
    assert_eq!(poster.get_json("/api/v1/me/settings").await["email_frequency"], "away");
    // The mail provider's one-click POST: no cookies, no CSRF token, just the RFC 8058 body.
    let r = reqwest::Client::new()
        .post(server.url(&link))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let settings = poster.get_json("/api/v1/me/settings").await;
    assert_eq!((settings["email_frequency"].as_str(), settings["digest"].as_str()), (Some("never"), Some("never")));
    // The per-thread link in the text mutes just that thread.
    let thread_link = mail.text.split_whitespace().filter(|w| w.contains("/unsubscribe/")).map(|w| w.trim_start_matches(&server.base).to_owned()).find(|l| *l != link).unwrap();
    let r = reqwest::Client::new().post(server.url(&thread_link)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(poster.get_json(&format!("/api/v1/threads/{thread_id}")).await["level"], "muted");
    // Anything else is refused, kindly.
    let forged = link.replacen("/unsubscribe/", "/unsubscribe/9", 1);
    assert_eq!(server.browser().open(&forged).await.status, StatusCode::FORBIDDEN);
    let r = reqwest::Client::new().post(server.url(&format!("{}x", &link[..link.len() - 1]))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_digest_comes_once_per_period_with_the_busiest_threads_and_stops_after_half_a_year_away() {
    let Some(sink) = SmtpSink::start() else { return };
    let (server, poster, thread_id, first_id) = forum(&sink).await;
    let dora = confirmed_member(&server, &sink, "daily_dora").await;
    assert_eq!(dora.patch("/api/v1/me/settings", json!({"digest": "daily"})).await.status(), StatusCode::OK);
    let gone = confirmed_member(&server, &sink, "gone_gus").await;
    gone.patch("/api/v1/me/settings", json!({"digest": "daily"})).await;
    let quiet = poster.thread("injuries", "A quiet thread", "Just one post.").await;
    for n in 0..3 {
        poster.reply(thread_id, &format!("Busy reply {n}"), Some(first_id)).await;
    }
    // Members who joined before this week, and one who hasn't been here for half a year:
    // the mailer queues their digests on its next round.
    let day: i64 = 24 * 3600 * 1000;
    // One statement: the mailer may look between two, and see gus as here.
    raw_exec(
        server.db_url(),
        &format!(
            "UPDATE users SET created_at = created_at - {}, last_seen_at = CASE WHEN username = 'gone_gus' THEN last_seen_at - {} ELSE last_seen_at END",
            10 * day,
            181 * day
        ),
    )
    .await;
    let mails = sink.wait_for(&address("daily_dora"), 2, WAIT).await;
    assert_eq!(mails.len(), 2, "the confirmation and one digest");
    let digest = &mails[1];
    assert_eq!(digest.subject(), "Your daily Jogette digest: Back pain following run");
    let busy = digest.text.find("Back pain following run").unwrap();
    let calm = digest.text.find("A quiet thread").unwrap();
    assert!(busy < calm, "the busiest thread comes first: {}", digest.text);
    assert!(digest.text.contains("4 new posts"), "{}", digest.text);
    assert!(quiet["id"].is_i64());
    assert!(digest.header("list-unsubscribe").contains("/unsubscribe/"));
    assert_eq!(server.app.queue_digests(jogette::app::now_millis()).await.unwrap(), 0, "each period's digest is queued once");
    let digests = raw_rows(server.db_url(), "SELECT u.username, o.detail FROM outbox o JOIN users u ON u.id = o.user_id WHERE o.kind = 'digest' ORDER BY u.username").await;
    assert_eq!(digests, [["daily_dora", "daily"], ["poster_pia", "weekly"]], "none for gone_gus, away 181 days");
    assert_eq!(sink.wait_for(&address("poster_pia"), 2, WAIT).await[1].subject(), "Your weekly Jogette digest: Back pain following run");
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_a_link_that_works_once_for_an_hour() {
    let Some(sink) = SmtpSink::start() else { return };
    let (server, poster, ..) = forum(&sink).await;
    let browser = server.browser();
    // Unknown addresses get the same answer, and no mail goes anywhere.
    let unknown = browser.fill("/password/forgot", "/password/forgot", &[("who", "nobody@example.org")]).await.unwrap_err();
    let known = browser.fill("/password/forgot", "/password/forgot", &[("who", "poster_pia@example.org")]).await.unwrap_err();
    assert_eq!((unknown.status, unknown.text("main")), (known.status, known.text("main")));
    let mail = sink.wait_for(&address("poster_pia"), 2, WAIT).await.remove(1);
    assert_eq!(mail.subject(), "Reset your Jogette password");
    let link = mail.link(&server.base, "/password/reset/").unwrap();
    let form = browser.open(&link).await;
    assert_eq!(form.select("input#password").len(), 1);
    let short = browser.submit(&link, &[("csrf", &form.csrf()), ("password", "short")]).await.unwrap_err();
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let to = browser.submit(&link, &[("csrf", &form.csrf()), ("password", "a brand new long password")]).await.unwrap();
    assert_eq!(to, "/login?reset=1");
    assert_eq!(poster.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED, "every session ended");
    let r = server.api().post("/api/v1/sessions", json!({"username": "poster_pia", "password": "a brand new long password"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // Used once, it's spent; so is one past its hour.
    assert!(browser.open(&link).await.text("main").join(" ").contains("expired or was already used"));
    server.api().post("/api/v1/password-resets", json!({"who": "poster_pia"})).await;
    let mail = sink.wait_for(&address("poster_pia"), 3, WAIT).await.remove(2);
    let token = mail.link(&server.base, "/password/reset/").unwrap().trim_start_matches("/password/reset/").to_owned();
    raw_exec(server.db_url(), "UPDATE email_tokens SET expires_at = expires_at - 3600001").await;
    let r = server.api().post(&format!("/api/v1/password-resets/{token}"), json!({"password": "yet another long password"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn account_mail_is_rate_limited_without_telling_who_has_an_account() {
    let Some(sink) = SmtpSink::start() else { return };
    let configure = mail_to(&sink);
    let server = TestServer::configured(|c| {
        configure(c);
        c.rate_limits.email = Some(Rule { burst: 2, per: Duration::from_secs(3600) });
    })
    .await;
    for who in ["someone@example.org", "someone@example.org"] {
        assert_eq!(server.api().post("/api/v1/password-resets", json!({"who": who})).await.status(), StatusCode::ACCEPTED);
    }
    let r = server.api().post("/api/v1/password-resets", json!({"who": "someone@example.org"})).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let r = server.api().post("/api/v1/password-resets", json!({"who": ""})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_new_address_takes_over_once_its_link_is_followed() {
    let Some(sink) = SmtpSink::start() else { return };
    let (server, poster, ..) = forum(&sink).await;
    let r = poster.post("/api/v1/me/email", json!({"email": "pia.new@example.org"})).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(poster.get_json("/api/v1/me/settings").await["email"], "poster_pia@example.org", "not before it is confirmed");
    let mail = sink.wait_for("pia.new@example.org", 1, WAIT).await.remove(0);
    let token = mail.link(&server.base, "/email/confirm/").unwrap().trim_start_matches("/email/confirm/").to_owned();
    let r = server.api().post(&format!("/api/v1/email-confirmations/{token}"), json!({})).await;
    assert_eq!(r.json::<Value>().await.unwrap()["email"], "pia.new@example.org");
    let settings = poster.get_json("/api/v1/me/settings").await;
    assert_eq!((settings["email"].as_str(), settings["email_verified"].as_bool()), (Some("pia.new@example.org"), Some(true)));
    let r = poster.post("/api/v1/me/email", json!({"email": "not an address"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn changing_a_password_ends_the_members_other_sessions() {
    let server = TestServer::start().await;
    let here = server.member("careful_cal").await;
    let elsewhere = server.api().login("careful_cal").await;
    let r = here.post("/api/v1/me/password", json!({"current_password": "wrong password!", "new_password": "a brand new long password"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = here.post("/api/v1/me/password", json!({"current_password": PASSWORD, "new_password": "a brand new long password"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let rotated: Value = r.json().await.unwrap();
    assert_eq!(here.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED, "even this session's old token ends");
    let here = Api { token: rotated["token"].as_str().map(str::to_owned), ..here };
    assert_eq!(here.get("/api/v1/me").await.status(), StatusCode::OK, "and carries on under its new one");
    assert_eq!(elsewhere.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED, "the others end");
    // And through the settings page.
    let browser = server.browser();
    assert!(browser.fill("/login", "/login", &[("username", "careful_cal"), ("password", "a brand new long password")]).await.is_ok());
    let to = browser.fill("/settings", "/settings/password", &[("current_password", "a brand new long password"), ("new_password", "an even newer password")]).await;
    assert_eq!(to.ok().as_deref(), Some("/settings?done=password"));
    assert_eq!(here.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    let page = browser.open("/settings?done=password").await;
    assert!(page.text("main .status-note").join(" ").contains("logged out"));
    let to = browser.fill("/settings", "/settings/preferences", &[("email_frequency", "always"), ("digest", "daily"), ("default_watch", "watching")]).await;
    assert_eq!(to.ok().as_deref(), Some("/settings?done=saved"));
    let bad = browser.fill("/settings", "/settings/preferences", &[("email_frequency", "hourly"), ("digest", "daily"), ("default_watch", "muted")]).await.unwrap_err();
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.select(".errors li").len(), 2);
}

#[tokio::test]
async fn a_stopped_smtp_server_delays_mail_but_loses_and_repeats_none() {
    let Some(mut sink) = SmtpSink::start() else { return };
    sink.stop();
    let server = TestServer::configured(mail_to(&sink)).await;
    for name in ["ann_a", "ben_b", "cat_c"] {
        let r = server.api().post("/api/v1/users", json!({"username": name, "password": PASSWORD, "email": address(name)})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    // Tries fail and are counted, and the messages wait.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows = raw_rows(server.db_url(), "SELECT attempts, last_error, settled_at FROM outbox").await;
        if rows.len() == 3 && rows.iter().all(|r| r[0].parse::<i64>().unwrap() >= 2 && !r[1].is_empty() && r[2].is_empty()) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "retries: {rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sink.resume();
    for name in ["ann_a", "ben_b", "cat_c"] {
        assert_eq!(sink.wait_for(&address(name), 1, WAIT).await.len(), 1);
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(sink.messages().len(), 3, "each once");
    assert!(outbox(&server).await.iter().all(|r| r[2] == "sent"));
}

#[tokio::test]
async fn two_nodes_on_one_postgres_send_each_message_exactly_once() {
    let Some(sink) = SmtpSink::start() else { return };
    let node_a = TestServer::configured_on(TestDb::postgres(), mail_to(&sink)).await;
    let node_b = node_a.another_node_configured(mail_to(&sink)).await;
    let names: Vec<String> = (0..24).map(|n| format!("runner_{n}")).collect();
    for (n, name) in names.iter().enumerate() {
        let node = if n % 2 == 0 { &node_a } else { &node_b };
        let r = node.api().post("/api/v1/users", json!({"username": name, "password": PASSWORD, "email": address(name)})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    while sink.messages().len() < names.len() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let mut ids: Vec<String> = sink.messages().iter().map(|m| m.header("message-id").to_owned()).collect();
    assert_eq!(ids.len(), names.len(), "one message per member");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), names.len(), "no message twice");
    // Both nodes schedule digests, over and over; each member's is queued once.
    raw_exec(node_a.db_url(), "UPDATE users SET created_at = created_at - 864000000, email_verified_at = 1").await;
    let now = jogette::app::now_millis();
    let (a, b) = tokio::join!(node_a.app.queue_digests(now), node_b.app.queue_digests(now));
    assert!(a.is_ok() && b.is_ok());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let keys = raw_rows(node_a.db_url(), "SELECT COUNT(*), COUNT(DISTINCT user_id) FROM outbox WHERE kind = 'digest'").await;
    assert_eq!(keys, [[names.len().to_string(), names.len().to_string()]]);
}

#[tokio::test]
async fn a_member_is_emailed_when_the_copy_of_their_data_is_ready() {
    let Some(sink) = SmtpSink::start() else { return };
    let (server, poster, _, _) = forum(&sink).await;
    assert_eq!(poster.post("/api/v1/me/export", json!({})).await.status(), StatusCode::ACCEPTED);
    let mails = sink.wait_for(&address("poster_pia"), 2, WAIT).await;
    assert_eq!(mails.len(), 2, "{:?}", outbox(&server).await);
    let ready = mails.last().expect("a message says the export is ready");
    assert_eq!(ready.subject(), "Your Jogette data is ready to download");
    assert_eq!(ready.link(&server.base, "/settings/export").as_deref(), Some("/settings/export"));
    // One message per export, however often the mailer looks.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.wait_for(&address("poster_pia"), 3, Duration::ZERO).await.len(), 2);
}
