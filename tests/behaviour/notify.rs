//! Notifications, watch levels, mutes and unread tracking: a member hears
//! that someone answered them, once, and finds their way back to what's new.

use crate::support::*;
use jogette::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// The poster's thread in "injuries", and three members who answer.
struct Conversation {
    server: TestServer,
    poster: Api,
    jen: Api,
    sam: Api,
    kit: Api,
    thread_id: i64,
    first_id: i64,
}

async fn conversation() -> Conversation {
    let server = TestServer::start().await;
    server.admin_with_category("injuries", "Injuries and niggles").await;
    let poster = server.member("runningnearbeirut").await;
    let (jen, sam, kit) = (server.member("jogon_jen").await, server.member("slow_sam").await, server.member("kit_runs").await);
    let thread = poster.thread("injuries", "Back pain following run", "A week after my run my upper back still aches.").await;
    let (thread_id, first_id) = (thread["id"].as_i64().unwrap(), thread["first_post"]["id"].as_i64().unwrap());
    Conversation { server, poster, jen, sam, kit, thread_id, first_id }
}

async fn notifications(member: &Api) -> Value {
    member.get_json("/api/v1/notifications").await
}

/// Each notification as "kind by actor, actor…".
async fn told(member: &Api) -> Vec<String> {
    let n = notifications(member).await;
    n["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let actors: Vec<&str> = i["actors"].as_array().unwrap().iter().map(|a| a["username"].as_str().unwrap()).collect();
            format!("{} by {}", i["kind"].as_str().unwrap(), actors.join(", "))
        })
        .collect()
}

async fn unread(member: &Api) -> i64 {
    member.get_json("/api/v1/notifications/unread").await["unread"].as_i64().unwrap()
}

async fn level(member: &Api, thread_id: i64, level: &str) {
    let r = member.put_json(&format!("/api/v1/threads/{thread_id}/watch"), json!({ "level": level })).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "{level}");
}

#[tokio::test]
async fn a_reply_a_quote_and_a_mention_each_reach_the_person_they_are_about() {
    let c = conversation().await;
    // Answering the thread itself answers its poster.
    let question = c.jen.reply(c.thread_id, "Is it your back or your shoulders?", None).await;
    assert_eq!(told(&c.poster).await, ["reply by jogon_jen"]);
    // A reply to Jen's post reaches Jen, not the poster again.
    c.sam.reply(c.thread_id, "Shoulders, I'd guess.", question["id"].as_i64()).await;
    assert_eq!(told(&c.jen).await, ["reply by slow_sam"]);
    assert_eq!(told(&c.poster).await, ["reply by jogon_jen"], "a reply to someone else's post is not a reply to the poster");
    // A quote of Jen's post, in a reply to the poster.
    let quote = c.kit.get_json(&format!("/api/v1/posts/{}/quote", question["id"])).await;
    c.kit.reply(c.thread_id, &format!("{}Good question.", quote["markdown"].as_str().unwrap()), Some(c.first_id)).await;
    assert_eq!(told(&c.jen).await, ["quote by kit_runs", "reply by slow_sam"]);
    // A mention reaches someone who wasn't in the thread at all.
    let sol = c.server.member("sol_strides").await;
    c.kit.reply(c.thread_id, "@sol_strides had this last spring, I think.", None).await;
    assert_eq!(told(&sol).await, ["mention by kit_runs"]);
    let item = &notifications(&sol).await["items"][0];
    assert_eq!(item["thread_id"], c.thread_id);
    assert!(item["url"].as_str().unwrap().starts_with(&format!("/t/{}/back-pain-following-run?page=1#p", c.thread_id)));
    assert_eq!(item["read"], false);
    assert!(item["title"].as_str().unwrap().contains("kit_runs mentioned you"));
}

#[tokio::test]
async fn a_mention_in_a_staff_only_category_reaches_staff_and_no_member() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("staff-room", "Staff room").await;
    raw_exec(server.db_url(), "UPDATE categories SET staff_only = 1 WHERE slug = 'staff-room'").await;
    server.seed_user("mod_mo", Role::Moderator).await;
    let (moderator, member) = (server.api().login("mod_mo").await, server.member("jogon_jen").await);
    admin.thread("staff-room", "About a flag", "@jogon_jen and @mod_mo, have a look at the flag on this one.").await;
    assert_eq!(told(&moderator).await, ["mention by site_admin"]);
    assert!(told(&member).await.is_empty(), "a member who can't read the post is not told of it");
    let rows = raw_rows(server.db_url(), "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'jogon_jen'").await;
    assert_eq!(rows[0][0], "0", "not even in the database");
}

#[tokio::test]
async fn one_action_never_notifies_the_same_person_twice() {
    let c = conversation().await;
    let quote = c.jen.get_json(&format!("/api/v1/posts/{}/quote", c.first_id)).await;
    let body = format!("{}@runningnearbeirut I had the same. @RunningNearBeirut do try the tennis ball.", quote["markdown"].as_str().unwrap());
    c.jen.reply(c.thread_id, &body, Some(c.first_id)).await;
    // The poster also watches the thread, which would be a fourth reason.
    level(&c.poster, c.thread_id, "watching").await;
    c.jen.reply(c.thread_id, &format!("{}Again: @runningnearbeirut.", quote["markdown"].as_str().unwrap()), Some(c.first_id)).await;
    assert_eq!(told(&c.poster).await, ["reply by jogon_jen", "reply by jogon_jen"], "one notification per post, the strongest reason");
    assert_eq!(unread(&c.poster).await, 2);
}

#[tokio::test]
async fn thanks_are_grouped_until_read() {
    let c = conversation().await;
    let help = c.jen.reply(c.thread_id, "Relax the shoulders and shake the arms out.", Some(c.first_id)).await;
    let path = format!("/api/v1/posts/{}/thanks", help["id"]);
    for thanker in [&c.poster, &c.sam, &c.kit] {
        assert_eq!(thanker.put(&path).await.status(), StatusCode::OK);
    }
    let n = notifications(&c.jen).await;
    let thanks: Vec<&Value> = n["items"].as_array().unwrap().iter().filter(|i| i["kind"] == "thanks").collect();
    assert_eq!(thanks.len(), 1, "{n}");
    assert_eq!(thanks[0]["actor_count"], 3);
    assert_eq!(thanks[0]["title"], "kit_runs and 2 others thanked your post");
    assert_eq!(thanks[0]["actors"][0]["username"], "kit_runs");
    // Taking thanks back takes it out of the group.
    c.kit.delete(&path).await;
    let n = notifications(&c.jen).await;
    assert_eq!(n["items"][0]["title"], "slow_sam and runningnearbeirut thanked your post");
    // Once read, the next thanks starts a new notification.
    c.jen.post("/api/v1/notifications/read", json!({})).await;
    c.kit.put(&path).await;
    let titles: Vec<String> = notifications(&c.jen).await["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect();
    assert_eq!(titles, ["kit_runs thanked your post", "slow_sam and runningnearbeirut thanked your post"]);
    assert_eq!(unread(&c.jen).await, 1);
}

#[tokio::test]
async fn watching_a_thread_tells_you_of_every_reply_and_muting_it_of_nothing() {
    let c = conversation().await;
    c.jen.reply(c.thread_id, "Following this one.", None).await;
    // Posting made Jen track the thread: lists count new posts, but replies to others don't notify her.
    let thread = c.jen.get_json(&format!("/api/v1/threads/{}", c.thread_id)).await;
    assert_eq!(thread["level"], "tracking");
    c.sam.reply(c.thread_id, "A reply to the thread.", None).await;
    assert!(told(&c.jen).await.is_empty());
    level(&c.jen, c.thread_id, "watching").await;
    c.sam.reply(c.thread_id, "Another reply.", Some(c.first_id)).await;
    assert_eq!(told(&c.jen).await, ["watched-thread by slow_sam"]);
    // The poster mutes their own thread: not even direct replies reach them.
    level(&c.poster, c.thread_id, "muted").await;
    let before = told(&c.poster).await.len();
    c.kit.reply(c.thread_id, "@runningnearbeirut see a physio.", Some(c.first_id)).await;
    assert_eq!(told(&c.poster).await.len(), before);
    let r = c.jen.put_json(&format!("/api/v1/threads/{}/watch", c.thread_id), json!({"level": "loud"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = c.server.api().put_json(&format!("/api/v1/threads/{}/watch", c.thread_id), json!({"level": "muted"})).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn watching_a_category_tells_you_of_new_threads_and_their_replies() {
    let c = conversation().await;
    let r = c.kit.put_json("/api/v1/categories/injuries/watch", json!({"level": "watching"})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let thread = c.jen.thread("injuries", "Shin splints in week 3", "Both shins ache after W3R2.").await;
    assert_eq!(told(&c.kit).await, ["watched-category by jogon_jen"]);
    c.sam.reply(thread["id"].as_i64().unwrap(), "Slow down and rest a day.", None).await;
    assert_eq!(told(&c.kit).await, ["watched-thread by slow_sam", "watched-category by jogon_jen"]);
    // A thread's own level beats its category's.
    level(&c.kit, thread["id"].as_i64().unwrap(), "normal").await;
    c.sam.reply(thread["id"].as_i64().unwrap(), "And ice.", None).await;
    assert_eq!(told(&c.kit).await.len(), 2);
    let r = c.kit.put_json("/api/v1/categories/nowhere/watch", json!({"level": "watching"})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_members_default_level_applies_to_threads_they_post_in() {
    let c = conversation().await;
    let r = c.jen.patch("/api/v1/me/settings", json!({"default_watch": "watching"})).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    c.jen.reply(c.thread_id, "Watching this.", None).await;
    c.sam.reply(c.thread_id, "Me too.", None).await;
    assert_eq!(told(&c.jen).await, ["watched-thread by slow_sam"]);
}

#[tokio::test]
async fn muting_a_member_folds_their_posts_away_and_silences_them() {
    let c = conversation().await;
    assert_eq!(c.poster.put("/api/v1/users/kit_runs/mute").await.status(), StatusCode::NO_CONTENT);
    let post = c.kit.reply(c.thread_id, "@runningnearbeirut you should just push through it.", Some(c.first_id)).await;
    c.kit.put(&format!("/api/v1/posts/{}/thanks", c.first_id)).await;
    assert!(told(&c.poster).await.is_empty(), "no reply, mention or thanks from a muted member");
    // Their post folds away for the poster only.
    let browser = c.server.browser();
    assert!(browser.fill("/login", "/login", &[("username", "runningnearbeirut"), ("password", PASSWORD)]).await.is_ok());
    let (_, page) = browser.visit(&format!("/t/{}/back-pain-following-run?page=1", c.thread_id)).await;
    assert_eq!(page.text("details.muted-post > summary"), ["Hidden: you muted this member (kit_runs). Show the post"]);
    assert!(page.text("details.muted-post .body").join(" ").contains("push through it"));
    let guest = c.server.browser().open(&format!("/t/{}/back-pain-following-run", c.thread_id)).await;
    assert!(guest.select("details.muted-post").is_empty());
    let api = c.poster.get_json(&format!("/api/v1/posts/{}", post["id"])).await;
    assert_eq!(api["author_muted"], true);
    // Unmuting lets them through again.
    assert_eq!(c.poster.delete("/api/v1/users/kit_runs/mute").await.status(), StatusCode::NO_CONTENT);
    c.kit.reply(c.thread_id, "Sorry, rest it.", Some(c.first_id)).await;
    assert_eq!(told(&c.poster).await, ["reply by kit_runs"]);
    // Moderators can't be muted, nor can you mute yourself.
    c.server.seed_user("mod_mo", Role::Moderator).await;
    assert_eq!(c.poster.put("/api/v1/users/mod_mo/mute").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(c.poster.put("/api/v1/users/runningnearbeirut/mute").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(c.poster.put("/api/v1/users/nobody_here/mute").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn notifications_are_marked_read_one_by_one_all_at_once_or_by_reading_the_post() {
    let c = conversation().await;
    for n in 0..3 {
        c.jen.reply(c.thread_id, &format!("Reply {n}"), Some(c.first_id)).await;
    }
    let items = notifications(&c.poster).await["items"].as_array().unwrap().clone();
    let newest = items[0]["id"].as_i64().unwrap();
    // Someone else's ids are ignored.
    let r = c.jen.post("/api/v1/notifications/read", json!({"ids": [newest]})).await;
    assert_eq!(r.json::<Value>().await.unwrap()["marked"], 0);
    let r = c.poster.post("/api/v1/notifications/read", json!({"ids": [newest]})).await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"marked": 1, "unread": 2}));
    let r = c.poster.post("/api/v1/notifications/read", json!({"ids": "all"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Reading the thread reads the notifications about its posts.
    c.poster.get_json(&format!("/api/v1/threads/{}", c.thread_id)).await;
    assert_eq!(unread(&c.poster).await, 0);
    // And through the pages: one at a time, then all.
    c.sam.reply(c.thread_id, "One more", Some(c.first_id)).await;
    c.kit.reply(c.thread_id, "And another", Some(c.first_id)).await;
    let browser = c.server.browser();
    assert!(browser.fill("/login", "/login", &[("username", "runningnearbeirut"), ("password", PASSWORD)]).await.is_ok());
    let page = browser.open("/notifications").await;
    assert_eq!(page.text("header .bell [data-unread]"), ["2 unread"]);
    let one = page.attr("ol.notifications li.unread form", "action").remove(0);
    assert!(browser.submit(&one, &[("csrf", &page.csrf())]).await.is_ok());
    let page = browser.open("/notifications").await;
    assert_eq!(page.select("ol.notifications li.unread").len(), 1);
    assert!(browser.submit("/notifications/read", &[("csrf", &page.csrf())]).await.is_ok());
    assert!(browser.open("/notifications").await.select("ol.notifications li.unread").is_empty());
    assert_eq!(c.server.api().get("/api/v1/notifications").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(c.server.browser().submit("/notifications/read", &[]).await.err().map(|p| p.status), Some(StatusCode::FORBIDDEN));
}

#[tokio::test]
async fn notifications_come_in_pages() {
    let c = conversation().await;
    for n in 0..35 {
        c.jen.reply(c.thread_id, &format!("Reply number {n}"), Some(c.first_id)).await;
    }
    let first = notifications(&c.poster).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 30);
    assert_eq!((first["more"].as_bool(), first["unread"].as_i64()), (Some(true), Some(35)));
    let second = c.poster.get_json("/api/v1/notifications?page=2").await;
    assert_eq!(second["items"].as_array().unwrap().len(), 5);
    assert_eq!(second["more"], false);
    assert!(second["items"][4]["text"].as_str().unwrap().contains("Reply number 0"));
    assert_eq!(c.poster.get_json("/api/v1/notifications?page=99999999999999").await["items"], json!([]));
}

#[tokio::test]
async fn an_edit_that_adds_a_mention_tells_only_the_newly_mentioned() {
    let c = conversation().await;
    let post = c.jen.reply(c.thread_id, "Ask @slow_sam about this.", None).await;
    let path = format!("/api/v1/posts/{}", post["id"]);
    let r = c.jen.patch(&path, json!({"body": "Ask @slow_sam or @kit_runs about this."})).await;
    assert_eq!(r.status(), StatusCode::OK);
    c.jen.patch(&path, json!({"body": "Ask @slow_sam or @kit_runs, really."})).await;
    assert_eq!(told(&c.sam).await, ["mention by jogon_jen"]);
    assert_eq!(told(&c.kit).await, ["mention by jogon_jen"]);
}

#[tokio::test]
async fn a_held_post_notifies_nobody_until_a_moderator_approves_it() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("injuries", "Injuries").await;
    let r = admin.put_json("/api/v1/settings/moderation", json!({"flags_to_hide": 3, "approve_first_posts": 1})).await;
    assert_eq!(r.status(), StatusCode::OK);
    server.seed_user("old_hand", Role::Member).await;
    let old_hand = server.api().login("old_hand").await;
    assert_eq!(admin.post("/api/v1/mod/users/old_hand/trust", json!({})).await.status(), StatusCode::NO_CONTENT);
    let thread = old_hand.thread("injuries", "Knee pain on stairs", "Going down stairs hurts.").await;
    let newcomer = server.member("new_nia").await;
    let held = newcomer.reply(thread["id"].as_i64().unwrap(), "@old_hand same here!", thread["first_post"]["id"].as_i64()).await;
    assert_eq!(held["held"], true);
    assert!(told(&old_hand).await.is_empty());
    let r = admin.post(&format!("/api/v1/mod/posts/{}/approve", held["id"]), json!({})).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    assert_eq!(told(&old_hand).await, ["reply by new_nia"]);
}

#[tokio::test]
async fn the_bell_count_changes_live_on_the_members_own_stream_only() {
    let c = conversation().await;
    let mut poster_stream = Stream::open_as(&c.poster, "?mine=true").await;
    let mut sam_stream = Stream::open_as(&c.sam, &format!("?thread={}", c.thread_id)).await;
    c.jen.reply(c.thread_id, "Is it your back?", Some(c.first_id)).await;
    let event = poster_stream.next(Duration::from_secs(5)).await.expect("the poster hears at once");
    assert_eq!(event.event, "notification");
    // Sam follows the thread, so he hears of the post, but never of the poster's count.
    let mut heard = Vec::new();
    while let Some(e) = sam_stream.next(Duration::from_millis(500)).await {
        heard.push(e.event);
    }
    assert_eq!(heard, ["post-created"]);
    // Reading changes the count too.
    c.poster.post("/api/v1/notifications/read", json!({})).await;
    assert_eq!(poster_stream.next(Duration::from_secs(5)).await.map(|e| e.event).as_deref(), Some("notification"));
    let r = c.server.api().get("/api/v1/events?mine=true").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn each_member_has_one_place_per_thread_that_only_moves_forward() {
    let c = conversation().await;
    for n in 2..=45 {
        c.jen.reply(c.thread_id, &format!("Post {n}"), None).await;
    }
    let url = format!("/t/{}/back-pain-following-run", c.thread_id);
    let sam = c.server.browser();
    assert!(sam.fill("/login", "/login", &[("username", "slow_sam"), ("password", PASSWORD)]).await.is_ok());
    // Never opened: the thread starts at the top.
    let (landed, _) = sam.visit(&url).await;
    assert_eq!(landed, url);
    sam.open(&format!("{url}?page=2")).await;
    // Coming back lands on the first post Sam hasn't read: 41, on page 3.
    let (landed, page) = sam.visit(&url).await;
    assert_eq!(landed, format!("{url}?page=3#p41"));
    assert!(!page.select("#p41").is_empty());
    // Going back to page 1 never moves the place back.
    sam.open(&format!("{url}?page=1")).await;
    c.jen.reply(c.thread_id, "Post 46", None).await;
    let (landed, _) = sam.visit(&url).await;
    assert_eq!(landed, format!("{url}?page=3#p46"));
    // All read: the thread opens at the top again.
    let (landed, _) = sam.visit(&url).await;
    assert_eq!(landed, url);
    let rows = raw_rows(c.server.db_url(), &format!("SELECT last_read FROM member_threads WHERE thread_id = {} AND user_id = (SELECT id FROM users WHERE username = 'slow_sam')", c.thread_id)).await;
    assert_eq!(rows, [["46"]], "one row for the member and thread, never one per post");
}

#[tokio::test]
async fn lists_count_new_posts_and_the_unread_and_new_views_find_them() {
    let c = conversation().await;
    let other = c.jen.thread("injuries", "Shin splints", "Both shins ache.").await;
    let other_id = other["id"].as_i64().unwrap();
    // Sam reads the poster's thread; two replies follow.
    c.sam.get_json(&format!("/api/v1/threads/{}", c.thread_id)).await;
    c.jen.reply(c.thread_id, "First reply", None).await;
    c.kit.reply(c.thread_id, "Second reply", None).await;
    let list = c.sam.get_json("/api/v1/threads").await;
    let row = |id: i64| list["threads"].as_array().unwrap().iter().find(|t| t["id"] == id).unwrap().clone();
    assert_eq!(row(c.thread_id)["new_posts"], 2);
    assert_eq!(row(c.thread_id)["last_read"], 1);
    assert_eq!(row(other_id)["last_read"], Value::Null);
    let unread_list = c.sam.get_json("/api/v1/threads/unread").await;
    assert_eq!(unread_list["threads"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect::<Vec<_>>(), [c.thread_id]);
    // "New" is what Sam never opened: the shin splints thread.
    let new_list = c.sam.get_json("/api/v1/threads/new").await;
    assert_eq!(new_list["threads"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect::<Vec<_>>(), [other_id]);
    // Muting the thread takes it out of unread; muting the category takes its threads out of new.
    level(&c.sam, c.thread_id, "muted").await;
    assert_eq!(c.sam.get_json("/api/v1/threads/unread").await["threads"], json!([]));
    c.sam.put_json("/api/v1/categories/injuries/watch", json!({"level": "muted"})).await;
    assert_eq!(c.sam.get_json("/api/v1/threads/new").await["threads"], json!([]));
    // The HTML views say the same.
    let browser = c.server.browser();
    assert!(browser.fill("/login", "/login", &[("username", "kit_runs"), ("password", PASSWORD)]).await.is_ok());
    let page = browser.open("/new").await;
    assert_eq!(page.text("ol.threads a.title"), ["Shin splints"], "Kit replied in the other one, so it isn't new to him");
    assert!(browser.open("/unread").await.select("ol.threads").is_empty());
    c.jen.reply(c.thread_id, "Third reply", None).await;
    let page = browser.open("/unread").await;
    assert_eq!(page.text("ol.threads a.title"), ["Back pain following run"], "Kit posted there, so he tracks it");
    let home = browser.open("/").await;
    assert_eq!(home.text(".unread-count"), ["1 new post in Back pain following run"]);
    assert_eq!(c.server.browser().open("/unread").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn new_means_since_the_last_visit_or_the_last_two_days() {
    let c = conversation().await;
    let old = c.jen.thread("injuries", "An old thread", "From long ago.").await;
    let day = 24 * 3600 * 1000;
    raw_exec(c.server.db_url(), &format!("UPDATE threads SET created_at = created_at - {} WHERE id = {}", 5 * day, old["id"])).await;
    let ids = |v: Value| v["threads"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(ids(c.sam.get_json("/api/v1/threads/new").await), [c.thread_id], "five days old is not new after a recent visit");
    // Away for a week: everything since the last visit is new.
    raw_exec(c.server.db_url(), &format!("UPDATE users SET previous_visit_at = previous_visit_at - {} WHERE username = 'slow_sam'", 7 * day)).await;
    let sam = c.server.api().login("slow_sam").await;
    assert_eq!(ids(sam.get_json("/api/v1/threads/new").await), [c.thread_id, old["id"].as_i64().unwrap()]);
}

#[tokio::test]
async fn a_notification_never_shows_words_its_reader_may_no_longer_read() {
    let c = conversation().await;
    let admin = c.server.api().login("site_admin").await;
    let rude = c.kit.reply(c.thread_id, "@slow_sam something a moderator will hide", None).await;
    let gone = c.kit.reply(c.thread_id, "@slow_sam something Kit will delete", None).await;
    let r = admin.post(&format!("/api/v1/mod/posts/{}/hide", rude["id"]), json!({"reason": "Unkind"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(c.kit.delete(&format!("/api/v1/posts/{}", gone["id"])).await.status(), StatusCode::NO_CONTENT);
    let n = notifications(&c.sam).await;
    let text = n.to_string();
    assert_eq!(n["items"].as_array().unwrap().len(), 2, "{n}");
    assert!(!text.contains("moderator will hide") && !text.contains("Kit will delete"), "{text}");
}
