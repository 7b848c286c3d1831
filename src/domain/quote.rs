//! Quoting a post into the composer, and reading quotes back out of a body.
//!
//! A quote is ordinary Markdown, so it survives without JavaScript and in any
//! client: an attribution line naming the author and linking the post, then the
//! quoted words as a blockquote.
//!
//! ```text
//! > **@ann** [wrote](/p/101):
//! > My upper back still aches a week later.
//! ```
//!
//! The link is the post's permanent address, so a quote still points to the
//! right post after a moderator splits or merges threads.

use super::mention;

/// Builds the Markdown that pre-fills a reply quoting `body` by `author`.
///
/// With a `selection` that occurs in the body, only that part is quoted (the
/// browser sends what the reader highlighted); otherwise the whole post is.
/// Quotes inside the quoted post are dropped so replies don't nest endlessly.
pub fn compose(author: &str, post_url: &str, body: &str, selection: Option<&str>) -> String {
    let chosen = selection.map(str::trim).filter(|s| !s.is_empty() && body.contains(*s)).unwrap_or(body);
    let mut out = format!("> **@{author}** [wrote]({post_url}):\n");
    // Starting "blank" drops blank lines before the first quoted words.
    let mut previous_blank = true;
    for line in chosen.lines().filter(|l| !l.trim_start().starts_with('>')) {
        let blank = line.trim().is_empty();
        if blank && previous_blank {
            continue;
        }
        previous_blank = blank;
        out.push_str(if blank { ">" } else { "> " });
        out.push_str(line.trim_end());
        out.push('\n');
    }
    while out.ends_with(">\n") {
        out.truncate(out.len() - 2);
    }
    out.push('\n');
    out
}

/// `body` with each link to a post of thread `thread_id` by number
/// (`/t/7/back-pain#p3`, or `/t/7/back-pain?page=2#p23`) replaced by that
/// post's permanent address, for the numbers `moved` knows.
pub fn relink(body: &str, thread_id: i64, moved: &dyn Fn(i64) -> Option<i64>) -> String {
    let prefix = format!("/t/{thread_id}/");
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(&prefix) {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // The link runs to the first character that can't be in it.
        let end = after.find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '>' | ']')).unwrap_or(after.len());
        let link = &after[..end];
        let number = link.rsplit_once("#p").and_then(|(_, n)| n.parse::<i64>().ok());
        match number.and_then(moved) {
            Some(id) => out.push_str(&format!("/p/{id}")),
            None => out.push_str(link),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Usernames whose posts `body` quotes, taken from attribution lines that
/// [`compose`] writes. Used to tell people they were quoted.
pub fn quoted_authors(body: &str) -> Vec<String> {
    let mut authors: Vec<String> = Vec::new();
    for line in body.lines() {
        let Some(rest) = line.trim_start().strip_prefix('>') else { continue };
        let Some(rest) = rest.trim_start().strip_prefix("**") else { continue };
        if let Some(m) = mention::find(rest).into_iter().find(|m| m.range.start == 0)
            && rest[m.range.end..].starts_with("**")
            && !authors.iter().any(|a| a.eq_ignore_ascii_case(m.name))
        {
            authors.push(m.name.to_owned());
        }
    }
    authors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_to_moved_posts_become_permanent() {
        let body = "> **@ann** [wrote](/t/7/back-pain#p3):\n> ouch\n\nSee [this](/t/7/back-pain?page=2#p23) and [that](/t/7/back-pain#p4) and /t/8/x#p3.";
        let moved = |n: i64| match n { 3 => Some(101), 23 => Some(120), _ => None };
        assert_eq!(
            relink(body, 7, &moved),
            "> **@ann** [wrote](/p/101):\n> ouch\n\nSee [this](/p/120) and [that](/t/7/back-pain#p4) and /t/8/x#p3."
        );
    }

    const URL: &str = "/t/7/back-pain-following-run#p1";

    #[test]
    fn quoting_a_whole_post_attributes_and_blockquotes_every_line() {
        let q = compose("ann", URL, "My upper back aches.\n\nWorse on waking.", None);
        assert_eq!(q, format!("> **@ann** [wrote]({URL}):\n> My upper back aches.\n>\n> Worse on waking.\n\n"));
    }

    #[test]
    fn quoting_a_selection_quotes_only_that_part() {
        let q = compose("ann", URL, "Hello all. My upper back aches. Thanks!", Some(" My upper back aches. "));
        assert_eq!(q, format!("> **@ann** [wrote]({URL}):\n> My upper back aches.\n\n"));
    }

    #[test]
    fn a_selection_not_in_the_post_falls_back_to_the_whole_post() {
        let q = compose("ann", URL, "Real words", Some("forged words"));
        assert!(q.contains("> Real words") && !q.contains("forged"));
    }

    #[test]
    fn nested_quotes_are_dropped() {
        let q = compose("bob", URL, "> **@ann** [wrote](/x):\n> old\n\nMy answer", None);
        assert_eq!(q, format!("> **@bob** [wrote]({URL}):\n> My answer\n\n"));
    }

    #[test]
    fn quoted_authors_are_read_back_from_attribution_lines() {
        let body = format!("{}{}I agree", compose("ann", URL, "a", None), compose("Bob.B", URL, "b", None));
        assert_eq!(quoted_authors(&body), ["ann", "Bob.B"]);
        assert!(quoted_authors("> just a quote from @ann").is_empty());
    }

    #[test]
    fn quotes_render_as_blockquotes_with_a_link_to_the_post() {
        let html = super::super::markdown::render(&compose("ann", URL, "aches", None), &Default::default()).html;
        assert!(html.starts_with("<blockquote>"), "{html}");
        assert!(html.contains(&format!("href=\"{URL}\"")));
    }
}
