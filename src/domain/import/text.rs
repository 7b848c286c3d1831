//! phpBB's two stored-text formats read into one small tree, and that tree
//! written as Jogette's Markdown.

use super::{Lookup, quote};

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(String),
    Element(Tag, Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tag {
    Bold,
    Italic,
    Strike,
    /// `author` as the source wrote it; `post` the quoted post's source key.
    Quote { author: Option<String>, post: Option<String> },
    /// No `href`: the link is its own text.
    Link { href: Option<String> },
    Email { address: Option<String> },
    List { ordered: bool },
    Item,
    Code,
    /// No `src`: the address is its text.
    Image { src: Option<String> },
    /// Colour, size, alignment and tags we don't know: their text is kept.
    Plain,
}

/// The Markdown for `nodes`.
pub fn markdown(nodes: &[Node], lookup: &dyn Lookup) -> String {
    let mut out = String::new();
    write_all(&mut out, nodes, lookup);
    tidy(&out)
}

fn write_all(out: &mut String, nodes: &[Node], lookup: &dyn Lookup) {
    for node in nodes {
        write(out, node, lookup);
    }
}

fn inner(nodes: &[Node], lookup: &dyn Lookup) -> String {
    let mut s = String::new();
    write_all(&mut s, nodes, lookup);
    s
}

/// The characters of an element, with no formatting (code, link addresses).
pub fn plain(nodes: &[Node]) -> String {
    let mut s = String::new();
    for node in nodes {
        match node {
            Node::Text(t) => s.push_str(t),
            Node::Element(_, children) => s.push_str(&plain(children)),
        }
    }
    s
}

fn start_block(out: &mut String) {
    let trimmed = out.trim_end_matches([' ', '\n']).len();
    out.truncate(trimmed);
    if !out.is_empty() {
        out.push_str("\n\n");
    }
}

fn wrap(out: &mut String, mark: &str, text: &str) {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        out.push_str(text);
        return;
    }
    let lead = &text[..text.len() - text.trim_start().len()];
    let trail = &text[text.trim_end().len()..];
    out.push_str(&format!("{lead}{mark}{trimmed}{mark}{trail}"));
}

fn write(out: &mut String, node: &Node, lookup: &dyn Lookup) {
    match node {
        Node::Text(text) => escape_into(out, text),
        Node::Element(tag, children) => match tag {
            Tag::Bold => wrap(out, "**", &inner(children, lookup)),
            Tag::Italic => wrap(out, "*", &inner(children, lookup)),
            Tag::Strike => wrap(out, "~~", &inner(children, lookup)),
            Tag::Plain => write_all(out, children, lookup),
            Tag::Quote { author, post } => {
                start_block(out);
                let author = author.as_deref().map(|a| lookup.username(a));
                let post = post.as_deref().and_then(|key| lookup.post(key));
                out.push_str(&quote(author.as_deref(), post, tidy(&inner(children, lookup)).trim()));
            }
            Tag::Link { href } => {
                let text = inner(children, lookup);
                let href = href.clone().unwrap_or_else(|| plain(children)).trim().to_owned();
                if !is_web_address(&href) {
                    out.push_str(&text);
                } else if text.trim().is_empty() || plain(children).trim() == href {
                    out.push_str(&format!("<{}>", href.replace(['<', '>', ' '], "")));
                } else {
                    out.push_str(&format!("[{}](<{}>)", text.trim(), href.replace(['<', '>'], "")));
                }
            }
            Tag::Email { address } => {
                let address = address.clone().unwrap_or_else(|| plain(children));
                escape_into(out, address.trim());
            }
            Tag::List { ordered } => {
                start_block(out);
                let mut number = 0;
                for child in children {
                    match child {
                        Node::Element(Tag::Item, item) => {
                            number += 1;
                            let marker = if *ordered { format!("{number}. ") } else { "- ".to_owned() };
                            let text = tidy(&inner(item, lookup));
                            let indent = " ".repeat(marker.len());
                            out.push_str(&marker);
                            out.push_str(&text.trim().replace('\n', &format!("\n{indent}")));
                            out.push('\n');
                        }
                        Node::Text(t) if t.trim().is_empty() => {}
                        other => write(out, other, lookup),
                    }
                }
                out.push('\n');
            }
            Tag::Item => write_all(out, children, lookup),
            Tag::Code => {
                start_block(out);
                let code = plain(children);
                let fence = if code.contains("```") { "~~~~" } else { "```" };
                out.push_str(&format!("{fence}\n{}\n{fence}\n\n", code.trim_matches('\n')));
            }
            Tag::Image { src } => {
                let src = src.clone().unwrap_or_else(|| plain(children)).trim().to_owned();
                if is_web_address(&src) {
                    out.push_str(&format!("![](<{}>)", src.replace(['<', '>'], "")));
                }
            }
        },
    }
}

fn is_web_address(href: &str) -> bool {
    let lower = href.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
}

/// Text as Markdown that shows it as written: characters that would start
/// formatting are escaped.
fn escape_into(out: &mut String, text: &str) {
    let at_line_start = |out: &String| out.is_empty() || out.ends_with('\n');
    for c in text.chars() {
        match c {
            '\\' | '*' | '`' | '[' | ']' | '<' | '_' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '>' | '+' | '-' | '=' if at_line_start(out) => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {}
            _ => out.push(c),
        }
    }
}

/// No more than one blank line in a row, none at either end.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.trim_matches('\n').lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_owned()
}

/// The text of HTML-escaped source: `&amp;`, `&lt;`, `&quot;`, `&#58;`…
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let entity = &rest[1..e];
            match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }
            .map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_become_their_characters() {
        assert_eq!(unescape("a &amp; b &lt;3 &quot;x&quot; http&#58;//e&#46;com &#x41; &bogus; & done"), "a & b <3 \"x\" http://e.com A &bogus; & done");
    }

    #[test]
    fn text_that_looks_like_formatting_stays_text() {
        let nodes = vec![Node::Text("2 * 3 = 6, see [1] and <b>\n# not a heading".into())];
        assert_eq!(markdown(&nodes, &super::super::tests::Known), "2 \\* 3 = 6, see \\[1\\] and \\<b>\n\\# not a heading");
    }
}
