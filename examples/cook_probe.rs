use std::collections::HashMap;
use std::time::Instant;
fn main() {
    let n = 31_990;
    let cases: Vec<(&str, String)> = vec![
        ("blockquotes", ">".repeat(n)),
        ("blockquotes spaced", "> ".repeat(n / 2)),
        ("list markers", "- ".repeat(n / 2)),
        ("ordered markers", "1. ".repeat(n / 3)),
        ("indented lists", (0..250).map(|i| format!("{}- x\n", " ".repeat(i * 2))).collect()),
        ("emphasis", "*a ".repeat(n / 3)),
        ("strong", "**a".repeat(n / 3)),
        ("brackets", "[".repeat(n)),
        ("links", "[a](".repeat(n / 4)),
        ("backticks", "`a".repeat(n / 2)),
        ("mentions", "@ab ".repeat(n / 4)),
        ("table", format!("|a|b|\n|-|-|\n{}", "|x|y|\n".repeat(n / 6))),
        ("html", "<div>".repeat(n / 5)),
        ("quotes lines", "> a\n".repeat(n / 4)),
        ("nested quote lines", (1..200).map(|i| format!("{} a\n", ">".repeat(i))).collect()),
        ("autolink", "www.a.b ".repeat(n / 8)),
        ("entities", "&amp;".repeat(n / 5)),
    ];
    let members = HashMap::new();
    for (name, text) in cases {
        let t = Instant::now();
        let candidates = jogette::domain::markdown::mention_candidates(&text);
        let r = jogette::domain::markdown::render(&text, &members);
        println!("{name:22} {:>5} chars {:>8.1} ms (html {} bytes, {} candidates)", text.chars().count(), t.elapsed().as_secs_f64() * 1000.0, r.html.len(), candidates.len());
    }
}
