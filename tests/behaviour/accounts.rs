//! Registering, logging in and out, sessions and roles.

use crate::support::*;
use jogette::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn usernames_are_unique_whatever_their_case() {
    let server = TestServer::start().await;
    server.member("RunnerRita").await;
    let r = server.api().post("/api/v1/users", json!({"username": "runnerrita", "password": PASSWORD})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "username");
}

#[tokio::test]
async fn registration_names_every_bad_field() {
    let server = TestServer::start().await;
    let r = server.api().post("/api/v1/users", json!({"username": "no spaces!", "password": "short", "email": "nope"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = r.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["username", "password", "email"]);
    assert_eq!(problem["status"], 422);
}

/// As the API's description says: a blank email, like a blank form field,
/// means the member gave none.
#[tokio::test]
async fn registering_with_a_blank_email_gives_an_account_without_one() {
    let server = TestServer::start().await;
    let r = server.api().post("/api/v1/users", json!({"username": "no_mail", "password": PASSWORD, "email": "  "})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let member = server.api().login("no_mail").await;
    assert_eq!(member.get_json("/api/v1/me/settings").await["email"], Value::Null);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_hashes() {
    let server = TestServer::start().await;
    server.member("hashcheck").await;
    let rows = raw_rows(server.db_url(), "SELECT password_hash FROM users WHERE username = 'hashcheck'").await;
    let hash = &rows[0][0];
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn logging_in_gives_a_token_and_an_httponly_samesite_cookie() {
    let server = TestServer::start().await;
    server.member("cookie_monster").await;
    let r = server.api().post("/api/v1/sessions", json!({"username": "COOKIE_MONSTER", "password": PASSWORD})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("jogette_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["user"]["username"], "cookie_monster");

    // The cookie alone is a session too.
    let token = cookie.split(';').next().unwrap().trim_start_matches("jogette_session=");
    assert_eq!(body["token"], token);
    let me = reqwest::Client::new()
        .get(server.url("/api/v1/me"))
        .header("cookie", format!("jogette_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.json::<Value>().await.unwrap()["username"], "cookie_monster");
}

#[tokio::test]
async fn a_wrong_password_or_unknown_member_is_refused_the_same_way() {
    let server = TestServer::start().await;
    server.member("real_member").await;
    for (name, password) in [("real_member", "wrong password!"), ("nobody_here", PASSWORD)] {
        let r = server.api().post("/api/v1/sessions", json!({"username": name, "password": password})).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["errors"][0]["message"], "That username and password don't match.");
    }
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let server = TestServer::start().await;
    let member = server.member("leaver").await;
    assert_eq!(member.get("/api/v1/me").await.status(), StatusCode::OK);
    assert_eq!(member.delete("/api/v1/sessions/current").await.status(), StatusCode::NO_CONTENT);
    assert_eq!(member.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_bad_bearer_token_is_401_and_guests_get_401_on_me() {
    let server = TestServer::start().await;
    let forged = Api { token: Some("0".repeat(64)), ..server.api() };
    assert_eq!(forged.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(server.api().get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn only_admins_create_and_edit_categories() {
    let server = TestServer::start().await;
    let admin = server.admin_with_category("intro", "Introductions").await;
    server.seed_user("mod_mo", Role::Moderator).await;
    let moderator = server.api().login("mod_mo").await;
    let member = server.member("plain_member").await;
    let body = json!({"slug": "kit", "name": "Kit and shoes", "description": ""});

    assert_eq!(server.api().post("/api/v1/categories", body.clone()).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(member.post("/api/v1/categories", body.clone()).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(moderator.post("/api/v1/categories", body.clone()).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(admin.post("/api/v1/categories", body.clone()).await.status(), StatusCode::CREATED);
    let again = admin.post("/api/v1/categories", body).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY, "slugs are unique");

    let edited = admin
        .patch("/api/v1/categories/kit", json!({"slug": "kit", "name": "Kit, shoes and gadgets", "description": "What to wear"}))
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let list = server.api().get_json("/api/v1/categories").await;
    let names: Vec<&str> = list["categories"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Introductions", "Kit, shoes and gadgets"]);
    assert_eq!(member.patch("/api/v1/categories/kit", json!({"slug": "kit", "name": "Mine"})).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_admin_page_creates_categories_and_refuses_members() {
    let server = TestServer::start().await;
    server.seed_user("site_admin", Role::Admin).await;
    let admin = server.browser();
    let to = admin.fill("/login", "/login", &[("username", "site_admin"), ("password", PASSWORD), ("next", "/admin")]).await;
    assert_eq!(to.unwrap(), "/admin");
    let to = admin.fill("/admin", "/admin/categories", &[("slug", "graduates"), ("name", "Graduates"), ("description", "Done the nine weeks")]).await;
    assert_eq!(to.unwrap(), "/admin");
    let bad = admin.fill("/admin", "/admin/categories", &[("slug", "Bad Slug"), ("name", "X"), ("description", "")]).await.unwrap_err();
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.select(".errors li").len(), 2);
    let home = server.browser().open("/").await;
    assert_eq!(home.text(".categories a"), ["Graduates"]);

    let member = server.browser();
    member.register("curious").await;
    assert_eq!(member.open("/admin").await.status, StatusCode::FORBIDDEN);
    assert_eq!(server.browser().open("/admin").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn html_registration_keeps_what_was_typed_and_shows_errors_by_the_fields() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let page = browser.fill("/register", "/register", &[("username", "ab"), ("password", "short"), ("email", "me@example.com")]).await.unwrap_err();
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page.attr("input#username", "value"), ["ab"]);
    assert_eq!(page.attr("input#email", "value"), ["me@example.com"]);
    assert!(page.attr("input#password", "value").is_empty(), "passwords are never echoed back");
    assert_eq!(page.text("#username-error").len(), 1);
    assert_eq!(page.text("#password-error").len(), 1);
    assert_eq!(page.attr("input#username", "aria-invalid"), ["true"]);
}

#[tokio::test]
async fn html_login_and_logout() {
    let server = TestServer::start().await;
    server.member("walker").await;
    let browser = server.browser();
    let wrong = browser.fill("/login", "/login", &[("username", "walker"), ("password", "not the password")]).await.unwrap_err();
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.attr("input#username", "value"), ["walker"]);

    let to = browser.fill("/login?next=//evil.example", "/login", &[("username", "walker"), ("password", PASSWORD), ("next", "//evil.example")]).await;
    assert_eq!(to.unwrap(), "/", "login never redirects off-site");
    let home = browser.open("/").await;
    assert_eq!(home.text("header.site a[href='/u/walker']"), ["walker"]);

    let to = browser.fill("/", "/logout", &[]).await;
    assert_eq!(to.unwrap(), "/");
    assert!(browser.open("/").await.select("header.site a[href='/u/walker']").is_empty());
}

#[tokio::test]
async fn a_session_rotates_on_login_and_logging_out_everywhere_ends_them_all() {
    let server = TestServer::start().await;
    server.seed_user("rota_ros", jogette::domain::Role::Member).await;
    // A browser that already had a session (someone else's, or a planted one)
    // gets a new token on login, and the old one stops working.
    let browser = server.browser();
    assert!(browser.fill("/login", "/login", &[("username", "rota_ros"), ("password", PASSWORD)]).await.is_ok());
    let first = browser.cookie("jogette_session").expect("a session cookie");
    assert!(browser.fill("/login", "/login", &[("username", "rota_ros"), ("password", PASSWORD)]).await.is_ok());
    let second = browser.cookie("jogette_session").expect("a session cookie");
    assert_ne!(first, second);
    let stale = server.api().http.get(server.url("/api/v1/me")).header("cookie", format!("jogette_session={first}")).send().await.unwrap();
    assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    // Logging out everywhere ends every session: the browser's and the API's.
    let phone = server.api().login("rota_ros").await;
    assert_eq!(phone.get("/api/v1/me").await.status(), StatusCode::OK);
    let to = browser.fill("/settings", "/settings/logout-everywhere", &[]).await;
    assert_eq!(to.ok().as_deref(), Some("/login?done=everywhere"));
    assert_eq!(phone.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(browser.open("/settings").await.status, StatusCode::SEE_OTHER, "logged out here too: sent to log in");
    // And through the API.
    let a = server.api().login("rota_ros").await;
    let b = server.api().login("rota_ros").await;
    assert_eq!(a.delete("/api/v1/sessions").await.status(), StatusCode::NO_CONTENT);
    assert_eq!(b.get("/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
}
