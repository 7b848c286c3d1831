//! Reading a plan file (TOML): weeks of runs, each run a warm-up, run and
//! walk segments, and a cool-down, with the coach's tips at set moments.
//! Every error names its line, column and reason, so an admin can fix the
//! file they uploaded.

use super::{Moment, Plan, PlanRun, RunCode, Segment, SegmentKind, Tip, Week};
use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;

/// The most weeks, runs a week, and seconds a segment may have: bounds that
/// no real plan reaches, so a typo can't build something absurd.
const MAX_WEEKS: usize = 52;
const MAX_RUNS_PER_WEEK: i64 = 7;
const MAX_SEGMENT_SECONDS: u32 = 3 * 3600;
const MAX_SEGMENTS: usize = 200;
const MAX_TIP_CHARS: usize = 300;

/// What is wrong with a plan file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub line: usize,
    pub column: usize,
    pub reason: String,
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.reason)
    }
}

impl std::error::Error for PlanError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    id: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    summary: String,
    /// What badges start with ("10K " gives "10K W2R1").
    #[serde(default)]
    badge: Option<Spanned<String>>,
    /// Finishing the last run makes a member a Graduate.
    #[serde(default)]
    graduates: bool,
    runs_per_week: Option<Spanned<i64>>,
    warm_up: Option<Spanned<String>>,
    cool_down: Option<Spanned<String>>,
    weeks: Spanned<Vec<Spanned<WeekFile>>>,
    #[serde(default)]
    tips: Vec<Spanned<TipFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WeekFile {
    runs: Option<Spanned<i64>>,
    session: Option<Spanned<String>>,
    sessions: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TipFile {
    at: Spanned<String>,
    say: Spanned<String>,
    weeks: Option<Spanned<Vec<i64>>>,
    runs: Option<Spanned<Vec<i64>>>,
}

/// Byte offsets into the file, turned into lines and columns on error.
struct Source<'a> {
    text: &'a str,
}

impl Source<'_> {
    fn error(&self, at: usize, reason: impl Into<String>) -> PlanError {
        let mut at = at.min(self.text.len());
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        PlanError { line, column, reason: reason.into() }
    }

    fn at<T>(&self, value: &Spanned<T>, reason: impl Into<String>) -> PlanError {
        self.error(value.span().start, reason)
    }

    /// Where the `offset`-th byte of a string value's text is in the file:
    /// exact for a plain string, else the string's start.
    fn inside(&self, value: &Spanned<String>, offset: usize) -> usize {
        let Range { start, end } = value.span();
        let raw = self.text.get(start..end).unwrap_or("");
        let quote = raw.chars().next().filter(|c| *c == '"' || *c == '\'');
        match quote {
            Some(q) if raw.len() >= 2 && &raw[1..raw.len() - 1] == value.get_ref().as_str() && !raw.starts_with(&format!("{q}{q}{q}")) => {
                start + 1 + offset
            }
            _ => start,
        }
    }
}

/// Reads a plan file, or says what is wrong and where.
pub fn parse(text: &str) -> Result<Plan, PlanError> {
    let source = Source { text };
    let file: PlanFile = toml::from_str(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        source.error(at, e.message().trim_end_matches('\n').to_owned())
    })?;

    let id = file.id.get_ref().trim();
    if !(2..=40).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(source.at(&file.id, "the id is 2 to 40 lower-case letters, digits and hyphens, such as \"couch-to-5k\""));
    }
    let name = file.name.get_ref().trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(source.at(&file.name, "the name is 1 to 80 characters"));
    }
    if file.summary.chars().count() > 500 {
        return Err(source.error(0, "the summary is at most 500 characters"));
    }
    let badge = match &file.badge {
        Some(b) if b.get_ref().chars().count() > 12 => return Err(source.at(b, "a badge prefix is at most 12 characters")),
        Some(b) => b.get_ref().clone(),
        None => String::new(),
    };
    let runs_per_week = match &file.runs_per_week {
        Some(n) if !(1..=MAX_RUNS_PER_WEEK).contains(n.get_ref()) => {
            return Err(source.at(n, format!("runs_per_week is 1 to {MAX_RUNS_PER_WEEK}")));
        }
        Some(n) => *n.get_ref(),
        None => 3,
    };
    let bookend = |field: &Option<Spanned<String>>| -> Result<u32, PlanError> {
        match field {
            None => Ok(0),
            Some(text) => duration(text.get_ref().trim()).ok_or_else(|| source.at(text, bad_duration(text.get_ref()))),
        }
    };
    let (warm_up, cool_down) = (bookend(&file.warm_up)?, bookend(&file.cool_down)?);

    if file.weeks.get_ref().is_empty() {
        return Err(source.at(&file.weeks, "a plan needs at least one week ([[weeks]])"));
    }
    if file.weeks.get_ref().len() > MAX_WEEKS {
        return Err(source.at(&file.weeks, format!("a plan has at most {MAX_WEEKS} weeks")));
    }
    let mut weeks = Vec::new();
    for (index, week) in file.weeks.get_ref().iter().enumerate() {
        let number = index as u32 + 1;
        let w = week.get_ref();
        let sessions: Vec<&Spanned<String>> = match (&w.session, &w.sessions) {
            (Some(_), Some(list)) => return Err(source.at(list, "give a week either `session` (every run the same) or `sessions`, not both")),
            (None, None) => return Err(source.at(week, format!("week {number} needs a `session`, or `sessions` with one per run"))),
            (Some(one), None) => {
                let runs = match &w.runs {
                    Some(n) if !(1..=MAX_RUNS_PER_WEEK).contains(n.get_ref()) => {
                        return Err(source.at(n, format!("runs is 1 to {MAX_RUNS_PER_WEEK}")));
                    }
                    Some(n) => *n.get_ref(),
                    None => runs_per_week,
                };
                vec![one; runs as usize]
            }
            (None, Some(list)) => {
                if let Some(runs) = &w.runs {
                    return Err(source.at(runs, "`runs` goes with `session`; with `sessions` each run is listed"));
                }
                if list.get_ref().is_empty() || list.get_ref().len() > MAX_RUNS_PER_WEEK as usize {
                    return Err(source.at(list, format!("`sessions` lists 1 to {MAX_RUNS_PER_WEEK} runs")));
                }
                list.get_ref().iter().collect()
            }
        };
        let mut runs = Vec::new();
        for (r, session) in sessions.into_iter().enumerate() {
            let parsed = Session::new(session.get_ref()).read().map_err(|(offset, reason)| source.error(source.inside(session, offset), reason))?;
            if !parsed.iter().any(|s| s.kind == SegmentKind::Run) {
                return Err(source.error(source.inside(session, 0), "a session needs at least one run segment"));
            }
            let mut segments = Vec::with_capacity(parsed.len() + 2);
            if warm_up > 0 {
                segments.push(Segment { kind: SegmentKind::WarmUp, seconds: warm_up });
            }
            segments.extend(parsed);
            if cool_down > 0 {
                segments.push(Segment { kind: SegmentKind::CoolDown, seconds: cool_down });
            }
            runs.push(PlanRun { code: RunCode { week: number, run: r as u32 + 1 }, segments, tips: Vec::new() });
        }
        weeks.push(Week { number, runs });
    }

    for tip in &file.tips {
        let t = tip.get_ref();
        let moment = Moment::parse(t.at.get_ref()).ok_or_else(|| {
            source.at(&t.at, format!("{:?} is not a moment: use start, first run, halfway, last run, cool-down, end, run N, walk N, or a time such as 12:30", t.at.get_ref()))
        })?;
        let say = t.say.get_ref().trim();
        if say.is_empty() || say.chars().count() > MAX_TIP_CHARS {
            return Err(source.at(&t.say, format!("a tip says 1 to {MAX_TIP_CHARS} characters")));
        }
        if let Some(list) = &t.weeks
            && let Some(bad) = list.get_ref().iter().find(|w| !(1..=weeks.len() as i64).contains(w))
        {
            return Err(source.at(list, format!("there is no week {bad}: this plan has {} weeks", weeks.len())));
        }
        let most_runs = weeks.iter().map(|w| w.runs.len()).max().unwrap_or(0) as i64;
        if let Some(list) = &t.runs
            && let Some(bad) = list.get_ref().iter().find(|r| !(1..=most_runs).contains(r))
        {
            return Err(source.at(list, format!("there is no run {bad}: weeks in this plan have at most {most_runs} runs")));
        }
        let in_weeks = t.weeks.as_ref().map(|l| l.get_ref().clone());
        let in_runs = t.runs.as_ref().map(|l| l.get_ref().clone());
        for week in &mut weeks {
            if in_weeks.as_ref().is_some_and(|l| !l.contains(&i64::from(week.number))) {
                continue;
            }
            for run in &mut week.runs {
                if in_runs.as_ref().is_none_or(|l| l.contains(&i64::from(run.code.run))) {
                    run.tips.push(Tip { at: moment, say: say.to_owned() });
                }
            }
        }
    }

    Ok(Plan { id: id.to_owned(), name: name.to_owned(), summary: file.summary.trim().to_owned(), badge, graduates: file.graduates, weeks })
}

fn bad_duration(text: &str) -> String {
    format!("{:?} is not a duration: write minutes and seconds (1:30), seconds (90s) or minutes (5m), up to 3 hours", text.trim())
}

/// A duration: `1:30`, `90s`, `5m`, `5 min`, `2 minutes`. At least a second,
/// at most three hours.
pub(super) fn duration(text: &str) -> Option<u32> {
    let text = text.trim();
    let seconds = if let Some((m, s)) = text.split_once(':') {
        let (m, s) = (m.trim(), s.trim());
        if s.len() != 2 || !m.bytes().all(|b| b.is_ascii_digit()) || !s.bytes().all(|b| b.is_ascii_digit()) || m.is_empty() {
            return None;
        }
        let (m, s): (u32, u32) = (m.parse().ok()?, s.parse().ok()?);
        if s >= 60 {
            return None;
        }
        m.checked_mul(60)?.checked_add(s)?
    } else {
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        let (number, unit) = text.split_at(digits);
        let number: u32 = number.parse().ok()?;
        match unit.trim() {
            "s" | "sec" | "secs" | "second" | "seconds" => number,
            "m" | "min" | "mins" | "minute" | "minutes" => number.checked_mul(60)?,
            _ => return None,
        }
    };
    (1..=MAX_SEGMENT_SECONDS).contains(&seconds).then_some(seconds)
}

/// The little language of a session: `8 x (run 1:00, walk 1:30), run 5:00`.
struct Session<'a> {
    text: &'a str,
    at: usize,
    made: usize,
}

type SessionError = (usize, String);

impl<'a> Session<'a> {
    fn new(text: &'a str) -> Self {
        Session { text, at: 0, made: 0 }
    }

    fn read(mut self) -> Result<Vec<Segment>, SessionError> {
        let segments = self.items()?;
        self.skip_space();
        if self.at < self.text.len() {
            let what = if self.rest().starts_with(')') { "a ')' with no '(' before it".to_owned() } else { format!("unexpected {:?}", self.word()) };
            return Err((self.at, format!("{what}: separate segments with commas, as in \"run 1:00, walk 1:30\"")));
        }
        Ok(segments)
    }

    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn skip_space(&mut self) {
        let trimmed = self.rest().trim_start();
        self.at = self.text.len() - trimmed.len();
    }

    /// The next word, for messages.
    fn word(&self) -> &'a str {
        let rest = self.rest();
        let end = rest.find([',', ' ', '(', ')']).unwrap_or(rest.len()).max(rest.chars().next().map_or(0, char::len_utf8));
        &rest[..end]
    }

    fn items(&mut self) -> Result<Vec<Segment>, SessionError> {
        let mut segments = Vec::new();
        loop {
            self.skip_space();
            segments.extend(self.item()?);
            self.skip_space();
            if self.rest().starts_with(',') {
                self.at += 1;
            } else {
                return Ok(segments);
            }
        }
    }

    fn item(&mut self) -> Result<Vec<Segment>, SessionError> {
        let start = self.at;
        let rest = self.rest();
        if rest.is_empty() {
            return Err((start, "expected a segment such as \"run 1:00\" or \"walk 90s\"".into()));
        }
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let count: usize = rest[..digits].parse().map_err(|_| (start, "that repeat count is too large".to_owned()))?;
            self.at += digits;
            self.skip_space();
            if !(self.rest().starts_with('x') || self.rest().starts_with('×') || self.rest().starts_with('X')) {
                return Err((self.at, format!("expected \"x\" after {count}, as in \"{count} x (run 1:00, walk 1:30)\"")));
            }
            self.at += self.rest().chars().next().map_or(1, char::len_utf8);
            self.skip_space();
            if !self.rest().starts_with('(') {
                return Err((self.at, "expected \"(\": a repeat is written \"8 x (run 1:00, walk 1:30)\"".into()));
            }
            let open = self.at;
            self.at += 1;
            let inner = self.items()?;
            self.skip_space();
            if !self.rest().starts_with(')') {
                return Err((open, "this \"(\" is never closed".into()));
            }
            self.at += 1;
            if count == 0 {
                return Err((start, "a repeat needs a count of at least 1".into()));
            }
            self.made += inner.len() * (count - 1);
            if self.made > MAX_SEGMENTS {
                return Err((start, format!("a run has at most {MAX_SEGMENTS} segments")));
            }
            return Ok(inner.iter().cycle().take(inner.len() * count).cloned().collect());
        }
        let word = self.word();
        let kind = match word.to_ascii_lowercase().as_str() {
            "run" | "jog" => SegmentKind::Run,
            "walk" => SegmentKind::Walk,
            _ => return Err((start, format!("expected run, walk or a repeat such as \"8 x (…)\", not {word:?}"))),
        };
        self.at += word.len();
        self.skip_space();
        let time_start = self.at;
        let end = self.rest().find([',', ')']).unwrap_or(self.rest().len());
        let time = self.rest()[..end].trim_end();
        if time.is_empty() {
            return Err((time_start, format!("how long? Write \"{word} 1:30\", \"{word} 90s\" or \"{word} 5m\"")));
        }
        let seconds = duration(time).ok_or_else(|| (time_start, bad_duration(time)))?;
        self.at = time_start + time.len();
        self.made += 1;
        if self.made > MAX_SEGMENTS {
            return Err((start, format!("a run has at most {MAX_SEGMENTS} segments")));
        }
        Ok(vec![Segment { kind, seconds }])
    }
}
