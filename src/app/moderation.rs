//! Keeping the community safe and kind: flags, the review queue, sanctions,
//! notes on members, thread tools, the community's moderation settings, and
//! the audit log that every one of these actions writes in its own
//! transaction.

use super::access::{self, Viewer};
use super::forum::{post_audit, post_state, review_event};
use super::store::accounts::{self, Standing};
use super::store::moderation::{self as store, AuditEntry, AuditFilter, AuditRow, MemberNote, NewFlag, QueueFilter, QueueItem, Sanction, ThreadChange};
use super::store::notify::{self, Notice};
use super::store::{NewEvent, Tx, admin, events, forum};
use super::{App, Error, Post, PostSummary, Result, Thread, User};
use crate::domain::moderation::{self as rules, FlagReason, Settings};
use crate::domain::permission::{Action, Subject, Who};
use crate::domain::{FieldError, slugify, validate};

/// A flag's outcome for the flagger: whether the post is now hidden until a moderator looks.
#[derive(Debug, Clone, Copy)]
pub struct Flagged {
    pub hidden: bool,
}

/// A queue item with the flags' reasons (never who flagged).
#[derive(Debug, Clone)]
pub struct Review {
    pub item: QueueItem,
    /// Each pending flag's reason and note.
    pub reasons: Vec<(FlagReason, Option<String>)>,
}

/// A sanction a moderator applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanctionKind {
    Warn,
    Silence,
    Suspend,
}

impl SanctionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SanctionKind::Warn => "warn",
            SanctionKind::Silence => "silence",
            SanctionKind::Suspend => "suspend",
        }
    }
}

/// What moderators see of a member.
pub struct MemberRecord {
    pub user: User,
    pub notes: Vec<MemberNote>,
    pub sanctions: Vec<Sanction>,
    /// Flags raised against their posts, and how many moderators agreed with.
    pub flags_against: (i64, i64),
    pub recent: Vec<PostSummary>,
}

/// What a moderator does to a thread.
#[derive(Debug, Clone)]
pub enum ThreadTool {
    Lock(bool),
    /// "none", "category" or "everywhere".
    Pin(String),
    Move { category: String },
    /// Minutes between one member's posts (0: off), until a date or for good.
    SlowMode { minutes: i64, until: Option<String> },
    /// These replies become a new thread with this title.
    Split { post_ids: Vec<i64>, title: String },
    /// Every post of this thread moves into `into`.
    Merge { into: i64 },
}

/// What the author or member is told when a moderator gives no reason of their own.
const HIDDEN_WITHOUT_REASON: &str = "A moderator hid it because it didn't fit the community's guidelines.";
const SANCTIONED_WITHOUT_REASON: &str = "The moderators felt your recent posts didn't fit the community's guidelines.";

const SETTING_FLAGS: &str = "flags_to_hide";
const SETTING_HOLD: &str = "approve_first_posts";

/// Tells each member whose flag was handled that a moderator looked.
pub(super) async fn tell_flaggers(tx: &Tx<'_>, post_id: i64, flaggers: &[i64]) -> super::store::Result<()> {
    for flagger in flaggers {
        notify::notify(tx, *flagger, Notice { kind: "flag-handled", post_id: Some(post_id), actor_id: None, detail: None }).await?;
    }
    Ok(())
}

fn reason_of(reason: Option<&str>) -> Result<Option<String>> {
    rules::reason(reason).map_err(|e| Error::Invalid(vec![e]))
}

impl App {
    /// The community's moderation settings, shared by every node.
    pub async fn moderation_settings(&self) -> Result<Settings> {
        let stored = self.store.read_primary(|c| Box::pin(admin::settings(c))).await?;
        let mut settings = Settings::default();
        for (key, value) in stored {
            match (key.as_str(), value.parse::<i64>()) {
                (SETTING_FLAGS, Ok(n)) => settings.flags_to_hide = n,
                (SETTING_HOLD, Ok(n)) => settings.approve_first_posts = n,
                _ => {}
            }
        }
        Ok(settings)
    }

    pub async fn set_moderation_settings(&self, viewer: &Viewer, settings: Settings) -> Result<Settings> {
        access::check(viewer, Action::ManageSettings, Subject::Community)?;
        let admin_id = viewer.member_or_login()?.id;
        let settings = settings.check().map_err(Error::Invalid)?;
        let before = self.moderation_settings().await?;
        let entry = AuditEntry {
            actor_id: Some(admin_id),
            action: "change-settings",
            target_kind: "settings",
            before: Some(format!("flags_to_hide={} approve_first_posts={}", before.flags_to_hide, before.approve_first_posts)),
            after: Some(format!("flags_to_hide={} approve_first_posts={}", settings.flags_to_hide, settings.approve_first_posts)),
            ..AuditEntry::default()
        };
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    admin::set_setting(tx, SETTING_FLAGS, &settings.flags_to_hide.to_string()).await?;
                    admin::set_setting(tx, SETTING_HOLD, &settings.approve_first_posts.to_string()).await?;
                    store::audit(tx, &entry).await
                })
            })
            .await?;
        Ok(settings)
    }

    /// A member flags a post, once, with a reason. Enough flags from distinct
    /// members hide it until a moderator looks; "someone may be at risk" tells
    /// every moderator at once.
    pub async fn flag(&self, viewer: &Viewer, client: &str, post_id: i64, reason: &str, note: Option<&str>) -> Result<Flagged> {
        let flagger = viewer.member_or_login()?.id;
        let post = self.store.post(post_id, Some(flagger)).await?.ok_or(Error::NotFound)?;
        access::check(viewer, Action::Flag, access::post_subject(&post))?;
        self.limit("flag", self.config.rate_limits.flag, &flagger.to_string())?;
        self.limit("flag-address", self.config.rate_limits.flag, client)?;
        let (reason, note) = rules::check_flag(reason, note).map_err(|e| Error::Invalid(vec![e]))?;
        let Who::Member(actor) = viewer.who() else { return Err(Error::NeedsLogin) };
        let weight = rules::flag_weight(reason, actor.level, actor.is_staff());
        let threshold = self.moderation_settings().await?.flags_to_hide;
        let hidden = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let flagged = store::flag(tx, &NewFlag { post_id, user_id: flagger, reason: reason.as_str(), note: note.as_deref(), weight }).await?;
                    let hide = flagged.flaggers >= threshold && !post.hidden;
                    if hide && forum::hide_post(tx, post_id, "Several members flagged it, so it is hidden until a moderator looks.").await? {
                        store::audit(tx, &AuditEntry {
                            action: "auto-hide",
                            target_kind: "post",
                            target_id: Some(post_id),
                            member_id: Some(post.user_id),
                            reason: Some(format!("{} members flagged it", flagged.flaggers)),
                            before: Some(post_state(&post)),
                            ..AuditEntry::default()
                        })
                        .await?;
                        events::record(tx, &NewEvent { kind: "post-edited", thread_id: Some(post.thread_id), post_id: Some(post_id) }).await?;
                    }
                    if reason == FlagReason::AtRisk {
                        notify::notify_staff(tx, Notice { kind: "flag-at-risk", post_id: Some(post_id), actor_id: None, detail: note.as_deref() }).await?;
                    }
                    events::record(tx, &review_event(post.thread_id, post.id)).await?;
                    Ok(hide)
                })
            })
            .await
            .map_err(|e| match e {
                super::store::StoreError::Conflict(_) => Error::field("reason", "You've already flagged this post. The moderators will look at it."),
                other => other.into(),
            })?;
        Ok(Flagged { hidden })
    }

    /// The review queue: flagged posts, posts held for approval and posts that
    /// describe an emergency, by score or by age.
    pub async fn review_queue(&self, viewer: &Viewer, kind: Option<&str>, oldest_first: bool) -> Result<Vec<Review>> {
        access::check(viewer, Action::Moderate, Subject::Community)?;
        let kind = kind.filter(|k| matches!(*k, "flagged" | "held" | "safety")).map(str::to_owned);
        let (items, flags) = self
            .store
            .read_primary(move |c| {
                Box::pin(async move {
                    let items = store::pending(c, QueueFilter { kind: kind.as_deref(), oldest_first, limit: 200 }).await?;
                    let ids: Vec<i64> = items.iter().map(|i| i.post_id).collect();
                    let flags = store::pending_flags(c, &ids).await?;
                    Ok((items, flags))
                })
            })
            .await?;
        Ok(items
            .into_iter()
            .map(|item| {
                let reasons = flags
                    .iter()
                    .filter(|(post, ..)| *post == item.post_id)
                    .filter_map(|(_, reason, note)| FlagReason::parse(reason).map(|r| (r, note.clone())))
                    .collect();
                Review { item, reasons }
            })
            .collect())
    }

    /// One post as the queue shows it, waiting there or not, so that a
    /// moderator can act on any post.
    pub async fn review_of_post(&self, viewer: &Viewer, post_id: i64) -> Result<Review> {
        access::check(viewer, Action::Moderate, Subject::Community)?;
        let (item, flags) = self
            .store
            .read_primary(move |c| {
                Box::pin(async move {
                    let item = store::post_for_review(c, post_id).await?;
                    let flags = store::pending_flags(c, &vec![post_id]).await?;
                    Ok((item, flags))
                })
            })
            .await?;
        let item = item.ok_or(Error::NotFound)?;
        let reasons = flags.iter().filter_map(|(_, reason, note)| FlagReason::parse(reason).map(|r| (r, note.clone()))).collect();
        Ok(Review { item, reasons })
    }

    /// How many items wait in the queue (for a moderator's header).
    pub async fn queue_size(&self, viewer: &Viewer) -> Result<i64> {
        access::check(viewer, Action::Moderate, Subject::Community)?;
        Ok(self.store.read_primary(|c| Box::pin(store::pending_count(c))).await?)
    }

    /// A moderator acts on a post: approve (it is fine, or a held post goes
    /// up), hide (agree with the flags; the author sees why), or restore
    /// (disagree, and show it again). The post leaves the queue for everyone.
    pub async fn moderate_post(&self, viewer: &Viewer, post_id: i64, decision: PostDecision, reason: Option<&str>) -> Result<Post> {
        access::check(viewer, Action::Moderate, Subject::Community)?;
        let moderator = viewer.member_or_login()?.id;
        let post = self.store.post(post_id, None).await?.ok_or(Error::NotFound)?;
        if post.deleted {
            return Err(Error::NotFound);
        }
        let reason = match decision {
            PostDecision::Hide => Some(reason_of(reason)?.unwrap_or_else(|| HIDDEN_WITHOUT_REASON.to_owned())),
            _ => reason_of(reason)?,
        };
        match decision {
            PostDecision::Approve if !post.held && !self.has_pending(post_id).await? => {
                return Err(Error::field("post", "That post isn't waiting for a moderator."));
            }
            PostDecision::Restore if !post.hidden => return Err(Error::field("post", "That post isn't hidden.")),
            _ => {}
        }
        let entry = AuditEntry { after: None, ..post_audit(decision.action(), moderator, &post, reason.as_deref()) };
        let author = post.user_id;
        // A held post is told to its audience once it is up, as if just written.
        let (quoted, delay) = (crate::domain::quote::quoted_authors(&post.body), self.away_delay_ms());
        let updated = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let kind = match decision {
                        PostDecision::Approve if post.held => {
                            let approved = forum::approve_post(tx, post_id).await?;
                            let kind = if approved.number == 1 { "thread-created" } else { "post-created" };
                            events::record(tx, &NewEvent { kind, thread_id: Some(post.thread_id), post_id: Some(post_id) }).await?;
                            super::notify::published(tx, post_id, &quoted, delay).await?;
                            Some("post-approved")
                        }
                        PostDecision::Approve | PostDecision::Restore => {
                            if forum::restore_post(tx, post_id).await? {
                                events::record(tx, &NewEvent { kind: "post-edited", thread_id: Some(post.thread_id), post_id: Some(post_id) }).await?;
                                Some("post-restored")
                            } else {
                                None
                            }
                        }
                        PostDecision::Hide => {
                            if !forum::hide_post(tx, post_id, reason.as_deref().unwrap_or_default()).await? {
                                // Hidden already (by flags): the moderator's reason replaces the automatic one.
                                forum::restore_post(tx, post_id).await?;
                                forum::hide_post(tx, post_id, reason.as_deref().unwrap_or_default()).await?;
                            }
                            events::record(tx, &NewEvent { kind: "post-edited", thread_id: Some(post.thread_id), post_id: Some(post_id) }).await?;
                            Some("post-hidden")
                        }
                    };
                    let flaggers = store::handle_post(tx, post_id, moderator, decision.outcome()).await?;
                    tell_flaggers(tx, post_id, &flaggers).await?;
                    if let Some(kind) = kind {
                        notify::notify(tx, author, Notice { kind, post_id: Some(post_id), actor_id: None, detail: reason.as_deref() }).await?;
                    }
                    let after = forum::post_by_id(tx, post_id, None).await?.ok_or(super::store::StoreError::NotFound)?;
                    store::audit(tx, &AuditEntry { after: Some(post_state(&after)), ..entry }).await?;
                    events::record(tx, &review_event(after.thread_id, after.id)).await?;
                    Ok(after)
                })
            })
            .await?;
        Ok(updated)
    }

    async fn has_pending(&self, post_id: i64) -> Result<bool> {
        Ok(self.store.read_primary(move |c| Box::pin(store::is_pending(c, post_id))).await?)
    }

    /// The member `username`, for moderating: a moderator may act on them.
    async fn member_to_moderate(&self, viewer: &Viewer, username: &str, action: Action) -> Result<User> {
        let user = self.store.user_by_name(username).await?.ok_or(Error::NotFound)?;
        access::check(viewer, action, Subject::Member { user_id: user.id, role: user.role })?;
        Ok(user)
    }

    /// Warns, silences or suspends a member, telling them what happened, why
    /// and until when. A suspension ends every session at once. From the
    /// queue, the post it came from leaves the queue too.
    pub async fn sanction(&self, viewer: &Viewer, username: &str, kind: SanctionKind, period: Option<&str>, reason: Option<&str>, from_post: Option<i64>) -> Result<Sanction> {
        let member = self.member_to_moderate(viewer, username, Action::Sanction).await?;
        let moderator = viewer.member_or_login()?.id;
        // The queue item a sanction settles must be one of the member's own
        // posts: anything else would tie it to someone else's words, or to nothing.
        if let Some(post_id) = from_post
            && self.store.post(post_id, None).await?.is_none_or(|p| p.user_id != member.id)
        {
            return Err(Error::field("post_id", "That post isn't one of this member's."));
        }
        let now = super::now_millis();
        let reason = reason_of(reason)?.unwrap_or_else(|| SANCTIONED_WITHOUT_REASON.to_owned());
        let until = match (kind, period.map(str::trim).filter(|p| !p.is_empty())) {
            (SanctionKind::Warn, _) => None,
            (_, None) => Some(i64::MAX),
            (_, Some(p)) => Some(rules::parse_period(p, now).map_err(|e| Error::Invalid(vec![e]))?.until()),
        };
        let detail = sanction_detail(kind, until, &reason);
        let entry = AuditEntry {
            actor_id: Some(moderator),
            action: kind.as_str(),
            target_kind: "member",
            target_id: Some(member.id),
            member_id: Some(member.id),
            reason: Some(reason.clone()),
            before: Some(standing_state(&member)),
            after: until.map(|u| format!("until {}", until_text(u))),
        };
        let member_id = member.id;
        let sanction = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let id = store::add_sanction(tx, member_id, kind.as_str(), &reason, until, moderator).await?;
                    match kind {
                        SanctionKind::Warn => {}
                        SanctionKind::Silence => accounts::set_standing(tx, member_id, Standing::SilencedUntil, until).await?,
                        SanctionKind::Suspend => {
                            accounts::set_standing(tx, member_id, Standing::SuspendedUntil, until).await?;
                            accounts::end_sessions(tx, member_id).await?;
                        }
                    }
                    let notice = match kind {
                        SanctionKind::Warn => "warned",
                        SanctionKind::Silence => "silenced",
                        SanctionKind::Suspend => "suspended",
                    };
                    notify::notify(tx, member_id, Notice { kind: notice, post_id: from_post, actor_id: None, detail: Some(&detail) }).await?;
                    if let Some(post_id) = from_post {
                        let flaggers = store::handle_post(tx, post_id, moderator, "agreed").await?;
                        tell_flaggers(tx, post_id, &flaggers).await?;
                        events::record(tx, &NewEvent { kind: "review", thread_id: None, post_id: Some(post_id) }).await?;
                    }
                    store::audit(tx, &entry).await?;
                    let sanctions = store::sanctions(tx, member_id).await?;
                    sanctions.into_iter().find(|s| s.id == id).ok_or(super::store::StoreError::NotFound)
                })
            })
            .await?;
        Ok(sanction)
    }

    /// Lifts a silence or suspension before its time.
    pub async fn lift(&self, viewer: &Viewer, username: &str, kind: SanctionKind) -> Result<()> {
        let member = self.member_to_moderate(viewer, username, Action::Sanction).await?;
        let moderator = viewer.member_or_login()?.id;
        let column = match kind {
            SanctionKind::Silence => Standing::SilencedUntil,
            SanctionKind::Suspend => Standing::SuspendedUntil,
            SanctionKind::Warn => return Err(Error::field("kind", "A warning has nothing to lift.")),
        };
        let entry = AuditEntry {
            actor_id: Some(moderator),
            action: if kind == SanctionKind::Silence { "lift-silence" } else { "lift-suspension" },
            target_kind: "member",
            target_id: Some(member.id),
            member_id: Some(member.id),
            before: Some(standing_state(&member)),
            ..AuditEntry::default()
        };
        let member_id = member.id;
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    accounts::set_standing(tx, member_id, column, None).await?;
                    store::lift_sanctions(tx, member_id, kind.as_str()).await?;
                    notify::notify(tx, member_id, Notice { kind: "sanction-lifted", post_id: None, actor_id: None, detail: Some(kind.as_str()) }).await?;
                    store::audit(tx, &entry).await
                })
            })
            .await?;
        Ok(())
    }

    /// Trusts a member early: their posts are no longer held, and their flags weigh more.
    pub async fn trust(&self, viewer: &Viewer, username: &str) -> Result<()> {
        let member = self.member_to_moderate(viewer, username, Action::Trust).await?;
        let moderator = viewer.member_or_login()?.id;
        let entry = AuditEntry {
            actor_id: Some(moderator),
            action: "trust",
            target_kind: "member",
            target_id: Some(member.id),
            member_id: Some(member.id),
            before: Some(standing_state(&member)),
            after: Some("trusted".into()),
            ..AuditEntry::default()
        };
        let member_id = member.id;
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    accounts::set_standing(tx, member_id, Standing::TrustedAt, Some(super::now_millis())).await?;
                    store::audit(tx, &entry).await
                })
            })
            .await?;
        Ok(())
    }

    pub async fn add_member_note(&self, viewer: &Viewer, username: &str, body: &str) -> Result<()> {
        let member = self.member_to_moderate(viewer, username, Action::MemberNotes).await?;
        let moderator = viewer.member_or_login()?.id;
        let body = body.trim();
        if body.is_empty() || body.chars().count() > 4000 {
            return Err(Error::field("note", "Write a note of up to 4,000 characters."));
        }
        crate::domain::validate::plain_text("note", body).map_err(|e| Error::Invalid(vec![e]))?;
        let (body, member_id) = (body.to_owned(), member.id);
        let entry = AuditEntry { actor_id: Some(moderator), action: "add-note", target_kind: "member", target_id: Some(member_id), member_id: Some(member_id), ..AuditEntry::default() };
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    store::add_note(tx, member_id, moderator, &body).await?;
                    store::audit(tx, &entry).await
                })
            })
            .await?;
        Ok(())
    }

    /// A member as moderators see them: notes, sanctions, flags against them, recent posts.
    pub async fn member_record(&self, viewer: &Viewer, username: &str) -> Result<MemberRecord> {
        let user = self.member_to_moderate(viewer, username, Action::MemberNotes).await?;
        let id = user.id;
        let (notes, sanctions, flags_against, recent) = self
            .store
            .read_primary(move |c| {
                Box::pin(async move {
                    Ok((store::notes(c, id).await?, store::sanctions(c, id).await?, store::flags_against(c, id).await?, forum::recent_posts_by(c, id, 10, true, true).await?))
                })
            })
            .await?;
        Ok(MemberRecord { user, notes, sanctions, flags_against, recent })
    }

    /// Thread tools: lock, pin, move, slow mode, split and merge. Returns the
    /// thread to show afterwards (for a split, the new one).
    pub async fn thread_tool(&self, viewer: &Viewer, thread_id: i64, tool: ThreadTool, reason: Option<&str>) -> Result<Thread> {
        access::check(viewer, Action::ManageThreads, Subject::Community)?;
        let moderator = viewer.member_or_login()?.id;
        let thread = self.thread(thread_id).await?;
        let now = super::now_millis();
        let reason = reason_of(reason)?;
        let audit = |action: &'static str, after: String| AuditEntry {
            actor_id: Some(moderator),
            action,
            target_kind: "thread",
            target_id: Some(thread_id),
            member_id: Some(thread.user_id),
            reason: reason.clone(),
            before: Some(thread_state(&thread)),
            after: Some(after),
        };
        let event = NewEvent { kind: "thread-changed", thread_id: Some(thread_id), post_id: None };
        let (change, entry) = match tool {
            ThreadTool::Lock(locked) => (Change::Simple(ThreadChange::Lock(locked)), audit(if locked { "lock" } else { "unlock" }, format!("locked={locked}"))),
            ThreadTool::Pin(scope) => {
                let pinned = match scope.as_str() {
                    "none" => 0,
                    "category" => 1,
                    "everywhere" => 2,
                    _ => return Err(Error::field("scope", "Pin it in its category, everywhere, or not at all.")),
                };
                (Change::Simple(ThreadChange::Pin(pinned)), audit("pin", format!("pinned={scope}")))
            }
            ThreadTool::SlowMode { minutes, until } => {
                if !(0..=24 * 60).contains(&minutes) {
                    return Err(Error::field("minutes", "Choose between 0 (off) and 1,440 minutes."));
                }
                let until = match until.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                    Some(text) => Some(rules::parse_period(text, now).map_err(|e| Error::Invalid(vec![e]))?.until()),
                    None => None,
                };
                let after = match until {
                    Some(u) => format!("{minutes} minutes until {}", until_text(u)),
                    None => format!("{minutes} minutes"),
                };
                (Change::Simple(ThreadChange::SlowMode(minutes * 60, until)), audit("slow-mode", after))
            }
            ThreadTool::Move { category } => {
                let to = self.store.category(&category).await?.ok_or_else(|| Error::field("category", "There is no such category."))?;
                let after = format!("category={}", to.slug);
                (Change::Move(to.id), audit("move", after))
            }
            ThreadTool::Split { post_ids, title } => {
                validate::title(&title).map_err(|e| Error::Invalid(vec![e]))?;
                if post_ids.is_empty() {
                    return Err(Error::field("post_ids", "Choose the replies to move."));
                }
                let after = format!("{} replies into “{}”", post_ids.len(), title.trim());
                (Change::Split(post_ids, title.trim().to_owned(), thread.category_id), audit("split", after))
            }
            ThreadTool::Merge { into } => {
                if into == thread_id {
                    return Err(Error::field("into", "Choose another thread to merge into."));
                }
                let target = self.thread(into).await.map_err(|_| Error::field("into", "There is no such thread."))?;
                (Change::Merge(target.id), audit("merge", format!("into thread {}", target.id)))
            }
        };
        if let Change::Split(ids, ..) = &change {
            // The opening post stays: a thread without one would have no start.
            let posts = self.store.read_primary({
                let ids = ids.clone();
                move |c| Box::pin(async move { store::numbers(c, &ids).await })
            }).await?;
            if posts.len() != ids.len() || posts.iter().any(|(_, t, _)| *t != thread_id) {
                return Err(Error::field("post_ids", "Choose replies from this thread."));
            }
            if posts.iter().any(|(_, _, n)| *n == 1) {
                return Err(Error::field("post_ids", "The opening post stays with its thread; choose replies only."));
            }
        }
        let shown = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let shown = match change {
                        Change::Simple(c) => {
                            store::change_thread(tx, thread_id, c).await?;
                            thread_id
                        }
                        Change::Move(to) => {
                            store::move_thread(tx, thread_id, to).await?;
                            thread_id
                        }
                        Change::Split(ids, title, category) => {
                            let moved = store::numbers(tx, &ids).await?;
                            let new_id = store::split_thread(tx, thread_id, &ids, &title, &slugify(&title), category).await?;
                            mend_links(tx, &[thread_id, new_id], thread_id, &moved).await?;
                            events::record(tx, &NewEvent { kind: "thread-created", thread_id: Some(new_id), post_id: None }).await?;
                            new_id
                        }
                        Change::Merge(into) => {
                            let moved = store::thread_numbers(tx, thread_id).await?;
                            store::merge_threads(tx, thread_id, into).await?;
                            mend_links(tx, &[into], thread_id, &moved).await?;
                            events::record(tx, &NewEvent { kind: "thread-changed", thread_id: Some(into), post_id: None }).await?;
                            into
                        }
                    };
                    events::record(tx, &event).await?;
                    store::audit(tx, &entry).await?;
                    Ok(shown)
                })
            })
            .await?;
        self.thread(shown).await
    }

    /// The audit log, newest first, for moderators.
    pub async fn audit_log(&self, viewer: &Viewer, filter: AuditQuery<'_>) -> Result<Vec<AuditRow>> {
        access::check(viewer, Action::ReadModLog, Subject::Community)?;
        self.read_audit_log(filter, 100).await
    }

    /// The whole log as CSV, for admins.
    pub async fn audit_log_csv(&self, viewer: &Viewer, filter: AuditQuery<'_>) -> Result<String> {
        access::check(viewer, Action::ExportModLog, Subject::Community)?;
        let rows = self.read_audit_log(filter, 100_000).await?;
        let mut csv = String::from("id,when,actor,action,target,target_id,member,reason,before,after\r\n");
        for r in rows {
            let fields = [
                r.id.to_string(),
                crate::domain::dates::rfc3339(r.created_at),
                r.actor.unwrap_or_else(|| "(the community)".into()),
                r.action,
                r.target_kind,
                r.target_id.map(|t| t.to_string()).unwrap_or_default(),
                r.member.unwrap_or_default(),
                r.reason.unwrap_or_default(),
                r.before.unwrap_or_default(),
                r.after.unwrap_or_default(),
            ];
            csv.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
            csv.push_str("\r\n");
        }
        Ok(csv)
    }

    async fn read_audit_log(&self, filter: AuditQuery<'_>, limit: i64) -> Result<Vec<AuditRow>> {
        let date = |field: &'static str, text: Option<&str>| match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => crate::domain::dates::parse_date(t).map(Some).ok_or_else(|| FieldError::new(field, "Use a date like 2026-11-28.")),
        };
        let (from, to) = (date("from", filter.from), date("to", filter.to));
        validate::collect([from.clone().map(|_| ()), to.clone().map(|_| ())]).map_err(Error::Invalid)?;
        let who = |name: Option<&str>| {
            let name = name.map(|n| n.trim().trim_start_matches('@').to_owned()).filter(|n| !n.is_empty());
            async move {
                match name {
                    Some(n) => Ok::<_, Error>(Some(self.store.user_by_name(&n).await?.map_or(-1, |u| u.id))),
                    None => Ok(None),
                }
            }
        };
        let query = AuditFilter {
            action: filter.action.map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned),
            actor_id: who(filter.actor).await?,
            member_id: who(filter.member).await?,
            from: from.unwrap_or(None),
            until: to.unwrap_or(None).map(|t| t + 86_400_000),
            before_id: filter.before_id,
            limit,
        };
        Ok(self.store.read_primary(move |c| Box::pin(async move { store::audit_log(c, &query).await })).await?)
    }
}

/// What a moderator decides about a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostDecision {
    Approve,
    Hide,
    Restore,
}

impl PostDecision {
    fn action(self) -> &'static str {
        match self {
            PostDecision::Approve => "approve",
            PostDecision::Hide => "hide",
            PostDecision::Restore => "restore",
        }
    }

    fn outcome(self) -> &'static str {
        match self {
            PostDecision::Approve => "approved",
            PostDecision::Hide => "agreed",
            PostDecision::Restore => "disagreed",
        }
    }
}

/// Filters for the audit log, as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditQuery<'a> {
    pub action: Option<&'a str>,
    pub actor: Option<&'a str>,
    pub member: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub before_id: Option<i64>,
}

enum Change {
    Simple(ThreadChange),
    Move(i64),
    Split(Vec<i64>, String, i64),
    Merge(i64),
}

/// Quotes written as links to a thread's posts by number (`/t/7/slug#p3`)
/// would point to the wrong posts once those posts moved: each such link to
/// a moved post becomes its permanent address (`/p/ID`), in the threads they
/// moved between. (Quotes made since quote by `/p/ID` already.)
async fn mend_links(tx: &Tx<'_>, threads: &[i64], old_thread: i64, moved: &[(i64, i64, i64)]) -> super::store::Result<()> {
    let needle = format!("/t/{old_thread}/");
    let posts = store::posts_mentioning(tx, &threads.to_vec(), &needle).await?;
    for (id, body) in posts {
        let mended = crate::domain::quote::relink(&body, old_thread, &|number| moved.iter().find(|(_, _, n)| *n == number).map(|(id, ..)| *id));
        if mended != body {
            let members = super::store::accounts::resolve_usernames(tx, &crate::domain::markdown::mention_candidates(&mended)).await?;
            let rendered = crate::domain::markdown::render(&mended, &members);
            store::rewrite_post(tx, id, &mended, &rendered.html, &rendered.excerpt).await?;
        }
    }
    Ok(())
}

fn csv_field(f: &str) -> String {
    // Spreadsheets run cells that start with these as formulas.
    let f = if f.starts_with(['=', '+', '-', '@']) { format!("'{f}") } else { f.to_owned() };
    if f.contains([',', '"', '\n', '\r']) { format!("\"{}\"", f.replace('"', "\"\"")) } else { f }
}

fn until_text(until: i64) -> String {
    if until == i64::MAX { "for good".into() } else { crate::domain::dates::human(until) }
}

/// What the member is told, in plain words.
fn sanction_detail(kind: SanctionKind, until: Option<i64>, reason: &str) -> String {
    match (kind, until) {
        (SanctionKind::Warn, _) => format!("A moderator has sent you a private warning: {reason}"),
        (SanctionKind::Silence, Some(i64::MAX)) => format!("You can read, but not post, flag or thank, until a moderator lifts it. Why: {reason}"),
        (SanctionKind::Silence, Some(u)) => format!("You can read, but not post, flag or thank, until {} (UTC). Why: {reason}", until_text(u)),
        (SanctionKind::Suspend, Some(i64::MAX)) => format!("Your account is suspended until a moderator lifts it. Why: {reason}"),
        (SanctionKind::Suspend, Some(u)) => format!("Your account is suspended until {} (UTC). Why: {reason}", until_text(u)),
        (_, None) => reason.to_owned(),
    }
}

fn standing_state(u: &User) -> String {
    serde_json::json!({ "trusted": u.trusted_at.is_some(), "silenced_until": u.silenced_until, "suspended_until": u.suspended_until }).to_string()
}

fn thread_state(t: &Thread) -> String {
    serde_json::json!({ "locked": t.locked, "pinned": t.pinned, "slow_mode_seconds": t.slow_mode_seconds, "category": t.category_slug }).to_string()
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
