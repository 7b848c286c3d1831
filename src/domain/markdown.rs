//! Markdown to safe HTML, done once when a post is written ("cook once, read many").
//!
//! comrak parses CommonMark with tables, strikethrough and autolinks and already
//! escapes raw HTML; ammonia then cleans the result against a strict allow-list,
//! so that a bug in either layer alone cannot let script through.

use super::mention;
use comrak::nodes::{NodeLink, NodeValue};
use comrak::{Arena, Node, Options};
use std::collections::HashMap;
use std::sync::OnceLock;

/// A post body, cooked for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    /// Canonical usernames mentioned, in first-mention order, without repeats.
    pub mentions: Vec<String>,
    /// Plain text for reply context and previews, at most [`EXCERPT_CHARS`].
    pub excerpt: String,
}

pub const EXCERPT_CHARS: usize = 160;

fn options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    // People type a line break when they mean one.
    options.render.hardbreaks = true;
    options
}

/// Lower-cased names written as `@name` outside code and links, for the store
/// to look up before rendering.
pub fn mention_candidates(source: &str) -> Vec<String> {
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, source, &options());
    let mut names: Vec<String> = Vec::new();
    for node in mentionable_text_nodes(root) {
        if let NodeValue::Text(text) = &node.data().value {
            for m in mention::find(text) {
                let lower = m.name.to_ascii_lowercase();
                if !names.contains(&lower) {
                    names.push(lower);
                }
            }
        }
    }
    names
}

/// Renders `source`. `members` maps lower-cased names to canonical usernames;
/// a mention of anyone else stays plain text.
pub fn render(source: &str, members: &HashMap<String, String>) -> Rendered {
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, source, &options());
    let mut mentions = Vec::new();
    for node in mentionable_text_nodes(root) {
        link_mentions(&arena, node, members, &mut mentions);
    }
    let excerpt = excerpt_of(root);
    let mut html = String::new();
    comrak::format_html(root, &options(), &mut html).expect("writing to a String cannot fail");
    Rendered { html: sanitizer().clean(&html).to_string(), mentions, excerpt }
}

/// Text nodes where `@name` means a mention: not inside a link (its text is
/// already a link) and not code (code nodes carry their text as a literal).
fn mentionable_text_nodes<'a>(root: Node<'a>) -> Vec<Node<'a>> {
    root.descendants()
        .filter(|node| matches!(node.data().value, NodeValue::Text(_)))
        .filter(|node| {
            !node.ancestors().any(|a| matches!(a.data().value, NodeValue::Link(_) | NodeValue::Image(_)))
        })
        .collect()
}

fn link_mentions<'a>(
    arena: &'a Arena<'a>,
    node: Node<'a>,
    members: &HashMap<String, String>,
    mentions: &mut Vec<String>,
) {
    let text = match &node.data().value {
        NodeValue::Text(text) => text.to_string(),
        _ => return,
    };
    let known: Vec<(std::ops::Range<usize>, &String)> = mention::find(&text)
        .into_iter()
        .filter_map(|m| members.get(&m.name.to_ascii_lowercase()).map(|name| (m.range, name)))
        .collect();
    if known.is_empty() {
        return;
    }
    let mut cursor = 0;
    for (range, username) in known {
        if range.start > cursor {
            node.insert_before(arena.alloc(NodeValue::Text(text[cursor..range.start].to_owned().into()).into()));
        }
        let link = arena.alloc(
            NodeValue::Link(Box::new(NodeLink { url: format!("/u/{username}"), title: String::new() })).into(),
        );
        link.append(arena.alloc(NodeValue::Text(format!("@{username}").into()).into()));
        node.insert_before(link);
        if !mentions.contains(username) {
            mentions.push(username.clone());
        }
        cursor = range.end;
    }
    if cursor < text.len() {
        node.insert_before(arena.alloc(NodeValue::Text(text[cursor..].to_owned().into()).into()));
    }
    node.detach();
}

/// The post's words without markup and without quoted text, cut at a word boundary.
fn excerpt_of<'a>(root: Node<'a>) -> String {
    let mut words = String::new();
    for node in root.descendants() {
        if node.ancestors().any(|a| matches!(a.data().value, NodeValue::BlockQuote)) {
            continue;
        }
        match &node.data().value {
            NodeValue::Text(t) => words.push_str(t),
            NodeValue::Code(c) => words.push_str(&c.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak | NodeValue::Paragraph | NodeValue::Item(_) => {
                words.push(' ')
            }
            _ => {}
        }
    }
    truncate_words(&words.split_whitespace().collect::<Vec<_>>().join(" "), EXCERPT_CHARS)
}

/// Appends `c` to HTML text, escaped.
pub fn push_escaped(html: &mut String, c: char) {
    match c {
        '&' => html.push_str("&amp;"),
        '<' => html.push_str("&lt;"),
        '>' => html.push_str("&gt;"),
        '"' => html.push_str("&quot;"),
        c => html.push(c),
    }
}

/// Plain text as HTML text.
pub fn escape_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len());
    text.chars().for_each(|c| push_escaped(&mut html, c));
    html
}

/// The words of cooked HTML as a reader sees them, without quoted text, cut
/// at a word boundary: for a teaser of a post without parsing its Markdown again.
pub fn text_of_html(html: &str, max_chars: usize) -> String {
    let mut text = String::with_capacity(html.len().min(max_chars * 2));
    let mut rest = html;
    let mut quoted = 0usize;
    while let Some(lt) = rest.find('<') {
        if quoted == 0 {
            text.push_str(&rest[..lt]);
        }
        let Some(gt) = rest[lt..].find('>') else { break };
        let tag = &rest[lt + 1..lt + gt];
        let name = tag.trim_start_matches('/').split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        if name.eq_ignore_ascii_case("blockquote") {
            quoted = if tag.starts_with('/') { quoted.saturating_sub(1) } else { quoted + 1 };
        }
        if matches!(name, "p" | "br" | "li" | "h1" | "h2" | "h3" | "h4" | "tr" | "pre" | "blockquote") {
            text.push(' ');
        }
        rest = &rest[lt + gt + 1..];
    }
    if quoted == 0 {
        text.push_str(rest);
    }
    let text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
    truncate_words(&text.split_whitespace().collect::<Vec<_>>().join(" "), max_chars)
}

pub fn truncate_words(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > max_chars / 2 => &cut[..space],
        _ => &cut,
    };
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static SANITIZER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    SANITIZER.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.add_tags([
            "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "strong",
            "em", "del", "code", "pre", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
        ])
        .add_tag_attributes("a", ["href", "title"])
        .add_tag_attributes("img", ["src", "alt", "title"])
        .add_tag_attributes("ol", ["start"])
        .add_tag_attributes("th", ["align"])
        .add_tag_attributes("td", ["align"])
        .url_schemes(["http", "https", "mailto"].into())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("nofollow noopener noreferrer ugc"))
        .set_tag_attribute_value("img", "loading", "lazy")
        .strip_comments(true);
        b
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(names: &[&str]) -> HashMap<String, String> {
        names.iter().map(|n| (n.to_ascii_lowercase(), n.to_string())).collect()
    }

    fn html(source: &str) -> String {
        render(source, &HashMap::new()).html
    }

    #[test]
    fn renders_commonmark_with_tables_strikethrough_and_autolinks() {
        assert_eq!(html("**strong** and *em*"), "<p><strong>strong</strong> and <em>em</em></p>\n");
        assert!(html("~~walk~~ run").contains("<del>walk</del>"));
        let table = html("| week | runs |\n|---|---:|\n| 1 | 3 |");
        assert!(table.contains("<table>") && table.contains("<td align=\"right\">3</td>"), "{table}");
        let link = html("see https://www.nhs.uk/live-well/exercise/ now");
        assert!(link.contains("<a href=\"https://www.nhs.uk/live-well/exercise/\" rel=\"nofollow noopener noreferrer ugc\">"), "{link}");
    }

    #[test]
    fn single_newlines_are_line_breaks() {
        assert_eq!(html("one\ntwo"), "<p>one<br>\ntwo</p>\n");
    }

    #[test]
    fn raw_html_and_script_are_never_kept() {
        for source in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "![x](javascript:alert(1))",
            "<iframe src=//evil></iframe>",
            "<svg onload=alert(1)>",
        ] {
            let out = html(source).to_ascii_lowercase();
            assert!(!out.contains("<script") && !out.contains("onerror") && !out.contains("javascript:"), "{source} -> {out}");
            assert!(!out.contains("<iframe") && !out.contains("<svg"), "{source} -> {out}");
        }
    }

    #[test]
    fn images_are_lazy_loaded() {
        assert!(html("![route](https://example.com/map.png)").contains("loading=\"lazy\""));
    }

    #[test]
    fn mentions_of_members_become_profile_links_with_canonical_case() {
        let r = render("I agree with @RunningNearBeirut and @nobody", &members(&["runningnearbeirut"]));
        assert!(r.html.contains("<a href=\"/u/runningnearbeirut\" rel=\"nofollow noopener noreferrer ugc\">@runningnearbeirut</a>"), "{}", r.html);
        assert!(r.html.contains("@nobody"));
        assert!(!r.html.contains("/u/nobody"));
        assert_eq!(r.mentions, ["runningnearbeirut"]);
    }

    #[test]
    fn mentions_inside_code_and_links_are_left_alone() {
        let source = "`@bob` and [@bob](https://example.com)\n\n```\n@bob\n```\n";
        assert!(mention_candidates(source).is_empty());
        let r = render(source, &members(&["bob"]));
        assert!(r.mentions.is_empty());
        assert!(!r.html.contains("/u/bob"));
    }

    #[test]
    fn candidates_are_lowercased_and_unique() {
        assert_eq!(mention_candidates("@Bob @bob @ann_x"), ["bob", "ann_x"]);
    }

    #[test]
    fn a_teaser_is_the_text_a_reader_sees_without_quotes() {
        let html = render("> **@ann** [wrote](/p/1):\n> secret\n\nMy *knee* & hip <3, see [this](https://example.com).", &HashMap::new()).html;
        assert_eq!(text_of_html(&html, 250), "My knee & hip <3, see this.");
        assert!(text_of_html(&"<p>word </p>".repeat(100), 250).chars().count() <= 251);
    }

    #[test]
    fn excerpts_are_plain_text_without_quotes() {
        let r = render("> **@ann** wrote:\n> old words\n\nIs it your *back* or your shoulders?", &HashMap::new());
        assert_eq!(r.excerpt, "Is it your back or your shoulders?");
        let long = render(&"word ".repeat(100), &HashMap::new()).excerpt;
        assert!(long.chars().count() <= EXCERPT_CHARS + 1 && long.ends_with('…'));
    }
}
