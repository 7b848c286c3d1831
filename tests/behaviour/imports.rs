//! Moving in: a Discourse export, phpBB boards in both stored-text formats
//! (SQLite and MariaDB), and a Jogette community export that comes back the
//! same. Each import runs twice: the second run updates and adds nothing.

use crate::support::*;
use jogette::app::import::{Report, Source, discourse::DiscourseExport, jogette::JogetteExport, phpbb::PhpbbBoard};
use jogette::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

async fn import(server: &TestServer, source: Box<dyn Source>) -> Report {
    server.app.import(source, |_| {}).await.expect("the import runs")
}

fn discourse() -> Box<dyn Source> {
    Box::new(DiscourseExport::open(&fixture("discourse-export.json")).unwrap())
}

/// The thread whose title starts with `title`, as `who` sees it.
async fn thread_titled(who: &Api, title: &str) -> Value {
    let list = who.get_json("/api/v1/threads?per_page=50").await;
    let id = list["threads"].as_array().unwrap().iter().find(|t| t["title"].as_str().unwrap().starts_with(title)).map(|t| t["id"].as_i64().unwrap());
    who.get_json(&format!("/api/v1/threads/{}", id.unwrap_or_else(|| panic!("{title:?} is listed: {list}")))).await
}

fn skipped(report: &Report, what: &str) -> u64 {
    report.skipped.iter().filter(|(why, _)| why.contains(what)).map(|(_, n)| *n).sum()
}

#[tokio::test]
async fn a_discourse_community_moves_in_with_its_categories_people_and_conversations() {
    let server = TestServer::start().await;
    let report = import(&server, discourse()).await;
    assert_eq!((report.members.new, report.categories.new, report.threads.new, report.posts.new), (5, 6, 4, 9), "{report}");
    assert_eq!(skipped(&report, "private messages"), 1);
    assert_eq!(skipped(&report, "parent was not brought over"), 1);

    // Categories keep their parents; only "everyone" opens one to guests.
    let guest = server.api();
    let categories = guest.get_json("/api/v1/categories").await["categories"].as_array().unwrap().clone();
    let by_name = |name: &str| categories.iter().find(|c| c["name"] == name).cloned();
    let started = by_name("Getting started").expect("a public category");
    assert_eq!(by_name("Injuries & aches").unwrap()["parent_id"], started["id"]);
    assert_eq!(started["members_only"], false);
    for closed in ["Graduates' lounge", "Pace group chat", "Uncategorized"] {
        assert_eq!(by_name(closed).unwrap_or_else(|| panic!("{closed} is listed"))["members_only"], true, "{closed}");
    }
    assert!(by_name("Staff").is_none(), "guests don't learn the staff category exists");
    let home = server.browser().open("/").await;
    assert_eq!(home.text(".categories .subcategories a"), ["Injuries & aches"], "a subcategory is listed under its parent");
    let injuries = server.browser().open(&format!("/c/{}", by_name("Injuries & aches").unwrap()["slug"].as_str().unwrap())).await;
    assert_eq!(injuries.text(".crumbs a"), ["All threads", "Getting started"]);

    // The conversation: authors, reply links, quotes, mentions, thanks.
    let thread = thread_titled(&guest, "Upper back still aches").await;
    let posts = thread["posts"].as_array().unwrap();
    assert_eq!(posts.iter().map(|p| p["number"].as_i64().unwrap()).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);
    assert_eq!(posts[0]["author"]["username"], "new.runner");
    assert_eq!(posts[0]["created_at"], "2025-03-01T07:00:00Z");
    assert_eq!(posts[2]["reply_to"], posts[1]["id"]);
    let quote_link = format!("[wrote](/p/{})", posts[1]["id"]);
    assert!(posts[2]["body"].as_str().unwrap().starts_with(&format!("> **@coach_kim** {quote_link}:")), "{}", posts[2]["body"]);
    assert!(posts[2]["html"].as_str().unwrap().contains("<blockquote>"));
    assert!(posts[2]["body"].as_str().unwrap().contains("*(a picture from the old forum, not brought over: sore spot)*"));
    assert_eq!(posts[1]["mentions"], json!(["new.runner"]));
    assert!(posts[1]["html"].as_str().unwrap().contains("href=\"/u/new.runner\""));
    assert_eq!(posts[2]["thanks"], 2, "likes by named members become thanks");
    assert_eq!(posts[5]["thanks"], 3, "counted likes are kept as thanks");
    // A hidden post stays hidden; the system user's post has one clearly named author.
    assert_eq!(posts[3], json!({"id": posts[3]["id"], "number": 4, "hidden": true}));
    assert_eq!(posts[4]["author"]["username"], "discourse-system");

    let welcome = thread_titled(&guest, "Welcome to the community").await;
    assert_eq!(welcome["locked"], true);
    let in_category = guest.get_json(&format!("/api/v1/threads?category={}", started["slug"].as_str().unwrap())).await;
    let pinned = in_category["pinned"].as_array().unwrap().iter().any(|t| t["title"] == "Welcome to the community");
    assert!(pinned, "a pinned topic stays pinned: {in_category}");

    // Staff-only is staff-only: a member can't find or open it; staff can.
    let member = server.member("new_member").await;
    let member_categories = member.get_json("/api/v1/categories").await;
    assert!(!member_categories.to_string().contains("\"Staff\""));
    let staff_thread = raw_rows(server.db_url(), "SELECT local_id FROM import_map WHERE kind = 'thread' AND source_id = '101'").await;
    let staff_thread = &staff_thread[0][0];
    assert_eq!(member.get(&format!("/api/v1/threads/{staff_thread}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(guest.get(&format!("/api/v1/threads/{staff_thread}")).await.status(), StatusCode::NOT_FOUND);
    assert!(!member.get_json("/api/v1/search?q=miracle%20shoes%20account").await.to_string().contains("spam wave"));
    server.seed_user("local_mod", Role::Moderator).await;
    let moderator = server.api().login("local_mod").await;
    assert_eq!(moderator.get(&format!("/api/v1/threads/{staff_thread}")).await.status(), StatusCode::OK);

    // Imported members set a password by email before they can log in.
    let r = server.api().post("/api/v1/sessions", json!({"username": "new.runner", "password": PASSWORD})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("Forgot your password?"));
    let roles = raw_rows(server.db_url(), "SELECT username, role FROM users WHERE username IN ('coach_kim', 'sam_mod', 'jo_') ORDER BY username").await;
    assert_eq!(roles, [["coach_kim", "admin"], ["jo_", "member"], ["sam_mod", "moderator"]]);
}

#[tokio::test]
async fn importing_the_same_discourse_export_again_updates_and_duplicates_nothing() {
    let server = TestServer::start().await;
    import(&server, discourse()).await;
    let counts = "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM categories), (SELECT COUNT(*) FROM threads), (SELECT COUNT(*) FROM posts), \
                  (SELECT COUNT(*) FROM thanks), (SELECT SUM(thanks_count) FROM posts)";
    let before = raw_rows(server.db_url(), counts).await;
    let again = import(&server, discourse()).await;
    assert_eq!((again.members.new, again.categories.new, again.threads.new, again.posts.new), (0, 0, 0, 0), "{again}");
    assert_eq!((again.members.updated, again.threads.updated, again.posts.updated), (4, 4, 9));
    assert_eq!(raw_rows(server.db_url(), counts).await, before);
}

#[tokio::test]
async fn a_member_who_already_joined_with_the_same_confirmed_address_keeps_their_account_and_gains_their_posts() {
    let server = TestServer::start().await;
    server.seed_user("kim_here", Role::Member).await;
    raw_exec(server.db_url(), "UPDATE users SET email = 'Kim@Example.org', email_verified_at = 1 WHERE username = 'kim_here'").await;
    let report = import(&server, discourse()).await;
    assert_eq!((report.members.new, report.members_matched), (4, 1), "{report}");
    let thread = thread_titled(&server.api(), "Upper back still aches").await;
    assert_eq!(thread["posts"][1]["author"]["username"], "kim_here");
    assert!(thread["posts"][2]["body"].as_str().unwrap().starts_with("> **@kim_here** [wrote]"), "quotes follow: {}", thread["posts"][2]["body"]);
    assert_eq!(raw_rows(server.db_url(), "SELECT COUNT(*) FROM users WHERE username = 'coach_kim'").await, [["0"]]);
    // Still theirs to log in to, with their own password.
    server.api().login("kim_here").await;
}

#[tokio::test]
async fn a_community_exported_by_an_admin_comes_back_the_same_in_an_empty_jogette() {
    let from = TestServer::start().await;
    from.app.load_demo().await.unwrap();
    let archive = from.app.export_community().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("community.zip");
    std::fs::write(&path, &archive).unwrap();

    let to = TestServer::start().await;
    let report = import(&to, Box::new(JogetteExport::open(&path).unwrap())).await;
    assert!(report.skipped.is_empty(), "{report}");
    let (a, b) = (from.api(), to.api());
    assert_eq!(a.get_json("/api/v1/categories").await, b.get_json("/api/v1/categories").await);
    let list = a.get_json("/api/v1/threads?per_page=50").await;
    let threads = list["threads"].as_array().unwrap();
    assert!(threads.len() > 20, "the demo has a community's worth of threads");
    for thread in threads {
        let path = format!("/api/v1/threads/{}", thread["id"]);
        assert_eq!(a.get_json(&path).await, b.get_json(&path).await, "{path}");
    }
    assert_eq!(list, b.get_json("/api/v1/threads?per_page=50").await);
}

// ---- phpBB boards, built from phpBB's schema and filled in each stored-text format.

#[derive(Clone, Copy, PartialEq)]
enum Phpbb {
    /// 3.0: BBCode with a per-post uid, `post_approved`.
    V30,
    /// 3.2: s9e XML, `post_visibility`.
    V32,
}

fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The opening post and replies of the board's busy topic, each showing one
/// stored-text feature; `first` is the opening post's id, for quotes.
fn post_texts(version: Phpbb, uid: &str, first: i64) -> Vec<String> {
    let nhs = "https://www.nhs.uk/live-well/exercise/couch-to-5k-week-by-week/";
    match version {
        Phpbb::V30 => vec![
            format!("A week after my run my upper back still aches. [b:{uid}]Worse on waking[/b:{uid}] &amp; I&#39;m worried &lt;3"),
            format!("[quote=&quot;nat&quot;:{uid}][quote=&quot;Coach Kim&quot;:{uid}]Is it your back?[/quote:{uid}]My shoulders.[/quote:{uid}]Then stretch them."),
            format!("Try these:[list:{uid}][*:{uid}]relax the shoulders[/*:m:{uid}][*:{uid}]shake the arms out[/*:m:{uid}][/list:u:{uid}]"),
            format!(
                "Great <!-- s:) --><img src=\"{{SMILIES_PATH}}/icon_e_smile.gif\" alt=\":)\" title=\"Smile\" /><!-- s:) --> see \
                 <!-- m --><a class=\"postlink\" href=\"{nhs}\">{nhs}</a><!-- m -->"
            ),
            format!("Here is [url=http&#58;//example&#46;com/plan?a=1&amp;b=2:{uid}]the plan[/url:{uid}] and [i:{uid}]take it easy[/i:{uid}]"),
            format!("[code:{uid}]5 min warm-up * 3[/code:{uid}]"),
            "@nat a tennis ball against a wall helps".to_owned(),
        ],
        Phpbb::V32 => vec![
            "<r>A week after my run my upper back still aches. <B><s>[b]</s>Worse on waking<e>[/b]</e></B> &amp; I'm worried &lt;3</r>".to_owned(),
            format!(
                "<r><QUOTE author=\"nat\" post_id=\"{first}\" time=\"1700000000\" user_id=\"3\"><s>[quote=nat post_id={first}]</s>\
                 <QUOTE author=\"Coach Kim\"><s>[quote=\"Coach Kim\"]</s>Is it your back?<e>[/quote]</e></QUOTE>My shoulders.<e>[/quote]</e></QUOTE>Then stretch them.</r>"
            ),
            "<r>Try these:<LIST><s>[list]</s><LI><s>[*]</s>relax the shoulders</LI><LI><s>[*]</s>shake the arms out</LI><e>[/list]</e></LIST></r>".to_owned(),
            format!("<r>Great <E>:)</E> see <URL url=\"{nhs}\">{nhs}</URL></r>"),
            "<r>Here is <URL url=\"http://example.com/plan?a=1&amp;b=2\"><s>[url=http://example.com/plan?a=1&amp;b=2]</s>the plan<e>[/url]</e></URL> and \
             <I><s>[i]</s>take it easy<e>[/i]</e></I></r>"
                .to_owned(),
            "<r><CODE><s>[code]</s>5 min warm-up * 3<e>[/code]</e></CODE></r>".to_owned(),
            "<t>@nat a tennis ball against a wall helps<br/>\nsecond line</t>".to_owned(),
        ],
    }
}

/// Every statement that makes a small board: members (with the anonymous
/// user and a bot), a category with a public and a private forum and a link
/// forum, a busy topic, a sticky locked one, a private one, an unapproved
/// one, a "moved" shadow, and posts that aren't visible.
fn board(version: Phpbb) -> Vec<String> {
    let mut sql: Vec<String> = include_str!("../fixtures/phpbb/schema.sql")
        .split(';')
        .map(|s| s.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n"))
        .filter(|s| !s.trim().is_empty())
        .collect();
    let (posts_visible, topics_visible) = match version {
        Phpbb::V30 => ("post_approved", "topic_approved"),
        Phpbb::V32 => ("post_visibility", "topic_visibility"),
    };
    sql.push(format!("ALTER TABLE phpbb_posts ADD COLUMN {posts_visible} tinyint(3) NOT NULL DEFAULT '1'"));
    sql.push(format!("ALTER TABLE phpbb_topics ADD COLUMN {topics_visible} tinyint(3) NOT NULL DEFAULT '1'"));
    let day = 1_700_000_000;
    for (id, kind, name, email) in [
        (1, 2, "Anonymous", ""),
        (2, 3, "Coach Kim", "kim@example.org"),
        (3, 0, "nat", "nat@example.org"),
        (4, 0, "sam", "sam@example.org"),
        (5, 2, "Googlebot [Bot]", ""),
        (6, 0, "jo&amp;co", "jo@example.org"),
    ] {
        sql.push(format!(
            "INSERT INTO phpbb_users (user_id, user_type, username, username_clean, user_password, user_email, user_regdate) \
             VALUES ({id}, {kind}, {}, {}, '$2y$10$notcopied', {}, {})",
            quoted(name),
            quoted(&name.to_lowercase()),
            quoted(email),
            day - 86_400 * (10 - id)
        ));
    }
    for (id, name) in [(1, "GUESTS"), (2, "REGISTERED"), (4, "GLOBAL_MODERATORS"), (5, "ADMINISTRATORS"), (6, "BOTS")] {
        sql.push(format!("INSERT INTO phpbb_groups (group_id, group_name) VALUES ({id}, '{name}')"));
    }
    sql.push("INSERT INTO phpbb_user_group (group_id, user_id, user_pending) VALUES (4, 4, 0)".into());
    for (id, parent, left, name, kind) in [(1, 0, 1, "Couch to 5K", 0), (2, 1, 2, "Injuries &amp; aches", 1), (3, 1, 4, "Graduates only", 1), (4, 0, 7, "NHS Couch to 5K", 2)] {
        sql.push(format!(
            "INSERT INTO phpbb_forums (forum_id, parent_id, left_id, right_id, forum_name, forum_desc, forum_type) VALUES ({id}, {parent}, {left}, {}, {}, 'About {id}', {kind})",
            left + 1,
            quoted(name)
        ));
    }
    // Guests read forum 2 through a role; forum 3 only registered members.
    sql.push("INSERT INTO phpbb_acl_options (auth_option_id, auth_option, is_local) VALUES (1, 'f_read', 1), (2, 'f_post', 1)".into());
    sql.push("INSERT INTO phpbb_acl_roles_data (role_id, auth_option_id, auth_setting) VALUES (14, 1, 1), (14, 2, 1)".into());
    sql.push("INSERT INTO phpbb_acl_groups (group_id, forum_id, auth_option_id, auth_role_id, auth_setting) VALUES (1, 2, 0, 14, 0), (2, 2, 0, 14, 0), (2, 3, 0, 14, 0)".into());
    // (topic, forum, title, type, status, visible)
    for (id, forum, title, kind, status, visible) in [
        (10, 2, "Upper back &amp; shoulders ache", 0, 0, 1),
        (11, 2, "Read this first", 1, 1, 1),
        (12, 3, "Week 9 done", 0, 0, 1),
        (13, 2, "Waiting for approval", 0, 0, 0),
        (14, 3, "Upper back &amp; shoulders ache", 0, 2, 1),
    ] {
        sql.push(format!(
            "INSERT INTO phpbb_topics (topic_id, forum_id, topic_title, topic_poster, topic_time, topic_type, topic_status, {topics_visible}) \
             VALUES ({id}, {forum}, {}, 3, {day}, {kind}, {status}, {visible})",
            quoted(title)
        ));
    }
    let mut post = |id: i64, topic: i64, forum: i64, poster: i64, at: i64, text: &str, uid: &str, visible: i64| {
        sql.push(format!(
            "INSERT INTO phpbb_posts (post_id, topic_id, forum_id, poster_id, post_time, post_text, bbcode_uid, {posts_visible}) \
             VALUES ({id}, {topic}, {forum}, {poster}, {at}, {}, '{uid}', {visible})",
            quoted(text)
        ));
    };
    let posters = [3, 2, 4, 2, 6, 4, 2];
    for (i, text) in post_texts(version, "2h1ntr5c", 100).iter().enumerate() {
        post(100 + i as i64, 10, 2, posters[i], day + 600 * i as i64, text, "2h1ntr5c", 1);
    }
    // Soft-deleted or unapproved (0), and (3.1+) deleted (2): never imported.
    post(120, 10, 2, 3, day + 9_000, "An unapproved reply", "", 0);
    post(121, 10, 2, 3, day + 9_600, "A deleted reply", "", 2);
    post(122, 10, 2, 1, day + 10_000, "A guest's question", "", 1);
    post(130, 11, 2, 2, day - 100, "Please read the guidelines.", "", 1);
    post(140, 12, 3, 3, day + 20_000, "Graduated today!", "", 1);
    post(150, 13, 2, 6, day + 30_000, "Buy my miracle shoes", "", 1);
    sql
}

/// Builds the board in a SQLite file under `dir`; its URL for `--from`.
fn sqlite_board(dir: &std::path::Path, version: Phpbb) -> String {
    let path = dir.join("board.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    for statement in board(version) {
        // phpBB's SQLite schema spells its unsigned integers this way.
        let statement = ["mediumint(8)", "int(11)", "tinyint(1)"].iter().fold(statement, |s, t| s.replace(&format!("{t} UNSIGNED"), "INTEGER UNSIGNED"));
        conn.execute_batch(&statement).unwrap_or_else(|e| panic!("{e}: {statement}"));
    }
    format!("sqlite://{}", path.display())
}

/// A MariaDB database holding the board, dropped when done; None (or a
/// failure on CI) when MariaDB isn't there.
struct MariaBoard {
    name: String,
}

impl MariaBoard {
    const SERVER: &str = "mysql://root@127.0.0.1:3306";

    fn create(version: Phpbb) -> Option<MariaBoard> {
        use mysql::prelude::Queryable;
        let mut conn = match mysql::Conn::new(mysql::Opts::from_url(Self::SERVER).unwrap()) {
            Ok(conn) => conn,
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => panic!("MariaDB is needed on CI at 127.0.0.1:3306: {e}"),
            Err(_) => return None,
        };
        let name = format!("jogette_phpbb_{}", std::process::id() as u64 * 1000 + (rand_suffix() % 1000));
        conn.query_drop(format!("CREATE DATABASE {name} CHARACTER SET utf8mb4")).unwrap();
        conn.query_drop(format!("USE {name}")).unwrap();
        for statement in board(version) {
            conn.query_drop(&statement).unwrap_or_else(|e| panic!("{e}: {statement}"));
        }
        Some(MariaBoard { name })
    }

    fn url(&self) -> String {
        format!("{}/{}", Self::SERVER, self.name)
    }
}

impl Drop for MariaBoard {
    fn drop(&mut self) {
        use mysql::prelude::Queryable;
        if let Ok(mut conn) = mysql::Conn::new(mysql::Opts::from_url(Self::SERVER).unwrap()) {
            let _ = conn.query_drop(format!("DROP DATABASE IF EXISTS {}", self.name));
        }
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as u64
}

/// Imports the board at `url` twice and checks what members see.
async fn board_moves_in(url: &str, version: Phpbb) {
    let server = TestServer::start().await;
    let source = || -> Box<dyn Source> { Box::new(PhpbbBoard::open(url, "phpbb_").unwrap()) };
    let report = import(&server, source()).await;
    // Four members (not the anonymous user or the bot), and a system member for the guest's post.
    assert_eq!((report.members.new, report.categories.new, report.threads.new, report.posts.new), (5, 3, 3, 10), "{report}");
    assert_eq!(skipped(&report, "not visible on the board"), 3, "{report}");
    assert_eq!(skipped(&report, "link forums"), 1);

    let guest = server.api();
    let categories = guest.get_json("/api/v1/categories").await["categories"].as_array().unwrap().clone();
    let named = |name: &str| categories.iter().find(|c| c["name"] == name).cloned().unwrap_or_else(|| panic!("{name} in {categories:?}"));
    assert_eq!(named("Injuries & aches")["parent_id"], named("Couch to 5K")["id"]);
    assert_eq!(named("Injuries & aches")["members_only"], false);
    assert_eq!(named("Graduates only")["members_only"], true, "guests couldn't read it on the board");

    let thread = thread_titled(&guest, "Upper back & shoulders ache").await;
    let posts = thread["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 8);
    let html = |i: usize| posts[i]["html"].as_str().unwrap().to_owned();
    assert_eq!(posts[0]["author"]["username"], "nat");
    assert!(html(0).contains("<strong>Worse on waking</strong> &amp; I'm worried &lt;3"), "{}", html(0));
    assert_eq!(html(1).matches("<blockquote>").count(), 2, "{}", html(1));
    assert!(posts[1]["body"].as_str().unwrap().contains("**@nat**"));
    assert!(posts[1]["body"].as_str().unwrap().contains("**@Coach_Kim** wrote:"), "names are made valid, quotes follow: {}", posts[1]["body"]);
    assert!(html(2).contains("<li>relax the shoulders</li>") && html(2).contains("<ul>"), "{}", html(2));
    assert!(html(3).contains("Great :) see <a href=\"https://www.nhs.uk/live-well/exercise/couch-to-5k-week-by-week/\""), "{}", html(3));
    assert!(html(4).contains("<a href=\"http://example.com/plan?a=1&amp;b=2\"") && html(4).contains("<em>take it easy</em>"), "{}", html(4));
    assert!(html(5).contains("<code>5 min warm-up * 3"), "{}", html(5));
    assert_eq!(posts[6]["mentions"], json!(["nat"]));
    assert_eq!(posts[4]["author"]["username"], "jo_co");
    assert_eq!(posts[7]["author"]["username"], "phpbb-system", "a guest's post is kept under the system member");
    if version == Phpbb::V32 {
        // A quote that names its post links to it, and answers it.
        assert_eq!(posts[1]["reply_to"], posts[0]["id"]);
        assert!(posts[1]["body"].as_str().unwrap().starts_with(&format!("> **@nat** [wrote](/p/{}):", posts[0]["id"])), "{}", posts[1]["body"]);
        assert!(posts[6]["body"].as_str().unwrap().ends_with("helps\nsecond line"));
    }

    let sticky = thread_titled(&guest, "Read this first").await;
    assert_eq!(sticky["locked"], true);
    let in_forum = guest.get_json(&format!("/api/v1/threads?category={}", named("Injuries & aches")["slug"].as_str().unwrap())).await;
    assert_eq!(in_forum["pinned"][0]["title"], "Read this first");

    let again = import(&server, source()).await;
    assert_eq!((again.members.new, again.categories.new, again.threads.new, again.posts.new), (0, 0, 0, 0), "{again}");
    assert_eq!(again.posts.updated, 10);
    assert_eq!(raw_rows(server.db_url(), "SELECT COUNT(*) FROM posts").await, [["10"]]);
}

#[tokio::test]
async fn a_phpbb_3_0_board_in_sqlite_moves_in_with_its_bbcode_quotes_and_links() {
    let dir = tempfile::tempdir().unwrap();
    board_moves_in(&sqlite_board(dir.path(), Phpbb::V30), Phpbb::V30).await;
}

#[tokio::test]
async fn a_phpbb_3_2_board_in_sqlite_moves_in_with_its_xml_quotes_and_links() {
    let dir = tempfile::tempdir().unwrap();
    board_moves_in(&sqlite_board(dir.path(), Phpbb::V32), Phpbb::V32).await;
}

#[tokio::test]
async fn a_phpbb_3_0_board_in_mariadb_moves_in() {
    let Some(board) = MariaBoard::create(Phpbb::V30) else { return };
    board_moves_in(&board.url(), Phpbb::V30).await;
}

#[tokio::test]
async fn a_phpbb_3_2_board_in_mariadb_moves_in() {
    let Some(board) = MariaBoard::create(Phpbb::V32) else { return };
    board_moves_in(&board.url(), Phpbb::V32).await;
}

#[tokio::test]
async fn a_database_that_is_not_a_phpbb_board_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    rusqlite::Connection::open(&path).unwrap().execute_batch("CREATE TABLE notes (id INTEGER)").unwrap();
    let refused = PhpbbBoard::open(&format!("sqlite://{}", path.display()), "phpbb_").err().unwrap();
    assert!(refused.contains("has no phpbb_users table"), "{refused}");
    let refused = PhpbbBoard::open("ftp://example.org/board", "phpbb_").err().unwrap();
    assert!(refused.contains("mysql://"), "{refused}");
}

#[tokio::test]
async fn an_admin_downloads_the_whole_community_from_the_admin_page_and_no_one_else_can() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("niggles", "Injuries and niggles").await;
    admin.thread("niggles", "Shin splints in week 3", "Both shins ache after every run.").await;
    let r = admin.get("/admin/community.zip").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"community.zip\"");
    let bytes = r.bytes().await.unwrap();
    let files = jogette::domain::export::unzip(&bytes).unwrap();
    let data: Value = serde_json::from_slice(&files.iter().find(|(n, _)| n == "data.json").unwrap().1).unwrap();
    assert_eq!(data["format"], "jogette-community");
    assert_eq!(data["threads"][0]["posts"][0]["body"], "Both shins ache after every run.");
    assert!(!String::from_utf8_lossy(&bytes).contains("$argon2"), "no password hash leaves");
    let member = server.member("curious_cal").await;
    assert_eq!(member.get("/admin/community.zip").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.api().get("/admin/community.zip").await.status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn the_import_command_shows_its_progress_and_ends_with_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("forum.db").display());
    let run = |args: &[&str]| {
        let out = std::process::Command::new(BIN).args(args).env_remove("JOGETTE_DB").output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let file = fixture("discourse-export.json");
    let (ok, report, progress) = run(&["import", "discourse", file.to_str().unwrap(), "--db", &db]);
    assert!(ok, "{report}{progress}");
    // Not a terminal: plain lines, no carriage returns.
    assert!(progress.lines().last().unwrap_or("").contains("100%  9/9 posts"), "{progress}");
    assert!(!progress.contains('\r'));
    assert!(report.contains("members: 5 new, 0 brought over again"), "{report}");
    assert!(report.contains("private messages (Jogette has none)"), "{report}");
    assert!(report.contains("Forgot your password?"));

    let zip = dir.path().join("community.zip");
    let (ok, said, _) = run(&["admin", "export-community", "--to", zip.to_str().unwrap(), "--db", &db]);
    assert!(ok && said.contains("exported the community"), "{said}");
    let elsewhere = format!("sqlite://{}", dir.path().join("elsewhere.db").display());
    let (ok, report, _) = run(&["import", "jogette", zip.to_str().unwrap(), "--db", &elsewhere]);
    assert!(ok && report.contains("posts: 9 new"), "{report}");

    let (ok, _, error) = run(&["import", "discourse", dir.path().join("missing.json").to_str().unwrap(), "--db", &db]);
    assert!(!ok && error.contains("cannot read"), "{error}");
}
