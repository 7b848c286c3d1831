//! Any plan file either reads as a plan whose every run has running in it,
//! or is refused with a line and column inside the file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match jogette::domain::programme::parse(text) {
        Ok(plan) => {
            assert!(!plan.weeks.is_empty());
            for run in plan.runs() {
                assert!(run.running_seconds() > 0);
                let cues = run.script(true);
                assert!(cues.windows(2).all(|w| w[0].at < w[1].at));
            }
        }
        Err(e) => {
            assert!(e.line >= 1 && e.column >= 1, "{e}");
            assert!(e.line <= text.lines().count() + 1, "{e} in a file of {} lines", text.lines().count());
        }
    }
});
