//! phpBB 3.2 and later: posts stored as s9e TextFormatter XML. `<t>` holds
//! plain text, `<r>` rich text whose elements keep the BBCode as typed in
//! `<s>` and `<e>` children (`<B><s>[b]</s>bold<e>[/b]</e></B>`).

use super::Lookup;
use super::text::{Node, Tag, markdown, unescape};
use std::collections::HashMap;

/// Jogette Markdown for a phpBB 3.2+ post's text.
pub fn to_markdown(stored: &str, lookup: &dyn Lookup) -> String {
    markdown(&parse(stored), lookup)
}

/// The source keys of the posts a post quotes, in order.
pub fn quoted_posts(stored: &str) -> Vec<String> {
    let mut found = Vec::new();
    collect_quotes(&parse(stored), &mut found);
    found
}

fn collect_quotes(nodes: &[Node], found: &mut Vec<String>) {
    for node in nodes {
        if let Node::Element(tag, children) = node {
            if let Tag::Quote { post: Some(post), .. } = tag {
                found.push(post.clone());
            }
            collect_quotes(children, found);
        }
    }
}

struct Open {
    name: String,
    tag: Option<Tag>,
    children: Vec<Node>,
}

fn tag_for(name: &str, attributes: &HashMap<String, String>) -> Option<Tag> {
    let attribute = |key: &str| attributes.get(key).filter(|v| !v.is_empty()).cloned();
    Some(match name {
        // The BBCode as typed, and whitespace the formatter ignored: not shown.
        "s" | "e" | "i" => return None,
        "B" => Tag::Bold,
        "I" | "U" => Tag::Italic,
        "S" | "STRIKE" => Tag::Strike,
        "QUOTE" => Tag::Quote { author: attribute("author"), post: attribute("post_id") },
        "URL" => Tag::Link { href: attribute("url") },
        "EMAIL" => Tag::Email { address: attribute("email") },
        "LIST" => Tag::List { ordered: attribute("type").is_some_and(|t| t != "disc" && t != "circle" && t != "square") },
        "LI" => Tag::Item,
        "CODE" => Tag::Code,
        "IMG" => Tag::Image { src: attribute("src") },
        _ => Tag::Plain,
    })
}

/// Attributes of a start tag's inside (`QUOTE author="ann" post_id="3"`).
fn attributes(inside: &str) -> HashMap<String, String> {
    let mut found = HashMap::new();
    let mut rest = inside;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].rsplit(char::is_whitespace).next().unwrap_or("").to_owned();
        let value_start = eq + 2;
        let Some(len) = rest[value_start..].find('"') else { break };
        found.insert(name, unescape(&rest[value_start..value_start + len]));
        rest = &rest[value_start + len + 1..];
    }
    found
}

fn parse(xml: &str) -> Vec<Node> {
    let mut stack = vec![Open { name: String::new(), tag: Some(Tag::Plain), children: Vec::new() }];
    let close_top = |stack: &mut Vec<Open>| {
        let open = stack.pop().expect("only opened elements are closed");
        // An element that isn't shown takes its text with it.
        if let Some(tag) = open.tag {
            stack.last_mut().expect("the root stays").children.push(Node::Element(tag, open.children));
        }
    };
    let mut rest = xml;
    while !rest.is_empty() {
        let Some(at) = rest.find('<') else {
            stack.last_mut().expect("the root stays").children.push(Node::Text(unescape(rest)));
            break;
        };
        if at > 0 {
            stack.last_mut().expect("the root stays").children.push(Node::Text(unescape(&rest[..at])));
        }
        let Some(end) = rest[at..].find('>') else { break };
        let inside = &rest[at + 1..at + end];
        rest = &rest[at + end + 1..];
        if let Some(name) = inside.strip_prefix('/') {
            if let Some(depth) = stack.iter().rposition(|o| o.name == name.trim()) {
                while stack.len() > depth {
                    close_top(&mut stack);
                }
            }
            continue;
        }
        let self_closing = inside.ends_with('/');
        let inside = inside.trim_end_matches('/');
        let name = inside.split_whitespace().next().unwrap_or("");
        match name {
            // A line break is stored as `<br/>` before the newline itself.
            "br" => {
                if !rest.starts_with('\n') {
                    stack.last_mut().expect("the root stays").children.push(Node::Text("\n".into()));
                }
            }
            "p" if !self_closing => {
                stack.last_mut().expect("the root stays").children.push(Node::Text("\n\n".into()));
            }
            "p" | "r" | "t" => {}
            _ => {
                let tag = tag_for(name, &attributes(inside));
                if self_closing {
                    if let Some(tag) = tag {
                        stack.last_mut().expect("the root stays").children.push(Node::Element(tag, Vec::new()));
                    }
                } else {
                    stack.push(Open { name: name.to_owned(), tag, children: Vec::new() });
                }
            }
        }
    }
    while stack.len() > 1 {
        close_top(&mut stack);
    }
    stack.pop().map(|root| root.children).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::tests::Known;
    use super::*;

    fn md(stored: &str) -> String {
        to_markdown(stored, &Known)
    }

    #[test]
    fn plain_text_keeps_its_lines_and_characters() {
        assert_eq!(md("<t>Week 5 &amp; day 3<br/>\nstill &lt;3 it</t>"), "Week 5 & day 3\nstill \\<3 it");
    }

    #[test]
    fn formatting_drops_the_typed_bbcode() {
        assert_eq!(md("<r><B><s>[b]</s>Graduate<e>[/b]</e></B> at last <E>:)</E></r>"), "**Graduate** at last :)");
    }

    #[test]
    fn quotes_point_at_the_post_they_came_from_and_nest() {
        let stored = "<r><QUOTE author=\"old name\" post_id=\"3\" time=\"1500000000\" user_id=\"2\"><s>[quote=\"old name\" post_id=3]</s>\
                      <QUOTE author=\"ann\"><s>[quote=ann]</s>Back or shoulders?<e>[/quote]</e></QUOTE>\nShoulders.<e>[/quote]</e></QUOTE>\nThanks!</r>";
        assert_eq!(md(stored), "> **@old_name** [wrote](/p/103):\n> > **@ann** wrote:\n> > Back or shoulders?\n>\n> Shoulders.\n\nThanks!");
        assert_eq!(quoted_posts(stored), ["3"]);
    }

    #[test]
    fn lists_links_and_images_come_through() {
        let stored = "<r><LIST type=\"decimal\"><s>[list=1]</s><LI><s>[*]</s>warm up</LI><LI><s>[*]</s>run <URL url=\"https://www.nhs.uk/c25k\"><s>[url=https://www.nhs.uk/c25k]</s>the plan<e>[/url]</e></URL></LI><e>[/list]</e></LIST>\
                      <URL url=\"http://example.com/a?b=1&amp;c=2\">http://example.com/a?b=1&amp;c=2</URL> <IMG src=\"https://example.com/shoe.jpg\"><s>[img]</s>https://example.com/shoe.jpg<e>[/img]</e></IMG></r>";
        assert_eq!(md(stored), "1. warm up\n2. run [the plan](<https://www.nhs.uk/c25k>)\n\n<http://example.com/a?b=1&c=2> ![](<https://example.com/shoe.jpg>)");
    }

    #[test]
    fn code_is_fenced() {
        assert_eq!(md("<r><CODE><s>[code]</s>for i in 1..9 { run() }<e>[/code]</e></CODE></r>"), "```\nfor i in 1..9 { run() }\n```");
    }
}
