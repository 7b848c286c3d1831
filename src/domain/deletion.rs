//! Leaving: a member deletes their account. Anonymised, their posts stay
//! under "a former member"; erased, their posts go too. Either way their
//! profile, email, sessions, logs, notifications and settings are erased,
//! after a grace period in which logging in cancels it.

/// How long a request waits before it is carried out; logging in meanwhile cancels it.
pub const GRACE_MS: i64 = 7 * 24 * 3600 * 1000;
/// How many posts one transaction changes while carrying a deletion out, so
/// that a member with 100,000 posts never holds the write lock for long.
pub const BATCH: i64 = 500;
/// What readers see where a former member's name was.
pub const FORMER_MEMBER: &str = "a former member";
/// The start of the placeholder name a deleted account keeps (names starting
/// with it can't be chosen).
pub const FORMER_PREFIX: &str = "former-member-";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Posts stay, shown as by a former member.
    Anonymise,
    /// Posts are removed as well.
    Erase,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "anonymise" | "anonymize" => Some(Mode::Anonymise),
            "erase" => Some(Mode::Erase),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Anonymise => "anonymise",
            Mode::Erase => "erase",
        }
    }
}

/// The placeholder name of account `id` once deleted.
pub fn former_name(id: i64) -> String {
    format!("{FORMER_PREFIX}{id}")
}

/// Cooked HTML with every link to `username`'s profile replaced by
/// `replacement` (escaped text): a mention stays readable, but no longer
/// points at anyone.
pub fn unlink_mentions(html: &str, username: &str, replacement: &str) -> String {
    let opening = format!("<a href=\"/u/{username}\"");
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(&opening) {
        // The closing quote is part of `opening`, so `/u/sam` never matches `/u/samantha`.
        let after = &rest[start + opening.len()..];
        let Some(end) = after.find("</a>") else { break };
        out.push_str(&rest[..start]);
        super::markdown::escape_html(replacement).chars().for_each(|c| out.push(c));
        rest = &after[end + "</a>".len()..];
    }
    out.push_str(rest);
    out
}

/// Markdown with `@username` mentions replaced by `replacement` (for an
/// erased member, whose name must not remain anywhere).
pub fn replace_mentions(body: &str, username: &str, replacement: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut last = 0;
    for m in super::mention::find(body) {
        if m.name.eq_ignore_ascii_case(username) {
            out.push_str(&body[last..m.range.start]);
            out.push_str(replacement);
            last = m.range.end;
        }
    }
    out.push_str(&body[last..]);
    out
}

/// What stands where an erased member's quoted words were.
pub const ERASED_QUOTE: &str = "*(a quote from a former member's post, erased with it)*";

/// Markdown with every quote of `username` (as the composer writes them:
/// `> **@name** [wrote](/p/12):` and the quoted lines after it) replaced by
/// [`ERASED_QUOTE`], at the same depth; the rest of the post stays.
pub fn remove_quotes_of(body: &str, username: &str) -> String {
    let attribution = format!("**@{}**", username.to_lowercase());
    let depth = |line: &str| {
        let mut n = 0;
        for c in line.chars() {
            match c {
                '>' => n += 1,
                ' ' => {}
                _ => break,
            }
        }
        n
    };
    let mut out: Vec<String> = Vec::new();
    let mut skipping: Option<usize> = None;
    for line in body.lines() {
        let d = depth(line);
        if let Some(level) = skipping {
            if d >= level {
                continue;
            }
            skipping = None;
        }
        let text = line.trim_start_matches(['>', ' ']).to_lowercase();
        if d > 0 && text.starts_with(&attribution) && (text.contains("wrote") || text.ends_with(':')) {
            out.push(format!("{} {ERASED_QUOTE}", ">".repeat(d)));
            skipping = Some(d);
            continue;
        }
        out.push(line.to_owned());
    }
    let mut text = out.join("\n");
    if body.ends_with('\n') {
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_keeps_its_words_but_no_longer_links() {
        let html = r#"<p>Thanks <a href="/u/sam" rel="nofollow noopener noreferrer ugc">@sam</a> and <a href="/u/samantha" rel="nofollow">@samantha</a>!</p>"#;
        assert_eq!(unlink_mentions(html, "sam", "@sam"), r#"<p>Thanks @sam and <a href="/u/samantha" rel="nofollow">@samantha</a>!</p>"#);
        assert_eq!(unlink_mentions(html, "sam", FORMER_MEMBER), r#"<p>Thanks a former member and <a href="/u/samantha" rel="nofollow">@samantha</a>!</p>"#);
    }

    #[test]
    fn an_erased_member_s_name_goes_from_the_words_too() {
        assert_eq!(replace_mentions("cheers @Sam, and @samantha", "sam", FORMER_MEMBER), "cheers a former member, and @samantha");
    }

    #[test]
    fn an_erased_member_s_quoted_words_go_but_the_reply_stays() {
        let body = "> **@Sam** [wrote](/p/12):\n> My secret sentence.\n> > **@ann** [wrote](/p/3):\n> > hers\n\nI agree.\n\n> **@ann** [wrote](/p/4):\n> > **@sam** wrote:\n> > more of his\n> and hers";
        assert_eq!(
            remove_quotes_of(body, "sam"),
            format!("> {ERASED_QUOTE}\n\nI agree.\n\n> **@ann** [wrote](/p/4):\n>> {ERASED_QUOTE}\n> and hers")
        );
        assert_eq!(remove_quotes_of("no quotes here", "sam"), "no quotes here");
    }

    #[test]
    fn modes_read_both_spellings() {
        assert_eq!(Mode::parse("anonymize"), Some(Mode::Anonymise));
        assert_eq!(Mode::parse("erase").map(Mode::as_str), Some("erase"));
        assert_eq!(Mode::parse("vanish"), None);
    }
}
