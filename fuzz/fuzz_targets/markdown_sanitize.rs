//! Whatever is written, the cooked HTML holds no script-capable markup: no
//! element outside the allow-list, no event handler or style attribute, and
//! no link or image whose address could run script. (The words
//! "javascript:" may appear as text: text never runs.)
#![no_main]
use libfuzzer_sys::fuzz_target;

const ALLOWED: &[&str] = &[
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "strong", "em", "del", "code", "pre", "a",
    "img", "table", "thead", "tbody", "tr", "th", "td",
];

/// An attribute value as a browser reads it: entities decoded, controls and spaces dropped.
fn decoded(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let end = tail.find(';').unwrap_or(0);
        let entity = &tail[1..end.max(1)];
        let c = match entity {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16).ok().and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match (c, end) {
            (Some(c), end) if end > 0 => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect::<String>().to_ascii_lowercase()
}

fuzz_target!(|text: &str| {
    let html = jogette::domain::markdown::render(text, &Default::default()).html;
    let mut rest = html.as_str();
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>').unwrap_or(after.len());
        let tag = &after[..close];
        rest = &after[close.min(after.len())..];
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
        assert!(ALLOWED.contains(&name.as_str()), "<{name}> in {html}");
        // Attributes: name="value", values quoted by the serializer.
        let mut attrs = &tag[name.len().min(tag.len())..];
        while let Some(eq) = attrs.find("=\"") {
            let attr = attrs[..eq].trim().to_ascii_lowercase();
            let value_start = eq + 2;
            let value_end = attrs[value_start..].find('"').map_or(attrs.len(), |e| value_start + e);
            let value = decoded(&attrs[value_start..value_end]);
            assert!(!attr.starts_with("on") && attr != "style" && attr != "srcdoc", "{attr} in {html}");
            if attr == "href" || attr == "src" {
                for scheme in ["javascript:", "vbscript:", "data:"] {
                    assert!(!value.starts_with(scheme), "{attr}={value} in {html}");
                }
            }
            attrs = &attrs[(value_end + 1).min(attrs.len())..];
        }
    }
});
