//! A real Jogette server on a free port over a fresh SQLite file, and clients
//! that talk to it the way browsers and API users do.

use jogette::app::App;
use jogette::config::{Config, RateLimits};
use jogette::domain::Role;
use reqwest::{Client, Response, StatusCode, redirect};
use scraper::{Html, Selector};
use serde_json::{Value, json};
use std::sync::Arc;

pub const PASSWORD: &str = "a long enough password";

/// A database of its own for one test: a SQLite file in a temporary folder, or,
/// with `JOGETTE_TEST_STORE=postgres`, a schema in the local PostgreSQL
/// (`JOGETTE_TEST_PG`, default `postgres://postgres@127.0.0.1:5432/test`) that
/// is dropped when the test ends.
pub struct TestDb {
    pub url: String,
    _dir: tempfile::TempDir,
    schema: Option<(String, String)>,
}

pub fn on_postgres() -> bool {
    std::env::var("JOGETTE_TEST_STORE").is_ok_and(|s| s == "postgres")
}

fn pg_base() -> String {
    std::env::var("JOGETTE_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Runs one statement on the PostgreSQL test database, on a runtime of its own
/// (so it also works from `Drop`).
pub fn pg_admin(sql: String) {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (client, connection) = tokio_postgres::connect(&pg_base(), tokio_postgres::NoTls)
                .await
                .expect("PostgreSQL is reachable for the postgres test run");
            tokio::spawn(connection);
            client.batch_execute(&sql).await.unwrap();
        });
    })
    .join()
    .expect("the PostgreSQL admin statement ran");
}

impl TestDb {
    pub fn new() -> Self {
        Self::create(on_postgres())
    }

    /// A PostgreSQL database whichever store the run is for.
    pub fn postgres() -> Self {
        Self::create(true)
    }

    /// A SQLite file whichever store the run is for.
    pub fn sqlite() -> Self {
        Self::create(false)
    }

    pub fn schema(&self) -> Option<&str> {
        self.schema.as_ref().map(|(s, _)| s.as_str())
    }

    fn create(postgres: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        if !postgres {
            let url = format!("sqlite://{}", dir.path().join("forum.db").display());
            return TestDb { url, _dir: dir, schema: None };
        }
        let schema = format!("t_{}", jogette::app::accounts::new_token()[..16].to_owned());
        pg_admin(format!("CREATE SCHEMA {schema}"));
        let base = pg_base();
        let sep = if base.contains('?') { '&' } else { '?' };
        // The application name lets a test find this database's own connections.
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}&application_name={schema}");
        TestDb { url, _dir: dir, schema: Some((schema, base)) }
    }
}

impl Drop for TestDb {
    /// Drops the schema. This runs on the test's own thread, which blocks the
    /// runtime the app's tasks run on: a task caught mid-transaction (the
    /// mailer settling a message, say) can never commit, and DROP SCHEMA would
    /// wait for its locks forever. So this database's connections (named after
    /// the schema) are ended first, and the DROP may wait only so long.
    fn drop(&mut self) {
        if let Some((schema, _)) = self.schema.take() {
            pg_admin(format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{schema}' AND pid <> pg_backend_pid(); \
                 SET lock_timeout = '30s'; DROP SCHEMA {schema} CASCADE"
            ));
        }
    }
}

pub struct TestServer {
    pub base: String,
    /// The use cases behind the server, for setting a test up (seeding members, loading the demo).
    pub app: Arc<App>,
    _db: TestDb,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::with_limits(RateLimits::off()).await
    }

    pub async fn with_limits(rate_limits: RateLimits) -> Self {
        Self::serve(TestDb::new(), rate_limits).await
    }

    /// A second node over the same database as `self`.
    pub async fn another_node(&self) -> TestServer {
        let shared = TestDb { url: self._db.url.clone(), _dir: tempfile::tempdir().unwrap(), schema: None };
        Self::serve(shared, RateLimits::off()).await
    }

    /// A second node over the same database, configured by the test.
    pub async fn another_node_configured(&self, adjust: impl FnOnce(&mut Config)) -> TestServer {
        let shared = TestDb { url: self._db.url.clone(), _dir: tempfile::tempdir().unwrap(), schema: None };
        Self::serve_with(shared, RateLimits::off(), adjust).await
    }

    /// A server on a database of the test's choosing, configured by the test.
    pub async fn configured_on(db: TestDb, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::serve_with(db, RateLimits::off(), adjust).await
    }

    /// A server over an existing database the test made itself.
    pub async fn on_url(url: &str) -> Self {
        let db = TestDb { url: url.to_owned(), _dir: tempfile::tempdir().unwrap(), schema: None };
        Self::serve(db, RateLimits::off()).await
    }

    pub fn db_url(&self) -> &str {
        &self._db.url
    }

    pub async fn on(db: TestDb) -> Self {
        Self::serve(db, RateLimits::off()).await
    }

    /// A server whose configuration the test adjusts.
    pub async fn configured(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::serve_with(TestDb::new(), RateLimits::off(), adjust).await
    }

    async fn serve(test_db: TestDb, rate_limits: RateLimits) -> Self {
        Self::serve_with(test_db, rate_limits, |_| {}).await
    }

    async fn serve_with(test_db: TestDb, rate_limits: RateLimits, adjust: impl FnOnce(&mut Config)) -> Self {
        let db = test_db.url.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut config = Config { db, listen: base.clone(), rate_limits, ..Config::default() };
        adjust(&mut config);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = jogette::web::AppState::new(App::open(config).await.expect("the store opens and the built-in rules load"));
        let app = state.app.clone();
        tokio::spawn(jogette::web::serve(listener, state, async {
            let _ = stopped.await;
        }));
        TestServer { base, app, _db: test_db, _stop: stop }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A member created as an operator would, from the command line (set-up, not behaviour under test).
    pub async fn seed_user(&self, name: &str, role: Role) {
        self.app.create_member(name, PASSWORD, role).await.unwrap();
    }

    pub async fn queries(&self) -> u64 {
        self.metric("jogette_db_queries_total").await
    }

    /// One counter from `/metrics`.
    pub async fn metric(&self, name: &str) -> u64 {
        let text = reqwest::get(self.url("/metrics")).await.unwrap().text().await.unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("metrics report {name}"))
    }

    pub fn api(&self) -> Api {
        Api { base: self.base.clone(), token: None, http: http_client(Client::builder()) }
    }

    pub fn browser(&self) -> Browser {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = http_client(Client::builder().cookie_provider(jar.clone()).redirect(redirect::Policy::none()));
        Browser { base: self.base.clone(), http, jar }
    }

    /// Registers `name` through the API and returns a client holding their token.
    pub async fn member(&self, name: &str) -> Api {
        let api = self.api();
        let r = api.post("/api/v1/users", json!({"username": name, "password": PASSWORD})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "registering {name}: {}", r.text().await.unwrap());
        api.login(name).await
    }

    /// An admin with a session, plus a category to post in.
    pub async fn admin_with_category(&self, slug: &str, name: &str) -> Api {
        self.seed_user("site_admin", Role::Admin).await;
        let admin = self.api().login("site_admin").await;
        let r = admin.post("/api/v1/categories", json!({"slug": slug, "name": name, "description": "Aches and pains"})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        admin
    }
}

#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    pub http: Client,
}

impl Api {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub async fn login(&self, name: &str) -> Api {
        let r = self.post("/api/v1/sessions", json!({"username": name, "password": PASSWORD})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.unwrap();
        Api { token: Some(body["token"].as_str().unwrap().to_owned()), ..self.clone() }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(reqwest::Method::GET, path).send().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.request(reqwest::Method::POST, path).json(&body).send().await.unwrap()
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.request(reqwest::Method::PATCH, path).json(&body).send().await.unwrap()
    }

    pub async fn put_json(&self, path: &str, body: Value) -> Response {
        self.request(reqwest::Method::PUT, path).json(&body).send().await.unwrap()
    }

    pub async fn put(&self, path: &str) -> Response {
        self.request(reqwest::Method::PUT, path).send().await.unwrap()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(reqwest::Method::DELETE, path).send().await.unwrap()
    }

    pub async fn delete_json(&self, path: &str, body: Value) -> Response {
        self.request(reqwest::Method::DELETE, path).json(&body).send().await.unwrap()
    }

    /// Starts a thread and returns its JSON (`id`, `slug`, `url`, `first_post`).
    pub async fn thread(&self, category: &str, title: &str, body: &str) -> Value {
        let r = self.post("/api/v1/threads", json!({"category": category, "title": title, "body": body})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json().await.unwrap()
    }

    pub async fn reply(&self, thread_id: i64, body: &str, reply_to: Option<i64>) -> Value {
        let r = self.post(&format!("/api/v1/threads/{thread_id}/posts"), json!({"body": body, "reply_to": reply_to})).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json().await.unwrap()
    }
}

/// A cookie-keeping client that does not follow redirects, like a browser
/// with its network panel open.
pub struct Browser {
    base: String,
    pub http: Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

pub struct Page {
    pub status: StatusCode,
    pub html: Html,
}

/// Shows what a person would read, so a failed assertion explains itself.
impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let main = self.text("main").join(" ");
        write!(f, "{} {}", self.status, main.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

impl Page {
    pub fn select(&self, css: &str) -> Vec<scraper::ElementRef<'_>> {
        self.html.select(&Selector::parse(css).unwrap()).collect()
    }

    pub fn text(&self, css: &str) -> Vec<String> {
        self.select(css).iter().map(|e| e.text().collect::<String>().trim().to_owned()).collect()
    }

    pub fn attr(&self, css: &str, attr: &str) -> Vec<String> {
        self.select(css).iter().filter_map(|e| e.value().attr(attr).map(str::to_owned)).collect()
    }

    pub fn csrf(&self) -> String {
        self.attr("input[name=csrf]", "value").into_iter().next().expect("the page has a form with a CSRF token")
    }
}

impl Browser {
    /// The value of a cookie the browser holds for the server, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore as _;
        let header = self.jar.cookies(&self.base.parse().unwrap())?;
        header.to_str().ok()?.split("; ").find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned))
    }

    pub async fn open(&self, path: &str) -> Page {
        let r = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        Page { status: r.status(), html: Html::parse_document(&r.text().await.unwrap()) }
    }

    /// Opens a page following redirects, as a browser would; returns where it
    /// landed (path, query and fragment) and the page.
    pub async fn visit(&self, path: &str) -> (String, Page) {
        let mut at = path.to_owned();
        for _ in 0..5 {
            let r = self.http.get(format!("{}{at}", self.base)).send().await.unwrap();
            if r.status().is_redirection() {
                at = r.headers()["location"].to_str().unwrap().to_owned();
                continue;
            }
            return (at, Page { status: r.status(), html: Html::parse_document(&r.text().await.unwrap()) });
        }
        panic!("too many redirects from {path}");
    }

    /// Submits a form as a browser would; returns the redirect target or the re-rendered page.
    pub async fn submit(&self, action: &str, fields: &[(&str, &str)]) -> Result<String, Page> {
        let r = self.http.post(format!("{}{action}", self.base)).form(fields).send().await.unwrap();
        if r.status() == StatusCode::SEE_OTHER {
            return Ok(r.headers()["location"].to_str().unwrap().to_owned());
        }
        Err(Page { status: r.status(), html: Html::parse_document(&r.text().await.unwrap()) })
    }

    /// Fills a form found on `page_path` and submits it with the page's CSRF token.
    pub async fn fill(&self, page_path: &str, action: &str, fields: &[(&str, &str)]) -> Result<String, Page> {
        let csrf = self.open(page_path).await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.submit(action, &all).await
    }

    pub async fn register(&self, name: &str) {
        let to = self.fill("/register", "/register", &[("username", name), ("password", PASSWORD), ("email", "")]).await;
        assert_eq!(to.ok().as_deref(), Some("/?joined=1"), "registering {name}");
    }
}

/// Rows of a statement run straight on a test's database, outside Jogette,
/// each column as text (NULL as ""): for checking what is really stored.
pub async fn raw_rows(db_url: &str, sql: &str) -> Vec<Vec<String>> {
    if let Some(path) = db_url.strip_prefix("sqlite://") {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut statement = conn.prepare(sql).unwrap();
        let width = statement.column_count();
        let rows = statement
            .query_map([], |r| {
                (0..width)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => String::new(),
                            rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                            rusqlite::types::ValueRef::Real(x) => x.to_string(),
                            rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
                        })
                    })
                    .collect()
            })
            .unwrap();
        return rows.map(Result::unwrap).collect();
    }
    let (client, connection) = tokio_postgres::connect(db_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    // The simple protocol answers every column as text.
    let mut out = Vec::new();
    for message in client.simple_query(sql).await.unwrap() {
        if let tokio_postgres::SimpleQueryMessage::Row(row) = message {
            out.push((0..row.len()).map(|i| row.get(i).unwrap_or("").to_owned()).collect());
        }
    }
    out
}

/// Runs statements straight on a test's database, outside Jogette (to break it on purpose).
pub async fn raw_exec(db_url: &str, sql: &str) {
    if let Some(path) = db_url.strip_prefix("sqlite://") {
        rusqlite::Connection::open(path).unwrap().execute_batch(sql).unwrap();
        return;
    }
    let (client, connection) = tokio_postgres::connect(db_url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap();
}

/// One SSE event as a browser's EventSource would see it.
#[derive(Debug, Clone)]
pub struct Sse {
    pub id: i64,
    pub event: String,
    pub data: Value,
}

pub struct Stream {
    pub response: reqwest::Response,
    buffer: String,
}

impl Stream {
    pub async fn open(base: &str, query: &str, last_event_id: Option<i64>) -> Stream {
        Self::request(reqwest::Client::new().get(format!("{base}/api/v1/events{query}")), last_event_id).await
    }

    /// A member's stream, with their token.
    pub async fn open_as(member: &Api, query: &str) -> Stream {
        let token = member.token.as_deref().expect("a member with a session");
        Self::request(reqwest::Client::new().get(format!("{}/api/v1/events{query}", member.base)).bearer_auth(token), None).await
    }

    async fn request(mut request: reqwest::RequestBuilder, last_event_id: Option<i64>) -> Stream {
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        Stream { response, buffer: String::new() }
    }

    /// The next event, or None if none arrives within `wait`.
    pub async fn next(&mut self, wait: std::time::Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut sse = Sse { id: 0, event: String::new(), data: Value::Null };
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        sse.id = v.trim().parse().unwrap();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        sse.event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        sse.data = serde_json::from_str(v.trim()).unwrap_or(Value::String(v.trim().to_owned()));
                    }
                }
                if sse.event.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some(sse);
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await.ok()?.unwrap()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// The Python with the tests' tools (aiosmtpd, feedparser), which
/// `scripts/test` installs into `target/test-venv`. Without it a test that
/// needs it is skipped, except on CI, where that is a failure.
pub fn test_python() -> Option<std::path::PathBuf> {
    let python = std::env::var_os("JOGETTE_TEST_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python"));
    if python.exists() {
        return Some(python);
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but the test tools are missing at {}: run scripts/test", python.display());
    eprintln!("SKIPPED: the test tools are not installed at {} (scripts/test installs them)", python.display());
    None
}

pub fn tool(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools").join(name)
}

/// A free port on 127.0.0.1 (taken and released, so nothing listens on it yet).
/// A client whose requests give up after a minute, so a request that hangs
/// fails its test by name rather than stalling the whole run.
pub fn http_client(builder: reqwest::ClientBuilder) -> Client {
    builder.timeout(std::time::Duration::from_secs(60)).build().unwrap()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A message the SMTP sink accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub headers: std::collections::HashMap<String, String>,
    pub text: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str).unwrap_or("")
    }

    pub fn subject(&self) -> &str {
        self.header("subject")
    }

    /// The first link in the text that starts with `prefix` (as a path on `base`).
    pub fn link(&self, base: &str, prefix: &str) -> Option<String> {
        let start = format!("{base}{prefix}");
        self.text.split_whitespace().find(|w| w.starts_with(&start)).map(|w| w[base.len()..].to_owned())
    }
}

/// A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it accepts.
pub struct SmtpSink {
    pub port: u16,
    folder: tempfile::TempDir,
    python: std::path::PathBuf,
    child: Option<std::process::Child>,
}

impl SmtpSink {
    /// Starts one on a free port; None when the tools are missing (see [`test_python`]).
    pub fn start() -> Option<SmtpSink> {
        let python = test_python()?;
        let mut sink = SmtpSink { port: free_port(), folder: tempfile::tempdir().unwrap(), python, child: None };
        sink.resume();
        Some(sink)
    }

    /// The sink's address for `--smtp-url`, whether or not it is running.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops accepting mail: connections are refused.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts again on the same port, keeping what it received.
    pub fn resume(&mut self) {
        let child = std::process::Command::new(&self.python)
            .arg(tool("smtp_sink.py"))
            .arg(self.port.to_string())
            .arg(self.folder.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("the SMTP sink starts");
        self.child = Some(child);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "the SMTP sink did not start listening");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Every message so far, in the order they arrived.
    pub fn messages(&self) -> Vec<Mail> {
        let mut names: Vec<_> = std::fs::read_dir(self.folder.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
                Mail {
                    to: v["rcpt_tos"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_owned()).collect(),
                    headers: v["headers"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned())).collect(),
                    text: v["text"].as_str().unwrap_or("").replace("\r\n", "\n"),
                }
            })
            .collect()
    }

    /// The messages to `address`, waiting up to `wait` for there to be at least `count`.
    pub async fn wait_for(&self, address: &str, count: usize, wait: std::time::Duration) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let mine: Vec<Mail> = self.messages().into_iter().filter(|m| m.to.iter().any(|t| t == address)).collect();
            if mine.len() >= count || tokio::time::Instant::now() >= deadline {
                return mine;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---- The `jogette` binary as a process of its own.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_jogette");

pub struct Running {
    pub child: Child,
    pub base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `jogette serve` on a free port and waits until it says where it listens.
pub fn serve(db: &str) -> Running {
    serve_with(db, &[])
}

/// `jogette serve` on a free port, its log piped, not yet waited for.
pub fn spawn_serve(db: &str, flags: &[&str]) -> Child {
    Command::new(BIN)
        .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
        .args(flags)
        .env("JOGETTE_RATE_LIMITS", "off")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

pub fn serve_with(db: &str, flags: &[&str]) -> Running {
    let mut child = spawn_serve(db, flags);
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let base = loop {
        assert!(Instant::now() < deadline, "the server did not start");
        let line = lines.next().expect("the server exited early").unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.trim().trim_end_matches('/').split_whitespace().next().unwrap().trim_end_matches('/').to_owned();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Running { child, base }
}

pub fn create_user(db: &str, name: &str, role: &str, password: &str) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(["admin", "create-user", name, "--role", role, "--password-stdin", "--db", db])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

pub async fn login(base: &str, name: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"username": name, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

/// A server on `db` with an admin (whose token comes back) and an "intro" category.
pub async fn serve_with_admin_and_category(db: &str) -> (Running, String) {
    assert!(create_user(db, "site_admin", "admin", PASSWORD).status.success());
    let server = serve(db);
    let token = login(&server.base, "site_admin").await;
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/categories", server.base))
        .bearer_auth(&token)
        .json(&json!({"slug": "intro", "name": "Intro"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    (server, token)
}

