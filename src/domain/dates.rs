//! Dates for people and for machines, without a date library: Jogette stores
//! UTC milliseconds and only ever needs the proleptic Gregorian calendar.

/// (year, month 1-12, day 1-31) from days since 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days since 1970-01-01 from a civil date (Howard Hinnant's days_from_civil).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Midnight UTC of a `YYYY-MM-DD` date, in milliseconds; None if it isn't one.
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(1970..=9999).contains(&year) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    (civil(days) == (year, month, day)).then_some(days * 86_400_000)
}

/// UTC milliseconds from an RFC 3339 time (`2017-10-26T17:15:04.590Z`,
/// `…+01:00`, or a date alone); None if it isn't one.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_at(text.len().min(10));
    let midnight = parse_date(date)?;
    let rest = rest.trim_start_matches(['T', 't', ' ']);
    if rest.is_empty() {
        return Some(midnight);
    }
    let field = |s: &str| s.parse::<i64>().ok();
    let (hour, minute, second) = (field(rest.get(0..2)?)?, field(rest.get(3..5)?)?, field(rest.get(6..8)?)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut tail = &rest[8..];
    let mut millis = 0;
    if let Some(fraction) = tail.strip_prefix('.') {
        let digits = fraction.find(|c: char| !c.is_ascii_digit()).unwrap_or(fraction.len());
        millis = format!("{:0<3}", &fraction[..digits.min(3)]).parse::<i64>().ok()?;
        tail = &fraction[digits..];
    }
    let offset = match tail {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = if tail.starts_with('-') { -1 } else { 1 };
            let (h, m) = (field(tail.get(1..3)?)?, field(tail.get(4..6)?)?);
            sign * (h * 3600 + m * 60) * 1000
        }
    };
    Some(midnight + ((hour * 60 + minute) * 60 + second) * 1000 + millis - offset)
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
}

fn parts(millis: i64) -> Parts {
    let secs = millis.div_euclid(1000);
    let (year, month, day) = civil(secs.div_euclid(86_400));
    let in_day = secs.rem_euclid(86_400);
    Parts { year, month, day, hour: in_day / 3600, minute: in_day % 3600 / 60, second: in_day % 60 }
}

/// Appends `n` as `width` digits, zero-padded. Every post on a page shows
/// two times, and `format!`'s padding machinery cost more than the rest of
/// the post's view put together.
fn push_digits(out: &mut String, n: i64, width: u32) {
    if !(0..10_i64.pow(width)).contains(&n) {
        out.push_str(&format!("{n:0width$}", width = width as usize));
        return;
    }
    for place in (0..width).rev() {
        out.push(char::from(b'0' + (n / 10_i64.pow(place) % 10) as u8));
    }
}

/// `2026-11-28T04:06:07Z`
pub fn rfc3339(millis: i64) -> String {
    let p = parts(millis);
    let mut out = String::with_capacity(20);
    push_digits(&mut out, p.year, 4);
    for (separator, n) in [('-', p.month.into()), ('-', p.day.into()), ('T', p.hour), (':', p.minute), (':', p.second)] {
        out.push(separator);
        push_digits(&mut out, n, 2);
    }
    out.push('Z');
    out
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `28 Nov 2026, 04:06` (UTC)
pub fn human(millis: i64) -> String {
    let p = parts(millis);
    let mut out = String::with_capacity(18);
    push_digits(&mut out, p.day.into(), if p.day < 10 { 1 } else { 2 });
    out.push(' ');
    out.push_str(MONTHS[(p.month - 1) as usize]);
    out.push(' ');
    push_digits(&mut out, p.year, 4);
    out.push_str(", ");
    push_digits(&mut out, p.hour, 2);
    out.push(':');
    push_digits(&mut out, p.minute, 2);
    out
}

/// `28 Nov 2026`
pub fn day(millis: i64) -> String {
    let p = parts(millis);
    format!("{} {} {}", p.day, MONTHS[(p.month - 1) as usize], p.year)
}

/// A calendar day, as days since 1970-01-01: how run and pain logs keep dates.
pub fn day_number(text: &str) -> Option<i64> {
    parse_date(text).map(|millis| millis / 86_400_000)
}

/// The day a UTC instant falls on.
pub fn day_of(millis: i64) -> i64 {
    millis.div_euclid(86_400_000)
}

/// `2026-11-28`, for forms and machines.
pub fn iso_day(days: i64) -> String {
    let (year, month, day) = civil(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `Sat 28 Nov 2026`, for people.
pub fn day_label(days: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let (year, month, day) = civil(days);
    format!("{} {day} {} {year}", WEEKDAYS[weekday(days) as usize], MONTHS[(month - 1) as usize])
}

/// 0 for Monday to 6 for Sunday.
pub fn weekday(days: i64) -> i64 {
    // 1970-01-01 was a Thursday.
    (days + 3).rem_euclid(7)
}

/// The Monday of the week `days` falls in.
pub fn week_start(days: i64) -> i64 {
    days - weekday(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_from_other_forums_are_read_to_the_millisecond() {
        assert_eq!(parse_rfc3339("2017-10-26T17:15:04.590Z").map(rfc3339).as_deref(), Some("2017-10-26T17:15:04Z"));
        assert_eq!(parse_rfc3339("2017-10-26T17:15:04.590Z").map(|m| m % 1000), Some(590));
        assert_eq!(parse_rfc3339("2017-10-26T18:15:04+01:00"), parse_rfc3339("2017-10-26T17:15:04Z"));
        assert_eq!(parse_rfc3339("2017-10-26"), parse_date("2017-10-26"));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_838_767_000), "2026-11-28T04:06:07Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(human(1_795_838_767_000), "28 Nov 2026, 04:06");
        assert_eq!(day(1_795_838_767_000), "28 Nov 2026");
        assert_eq!(human(951_782_400_000 + 86_400_000 + 9 * 3_600_000 + 5 * 60_000), "1 Mar 2000, 09:05");
        // Past year 9999 the year just grows a digit.
        assert_eq!(rfc3339(253_402_300_800_000), "10000-01-01T00:00:00Z");
    }

    #[test]
    fn dates_parse_to_midnight_utc() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2026-11-28").map(rfc3339).as_deref(), Some("2026-11-28T00:00:00Z"));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn days_read_and_print_both_ways_and_weeks_start_on_monday() {
        let day = day_number("2026-11-28").unwrap();
        assert_eq!(iso_day(day), "2026-11-28");
        assert_eq!(day_label(day), "Sat 28 Nov 2026");
        assert_eq!(iso_day(week_start(day)), "2026-11-23");
        assert_eq!(week_start(week_start(day)), week_start(day));
        assert_eq!(day_of(1_795_838_767_000), day);
    }
}
