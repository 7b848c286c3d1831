//! Any uploaded file is either refused with a reason on the picture field or
//! prepared as a picture that fits the page: never a panic, never a hang.
#![no_main]
use jogette::domain::uploads::{Purpose, prepare};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    for purpose in [Purpose::Post, Purpose::Avatar] {
        match prepare(bytes, purpose) {
            Ok(p) => {
                assert!(p.width >= 1 && p.height >= 1 && p.width <= 1600 && p.height <= 1600);
                assert!(matches!(p.content_type, "image/jpeg" | "image/png"));
                assert!(!p.bytes.is_empty());
            }
            Err(e) => assert_eq!(e.field, "picture"),
        }
    }
});
