//! One typed configuration, filled from flags and their environment twins.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub db: String,
    pub listen: String,
    pub demo: bool,
    pub rate_limits: RateLimits,
    /// Mark cookies `Secure`; on whenever Jogette is served over HTTPS.
    pub secure_cookies: bool,
    /// Which signposting text to show: `uk` (999 / NHS 111 / GP) or `us`.
    pub locale: String,
    /// A rules file to use instead of the built-in safety rules.
    pub safety_rules: Option<std::path::PathBuf>,
    /// A PostgreSQL streaming replica for read-only queries.
    pub db_replica: Option<String>,
    /// How often an idle live-update stream sends a comment, so that proxies
    /// (which often drop connections idle for 60 s) and browsers keep it open.
    pub sse_keep_alive: Duration,
    /// Where members reach the forum (`https://forum.example.org`), for links
    /// in email and feeds; without it, `http://` and the listen address.
    pub public_url: Option<String>,
    /// The SMTP server mail goes through (`smtp://host:25`,
    /// `smtp://user:pass@host:587?tls=required`, `smtps://host:465`); no mail
    /// is sent without it, and it waits in the outbox.
    pub smtp_url: Option<String>,
    /// Who mail comes from.
    pub mail_from: String,
    /// How long a reply or mention waits to be seen on the site before it is emailed.
    pub email_away_delay: Duration,
    /// How often the mailer looks for due mail (digests, retries, other
    /// nodes' messages) when nothing wakes it sooner.
    pub mailer_poll: Duration,
    /// How long after a failed send the first retry comes; each later one waits twice as long.
    pub mail_retry_after: Duration,
    /// How long a node holds a message it claimed: a node that dies while
    /// sending leaves the message to any node once this lapses.
    pub mail_lease: Duration,
    /// A connection must send its request headers within this, and may idle
    /// between requests no longer.
    pub header_timeout: Duration,
    /// A request must be read and answered within this (event streams
    /// answer at once, then stream).
    pub request_timeout: Duration,
    /// Connections open at once; further ones are closed as they come.
    pub max_connections: usize,
    /// The operator's defaults for the community's words (TOML).
    pub site_file: Option<std::path::PathBuf>,
}

impl Config {
    /// The forum's address for links that leave the site, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if self.listen.contains("://") => self.listen.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            db: "sqlite://jogette.db".into(),
            listen: "127.0.0.1:8080".into(),
            demo: false,
            rate_limits: RateLimits::default(),
            secure_cookies: false,
            locale: "uk".into(),
            safety_rules: None,
            db_replica: None,
            sse_keep_alive: Duration::from_secs(15),
            public_url: None,
            smtp_url: None,
            mail_from: "Jogette <noreply@localhost>".into(),
            email_away_delay: Duration::from_millis(crate::domain::notify::AWAY_AFTER_MS as u64),
            mailer_poll: Duration::from_secs(30),
            mail_retry_after: Duration::from_secs(60),
            mail_lease: Duration::from_secs(120),
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 10_000,
            site_file: None,
        }
    }
}

/// A burst of `burst` actions, refilled evenly over `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub burst: u32,
    pub per: Duration,
}

/// Limits per client address (login, registration) or per member (posting).
/// `None` turns a limit off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    pub login: Option<Rule>,
    pub register: Option<Rule>,
    /// Per member.
    pub post: Option<Rule>,
    /// Per client address, across every member posting from it.
    pub post_address: Option<Rule>,
    /// Per member, and per address.
    pub flag: Option<Rule>,
    /// The safety check the composer calls as people type.
    pub safety: Option<Rule>,
    /// Account mail (confirmation links, password resets): per member,
    /// address and account asked about.
    pub email: Option<Rule>,
    /// Editing posts, per member: each edit is cooked and kept as a revision.
    pub edit: Option<Rule>,
    /// The composer's preview, per member: each one cooks the draft.
    pub preview: Option<Rule>,
    /// Pictures uploaded, per member: each is decoded and re-encoded.
    pub upload: Option<Rule>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            login: Some(Rule { burst: 10, per: Duration::from_secs(60) }),
            register: Some(Rule { burst: 5, per: Duration::from_secs(3600) }),
            post: Some(Rule { burst: 20, per: Duration::from_secs(60) }),
            post_address: Some(Rule { burst: 60, per: Duration::from_secs(60) }),
            flag: Some(Rule { burst: 20, per: Duration::from_secs(3600) }),
            safety: Some(Rule { burst: 60, per: Duration::from_secs(60) }),
            email: Some(Rule { burst: 5, per: Duration::from_secs(3600) }),
            edit: Some(Rule { burst: 10, per: Duration::from_secs(60) }),
            preview: Some(Rule { burst: 30, per: Duration::from_secs(60) }),
            upload: Some(Rule { burst: 30, per: Duration::from_secs(3600) }),
        }
    }
}

impl RateLimits {
    pub fn off() -> Self {
        RateLimits { login: None, register: None, post: None, post_address: None, flag: None, safety: None, email: None, edit: None, preview: None, upload: None }
    }

    /// Parses `off`, or overrides such as `login=10/60s,register=5/1h,post=off`;
    /// limits not named keep their defaults.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("off") {
            return Ok(Self::off());
        }
        let mut limits = Self::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').ok_or_else(|| format!("expected NAME=N/PERIOD in {part:?}"))?;
            let rule = if value == "off" { None } else { Some(parse_rule(value)?) };
            match name {
                "login" => limits.login = rule,
                "register" => limits.register = rule,
                "post" => limits.post = rule,
                "post-address" => limits.post_address = rule,
                "flag" => limits.flag = rule,
                "safety" => limits.safety = rule,
                "email" => limits.email = rule,
                "edit" => limits.edit = rule,
                "preview" => limits.preview = rule,
                "upload" => limits.upload = rule,
                other => return Err(format!("unknown rate limit {other:?}: use login, register, post, post-address, flag, safety, email, edit, preview or upload")),
            }
        }
        Ok(limits)
    }
}

fn parse_rule(value: &str) -> Result<Rule, String> {
    let (burst, period) = value.split_once('/').ok_or_else(|| format!("expected N/PERIOD, got {value:?}"))?;
    let burst: u32 = burst.parse().map_err(|_| format!("{burst:?} is not a count"))?;
    let (digits, unit) = period.split_at(period.find(|c: char| !c.is_ascii_digit()).unwrap_or(period.len()));
    let n: u64 = digits.parse().map_err(|_| format!("{period:?} is not a period such as 60s or 1h"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("unknown unit in {period:?}: use s, m or h")),
    };
    if burst == 0 || seconds == 0 {
        return Err(format!("{value:?} would block everything; use off instead"));
    }
    Ok(Rule { burst, per: Duration::from_secs(seconds) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_parse_off_and_overrides() {
        assert_eq!(RateLimits::parse("off").unwrap(), RateLimits::off());
        let l = RateLimits::parse("login=3/1m, post=off").unwrap();
        assert_eq!(l.login, Some(Rule { burst: 3, per: Duration::from_secs(60) }));
        assert_eq!(l.post, None);
        assert_eq!(l.register, RateLimits::default().register);
        assert!(RateLimits::parse("login=0/1s").is_err());
        assert!(RateLimits::parse("search=1/1s").is_err());
    }
}
