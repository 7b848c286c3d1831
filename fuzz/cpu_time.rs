//! CPU time this thread has used, for the targets' time bounds: unlike the
//! wall clock it doesn't count time the machine spent on other work (a build
//! beside the fuzzer once made an 89-byte input "take" 48 ms).

use std::time::Duration;

pub fn thread_cpu_time() -> Duration {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec, which we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}
