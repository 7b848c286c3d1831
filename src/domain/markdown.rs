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

/// How deeply quotes and lists may nest. A parser keeps every open container
/// on a stack and checks each line against it, so a line of thousands of `>`
/// costs the square of its length; nobody quotes seventeen levels deep.
pub const MAX_NESTING: usize = 16;

/// `source` with any line's container markers beyond [`MAX_NESTING`] escaped:
/// from there on the line is text (`\>`), not yet another open block.
pub fn limit_nesting(source: &str) -> std::borrow::Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut line_start = 0;
    for line in source.split_inclusive('\n') {
        if let Some(at) = excess_marker(line) {
            let out = out.get_or_insert_with(|| source[..line_start].to_owned());
            out.push_str(&line[..at]);
            out.push('\\');
            out.push_str(&line[at..]);
        } else if let Some(out) = out.as_mut() {
            out.push_str(line);
        }
        line_start += line.len();
    }
    out.map_or(std::borrow::Cow::Borrowed(source), std::borrow::Cow::Owned)
}

/// Where the first container marker past the limit starts in `line`, if any:
/// markers are `>`, and `-`, `*`, `+` or `1.`/`1)` followed by a space, each
/// after at most a few spaces.
fn excess_marker(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let (mut i, mut depth) = (0, 0);
    loop {
        let mut spaces = 0;
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') && spaces < 8 {
            i += 1;
            spaces += 1;
        }
        let marker = match bytes.get(i) {
            Some(b'>') => 1,
            Some(b'-' | b'*' | b'+') if matches!(bytes.get(i + 1), Some(b' ' | b'\t')) => 1,
            Some(b'0'..=b'9') => {
                let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
                match (bytes.get(i + digits), bytes.get(i + digits + 1)) {
                    (Some(b'.' | b')'), Some(b' ' | b'\t')) if digits <= 9 => digits + 1,
                    _ => return None,
                }
            }
            _ => return None,
        };
        depth += 1;
        if depth > MAX_NESTING {
            // Before an ordered marker's dot, so "1." stays readable as "1\.".
            return Some(if marker > 1 { i + marker - 1 } else { i });
        }
        i += marker;
    }
}

/// Lower-cased names written as `@name` outside code and links, for the store
/// to look up before rendering.
pub fn mention_candidates(source: &str) -> Vec<String> {
    let source = limit_nesting(source);
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, &source, &options());
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
    let source = limit_nesting(source);
    let arena = Arena::new();
    let root = comrak::parse_document(&arena, &source, &options());
    let mut mentions = Vec::new();
    for node in mentionable_text_nodes(root) {
        link_mentions(&arena, node, members, &mut mentions);
    }
    for node in root.descendants().filter(|n| matches!(&n.data().value, NodeValue::Image(link) if !super::uploads::is_local_picture(&link.url))) {
        picture_as_link(&arena, node);
    }
    let excerpt = excerpt_of(root);
    let mut html = String::new();
    comrak::format_html(root, &options(), &mut html).expect("writing to a String cannot fail");
    Rendered { html: sanitizer().clean(&html).to_string(), mentions, excerpt }
}

/// A picture from another site becomes a link to it: posts show only pictures
/// uploaded here, so reading a post never tells another site who read it.
fn picture_as_link<'a>(arena: &'a Arena<'a>, node: Node<'a>) {
    let mut data = node.data_mut();
    let NodeValue::Image(link) = &data.value else { return };
    let link = link.clone();
    let host = link.url.split("//").nth(1).and_then(|rest| rest.split(['/', '?', '#']).next()).unwrap_or("another site").to_owned();
    data.value = NodeValue::Link(link);
    drop(data);
    let label = if node.children().next().is_some() { format!(" (a picture on {host})") } else { format!("A picture on {host}") };
    node.append(arena.alloc(NodeValue::Text(label.into()).into()));
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
    let mut text = String::with_capacity(html.len().min(max_chars.saturating_mul(2)));
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
        .set_tag_attribute_value("img", "decoding", "async")
        .attribute_filter(|element, attribute, value| {
            // Belt and braces: `render` already turned other sites' pictures into links.
            (element != "img" || attribute != "src" || super::uploads::is_local_picture(value)).then(|| value.into())
        })
        .strip_comments(true);
        b
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_and_lists_nest_sixteen_deep_and_no_deeper() {
        use super::{MAX_NESTING, limit_nesting};
        assert_eq!(limit_nesting("> a\n>> b\n- c\n1. d"), "> a\n>> b\n- c\n1. d");
        let deep = ">".repeat(40);
        let limited = limit_nesting(&deep);
        assert_eq!(limited, format!("{}\\{}", ">".repeat(MAX_NESTING), ">".repeat(40 - MAX_NESTING)));
        assert_eq!(limit_nesting(&"> ".repeat(20)).matches('\\').count(), 1);
        let mixed = format!("{}1. x", "> - ".repeat(8));
        assert_eq!(limit_nesting(&mixed), format!("{}1\\. x", "> - ".repeat(8)));
        // The rendered depth stops at the limit, and the rest is text.
        let html = super::render(&format!("{} hello", ">".repeat(100)), &Default::default()).html;
        assert_eq!(html.matches("<blockquote>").count(), MAX_NESTING);
        assert!(html.contains("&gt;&gt;") && html.contains("hello"));
    }

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
    fn pictures_uploaded_here_show_and_pictures_from_other_sites_become_links() {
        let local = html("![my route](/uploads/7-0123456789abcdef.jpg)");
        assert!(local.contains("<img src=\"/uploads/7-0123456789abcdef.jpg\" alt=\"my route\"") && local.contains("loading=\"lazy\""), "{local}");
        let pixel = html("![](https://tracker.example/p.gif?u=1) and ![a chart](http://charts.example/c.png)");
        assert!(!pixel.contains("<img"), "{pixel}");
        assert!(pixel.contains("<a href=\"https://tracker.example/p.gif?u=1\" rel=\"nofollow noopener noreferrer ugc\">A picture on tracker.example</a>"), "{pixel}");
        assert!(pixel.contains(">a chart (a picture on charts.example)</a>"), "{pixel}");
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
