//! The `jogette` command: serve the forum, and administer it.

use clap::{Parser, Subcommand};
use jogette::config::{Config, RateLimits};
use jogette::app::App;
use jogette::domain::Role;
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
    Serve {
        /// Database URL; SQLite files are created and migrated on start.
        #[arg(long, env = "JOGETTE_DB", default_value = "sqlite://jogette.db")]
        db: String,
        /// Address to listen on.
        #[arg(long, env = "JOGETTE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Fill an empty database with a demo community.
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
    },
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
    /// Administrative tasks.
    Admin {
        #[command(subcommand)]
        task: AdminTask,
    },
}

#[derive(Subcommand)]
enum AdminTask {
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
}

fn init_logging() {
    let json = std::env::var("JOGETTE_LOG_FORMAT").is_ok_and(|f| f == "json");
    let level = std::env::var("JOGETTE_LOG")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if json { builder.json().init() } else { builder.init() }
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let result = match Cli::parse().command {
        Command::Serve { db, listen, demo, rate_limits, secure_cookies, locale, safety_rules, db_replica } => {
            let rate_limits = if rate_limits.is_empty() { Ok(RateLimits::default()) } else { RateLimits::parse(&rate_limits) };
            match rate_limits {
                Ok(rate_limits) => {
                    let config = Config { db, listen, demo, rate_limits, secure_cookies, locale, safety_rules, db_replica, ..Config::default() };
                    serve(config).await
                }
                Err(e) => Err(e),
            }
        }
        Command::MigrateStore { from, to } => migrate_store(&from, &to).await,
        Command::Demo { db, scale, threads } => demo_scale(&db, scale, threads.unwrap_or(scale / 20)).await,
        Command::Admin { task: AdminTask::CreateUser { name, role, password_stdin: _, db } } => {
            create_user(&db, &name, &role).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("jogette: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let listen = config.listen.clone();
    let listener = tokio::net::TcpListener::bind(&listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%address, db = config.db, "Jogette is listening on http://{address}/");
    jogette::run(config, listener, shutdown_signal()).await?;
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
    let user = open(db).await?.create_member(name, &password, role).await.map_err(|e| match e {
        jogette::app::Error::Invalid(fields) => fields.into_iter().map(|f| f.message).collect::<Vec<_>>().join(" "),
        other => jogette::app::error_chain(&other),
    })?;
    println!("created {} ({}) with id {}", user.username, role.as_str(), user.id);
    Ok(())
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
    app.generate_scale(posts, threads).await.map_err(|e| jogette::app::error_chain(&e))?;
    println!("made {posts} posts in {threads} threads in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
