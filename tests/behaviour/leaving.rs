//! Leaving: a member deletes their account, anonymised or erased, with a
//! grace period that logging in cancels; an erased member leaves no trace on disk.

use crate::support::{BIN, PASSWORD, TestDb, TestServer};
use jogette::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Command;

/// A thread by pat_runs, a reply to it by sam that mentions pat, and pat's
/// own reply; returns the thread.
async fn conversation(server: &TestServer) -> Value {
    server.admin_with_category("niggles", "Injuries and niggles").await;
    server.seed_user("pat_runs", Role::Member).await;
    server.seed_user("sam", Role::Member).await;
    let pat = server.api().login("pat_runs").await;
    let sam = server.api().login("sam").await;
    let thread = pat.thread("niggles", "Knee twinges on the downhill bits", "My left knee twinges on every downhill near Lochinver harbour.").await;
    let tid = thread["id"].as_i64().unwrap();
    let first = server.api().get_json(&format!("/api/v1/threads/{tid}")).await["posts"][0]["id"].as_i64().unwrap();
    sam.reply(tid, "@pat_runs try shorter steps downhill, it helped me.", Some(first)).await;
    pat.reply(tid, "Thanks! I will try the shorter strides by the harbour wall.", None).await;
    thread
}

#[tokio::test]
async fn an_anonymised_member_s_posts_stay_under_a_former_member_and_logging_in_during_the_grace_period_cancels() {
    let server = TestServer::start().await;
    let thread = conversation(&server).await;
    let pat = server.browser();
    pat.fill("/login", "/login", &[("username", "pat_runs"), ("password", PASSWORD)]).await.unwrap();

    let wrong = pat.fill("/settings", "/settings/delete", &[("mode", "anonymise"), ("password", "not it at all")]).await.unwrap_err();
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.text("#password-error"), ["That isn't your password."]);
    let asked = pat.fill("/settings", "/settings/delete", &[("mode", "anonymise"), ("password", PASSWORD)]).await.unwrap_err();
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.text("main").join(" ").contains("Log in before then and nothing will be deleted"), "{asked:?}");
    let (at, _) = pat.visit("/settings").await;
    assert!(at.starts_with("/login"), "every session ended: {at}");

    // Within the grace period nothing happens, and logging in calls it off.
    assert_eq!(server.app.process_deletions(false).await.unwrap(), 0);
    let again = server.api().login("pat_runs").await;
    assert_eq!(server.app.process_deletions(true).await.unwrap(), 0, "logging in cancelled it");

    // Asked again (by the API), and carried out from the command line, ignoring the grace period.
    let r = again.delete_json("/api/v1/me", json!({"mode": "anonymise", "password": PASSWORD})).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["mode"], "anonymise");
    let out = Command::new(BIN).args(["admin", "process-deletions", "--now", "--db", server.db_url()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("deleted 1 account"));

    let page = server.browser().open(&format!("{}?page=1", thread["url"].as_str().unwrap())).await;
    assert_eq!(page.text("article.post .author"), ["a former member", "sam", "a former member"]);
    assert!(page.text("#p1 .body").join(" ").contains("Lochinver harbour"), "the words stay");
    assert_eq!(page.text("#p2 .body").join(" "), "@pat_runs try shorter steps downhill, it helped me.");
    assert!(page.attr("#p2 .body a", "href").is_empty(), "the mention no longer links");
    assert_eq!(server.browser().open("/u/pat_runs").await.status, StatusCode::NOT_FOUND);
    let login = server.api().post("/api/v1/sessions", json!({"username": "pat_runs", "password": PASSWORD})).await;
    assert_eq!(login.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let admin = server.api().login("site_admin").await;
    let log = admin.get_json("/api/v1/mod/log").await.to_string();
    assert!(log.contains("delete-account") && !log.contains("pat_runs"), "recorded without personal data: {log}");
}

/// Every byte of the database's files (main, WAL), as text where it can be.
fn on_disk(path: &str) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap();
    bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[tokio::test]
async fn an_erased_member_leaves_no_trace_in_the_database_files_and_threads_stay_readable() {
    let db = TestDb::sqlite();
    let path = db.url.trim_start_matches("sqlite://").to_owned();
    let server = TestServer::on(db).await;
    let thread = conversation(&server).await;
    let pat = server.api().login("pat_runs").await;
    assert!(pat.post("/api/v1/me/email", json!({"email": "pat.lochinver@example.org"})).await.status().is_success());
    let tid = thread["id"].as_i64().unwrap();
    let posts = server.api().get_json(&format!("/api/v1/threads/{tid}")).await;
    let own_reply = posts["posts"][2]["id"].as_i64().unwrap();
    assert_eq!(pat.patch(&format!("/api/v1/posts/{own_reply}"), json!({"body": "Thanks! Shorter strides by the harbour wall helped a lot."})).await.status(), StatusCode::OK);
    // Another member quotes pat's opening words, as the composer writes a quote.
    server.seed_user("ann", Role::Member).await;
    let ann = server.api().login("ann").await;
    let first = posts["posts"][0]["id"].as_i64().unwrap();
    let quoting = format!("> **@pat_runs** [wrote](/p/{first}):\n> My left knee twinges on every downhill near Lochinver harbour.\n\nSame here, @sam!");
    ann.reply(tid, &quoting, None).await;
    for (what, text) in [("email", "pat.lochinver@example.org"), ("name", "pat_runs"), ("sentence", "Lochinver harbour")] {
        assert!(holds(&on_disk(&path), text), "the {what} is on disk before");
    }

    let r = pat.delete_json("/api/v1/me", json!({"mode": "erase", "password": PASSWORD})).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(server.app.process_deletions(true).await.unwrap(), 1);

    let disk = on_disk(&path);
    for (what, text) in [("email", "pat.lochinver@example.org"), ("name", "pat_runs"), ("sentence", "Lochinver harbour"), ("edited words", "harbour wall")] {
        if let Some(at) = disk.windows(text.len()).position(|w| w.eq_ignore_ascii_case(text.as_bytes())) {
            let around = String::from_utf8_lossy(&disk[at.saturating_sub(120)..(at + 120).min(disk.len())]).into_owned();
            panic!("the {what} is still on disk, at byte {at}: {around:?}");
        }
    }
    let page = server.browser().open(&format!("{}?page=1", thread["url"].as_str().unwrap())).await;
    assert_eq!(page.text("#p1 .deleted-note"), ["A post by a former member was removed."]);
    assert_eq!(page.text("#p2 .body").join(" "), "a former member try shorter steps downhill, it helped me.", "sam's reply stays readable");
    assert_eq!(page.text("#p3 .deleted-note"), ["A post by a former member was removed."]);
    assert_eq!(page.text("#p4 .body blockquote").join(" "), "(a quote from a former member's post, erased with it)", "quoted words go with the post");
    assert!(page.text("#p4 .body").join(" ").contains("Same here, @sam!"), "the quoting member's own words stay");
    assert_eq!(page.attr("#p4 .body a", "href"), ["/u/sam"], "and their other mentions still link");
    assert_eq!(page.text("h1"), ["Knee twinges on the downhill bits"]);
    let found = server.api().get_json("/api/v1/search?q=Lochinver").await;
    assert_eq!(found["total"], 0);
}

/// The files in a ZIP, read by Python's zipfile (another implementation than ours).
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    let python = crate::support::test_python().expect("the test tools are installed");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.zip");
    std::fs::write(&file, bytes).unwrap();
    let out = Command::new(python)
        .args(["-c", "import json, sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn a_member_downloads_everything_they_wrote_and_logged_as_a_zip_that_keeps_a_week() {
    let server = TestServer::start().await;
    let thread = conversation(&server).await;
    let tid = thread["id"].as_i64().unwrap();
    let pat = server.api().login("pat_runs").await;
    let sam = server.api().login("sam").await;
    let posts = server.api().get_json(&format!("/api/v1/threads/{tid}")).await;
    let (first, sams) = (posts["posts"][0]["id"].as_i64().unwrap(), posts["posts"][1]["id"].as_i64().unwrap());
    assert_eq!(pat.patch(&format!("/api/v1/posts/{first}"), json!({"body": "My left knee twinges on downhills. Edited to add: only the left."})).await.status(), StatusCode::OK);
    pat.put(&format!("/api/v1/posts/{sams}/thanks")).await;
    sam.put(&format!("/api/v1/posts/{first}/thanks")).await;
    let run = pat.post("/api/v1/runs", json!({"date": "2026-12-01", "felt": "hard", "note": "Hilly loop", "pain": [{"area": "knee", "level": 3}]})).await;
    assert!(run.status().is_success(), "{}", run.text().await.unwrap());

    assert_eq!(pat.get("/api/v1/me/export").await.status(), StatusCode::NOT_FOUND, "nothing before it's asked for");
    assert_eq!(pat.post("/api/v1/me/export", json!({})).await.status(), StatusCode::ACCEPTED);
    let mut zip = None;
    for _ in 0..100 {
        let r = pat.get("/api/v1/me/export").await;
        if r.status() == StatusCode::OK {
            assert_eq!(r.headers()["content-type"], "application/zip");
            zip = Some(r.bytes().await.unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let files = unzip(&zip.expect("the export is ready within 10 s"));
    assert!(files["README.txt"].contains("posts/"));
    let post_file = files.keys().find(|n| n.starts_with("posts/") && n.ends_with("-knee-twinges-on-the-downhill-bits.md")).expect("the opening post as Markdown");
    let text = &files[post_file];
    assert!(text.contains("Edited to add: only the left.") && text.contains(&format!("/t/{tid}/")), "{text}");
    let data: Value = serde_json::from_str(&files["data.json"]).unwrap();
    assert_eq!(data["profile"][0]["username"], "pat_runs");
    assert_eq!(data["posts"].as_array().unwrap().len(), 2);
    assert!(data["revisions"][0]["body"].as_str().unwrap().contains("every downhill near Lochinver"), "the earlier version");
    assert_eq!(data["thanks_given"][0]["post_id"], sams);
    assert_eq!(data["thanks_received"][0]["from"], "sam");
    assert_eq!(data["runs"][0]["note"], "Hilly loop");
    assert_eq!(data["pain"][0]["area"], "knee");
    assert!(data["watched_threads"].as_array().unwrap().iter().any(|w| w["thread_id"] == tid));
    for part in ["flags", "sanctions", "muted", "watched_categories"] {
        assert!(data[part].is_array(), "{part}");
    }
    assert!(!files["data.json"].contains("password"), "no password hash");
    let told = pat.get_json("/api/v1/notifications").await;
    assert!(told["items"].as_array().unwrap().iter().any(|n| n["kind"] == "export-ready"), "{told}");
    assert_eq!(sam.get("/api/v1/me/export").await.status(), StatusCode::NOT_FOUND, "only your own");

    // A week later it's gone.
    crate::support::raw_exec(server.db_url(), "UPDATE exports SET expires_at = 1").await;
    assert_eq!(pat.get("/api/v1/me/export").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(server.app.purge_expired_exports().await.unwrap(), 1);
}
