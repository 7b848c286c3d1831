//! Who hears about what: watch levels, which notification a post causes for
//! whom (one each, however many reasons), what counts as new or unread, and
//! when mail is due. No I/O: the use cases gather the facts, these decide.

use std::collections::HashSet;

/// How closely a member follows a thread or a category (Discourse's levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Never hear of it; it leaves "new" and "unread".
    Muted,
    /// Hear only when someone replies to, quotes or mentions you.
    Normal,
    /// As normal, and lists show how many posts are new.
    Tracking,
    /// Hear of every reply (and, for a category, every new thread).
    Watching,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Watching, Level::Tracking, Level::Normal, Level::Muted];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Watching => "watching",
            Level::Tracking => "tracking",
            Level::Normal => "normal",
            Level::Muted => "muted",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// In words, for a choice on a page.
    pub fn label(self) -> &'static str {
        match self {
            Level::Watching => "Watching",
            Level::Tracking => "Tracking",
            Level::Normal => "Normal",
            Level::Muted => "Muted",
        }
    }

    pub fn explain_thread(self) -> &'static str {
        match self {
            Level::Watching => "You'll be told of every reply.",
            Level::Tracking => "Lists show how many replies are new; you're told when someone replies to you or mentions you.",
            Level::Normal => "You're told only when someone replies to you, quotes you or mentions you.",
            Level::Muted => "You'll never be told about this thread, and it leaves your new and unread lists.",
        }
    }

    pub fn explain_category(self) -> &'static str {
        match self {
            Level::Watching => "You'll be told of every new thread and every reply here.",
            Level::Tracking => "Lists show how many replies are new in every thread here.",
            Level::Normal => "You're told only when someone replies to you, quotes you or mentions you.",
            Level::Muted => "You'll never be told about threads here, and they leave your new and unread lists.",
        }
    }

    /// Whether lists count new posts for it.
    pub fn tracked(self) -> bool {
        self >= Level::Tracking
    }
}

/// A thread's level for a member: their own choice for it, else what they
/// chose for its category, else (for a thread they opened) their default
/// level, at most tracking, else normal. Opening a thread so tracks it, as
/// Discourse's auto-tracking does, unless the member's default is normal;
/// only posting (or choosing) makes one watched.
pub fn effective(thread: Option<Level>, category: Option<Level>, opened_default: Option<Level>) -> Level {
    thread.or(category).or(opened_default.map(|d| d.min(Level::Tracking))).unwrap_or(Level::Normal)
}

/// Why someone is told of a post. The order is precedence: a post that
/// replies to you, quotes you and mentions you is one "reply" notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    Reply,
    Quote,
    Mention,
    /// A new post in a thread (or a new thread in a category) they watch.
    Watching,
}

impl Reason {
    /// The notification kind it writes; a new thread in a watched category
    /// is told apart from a reply in a watched thread.
    pub fn kind(self, opens_thread: bool) -> &'static str {
        match self {
            Reason::Reply => "reply",
            Reason::Quote => "quote",
            Reason::Mention => "mention",
            Reason::Watching if opens_thread => "watched-category",
            Reason::Watching => "watched-thread",
        }
    }
}

/// The notification kinds a post causes, which the away-from-site email covers.
pub const POST_KINDS: [&str; 5] = ["reply", "quote", "mention", "watched-thread", "watched-category"];

/// What is known about a new post's audience when it goes up.
#[derive(Debug, Default, Clone)]
pub struct Audience {
    pub author: i64,
    /// It is a thread's opening post.
    pub opens_thread: bool,
    /// Whose post it answers: the post it replies to, or else the thread's opening post.
    pub answered: Option<i64>,
    pub quoted: Vec<i64>,
    pub mentioned: Vec<i64>,
    /// Watching the thread, or its category (for a new thread, the category).
    pub watching: Vec<i64>,
    /// Members who hear nothing of this post: they muted its author, its
    /// thread or its category.
    pub muted: HashSet<i64>,
}

/// Who is told, and why: one notification per member, the strongest reason
/// winning, never the author, never anyone who muted it. Ordered by member.
pub fn recipients(audience: &Audience) -> Vec<(i64, Reason)> {
    let mut told: std::collections::BTreeMap<i64, Reason> = std::collections::BTreeMap::new();
    let reasons = audience
        .answered
        .iter()
        .map(|&id| (id, Reason::Reply))
        .chain(audience.quoted.iter().map(|&id| (id, Reason::Quote)))
        .chain(audience.mentioned.iter().map(|&id| (id, Reason::Mention)))
        .chain(audience.watching.iter().map(|&id| (id, Reason::Watching)));
    for (member, reason) in reasons {
        if member == audience.author || audience.muted.contains(&member) {
            continue;
        }
        told.entry(member).and_modify(|r| *r = (*r).min(reason)).or_insert(reason);
    }
    told.into_iter().collect()
}

/// How long "new" lasts without a visit in between: a thread started in the
/// last two days is new to a member who hasn't opened it.
pub const NEW_FOR_MS: i64 = 2 * 24 * 3600 * 1000;

/// From when a thread counts as new for a member: whichever is earlier of
/// their previous visit and two days ago.
pub fn new_since(previous_visit_at: i64, now: i64) -> i64 {
    previous_visit_at.min(now - NEW_FOR_MS)
}

/// A visit ends after this long without a request; the next request starts a
/// new one, and the old one becomes "your last visit".
pub const VISIT_GAP_MS: i64 = 60 * 60 * 1000;

/// How often `last_seen_at` is written while someone uses the site.
pub const SEEN_EVERY_MS: i64 = 60 * 1000;

/// How many posts of a thread are new for a member who has read up to
/// `last_read`: none for a thread they never opened (that is "new", not
/// "unread") or don't track.
pub fn new_posts(last_number: i64, last_read: Option<i64>, level: Level) -> i64 {
    match last_read {
        Some(read) if read > 0 && level.tracked() => (last_number - read).max(0),
        _ => 0,
    }
}

/// How members choose to hear by email of notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailFrequency {
    /// As soon as the mailer runs, batched.
    Always,
    /// Only what they haven't seen on the site within [`AWAY_AFTER_MS`].
    Away,
    Never,
}

impl EmailFrequency {
    pub const ALL: [EmailFrequency; 3] = [EmailFrequency::Away, EmailFrequency::Always, EmailFrequency::Never];

    pub fn as_str(self) -> &'static str {
        match self {
            EmailFrequency::Always => "always",
            EmailFrequency::Away => "away",
            EmailFrequency::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            EmailFrequency::Away => "Only when I'm away from the site (a few minutes after, if I haven't seen it)",
            EmailFrequency::Always => "Every time, straight away",
            EmailFrequency::Never => "Never",
        }
    }
}

/// How long a reply or mention waits for its member to see it on the site
/// before it is emailed (Discourse's `email_time_window_mins`).
pub const AWAY_AFTER_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    Daily,
    Weekly,
    Never,
}

impl Digest {
    pub const ALL: [Digest; 3] = [Digest::Weekly, Digest::Daily, Digest::Never];

    pub fn as_str(self) -> &'static str {
        match self {
            Digest::Daily => "daily",
            Digest::Weekly => "weekly",
            Digest::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Digest::Weekly => "Weekly",
            Digest::Daily => "Daily",
            Digest::Never => "Never",
        }
    }

    pub fn period_ms(self) -> Option<i64> {
        match self {
            Digest::Daily => Some(24 * 3600 * 1000),
            Digest::Weekly => Some(7 * 24 * 3600 * 1000),
            Digest::Never => None,
        }
    }
}

/// A digest stops once its member has been away this long.
pub const DIGEST_ABSENCE_MS: i64 = 180 * 24 * 3600 * 1000;

/// The digest period `at` falls in: its number (the key that makes each
/// period's digest happen once), and when it started.
pub fn digest_period(digest: Digest, at: i64) -> Option<(i64, i64)> {
    let length = digest.period_ms()?;
    let number = at.div_euclid(length);
    Some((number, number * length))
}

/// How long after the `attempt`th failure a message is tried again: `base`
/// (a minute, in production), doubling, at most six hours.
pub fn retry_after_ms(base_ms: i64, attempt: i64) -> i64 {
    let doublings = 1i64 << attempt.clamp(1, 10).saturating_sub(1);
    base_ms.saturating_mul(doublings).min(6 * 3600 * 1000)
}

/// After this many failed tries a message is given up (about two days).
pub const MAX_ATTEMPTS: i64 = 16;

#[cfg(test)]
mod tests {
    use super::*;

    fn audience() -> Audience {
        Audience { author: 1, ..Audience::default() }
    }

    #[test]
    fn a_reply_that_also_quotes_and_mentions_you_is_one_notification() {
        let a = Audience { answered: Some(2), quoted: vec![2, 3], mentioned: vec![2, 3, 4], watching: vec![2, 3, 4, 5], ..audience() };
        assert_eq!(recipients(&a), [(2, Reason::Reply), (3, Reason::Quote), (4, Reason::Mention), (5, Reason::Watching)]);
    }

    #[test]
    fn nobody_is_told_of_their_own_post_nor_by_someone_they_muted() {
        let a = Audience { answered: Some(1), mentioned: vec![1, 2, 3], muted: HashSet::from([3]), ..audience() };
        assert_eq!(recipients(&a), [(2, Reason::Mention)]);
    }

    #[test]
    fn a_thread_follows_its_category_unless_chosen() {
        assert_eq!(effective(None, None, None), Level::Normal);
        assert_eq!(effective(None, Some(Level::Watching), None), Level::Watching);
        assert_eq!(effective(Some(Level::Muted), Some(Level::Watching), None), Level::Muted);
    }

    #[test]
    fn an_opened_thread_is_tracked_unless_the_member_prefers_normal() {
        assert_eq!(effective(None, None, Some(Level::Tracking)), Level::Tracking);
        assert_eq!(effective(None, None, Some(Level::Watching)), Level::Tracking, "opening never watches");
        assert_eq!(effective(None, None, Some(Level::Normal)), Level::Normal);
        assert_eq!(effective(None, Some(Level::Normal), Some(Level::Tracking)), Level::Normal, "a category choice wins");
    }

    #[test]
    fn new_posts_count_only_in_opened_tracked_threads() {
        assert_eq!(new_posts(10, Some(4), Level::Tracking), 6);
        assert_eq!(new_posts(10, Some(4), Level::Normal), 0);
        assert_eq!(new_posts(10, None, Level::Watching), 0);
        assert_eq!(new_posts(3, Some(5), Level::Watching), 0, "posts moved away never count below zero");
    }

    #[test]
    fn new_means_since_the_last_visit_or_the_last_two_days() {
        let now = 100 * NEW_FOR_MS;
        assert_eq!(new_since(now - 1000, now), now - NEW_FOR_MS, "a visit an hour ago still leaves two days of new");
        assert_eq!(new_since(now - 5 * NEW_FOR_MS, now), now - 5 * NEW_FOR_MS, "away longer: everything since then");
    }

    #[test]
    fn each_period_has_one_digest_key() {
        let day = 24 * 3600 * 1000;
        let (n1, start) = digest_period(Digest::Daily, 10 * day + 5).unwrap();
        assert_eq!((n1, start), (10, 10 * day));
        assert_eq!(digest_period(Digest::Daily, 11 * day - 1).unwrap().0, 10);
        assert_eq!(digest_period(Digest::Weekly, 14 * day).unwrap(), (2, 14 * day));
        assert!(digest_period(Digest::Never, 0).is_none());
    }

    #[test]
    fn retries_back_off_to_six_hours() {
        assert_eq!(retry_after_ms(60_000, 1), 60_000);
        assert_eq!(retry_after_ms(60_000, 2), 120_000);
        assert_eq!(retry_after_ms(60_000, 4), 480_000);
        assert_eq!(retry_after_ms(60_000, 30), 6 * 3600 * 1000);
    }
}
