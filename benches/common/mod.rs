//! What every benchmark shares: timing an operation many times, and its percentiles.

use std::time::{Duration, Instant};

pub struct Percentiles {
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
}

pub fn percentiles(mut times: Vec<Duration>) -> Percentiles {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    Percentiles { p50: at(0.50), p95: at(0.95), p99: at(0.99) }
}

pub async fn measure<F, Fut>(rounds: usize, mut op: F) -> Percentiles
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let start = Instant::now();
        op(i).await;
        times.push(start.elapsed());
    }
    percentiles(times)
}

/// The store a URL names, and any settings it gives it (`options=-c%20…`).
pub fn store_name(url: &str) -> String {
    let mut name = url.split("://").next().unwrap_or(url).to_owned();
    if let Some(options) = url.split(['?', '&']).find_map(|p| p.strip_prefix("options=")) {
        name = format!("{name} ({})", options.replace("%20", " ").replace("%3D", "="));
    }
    name
}

/// `{p50} {p95} {p99} ×{ratio to the baseline's p50}`, aligned.
pub fn row(what: &str, p: &Percentiles, baseline: &Percentiles) -> String {
    format!("  {what:<34} {:>9.2?} {:>9.2?} {:>9.2?}   ×{:.2}", p.p50, p.p95, p.p99, p.p50.as_secs_f64() / baseline.p50.as_secs_f64())
}
