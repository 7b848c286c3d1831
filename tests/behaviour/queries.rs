//! Reads are cheap: a thread page costs the same few queries whatever its length.

use crate::support::*;
use reqwest::StatusCode;

async fn thread_with_posts(server: &TestServer, member: &Api, title: &str, posts: usize) -> (i64, String) {
    let thread = member.thread("intro", title, "First post @site_admin").await;
    let tid = thread["id"].as_i64().unwrap();
    let mut previous = thread["first_post"]["id"].as_i64();
    for n in 2..=posts {
        let reply = member.reply(tid, &format!("Reply {n} to @site_admin"), previous).await;
        previous = reply["id"].as_i64();
    }
    let _ = server;
    (tid, thread["url"].as_str().unwrap().to_owned())
}

/// Counts the SQL statements one request runs.
async fn cost(server: &TestServer, request: impl std::future::Future<Output = StatusCode>) -> u64 {
    let before = server.queries().await;
    assert_eq!(request.await, StatusCode::OK);
    server.queries().await - before
}

#[tokio::test]
async fn a_fifty_post_thread_costs_a_fixed_number_of_queries() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("intro", "Introductions").await;
    let member = server.member("chatty").await;
    // A runner: every one of their posts carries a progress badge, which
    // must come with the posts, not cost a statement of its own.
    for run in ["w1r1", "w1r2"] {
        let r = member.post("/api/v1/runs", serde_json::json!({"plan_run": run, "date": jogette::domain::dates::iso_day(jogette::domain::dates::day_of(jogette::app::now_millis()))})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let (short_id, short_url) = thread_with_posts(&server, &member, "A short thread", 5).await;
    let (long_id, long_url) = thread_with_posts(&server, &member, "A long thread", 50).await;
    // Thanks from the reader, so "have I thanked this?" is part of what is measured.
    for id in [short_id, long_id] {
        let posts = admin.get_json(&format!("/api/v1/threads/{id}")).await;
        for p in posts["posts"].as_array().unwrap().iter().step_by(2) {
            admin.put(&format!("/api/v1/posts/{}/thanks", p["id"])).await;
        }
    }

    let guest = server.browser();
    let reader = server.browser();
    let to = reader.fill("/login", "/login", &[("username", "site_admin"), ("password", PASSWORD)]).await;
    assert!(to.is_ok());

    for (url, api) in [(&short_url, format!("/api/v1/threads/{short_id}")), (&long_url, format!("/api/v1/threads/{long_id}"))] {
        // Thread, then one page of posts with authors, reply context and thanks.
        assert_eq!(cost(&server, async { guest.open(url).await.status }).await, 2, "guest HTML {url}");
        let page = guest.open(url).await;
        let badges = page.text("article.post .run-badge");
        assert_eq!(badges.len(), page.select("article.post").len(), "a badge beside every post");
        assert!(badges.iter().all(|b| b == "W1R2"), "{badges:?}");
        // The posts just read are kept for the next reader: only the thread's row is read again.
        assert_eq!(cost(&server, async { server.api().get(&api).await.status() }).await, 1, "guest API {api}");
        // A member's first look also moves their place on and reads the
        // notifications about those posts: one small transaction (at most
        // three statements, and SQLite's four of transaction control),
        // whatever the thread's length.
        let page_one = format!("{url}?page=1");
        let first_look = cost(&server, async { reader.open(&page_one).await.status }).await;
        assert!((3..=10).contains(&first_look), "member's first look at {url}: {first_look} statements");
        // After that, the session lookup, the thread's row (with the member's
        // place joined in) and the member's own marks on the kept posts
        // (thanks, mutes, notices), and nothing is written again.
        assert_eq!(cost(&server, async { reader.open(&page_one).await.status }).await, 3, "member HTML {url}");
        assert_eq!(cost(&server, async { admin.get(&api).await.status() }).await, 3, "member API {api}");
    }
    let page = reader.open(&format!("{long_url}?page=1")).await;
    assert_eq!(page.select("article.post").len(), 20);
    assert_eq!(page.select("article.post .reply-to").len(), 19);
}

#[tokio::test]
async fn a_thread_list_costs_a_member_what_it_costs_a_guest_plus_their_session() {
    let server = TestServer::start().await;
    let _admin = server.admin_with_category("intro", "Introductions").await;
    let member = server.member("reader_rae").await;
    let writer = server.member("writer_wyn").await;
    for n in 0..30 {
        let thread = writer.thread("intro", &format!("Thread number {n}"), "Opening words").await;
        let id = thread["id"].as_i64().unwrap();
        writer.reply(id, "A reply", None).await;
        // The reader has opened most of them, so their list carries places and "N new" counts.
        if n % 3 != 0 {
            member.get_json(&format!("/api/v1/threads/{id}")).await;
            writer.reply(id, "Another reply, unread", None).await;
        }
    }
    let (guest, reader) = (server.browser(), server.browser());
    assert!(reader.fill("/login", "/login", &[("username", "reader_rae"), ("password", PASSWORD)]).await.is_ok());
    for path in ["/", "/c/intro", "/?page=2"] {
        let as_guest = cost(&server, async { guest.open(path).await.status }).await;
        let as_member = cost(&server, async { reader.open(path).await.status }).await;
        // The category page also reads the member's level for the category.
        let extra = if path.starts_with("/c/") { 2 } else { 1 };
        assert_eq!(as_member, as_guest + extra, "{path}: guest {as_guest}, member {as_member}");
    }
    let home = reader.open("/").await;
    // The first page holds threads 29 down to 5; the reader opened those whose number isn't a multiple of three.
    let opened = (5..30).filter(|n| n % 3 != 0).count();
    assert_eq!(home.text(".threads .unread-count").len(), opened, "{home:?}");
    assert_eq!(home.text(".threads .new-thread").len(), 25 - opened, "the others are new to them");
    assert!(home.text(".threads .unread-count").iter().all(|t| t.starts_with("1 new")));
    for path in ["/unread", "/new"] {
        let first = cost(&server, async { reader.open(path).await.status }).await;
        assert_eq!(cost(&server, async { reader.open(path).await.status }).await, first, "{path} costs the same each time");
        assert!(first <= 3, "{path}: {first} statements");
    }
}

/// Counts the SQL statements of one reply sent over the API.
async fn reply_cost(server: &TestServer, member: &Api, thread_id: i64, body: &str) -> u64 {
    answer_cost(server, member, thread_id, body, None).await
}

/// As [`reply_cost`], for a reply to a particular post.
async fn answer_cost(server: &TestServer, member: &Api, thread_id: i64, body: &str, reply_to: Option<i64>) -> u64 {
    let before = server.queries().await;
    let reply = member.reply(thread_id, body, reply_to).await;
    assert_eq!(reply["reply_to"].as_i64(), reply_to, "{reply}");
    server.queries().await - before
}

#[tokio::test]
async fn a_reply_costs_a_fixed_number_of_statements_however_long_its_thread() {
    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let member = server.member("replier_rob").await;
    server.member("mentioned_mo").await;
    let opened = member.thread("intro", "A short thread", "Opening words").await;
    let short = opened["id"].as_i64().unwrap();
    let long = member.thread("intro", "A long thread", "Opening words").await["id"].as_i64().unwrap();
    for n in 0..30 {
        member.reply(long, &format!("Reply {n}"), None).await;
    }
    let plain = reply_cost(&server, &member, short, "Week 5 run 3 done!").await;
    assert_eq!(reply_cost(&server, &member, long, "Week 5 run 3 done!").await, plain, "a long thread costs what a short one does");
    // A post that mentions nobody doesn't look up who it mentions, and its
    // audience (whom it answers, who watches, who muted it) is one
    // statement: fourteen statements of work, and on SQLite five more: the
    // writer's BEGIN, SAVEPOINT, RELEASE and COMMIT, and the search index
    // it brings up to date before each commit.
    assert_eq!(plain, if on_postgres() { 14 } else { 19 });
    // Answering a particular post checks it is in the thread as the thread
    // is numbered, not in a statement of its own on the writer; reading the
    // answered post to check the viewer may see it is the one more.
    let answering = answer_cost(&server, &member, short, "Same here, week 5 run 3 done!", opened["first_post"]["id"].as_i64()).await;
    assert_eq!(answering, plain + 1);
    // Naming someone adds: finding the name while cooking, its row, their
    // notice with its event, and their place in the mail queue.
    let mentioning = reply_cost(&server, &member, short, "Week 5 run 3 done, thanks @mentioned_mo!").await;
    assert_eq!(mentioning, plain + 5);
}

/// Commits, and the writes they carried, from `/metrics`.
async fn commits(server: &TestServer) -> (u64, u64) {
    (server.metric("jogette_db_commits_total").await, server.metric("jogette_db_committed_writes_total").await)
}

#[tokio::test]
async fn the_operator_sees_how_many_writes_each_commit_carries() {
    let server = TestServer::start().await;
    server.admin_with_category("intro", "Introductions").await;
    let member = server.member("replier_rob").await;
    let thread = member.thread("intro", "A thread", "Opening words").await["id"].as_i64().unwrap();
    // A reply on its own is a commit of its own.
    let before = commits(&server).await;
    member.reply(thread, "Week 5 run 3 done!", None).await;
    let after = commits(&server).await;
    assert_eq!((after.0 - before.0, after.1 - before.1), (1, 1));
    // Replies sent together are all counted, in as many commits or fewer.
    let before = after;
    let bodies: Vec<String> = (0..24).map(|n| format!("Reply {n}")).collect();
    futures_util::future::join_all(bodies.iter().map(|body| member.reply(thread, body, None))).await;
    let after = commits(&server).await;
    let (commits, writes) = (after.0 - before.0, after.1 - before.1);
    assert_eq!(writes, 24);
    assert!((1..=24).contains(&commits), "{commits} commits for 24 replies");
}
