use super::*;

fn c25k() -> Plan {
    parse(BUILTIN_PLANS[0]).expect("the shipped Couch to 5K plan parses")
}

fn code(text: &str) -> RunCode {
    RunCode::parse(text).unwrap()
}

/// A minimal plan around one week's session, for error cases.
fn with_session(session: &str) -> String {
    format!("id = \"tt\"\nname = \"T\"\n[[weeks]]\nsession = \"{session}\"\n")
}

fn error(text: &str) -> PlanError {
    parse(text).expect_err("the plan is refused")
}

#[test]
fn couch_to_5k_runs_what_the_nhs_plan_says_each_week() {
    let plan = c25k();
    assert_eq!(plan.id, "couch-to-5k");
    assert!(plan.graduates);
    assert_eq!(plan.weeks.len(), 9);
    // Minutes of running per run, week by week (warm-up and cool-down aside).
    let expected: [[u32; 3]; 9] =
        [[8, 8, 8], [9, 9, 9], [9, 9, 9], [16, 16, 16], [15, 16, 20], [18, 20, 25], [25, 25, 25], [28, 28, 28], [30, 30, 30]];
    for (week, minutes) in plan.weeks.iter().zip(expected) {
        let got: Vec<u32> = week.runs.iter().map(|r| r.running_seconds()).collect();
        assert_eq!(got, minutes.map(|m| m * 60), "week {}", week.number);
    }
    // Every run starts with a brisk 5-minute walk and ends with a 5-minute cool-down.
    for run in plan.runs() {
        assert_eq!(run.segments.first(), Some(&Segment { kind: SegmentKind::WarmUp, seconds: 300 }), "{}", run.code);
        assert_eq!(run.segments.last(), Some(&Segment { kind: SegmentKind::CoolDown, seconds: 300 }), "{}", run.code);
    }
    let w1 = plan.run(code("w1r1")).unwrap();
    let runs: Vec<u32> = w1.segments.iter().filter(|s| s.kind == SegmentKind::Run).map(|s| s.seconds).collect();
    let walks: Vec<u32> = w1.segments.iter().filter(|s| s.kind == SegmentKind::Walk).map(|s| s.seconds).collect();
    assert_eq!(runs, [60; 8]);
    assert_eq!(walks, [90; 8]);
    let w4: Vec<(SegmentKind, u32)> = plan.run(code("w4r2")).unwrap().segments.iter().map(|s| (s.kind, s.seconds)).collect();
    use SegmentKind::*;
    assert_eq!(
        w4,
        [(WarmUp, 300), (Run, 180), (Walk, 90), (Run, 300), (Walk, 150), (Run, 180), (Walk, 90), (Run, 300), (CoolDown, 300)]
    );
    assert_eq!(plan.last(), code("w9r3"));
}

#[test]
fn the_graduates_plan_parses_and_grows_the_long_run_slowly() {
    let plan = parse(BUILTIN_PLANS[1]).unwrap();
    assert!(!plan.graduates);
    assert_eq!(plan.badge, "10K ");
    let long: Vec<u32> = plan.weeks.iter().map(|w| w.runs[2].running_seconds() / 60).collect();
    assert!(long.windows(2).all(|w| w[1] > w[0] && w[1] - w[0] <= 5), "{long:?}");
    assert_eq!(long.last(), Some(&60));
}

#[test]
fn run_codes_read_either_case_and_print_upper() {
    assert_eq!(RunCode::parse("w5r3"), Some(RunCode { week: 5, run: 3 }));
    assert_eq!(RunCode::parse(" W10R1 "), Some(RunCode { week: 10, run: 1 }));
    assert_eq!(code("w5r3").to_string(), "W5R3");
    assert_eq!(code("W5R3").key(), "w5r3");
    for bad in ["", "w5", "5r3", "w0r1", "w1r0", "wxr1", "w5r3x"] {
        assert_eq!(RunCode::parse(bad), None, "{bad}");
    }
}

#[test]
fn plan_errors_name_their_line_column_and_reason() {
    // TOML itself.
    let e = error("id = \"t\"\nname = \"T\"\n[[weeks]\n");
    assert_eq!(e.line, 3, "{e}");
    let e = error("id = \"t\"\nname = \"T\"\ncolour = \"red\"\n[[weeks]]\nsession = \"run 1:00\"\n");
    assert_eq!((e.line, e.reason.contains("colour")), (3, true), "{e}");
    let e = error("name = \"T\"\n[[weeks]]\nsession = \"run 1:00\"\n");
    assert!(e.reason.contains("id"), "{e}");
    // The plan's own fields.
    let e = error("id = \"Couch To 5K\"\nname = \"T\"\n[[weeks]]\nsession = \"run 1:00\"\n");
    assert_eq!((e.line, e.column), (1, 6), "{e}");
    assert!(e.reason.contains("lower-case"), "{e}");
    let e = error("id = \"t2\"\nname = \"  \"\n[[weeks]]\nsession = \"run 1:00\"\n");
    assert_eq!((e.line, e.column), (2, 8), "{e}");
    let e = error("id = \"t2\"\nname = \"T\"\nruns_per_week = 9\n[[weeks]]\nsession = \"run 1:00\"\n");
    assert_eq!((e.line, e.column), (3, 17), "{e}");
    let e = error("id = \"t2\"\nname = \"T\"\nwarm_up = \"five minutes\"\n[[weeks]]\nsession = \"run 1:00\"\n");
    assert_eq!((e.line, e.column), (3, 11), "{e}");
    assert!(e.reason.contains("not a duration"), "{e}");
    let e = error("id = \"t2\"\nname = \"T\"\nbadge = \"much too long a badge\"\n[[weeks]]\nsession = \"run 1:00\"\n");
    assert_eq!(e.line, 3, "{e}");
    let e = error("id = \"t2\"\nname = \"T\"\nweeks = []\n");
    assert!(e.reason.contains("at least one week"), "{e}");
    let many = format!("id = \"t2\"\nname = \"T\"\n{}", "[[weeks]]\nsession = \"run 1:00\"\n".repeat(53));
    assert!(error(&many).reason.contains("at most 52"));
    // Weeks.
    let e = error("id = \"t2\"\nname = \"T\"\n[[weeks]]\nsession = \"run 1:00\"\nsessions = [\"run 1:00\"]\n");
    assert!(e.reason.contains("not both"), "{e}");
    let e = error("id = \"t2\"\nname = \"T\"\n[[weeks]]\nruns = 3\n");
    assert!(e.reason.contains("week 1 needs"), "{e}");
    let e = error("id = \"t2\"\nname = \"T\"\n[[weeks]]\nruns = 2\nsessions = [\"run 1:00\"]\n");
    assert!(e.reason.contains("`runs` goes with `session`"), "{e}");
    let e = error("id = \"t2\"\nname = \"T\"\n[[weeks]]\nsessions = []\n");
    assert!(e.reason.contains("1 to 7 runs"), "{e}");
    let e = error("id = \"t2\"\nname = \"T\"\n[[weeks]]\nruns = 0\nsession = \"run 1:00\"\n");
    assert_eq!(e.line, 4, "{e}");
}

#[test]
fn session_errors_point_inside_the_session() {
    // `session = "` is 11 characters, so the session's first character is column 12.
    let at = |session: &str| {
        let e = error(&with_session(session));
        assert_eq!(e.line, 4, "{e}");
        assert!(e.column >= 12, "{e}");
        (e.column - 12, e.reason)
    };
    let (col, why) = at("run 1:00, walk 1:3O");
    assert_eq!(col, 15);
    assert!(why.contains("\"1:3O\" is not a duration"), "{why}");
    let (col, why) = at("run 1:00, sprint 0:30");
    assert_eq!(col, 10);
    assert!(why.contains("expected run, walk"), "{why}");
    let (col, why) = at("run 1:00, walk");
    assert_eq!(col, 14);
    assert!(why.contains("how long"), "{why}");
    let (col, why) = at("8 (run 1:00)");
    assert_eq!(col, 2);
    assert!(why.contains("expected \"x\""), "{why}");
    let (col, why) = at("8 x run 1:00");
    assert_eq!(col, 4);
    assert!(why.contains("expected \"(\""), "{why}");
    let (col, why) = at("run 2:00, 8 x (run 1:00, walk 1:30");
    assert_eq!(col, 14);
    assert!(why.contains("never closed"), "{why}");
    let (col, why) = at("run 1:00)");
    assert_eq!(col, 8);
    assert!(why.contains("no '('"), "{why}");
    let (_, why) = at("0 x (run 1:00)");
    assert!(why.contains("at least 1"), "{why}");
    let (_, why) = at("300 x (run 1:00)");
    assert!(why.contains("at most 200 segments"), "{why}");
    let (_, why) = at("walk 10:00");
    assert!(why.contains("at least one run"), "{why}");
    let (_, why) = at("run 4:00:00");
    assert!(why.contains("not a duration"), "{why}");
    let (_, why) = at("");
    assert!(why.contains("expected a segment"), "{why}");
}

#[test]
fn durations_are_written_several_ways() {
    for (text, seconds) in [("1:30", 90), ("90s", 90), ("90 seconds", 90), ("5m", 300), ("5 min", 300), ("2 minutes", 120), ("20:00", 1200)] {
        assert_eq!(plan::duration(text), Some(seconds), "{text}");
    }
    for bad in ["0:00", "1:3", "1:60", "5h", "abc", "", "-1m", "181m"] {
        assert_eq!(plan::duration(bad), None, "{bad}");
    }
}

#[test]
fn tip_errors_and_placement() {
    let base = "id = \"t2\"\nname = \"T\"\n[[weeks]]\nsession = \"run 1:00, walk 1:00, run 1:00\"\n[[weeks]]\nsession = \"run 5:00\"\n";
    let e = error(&format!("{base}[[tips]]\nat = \"midway\"\nsay = \"Hi\"\n"));
    assert_eq!((e.line, e.column), (8, 6), "{e}");
    let e = error(&format!("{base}[[tips]]\nat = \"halfway\"\nsay = \" \"\n"));
    assert_eq!(e.line, 9, "{e}");
    let e = error(&format!("{base}[[tips]]\nat = \"halfway\"\nsay = \"Hi\"\nweeks = [3]\n"));
    assert!(e.reason.contains("no week 3"), "{e}");
    let e = error(&format!("{base}[[tips]]\nat = \"halfway\"\nsay = \"Hi\"\nruns = [4]\n"));
    assert!(e.reason.contains("no run 4"), "{e}");
    let plan = parse(&format!("{base}[[tips]]\nat = \"run 2\"\nsay = \"Relax your shoulders.\"\nweeks = [1]\nruns = [2]\n")).unwrap();
    assert_eq!(plan.run(code("w1r2")).unwrap().tips.len(), 1);
    assert!(plan.run(code("w1r1")).unwrap().tips.is_empty());
    assert!(plan.run(code("w2r2")).unwrap().tips.is_empty());
}

#[test]
fn the_guided_run_calls_out_each_change_halfway_and_the_end() {
    let plan = c25k();
    let run = plan.run(code("w1r1")).unwrap();
    let cues = run.script(false);
    let at = |second: u32| cues.iter().find(|c| c.at == second).map(|c| c.say.as_str()).unwrap_or("");
    assert_eq!(at(0), "Let's begin with a brisk walk for 5 minutes to warm up.");
    assert!(at(300).starts_with("Time to run. Run for 60 seconds."), "{}", at(300));
    // The week-one tip is spoken as the first run starts.
    assert!(at(300).contains("jogette, not a race"), "{}", at(300));
    assert_eq!(at(360), "Now walk for 90 seconds.");
    assert_eq!(at(450), "Now run for 60 seconds.");
    // 20 minutes of intervals between the warm-up and the cool-down: halfway at 15:00.
    assert_eq!(at(900), "Now run for 60 seconds. You're halfway through.");
    assert_eq!(at(1500), "Well done. Now walk for 5 minutes to cool down.");
    assert_eq!(at(1800), "That's W1R1 done. Great work!");
    assert_eq!(cues.iter().filter(|c| c.change).count(), 1 + 16 + 1 + 1);
    assert!(cues.windows(2).all(|w| w[0].at < w[1].at), "one cue per second, in order");
    let last = plan.run(code("w9r3")).unwrap().script(true);
    assert!(last.last().unwrap().say.contains("the whole plan"));
    assert!(last.iter().any(|c| c.say.contains("graduate")), "the W9R3 cool-down tip");
}

#[test]
fn durations_are_spoken_as_a_coach_says_them() {
    assert_eq!(spoken(60), "60 seconds");
    assert_eq!(spoken(90), "90 seconds");
    assert_eq!(spoken(120), "2 minutes");
    assert_eq!(spoken(150), "2 and a half minutes");
    assert_eq!(spoken(100), "100 seconds");
    assert_eq!(spoken(210), "3 and a half minutes");
    assert_eq!(spoken(1500), "25 minutes");
    assert_eq!(spoken(61 * 60 + 5), "61 minutes and 5 seconds");
    assert_eq!(clock(90), "1:30");
}

#[test]
fn progress_badges_and_graduation() {
    let plan = c25k();
    let none = progress(&plan, &[]);
    assert_eq!((none.furthest, none.next, none.weeks_done), (None, Some(code("w1r1")), 0));
    assert_eq!(badge(&plan, &none, false), None);
    let some = progress(&plan, &[code("w1r1"), code("w1r2"), code("w1r3"), code("w2r1")]);
    assert_eq!((some.furthest, some.next, some.weeks_done), (Some(code("w2r1")), Some(code("w2r2")), 1));
    assert_eq!(badge(&plan, &some, false).as_deref(), Some("W2R1"));
    // Repeating a week doesn't move the badge back.
    let repeated = progress(&plan, &[code("w5r3"), code("w5r1")]);
    assert_eq!(badge(&plan, &repeated, false).as_deref(), Some("W5R3"));
    assert_eq!(repeated.next, Some(code("w6r1")));
    let done = progress(&plan, &[code("w9r3")]);
    assert!(done.finished);
    assert_eq!(done.next, None);
    assert_eq!(badge(&plan, &done, false).as_deref(), Some("Graduate"));
    // A graduate on the next plan keeps the title beside their place in it.
    let beyond = parse(BUILTIN_PLANS[1]).unwrap();
    let b = progress(&beyond, &[code("w2r1")]);
    assert_eq!(badge(&beyond, &b, true).as_deref(), Some("Graduate · 10K W2R1"));
    assert_eq!(badge(&beyond, &b, false).as_deref(), Some("10K W2R1"));
    assert_eq!(badge(&beyond, &progress(&beyond, &[]), true).as_deref(), Some("Graduate"));
}

#[test]
fn pain_summaries_give_the_spell_its_level_length_and_trend() {
    let day = |d: i64, level: u8| PainPoint { day: 1000 + d, level };
    let steady = summarise(PainArea::UpperBack, &[day(0, 4), day(2, 4), day(5, 5), day(7, 4)], 1007).unwrap();
    assert_eq!(steady.text(), "upper back, 4/10, 7 days, not improving");
    assert_eq!(steady.sentence(), "From my pain log: upper back pain at 4 out of 10 for 7 days, not improving.");
    let better = summarise(PainArea::Knee, &[day(0, 6), day(3, 3)], 1004).unwrap();
    assert_eq!((better.trend, better.days), (Trend::Improving, 4));
    let worse = summarise(PainArea::Shin, &[day(0, 2), day(3, 5)], 1003).unwrap();
    assert_eq!(worse.trend, Trend::Worse);
    // An earlier spell, more than a week before this one, doesn't count.
    let spells = summarise(PainArea::Calf, &[day(0, 7), day(20, 3), day(22, 3)], 1022).unwrap();
    assert_eq!(spells.days, 2);
    // Nothing lately, or only zeroes: nothing to say.
    assert_eq!(summarise(PainArea::Calf, &[day(0, 5)], 1010), None);
    assert_eq!(summarise(PainArea::Calf, &[day(0, 0), day(1, 0)], 1002), None);
    assert_eq!(summarise(PainArea::Calf, &[], 1002), None);
}

#[test]
fn a_run_is_checked_field_by_field() {
    let plan = c25k();
    let today = crate::domain::dates::day_number("2026-12-04").unwrap();
    let input = RunInput {
        plan_run: "W5R3".into(),
        date: "2026-12-03".into(),
        distance_m: Some(3200),
        duration_s: Some(1800),
        felt: "hard".into(),
        note: " Tough but done ".into(),
        pain: vec![("upper-back".into(), Some(4)), (String::new(), None)],
    };
    let run = check_run(&input, Some(&plan), today).unwrap();
    assert_eq!(run.code, Some(code("w5r3")));
    assert_eq!((run.felt, run.note.as_str(), run.pain.as_slice()), (Some(Felt::Hard), "Tough but done", &[(PainArea::UpperBack, 4)][..]));
    let free = check_run(&RunInput { plan_run: String::new(), date: "2026-12-04".into(), ..RunInput::default() }, None, today).unwrap();
    assert_eq!(free.code, None);
    let bad = RunInput {
        plan_run: "w12r1".into(),
        date: "2027-01-01".into(),
        distance_m: Some(0),
        duration_s: Some(100_000),
        felt: "great".into(),
        note: "x".repeat(NOTE_MAX + 1),
        pain: vec![("elbow".into(), Some(3)), ("knee".into(), Some(11)), ("hip".into(), Some(2)), ("hip".into(), Some(3))],
    };
    let errors = check_run(&bad, Some(&plan), today).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["plan_run", "date", "distance_m", "duration_s", "felt", "note", "pain", "pain", "pain"]);
    assert!(errors[0].message.contains("Couch to 5K has no W12R1"));
    let undated = check_run(&RunInput { date: "yesterday".into(), ..RunInput::default() }, None, today).unwrap_err();
    assert_eq!(undated[0].field, "date");
    let hidden = check_run(&RunInput { date: "2026-12-04".into(), note: "ok\u{202E}".into(), ..RunInput::default() }, None, today).unwrap_err();
    assert_eq!(hidden[0].field, "note");
}

#[test]
fn kind_words_after_logging() {
    assert!(encouragement(Some(code("w5r3")), None, true).contains("completely normal"));
    assert!(encouragement(Some(code("w5r3")), Some(Felt::Hard), false).contains("fine to repeat W5R3"));
    assert_eq!(share_text(Some(code("w3r1")), Some(Felt::Hard), None, None, ""), "W3R1 done: hard but I did it!");
    assert_eq!(share_text(None, Some(Felt::Easy), Some(5000), Some(1790), "Parkrun!"), "Out for a run: felt easy! (5.0 km, 30 min)\n\nParkrun!");
}

#[test]
fn runs_are_counted_by_calendar_week() {
    let today = crate::domain::dates::day_number("2026-12-04").unwrap(); // a Friday
    let monday = crate::domain::dates::week_start(today);
    let days = [today, today - 1, monday - 1, monday - 7, monday - 40];
    let weeks = runs_per_week(&days, today, 3);
    assert_eq!(weeks, [(monday - 14, 0), (monday - 7, 2), (monday, 2)]);
}
