//! Moving a community in from another forum, without I/O: what every source
//! is read into (members, categories, topics with their posts), usernames
//! made valid here, and each source's stored text turned into Jogette's
//! Markdown — Discourse's extras, phpBB's BBCode before 3.2 and its s9e XML
//! after. Readers of files and databases live in `app::import`.

pub mod bbcode;
pub mod discourse;
pub mod s9e;
mod text;

use super::validate::{USERNAME_MAX, USERNAME_MIN, is_username_char};
use std::collections::HashSet;

/// A member as the source knows them. No password is ever carried over:
/// imported members choose a new one by email.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The source's id, unique within the source.
    pub key: String,
    pub username: String,
    pub email: Option<String>,
    /// The source says the address is the member's own.
    pub email_verified: bool,
    pub staff: Staff,
    pub created_at: i64,
    /// Their place in the running programme ("W5R3"), from a Jogette export.
    pub badge: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staff {
    No,
    Moderator,
    Admin,
}

/// Who may read a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Everyone,
    Members,
    Staff,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub key: String,
    /// Its address here, when the source has one of Jogette's own.
    pub slug: Option<String>,
    /// Its parent's key; parents come before their children.
    pub parent: Option<String>,
    pub name: String,
    pub description: String,
    pub position: i64,
    pub access: Access,
    pub created_at: i64,
}

/// A thread and its posts, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    pub key: String,
    pub category: String,
    pub title: String,
    pub created_at: i64,
    pub pinned: Pinned,
    pub locked: bool,
    pub posts: Vec<Message>,
}

/// Where a topic stays on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pinned {
    No,
    /// First in its category.
    InCategory,
    /// First everywhere (Discourse's global pins, phpBB's announcements).
    Everywhere,
}

impl Pinned {
    /// As `threads.pinned` stores it.
    pub fn level(self) -> i64 {
        match self {
            Pinned::No => 0,
            Pinned::InCategory => 1,
            Pinned::Everywhere => 2,
        }
    }
}

/// How a post's text is stored at the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Jogette's own Markdown (from a Jogette export).
    Jogette,
    /// Discourse's Markdown, with its `[quote]` and `upload://` extras.
    Discourse,
    /// phpBB before 3.2: BBCode tagged with the post's uid, HTML-escaped.
    PhpbbBbcode { uid: String },
    /// phpBB 3.2 and later: s9e TextFormatter XML.
    PhpbbXml,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub key: String,
    /// Its number in its topic at the source, when quotes name posts by number.
    pub number: Option<i64>,
    /// None: the author is gone at the source; the post is kept under the
    /// system member.
    pub author: Option<String>,
    pub text: String,
    pub format: Format,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    /// The post this one answers, by key.
    pub reply_to: Option<String>,
    pub hidden: bool,
    /// Removed (its words are not carried), or waiting for a moderator.
    pub deleted_at: Option<i64>,
    pub held: bool,
    /// The pain-log summary its author attached (Jogette's JSON).
    pub pain_summary: Option<String>,
    /// Members (by key) who liked or thanked it, and when.
    pub thanked_by: Vec<(String, i64)>,
    /// Likes the source counts without saying whose.
    pub uncredited_thanks: i64,
}

/// What an importer can ask about things already brought over, to turn the
/// source's references into Jogette's.
pub trait Lookup {
    /// The local id of an imported post, by its source key.
    fn post(&self, key: &str) -> Option<i64>;
    /// The local id of post `number` of an imported topic (Discourse quotes
    /// name posts this way).
    fn post_by_number(&self, topic: &str, number: i64) -> Option<i64>;
    /// A source username as it is known here (it may have been made valid).
    fn username(&self, source_name: &str) -> String;
}

/// A post's text in Jogette's Markdown.
pub fn convert(message: &Message, lookup: &dyn Lookup) -> String {
    match &message.format {
        Format::Jogette => relink_posts(&message.text, lookup),
        Format::Discourse => discourse::to_markdown(&message.text, lookup),
        Format::PhpbbBbcode { uid } => bbcode::to_markdown(&message.text, uid, lookup),
        Format::PhpbbXml => s9e::to_markdown(&message.text, lookup),
    }
}

/// Links to posts by permanent address (`/p/12`), pointed at the posts they
/// became here.
pub fn relink_posts(body: &str, lookup: &dyn Lookup) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find("](/p/") {
        let start = at + "](/p/".len();
        out.push_str(&rest[..start]);
        let digits = rest[start..].find(|c: char| !c.is_ascii_digit()).map_or(rest.len() - start, |n| n);
        let old = &rest[start..start + digits];
        match lookup.post(old) {
            Some(id) => out.push_str(&id.to_string()),
            None => out.push_str(old),
        }
        rest = &rest[start + digits..];
    }
    out.push_str(rest);
    out
}

/// A valid username for `wanted`, unlike any in `taken` (lower-cased):
/// characters Jogette doesn't allow become `_`, short names are padded and
/// long ones cut, and a clash gets a number.
pub fn username(wanted: &str, taken: &HashSet<String>) -> String {
    let mut base: String = wanted.chars().map(|c| if is_username_char(c) { c } else { '_' }).collect();
    if base.to_ascii_lowercase().starts_with(super::deletion::FORMER_PREFIX) {
        base = format!("was-{base}");
    }
    while base.chars().count() < USERNAME_MIN {
        base.push('_');
    }
    let base: String = base.chars().take(USERNAME_MAX).collect();
    if !taken.contains(&base.to_ascii_lowercase()) {
        return base;
    }
    (2..)
        .map(|n| {
            let suffix = format!("_{n}");
            let keep: String = base.chars().take(USERNAME_MAX - suffix.len()).collect();
            format!("{keep}{suffix}")
        })
        .find(|name| !taken.contains(&name.to_ascii_lowercase()))
        .expect("some number is free")
}

/// The Markdown of a quote of `author`'s words, pointing at the post when it
/// was brought over.
pub fn quote(author: Option<&str>, post: Option<i64>, words: &str) -> String {
    let attribution = match (author, post) {
        (Some(name), Some(id)) => format!("**@{name}** [wrote](/p/{id}):"),
        (Some(name), None) => format!("**@{name}** wrote:"),
        (None, Some(id)) => format!("[Quoted](/p/{id}):"),
        (None, None) => String::new(),
    };
    let mut out = String::new();
    if !attribution.is_empty() {
        out.push_str("> ");
        out.push_str(&attribution);
        out.push('\n');
    }
    for line in words.trim_matches('\n').lines() {
        out.push_str(if line.is_empty() { ">" } else { "> " });
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Posts 1–9 of topic 7 became 101–109; `old.name` became `old_name`.
    pub struct Known;

    impl Lookup for Known {
        fn post(&self, key: &str) -> Option<i64> {
            key.parse::<i64>().ok().filter(|n| (1..10).contains(n)).map(|n| n + 100)
        }
        fn post_by_number(&self, topic: &str, number: i64) -> Option<i64> {
            (topic == "7").then(|| self.post(&number.to_string())).flatten()
        }
        fn username(&self, source_name: &str) -> String {
            HashMap::from([("old name", "old_name")]).get(source_name).map_or(source_name, |n| *n).to_owned()
        }
    }

    #[test]
    fn usernames_are_made_valid_and_never_clash() {
        let taken: HashSet<String> = ["ann", "bob_2", "bob"].iter().map(|s| s.to_string()).collect();
        assert_eq!(username("Ann", &taken), "Ann_2");
        assert_eq!(username("bob", &taken), "bob_3");
        assert_eq!(username("zoë smith", &taken), "zo__smith");
        assert_eq!(username("jo", &taken), "jo_");
        assert_eq!(username(&"x".repeat(40), &taken).len(), 30);
        assert_eq!(username("former-member-1", &taken), "was-former-member-1");
    }

    #[test]
    fn links_to_posts_follow_them_to_their_new_ids() {
        assert_eq!(relink_posts("> **@ann** [wrote](/p/3):\n> hi\n\nsee [this](/p/55)", &Known), "> **@ann** [wrote](/p/103):\n> hi\n\nsee [this](/p/55)");
    }
}
