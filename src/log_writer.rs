//! Log lines written to stderr by a thread of their own, off the request path.
//!
//! Every request logs a line. Written straight to stderr, each line costs a
//! `write` call under stderr's lock, and under load the request threads
//! queue on that lock: a fifth of a kept page's time (docs/BENCHMARKS.md).
//! Here a line is appended to a buffer in memory, and one thread writes
//! whatever has gathered in a single call, so a busy second costs a handful of
//! writes instead of one per request. Nothing is dropped: when stderr can't
//! keep up and the buffer is full, loggers wait for room. Lines still in the
//! buffer are written by [`LogWriter::flush`], which `main` calls before it
//! returns; a process killed outright loses at most the last few milliseconds.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Loggers wait for room beyond this many bytes waiting to be written.
const MAX_WAITING: usize = 4 << 20;
/// After writing less than this, the thread lets lines gather for [`GATHER`].
const BATCH: usize = 256 << 10;
const GATHER: std::time::Duration = std::time::Duration::from_millis(5);

/// A handle to the buffer: give clones of it to the log subscriber.
#[derive(Clone)]
pub struct LogWriter {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    /// The writer thread waits here for lines.
    lines: Condvar,
    /// Loggers waiting for room, and flushes, wait here for a write to finish.
    written: Condvar,
}

#[derive(Default)]
struct State {
    waiting: Vec<u8>,
    /// Bytes handed over and bytes written since the start: a flush waits
    /// for what was handed over before it, not for a quiet moment.
    logged: u64,
    written: u64,
    /// The writer thread is asleep on `lines`; wake it only then, since a
    /// wake is a system call.
    asleep: bool,
    /// Loggers and flushes waiting on `written`.
    held: usize,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn wait_written<'a>(&self, mut state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        state.held += 1;
        let mut state = self.written.wait(state).unwrap_or_else(|p| p.into_inner());
        state.held -= 1;
        state
    }
}

impl LogWriter {
    /// Starts the thread that writes the lines to `out`.
    pub fn start(mut out: impl Write + Send + 'static) -> LogWriter {
        let shared = Arc::new(Shared { state: Mutex::new(State::default()), lines: Condvar::new(), written: Condvar::new() });
        let writer = shared.clone();
        std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || {
                let mut batch = Vec::new();
                loop {
                    let mut state = writer.state();
                    while state.waiting.is_empty() {
                        state.asleep = true;
                        state = writer.lines.wait(state).unwrap_or_else(|p| p.into_inner());
                        state.asleep = false;
                    }
                    std::mem::swap(&mut batch, &mut state.waiting);
                    drop(state);
                    // Nowhere is left to report a failure to write the log.
                    let _ = out.write_all(&batch).and_then(|()| out.flush());
                    let small = batch.len() < BATCH;
                    let mut state = writer.state();
                    state.written += batch.len() as u64;
                    batch.clear();
                    if state.held > 0 {
                        writer.written.notify_all();
                    }
                    drop(state);
                    // Let lines gather rather than wake for each one: on a
                    // busy server this thread runs a few hundred times a
                    // second instead of competing with requests for the cores.
                    if small {
                        std::thread::sleep(GATHER);
                    }
                }
            })
            .expect("a thread for the log can start");
        LogWriter { shared }
    }

    /// Returns once every line logged before the call is written.
    pub fn flush(&self) {
        let mut state = self.shared.state();
        let logged = state.logged;
        while state.written < logged {
            state = self.shared.wait_written(state);
        }
    }
}

impl Write for LogWriter {
    /// The subscriber hands over a whole formatted line in one call, so
    /// lines never interleave.
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let mut state = self.shared.state();
        while state.waiting.len() >= MAX_WAITING {
            state = self.shared.wait_written(state);
        }
        state.waiting.extend_from_slice(line);
        state.logged += line.len() as u64;
        if state.asleep {
            self.shared.lines.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        LogWriter::flush(self);
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> LogWriter {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what the writer thread wrote.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_from_every_thread_is_written_whole_by_the_time_flush_returns() {
        let sink = Sink::default();
        let log = LogWriter::start(sink.clone());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let mut log = log.clone();
                std::thread::spawn(move || {
                    for n in 0..5_000 {
                        log.write_all(format!("thread {t} line {n}\n").as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        log.flush();
        let written = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 20_000);
        for t in 0..4 {
            let own: Vec<&str> = lines.iter().copied().filter(|l| l.starts_with(&format!("thread {t} "))).collect();
            let expected: Vec<String> = (0..5_000).map(|n| format!("thread {t} line {n}")).collect();
            assert_eq!(own, expected, "thread {t}'s lines, whole and in order");
        }
    }

    #[test]
    fn a_flush_returns_while_others_keep_logging() {
        let log = LogWriter::start(Sink::default());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let busy = {
            let (mut log, stop) = (log.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    log.write_all(b"busy\n").unwrap();
                }
            })
        };
        for _ in 0..20 {
            log.flush();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        busy.join().unwrap();
    }

    #[test]
    fn a_line_logged_while_the_writer_sleeps_is_written_without_a_flush() {
        let sink = Sink::default();
        let mut log = LogWriter::start(sink.clone());
        std::thread::sleep(std::time::Duration::from_millis(20));
        log.write_all(b"alone\n").unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while sink.0.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "the line was never written");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(&sink.0.lock().unwrap()[..], b"alone\n");
    }
}
