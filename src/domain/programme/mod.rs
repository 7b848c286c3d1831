//! The running programme: plans as data (weeks of runs, each a warm-up, run
//! and walk segments and a cool-down, with the coach's tips), where a member
//! stands in one (their badge, weeks done, the next run), what the guided run
//! says and when, a logged run's checks, and the pain log's summaries.
//! Pure: no I/O.

mod plan;

pub use plan::{PlanError, parse};

use super::FieldError;
use serde::Serialize;

/// The plans Jogette ships: the NHS Couch to 5K, and one for graduates.
pub const BUILTIN_PLANS: &[&str] = &[include_str!("plans/couch-to-5k.toml"), include_str!("plans/beyond-5k.toml")];
/// The plan a member follows until they choose another.
pub const DEFAULT_PLAN: &str = "couch-to-5k";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SegmentKind {
    WarmUp,
    Run,
    Walk,
    CoolDown,
}

impl SegmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentKind::WarmUp => "warm-up",
            SegmentKind::Run => "run",
            SegmentKind::Walk => "walk",
            SegmentKind::CoolDown => "cool-down",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SegmentKind::WarmUp => "Warm-up walk",
            SegmentKind::Run => "Run",
            SegmentKind::Walk => "Walk",
            SegmentKind::CoolDown => "Cool-down walk",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub kind: SegmentKind,
    pub seconds: u32,
}

/// When in a run a tip is spoken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    Start,
    FirstRun,
    Halfway,
    LastRun,
    CoolDown,
    End,
    /// The start of the Nth run (or walk) segment, counting from 1.
    Run(u32),
    Walk(u32),
    /// Seconds from the start of the run, warm-up included.
    At(u32),
}

impl Moment {
    fn parse(text: &str) -> Option<Moment> {
        let text = text.trim().to_ascii_lowercase();
        Some(match text.as_str() {
            "start" => Moment::Start,
            "first run" => Moment::FirstRun,
            "halfway" => Moment::Halfway,
            "last run" => Moment::LastRun,
            "cool-down" | "cool down" | "cooldown" => Moment::CoolDown,
            "end" => Moment::End,
            _ => {
                if let Some(n) = text.strip_prefix("run ") {
                    Moment::Run(n.trim().parse().ok().filter(|n| *n >= 1)?)
                } else if let Some(n) = text.strip_prefix("walk ") {
                    Moment::Walk(n.trim().parse().ok().filter(|n| *n >= 1)?)
                } else if text.contains(':') {
                    Moment::At(plan::duration(&text).or((text.trim() == "0:00").then_some(0))?)
                } else {
                    return None;
                }
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tip {
    pub at: Moment,
    pub say: String,
}

/// A run of a plan by week and number: `W5R3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunCode {
    pub week: u32,
    pub run: u32,
}

impl RunCode {
    /// `w5r3` or `W5R3`.
    pub fn parse(text: &str) -> Option<RunCode> {
        let text = text.trim().to_ascii_lowercase();
        let (week, run) = text.strip_prefix('w')?.split_once('r')?;
        let (week, run) = (week.parse().ok()?, run.parse().ok()?);
        (1..=99).contains(&week).then_some(())?;
        (1..=9).contains(&run).then_some(RunCode { week, run })
    }

    /// `w5r3`, for addresses and the API.
    pub fn key(self) -> String {
        format!("w{}r{}", self.week, self.run)
    }
}

impl std::fmt::Display for RunCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "W{}R{}", self.week, self.run)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRun {
    pub code: RunCode,
    pub segments: Vec<Segment>,
    pub tips: Vec<Tip>,
}

/// A segment placed in its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Timed {
    pub kind: SegmentKind,
    pub start: u32,
    pub seconds: u32,
}

/// What the guided run says, `at` seconds from the start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cue {
    pub at: u32,
    pub say: String,
    /// A change of segment: the phone also vibrates.
    pub change: bool,
}

impl PlanRun {
    pub fn total_seconds(&self) -> u32 {
        self.segments.iter().map(|s| s.seconds).sum()
    }

    /// Time spent running, warm-up and walks aside.
    pub fn running_seconds(&self) -> u32 {
        self.segments.iter().filter(|s| s.kind == SegmentKind::Run).map(|s| s.seconds).sum()
    }

    pub fn timeline(&self) -> Vec<Timed> {
        let mut start = 0;
        self.segments
            .iter()
            .map(|s| {
                let timed = Timed { kind: s.kind, start, seconds: s.seconds };
                start += s.seconds;
                timed
            })
            .collect()
    }

    /// "8 × (1 min run, 1½ min walk)"-style words are for people; this says
    /// it plainly: "20 minutes of running" or "8 minutes of running in 8 goes".
    pub fn describe(&self) -> String {
        let runs = self.segments.iter().filter(|s| s.kind == SegmentKind::Run).count();
        let running = spoken(self.running_seconds());
        if runs == 1 { format!("{running} of running without a break") } else { format!("{running} of running in {runs} goes") }
    }

    /// When a moment falls in this run, if it does.
    fn moment(&self, moment: Moment) -> Option<u32> {
        let timeline = self.timeline();
        let total = self.total_seconds();
        let nth = |kind: SegmentKind, n: u32| timeline.iter().filter(|t| t.kind == kind).nth(n as usize - 1).map(|t| t.start);
        match moment {
            Moment::Start => Some(0),
            Moment::FirstRun => nth(SegmentKind::Run, 1),
            Moment::LastRun => timeline.iter().rev().find(|t| t.kind == SegmentKind::Run).map(|t| t.start),
            Moment::Halfway => Some(self.halfway()),
            Moment::CoolDown => timeline.iter().find(|t| t.kind == SegmentKind::CoolDown).map(|t| t.start),
            Moment::End => Some(total),
            Moment::Run(n) => nth(SegmentKind::Run, n),
            Moment::Walk(n) => nth(SegmentKind::Walk, n),
            Moment::At(s) => (s <= total).then_some(s),
        }
    }

    /// Halfway through the session itself: between the warm-up and the cool-down.
    fn halfway(&self) -> u32 {
        let timeline = self.timeline();
        let begin = timeline.iter().find(|t| t.kind != SegmentKind::WarmUp).map_or(0, |t| t.start);
        let end = timeline.iter().find(|t| t.kind == SegmentKind::CoolDown).map_or(self.total_seconds(), |t| t.start);
        begin + (end - begin) / 2
    }

    /// What the guided run says and when: each change of segment, halfway,
    /// the end, and the plan's tips. Cues at the same second are said as one.
    pub fn script(&self, finishes_plan: bool) -> Vec<Cue> {
        let mut cues: Vec<Cue> = Vec::new();
        let timeline = self.timeline();
        for (i, t) in timeline.iter().enumerate() {
            let d = spoken(t.seconds);
            let say = match t.kind {
                SegmentKind::WarmUp => format!("Let's begin with a brisk walk for {d} to warm up."),
                SegmentKind::Run if i == 0 || timeline[i - 1].kind == SegmentKind::WarmUp => format!("Time to run. Run for {d}."),
                SegmentKind::Run => format!("Now run for {d}."),
                SegmentKind::Walk => format!("Now walk for {d}."),
                SegmentKind::CoolDown => format!("Well done. Now walk for {d} to cool down."),
            };
            cues.push(Cue { at: t.start, say, change: true });
        }
        let session = timeline.iter().filter(|t| !matches!(t.kind, SegmentKind::WarmUp | SegmentKind::CoolDown)).map(|t| t.seconds).sum::<u32>();
        if session >= 120 {
            cues.push(Cue { at: self.halfway(), say: "You're halfway through.".into(), change: false });
        }
        let end = if finishes_plan {
            format!("That's {} done, and with it the whole plan. Congratulations!", self.code)
        } else {
            format!("That's {} done. Great work!", self.code)
        };
        cues.push(Cue { at: self.total_seconds(), say: end, change: true });
        for tip in &self.tips {
            if let Some(at) = self.moment(tip.at) {
                cues.push(Cue { at, say: tip.say.clone(), change: false });
            }
        }
        // Stable: at one second, the change comes first, then halfway, then tips.
        cues.sort_by_key(|c| c.at);
        let mut merged: Vec<Cue> = Vec::with_capacity(cues.len());
        for cue in cues {
            match merged.last_mut() {
                Some(last) if last.at == cue.at => {
                    last.say.push(' ');
                    last.say.push_str(&cue.say);
                    last.change |= cue.change;
                }
                _ => merged.push(cue),
            }
        }
        merged
    }
}

/// A duration as the coach says it: "60 seconds", "90 seconds", "2 minutes", "2 and a half minutes".
pub fn spoken(seconds: u32) -> String {
    let (m, s) = (seconds / 60, seconds % 60);
    let plural = |n: u32, one: &str, many: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {many}") };
    if seconds <= 90 || (seconds < 180 && s % 30 != 0) {
        plural(seconds, "second", "seconds")
    } else if s == 0 {
        plural(m, "minute", "minutes")
    } else if s == 30 {
        format!("{m} and a half minutes")
    } else {
        format!("{} and {}", plural(m, "minute", "minutes"), plural(s, "second", "seconds"))
    }
}

/// `1:30`, `20:00`.
pub fn clock(seconds: u32) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    pub number: u32,
    pub runs: Vec<PlanRun>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub summary: String,
    /// What badges start with: "" gives "W5R3", "10K " gives "10K W5R3".
    pub badge: String,
    /// Finishing its last run makes a member a Graduate.
    pub graduates: bool,
    pub weeks: Vec<Week>,
}

impl Plan {
    pub fn run(&self, code: RunCode) -> Option<&PlanRun> {
        self.weeks.get(code.week as usize - 1)?.runs.get(code.run as usize - 1)
    }

    pub fn runs(&self) -> impl Iterator<Item = &PlanRun> {
        self.weeks.iter().flat_map(|w| w.runs.iter())
    }

    pub fn first(&self) -> RunCode {
        RunCode { week: 1, run: 1 }
    }

    pub fn last(&self) -> RunCode {
        self.runs().last().map_or(self.first(), |r| r.code)
    }

    /// The run after `code`, if the plan goes on.
    pub fn after(&self, code: RunCode) -> Option<RunCode> {
        let mut runs = self.runs().map(|r| r.code).skip_while(|c| *c != code);
        runs.next()?;
        runs.next()
    }

    /// Whether finishing `code` finishes the plan.
    pub fn is_last(&self, code: RunCode) -> bool {
        code == self.last()
    }
}

/// Where a member stands in a plan, from the plan runs they logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The furthest run of the plan they logged.
    pub furthest: Option<RunCode>,
    /// The run to do next: after the furthest, or the first; None once finished.
    pub next: Option<RunCode>,
    /// Weeks with every run logged.
    pub weeks_done: u32,
    pub weeks: u32,
    /// The plan's last run is logged.
    pub finished: bool,
}

pub fn progress(plan: &Plan, logged: &[RunCode]) -> Progress {
    let furthest = logged.iter().copied().filter(|c| plan.run(*c).is_some()).max();
    let finished = logged.contains(&plan.last());
    let weeks_done = plan.weeks.iter().filter(|w| w.runs.iter().all(|r| logged.contains(&r.code))).count() as u32;
    let next = if finished { None } else { Some(furthest.and_then(|f| plan.after(f)).unwrap_or_else(|| plan.first())) };
    Progress { furthest, next, weeks_done, weeks: plan.weeks.len() as u32, finished }
}

/// The badge beside a member's name: "W5R3", "Graduate", "Graduate · 10K W2R1".
pub fn badge(plan: &Plan, progress: &Progress, graduated: bool) -> Option<String> {
    let graduated = graduated || (plan.graduates && progress.finished);
    let at = progress.furthest.map(|f| format!("{}{f}", plan.badge));
    match (graduated, at) {
        (true, Some(at)) if !plan.graduates => Some(format!("Graduate · {at}")),
        (true, _) => Some("Graduate".into()),
        (false, at) => at,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Felt {
    Easy,
    Ok,
    Hard,
}

impl Felt {
    pub const ALL: [Felt; 3] = [Felt::Easy, Felt::Ok, Felt::Hard];

    pub fn parse(text: &str) -> Option<Felt> {
        match text.trim().to_ascii_lowercase().as_str() {
            "easy" => Some(Felt::Easy),
            "ok" => Some(Felt::Ok),
            "hard" => Some(Felt::Hard),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Felt::Easy => "easy",
            Felt::Ok => "ok",
            Felt::Hard => "hard",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Felt::Easy => "Easy",
            Felt::Ok => "OK",
            Felt::Hard => "Hard",
        }
    }
}

/// A kind word after logging a run: repeating is normal, hard is fine.
pub fn encouragement(code: Option<RunCode>, felt: Option<Felt>, repeated: bool) -> String {
    let Some(code) = code else { return "Logged. Every run counts, plan or not.".into() };
    if repeated {
        return format!(
            "{code} logged again. Repeating a run or a whole week is completely normal: plenty of graduates repeated week 5 or 6. \
             Move on when it feels right, not before."
        );
    }
    match felt {
        Some(Felt::Hard) => format!(
            "{code} done, and it felt hard: that's how it should feel sometimes. If the next one is a big step, it's fine to repeat {code} first."
        ),
        Some(Felt::Easy) => format!("{code} done, and it felt easy. Nicely paced: keep it slow and steady."),
        _ => format!("{code} done. Well done for getting out there."),
    }
}

/// The words "Share this run" starts a post with: "W3R1 done: hard but I did it!"
pub fn share_text(code: Option<RunCode>, felt: Option<Felt>, distance_m: Option<i64>, duration_s: Option<i64>, note: &str) -> String {
    let what = code.map_or_else(|| "Out for a run".to_owned(), |c| format!("{c} done"));
    let how = match felt {
        Some(Felt::Hard) => ": hard but I did it!",
        Some(Felt::Ok) => ": felt good.",
        Some(Felt::Easy) => ": felt easy!",
        None => "!",
    };
    let mut text = format!("{what}{how}");
    let mut facts = Vec::new();
    if let Some(m) = distance_m {
        facts.push(format!("{:.1} km", m as f64 / 1000.0));
    }
    if let Some(s) = duration_s {
        facts.push(format!("{} min", (s + 30) / 60));
    }
    if !facts.is_empty() {
        text.push_str(&format!(" ({})", facts.join(", ")));
    }
    if !note.trim().is_empty() {
        text.push_str("\n\n");
        text.push_str(note.trim());
    }
    text
}

/// Where it hurts, as the pain log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PainArea {
    UpperBack,
    LowerBack,
    NeckShoulders,
    Hip,
    Knee,
    Shin,
    Calf,
    AchillesAnkle,
    Foot,
    Chest,
    Other,
}

impl PainArea {
    pub const ALL: [PainArea; 11] = [
        PainArea::UpperBack,
        PainArea::LowerBack,
        PainArea::NeckShoulders,
        PainArea::Hip,
        PainArea::Knee,
        PainArea::Shin,
        PainArea::Calf,
        PainArea::AchillesAnkle,
        PainArea::Foot,
        PainArea::Chest,
        PainArea::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            PainArea::UpperBack => "upper-back",
            PainArea::LowerBack => "lower-back",
            PainArea::NeckShoulders => "neck-shoulders",
            PainArea::Hip => "hip",
            PainArea::Knee => "knee",
            PainArea::Shin => "shin",
            PainArea::Calf => "calf",
            PainArea::AchillesAnkle => "achilles-ankle",
            PainArea::Foot => "foot",
            PainArea::Chest => "chest",
            PainArea::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<PainArea> {
        PainArea::ALL.into_iter().find(|a| a.key() == text.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            PainArea::UpperBack => "Upper back",
            PainArea::LowerBack => "Lower back",
            PainArea::NeckShoulders => "Neck or shoulders",
            PainArea::Hip => "Hip",
            PainArea::Knee => "Knee",
            PainArea::Shin => "Shin",
            PainArea::Calf => "Calf",
            PainArea::AchillesAnkle => "Achilles or ankle",
            PainArea::Foot => "Foot",
            PainArea::Chest => "Chest",
            PainArea::Other => "Somewhere else",
        }
    }

    /// The pain in words the safety reader knows.
    fn described(self) -> &'static str {
        match self {
            PainArea::UpperBack => "upper back pain",
            PainArea::LowerBack => "lower back pain",
            PainArea::NeckShoulders => "neck and shoulder pain",
            PainArea::Hip => "hip pain",
            PainArea::Knee => "knee pain",
            PainArea::Shin => "shin pain",
            PainArea::Calf => "calf pain",
            PainArea::AchillesAnkle => "achilles and ankle pain",
            PainArea::Foot => "foot pain",
            PainArea::Chest => "chest pain",
            PainArea::Other => "pain",
        }
    }
}

/// How a pain has moved over the entries summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trend {
    Improving,
    NotImproving,
    Worse,
}

impl Trend {
    pub fn words(self) -> &'static str {
        match self {
            Trend::Improving => "improving",
            Trend::NotImproving => "not improving",
            Trend::Worse => "getting worse",
        }
    }

    pub fn parse(text: &str) -> Option<Trend> {
        match text {
            "improving" => Some(Trend::Improving),
            "not-improving" => Some(Trend::NotImproving),
            "worse" => Some(Trend::Worse),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Trend::Improving => "improving",
            Trend::NotImproving => "not-improving",
            Trend::Worse => "worse",
        }
    }
}

/// One pain entry: a day and a level from 0 to 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PainPoint {
    pub day: i64,
    pub level: u8,
}

/// A member's recent pain in one area, as they may attach it to a post:
/// "upper back, 4/10, 7 days, not improving".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PainSummary {
    pub area: PainArea,
    /// The latest level.
    pub level: u8,
    /// Days from the first entry of this spell to today.
    pub days: u32,
    pub trend: Trend,
}

/// Entries further apart than this start a new spell of pain.
const SPELL_GAP_DAYS: i64 = 7;
/// A spell whose latest entry is older than this has settled: nothing to summarise.
const STALE_DAYS: i64 = 7;

/// The current spell of pain in one area, from its entries (any order),
/// seen from `today`: None when nothing was logged lately, or only zeroes.
pub fn summarise(area: PainArea, points: &[PainPoint], today: i64) -> Option<PainSummary> {
    let mut points: Vec<PainPoint> = points.iter().copied().filter(|p| p.day <= today).collect();
    points.sort_by_key(|p| p.day);
    let latest = *points.last()?;
    if today - latest.day > STALE_DAYS {
        return None;
    }
    // Walk back while entries stay within the gap of each other.
    let mut first = points.len() - 1;
    while first > 0 && points[first].day - points[first - 1].day <= SPELL_GAP_DAYS {
        first -= 1;
    }
    let spell = &points[first..];
    if spell.iter().all(|p| p.level == 0) {
        return None;
    }
    let start = spell[0];
    let trend = match i16::from(latest.level) - i16::from(start.level) {
        d if d <= -2 || latest.level == 0 => Trend::Improving,
        d if d >= 2 => Trend::Worse,
        _ => Trend::NotImproving,
    };
    Some(PainSummary { area, level: latest.level, days: (today - start.day) as u32, trend })
}

/// Pain entries (area, day, level) as one series per area, in the areas' order.
pub fn by_area(entries: &[(PainArea, i64, u8)]) -> Vec<(PainArea, Vec<PainPoint>)> {
    PainArea::ALL
        .into_iter()
        .filter_map(|area| {
            let series: Vec<PainPoint> = entries.iter().filter(|(a, _, _)| *a == area).map(|(_, day, level)| PainPoint { day: *day, level: *level }).collect();
            (!series.is_empty()).then_some((area, series))
        })
        .collect()
}

impl PainSummary {
    /// "upper back, 4/10, 7 days, not improving"
    pub fn text(&self) -> String {
        let days = if self.days == 1 { "1 day".to_owned() } else { format!("{} days", self.days) };
        format!("{}, {}/10, {days}, {}", self.area.label().to_lowercase(), self.level, self.trend.words())
    }

    /// The summary as a sentence the safety reader understands, so its
    /// duration and trend count as if the member had written them.
    pub fn sentence(&self) -> String {
        format!(
            "From my pain log: {} at {} out of 10 for {} days, {}.",
            self.area.described(),
            self.level,
            self.days,
            self.trend.words()
        )
    }
}

/// What the safety reader reads of a post: its words, and an attached pain
/// summary as a sentence, so the summary's duration and trend count too.
pub fn safety_text<'a>(body: &'a str, pain: Option<&PainSummary>) -> std::borrow::Cow<'a, str> {
    match pain {
        Some(pain) => format!("{body}\n\n{}", pain.sentence()).into(),
        None => body.into(),
    }
}

/// A run as a member asked to log it, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct RunInput {
    /// `w5r3`, or empty for a free run.
    pub plan_run: String,
    pub date: String,
    pub distance_m: Option<i64>,
    pub duration_s: Option<i64>,
    pub felt: String,
    pub note: String,
    /// (area, level) pairs; an empty area is a row left blank.
    pub pain: Vec<(String, Option<i64>)>,
}

/// A run that passed its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRun {
    pub code: Option<RunCode>,
    pub day: i64,
    pub distance_m: Option<i64>,
    pub duration_s: Option<i64>,
    pub felt: Option<Felt>,
    pub note: String,
    pub pain: Vec<(PainArea, u8)>,
}

pub const NOTE_MAX: usize = 2000;

/// Checks a run against its plan (None: a free run only) and the member's
/// today, naming every field that needs attention.
pub fn check_run(input: &RunInput, plan: Option<&Plan>, today: i64) -> Result<CheckedRun, Vec<FieldError>> {
    let mut errors = Vec::new();
    let code = match input.plan_run.trim() {
        "" | "free" => None,
        text => match (RunCode::parse(text), plan) {
            (Some(code), Some(plan)) if plan.run(code).is_some() => Some(code),
            (Some(code), Some(plan)) => {
                errors.push(FieldError::new("plan_run", format!("{} has no {code}: choose a run from the list.", plan.name)));
                None
            }
            (Some(_), None) => {
                errors.push(FieldError::new("plan_run", "Choose a plan first, or log a free run."));
                None
            }
            (None, _) => {
                errors.push(FieldError::new("plan_run", "Choose a run such as W5R3, or a free run."));
                None
            }
        },
    };
    let day = match super::dates::day_number(&input.date) {
        // A day ahead allows for time zones east of UTC.
        Some(day) if day > today + 1 => {
            errors.push(FieldError::new("date", "That date is in the future."));
            day
        }
        Some(day) if day < super::dates::day_number("2000-01-01").unwrap_or(0) => {
            errors.push(FieldError::new("date", "That date is too long ago."));
            day
        }
        Some(day) => day,
        None => {
            errors.push(FieldError::new("date", "Enter the date as YYYY-MM-DD."));
            today
        }
    };
    if input.distance_m.is_some_and(|m| !(1..=200_000).contains(&m)) {
        errors.push(FieldError::new("distance_m", "A distance is between 1 metre and 200 km."));
    }
    if input.duration_s.is_some_and(|s| !(1..=86_400).contains(&s)) {
        errors.push(FieldError::new("duration_s", "A duration is between 1 second and 24 hours."));
    }
    let felt = match input.felt.trim() {
        "" => None,
        text => Felt::parse(text).or_else(|| {
            errors.push(FieldError::new("felt", "Choose easy, OK or hard."));
            None
        }),
    };
    let note = input.note.trim().to_owned();
    if note.chars().count() > NOTE_MAX {
        errors.push(FieldError::new("note", format!("A note can be at most {NOTE_MAX} characters.")));
    } else if let Err(e) = super::validate::plain_text("note", &note) {
        errors.push(e);
    }
    let mut pain: Vec<(PainArea, u8)> = Vec::new();
    for (area, level) in &input.pain {
        if area.trim().is_empty() {
            continue;
        }
        let Some(area) = PainArea::parse(area) else {
            errors.push(FieldError::new("pain", format!("{area:?} isn't one of the pain log's areas.")));
            continue;
        };
        match level {
            Some(l) if (0..=10).contains(l) => {
                if pain.iter().any(|(a, _)| *a == area) {
                    errors.push(FieldError::new("pain", format!("{} is in the pain log twice: give it once.", area.label())));
                } else {
                    pain.push((area, *l as u8));
                }
            }
            _ => errors.push(FieldError::new("pain", format!("Give {} a level from 0 (none) to 10 (the worst).", area.label().to_lowercase()))),
        }
    }
    if errors.is_empty() {
        Ok(CheckedRun { code, day, distance_m: input.distance_m, duration_s: input.duration_s, felt, note, pain })
    } else {
        Err(errors)
    }
}

/// How many runs fell in each of the `weeks` weeks up to today's, oldest first,
/// each week named by its Monday.
pub fn runs_per_week(days: &[i64], today: i64, weeks: i64) -> Vec<(i64, u32)> {
    let this_week = super::dates::week_start(today);
    (0..weeks)
        .rev()
        .map(|ago| {
            let start = this_week - 7 * ago;
            (start, days.iter().filter(|d| (start..start + 7).contains(*d)).count() as u32)
        })
        .collect()
}

#[cfg(test)]
mod tests;
