//! The `jogette` command: serve the forum, and administer it.

use clap::{Parser, Subcommand};
use jogette::config::{Config, RateLimits};
use jogette::app::App;
use jogette::domain::Role;
use jogette::log_writer::LogWriter;
use std::io::Read;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "jogette", version, about = "A gentle community forum for new runners")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the forum over HTTP.
    Serve(ServeArgs),
    /// Fill an empty database with a large synthetic community, for measuring.
    Demo {
        #[arg(long, env = "JOGETTE_DB", default_value = "sqlite://jogette.db")]
        db: String,
        /// How many posts to make.
        #[arg(long)]
        scale: usize,
        /// How many threads (default: one per 20 posts).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Copy a whole community from one database to another (for example SQLite
    /// to PostgreSQL), then check every table's row count matches.
    MigrateStore {
        #[arg(long)]
        from: String,
        /// Must be empty; it is created and migrated first.
        #[arg(long)]
        to: String,
    },
    /// A consistent copy of a live SQLite database, taken while the server runs.
    Backup {
        /// The backup file to write (it must not exist yet).
        #[arg(long)]
        to: std::path::PathBuf,
        #[arg(long, env = "JOGETTE_DB", default_value = "sqlite://jogette.db")]
        db: String,
    },
    /// Put a backup in place of a SQLite database, after checking its
    /// integrity. Stop Jogette first; it is refused while the database is open.
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
        #[arg(long, env = "JOGETTE_DB", default_value = "sqlite://jogette.db")]
        db: String,
    },
    /// Bring a community in from another forum. Running it again updates
    /// what came before and adds what is new; nothing is duplicated.
    /// Imported members choose a new password by email ("Forgot your password?").
    Import {
        #[command(subcommand)]
        from: ImportSource,
    },
    /// Administrative tasks.
    Admin {
        #[command(subcommand)]
        task: AdminTask,
    },
}

/// `jogette serve`: each flag has an environment twin for containers.
#[derive(clap::Args)]
struct ServeArgs {
    /// Database URL; SQLite files (and their folder) are created and migrated
    /// on start. Default: sqlite://jogette.db, or sqlite://jogette-demo.db with --demo.
    #[arg(long, env = "JOGETTE_DB")]
    db: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "JOGETTE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Serve the demo community (made in an empty database). Its members share
    /// a published password, so a demo database is never served without this.
    #[arg(long)]
    demo: bool,
    /// Rate limits: "off", or overrides like "login=10/60s,post=20/1m".
    #[arg(long, env = "JOGETTE_RATE_LIMITS", default_value = "")]
    rate_limits: String,
    /// Mark cookies Secure (set when serving over HTTPS).
    #[arg(long, env = "JOGETTE_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Signposting text for health warnings: uk (999, NHS 111) or us (911).
    #[arg(long, env = "JOGETTE_LOCALE", default_value = "uk")]
    locale: String,
    /// A safety rules file to use instead of the built-in one.
    #[arg(long, env = "JOGETTE_SAFETY_RULES")]
    safety_rules: Option<std::path::PathBuf>,
    /// A PostgreSQL streaming replica for read-only queries.
    #[arg(long, env = "JOGETTE_DB_REPLICA")]
    db_replica: Option<String>,
    /// Where members reach the forum, for links in email and feeds
    /// (default: http:// and the listen address).
    #[arg(long, env = "JOGETTE_PUBLIC_URL")]
    public_url: Option<String>,
    /// The SMTP server for email: smtp://host:25, smtp://user:pass@host:587?tls=required
    /// or smtps://user:pass@host:465. Without it, email waits in the outbox.
    #[arg(long, env = "JOGETTE_SMTP_URL")]
    smtp_url: Option<String>,
    /// Who email comes from, e.g. "Couch to 5K forum <forum@example.org>".
    #[arg(long, env = "JOGETTE_MAIL_FROM", default_value = "Jogette <noreply@localhost>")]
    mail_from: String,
    /// How long a reply or mention waits to be seen on the site before it
    /// is emailed, in seconds.
    #[arg(long, env = "JOGETTE_EMAIL_AWAY_SECONDS", default_value_t = 600)]
    email_away_seconds: u64,
    /// How often the mailer looks for due mail when nothing wakes it, in seconds.
    #[arg(long, env = "JOGETTE_MAILER_POLL_SECONDS", default_value_t = 30)]
    mailer_poll_seconds: u64,
    /// How long after a failed send the first retry comes, in milliseconds;
    /// each later one waits twice as long, up to six hours.
    #[arg(long, env = "JOGETTE_MAIL_RETRY_MS", default_value_t = 60_000)]
    mail_retry_ms: u64,
    /// How long a node holds a message it is sending, in seconds; if the node
    /// dies meanwhile, another sends it once this lapses. Longer than the SMTP timeout (30 s).
    #[arg(long, env = "JOGETTE_MAIL_LEASE_SECONDS", default_value_t = 120)]
    mail_lease_seconds: u64,
    /// How long a connection may take to send its request headers, and may
    /// idle between requests, in seconds.
    #[arg(long, env = "JOGETTE_HEADER_TIMEOUT_SECONDS", default_value_t = 10)]
    header_timeout_seconds: u64,
    /// How long a request may take to arrive and be answered, in seconds (a 408 after).
    #[arg(long, env = "JOGETTE_REQUEST_TIMEOUT_SECONDS", default_value_t = 30)]
    request_timeout_seconds: u64,
    /// Connections open at once (each live page holds one); more are closed as they come.
    #[arg(long, env = "JOGETTE_MAX_CONNECTIONS", default_value_t = 10_000)]
    max_connections: usize,
    /// The community's words before an admin changes them (TOML: name,
    /// tagline, welcome, guidelines, safety_contact).
    #[arg(long, env = "JOGETTE_SITE")]
    site: Option<std::path::PathBuf>,
}

impl ServeArgs {
    fn config(self) -> Result<Config, String> {
        let rate_limits = if self.rate_limits.is_empty() { RateLimits::default() } else { RateLimits::parse(&self.rate_limits)? };
        let db = self.db.unwrap_or_else(|| if self.demo { "sqlite://jogette-demo.db" } else { "sqlite://jogette.db" }.to_owned());
        Ok(Config {
            db,
            listen: self.listen,
            demo: self.demo,
            rate_limits,
            secure_cookies: self.secure_cookies,
            locale: self.locale,
            safety_rules: self.safety_rules,
            db_replica: self.db_replica,
            public_url: self.public_url,
            smtp_url: self.smtp_url,
            mail_from: self.mail_from,
            email_away_delay: std::time::Duration::from_secs(self.email_away_seconds),
            mailer_poll: std::time::Duration::from_secs(self.mailer_poll_seconds.max(1)),
            mail_retry_after: std::time::Duration::from_millis(self.mail_retry_ms.max(1)),
            mail_lease: std::time::Duration::from_secs(self.mail_lease_seconds.max(1)),
            header_timeout: std::time::Duration::from_secs(self.header_timeout_seconds.max(1)),
            request_timeout: std::time::Duration::from_secs(self.request_timeout_seconds.max(1)),
            max_connections: self.max_connections.max(1),
            site_file: self.site,
            ..Config::default()
        })
    }
}

#[derive(Subcommand)]
enum ImportSource {
    /// Discourse's JSON export (users, categories, topics with their posts).
    Discourse {
        file: std::path::PathBuf,
        #[arg(long, env = "JOGETTE_DB", default_value = "sqlite://jogette.db")]
        db: String,
    },
    /// A phpBB 3 board's database: 3.0 and 3.1 (BBCode) or 3.2 and later (XML).
    Phpbb {
        /// mysql://user:password@host:port/database or sqlite://board.db
        #[arg(long)]
        from: String,
        /// The board's table prefix.
        #[arg(long, default_value = "phpbb_")]
        prefix: String,
        #[arg(long, env = "JOGETTE_DB", default_value = "sqlite://jogette.db")]
        db: String,
    },
    /// Another Jogette's community export (jogette admin export-community).
    Jogette {
        file: std::path::PathBuf,
        #[arg(long, env = "JOGETTE_DB", default_value = "sqlite://jogette.db")]
        db: String,
    },
}

#[derive(Subcommand)]
enum AdminTask {
    /// Export the whole community (members without passwords, categories,
    /// threads, posts, thanks) as a ZIP that `jogette import jogette` reads.
    ExportCommunity {
        /// The ZIP to write.
        #[arg(long)]
        to: std::path::PathBuf,
        #[arg(long, env = "JOGETTE_DB", default_value = "sqlite://jogette.db")]
        db: String,
    },
    /// Create a member, reading their password from standard input.
    CreateUser {
        name: String,
        #[arg(long, default_value = "member", value_parser = ["member", "moderator", "admin"])]
        role: String,
        /// Read the password from standard input (required, so it never appears in shell history).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long, env = "JOGETTE_DB", default_value = "sqlite://jogette.db")]
        db: String,
    },
    /// Create a category (admins can add and change them on the admin page too).
    CreateCategory {
        /// The category's address: /c/SLUG (lower-case letters, digits and dashes).
        slug: String,
        /// Its name, as members see it.
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Guests see only titles and the start of each thread.
        #[arg(long)]
        members_only: bool,
        #[arg(long, env = "JOGETTE_DB", default_value = "sqlite://jogette.db")]
        db: String,
    },
    /// Carry out account deletions whose 7-day grace period is over (the
    /// server also does this every hour).
    ProcessDeletions {
        /// Carry out every requested deletion, grace period or not.
        #[arg(long)]
        now: bool,
        #[arg(long, env = "JOGETTE_DB", default_value = "sqlite://jogette.db")]
        db: String,
    },
    /// Add a running plan from its file (TOML), or replace the plan with its id.
    AddPlan {
        file: std::path::PathBuf,
        #[arg(long, env = "JOGETTE_DB", default_value = "sqlite://jogette.db")]
        db: String,
    },
}

/// Logs go to stderr through [`LogWriter`], whose thread writes them in
/// batches; the returned handle flushes what is left before the process ends.
fn init_logging() -> LogWriter {
    let json = std::env::var("JOGETTE_LOG_FORMAT").is_ok_and(|f| f == "json");
    let level = std::env::var("JOGETTE_LOG")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let log = LogWriter::start(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(log.clone());
    if json { builder.json().init() } else { builder.init() }
    log
}

/// glibc serves a large allocation from its own mapping and returns it on
/// free, but after the first such free it raises that threshold, so argon2's
/// 19 MiB blocks (one per login) then come from the heap and stay resident
/// forever. A fixed threshold keeps every block over 1 MiB mapped and returned.
///
/// glibc also gives each thread that contends for the heap an arena of its
/// own, up to eight per core, and each keeps what it freed. When the machine
/// is busy, tokio starts more blocking threads for reads, and resident memory
/// crept up by a tenth over a ten-minute soak; two arenas per core keep it level.
///
/// Fixing that threshold also fixes the one for giving the top of a heap back
/// (128 KiB), and SQLite's writer crossed it on nearly every statement that
/// built a temporary table: a `madvise` and a TLB flush on both cores each
/// time, 8% of the writer's profile under 64 writers. Each heap now keeps up
/// to 1 MiB free at its top.
fn keep_large_blocks_out_of_the_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes an allocator setting, under the allocator's own lock.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 20);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        libc::mallopt(libc::M_ARENA_MAX, i32::try_from(cores * 2).unwrap_or(8));
    }
}

/// The safety second opinion's bank is built from the table of token
/// vectors (7.8 MB in the binary), and building it reads about 6 MB of the
/// table's pages, which then count as resident for the life of the process
/// although a post's own words need few of them. So the bank is built here,
/// off the request path, once the server listens, and the table's pages are
/// handed back; those a later post's words need fault back in from the page
/// cache.
fn build_the_safety_bank_and_hand_back_its_table() {
    jogette::domain::safety::resemblance::Bank::builtin();
    let table = jogette::domain::safety::resemblance::table();
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sysconf only reads a system constant.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096).max(1);
        let start = (table.as_ptr() as usize).next_multiple_of(page);
        let end = (table.as_ptr() as usize + table.len()) / page * page;
        if end > start {
            // SAFETY: whole pages inside a read-only static that nothing writes,
            // mapped privately from the executable: MADV_DONTNEED only drops them
            // from this process's page tables, and the next read of any of them
            // faults the same bytes back in from the file.
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    keep_large_blocks_out_of_the_heap();
    let log = init_logging();
    let result = match Cli::parse().command {
        Command::Serve(args) => match args.config() {
            Ok(config) => serve(config).await,
            Err(e) => Err(e),
        },
        Command::MigrateStore { from, to } => migrate_store(&from, &to).await,
        Command::Backup { to, db } => jogette::app::data::backup(&db, &to).await.map(|()| println!("backed up {db} to {}", to.display())),
        Command::Restore { from, db } => jogette::app::data::restore(&db, &from)
            .await
            .map(|version| println!("restored {} (schema {version}) to {db}; the next start brings it up to date", from.display())),
        Command::Demo { db, scale, threads } => demo_scale(&db, scale, threads.unwrap_or(scale / 20)).await,
        Command::Admin { task: AdminTask::CreateUser { name, role, password_stdin: _, db } } => {
            create_user(&db, &name, &role).await
        }
        Command::Admin { task: AdminTask::AddPlan { file, db } } => add_plan(&db, &file).await,
        Command::Admin { task: AdminTask::ProcessDeletions { now, db } } => process_deletions(&db, now).await,
        Command::Admin { task: AdminTask::ExportCommunity { to, db } } => export_community(&db, &to).await,
        Command::Import { from } => import(from).await,
        Command::Admin { task: AdminTask::CreateCategory { slug, name, description, members_only, db } } => {
            create_category(&db, &slug, &name, &description, members_only).await
        }
    };
    log.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("jogette: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let (listen, db) = (config.listen.clone(), config.db.clone());
    // The database first: "listening" is said only once requests can be answered.
    let app = jogette::open(config).await.map_err(|e| format!("{db}: {e}"))?;
    let listener = tokio::net::TcpListener::bind(&listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%address, db, "Jogette is listening on http://{address}/");
    std::thread::spawn(build_the_safety_bank_and_hand_back_its_table);
    jogette::serve(app, listener, shutdown_signal()).await?;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C; in-flight requests then finish before exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn open(db: &str) -> Result<App, String> {
    App::open(Config { db: db.to_owned(), ..Config::default() }).await.map_err(|e| format!("{db}: {e}"))
}

async fn create_user(db: &str, name: &str, role: &str) -> Result<(), String> {
    let role = Role::parse(role).ok_or("role must be member, moderator or admin")?;
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).map_err(|e| format!("cannot read the password: {e}"))?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    let user = open(db).await?.create_member(name, &password, role).await.map_err(said)?;
    println!("created {} ({}) with id {}", user.username, role.as_str(), user.id);
    Ok(())
}

async fn add_plan(db: &str, file: &std::path::Path) -> Result<(), String> {
    let source = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    // "The plan file has an error at line 5, column 28: …", named by its file.
    let plan = open(db).await?.add_plan_from_cli(&source).await.map_err(|e| format!("{}: {}", file.display(), said(e)))?;
    println!("added {} ({}): {} weeks, {} runs", plan.plan.name, plan.plan.id, plan.plan.weeks.len(), plan.plan.runs().count());
    Ok(())
}

async fn create_category(db: &str, slug: &str, name: &str, description: &str, members_only: bool) -> Result<(), String> {
    let form = jogette::app::admin::CategoryForm { slug, name, description, members_only };
    let category = open(db).await?.create_category_from_cli(form).await.map_err(said)?;
    println!("created the category {} at /c/{}", category.name, category.slug);
    Ok(())
}

async fn process_deletions(db: &str, now: bool) -> Result<(), String> {
    let deleted = open(db).await?.process_deletions(now).await.map_err(said)?;
    println!("deleted {deleted} account{}", if deleted == 1 { "" } else { "s" });
    Ok(())
}

async fn export_community(db: &str, to: &std::path::Path) -> Result<(), String> {
    let archive = open(db).await?.export_community().await.map_err(said)?;
    std::fs::write(to, &archive).map_err(|e| format!("cannot write {}: {e}", to.display()))?;
    println!("exported the community of {db} to {} ({} bytes)", to.display(), archive.len());
    Ok(())
}

async fn import(from: ImportSource) -> Result<(), String> {
    use jogette::app::import::{Source, discourse::DiscourseExport, jogette::JogetteExport, phpbb::PhpbbBoard};
    let (db, source): (String, Box<dyn Source>) = match from {
        ImportSource::Discourse { file, db } => (db, Box::new(tokio::task::spawn_blocking(move || DiscourseExport::open(&file)).await.map_err(|e| e.to_string())??)),
        ImportSource::Phpbb { from, prefix, db } => (db, Box::new(tokio::task::spawn_blocking(move || PhpbbBoard::open(&from, &prefix)).await.map_err(|e| e.to_string())??)),
        ImportSource::Jogette { file, db } => (db, Box::new(tokio::task::spawn_blocking(move || JogetteExport::open(&file)).await.map_err(|e| e.to_string())??)),
    };
    let app = open(&db).await?;
    let mut bar = jogette::progress::Bar::new("posts");
    let report = app.import(source, |p| bar.show(p.done, p.total)).await?;
    bar.finish();
    print!("{report}");
    println!("Imported members have no password here: each chooses one with \"Forgot your password?\" on the login page.");
    Ok(())
}

/// What went wrong, as the web form would say it.
fn said(e: jogette::app::Error) -> String {
    match e {
        jogette::app::Error::Invalid(fields) => fields.into_iter().map(|f| f.message).collect::<Vec<_>>().join(" "),
        other => jogette::app::error_chain(&other),
    }
}

async fn migrate_store(from: &str, to: &str) -> Result<(), String> {
    for (table, rows) in jogette::app::data::migrate_store(from, to).await? {
        println!("{table:>16} {rows:>9} rows copied and verified");
    }
    Ok(())
}

async fn demo_scale(db: &str, posts: usize, threads: usize) -> Result<(), String> {
    let app = open(db).await?;
    let started = std::time::Instant::now();
    let mut bar = jogette::progress::Bar::new("posts");
    app.generate_scale_showing(posts, threads, |done, total| bar.show(done, total)).await.map_err(|e| jogette::app::error_chain(&e))?;
    bar.finish();
    println!("made {posts} posts in {threads} threads in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
