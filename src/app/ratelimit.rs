//! Token-bucket rate limits, kept in this process's memory.
//!
//! With several app nodes each node counts on its own, so a client spread over
//! N nodes gets up to N times the limit; that is accepted (see OPERATIONS.md)
//! because sharing counters would put a database write on every login attempt.

use super::Error;
use crate::config::Rule;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Past this many tracked clients, full (idle) buckets are forgotten.
const MAX_TRACKED: usize = 50_000;

#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<(&'static str, String), Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// Takes one action from `key`'s bucket for `limit`, or says how long to wait.
    pub fn check(&self, limit: &'static str, rule: Option<Rule>, key: &str) -> Result<(), Error> {
        let Some(rule) = rule else { return Ok(()) };
        let burst = f64::from(rule.burst);
        let per_second = burst / rule.per.as_secs_f64();
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.updated).as_secs_f64() * per_second < burst);
        }
        let bucket = buckets.entry((limit, key.to_owned())).or_insert(Bucket { tokens: burst, updated: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let retry_after = ((1.0 - bucket.tokens) / per_second).ceil().max(1.0) as u64;
            Err(Error::RateLimited { retry_after })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_is_allowed_then_refused_with_a_wait() {
        let limiter = RateLimiter::default();
        let rule = Some(Rule { burst: 3, per: Duration::from_secs(60) });
        for _ in 0..3 {
            assert!(limiter.check("login", rule, "1.2.3.4").is_ok());
        }
        match limiter.check("login", rule, "1.2.3.4") {
            Err(Error::RateLimited { retry_after }) => assert!((1..=20).contains(&retry_after)),
            other => panic!("expected a rate limit, got {other:?}"),
        }
        assert!(limiter.check("login", rule, "5.6.7.8").is_ok(), "other clients are unaffected");
        assert!(limiter.check("post", rule, "1.2.3.4").is_ok(), "other limits are unaffected");
        assert!(limiter.check("login", None, "1.2.3.4").is_ok(), "an absent rule never limits");
    }
}
