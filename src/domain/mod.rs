//! Forum rules without I/O: validation, permissions, Markdown to safe HTML,
//! mention and quote parsing, safety signposting, search input, addresses,
//! dates, who is notified of what, and password hashing (CPU only).
//!
//! Everything here is a plain function over plain types so that `web` and
//! `store` can share one meaning of "a valid username" or "may edit this post".

pub mod dates;
pub mod export;
pub mod deletion;
pub mod feeds;
pub mod import;
pub mod links;
pub mod mail;
pub mod markdown;
pub mod mention;
pub mod moderation;
pub mod notify;
pub mod password;
pub mod permission;
pub mod programme;
pub mod quote;
pub mod safety;
pub mod search;
pub mod site;
pub mod uploads;
pub mod validate;

use serde::{Deserialize, Serialize};

/// What a member may do is decided by their role; see [`permission`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "member" => Some(Role::Member),
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A field-level problem with user input, shown beside the field in a form
/// and listed in an API problem body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// Lower-case hex, two digits a byte: tokens, their hashes, validators, keys.
/// Every guest's first page view makes a form token and every member's
/// request hashes one, so this stays clear of `format!`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Turns a title into the readable part of a thread URL (`/t/42/back-pain-following-run`).
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    for ch in title.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 60 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() { "thread".to_owned() } else { slug.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_two_lower_case_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_hyphens() {
        assert_eq!(slugify("Back pain following run"), "back-pain-following-run");
        assert_eq!(slugify("  W5R3: the 20-minute run!! "), "w5r3-the-20-minute-run");
        assert_eq!(slugify("???"), "thread");
        assert!(slugify(&"long ".repeat(50)).len() <= 60);
    }
}
