//! The running programme: plans, the run log, badges, graduation, the
//! private pain log, sharing a run, offline retries, and what an attached
//! pain summary does to the safety signposting.

use crate::support::*;
use jogette::domain::dates;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A calendar day `ago` days before today (UTC), as the API takes it.
fn day(ago: i64) -> String {
    dates::iso_day(dates::day_of(jogette::app::now_millis()) - ago)
}

async fn log(member: &Api, body: Value) -> Value {
    let r = member.post("/api/v1/runs", body).await;
    assert!(r.status().is_success(), "logging a run: {}", r.status());
    r.json().await.unwrap()
}

async fn log_run(member: &Api, plan_run: &str) -> Value {
    log(member, json!({"plan_run": plan_run, "date": day(0)})).await
}

async fn community() -> (TestServer, Api) {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("week-by-week", "Week by week").await;
    for (slug, name) in [("graduates", "Graduates"), ("injuries", "Injuries")] {
        let r = admin.post("/api/v1/categories", json!({"slug": slug, "name": name, "description": ""})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    (server, admin)
}

fn errors_on(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().map(|e| e.iter().map(|e| e["field"].as_str().unwrap_or("").to_owned()).collect()).unwrap_or_default()
}

#[tokio::test]
async fn plans_are_data_with_weeks_runs_and_segments_in_seconds() {
    let (server, _) = community().await;
    let guest = server.api();
    let plans = guest.get_json("/api/v1/plans").await;
    let ids: Vec<&str> = plans["plans"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["couch-to-5k", "beyond-5k"]);
    let c25k = guest.get_json("/api/v1/plans/couch-to-5k").await;
    assert_eq!(c25k["weeks"].as_array().unwrap().len(), 9);
    let w1r1 = &c25k["weeks"][0]["runs"][0];
    assert_eq!(w1r1["run"], "w1r1");
    assert_eq!(w1r1["segments"][0], json!({"kind": "warm-up", "start_s": 0, "seconds": 300}));
    assert_eq!(w1r1["segments"][1], json!({"kind": "run", "start_s": 300, "seconds": 60}));
    assert_eq!(w1r1["running_s"], 480);
    let w9r3 = &c25k["weeks"][8]["runs"][2];
    assert_eq!(w9r3["running_s"], 1800);
    assert!(w9r3["cues"].as_array().unwrap().last().unwrap()["say"].as_str().unwrap().contains("whole plan"));
    assert_eq!(guest.get("/api/v1/plans/no-such-plan").await.status(), StatusCode::NOT_FOUND);
    // The plan's own page lists every run, each linking to its guided run.
    let page = server.browser().open("/plans/couch-to-5k").await;
    assert_eq!(page.select("table.plan-week tbody tr").len(), 27);
    assert!(page.attr("table.plan-week a", "href").contains(&"/run?plan=couch-to-5k&run=w5r3".to_owned()));
}

#[tokio::test]
async fn an_admin_adds_a_plan_and_a_file_with_an_error_is_refused_with_its_line_and_column() {
    let (server, admin) = community().await;
    let plan = "id = \"parkrun-ready\"\nname = \"Parkrun ready\"\nwarm_up = \"5:00\"\n[[weeks]]\nsession = \"run 10:00, walk 1:3O\"\n";
    let r = admin.post("/api/v1/plans", json!({"source": plan})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = r.json().await.unwrap();
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("line 5, column 28") && message.contains("\"1:3O\" is not a duration"), "{message}");
    let member = server.member("plain_pat").await;
    let fixed = plan.replace("1:3O", "1:30");
    assert_eq!(member.post("/api/v1/plans", json!({"source": fixed})).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.api().post("/api/v1/plans", json!({"source": fixed})).await.status(), StatusCode::UNAUTHORIZED);
    let r = admin.post("/api/v1/plans", json!({"source": fixed})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let added: Value = r.json().await.unwrap();
    assert_eq!((added["id"].as_str(), added["weeks"].as_i64()), (Some("parkrun-ready"), Some(1)));
    assert_eq!(server.api().get_json("/api/v1/plans/parkrun-ready").await["weeks"][0]["runs"].as_array().unwrap().len(), 3);
    // Recorded in the moderators' log, as every admin action is.
    let log = admin.get_json("/api/v1/mod/log").await;
    assert!(log.to_string().contains("save-plan"), "{log}");

    // The admin page takes a file upload too.
    let browser = server.browser();
    assert!(browser.fill("/login", "/login", &[("username", "site_admin"), ("password", PASSWORD)]).await.is_ok());
    let csrf = browser.open("/admin/plans").await.csrf();
    let upload = |source: String| {
        reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(source.into_bytes()).file_name("plan.toml"))
            .text("source", "")
    };
    let r = browser.http.post(server.url("/admin/plans")).multipart(upload(plan.replace("Parkrun", "Parkrun 2").replace("parkrun-ready", "parkrun-two"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("line 5, column 28"));
    let r = browser.http.post(server.url("/admin/plans")).multipart(upload(fixed.replace("parkrun-ready", "parkrun-two"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(server.api().get("/api/v1/plans/parkrun-two").await.status().is_success());
}

#[tokio::test]
async fn a_members_badge_shows_beside_every_post_and_they_can_hide_it() {
    let (server, _) = community().await;
    let runner = server.member("new_nia").await;
    let first = log_run(&runner, "w1r1").await;
    assert_eq!((first["created"].as_bool(), first["badge"].as_str()), (Some(true), Some("W1R1")));
    log_run(&runner, "W1R2").await;
    let thread = runner.thread("week-by-week", "Week one nearly done", "Two runs in!").await;
    assert_eq!(thread["first_post"]["author_badge"], "W1R2");
    let id = thread["id"].as_i64().unwrap();
    let page = server.browser().open(thread["url"].as_str().unwrap()).await;
    assert_eq!(page.text("#p1 .run-badge"), ["W1R2"]);
    // Progress is public unless its member keeps it to themselves.
    let progress = server.api().get_json("/api/v1/users/new_nia/progress").await;
    assert_eq!((progress["badge"].as_str(), progress["next"].as_str(), progress["runs_logged"].as_i64()), (Some("W1R2"), Some("w1r3"), Some(2)));
    assert!(server.browser().open("/u/new_nia").await.text("section.progress .run-badge").contains(&"W1R2".to_owned()));
    let r = runner.patch("/api/v1/me/programme", json!({"show_progress": false})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(server.api().get_json(&format!("/api/v1/threads/{id}")).await["posts"][0]["author_badge"], Value::Null);
    assert!(server.browser().open(thread["url"].as_str().unwrap()).await.select(".run-badge").is_empty());
    assert_eq!(server.api().get("/api/v1/users/new_nia/progress").await.status(), StatusCode::FORBIDDEN);
    assert!(server.browser().open("/u/new_nia").await.select("section.progress").is_empty());
    // They still see their own.
    assert_eq!(runner.get_json("/api/v1/users/new_nia/progress").await["badge"], "W1R2");
}

#[tokio::test]
async fn repeating_a_week_is_normal_and_never_moves_the_badge_back() {
    let (server, _) = community().await;
    let runner = server.member("repeat_rae").await;
    for run in ["w1r1", "w1r2", "w1r3", "w2r1"] {
        log_run(&runner, run).await;
    }
    let again = log_run(&runner, "w1r3").await;
    assert!(again["encouragement"].as_str().unwrap().contains("completely normal"), "{again}");
    assert_eq!(again["badge"], "W2R1");
    let progress = runner.get_json("/api/v1/users/repeat_rae/progress").await;
    assert_eq!((progress["weeks_done"].as_i64(), progress["next"].as_str()), (Some(1), Some("w2r2")));
    // Through the form, the page after logging says so too.
    let browser = server.browser();
    assert!(browser.fill("/login", "/login", &[("username", "repeat_rae"), ("password", PASSWORD)]).await.is_ok());
    let form = browser.open("/runs").await;
    assert_eq!(form.attr("#run-plan_run option[selected]", "value"), ["w2r2"], "the next run is chosen");
    let client_id = form.attr("input[name=client_id]", "value").remove(0);
    let fields = [("csrf", form.csrf()), ("client_id", client_id), ("plan_run", "w2r1".into()), ("date", day(0)), ("felt", "hard".into())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let to = browser.submit("/runs", &fields).await.expect("logged");
    assert!(to.contains("repeated=1"), "{to}");
    let page = browser.open(&to).await;
    assert!(page.text(".logged").join(" ").contains("completely normal"), "{page:?}");
    // Sending the same form again (a double tap, a reload) logs nothing more.
    assert!(browser.submit("/runs", &fields).await.is_ok());
    assert_eq!(runner.get_json("/api/v1/runs").await["total"], 6);
}

#[tokio::test]
async fn finishing_the_last_run_makes_a_graduate_who_is_offered_a_post_in_graduates() {
    let (server, _) = community().await;
    let runner = server.member("grad_gus").await;
    log_run(&runner, "w9r2").await;
    let browser = server.browser();
    assert!(browser.fill("/login", "/login", &[("username", "grad_gus"), ("password", PASSWORD)]).await.is_ok());
    let form = browser.open("/runs").await;
    let to = browser.submit("/runs", &[("csrf", &form.csrf()), ("plan_run", "w9r3"), ("date", &day(0)), ("felt", "easy")]).await.unwrap();
    assert!(to.contains("graduated=1"), "{to}");
    let page = browser.open(&to).await;
    assert_eq!(page.text("#graduate-heading"), ["You're a Graduate!"]);
    let link = page.attr(".celebrate a.button", "href").remove(0);
    assert!(link.starts_with("/new-thread?category=graduates"), "{link}");
    let composer = browser.open(&link).await;
    assert_eq!(composer.attr("#category option[selected]", "value"), ["graduates"]);
    assert!(composer.attr("#title", "value")[0].contains("grad_gus graduated"));
    assert!(composer.text("#body")[0].contains("finished the last run"));
    let post = runner.thread("graduates", "Graduated today", "Thirty minutes!").await;
    assert_eq!(post["first_post"]["author_badge"], "Graduate");
    // A graduate on the next plan keeps the title beside their place in it.
    assert_eq!(runner.patch("/api/v1/me/programme", json!({"plan": "beyond-5k"})).await.status(), StatusCode::OK);
    assert_eq!(log_run(&runner, "w1r1").await["badge"], "Graduate · 10K W1R1");
    // A graduation logged by mistake goes with its run.
    assert_eq!(runner.patch("/api/v1/me/programme", json!({"plan": "couch-to-5k"})).await.status(), StatusCode::OK);
    let runs = runner.get_json("/api/v1/runs").await;
    let last = runs["items"].as_array().unwrap().iter().find(|r| r["plan_run"] == "w9r3").unwrap()["id"].as_i64().unwrap();
    assert_eq!(runner.delete(&format!("/api/v1/runs/{last}")).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(runner.get_json("/api/v1/users/grad_gus/progress").await["badge"], "W9R2");
}

#[tokio::test]
async fn the_pain_log_is_seen_by_its_member_alone() {
    let (server, admin) = community().await;
    let runner = server.member("private_pam").await;
    let run = log(&runner, json!({"plan_run": "w3r1", "date": day(1), "pain": [{"area": "knee", "level": 6}], "note": "Knee grumbled"})).await;
    let id = run["id"].as_i64().unwrap();
    assert_eq!(run["pain"], json!([{"area": "knee", "level": 6}]));
    let own = runner.get_json("/api/v1/users/private_pam/progress").await;
    assert_eq!(own["pain"][0]["area"], "knee");
    // Another member, a moderator, an admin and a guest see progress, never pain.
    let other = server.member("nosy_ned").await;
    for (who, viewer) in [("member", other.clone()), ("admin", admin.clone()), ("guest", server.api())] {
        let progress = viewer.get_json("/api/v1/users/private_pam/progress").await;
        assert!(progress.get("pain").is_none() && progress.get("pain_summaries").is_none(), "{who}: {progress}");
        assert!(!progress.to_string().contains("knee"), "{who}: {progress}");
        assert_eq!(viewer.get(&format!("/api/v1/runs/{id}")).await.status(), if who == "guest" { StatusCode::UNAUTHORIZED } else { StatusCode::NOT_FOUND }, "{who}");
        let profile = server.browser().open("/u/private_pam").await;
        assert!(!format!("{profile:?}").contains("Knee") && profile.select("#pain-chart-title").is_empty(), "{who}");
    }
    assert_eq!(other.get_json("/api/v1/runs").await["total"], 0, "another member's log is their own");
    assert_eq!(other.patch(&format!("/api/v1/runs/{id}"), json!({"note": "mine now"})).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(other.delete(&format!("/api/v1/runs/{id}")).await.status(), StatusCode::NOT_FOUND);
    // The member sees it on their own profile and run log.
    let browser = server.browser();
    assert!(browser.fill("/login", "/login", &[("username", "private_pam"), ("password", PASSWORD)]).await.is_ok());
    assert_eq!(browser.open("/u/private_pam").await.text("#pain-chart-title").len(), 1);
    assert!(browser.open("/runs").await.text("ol.runs").join(" ").contains("Knee 6/10"));
}

#[tokio::test]
async fn runs_are_edited_and_deleted_by_their_member() {
    let (server, _) = community().await;
    let runner = server.member("edit_eve").await;
    let run = log(&runner, json!({"plan_run": "w1r1", "date": day(2), "distance_m": 2100, "felt": "ok", "pain": [{"area": "shin", "level": 3}]})).await;
    let id = run["id"].as_i64().unwrap();
    let r = runner.patch(&format!("/api/v1/runs/{id}"), json!({"plan_run": "w1r2", "distance_m": null, "note": "Actually it was run two"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let edited: Value = r.json().await.unwrap();
    assert_eq!((edited["plan_run"].as_str(), edited["distance_m"].as_i64(), edited["felt"].as_str()), (Some("w1r2"), None, Some("ok")));
    assert_eq!(edited["pain"], json!([{"area": "shin", "level": 3}]), "pain left alone stays");
    assert_eq!(runner.get_json("/api/v1/users/edit_eve/progress").await["badge"], "W1R2");
    let r = runner.patch(&format!("/api/v1/runs/{id}"), json!({"felt": "brilliant", "date": "someday"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors_on(&r.json().await.unwrap()), ["date", "felt"]);
    // Through the form: edit, then delete.
    let browser = server.browser();
    assert!(browser.fill("/login", "/login", &[("username", "edit_eve"), ("password", PASSWORD)]).await.is_ok());
    let form = browser.open(&format!("/runs/{id}/edit")).await;
    assert_eq!(form.attr("#run-plan_run option[selected]", "value"), ["w1r2"]);
    let bad = browser.submit(&format!("/runs/{id}/edit"), &[("csrf", &form.csrf()), ("plan_run", "w1r2"), ("date", &day(2)), ("distance_km", "far")]).await.unwrap_err();
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.text("#run-distance_m-error"), ["Enter the distance in kilometres, such as 3.2."]);
    assert_eq!(bad.attr("#run-distance_m", "value"), ["far"], "what was typed stays");
    let to = browser.submit(&format!("/runs/{id}/edit"), &[("csrf", &form.csrf()), ("plan_run", "w1r2"), ("date", &day(2)), ("distance_km", "2.4"), ("duration_min", "31:20")]).await;
    assert_eq!(to.ok().as_deref(), Some("/runs?done=edited"));
    let now = runner.get_json(&format!("/api/v1/runs/{id}")).await;
    assert_eq!((now["distance_m"].as_i64(), now["duration_s"].as_i64()), (Some(2400), Some(1880)));
    assert_eq!(browser.submit(&format!("/runs/{id}/delete"), &[("csrf", &form.csrf())]).await.ok().as_deref(), Some("/runs?done=deleted"));
    assert_eq!(runner.get(&format!("/api/v1/runs/{id}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(runner.get_json("/api/v1/users/edit_eve/progress").await["badge"], Value::Null);
}

#[tokio::test]
async fn a_phone_retrying_a_run_logged_offline_logs_it_once() {
    let (server, _) = community().await;
    let runner = server.member("offline_ola").await;
    let body = json!({"plan_run": "w4r1", "date": day(1), "client_id": "a1b2c3d4-run", "duration_s": 2400});
    let r = runner.post("/api/v1/runs", body.clone()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let first: Value = r.json().await.unwrap();
    let r = runner.post("/api/v1/runs", body.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let again: Value = r.json().await.unwrap();
    assert_eq!((again["id"].clone(), again["created"].as_bool()), (first["id"].clone(), Some(false)));
    // Several tries at once, as a phone coming back online might send them.
    let tries: Vec<_> = (0..6).map(|_| {
        let (runner, body) = (runner.clone(), json!({"plan_run": "w4r2", "date": day(0), "client_id": "second-run"}));
        tokio::spawn(async move { runner.post("/api/v1/runs", body).await.status() })
    }).collect();
    for t in tries {
        assert!(t.await.unwrap().is_success());
    }
    assert_eq!(runner.get_json("/api/v1/runs").await["total"], 2);
    // Another member's phone may use the same id for its own run.
    let other = server.member("other_olu").await;
    assert_eq!(other.post("/api/v1/runs", body).await.status(), StatusCode::CREATED);
    let bad = runner.post("/api/v1/runs", json!({"date": day(0), "client_id": "not ok!"})).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn bad_runs_are_refused_field_by_field() {
    let (server, _) = community().await;
    let runner = server.member("typo_tom").await;
    let r = runner.post("/api/v1/runs", json!({"plan_run": "w10r1", "date": day(-5), "distance_m": 0, "felt": "great", "pain": [{"area": "elbow", "level": 2}, {"area": "knee", "level": 12}]})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors_on(&r.json().await.unwrap()), ["plan_run", "date", "distance_m", "felt", "pain", "pain"]);
    assert_eq!(server.api().post("/api/v1/runs", json!({"date": day(0)})).await.status(), StatusCode::UNAUTHORIZED);
    let r = runner.post("/api/v1/runs", json!({"plan_run": "w1r1"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "a date is needed");
    assert_eq!(runner.get_json("/api/v1/runs").await["total"], 0, "nothing was logged");
}

#[tokio::test]
async fn sharing_a_run_starts_a_post_with_its_words() {
    let (server, _) = community().await;
    let runner = server.member("share_sam").await;
    let thread = runner.thread("week-by-week", "Week 3 check-in", "How's everyone doing?").await;
    let run = log(&runner, json!({"plan_run": "w3r1", "date": day(0), "felt": "hard"})).await;
    let browser = server.browser();
    assert!(browser.fill("/login", "/login", &[("username", "share_sam"), ("password", PASSWORD)]).await.is_ok());
    let page = browser.open(&format!("/runs/{}/share", run["id"])).await;
    assert_eq!(page.text(".share-preview"), ["W3R1 done: hard but I did it!"]);
    assert_eq!(page.attr("#share-category option[selected]", "value"), ["week-by-week"]);
    // A new thread…
    let (at, composer) = browser.visit("/new-thread?category=week-by-week&title=W3R1%20done&text=W3R1%20done%3A%20hard%20but%20I%20did%20it!").await;
    assert_eq!(at, "/new-thread?category=week-by-week&title=W3R1%20done&text=W3R1%20done%3A%20hard%20but%20I%20did%20it!");
    assert_eq!(composer.text("#body"), ["W3R1 done: hard but I did it!"]);
    // …or a reply in a thread they posted in.
    assert!(page.attr("#share-thread option", "value").contains(&thread["id"].to_string()));
    let (at, composer) = browser.visit(&format!("/share/reply?thread={}&text=W3R1%20done", thread["id"])).await;
    assert!(at.contains("/reply?text=W3R1"), "{at}");
    assert_eq!(composer.text("#body"), ["W3R1 done"]);
    // Someone else's run can't be shared.
    let other = server.browser();
    other.register("other_oz").await;
    assert_eq!(other.open(&format!("/runs/{}/share", run["id"])).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_week_of_unchanging_upper_back_pain_attached_to_a_post_moves_the_card_to_see_a_gp() {
    let (server, _) = community().await;
    let runner = server.member("achy_al").await;
    for (ago, level) in [(7, 4), (5, 4), (2, 5), (0, 4)] {
        log(&runner, json!({"plan_run": "w5r1", "date": day(ago), "pain": [{"area": "upper-back", "level": level}]})).await;
    }
    let words = "My upper back aches after my runs. Should I worry?";
    let plain = runner.thread("injuries", "Upper back after runs", words).await;
    assert_eq!(plain["first_post"]["safety"], Value::Null, "the words alone are self-care");
    assert_eq!(plain["first_post"]["pain_summary"], Value::Null);
    let r = runner.post("/api/v1/threads", json!({"category": "injuries", "title": "Upper back, a week on", "body": words, "pain_area": "upper-back"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let with_pain: Value = r.json().await.unwrap();
    let post = &with_pain["first_post"];
    assert_eq!(post["pain_summary"], json!({"area": "upper-back", "level": 4, "days": 7, "trend": "not-improving"}));
    assert_eq!(post["safety"]["tier"], "soon", "{post}");
    let page = server.browser().open(with_pain["url"].as_str().unwrap()).await;
    assert!(page.text("#p1 .pain-summary").join(" ").contains("upper back, 4/10, 7 days, not improving"));
    assert_eq!(page.attr("#p1 details.safety", "class"), ["safety safety-soon"]);
    // Nothing logged for an area: said so, and nothing posted.
    let r = runner.post("/api/v1/threads", json!({"category": "injuries", "title": "Knee trouble", "body": "Knee?", "pain_area": "knee"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors_on(&r.json().await.unwrap()), ["pain_area"]);
    // The composer offers the summary, and its preview shows the card.
    let browser = server.browser();
    assert!(browser.fill("/login", "/login", &[("username", "achy_al"), ("password", PASSWORD)]).await.is_ok());
    let composer = browser.open("/new-thread?category=injuries").await;
    assert_eq!(composer.attr("#pain_area option", "value"), ["", "upper-back"]);
    let preview = browser
        .submit("/new-thread", &[("csrf", &composer.csrf()), ("category", "injuries"), ("title", "Upper back"), ("body", words), ("pain_area", "upper-back"), ("preview", "1")])
        .await
        .unwrap_err();
    assert_eq!(preview.attr(".safety-slot details.safety", "class"), ["safety safety-soon"], "{preview:?}");
    assert_eq!(preview.attr("#pain_area option[selected]", "value"), ["upper-back"]);
}

#[tokio::test]
async fn the_guided_run_page_shows_the_run_without_javascript() {
    let (server, _) = community().await;
    let guest = server.browser().open("/run").await;
    assert_eq!(guest.status, StatusCode::OK);
    assert!(guest.text("h1")[0].starts_with("W1R1"));
    let kinds = guest.attr("table.segments tbody tr", "data-kind");
    assert_eq!(kinds.first().map(String::as_str), Some("warm-up"));
    assert_eq!(kinds.len(), 1 + 16 + 1);
    assert!(guest.text("ol.cues li .say").iter().any(|c| c == "Now walk for 90 seconds."));
    assert!(guest.select("form.run-log").is_empty(), "guests are asked to log in to log");
    assert!(guest.attr("link[rel=manifest]", "href") == ["/manifest.webmanifest"]);
    let w5r3 = server.browser().open("/run?plan=couch-to-5k&run=w5r3").await;
    assert!(w5r3.text("h1")[0].starts_with("W5R3: 20 minutes of running"), "{w5r3:?}");
    assert_eq!(server.browser().open("/run?run=w42r1").await.status, StatusCode::NOT_FOUND);
    // A member sees their next run and the log form.
    let runner = server.member("next_ned").await;
    log_run(&runner, "w2r1").await;
    let browser = server.browser();
    assert!(browser.fill("/login", "/login", &[("username", "next_ned"), ("password", PASSWORD)]).await.is_ok());
    let page = browser.open("/run").await;
    assert!(page.text("h1")[0].starts_with("W2R2"));
    assert_eq!(page.attr("form.run-log #run-plan_run option[selected]", "value"), ["w2r2"]);
    // The offline pieces are served.
    let sw = server.api().get("/sw.js").await;
    assert_eq!(sw.headers()["content-type"], "text/javascript; charset=utf-8");
    assert!(!sw.text().await.unwrap().contains("ASSET_VERSION"), "the worker names the assets' version");
    assert_eq!(server.api().get_json("/manifest.webmanifest").await["start_url"], "/run");
}
