//! Discourse's Markdown extras as Jogette's: `[quote="name, post:N, topic:M"]`
//! blocks, `@mentions` of members whose names had to change, and uploads
//! (`upload://…`), whose files a JSON export doesn't carry.

use super::{Lookup, quote};
use crate::domain::mention;

/// Jogette Markdown for a Discourse post's `raw`.
pub fn to_markdown(raw: &str, lookup: &dyn Lookup) -> String {
    let quoted = quotes(raw, lookup);
    uploads(&mentions(&quoted, lookup)).trim().to_owned()
}

/// `[quote="ann, post:2, topic:7"]…[/quote]`, nested or not.
fn quotes(raw: &str, lookup: &dyn Lookup) -> String {
    let Some(start) = raw.find("[quote") else { return raw.to_owned() };
    let Some(head_len) = raw[start..].find(']') else { return raw.to_owned() };
    let head = &raw[start + "[quote".len()..start + head_len];
    let body_start = start + head_len + 1;
    // The matching end, counting quotes opened inside.
    let mut depth = 1;
    let mut at = body_start;
    let end = loop {
        let next_open = raw[at..].find("[quote").map(|i| i + at);
        let Some(next_close) = raw[at..].find("[/quote]").map(|i| i + at) else { break None };
        match next_open {
            Some(open) if open < next_close => {
                depth += 1;
                at = open + 1;
            }
            _ => {
                depth -= 1;
                if depth == 0 {
                    break Some(next_close);
                }
                at = next_close + 1;
            }
        }
    };
    let Some(end) = end else { return raw.to_owned() };
    let (author, post) = attribution(head, lookup);
    let inner = quotes(&raw[body_start..end], lookup);
    let before = raw[..start].trim_end_matches([' ', '\n']);
    let mut out = String::from(before);
    if !out.is_empty() {
        out.push_str("\n\n");
    }
    out.push_str(&quote(author.as_deref(), post, inner.trim()));
    out.push_str(&quotes(raw[end + "[/quote]".len()..].trim_start_matches([' ', '\n']), lookup));
    out
}

/// `="ann, post:2, topic:7, full:true"`: who, and the post if it came over.
fn attribution(head: &str, lookup: &dyn Lookup) -> (Option<String>, Option<i64>) {
    let inside = head.trim_start_matches('=').trim_matches('"');
    let mut parts = inside.split(',').map(str::trim);
    let author = parts.next().filter(|a| !a.is_empty()).map(|a| lookup.username(a));
    let (mut post, mut topic) = (None, None);
    for part in parts {
        match part.split_once(':') {
            Some(("post", n)) => post = n.trim().parse::<i64>().ok(),
            Some(("topic", t)) => topic = Some(t.trim().to_owned()),
            _ => {}
        }
    }
    let local = match (topic, post) {
        (Some(topic), Some(number)) => lookup.post_by_number(&topic, number),
        _ => None,
    };
    (author, local)
}

/// Mentions of members who were renamed on the way in, renamed too.
fn mentions(text: &str, lookup: &dyn Lookup) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in mention::find(text) {
        let now = lookup.username(m.name);
        if now != m.name {
            out.push_str(&text[last..m.range.start]);
            out.push('@');
            out.push_str(&now);
            last = m.range.end;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// `![alt|690x388](upload://abc.png)` and `[name|attachment](upload://…)`:
/// the files stay behind, so each says what it was.
fn uploads(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("](upload://").or_else(|| rest.find("](/uploads/")) {
        let Some(open) = rest[..at].rfind('[') else {
            out.push_str(&rest[..at + 2]);
            rest = &rest[at + 2..];
            continue;
        };
        let Some(close) = rest[at..].find(')') else { break };
        let picture = open > 0 && rest.as_bytes()[open - 1] == b'!';
        let label = rest[open + 1..at].split('|').next().unwrap_or("").trim();
        out.push_str(&rest[..if picture { open - 1 } else { open }]);
        let what = if picture { "a picture" } else { "an attachment" };
        if label.is_empty() || label.eq_ignore_ascii_case("image") {
            out.push_str(&format!("*({what} from the old forum, not brought over)*"));
        } else {
            out.push_str(&format!("*({what} from the old forum, not brought over: {label})*"));
        }
        rest = &rest[at + close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::Known;
    use super::*;

    #[test]
    fn a_quote_points_at_the_post_it_quotes_when_that_came_over() {
        let raw = "[quote=\"old name, post:2, topic:7\"]\nIs it your back or your shoulders?\n[/quote]\n\nMy shoulders, @old name is right.";
        assert_eq!(to_markdown(raw, &Known), "> **@old_name** [wrote](/p/102):\n> Is it your back or your shoulders?\n\nMy shoulders, @old name is right.");
        let elsewhere = "[quote=\"ann, post:2, topic:99\"]\nfrom another topic\n[/quote]";
        assert_eq!(to_markdown(elsewhere, &Known), "> **@ann** wrote:\n> from another topic");
    }

    #[test]
    fn nested_quotes_stay_nested() {
        let raw = "[quote=\"bob, post:3, topic:7\"]\n[quote=\"ann, post:1, topic:7\"]\nfirst\n[/quote]\nsecond\n[/quote]\nthird";
        assert_eq!(to_markdown(raw, &Known), "> **@bob** [wrote](/p/103):\n> > **@ann** [wrote](/p/101):\n> > first\n>\n> second\n\nthird");
    }

    #[test]
    fn uploads_say_what_they_were() {
        let raw = "Look ![my shoe|690x388](upload://a1b2.jpeg) and [plan.pdf|attachment](upload://c3.pdf) ok";
        assert_eq!(
            to_markdown(raw, &Known),
            "Look *(a picture from the old forum, not brought over: my shoe)* and *(an attachment from the old forum, not brought over: plan.pdf)* ok"
        );
    }
}
