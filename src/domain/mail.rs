//! What email says, and the signed links it carries. No I/O: the mailer
//! gathers what a message is about, these words turn it into a letter.

use super::hex;
use blake2::Blake2sMac256;
use blake2::digest::{KeyInit, Mac};

/// A message's subject and plain-text body. Plain text reads well in every
/// client, needs no sanitising, and is what people reply to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub text: String,
}

/// What an unsubscribe link stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every email about the forum (account mail still comes when asked for).
    All,
    Digest,
    /// Email about one thread: it is muted.
    Thread(i64),
}

impl Scope {
    fn key(self) -> String {
        match self {
            Scope::All => "all".into(),
            Scope::Digest => "digest".into(),
            Scope::Thread(id) => format!("t{id}"),
        }
    }

    fn parse(s: &str) -> Option<Scope> {
        match s {
            "all" => Some(Scope::All),
            "digest" => Some(Scope::Digest),
            _ => s.strip_prefix('t').and_then(|id| id.parse().ok()).filter(|id| *id > 0).map(Scope::Thread),
        }
    }
}

/// Signs "this member may unsubscribe from this": `{member}.{scope}.{mac}`.
/// Links work without logging in and never expire (RFC 8058 expects them to
/// keep working), so they carry only what they allow.
pub fn unsubscribe_token(key: &[u8], member: i64, scope: Scope) -> String {
    let payload = format!("{member}.{}", scope.key());
    format!("{payload}.{}", hex(&mac(key, &payload)))
}

/// The member and scope a token allows, when its signature is right.
pub fn check_unsubscribe(key: &[u8], token: &str) -> Option<(i64, Scope)> {
    let (payload, signature) = token.rsplit_once('.')?;
    let (member, scope) = payload.split_once('.')?;
    let signature = unhex(signature).filter(|s| s.len() == MAC_BYTES)?;
    // Compared in constant time, so timing says nothing about a forged link.
    signer(key, payload)?.verify_truncated_left(&signature).ok()?;
    Some((member.parse().ok().filter(|m: &i64| *m > 0)?, Scope::parse(scope)?))
}

/// 128 bits are plenty for a link, and keep it short.
const MAC_BYTES: usize = 16;

fn signer(key: &[u8], payload: &str) -> Option<Blake2sMac256> {
    let mut m = Blake2sMac256::new_from_slice(key).ok()?;
    m.update(b"unsubscribe:");
    m.update(payload.as_bytes());
    Some(m)
}

fn mac(key: &[u8], payload: &str) -> Vec<u8> {
    signer(key, payload).map(|m| m.finalize().into_bytes()[..MAC_BYTES].to_vec()).unwrap_or_default()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

/// One thing a member missed, for a "while you were away" message.
#[derive(Debug, Clone)]
pub struct Missed {
    pub heading: String,
    pub line: String,
    /// Absolute, to the post.
    pub url: String,
    pub thread_title: String,
    /// Absolute: stop email about this thread.
    pub stop_thread_url: String,
}

/// The links every message ends with.
#[derive(Debug, Clone)]
pub struct Footer {
    pub why: String,
    pub settings_url: String,
    pub unsubscribe_url: String,
}

fn footer(f: &Footer) -> String {
    format!("\n-- \n{}\nChoose what you get: {}\nUnsubscribe: {}\n", f.why, f.settings_url, f.unsubscribe_url)
}

pub const SITE: &str = "Jogette";

/// Replies and mentions a member hasn't seen, in one message.
pub fn away(username: &str, missed: &[Missed], f: &Footer) -> Letter {
    let subject = match missed {
        [one] => format!("{} (in “{}”)", one.heading, one.thread_title),
        many => format!("{} new replies and mentions on {SITE}", many.len()),
    };
    let mut text = format!("Hello {username},\n\nWhile you were away:\n");
    let mut threads: Vec<(&str, &str)> = Vec::new();
    for m in missed {
        text.push_str(&format!("\n{}\n{}\n{}\n", m.heading, m.line, m.url));
        if !threads.iter().any(|(t, _)| *t == m.thread_title) {
            threads.push((&m.thread_title, &m.stop_thread_url));
        }
    }
    text.push_str("\nReply on the forum: email replies don't reach anyone.\n");
    for (title, stop) in threads {
        text.push_str(&format!("\nStop emails about “{title}”: {stop}"));
    }
    text.push('\n');
    text.push_str(&footer(f));
    Letter { subject, text }
}

/// A thread in a digest.
#[derive(Debug, Clone)]
pub struct Active {
    pub title: String,
    pub category: String,
    pub recent_posts: i64,
    pub excerpt: String,
    pub url: String,
}

/// The most active threads of a day or a week.
pub fn digest(username: &str, period: &str, threads: &[Active], f: &Footer) -> Letter {
    let subject = format!("Your {period} {SITE} digest: {}", threads.first().map_or("what's new", |t| t.title.as_str()));
    let mut text = format!("Hello {username},\n\nThe most active threads this {}:\n", if period == "daily" { "day" } else { "week" });
    for t in threads {
        let posts = if t.recent_posts == 1 { "1 new post".to_owned() } else { format!("{} new posts", t.recent_posts) };
        text.push_str(&format!("\n{} ({}, {posts})\n", t.title, t.category));
        if !t.excerpt.is_empty() {
            text.push_str(&format!("{}\n", t.excerpt));
        }
        text.push_str(&format!("{}\n", t.url));
    }
    text.push_str(&footer(f));
    Letter { subject, text }
}

/// "Is this your address?"
pub fn verify_address(username: &str, link: &str, f: &Footer) -> Letter {
    Letter {
        subject: format!("Confirm your email address for {SITE}"),
        text: format!(
            "Hello {username},\n\nPlease confirm this is your address by opening this link within an hour:\n\n{link}\n\n\
             Until you do, we won't send you any other email. If you didn't ask for this, ignore this message: nothing changes.\n{}",
            footer(f)
        ),
    }
}

/// A link to choose a new password.
pub fn reset_password(username: &str, link: &str, f: &Footer) -> Letter {
    Letter {
        subject: format!("Reset your {SITE} password"),
        text: format!(
            "Hello {username},\n\nSomeone (we hope you) asked to reset the password of your account, {username}. \
             Choose a new one with this link within an hour; it works once:\n\n{link}\n\n\
             If you didn't ask, ignore this message: your password stays as it is.\n{}",
            footer(f)
        ),
    }
}

/// "The export you asked for is ready."
pub fn export_ready(username: &str, link: &str, f: &Footer) -> Letter {
    Letter {
        subject: format!("Your {SITE} data is ready to download"),
        text: format!(
            "Hello {username},\n\nThe copy of your data you asked for is ready. Download it from your settings, \
             signed in, within 7 days:\n\n{link}\n\n\
             It holds your posts as Markdown and everything else in data.json. \
             If you didn't ask for it, change your password: someone signed in as you did.\n{}",
            footer(f)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn unsubscribe_links_allow_only_what_they_were_signed_for() {
        let token = unsubscribe_token(KEY, 42, Scope::Thread(7));
        assert_eq!(check_unsubscribe(KEY, &token), Some((42, Scope::Thread(7))));
        assert_eq!(check_unsubscribe(KEY, &token.replace("42.", "43.")), None, "another member");
        assert_eq!(check_unsubscribe(KEY, &token.replace(".t7.", ".all.")), None, "a wider scope");
        assert_eq!(check_unsubscribe(b"another key entirely, 32 bytes!!", &token), None);
        let (payload, signature) = token.rsplit_once('.').unwrap();
        assert_eq!(check_unsubscribe(KEY, &format!("{payload}.{}", &signature[..8])), None, "a shortened signature");
        for junk in ["", "..", "42.all.", "42.all.zz", "x.all.00", "-1.all.00"] {
            assert_eq!(check_unsubscribe(KEY, junk), None, "{junk:?}");
        }
        for scope in [Scope::All, Scope::Digest] {
            assert_eq!(check_unsubscribe(KEY, &unsubscribe_token(KEY, 1, scope)), Some((1, scope)));
        }
    }

    fn footer() -> Footer {
        Footer { why: "Because.".into(), settings_url: "https://f/settings".into(), unsubscribe_url: "https://f/unsubscribe/x".into() }
    }

    #[test]
    fn an_away_message_names_one_thing_in_its_subject_and_counts_several() {
        let missed = Missed {
            heading: "jen replied to you".into(),
            line: "Is it your back?".into(),
            url: "https://f/t/1/back?page=1#p2".into(),
            thread_title: "Back pain".into(),
            stop_thread_url: "https://f/unsubscribe/t".into(),
        };
        let one = away("sam", std::slice::from_ref(&missed), &footer());
        assert_eq!(one.subject, "jen replied to you (in “Back pain”)");
        assert!(one.text.contains("https://f/t/1/back?page=1#p2") && one.text.contains("Unsubscribe: https://f/unsubscribe/x"));
        let two = away("sam", &[missed.clone(), missed], &footer());
        assert_eq!(two.subject, "2 new replies and mentions on Jogette");
        assert_eq!(two.text.matches("Stop emails about").count(), 1, "one stop link per thread");
    }
}
