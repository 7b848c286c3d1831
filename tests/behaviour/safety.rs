//! Red-flag signposting as members meet it: while composing, on preview, on the
//! post, and as an alert to moderators. It never blocks or hides a post.

use crate::support::*;
use jogette::config::{Config, RateLimits, Rule};
use jogette::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const EMERGENCY: &str = "Halfway round I got a crushing pain in my chest and it's spreading down my left arm.";

#[tokio::test]
async fn the_check_api_needs_no_login_and_returns_tier_signs_and_advice() {
    let server = TestServer::start().await;
    let r = server.api().post("/api/v1/safety/check", json!({"text": EMERGENCY})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["tier"], "emergency");
    assert_eq!(a["signs"][0]["id"], "chest-pain-spreading");
    assert!(a["signs"][0]["evidence"].as_str().unwrap().contains("crushing pain in my chest"));
    assert_eq!(a["advice"]["headline"], "Call 999 now");
    assert_eq!(a["advice"]["action"], "Call 999");

    let calm: Value = server.api().post("/api/v1/safety/check", json!({"text": "W1R3 done, calves a bit achy"})).await.json().await.unwrap();
    assert_eq!((calm["tier"].as_str(), calm["advice"].is_null()), (Some("none"), true));

    let r = server.api().post("/api/v1/safety/check", json!({"text": "x".repeat(40_000)})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_check_api_is_rate_limited() {
    let limits = RateLimits { safety: Some(Rule { burst: 2, per: Duration::from_secs(60) }), ..RateLimits::off() };
    let server = TestServer::with_limits(limits).await;
    for _ in 0..2 {
        assert_eq!(server.api().post("/api/v1/safety/check", json!({"text": "hi"})).await.status(), StatusCode::OK);
    }
    assert_eq!(server.api().post("/api/v1/safety/check", json!({"text": "hi"})).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_emergency_post_is_published_carded_and_moderators_are_told_at_once() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("injuries", "Injuries and niggles").await;
    server.seed_user("mod_mo", Role::Moderator).await;
    let moderator = server.api().login("mod_mo").await;
    let member = server.member("worried_runner").await;
    let bystander = server.member("bystander").await;

    let thread = member.thread("injuries", "Chest pain on my run", EMERGENCY).await;
    assert_eq!(thread["first_post"]["safety"]["tier"], "emergency");
    let url = thread["url"].as_str().unwrap();

    for staff in [&moderator, &admin] {
        let n = staff.get_json("/api/v1/notifications").await;
        assert_eq!(n["unread"], 1);
        assert_eq!(n["items"][0]["kind"], "safety-emergency");
        assert_eq!(n["items"][0]["url"], format!("{url}?page=1#p1"));
        assert_eq!(n["items"][0]["actors"][0]["username"], "worried_runner");
    }
    assert_eq!(bystander.get_json("/api/v1/notifications").await["unread"], 0);

    // The author sees advice addressed to them; readers see who might need help.
    let author_view = server.browser();
    author_view.fill("/login", "/login", &[("username", "worried_runner"), ("password", PASSWORD)]).await.unwrap();
    let page = author_view.open(url).await;
    assert_eq!(page.text("#p1 details.safety summary"), ["Call 999 now"]);
    assert!(page.text("#p1 details.safety p")[0].starts_with("You mention chest pain spreading"));
    assert_eq!(page.text("#p1 .body"), [EMERGENCY], "the post itself is never hidden");

    let reader = server.browser().open(url).await;
    assert!(reader.text("#p1 details.safety p")[0].starts_with("This post mentions chest pain spreading"));
    assert!(reader.text("#p1 details.safety p")[0].contains("encourage worried_runner to get help"));

    // The moderator's page shows the alert and can clear it.
    let mod_browser = server.browser();
    mod_browser.fill("/login", "/login", &[("username", "mod_mo"), ("password", PASSWORD)]).await.unwrap();
    let home = mod_browser.open("/").await;
    assert_eq!(home.text("header.site .badge"), ["1 unread"]);
    let notes = mod_browser.open("/notifications").await;
    assert_eq!(notes.text("ol.notifications li strong"), ["A member may need help now"]);
    assert_eq!(notes.attr("ol.notifications li a", "href"), [format!("{url}?page=1#p1")]);
    mod_browser.fill("/notifications", "/notifications/read", &[]).await.unwrap();
    assert_eq!(moderator.get_json("/api/v1/notifications").await["unread"], 0);

    // Ordinary posts carry no card and alert nobody.
    let calm = bystander.reply(thread["id"].as_i64().unwrap(), "Please call 999 now, we're thinking of you.", None).await;
    assert!(calm["safety"].is_null());
    assert_eq!(moderator.get_json("/api/v1/notifications").await["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn editing_a_post_into_an_emergency_alerts_staff_once() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("injuries", "Injuries").await;
    let member = server.member("editor_runner").await;
    let thread = member.thread("injuries", "How was your run?", "Fine thanks").await;
    let id = thread["first_post"]["id"].as_i64().unwrap();
    member.patch(&format!("/api/v1/posts/{id}"), json!({"body": "Update: I collapsed at the end of the run"})).await;
    member.patch(&format!("/api/v1/posts/{id}"), json!({"body": "Update: I collapsed at the end of the run, help"})).await;
    assert_eq!(admin.get_json("/api/v1/notifications").await["unread"], 1);
}

#[tokio::test]
async fn the_preview_step_shows_the_card_without_javascript_and_posts_nothing() {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries").await;
    let browser = server.browser();
    browser.register("previewer").await;
    let page = browser
        .fill("/new-thread", "/new-thread", &[("category", "injuries"), ("title", "Upper back ache"), ("body", "My upper back has ached between my shoulder blades for two weeks and it isn't settling"), ("preview", "1")])
        .await
        .unwrap_err();
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text(".preview .body"), ["My upper back has ached between my shoulder blades for two weeks and it isn't settling"]);
    assert_eq!(page.text(".safety-slot details.safety summary"), ["See a GP or physiotherapist"]);
    assert!(page.text(".safety-slot details.safety p")[0].contains("upper back pain that isn't settling"));
    assert_eq!(page.attr("input#title", "value"), ["Upper back ache"], "nothing typed is lost");
    assert_eq!(server.api().get_json("/api/v1/threads").await["total"], 0);

    // Posting from the preview works as usual.
    let to = browser
        .submit("/new-thread", &[("csrf", &page.csrf()), ("category", "injuries"), ("title", "Upper back ache"), ("body", "It aches")])
        .await;
    assert!(to.is_ok());
}

#[tokio::test]
async fn a_reply_preview_keeps_the_reply_target() {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries").await;
    let member = server.member("target_keeper").await;
    let thread = member.thread("injuries", "Preview replies", "Opening post").await;
    let browser = server.browser();
    browser.register("replier").await;
    let first = thread["first_post"]["id"].to_string();
    let form = browser.open(&format!("{}/reply?to={first}", thread["url"].as_str().unwrap())).await;
    let page = browser
        .submit(&format!("/t/{}/reply", thread["id"]), &[("csrf", &form.csrf()), ("body", "no chest pain here"), ("reply_to", &first), ("preview", "1")])
        .await
        .unwrap_err();
    assert_eq!(page.attr("input[name=reply_to]", "value"), [first]);
    assert!(page.select(".safety-slot details").is_empty(), "negated signs show no card");
}

#[tokio::test]
async fn the_us_locale_signposts_911() {
    let db = TestDb::new();
    let config = Config { db: db.url.clone(), locale: "us".into(), rate_limits: RateLimits::off(), ..Config::default() };
    let app = jogette::app::App::open(config).await.unwrap();
    assert_eq!(app.assess(EMERGENCY).advice.unwrap().headline, "Call 911 now");
}

#[tokio::test]
async fn a_community_rules_file_adds_signs_and_bad_files_are_refused() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.toml");
    let extra = jogette::domain::safety::BUILTIN_RULES.replace("[concepts]\n", "[concepts]\nsnake = [\"bitten by a snake\", \"adder bit*\"]\n")
        + "\n[[signs]]\nid = \"snake-bite\"\nlabel = \"a snake bite\"\ntier = \"emergency\"\nsource = \"https://www.nhs.uk/conditions/snake-bites/\"\nall = [\"snake\"]\n";
    std::fs::write(&rules, extra).unwrap();
    let open = |config: Config| jogette::app::App::open(Config { db: db.url.clone(), ..config });
    let app = open(Config { safety_rules: Some(rules.clone()), ..Config::default() }).await.unwrap();
    assert_eq!(app.assess("I was bitten by a snake on the heath").signs[0].id, "snake-bite");

    std::fs::write(&rules, "this is not toml [").unwrap();
    assert!(open(Config { safety_rules: Some(rules), ..Config::default() }).await.is_err());
    assert!(open(Config { locale: "xx".into(), ..Config::default() }).await.is_err());
}

#[tokio::test]
async fn a_post_about_someone_else_is_carded_for_them_and_shows_what_was_read() {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries and niggles").await;
    let member = server.member("worried_daughter").await;
    let text = "My dad finished parkrun and says his chest is tight and it's going down his left arm.";
    let thread = member.thread("injuries", "Dad after parkrun", text).await;
    assert_eq!(thread["first_post"]["safety"]["about"], "someone-else");
    let url = thread["url"].as_str().unwrap();

    let author_view = server.browser();
    author_view.fill("/login", "/login", &[("username", "worried_daughter"), ("password", PASSWORD)]).await.unwrap();
    let page = author_view.open(url).await;
    let message = &page.text("#p1 details.safety p")[0];
    assert!(message.starts_with("You mention someone with chest pain spreading to their arm"), "{message}");
    assert!(message.contains("call 999 for them"), "{message}");
    let read = page.text("#p1 details.safety .safety-read li");
    assert_eq!(read.len(), 1, "{read:?}");
    assert!(read[0].starts_with("chest pain spreading to your arm, jaw, neck or back: “My dad finished parkrun"), "{}", read[0]);

    let reader = server.browser().open(url).await;
    assert!(reader.text("#p1 details.safety p")[0].contains("encourage worried_daughter to get them help"));
}

#[tokio::test]
async fn words_of_crisis_get_the_someone_may_be_at_risk_card_and_helpers_advice_gets_none() {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries and niggles").await;
    let member = server.member("low_runner").await;
    let thread = member.thread("injuries", "Can't see the point", "Honestly I keep thinking about ending it all.").await;
    assert_eq!(thread["first_post"]["safety"]["tier"], "emergency");
    let page = server.browser().open(thread["url"].as_str().unwrap()).await;
    assert!(page.text("#p1 details.safety summary")[0].starts_with("Someone may be at risk"));
    assert!(page.text("#p1 details.safety .safety-action")[0].contains("116 123"));

    let helper = server.member("kind_helper").await;
    let advice = "If you ever get chest pain or your face droops on one side, call 999 straight away.";
    let reply = helper.reply(thread["id"].as_i64().unwrap(), advice, None).await;
    assert!(reply["safety"].is_null(), "conditional advice raises no card: {reply}");
}
