//! Atom feeds (RFC 4287), written by hand: a feed is a short, fixed shape,
//! and writing it here keeps every character's escaping in plain sight.

use super::dates::rfc3339;
use std::fmt::Write;

/// One feed: what it is, where it lives, and its entries, newest first.
#[derive(Debug, Clone)]
pub struct Feed {
    pub title: String,
    /// Absolute: the feed itself, which is also its id.
    pub self_url: String,
    /// Absolute: the page it follows.
    pub page_url: String,
    /// The forum's address, against which links inside posts are resolved.
    pub base: String,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub title: String,
    /// Absolute: the post's address, which is also the entry's id.
    pub url: String,
    pub id: String,
    pub author: String,
    pub author_url: String,
    pub published: i64,
    pub updated: i64,
    /// The post's cooked, sanitised HTML, carried as escaped text.
    pub html: String,
}

/// Text for XML: the five special characters escaped, and the characters
/// XML 1.0 forbids (most control characters) dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

impl Feed {
    /// When anything in it last changed: its newest entry (or the epoch, for an empty feed).
    pub fn updated(&self) -> i64 {
        self.entries.iter().map(|e| e.updated).max().unwrap_or(0)
    }

    pub fn to_xml(&self) -> String {
        let mut x = String::with_capacity(1024 + self.entries.iter().map(|e| e.html.len() + 512).sum::<usize>());
        x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        let _ = writeln!(x, "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"{}/\">", escape(&self.base));
        let _ = writeln!(x, "<title>{}</title>", escape(&self.title));
        let _ = writeln!(x, "<id>{}</id>", escape(&self.self_url));
        let _ = writeln!(x, "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>", escape(&self.self_url));
        let _ = writeln!(x, "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>", escape(&self.page_url));
        let _ = writeln!(x, "<updated>{}</updated>", rfc3339(self.updated()));
        x.push_str("<generator>Jogette</generator>\n");
        for e in &self.entries {
            x.push_str("<entry>\n");
            let _ = writeln!(x, "<title>{}</title>", escape(&e.title));
            let _ = writeln!(x, "<id>{}</id>", escape(&e.id));
            let _ = writeln!(x, "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>", escape(&e.url));
            let _ = writeln!(x, "<published>{}</published>", rfc3339(e.published));
            let _ = writeln!(x, "<updated>{}</updated>", rfc3339(e.updated));
            let _ = writeln!(x, "<author><name>{}</name><uri>{}</uri></author>", escape(&e.author), escape(&e.author_url));
            let _ = writeln!(x, "<content type=\"html\">{}</content>", escape(&e.html));
            x.push_str("</entry>\n");
        }
        x.push_str("</feed>\n");
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_forbidden_characters_dropped() {
        assert_eq!(escape("Tom & Jerry <b>\"hi\" 'x'</b>"), "Tom &amp; Jerry &lt;b&gt;&quot;hi&quot; &apos;x&apos;&lt;/b&gt;");
        assert_eq!(escape("bell\u{7}\tok\u{FFFF}"), "bell\tok");
    }

    #[test]
    fn a_feed_carries_html_as_escaped_text_and_updates_with_its_newest_entry() {
        let entry = Entry {
            title: "Knees & stairs".into(),
            url: "https://f/t/1/knees?page=1#p1".into(),
            id: "https://f/p/1".into(),
            author: "ann".into(),
            author_url: "https://f/u/ann".into(),
            published: 1_000,
            updated: 5_000,
            html: "<p>Ouch <a href=\"/u/bob\">@bob</a></p>".into(),
        };
        let feed = Feed { title: "Latest".into(), self_url: "https://f/feed.atom".into(), page_url: "https://f/".into(), base: "https://f".into(), entries: vec![entry] };
        let xml = feed.to_xml();
        assert!(xml.contains("<title>Knees &amp; stairs</title>"));
        assert!(xml.contains("<content type=\"html\">&lt;p&gt;Ouch &lt;a href=&quot;/u/bob&quot;&gt;@bob&lt;/a&gt;&lt;/p&gt;</content>"));
        assert!(xml.contains("xml:base=\"https://f/\""));
        assert_eq!(feed.updated(), 5_000);
        assert!(!xml.contains("<p>"), "no raw markup outside the escaped content");
    }
}
