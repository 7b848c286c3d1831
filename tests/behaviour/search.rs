//! Search and "has this been asked before?", on the demo community.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const RELEVANCE: &str = include_str!("../data/search_relevance.tsv");

async fn demo_server() -> TestServer {
    let server = TestServer::start().await;
    server.app.load_demo().await.unwrap();
    server
}

fn q(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)]).unwrap()
}

/// The top five distinct threads a query finds.
async fn top_threads(server: &TestServer, kind: &str, query: &str) -> Vec<String> {
    let api = server.api();
    let mut titles: Vec<String> = Vec::new();
    match kind {
        "search" => {
            let found = api.get_json(&format!("/api/v1/search?{}", q(query))).await;
            for r in found["results"].as_array().unwrap() {
                let title = r["title"].as_str().unwrap().to_owned();
                if !titles.contains(&title) {
                    titles.push(title);
                }
            }
        }
        _ => {
            let path = format!("/api/v1/threads/similar?{}", serde_urlencoded::to_string([("title", query)]).unwrap());
            for t in api.get_json(&path).await["threads"].as_array().unwrap() {
                titles.push(t["title"].as_str().unwrap().to_owned());
            }
        }
    }
    titles.truncate(5);
    titles
}

/// Recall@5 over the project's relevance set: at least 0.9 for search and for similar threads.
#[tokio::test]
async fn the_relevance_set_finds_the_right_threads() {
    let server = demo_server().await;
    for kind in ["search", "similar"] {
        let cases: Vec<(&str, Vec<&str>)> = RELEVANCE
            .lines()
            .filter(|l| l.starts_with(&format!("{kind}\t")))
            .map(|l| {
                let mut parts = l.split('\t').skip(1);
                (parts.next().unwrap(), parts.next().unwrap().split(" | ").collect())
            })
            .collect();
        assert!(cases.len() >= 15, "{kind}: {} queries", cases.len());
        let mut found = 0;
        let mut misses = Vec::new();
        for (query, expected) in &cases {
            let top = top_threads(&server, kind, query).await;
            if expected.iter().any(|e| top.iter().any(|t| t == e)) {
                found += 1;
            } else {
                misses.push(format!("{query:?} -> {top:?}"));
            }
        }
        let recall = found as f64 / cases.len() as f64;
        println!("{kind}: recall@5 {recall:.3} over {} queries; misses: {misses:#?}", cases.len());
        assert!(recall >= 0.9, "{kind} recall@5 {recall:.3}: {misses:#?}");
    }
    let total = RELEVANCE.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).count();
    assert!(total >= 40, "{total} queries");
}

#[tokio::test]
async fn stemming_phrases_filters_and_sorting() {
    let server = demo_server().await;
    let api = server.api();
    // "running" finds posts that only say "run"; "aches" finds "ache".
    let running = api.get_json(&format!("/api/v1/search?{}", q("jogette"))).await;
    assert!(running["total"].as_i64().unwrap() >= 1);
    let aches = api.get_json(&format!("/api/v1/search?{}", q("aches"))).await;
    assert!(aches["results"].as_array().unwrap().iter().any(|r| r["snippet"].as_str().unwrap().to_lowercase().contains("<mark>ache")));

    // Title matches outrank body matches.
    let shin = api.get_json(&format!("/api/v1/search?{}", q("shin splints"))).await;
    assert_eq!(shin["results"][0]["title"], "Shin splints?");

    // Quoted phrases match words together.
    let phrase = api.get_json(&format!("/api/v1/search?{}", q("\"tennis ball\""))).await;
    assert!(phrase["results"].as_array().unwrap().iter().all(|r| r["snippet"].as_str().unwrap().contains("<mark>tennis</mark> <mark>ball</mark>") || r["snippet"].as_str().unwrap().contains("<mark>tennis ball</mark>")));
    assert!(phrase["total"].as_i64().unwrap() >= 1);

    // Filters: category, author (as a field or as @name), title only, date range.
    let in_kit = api.get_json("/api/v1/search?q=run&category=kit").await;
    assert!(in_kit["total"].as_i64().unwrap() >= 1);
    let injuries = api.get_json("/api/v1/search?q=run&category=injuries").await;
    assert_ne!(in_kit["results"][0]["title"], injuries["results"][0]["title"]);
    let by_author = api.get_json(&format!("/api/v1/search?{}", q("run @coach_claire"))).await;
    assert!(by_author["total"].as_i64().unwrap() >= 2);
    assert!(by_author["results"].as_array().unwrap().iter().all(|r| r["author"]["username"] == "coach_claire"));
    // What a store keeps to narrow by author is not a word anyone can find.
    for id in 1..=5 {
        assert_eq!(api.get_json(&format!("/api/v1/search?q=u{id}")).await["total"], 0);
    }
    assert_eq!(by_author["total"], api.get_json("/api/v1/search?q=run&author=coach_claire").await["total"]);
    let titles = api.get_json("/api/v1/search?q=knee&title_only=1").await;
    assert!(titles["results"].as_array().unwrap().iter().all(|r| r["title"].as_str().unwrap().to_lowercase().contains("knee")));
    assert_eq!(api.get_json("/api/v1/search?q=run&from=2999-01-01").await["total"], 0);
    assert_eq!(api.get_json("/api/v1/search?q=run&to=1999-01-01").await["total"], 0);
    let r = api.get("/api/v1/search?q=run&from=yesterday").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["errors"][0]["field"], "from");

    // Newest first.
    let newest = api.get_json("/api/v1/search?q=run&sort=date").await;
    let dates: Vec<&str> = newest["results"].as_array().unwrap().iter().map(|r| r["created_at"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));

    // Pages.
    let all = api.get_json("/api/v1/search?q=run").await;
    assert!(all["pages"].as_i64().unwrap() >= 2, "{}", all["total"]);
    let page2 = api.get_json("/api/v1/search?q=run&page=2").await;
    assert_ne!(all["results"][0]["post_id"], page2["results"][0]["post_id"]);
}

#[tokio::test]
async fn hostile_queries_are_just_text() {
    let server = demo_server().await;
    for hostile in ["\"unbalanced", "NEAR(a b) OR title:x * ^ -", "')); DROP TABLE posts; --", "<script>alert(1)</script>", &"very long ".repeat(400), "\"\"\"", "{title}: run", "a:b:c", "AND OR NOT"] {
        let r = server.api().get(&format!("/api/v1/search?{}", q(hostile))).await;
        assert_eq!(r.status(), StatusCode::OK, "{hostile:?}");
        let page = server.browser().open(&format!("/search?{}", q(hostile))).await;
        assert_eq!(page.status, StatusCode::OK, "{hostile:?}");
        assert!(page.select("main script").is_empty());
    }
    // A page number past the end, however large, is an empty page.
    let far = i64::MAX;
    for path in [format!("/api/v1/search?q=run&page={far}"), format!("/api/v1/search?q=run&sort=date&page={far}")] {
        let found = server.api().get_json(&path).await;
        assert_eq!(found["results"], json!([]), "{path}");
        assert!(found["total"].as_i64().unwrap() > 0);
    }
    assert_eq!(server.api().get_json(&format!("/api/v1/threads?page={far}")).await["threads"], json!([]));
    assert_eq!(server.browser().open(&format!("/search?q=run&page={far}")).await.status, StatusCode::OK);
    assert_eq!(server.browser().open(&format!("/?page={far}")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_index_follows_new_posts_edits_and_deletions() {
    let server = TestServer::start().await;
    server.admin_with_category("kit", "Kit").await;
    let member = server.member("indexer").await;
    let thread = member.thread("kit", "Reflective vests for dusk", "Looking for a zebrafluorescent vest").await;
    let id = thread["first_post"]["id"].as_i64().unwrap();
    let count = |word: &'static str| {
        let api = server.api();
        async move { api.get_json(&format!("/api/v1/search?q={word}")).await["total"].as_i64().unwrap() }
    };
    assert_eq!(count("zebrafluorescent").await, 1);
    member.patch(&format!("/api/v1/posts/{id}"), json!({"body": "Now about a quokkareflective vest"})).await;
    assert_eq!((count("zebrafluorescent").await, count("quokkareflective").await), (0, 1));
    let reply = member.reply(thread["id"].as_i64().unwrap(), "A wombatglow armband", None).await;
    assert_eq!(count("wombatglow").await, 1);
    member.delete(&format!("/api/v1/posts/{}", reply["id"])).await;
    assert_eq!(count("wombatglow").await, 0);
}

#[tokio::test]
async fn the_search_page_highlights_and_the_composer_suggests_similar_threads() {
    let server = demo_server().await;
    let page = server.browser().open("/search?q=shin+splints").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text("ol.results li .title")[0], "Shin splints?");
    assert!(!page.select("ol.results mark").is_empty());
    assert_eq!(page.attr("input#q", "value"), ["shin splints"]);

    // Without JavaScript, the review-before-posting step lists similar threads.
    let browser = server.browser();
    browser.register("asker").await;
    let review = browser
        .fill("/new-thread?category=injuries", "/new-thread", &[("category", "injuries"), ("title", "Upper back ache after my run"), ("body", "It aches between my shoulder blades"), ("preview", "1")])
        .await
        .unwrap_err();
    assert_eq!(review.text(".similar h2"), ["Has this been asked before?"]);
    assert_eq!(review.text(".similar li a")[0], "Back pain following run");
}

/// On a large community a search ranks the newest matches, threads first, and
/// says that there are more, rather than ranking (or counting) every match.
#[tokio::test]
async fn a_very_common_word_ranks_the_newest_matches_and_says_there_are_more() {
    let server = TestServer::start().await;
    server.app.generate_scale(8_000, 2_000).await.unwrap();
    let api = server.api();
    let is_thread = |r: &serde_json::Value| r["url"].as_str().unwrap().split('#').nth(1) == Some("p1");
    let window = jogette::app::RANK_WINDOW;

    // "week" is in fewer than 1,000 threads, so replies follow them up to the window.
    let common = api.get_json(&format!("/api/v1/search?{}", q("week"))).await;
    assert_eq!(common["total_exact"], false);
    assert_eq!(common["total"], window);
    assert_eq!(common["results"].as_array().unwrap().len(), 20);
    assert!(is_thread(&common["results"][0]));
    let last = common["pages"].as_i64().unwrap();
    assert_eq!(last, window / 20);
    let end = api.get_json(&format!("/api/v1/search?{}&page={last}", q("week"))).await;
    assert_eq!(end["results"].as_array().unwrap().len(), 20);
    assert!(end["results"].as_array().unwrap().iter().all(|r| !is_thread(r)), "replies come last");
    let beyond = api.get_json(&format!("/api/v1/search?{}&page={}", q("week"), last + 1)).await;
    assert!(beyond["results"].as_array().unwrap().is_empty());

    // "running" (and "run", "jog"…) fill the window with threads alone, a title match at the top.
    let commoner = api.get_json(&format!("/api/v1/search?{}", q("running"))).await;
    assert_eq!(commoner["total"], window);
    let top = commoner["results"][0]["title"].as_str().unwrap().to_lowercase();
    assert!(top.contains("run") || top.contains("jog"), "{top}");
    let end = api.get_json(&format!("/api/v1/search?{}&page={last}", q("running"))).await;
    assert!(end["results"].as_array().unwrap().iter().all(is_thread));
    let page = server.browser().open(&format!("/search?{}", q("running"))).await;
    assert!(page.text("p.meta[role=status]")[0].starts_with(&format!("More than {window} results")));
    // By date, the newest of both kinds, still within the window.
    let newest = api.get_json(&format!("/api/v1/search?{}&sort=date&page={last}", q("running"))).await;
    assert_eq!(newest["total"], window);
    assert_eq!(newest["results"].as_array().unwrap().len(), 20);

    // A narrower search is exact again.
    let rare = api.get_json(&format!("/api/v1/search?{}", q("\"tennis ball\" wall"))).await;
    assert_eq!(rare["total_exact"], true);
    assert!(rare["total"].as_i64().unwrap() < jogette::app::RANK_WINDOW);
}

/// A database made before searches could be narrowed to an author inside the
/// index (schema version 6) upgrades on opening, through every migration
/// since: its indexes are rebuilt from the posts, whole.
#[tokio::test]
async fn an_older_sqlite_database_upgrades_with_its_search_index_rebuilt() {
    if on_postgres() {
        return;
    }
    let demo = TestDb::new();
    let before = {
        let server = TestServer::on_url(&demo.url).await;
        server.app.load_demo().await.unwrap();
        server.api().get_json("/api/v1/search?q=run").await["total"].clone()
    };
    // A version-6 database, made by version 6's own migrations, holding the demo's rows.
    let db = TestDb::new();
    let conn = rusqlite::Connection::open(db.url.trim_start_matches("sqlite://")).unwrap();
    for migration in [
        include_str!("../../src/app/store/migrations/sqlite/0001_forum_core.sql"),
        include_str!("../../src/app/store/migrations/sqlite/0002_notifications.sql"),
        include_str!("../../src/app/store/migrations/sqlite/0003_events.sql"),
        include_str!("../../src/app/store/migrations/sqlite/0004_session_writes.sql"),
        include_str!("../../src/app/store/migrations/sqlite/0005_search.sql"),
        include_str!("../../src/app/store/migrations/sqlite/0006_search_tiers.sql"),
    ] {
        conn.execute_batch(migration).unwrap();
    }
    conn.execute_batch(&format!(
        "PRAGMA user_version = 6; ATTACH DATABASE '{}' AS demo;
         INSERT INTO users SELECT id, username, username_lower, email, password_hash, role, created_at, post_count, thanks_received FROM demo.users;
         INSERT INTO categories SELECT id, slug, name, description, position, thread_count, post_count, created_at FROM demo.categories;
         INSERT INTO threads SELECT id, category_id, user_id, title, slug, created_at, last_post_at, last_post_user_id, post_count, reply_count FROM demo.threads;
         INSERT INTO posts SELECT id, thread_id, number, user_id, reply_to, body, html, excerpt, mentions, thanks_count, created_at, edited_at, deleted_at FROM demo.posts;
         INSERT INTO thanks SELECT * FROM demo.thanks; DETACH DATABASE demo;",
        demo.url.trim_start_matches("sqlite://")
    ))
    .unwrap();
    drop(conn);

    let server = TestServer::on_url(&db.url).await;
    let api = server.api();
    assert_eq!(api.get_json("/api/v1/search?q=run").await["total"], before);
    let by_author = api.get_json("/api/v1/search?q=run&author=coach_claire").await;
    assert!(by_author["total"].as_i64().unwrap() >= 2);
    assert!(by_author["results"].as_array().unwrap().iter().all(|r| r["author"]["username"] == "coach_claire"));
}

/// The generated community talks like a real one: replies quote and greet
/// each other and posts are thanked, with every counter matching its rows.
#[tokio::test]
async fn a_generated_community_quotes_mentions_and_thanks_with_counters_that_add_up() {
    let server = TestServer::start().await;
    server.app.generate_scale(8_000, 2_000).await.unwrap();
    let url = server.db_url().to_owned();
    let one = |sql: &'static str| {
        let url = url.clone();
        async move { raw_rows(&url, sql).await[0][0].parse::<i64>().unwrap() }
    };
    let thanks = one("SELECT COUNT(*) FROM thanks").await;
    assert!(thanks > 1_000, "{thanks} thanks");
    assert_eq!(one("SELECT SUM(thanks_count) FROM posts").await, thanks);
    assert_eq!(one("SELECT SUM(thanks_received) FROM users").await, thanks);
    assert_eq!(one("SELECT COUNT(*) FROM thanks t JOIN posts p ON p.id = t.post_id WHERE p.user_id = t.user_id").await, 0, "nobody thanks themselves");
    assert!(one("SELECT COUNT(*) FROM post_mentions").await > 50);
    assert!(one("SELECT COUNT(*) FROM posts WHERE html LIKE '%<blockquote>%'").await > 50);
    // A mention is a link to the member, and they are the author of the post it answers.
    let mention = raw_rows(
        server.db_url(),
        "SELECT p.html, u.username FROM post_mentions m JOIN posts p ON p.id = m.post_id JOIN users u ON u.id = m.user_id \
         JOIN posts r ON r.id = p.reply_to WHERE r.user_id = m.user_id ORDER BY p.id LIMIT 1",
    )
    .await;
    assert!(mention[0][0].contains(&format!("href=\"/u/{}\"", mention[0][1])), "{mention:?}");
    let page = server.browser().open(&format!("/u/{}", mention[0][1])).await;
    assert_eq!(page.status, StatusCode::OK);
}
