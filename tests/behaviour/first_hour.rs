//! What an operator meets in their first hour: the README's steps for running
//! a real community, the demo kept apart from it, and the community's own words.

use crate::support::{BIN, PASSWORD, TestDb, TestServer, create_user, free_port, http_client, spawn_serve};
use jogette::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The shell block under "Running it for real" in the README, as written.
fn readme_steps() -> String {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("## Running it for real").expect("the README has the section")..];
    let start = section.find("```sh\n").expect("the section has a shell block") + "```sh\n".len();
    section[start..start + section[start..].find("```").unwrap()].to_owned()
}

/// The README's steps, run by bash with only the machine-specific parts
/// swapped: this build's binary, a temporary folder for /var/lib/jogette (which
/// doesn't exist yet), and a free port.
#[tokio::test]
async fn the_readme_steps_for_a_real_community_give_a_forum_the_admin_can_log_in_to() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("var/lib/jogette");
    let port = free_port();
    let script = readme_steps()
        .replace("cargo build --release", ": built by the test harness")
        .replace("./target/release/jogette", BIN)
        .replace("/var/lib/jogette", home.to_str().unwrap())
        .replace("0.0.0.0:8080", &format!("127.0.0.1:{port}"));
    let mut child = Command::new("bash")
        .args(["-euc", &script])
        .env_remove("JOGETTE_DB")
        .env("JOGETTE_RATE_LIMITS", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let group = child.id();
    let stop = scopeguard(move || {
        let _ = Command::new("kill").args(["-TERM", "--", &format!("-{group}")]).status();
    });
    let mut said = Vec::new();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "the server did not start: {said:?}");
        let line = lines.next().unwrap_or_else(|| panic!("the steps stopped early: {said:?}")).unwrap();
        if line.contains("is listening") {
            break;
        }
        said.push(line);
    }
    std::thread::spawn(move || lines.for_each(drop));

    let base = format!("http://127.0.0.1:{port}");
    let http = http_client(reqwest::Client::builder());
    let login = http.post(format!("{base}/api/v1/sessions")).json(&json!({"username": "alice", "password": "a long admin password"})).send().await.unwrap();
    assert_eq!(login.status(), StatusCode::CREATED, "alice logs in with the password the README gave her");
    let categories: Value = http.get(format!("{base}/api/v1/categories")).send().await.unwrap().json().await.unwrap();
    let slugs: Vec<&str> = categories["categories"].as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["introductions", "niggles"]);
    let home = http.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("<title>") && home.contains("Couch to 5K Friends"), "the site file's name is shown");
    assert!(home.contains("mentors@example.org"), "and its safety contact");
    assert!(home.contains("Introductions") && home.contains("Injuries and niggles"));
    drop(stop);
    let _ = child.wait();
}

/// Runs a closure when dropped, so a failed assertion still stops the server.
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}

/// `jogette serve` with `flags`, stopped after it starts or as it fails;
/// returns whether it started and what it said on stderr.
fn try_serve(db: &str, flags: &[&str]) -> (bool, String) {
    let mut child = spawn_serve(db, flags);
    let mut said = String::new();
    let mut started = false;
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        said.push_str(&line);
        said.push('\n');
        if line.contains("is listening") {
            started = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    (started, said)
}

#[tokio::test]
async fn a_demo_database_is_never_served_as_a_real_community_and_the_demo_never_fills_a_real_one() {
    let demo = TestDb::new();
    let (started, said) = try_serve(&demo.url, &["--demo"]);
    assert!(started, "{said}");
    let (started, said) = try_serve(&demo.url, &[]);
    assert!(!started);
    assert!(said.contains("holds the demo community") && said.contains("only with --demo"), "{said}");
    let (started, said) = try_serve(&demo.url, &["--demo"]);
    assert!(started, "the demo database still serves as the demo: {said}");

    let real = TestDb::new();
    assert!(create_user(&real.url, "alice", "admin", PASSWORD).status.success());
    let (started, said) = try_serve(&real.url, &["--demo"]);
    assert!(!started);
    assert!(said.contains("already holds a community"), "{said}");
    let (started, said) = try_serve(&real.url, &[]);
    assert!(started, "{said}");
}

#[tokio::test]
async fn a_sqlite_database_in_a_folder_that_does_not_exist_yet_is_created_with_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("a/b/forum.db").display());
    let (started, said) = try_serve(&url, &[]);
    assert!(started, "{said}");
    assert!(dir.path().join("a/b/forum.db").exists());

    let blocked = dir.path().join("file");
    std::fs::write(&blocked, "").unwrap();
    let (started, said) = try_serve(&format!("sqlite://{}/forum.db", blocked.display()), &[]);
    assert!(!started, "a folder that can't be made stops the server before it listens");
    assert!(said.contains("cannot create the folder"), "{said}");
}

#[tokio::test]
async fn categories_are_created_from_the_command_line_and_bad_ones_are_refused_kindly() {
    let db = TestDb::new();
    let create = |args: &[&str]| Command::new(BIN).args(["admin", "create-category"]).args(args).args(["--db", &db.url]).output().unwrap();
    let made = create(&["week-1", "Week 1", "--description", "Your first three runs"]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    assert!(String::from_utf8_lossy(&made.stdout).contains("/c/week-1"));
    let mentors = create(&["mentors", "Mentors' room", "--members-only"]);
    assert!(mentors.status.success());
    let again = create(&["week-1", "Week one"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("That slug is already taken."));
    let bad = create(&["Week 1!", "W"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Slugs are 2 to 40 lowercase letters"));

    let server = TestServer::on_url(&db.url).await;
    let list = server.api().get_json("/api/v1/categories").await;
    let listed: Vec<(&str, &str)> =
        list["categories"].as_array().unwrap().iter().map(|c| (c["slug"].as_str().unwrap(), c["description"].as_str().unwrap_or(""))).collect();
    assert!(listed.contains(&("week-1", "Your first three runs")), "{list}");
}

#[tokio::test]
async fn an_admin_gives_the_community_its_own_name_words_and_guidelines() {
    let server = TestServer::start().await;
    server.seed_user("site_admin", Role::Admin).await;
    let admin = server.browser();
    admin.fill("/login", "/login", &[("username", "site_admin"), ("password", PASSWORD), ("next", "/admin")]).await.unwrap();

    let fields = |name: &'static str| {
        [
            ("name", name),
            ("tagline", "beginners welcome, every pace"),
            ("welcome", "Say hello in **Introductions**."),
            ("guidelines", "## Our ways\n\n- Be kind to *everyone*."),
            ("safety_contact", "mentors@c25k-friends.example"),
        ]
    };
    let refused = admin.fill("/admin", "/admin/site", &fields("")).await.unwrap_err();
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.attr("#site_name", "aria-invalid"), ["true"]);
    assert_eq!(refused.attr("#tagline", "value"), ["beginners welcome, every pace"], "nothing typed is lost");
    assert_eq!(admin.fill("/admin", "/admin/site", &fields("Couch to 5K Friends")).await.unwrap(), "/admin#site");

    let guest = server.browser();
    let home = guest.open("/").await;
    assert_eq!(home.text(".brand"), ["Couch to 5K Friends"]);
    assert!(home.text("title")[0].ends_with("· Couch to 5K Friends"));
    let footer = home.text("footer").join(" ");
    assert!(footer.contains("beginners welcome, every pace") && footer.contains("mentors@c25k-friends.example"), "{footer}");
    let rules = guest.open("/guidelines").await;
    assert_eq!(rules.text(".guidelines h2"), ["Our ways"]);
    assert_eq!(rules.text(".guidelines em"), ["everyone"]);

    let member = server.browser();
    member.register("curious").await;
    let refused = member.fill("/", "/admin/site", &fields("Mine now")).await.unwrap_err();
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(guest.open("/").await.text(".brand"), ["Couch to 5K Friends"]);
}

#[tokio::test]
async fn the_operators_site_file_gives_the_defaults_and_a_bad_one_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("site.toml");
    std::fs::write(&file, "name = \"Jog On\"\nmotto = \"typo\"\n").unwrap();
    let db = TestDb::new();
    let (started, said) = try_serve(&db.url, &["--site", file.to_str().unwrap()]);
    assert!(!started);
    assert!(said.contains("site.toml") && said.contains("motto"), "{said}");
    std::fs::write(&file, "name = \"Jog On\"\n").unwrap();
    let server = TestServer::configured_on(db, |c| c.site_file = Some(file.clone())).await;
    assert_eq!(server.browser().open("/").await.text(".brand"), ["Jog On"]);
}

/// A thread by the admin in "niggles", with one reply by sam; returns the
/// thread (as the API shows it) and the reply's id.
async fn thread_with_a_reply(server: &TestServer) -> (Value, i64) {
    let admin = server.admin_with_category("niggles", "Injuries and niggles").await;
    let thread = admin.thread("niggles", "Upper back aching for a week", "It's worse when I wake up. Physio?").await;
    server.seed_user("sam", Role::Member).await;
    let sam = server.api().login("sam").await;
    let reply = sam.reply(thread["id"].as_i64().unwrap(), "Is it your back or your shoulders?", None).await;
    (thread, reply["id"].as_i64().unwrap())
}

#[tokio::test]
async fn replying_to_a_post_while_logged_out_comes_back_to_that_post_after_logging_in() {
    let server = TestServer::start().await;
    let (thread, sams) = thread_with_a_reply(&server).await;
    let newcomer = server.browser();
    newcomer.register("new_runner").await;
    newcomer.fill("/", "/logout", &[]).await.unwrap();

    let reply_path = format!("{}/reply?to={sams}", thread["url"].as_str().unwrap());
    let (at, login) = newcomer.visit(&reply_path).await;
    assert!(at.starts_with("/login?next="), "{at}");
    let next = login.attr("input[name=next]", "value");
    assert_eq!(next[0], reply_path, "the post being answered is kept");
    let to = newcomer.fill(&at, "/login", &[("username", "new_runner"), ("password", PASSWORD), ("next", &next[0])]).await.unwrap();
    assert_eq!(to, reply_path);
    let composer = newcomer.open(&to).await;
    assert_eq!(composer.attr("input[name=reply_to]", "value"), [sams.to_string()]);
    assert!(composer.text(".context").join(" ").contains("Is it your back or your shoulders?"));
}

#[tokio::test]
async fn a_reply_sent_after_the_session_ended_elsewhere_is_kept_through_logging_in_and_posted_only_when_asked() {
    let server = TestServer::start().await;
    let (thread, sams) = thread_with_a_reply(&server).await;
    let tid = thread["id"].as_i64().unwrap();
    let runner = server.browser();
    runner.register("new_runner").await;
    let reply_path = format!("{}/reply?to={sams}", thread["url"].as_str().unwrap());
    let csrf = runner.open(&reply_path).await.csrf();
    // On another device, the member logs out everywhere.
    assert!(server.api().login("new_runner").await.delete("/api/v1/sessions").await.status().is_success());

    let words = "My shoulders, I think. Thank you for asking, it's been worrying me.";
    let login = runner.submit(&format!("/t/{tid}/reply"), &[("csrf", &csrf), ("body", words), ("reply_to", &sams.to_string())]).await.unwrap_err();
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    assert!(login.text("[role=status]").join(" ").contains("hasn't been posted yet"), "{login:?}");
    assert_eq!(login.attr("input[name=draft_body]", "value"), [words]);
    let posts = || async { server.api().get_json(&format!("/api/v1/threads/{tid}")).await["posts"].as_array().map_or(0, Vec::len) };
    let before = posts().await;

    let wrong = runner
        .fill("/login", "/login", &[("username", "new_runner"), ("password", "not my password"), ("draft_for", &tid.to_string()), ("draft_body", words), ("draft_reply_to", &sams.to_string())])
        .await
        .unwrap_err();
    assert_eq!(wrong.text(".errors p"), ["We couldn't log you in."]);
    assert_eq!(wrong.attr("input[name=draft_body]", "value"), [words], "a wrong password loses nothing either");

    let fields = [("username", "new_runner"), ("password", PASSWORD), ("draft_for", &tid.to_string()), ("draft_body", words), ("draft_reply_to", &sams.to_string())];
    let composer = runner.fill("/login", "/login", &fields).await.unwrap_err();
    assert_eq!(composer.status, StatusCode::OK);
    assert_eq!(composer.text("textarea[name=body]"), [words]);
    assert_eq!(composer.attr("input[name=reply_to]", "value"), [sams.to_string()]);
    assert!(composer.text("[role=status]").join(" ").contains("isn't posted yet"));
    assert_eq!(posts().await, before, "nothing is posted until the member says so");

    let to = runner.submit(&format!("/t/{tid}/reply"), &[("csrf", &composer.csrf()), ("body", words), ("reply_to", &sams.to_string())]).await.unwrap();
    assert!(to.contains(&format!("/t/{tid}/")), "{to}");
    assert_eq!(posts().await, before + 1);
}

#[tokio::test]
async fn a_new_thread_sent_after_the_session_ended_comes_back_with_its_title_and_category() {
    let server = TestServer::start().await;
    server.admin_with_category("niggles", "Injuries and niggles").await;
    let runner = server.browser();
    runner.register("new_runner").await;
    let csrf = runner.open("/new-thread?category=niggles").await.csrf();
    assert!(server.api().login("new_runner").await.delete("/api/v1/sessions").await.status().is_success());
    let login = runner
        .submit("/new-thread", &[("csrf", &csrf), ("category", "niggles"), ("title", "Shin splints in week 3"), ("body", "Both shins ache after runs.")])
        .await
        .unwrap_err();
    let hidden = |name: &str| login.attr(&format!("input[name={name}]"), "value");
    assert_eq!((hidden("draft_for"), hidden("draft_title"), hidden("draft_category")), (vec!["new".to_owned()], vec!["Shin splints in week 3".to_owned()], vec!["niggles".to_owned()]));
    let fields: Vec<(String, String)> = ["draft_for", "draft_title", "draft_category", "draft_body"].iter().map(|n| (n.to_string(), hidden(n)[0].clone())).collect();
    let mut all = vec![("username", "new_runner"), ("password", PASSWORD)];
    all.extend(fields.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let composer = runner.fill("/login", "/login", &all).await.unwrap_err();
    assert_eq!(composer.attr("input[name=title]", "value"), ["Shin splints in week 3"]);
    assert_eq!(composer.attr("option[selected]", "value"), ["niggles"]);
    assert_eq!(composer.text("textarea[name=body]"), ["Both shins ache after runs."]);
}

#[tokio::test]
async fn an_overlong_post_is_refused_with_its_length_and_the_limit_and_every_word_is_kept() {
    let server = TestServer::start().await;
    let (thread, _) = thread_with_a_reply(&server).await;
    let runner = server.browser();
    runner.register("new_runner").await;
    let reply_path = format!("{}/reply", thread["url"].as_str().unwrap());
    let composer = runner.open(&reply_path).await;
    assert!(composer.attr("textarea[name=body]", "maxlength").is_empty(), "the browser never cuts a paste short without a word");
    assert_eq!(composer.text("#body-limit"), ["Up to 32,000 characters."]);
    assert_eq!(composer.attr("textarea[name=body]", "aria-describedby"), ["body-limit"]);

    let long = "jog ".repeat(25_000);
    let refused = runner.submit(&format!("/t/{}/reply", thread["id"]), &[("csrf", &composer.csrf()), ("body", &long)]).await.unwrap_err();
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text("#body-error")[0].contains("100,000 characters long, and a post can be at most 32,000"), "{refused:?}");
    let kept = refused.select("textarea[name=body]")[0].text().collect::<String>();
    assert_eq!(kept.len(), long.len(), "all 100,000 characters come back in the box");
}

#[tokio::test]
async fn search_results_and_similar_threads_show_the_words_a_reader_sees_never_markdown_or_quoted_text() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("niggles", "Injuries and niggles").await;
    let thread = admin.thread("niggles", "Upper back aching for a week since a run", "It's **worse** when I wake up. Should I see a physio?").await;
    let tid = thread["id"].as_i64().unwrap();
    let first = server.api().get_json(&format!("/api/v1/threads/{tid}")).await["posts"][0]["id"].as_i64().unwrap();
    server.seed_user("sam", Role::Member).await;
    let sam = server.api().login("sam").await;
    let quote = sam.get_json(&format!("/api/v1/posts/{first}/quote")).await["markdown"].as_str().unwrap().to_owned();
    sam.reply(tid, &format!("{quote}\n\nA tennis ball against a wall helped my upper back, and [this stretch](https://example.org/stretch) too."), Some(first)).await;

    let found = server.api().get_json("/api/v1/search?q=tennis+ball").await;
    let snippet = found["results"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>tennis</mark> <mark>ball</mark> against a wall"), "{snippet}");
    for markup in ["](", "/t/", "**", "&gt;", "worse when I wake"] {
        assert!(!snippet.contains(markup), "no {markup:?} in {snippet}");
    }
    let similar = server.api().get_json("/api/v1/threads/similar?title=upper+back+aching+tennis+ball&body=").await;
    let snippet = similar["threads"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("against a wall") && !snippet.contains("](") && !snippet.contains("/t/"), "{snippet}");
}

#[tokio::test]
async fn a_long_thread_s_pages_say_earlier_and_later_posts_and_lead_that_way() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("niggles", "Injuries and niggles").await;
    let thread = admin.thread("niggles", "Week 5 run 3: twenty minutes!", "Did it!").await;
    for n in 0..22 {
        admin.reply(thread["id"].as_i64().unwrap(), &format!("Well done, number {n}"), None).await;
    }
    let url = thread["url"].as_str().unwrap();
    let page1 = server.browser().open(&format!("{url}?page=1")).await;
    let links = page1.text(".pagination a");
    assert!(!links.is_empty() && links.iter().all(|t| t == "Later posts →"), "{links:?}");
    let later = page1.attr(".pagination a[rel=next]", "href")[0].clone();
    let page2 = server.browser().open(&later).await;
    let links = page2.text(".pagination a");
    assert!(!links.is_empty() && links.iter().all(|t| t == "← Earlier posts"), "{links:?}");
    assert!(page2.text("article.post .body").iter().any(|t| t.contains("number 21")), "the later page holds the newer posts");
    let home = server.browser().open("/").await;
    assert!(home.text(".pagination a").iter().all(|t| t.contains("Older") || t.contains("Newer")));
}
