//! Progress of long commands (imports, `demo --scale`) on standard error: a
//! bar with rate and time left on a terminal, plain periodic lines otherwise
//! (logs, CI), so nothing fills a log with carriage returns.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Bar {
    unit: &'static str,
    started: Instant,
    last_shown: Option<Instant>,
    terminal: bool,
    done: u64,
    total: u64,
    shown: Option<u64>,
}

impl Bar {
    pub fn new(unit: &'static str) -> Bar {
        Bar { unit, started: Instant::now(), last_shown: None, terminal: std::io::stderr().is_terminal(), done: 0, total: 0, shown: None }
    }

    /// `done` of `total` so far; drawn at most a few times a second on a
    /// terminal, every ten seconds otherwise.
    pub fn show(&mut self, done: u64, total: u64) {
        (self.done, self.total) = (done, total);
        let every = if self.terminal { Duration::from_millis(200) } else { Duration::from_secs(10) };
        if self.last_shown.is_some_and(|at| at.elapsed() < every) && done < total {
            return;
        }
        self.last_shown = Some(Instant::now());
        self.shown = Some(done);
        let line = line(self.unit, done, total, self.started.elapsed());
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal { write!(err, "\r{line}\x1b[K") } else { writeln!(err, "{line}") };
        let _ = err.flush();
    }

    /// The last figures, and a new line after the bar.
    pub fn finish(&mut self) {
        if self.shown != Some(self.done) {
            self.last_shown = None;
            self.show(self.done, self.total);
        }
        if self.terminal {
            eprintln!();
        }
    }
}

/// `[#########-----------]  45%  450,000/1,000,000 posts  12,345/s  0:45 left`
pub fn line(unit: &str, done: u64, total: u64, elapsed: Duration) -> String {
    const WIDTH: u64 = 24;
    let fraction = if total == 0 { 1.0 } else { (done as f64 / total as f64).min(1.0) };
    let filled = (fraction * WIDTH as f64).round() as u64;
    let bar: String = (0..WIDTH).map(|i| if i < filled { '#' } else { '-' }).collect();
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 { done as f64 / seconds } else { 0.0 };
    let left = if rate > 0.0 && total > done { clock(((total - done) as f64 / rate) as u64) } else { "0:00".into() };
    format!(
        "[{bar}] {:>3}%  {}/{} {unit}  {}/s  {left} left",
        (fraction * 100.0).floor() as u64,
        thousands(done),
        thousands(total),
        thousands(rate as u64)
    )
}

fn clock(seconds: u64) -> String {
    if seconds >= 3600 { format!("{}:{:02}:{:02}", seconds / 3600, seconds % 3600 / 60, seconds % 60) } else { format!("{}:{:02}", seconds / 60, seconds % 60) }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_says_how_far_how_fast_and_how_long_is_left() {
        assert_eq!(
            line("posts", 450_000, 1_000_000, Duration::from_secs(36)),
            "[###########-------------]  45%  450,000/1,000,000 posts  12,500/s  0:44 left"
        );
        assert_eq!(line("posts", 0, 0, Duration::ZERO), "[########################] 100%  0/0 posts  0/s  0:00 left");
    }
}
