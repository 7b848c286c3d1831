//! Email: the outbox's mailer, "while you were away" messages, digests,
//! confirming addresses, resetting passwords, and unsubscribing.
//!
//! Nothing here sends inside a request. A use case queues a message in the
//! transaction of what causes it (`store::mail::queue…`); each node runs one
//! [`Mailer`] that claims due messages, builds each from the data as it is
//! then (so a reply read meanwhile is left out, and a message with nothing
//! left to say is settled unsent), sends it over SMTP, and settles it. A
//! failed send is retried with backoff, from the outbox, so a restart loses
//! nothing; a claim is a lease, so a node that dies mid-send leaves the
//! message to another. Digests are queued once per member per period by a
//! unique key, whichever node gets there first.

use super::access::Viewer;
use super::store::mail::{self as outbox, Outgoing, Recipient};
use super::store::{StoreError, accounts, admin, notify as notify_store};
use super::accounts::token_hash;
use super::{App, Error, Result};
use crate::domain::mail::{self as letters, Footer, Letter, Missed, Scope};
use crate::domain::notify::{self as rules, DIGEST_ABSENCE_MS, Digest};
use crate::domain::{FieldError, validate};
use blake2::{Blake2s256, Digest as _};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How many messages a node claims at a time.
const BATCH: i64 = 20;
/// How long the links in account mail work.
pub const TOKEN_MS: i64 = 60 * 60 * 1000;
/// The most threads a digest lists.
const DIGEST_THREADS: i64 = 8;
/// The settings key of the secret that signs unsubscribe links, shared by every node.
const SECRET_KEY: &str = "mail.unsubscribe_secret";

/// What a message turned out to be when built.
enum Built {
    Send { to: String, letter: Letter, scope: Scope, emailed: Vec<i64> },
    /// Nothing to send (everything was read meanwhile, no address): settle it so.
    Settle(&'static str),
}

/// Sends the outbox's mail over SMTP.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `--smtp-url`; None without one (mail waits in the outbox).
    pub fn new(smtp_url: Option<&str>, from: &str) -> Result<Option<Mailer>, String> {
        let Some(url) = smtp_url.filter(|u| !u.trim().is_empty()) else { return Ok(None) };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("--smtp-url {url:?}: {e} (use smtp://host:port, smtp://user:pass@host:587?tls=required or smtps://host:465)"))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from = from.parse().map_err(|e| format!("--mail-from {from:?} is not an address: {e}"))?;
        Ok(Some(Mailer { transport, from }))
    }
}

/// A plain header lettre doesn't know by name.
fn raw_header(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

impl App {
    /// Starts this node's mailer, when SMTP is configured: it runs until the
    /// app is dropped.
    pub fn start_mailer(self: &Arc<App>) -> Result<(), String> {
        let Some(mailer) = Mailer::new(self.config.smtp_url.as_deref(), &self.config.mail_from)? else {
            tracing::info!("no --smtp-url: email waits in the outbox until one is set");
            return Ok(());
        };
        let app = Arc::downgrade(self);
        tokio::spawn(run_mailer(app, mailer));
        Ok(())
    }

    /// The secret that signs unsubscribe links, made once for the community.
    async fn mail_secret(&self) -> Result<Vec<u8>> {
        if let Some(secret) = self.mail_secret.get() {
            return Ok(secret.clone());
        }
        let fresh = super::accounts::new_token();
        let stored = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    // The first node to get here sets it; the others read theirs back.
                    tx.exec("INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING", super::store::conn::args![SECRET_KEY, &fresh])
                        .await?;
                    let all = admin::settings(tx).await?;
                    all.into_iter().find(|(k, _)| k == SECRET_KEY).map(|(_, v)| v).ok_or(StoreError::NotFound)
                })
            })
            .await?;
        let key = Blake2s256::digest(stored.as_bytes()).to_vec();
        Ok(self.mail_secret.get_or_init(|| key).clone())
    }

    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.config.public_url())
    }

    async fn unsubscribe_url(&self, member: i64, scope: Scope) -> Result<String> {
        Ok(self.link(&format!("/unsubscribe/{}", letters::unsubscribe_token(&self.mail_secret().await?, member, scope))))
    }

    async fn footer(&self, member: i64, scope: Scope, why: &str) -> Result<Footer> {
        Ok(Footer { why: why.to_owned(), settings_url: self.link("/settings"), unsubscribe_url: self.unsubscribe_url(member, scope).await? })
    }

    /// Queues this period's digests for everyone due one. Safe to run on
    /// every node, as often as wanted: each member's digest for a period is
    /// queued once. Returns how many were queued.
    pub async fn queue_digests(&self, now: i64) -> Result<u64> {
        let mut queued = 0;
        for digest in [Digest::Daily, Digest::Weekly] {
            let Some((period, start)) = rules::digest_period(digest, now) else { continue };
            let seen_since = now - DIGEST_ABSENCE_MS;
            queued += self.store.write(move |tx| Box::pin(outbox::queue_digests(tx, digest, period, start, seen_since))).await?;
        }
        Ok(queued)
    }

    /// Builds the message an outbox row stands for, from the data as it is now.
    async fn build(&self, message: &Outgoing) -> Result<Built> {
        let member = message.user_id;
        let Some(to) = self.store.read_primary(move |c| Box::pin(outbox::recipient(c, member))).await? else {
            return Ok(Built::Settle("no-member"));
        };
        match message.kind.as_str() {
            "away" => self.build_away(&to).await,
            "digest" => self.build_digest(&to, message).await,
            "verify" => self.build_account_mail(&to, message, "verify").await,
            "reset" => self.build_account_mail(&to, message, "reset").await,
            "export-ready" => self.build_export_ready(&to).await,
            other => Err(Error::internal(StoreError::message(format!("unknown outbox kind {other:?}")))),
        }
    }

    async fn build_away(&self, to: &Recipient) -> Result<Built> {
        let (Some(email), true) = (to.email.clone(), to.verified) else { return Ok(Built::Settle("no-address")) };
        if to.frequency == rules::EmailFrequency::Never {
            return Ok(Built::Settle("unsubscribed"));
        }
        let (member, unseen_only) = (to.id, to.frequency == rules::EmailFrequency::Away);
        let kinds: Vec<String> = rules::POST_KINDS.iter().map(|k| k.to_string()).collect();
        let pending = self.store.read_primary(move |c| Box::pin(async move { outbox::unemailed(c, member, &kinds, unseen_only).await })).await?;
        if pending.is_empty() {
            return Ok(Built::Settle("nothing-new"));
        }
        let mut missed = Vec::with_capacity(pending.len());
        for n in &pending {
            let (heading, line) = super::notify::describe(n);
            let thread = n.thread_id.unwrap_or(0);
            missed.push(Missed {
                heading,
                line,
                url: self.link(&super::notify::notification_url(n).unwrap_or_default()),
                thread_title: n.thread_title.clone().unwrap_or_default(),
                stop_thread_url: self.unsubscribe_url(to.id, Scope::Thread(thread)).await?,
            });
        }
        let why = "You're getting this because someone replied to you or mentioned you while you were away.";
        let letter = letters::away(&to.username, &missed, &self.footer(to.id, Scope::All, why).await?);
        Ok(Built::Send { to: email, letter, scope: Scope::All, emailed: pending.iter().map(|n| n.id).collect() })
    }

    async fn build_digest(&self, to: &Recipient, message: &Outgoing) -> Result<Built> {
        let (Some(email), true) = (to.email.clone(), to.verified) else { return Ok(Built::Settle("no-address")) };
        let digest = message.detail.as_deref().and_then(Digest::parse).unwrap_or(Digest::Weekly);
        if to.digest != digest {
            return Ok(Built::Settle("unsubscribed"));
        }
        let since = message.created_at - digest.period_ms().unwrap_or(0);
        let member = to.id;
        let threads = self.store.read_primary(move |c| Box::pin(outbox::digest_threads(c, member, since, DIGEST_THREADS))).await?;
        if threads.is_empty() {
            return Ok(Built::Settle("nothing-new"));
        }
        let active: Vec<letters::Active> = threads
            .into_iter()
            .map(|t| letters::Active {
                url: self.link(&crate::domain::links::thread_url(t.id, &t.slug)),
                title: t.title,
                category: t.category_name,
                recent_posts: t.recent_posts,
                excerpt: t.excerpt,
            })
            .collect();
        let why = format!("You're getting this {} digest because you chose it in your settings.", digest.as_str());
        let letter = letters::digest(&to.username, digest.as_str(), &active, &self.footer(to.id, Scope::Digest, &why).await?);
        Ok(Built::Send { to: email, letter, scope: Scope::Digest, emailed: Vec::new() })
    }

    /// A confirmation or reset link: its token is made now, as the message is
    /// built, so the raw token is never stored anywhere but in the mail.
    async fn build_account_mail(&self, to: &Recipient, message: &Outgoing, purpose: &'static str) -> Result<Built> {
        let Some(email) = message.detail.clone().or_else(|| to.email.clone()) else { return Ok(Built::Settle("no-address")) };
        let token = super::accounts::new_token();
        let (hash, member, address, expires) = (token_hash(&token), to.id, email.clone(), super::now_millis() + TOKEN_MS);
        self.store.write(move |tx| Box::pin(async move { outbox::create_token(tx, &hash, member, purpose, &address, expires).await })).await?;
        let footer = self.footer(to.id, Scope::All, "You're getting this because someone asked for it on the forum.").await?;
        let letter = match purpose {
            "verify" => letters::verify_address(&to.username, &self.link(&format!("/email/confirm/{token}")), &footer),
            _ => letters::reset_password(&to.username, &self.link(&format!("/password/reset/{token}")), &footer),
        };
        Ok(Built::Send { to: email, letter, scope: Scope::All, emailed: Vec::new() })
    }

    /// Only to a confirmed address: the link leads to a page behind sign-in,
    /// but the message itself says an export exists.
    async fn build_export_ready(&self, to: &Recipient) -> Result<Built> {
        let (Some(email), true) = (to.email.clone(), to.verified) else { return Ok(Built::Settle("no-address")) };
        let footer = self.footer(to.id, Scope::All, "You're getting this because you asked for a copy of your data.").await?;
        let letter = letters::export_ready(&to.username, &self.link("/settings/export"), &footer);
        Ok(Built::Send { to: email, letter, scope: Scope::All, emailed: Vec::new() })
    }

    /// Builds, sends and settles one claimed message.
    async fn deliver(&self, mailer: &Mailer, message: Outgoing) -> Result<()> {
        let id = message.id;
        let built = match self.build(&message).await {
            Ok(built) => built,
            // A message that can't be built is retried like one that can't be sent.
            Err(e) => return self.failed(&message, &super::error_chain(&e)).await,
        };
        let (to, letter, scope, emailed) = match built {
            Built::Settle(outcome) => {
                return Ok(self.store.write(move |tx| Box::pin(outbox::settle(tx, id, outcome, None))).await?);
            }
            Built::Send { to, letter, scope, emailed } => (to, letter, scope, emailed),
        };
        let email = match self.compose(mailer, &message, &to, letter, scope).await {
            Ok(email) => email,
            Err(e) => {
                let why = e.to_string();
                return Ok(self.store.write(move |tx| Box::pin(async move { outbox::settle(tx, id, "unsendable", Some(&why)).await })).await?);
            }
        };
        match mailer.transport.send(email).await {
            Ok(_) => {
                self.store
                    .write(move |tx| {
                        Box::pin(async move {
                            outbox::settle(tx, id, "sent", None).await?;
                            if !emailed.is_empty() {
                                outbox::mark_emailed(tx, &emailed).await?;
                            }
                            Ok(())
                        })
                    })
                    .await?;
                tracing::info!(outbox = id, kind = message.kind, "sent");
                Ok(())
            }
            Err(e) => self.failed(&message, &super::error_chain(&e)).await,
        }
    }

    /// Not sent this time: try again later, or give up after the last try.
    async fn failed(&self, message: &Outgoing, error: &str) -> Result<()> {
        let (id, attempts, error) = (message.id, message.attempts, error.to_owned());
        tracing::warn!(outbox = id, attempts, error, "mail not sent; it stays in the outbox");
        if attempts >= rules::MAX_ATTEMPTS {
            return Ok(self.store.write(move |tx| Box::pin(async move { outbox::settle(tx, id, "failed", Some(&error)).await })).await?);
        }
        let at = super::now_millis() + rules::retry_after_ms(self.config.mail_retry_after.as_millis() as i64, attempts);
        Ok(self.store.write(move |tx| Box::pin(async move { outbox::retry(tx, id, at, &error).await })).await?)
    }

    async fn compose(&self, mailer: &Mailer, message: &Outgoing, to: &str, letter: Letter, scope: Scope) -> Result<Message, String> {
        let to: Mailbox = to.parse().map_err(|e| format!("{to:?} is not an address: {e}"))?;
        let unsubscribe = self.unsubscribe_url(message.user_id, scope).await.map_err(|e| e.to_string())?;
        let host = self.config.public_url().split("://").nth(1).unwrap_or("localhost").split(['/', ':']).next().unwrap_or("localhost").to_owned();
        Message::builder()
            .from(mailer.from.clone())
            .to(to)
            .subject(letter.subject)
            // The same id on every try, so a receiver can tell a repeat.
            .message_id(Some(format!("<outbox-{}@{host}>", message.id)))
            .header(ContentType::TEXT_PLAIN)
            .raw_header(raw_header("List-Unsubscribe", format!("<{unsubscribe}>")))
            .raw_header(raw_header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".into()))
            .raw_header(raw_header("Auto-Submitted", "auto-generated".into()))
            .raw_header(raw_header("X-Auto-Response-Suppress", "All".into()))
            .body(letter.text)
            .map_err(|e| e.to_string())
    }

    /// One round of the mailer: queue due digests, then claim and deliver due
    /// messages until none are left. Returns how many were handled.
    pub async fn send_due_mail(&self, mailer: &Mailer) -> Result<usize> {
        self.queue_digests(super::now_millis()).await?;
        let mut handled = 0;
        // A claim lasts long enough for a slow SMTP server's timeouts, short
        // enough that a dead node's mail isn't long late.
        let lease = self.config.mail_lease.as_millis() as i64;
        loop {
            let now = super::now_millis();
            let claimed = self.store.write(move |tx| Box::pin(outbox::claim(tx, now, lease, BATCH))).await?;
            if claimed.is_empty() {
                return Ok(handled);
            }
            for message in claimed {
                handled += 1;
                if let Err(e) = self.deliver(mailer, message).await {
                    tracing::warn!(error = %super::error_chain(&e), "could not settle a message; its lease will lapse and it will be tried again");
                }
            }
        }
    }

    /// How long the mailer may sleep: until the next message falls due, at most `poll`.
    async fn mailer_sleep(&self) -> Duration {
        let poll = self.config.mailer_poll;
        match self.store.read_primary(|c| Box::pin(outbox::next_due(c))).await {
            Ok(Some(due)) => Duration::from_millis((due - super::now_millis()).max(50) as u64).min(poll),
            Ok(None) => poll,
            Err(_) => poll,
        }
    }

    // ---- Account mail and unsubscribing: the use cases behind the pages.

    /// Asks to change the viewer's address: a link goes to the new one, and
    /// the address changes once it is followed.
    pub async fn request_email_change(&self, viewer: &Viewer, email: &str) -> Result<()> {
        let member = viewer.member_or_login()?;
        let email = email.trim().to_owned();
        validate::email(&email).map_err(|e| Error::Invalid(vec![e]))?;
        self.limit("email", self.config.rate_limits.email, &member.id.to_string())?;
        if member.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&email)) && member.email_verified {
            return Ok(());
        }
        let id = member.id;
        Ok(self.store.write(move |tx| Box::pin(async move { outbox::queue(tx, "verify", id, super::now_millis(), Some(&email), None).await.map(|_| ()) })).await?)
    }

    /// Sends the viewer another confirmation link for the address on file.
    pub async fn resend_confirmation(&self, viewer: &Viewer) -> Result<()> {
        let member = viewer.member_or_login()?;
        let Some(email) = member.email.clone() else { return Err(Error::field("email", "Add an email address first.")) };
        self.request_email_change(viewer, &email).await
    }

    /// Follows a confirmation link: the address it was sent to is now the member's, confirmed.
    pub async fn confirm_email(&self, token: &str) -> Result<String> {
        let (hash, now) = (token_hash(token), super::now_millis());
        let confirmed = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let Some((member, email)) = outbox::use_token(tx, &hash, "verify", now).await? else { return Ok(None) };
                    accounts::set_email(tx, member, Some(&email), Some(now)).await?;
                    outbox::retire_tokens(tx, member, "verify", now).await?;
                    Ok(Some(email))
                })
            })
            .await?;
        confirmed.ok_or_else(|| Error::Forbidden(EXPIRED_LINK.into()))
    }

    /// Asks for a password reset for an address or username. The answer is
    /// the same whether or not an account matches, and so is the work seen
    /// from outside: the mail itself is sent later by the mailer.
    pub async fn request_password_reset(&self, client: &str, who: &str) -> Result<()> {
        let who = who.trim().to_owned();
        if who.is_empty() {
            return Err(Error::field("who", "Enter your email address or username."));
        }
        if who.chars().count() > 254 {
            return Err(Error::field("who", "That's longer than any email address or username here."));
        }
        self.limit("reset", self.config.rate_limits.email, client)?;
        self.limit("reset-account", self.config.rate_limits.email, &who.to_lowercase())?;
        let lookup = who.clone();
        let found = self.store.read_primary(move |c| Box::pin(async move { outbox::members_by_address(c, &lookup).await })).await?;
        if found.is_empty() {
            return Ok(());
        }
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    for (member, email) in &found {
                        outbox::queue(tx, "reset", *member, super::now_millis(), Some(email), None).await?;
                    }
                    Ok(())
                })
            })
            .await?;
        Ok(())
    }

    /// Whether a reset link still works, for showing its form.
    pub async fn reset_link_works(&self, token: &str) -> Result<bool> {
        let (hash, now) = (token_hash(token), super::now_millis());
        Ok(self.store.read_primary(move |c| Box::pin(async move { outbox::token_live(c, &hash, "reset", now).await })).await?)
    }

    /// Sets a new password with a reset link, once: every session ends, and
    /// the address the link went to counts as confirmed.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<()> {
        validate::password(password).map_err(|e| Error::Invalid(vec![e]))?;
        let hash = super::accounts::hash_password(password.to_owned()).await?;
        let (token_hash, now) = (token_hash(token), super::now_millis());
        let done = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let Some((member, email)) = outbox::use_token(tx, &token_hash, "reset", now).await? else { return Ok(false) };
                    accounts::set_password(tx, member, &hash).await?;
                    accounts::end_sessions(tx, member).await?;
                    outbox::retire_tokens(tx, member, "reset", now).await?;
                    tx.exec(
                        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?3) WHERE id = ?1 AND LOWER(email) = LOWER(?2)",
                        super::store::conn::args![member, &email, now],
                    )
                    .await?;
                    Ok(true)
                })
            })
            .await?;
        if !done {
            return Err(Error::Invalid(vec![FieldError::new("password", EXPIRED_LINK)]));
        }
        Ok(())
    }

    /// What an unsubscribe link would stop, for its confirmation page.
    pub async fn unsubscribe_scope(&self, token: &str) -> Result<(String, Scope, Option<String>)> {
        let (member, scope) = letters::check_unsubscribe(&self.mail_secret().await?, token).ok_or_else(|| Error::Forbidden(BAD_UNSUBSCRIBE.into()))?;
        let user = self.store.read_primary(move |c| Box::pin(accounts::user_by_id(c, member))).await?.ok_or(Error::NotFound)?;
        let thread = match scope {
            Scope::Thread(id) => Some(self.thread(id).await?.title),
            _ => None,
        };
        Ok((user.username, scope, thread))
    }

    /// Follows an unsubscribe link (the confirmation form, or a mail client's one-click POST).
    pub async fn unsubscribe(&self, token: &str) -> Result<Scope> {
        let (member, scope) = letters::check_unsubscribe(&self.mail_secret().await?, token).ok_or_else(|| Error::Forbidden(BAD_UNSUBSCRIBE.into()))?;
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    match scope {
                        Scope::All => accounts::stop_email(tx, member, false).await,
                        Scope::Digest => accounts::stop_email(tx, member, true).await,
                        Scope::Thread(thread) => notify_store::set_thread_level(tx, member, thread, rules::Level::Muted).await,
                    }
                })
            })
            .await?;
        Ok(scope)
    }
}

pub const EXPIRED_LINK: &str = "That link has expired or was already used. Links in our emails work once, for an hour: ask for a new one.";
const BAD_UNSUBSCRIBE: &str = "That unsubscribe link isn't one of ours, or it was cut short. Copy the whole link from the email, or change your email settings after logging in.";

/// The mailer's loop: woken by this node's commits that queue mail, and by
/// the clock for digests, retries and other nodes' messages.
async fn run_mailer(app: Weak<App>, mailer: Mailer) {
    loop {
        let Some(live) = app.upgrade() else { return };
        if let Err(e) = live.send_due_mail(&mailer).await {
            tracing::warn!(error = %super::error_chain(&e), "the mailer could not read the outbox");
        }
        let sleep = live.mailer_sleep().await;
        let store = live.store.clone();
        drop(live);
        tokio::select! {
            _ = store.outbox_committed() => {}
            _ = tokio::time::sleep(sleep) => {}
        }
    }
}
