//! phpBB before 3.2: BBCode stored with the post's uid on every tag
//! (`[b:1a2b3c4d]…[/b:1a2b3c4d]`), the text HTML-escaped, and smilies and
//! automatic links stored as HTML between marker comments
//! (`<!-- s:) -->…<!-- s:) -->`, `<!-- m -->…<!-- m -->`).

use super::Lookup;
use super::text::{Node, Tag, markdown, unescape};

/// Jogette Markdown for a phpBB 3.0/3.1 post's text.
pub fn to_markdown(stored: &str, uid: &str, lookup: &dyn Lookup) -> String {
    markdown(&parse(&unwrap_comments(stored, uid), uid), lookup)
}

/// A title or name as phpBB stores it (HTML-escaped), as text.
pub fn unescaped(stored: &str) -> String {
    unescape(stored)
}

/// Smilies become their text (`:)`); automatic links and addresses become
/// the BBCode they stand for, so one parser reads everything.
fn unwrap_comments(stored: &str, uid: &str) -> String {
    let mut out = String::with_capacity(stored.len());
    let mut rest = stored;
    while let Some(at) = rest.find("<!-- ") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let Some(open_end) = after.find(" -->") else {
            out.push_str(after);
            return out;
        };
        let marker = &after[5..open_end];
        let body_start = open_end + 4;
        let close = format!("<!-- {} -->", marker.split(' ').next().unwrap_or(marker));
        // Smilies close with the same comment as they open; links with the letter.
        let closing = after[body_start..].find(&format!("<!-- {marker} -->")).map(|e| (e, marker.len() + 9)).or_else(|| after[body_start..].find(&close).map(|e| (e, close.len())));
        let Some((body_len, close_len)) = closing else {
            out.push_str(&after[..body_start]);
            rest = &after[body_start..];
            continue;
        };
        let body = &after[body_start..body_start + body_len];
        match marker.chars().next() {
            Some('s') => out.push_str(&attribute(body, "alt").unwrap_or_default()),
            Some('m' | 'w' | 'l') => {
                let href = attribute(body, "href").unwrap_or_default();
                out.push_str(&format!("[url={href}:{uid}]{}[/url:{uid}]", inner_html(body)));
            }
            Some('e') => {
                let text = inner_html(body);
                out.push_str(&format!("[email:{uid}]{text}[/email:{uid}]"));
            }
            _ => out.push_str(body),
        }
        rest = &after[body_start + body_len + close_len..];
    }
    out.push_str(rest);
    out
}

/// An attribute's value in a piece of stored HTML, still escaped.
fn attribute(html: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = html.find(&key)? + key.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// What an `<a>` shows.
fn inner_html(html: &str) -> String {
    let start = html.find('>').map_or(0, |i| i + 1);
    let end = html.rfind("</a>").unwrap_or(html.len()).max(start);
    html[start..end].to_owned()
}

struct Open {
    name: String,
    tag: Tag,
    children: Vec<Node>,
}

fn tag_for(name: &str, value: Option<String>) -> Tag {
    let value = value.map(|v| unescape(&v)).map(|v| v.trim_matches('"').to_owned()).filter(|v| !v.is_empty());
    match name {
        "b" => Tag::Bold,
        "i" | "u" => Tag::Italic,
        "s" | "strike" => Tag::Strike,
        "quote" => Tag::Quote { author: value, post: None },
        "url" => Tag::Link { href: value },
        "email" => Tag::Email { address: value },
        "list" => Tag::List { ordered: value.is_some() },
        "*" => Tag::Item,
        "code" => Tag::Code,
        "img" => Tag::Image { src: value },
        _ => Tag::Plain,
    }
}

/// The tag starting at `text` (`[name=value:uid]` or `[/name:m:uid]`): its
/// length, whether it closes, its name and value.
fn tag_at<'t>(text: &'t str, uid: &str) -> Option<(usize, bool, &'t str, Option<&'t str>)> {
    let suffix = format!(":{uid}]");
    let end = text.find(&suffix)?;
    let inside = &text[1..end];
    if inside.contains(['[', ']', '\n']) && !inside.starts_with("quote=") {
        return None;
    }
    let length = end + suffix.len();
    if let Some(closing) = inside.strip_prefix('/') {
        let name = closing.split(':').next().unwrap_or(closing);
        return Some((length, true, name, None));
    }
    match inside.split_once('=') {
        Some((name, value)) => Some((length, false, name, Some(value))),
        None => Some((length, false, inside, None)),
    }
}

fn parse(text: &str, uid: &str) -> Vec<Node> {
    let mut stack = vec![Open { name: String::new(), tag: Tag::Plain, children: Vec::new() }];
    let mut rest = text;
    let mut pending = String::new();
    let flush = |pending: &mut String, stack: &mut Vec<Open>| {
        if !pending.is_empty() {
            let text = unescape(pending);
            stack.last_mut().expect("the root stays").children.push(Node::Text(text));
            pending.clear();
        }
    };
    let close_top = |stack: &mut Vec<Open>| {
        let open = stack.pop().expect("only opened tags are closed");
        stack.last_mut().expect("the root stays").children.push(Node::Element(open.tag, open.children));
    };
    while let Some(at) = rest.find('[') {
        pending.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some((length, closing, name, value)) = tag_at(rest, uid) else {
            pending.push('[');
            rest = &rest[1..];
            continue;
        };
        flush(&mut pending, &mut stack);
        let name = name.to_ascii_lowercase();
        if closing {
            if let Some(depth) = stack.iter().rposition(|o| o.name == name) {
                while stack.len() > depth {
                    close_top(&mut stack);
                }
            }
        } else {
            // A new item ends the one before it.
            if name == "*" && stack.last().is_some_and(|o| o.name == "*") {
                close_top(&mut stack);
            }
            stack.push(Open { tag: tag_for(&name, value.map(str::to_owned)), name, children: Vec::new() });
        }
        rest = &rest[length..];
    }
    pending.push_str(rest);
    flush(&mut pending, &mut stack);
    while stack.len() > 1 {
        close_top(&mut stack);
    }
    stack.pop().map(|root| root.children).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::tests::Known;
    use super::*;

    const UID: &str = "2h1ntr5c";

    fn md(stored: &str) -> String {
        to_markdown(stored, UID, &Known)
    }

    #[test]
    fn formatting_keeps_its_meaning() {
        assert_eq!(md("[b:2h1ntr5c]Week 3[/b:2h1ntr5c] was [i:2h1ntr5c]hard[/i:2h1ntr5c] &amp; fun"), "**Week 3** was *hard* & fun");
        assert_eq!(md("[color=red:2h1ntr5c]red[/color:2h1ntr5c] [size=150:2h1ntr5c]big[/size:2h1ntr5c]"), "red big");
    }

    #[test]
    fn quotes_nest_and_name_their_authors() {
        let stored = "[quote=&quot;old name&quot;:2h1ntr5c][quote=&quot;ann&quot;:2h1ntr5c]Is it your back?[/quote:2h1ntr5c]My shoulders.[/quote:2h1ntr5c]Then stretch them.";
        assert_eq!(md(stored), "> **@old_name** wrote:\n> > **@ann** wrote:\n> > Is it your back?\n>\n> My shoulders.\n\nThen stretch them.");
    }

    #[test]
    fn lists_become_markdown_lists() {
        let stored = "Try:[list:2h1ntr5c][*:2h1ntr5c]relax the shoulders[/*:m:2h1ntr5c][*:2h1ntr5c]a tennis ball[/*:m:2h1ntr5c][/list:u:2h1ntr5c]\
                      [list=1:2h1ntr5c][*:2h1ntr5c]one[*:2h1ntr5c]two[/list:o:2h1ntr5c]";
        assert_eq!(md(stored), "Try:\n\n- relax the shoulders\n- a tennis ball\n\n1. one\n2. two");
    }

    #[test]
    fn smilies_magic_links_and_escaped_urls_come_through() {
        let stored = "Done <!-- s:) --><img src=\"{SMILIES_PATH}/icon_e_smile.gif\" alt=\":)\" title=\"Smile\" /><!-- s:) --> see \
                      <!-- m --><a class=\"postlink\" href=\"http://www.nhs.uk/c25k?a=1&amp;b=2\">http://www.nhs.uk/c25k?a=1&amp;b=2</a><!-- m --> or \
                      [url=http&#58;//example&#46;com/plan:2h1ntr5c]the plan[/url:2h1ntr5c], mail <!-- e --><a href=\"mailto:coach@example.com\">coach@example.com</a><!-- e -->";
        assert_eq!(md(stored), "Done :) see <http://www.nhs.uk/c25k?a=1&b=2> or [the plan](<http://example.com/plan>), mail coach@example.com");
    }

    #[test]
    fn code_keeps_its_characters_and_stray_brackets_stay_text() {
        assert_eq!(md("[code:2h1ntr5c]pace = 6 * 60[/code:2h1ntr5c][not a tag] [b]no uid[/b]"), "```\npace = 6 * 60\n```\n\n\\[not a tag\\] \\[b\\]no uid\\[/b\\]");
    }

    #[test]
    fn unclosed_tags_close_at_the_end() {
        assert_eq!(md("[b:2h1ntr5c]bold to the end"), "**bold to the end**");
    }
}
