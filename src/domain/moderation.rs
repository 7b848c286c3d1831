//! The rules of moderation: flag reasons and how much each flag weighs, how
//! established a member is, sanction periods, the limits on new members'
//! posts, and the contact details pointed out before posting.

use super::FieldError;
use super::permission::Level;

/// Why a member flags a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagReason {
    Spam,
    Abuse,
    HarmfulAdvice,
    AtRisk,
    Other,
}

impl FlagReason {
    pub const ALL: [FlagReason; 5] = [FlagReason::Spam, FlagReason::Abuse, FlagReason::HarmfulAdvice, FlagReason::AtRisk, FlagReason::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            FlagReason::Spam => "spam",
            FlagReason::Abuse => "abuse",
            FlagReason::HarmfulAdvice => "harmful_advice",
            FlagReason::AtRisk => "at_risk",
            FlagReason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<FlagReason> {
        FlagReason::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// How the flag form and the queue put it.
    pub fn label(self) -> &'static str {
        match self {
            FlagReason::Spam => "Spam or advertising",
            FlagReason::Abuse => "Rude or abusive",
            FlagReason::HarmfulAdvice => "Harmful health advice",
            FlagReason::AtRisk => "Someone may be at risk",
            FlagReason::Other => "Something else",
        }
    }
}

/// The longest reason a moderator may give.
pub const REASON_MAX: usize = 1000;

/// A moderator's reason as given: trimmed, absent when blank, and refused
/// (never cut short) when too long or holding hidden control characters.
pub fn reason(text: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if text.chars().count() > REASON_MAX {
        return Err(FieldError::new("reason", format!("Reasons can be at most {REASON_MAX} characters. Members read them, so a sentence or two is best.")));
    }
    super::validate::plain_text("reason", text)?;
    Ok(Some(text.to_owned()))
}

/// A flag as a member sends it: "other" needs a note saying what.
pub fn check_flag(reason: &str, note: Option<&str>) -> Result<(FlagReason, Option<String>), FieldError> {
    let reason = FlagReason::parse(reason.trim())
        .ok_or_else(|| FieldError::new("reason", "Choose why you're flagging this post."))?;
    let note = note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(FieldError::new("note", "Notes can be at most 1,000 characters."));
    }
    if let Some(note) = &note {
        super::validate::plain_text("note", note)?;
    }
    if reason == FlagReason::Other && note.is_none() {
        return Err(FieldError::new("note", "Tell the moderators what's wrong, in a few words."));
    }
    Ok((reason, note))
}

/// How far one flag raises its post in the review queue, in tenths: every flag
/// counts, an established member's counts more, and "someone may be at risk"
/// most of all, since a person may need help now.
pub fn flag_weight(reason: FlagReason, flagger: Level, flagger_is_staff: bool) -> i64 {
    let standing = match (flagger_is_staff, flagger) {
        (true, _) => 20,
        (false, Level::Trusted) => 10,
        (false, Level::Member) => 5,
        (false, Level::New) => 0,
    };
    let urgency = match reason {
        FlagReason::AtRisk => 30,
        FlagReason::HarmfulAdvice => 10,
        FlagReason::Abuse => 5,
        FlagReason::Spam | FlagReason::Other => 0,
    };
    10 + standing + urgency
}

/// Queue weight of a post held for approval, and of one that describes an emergency.
pub const HELD_SCORE: i64 = 10;
pub const SAFETY_SCORE: i64 = 50;

/// A member stays new until this many of their posts are out and a day has passed.
pub const NEW_UNTIL_POSTS: i64 = 3;
pub const NEW_FOR_MS: i64 = 24 * 3600 * 1000;
/// Members become trusted with this many posts over this long (or when a moderator says so).
pub const TRUSTED_AFTER_POSTS: i64 = 50;
pub const TRUSTED_AFTER_MS: i64 = 60 * 24 * 3600 * 1000;

/// The facts about a member that decide their level.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    pub joined_at: i64,
    pub post_count: i64,
    pub trusted_early: bool,
}

pub fn level(s: Standing, now: i64) -> Level {
    let age = now - s.joined_at;
    if s.trusted_early || (s.post_count >= TRUSTED_AFTER_POSTS && age >= TRUSTED_AFTER_MS) {
        Level::Trusted
    } else if s.post_count < NEW_UNTIL_POSTS || age < NEW_FOR_MS {
        Level::New
    } else {
        Level::Member
    }
}

/// What a new member's post may hold, and why.
pub const NEW_MEMBER_LINKS: usize = 2;
pub const NEW_MEMBER_MENTIONS: usize = 2;

/// A new member's post with too many links or mentions, in kind words. Most
/// spam is links, and most pile-ons are mentions; the limits lift by themselves.
pub fn new_member_limits(links: usize, mentions: usize) -> Result<(), FieldError> {
    let why = "It helps keep spam and pile-ons out, and it lifts by itself after your first few posts.";
    if links > NEW_MEMBER_LINKS {
        return Err(FieldError::new(
            "body",
            format!("Welcome! While you're new, a post can include up to {NEW_MEMBER_LINKS} links, and this one has {links}. {why}"),
        ));
    }
    if mentions > NEW_MEMBER_MENTIONS {
        return Err(FieldError::new(
            "body",
            format!("Welcome! While you're new, a post can mention up to {NEW_MEMBER_MENTIONS} members, and this one mentions {mentions}. {why}"),
        ));
    }
    Ok(())
}

/// How long a silence or suspension lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Until(i64),
    /// Until a moderator lifts it.
    Forever,
}

impl Period {
    /// Unix milliseconds, with "for good" as the largest time there is.
    pub fn until(self) -> i64 {
        match self {
            Period::Until(t) => t,
            Period::Forever => i64::MAX,
        }
    }
}

/// The periods offered: `1d`, `3d`, `1w`, `30d`, `forever`, or a chosen date
/// (`YYYY-MM-DD`, the end of that day in UTC), counted from `now`.
pub fn parse_period(text: &str, now: i64) -> Result<Period, FieldError> {
    const DAY: i64 = 24 * 3600 * 1000;
    let text = text.trim();
    let days = match text {
        "1d" => 1,
        "3d" => 3,
        "1w" => 7,
        "30d" => 30,
        "forever" => return Ok(Period::Forever),
        other => {
            let day = super::dates::parse_date(other).ok_or_else(|| FieldError::new("until", "Choose a period, or a date like 2026-12-31."))?;
            let until = day + DAY;
            if until <= now {
                return Err(FieldError::new("until", "Choose a date in the future."));
            }
            return Ok(Period::Until(until));
        }
    };
    Ok(Period::Until(now + days * DAY))
}

/// Phone numbers and email addresses in a post, as written, to point out to
/// its author before it goes up: people share them in the heat of a kind
/// moment and regret it later.
pub fn contact_details(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in text.split_whitespace() {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '+');
        if let Some((local, domain)) = word.split_once('@')
            && !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && local.chars().all(|c| c.is_alphanumeric() || "._%+-".contains(c))
        {
            found.push(word.to_owned());
        }
    }
    // Phone numbers: runs of digits with spaces, dashes, dots or brackets
    // between them, 9 to 15 digits long (a UK mobile is 11, with +44 12).
    // Times, dates and paces have fewer digits, so they are left alone.
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit() || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) || chars[i] == '(';
        let after_word = i == 0 || !chars[i - 1].is_alphanumeric();
        if !(starts && after_word) {
            i += 1;
            continue;
        }
        let (mut end, mut digits, mut last_digit) = (i, 0, i);
        while end < chars.len() && (chars[end].is_ascii_digit() || " -.()+".contains(chars[end])) {
            if chars[end].is_ascii_digit() {
                digits += 1;
                last_digit = end;
            }
            // A gap of two or more spaces ends a number.
            if chars[end] == ' ' && chars.get(end + 1) == Some(&' ') {
                break;
            }
            end += 1;
        }
        let ends_word = chars.get(last_digit + 1).is_none_or(|c| !c.is_alphanumeric());
        if (9..=15).contains(&digits) && ends_word {
            let number: String = chars[i..=last_digit].iter().collect();
            found.push(number.trim().to_owned());
        }
        i = end.max(i + 1);
    }
    found
}

/// The community's moderation settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Distinct members whose flags hide a post until a moderator looks.
    pub flags_to_hide: i64,
    /// How many of a new account's first posts wait for approval (0: none).
    pub approve_first_posts: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { flags_to_hide: 3, approve_first_posts: 0 }
    }
}

impl Settings {
    pub fn check(self) -> Result<Self, Vec<FieldError>> {
        super::validate::collect([
            (1..=50).contains(&self.flags_to_hide).then_some(()).ok_or_else(|| FieldError::new("flags_to_hide", "Choose between 1 and 50 flags.")),
            (0..=20).contains(&self.approve_first_posts).then_some(()).ok_or_else(|| FieldError::new("approve_first_posts", "Choose between 0 and 20 posts.")),
        ])?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_needs_a_note_and_unknown_reasons_are_refused() {
        assert_eq!(check_flag("spam", None).unwrap().0, FlagReason::Spam);
        assert_eq!(check_flag("other", None).unwrap_err().field, "note");
        assert_eq!(check_flag("other", Some("  selling shoes  ")).unwrap().1.as_deref(), Some("selling shoes"));
        assert_eq!(check_flag("boring", None).unwrap_err().field, "reason");
    }

    #[test]
    fn at_risk_and_established_flaggers_weigh_more() {
        let new_spam = flag_weight(FlagReason::Spam, Level::New, false);
        assert!(flag_weight(FlagReason::Spam, Level::Trusted, false) > new_spam);
        assert!(flag_weight(FlagReason::AtRisk, Level::New, false) > flag_weight(FlagReason::Abuse, Level::Trusted, false));
        assert!(new_spam > 0, "every flag counts");
    }

    #[test]
    fn members_are_new_then_members_then_trusted() {
        let day = 24 * 3600 * 1000;
        let at = |posts, days: i64, early| level(Standing { joined_at: 0, post_count: posts, trusted_early: early }, days * day);
        assert_eq!(at(0, 0, false), Level::New);
        assert_eq!(at(10, 0, false), Level::New, "a day must pass");
        assert_eq!(at(2, 30, false), Level::New, "and three posts");
        assert_eq!(at(3, 2, false), Level::Member);
        assert_eq!(at(60, 90, false), Level::Trusted);
        assert_eq!(at(0, 0, true), Level::Trusted, "trusted early");
    }

    #[test]
    fn new_members_get_two_links_and_two_mentions() {
        assert!(new_member_limits(2, 2).is_ok());
        let e = new_member_limits(3, 0).unwrap_err();
        assert!(e.message.contains("up to 2 links") && e.message.contains("has 3"), "{}", e.message);
        assert!(new_member_limits(0, 3).unwrap_err().message.contains("mention up to 2"));
    }

    #[test]
    fn periods_are_offered_lengths_or_a_date() {
        let day = 24 * 3600 * 1000;
        assert_eq!(parse_period("1d", 0).unwrap(), Period::Until(day));
        assert_eq!(parse_period("1w", 5).unwrap(), Period::Until(5 + 7 * day));
        assert_eq!(parse_period("forever", 0).unwrap().until(), i64::MAX);
        assert_eq!(parse_period("1970-01-03", 0).unwrap(), Period::Until(3 * day));
        assert!(parse_period("1970-01-01", 2 * day).is_err(), "the past");
        assert!(parse_period("soon", 0).is_err());
    }

    #[test]
    fn phone_numbers_and_emails_are_pointed_out() {
        assert_eq!(contact_details("Text me on 07700 900123 any time"), ["07700 900123"]);
        assert_eq!(contact_details("call +44 7700 900123."), ["+44 7700 900123"]);
        assert_eq!(contact_details("or (020) 7946-0958"), ["(020) 7946-0958"]);
        assert_eq!(contact_details("mail jo.runner@example.co.uk!"), ["jo.runner@example.co.uk"]);
        assert!(contact_details("I ran 5k in 34:10 on 2026-11-28 at 6:45/km, W5R3").is_empty());
        assert!(contact_details("@coach_claire thanks, 3 x 8 minutes").is_empty());
    }
}
