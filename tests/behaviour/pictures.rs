//! Pictures: uploaded from the composer (with a script or without), shown in
//! posts and as avatars, served with long caching, and stripped of EXIF.
//! Pictures from other sites never load.

use crate::support::{Browser, TestServer};
use jogette::domain::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

/// A 3000 × 2000 JPEG carrying an EXIF segment with a location in it.
fn photo_with_location() -> Vec<u8> {
    use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
    let img = RgbImage::from_fn(3000, 2000, |x, y| Rgb([(x / 12) as u8, (y / 8) as u8, 120]));
    let mut plain = Vec::new();
    DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut plain), ImageFormat::Jpeg).unwrap();
    let exif = b"Exif\0\0MM\0*GPSLatitude 53.4808 N GPSLongitude 2.2426 W";
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(exif);
    out.extend_from_slice(&plain[2..]);
    out
}

async fn send_picture(browser: &Browser, server: &TestServer, page: &str, action: &str, fields: &[(&str, String)], picture: Vec<u8>) -> reqwest::Response {
    let csrf = browser.open(page).await.csrf();
    let mut form = Form::new().text("csrf", csrf);
    for (name, value) in fields {
        form = form.text(name.to_string(), value.clone());
    }
    form = form.part("picture", Part::bytes(picture).file_name("my-route.jpg").mime_str("image/jpeg").unwrap());
    browser.http.post(server.url(action)).header("accept", "application/json").multipart(form).send().await.unwrap()
}

async fn thread_and_member(server: &TestServer) -> (Value, Browser) {
    let admin = server.admin_with_category("kit", "Kit and shoes").await;
    let thread = admin.thread("kit", "Show us your running route", "Where do you run?").await;
    let member = server.browser();
    member.register("map_maker").await;
    (thread, member)
}

#[tokio::test]
async fn a_picture_from_the_composer_is_made_smaller_loses_its_location_and_is_served_for_a_year() {
    let server = TestServer::start().await;
    let (thread, member) = thread_and_member(&server).await;
    let reply = format!("{}/reply", thread["url"].as_str().unwrap());
    let r = send_picture(&member, &server, &reply, "/uploads", &[("alt", "my route".into())], photo_with_location()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let uploaded: Value = r.json().await.unwrap();
    assert_eq!((uploaded["width"].as_i64(), uploaded["height"].as_i64()), (Some(1600), Some(1067)));
    let url = uploaded["url"].as_str().unwrap().to_owned();
    assert_eq!(uploaded["markdown"], format!("![my route]({url})"));

    let guest = reqwest::Client::new();
    let served = guest.get(server.url(&url)).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(served.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(served.headers().get("set-cookie").is_none());
    let etag = served.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = served.bytes().await.unwrap();
    assert!(!bytes.windows(4).any(|w| w == b"Exif") && !bytes.windows(11).any(|w| w == b"GPSLatitude"), "no EXIF survives");
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 1600);
    let again = guest.get(server.url(&url)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let wrong_key = url.replace(&url[url.find('-').unwrap() + 1..url.find('.').unwrap()], "0000000000000000");
    assert_eq!(guest.get(server.url(&wrong_key)).send().await.unwrap().status(), StatusCode::NOT_FOUND, "ids can't be counted through");

    // Posted, it shows lazily in the post, as the post's own picture.
    let csrf = member.open(&reply).await.csrf();
    let body = format!("Here's my loop by the canal.\n\n{}", uploaded["markdown"].as_str().unwrap());
    member.submit(&format!("/t/{}/reply", thread["id"]), &[("csrf", &csrf), ("body", &body)]).await.unwrap();
    let page = server.browser().open(&format!("{}?page=1", thread["url"].as_str().unwrap())).await;
    assert_eq!(page.attr("article.post .body img", "src"), [url]);
    assert_eq!(page.attr("article.post .body img", "loading"), ["lazy"]);
}

#[tokio::test]
async fn pictures_from_other_sites_become_links_and_the_policy_allows_only_this_site_s() {
    let server = TestServer::start().await;
    let (thread, member) = thread_and_member(&server).await;
    let reply = format!("{}/reply", thread["url"].as_str().unwrap());
    let csrf = member.open(&reply).await.csrf();
    member
        .submit(&format!("/t/{}/reply", thread["id"]), &[("csrf", &csrf), ("body", "Look: ![my shoes](https://tracker.example/pixel.gif?who=me)")])
        .await
        .unwrap();
    let r = reqwest::get(server.url(&format!("{}?page=1", thread["url"].as_str().unwrap()))).await.unwrap();
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("img-src 'self';"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(!html.contains("<img src=\"https://tracker.example"));
    assert!(html.contains(">my shoes (a picture on tracker.example)</a>"));
}

#[tokio::test]
async fn what_is_not_a_picture_is_refused_with_a_reason_and_guests_cannot_upload() {
    let server = TestServer::start().await;
    let (thread, member) = thread_and_member(&server).await;
    let reply = format!("{}/reply", thread["url"].as_str().unwrap());
    let r = send_picture(&member, &server, &reply, "/uploads", &[], b"<svg onload=alert(1)></svg>".to_vec()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = r.json().await.unwrap();
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("JPEG, PNG or WebP"), "{problem}");

    let guest = server.browser();
    let r = send_picture(&guest, &server, "/login", "/uploads", &[], photo_with_location()).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_a_script_add_picture_brings_the_composer_back_with_the_picture_and_nothing_posted() {
    let server = TestServer::start().await;
    let (thread, member) = thread_and_member(&server).await;
    let tid = thread["id"].as_i64().unwrap().to_string();
    let reply = format!("{}/reply", thread["url"].as_str().unwrap());
    let composer = member.open(&reply).await;
    assert_eq!(composer.attr("button[formaction='/compose/picture']", "formenctype"), ["multipart/form-data"]);
    let words = "My Sunday loop, 5K exactly.".to_owned();
    let r = send_picture(&member, &server, &reply, "/compose/picture", &[("draft_for", tid.clone()), ("body", words.clone())], photo_with_location()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = scraper::Html::parse_document(&r.text().await.unwrap());
    let body: String = page.select(&scraper::Selector::parse("textarea[name=body]").unwrap()).next().unwrap().text().collect();
    assert!(body.starts_with("My Sunday loop, 5K exactly.\n\n![picture](/uploads/"), "{body}");
    assert!(page.root_element().text().collect::<String>().contains("Your picture is added at the end of your post"));
    let replies = server.api().get_json(&format!("/api/v1/threads/{tid}")).await["replies"].as_i64();
    assert_eq!(replies, Some(0), "nothing is posted until the member says so");

    let r = send_picture(&member, &server, &reply, "/compose/picture", &[("draft_for", tid), ("body", words)], b"not a picture".to_vec()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = scraper::Html::parse_document(&r.text().await.unwrap());
    let error: String = page.select(&scraper::Selector::parse("#picture-error").unwrap()).next().unwrap().text().collect();
    assert!(error.contains("JPEG, PNG or WebP"));
    let body: String = page.select(&scraper::Selector::parse("textarea[name=body]").unwrap()).next().unwrap().text().collect();
    assert_eq!(body, "My Sunday loop, 5K exactly.", "the words are kept");
}

#[tokio::test]
async fn a_member_without_a_picture_shows_their_initial_and_one_they_upload_shows_beside_their_posts() {
    let server = TestServer::start().await;
    let (thread, member) = thread_and_member(&server).await;
    server.seed_user("zoe_runs", Role::Member).await;
    let zoe = server.api().login("zoe_runs").await;
    zoe.reply(thread["id"].as_i64().unwrap(), "Along the river, mostly.", None).await;
    let thread_page = format!("{}?page=1", thread["url"].as_str().unwrap());
    let page = server.browser().open(&thread_page).await;
    assert_eq!(page.text("#p2 .avatar.generated"), ["Z"]);

    let to = send_picture(&member, &server, "/settings", "/settings/avatar", &[], photo_with_location()).await;
    assert_eq!(to.status(), StatusCode::SEE_OTHER);
    let settings = member.open("/settings").await;
    let src = settings.attr("#avatar img.avatar", "src");
    assert_eq!(src.len(), 1);
    let served = reqwest::get(server.url(&src[0])).await.unwrap().bytes().await.unwrap();
    let avatar = image::load_from_memory(&served).unwrap();
    assert_eq!((avatar.width(), avatar.height()), (256, 256));
    let csrf = member.open(&format!("{}/reply", thread["url"].as_str().unwrap())).await.csrf();
    member.submit(&format!("/t/{}/reply", thread["id"]), &[("csrf", &csrf), ("body", "Round the park.")]).await.unwrap();
    let page = server.browser().open(&thread_page).await;
    assert_eq!(page.attr("#p3 img.avatar", "src"), src);
    assert_eq!(page.attr("#p3 img.avatar", "alt"), [""], "the name beside it says who it is");

    member.fill("/settings", "/settings/avatar/remove", &[]).await.unwrap();
    let page = server.browser().open(&thread_page).await;
    assert_eq!(page.text("#p3 .avatar.generated"), ["M"]);
}
