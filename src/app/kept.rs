//! Reads kept in memory while nothing they show has changed, so that the
//! busiest reads (a thread's page of posts, asked for by every member reading
//! it) run once per change instead of once per reader.
//!
//! A kept value carries the value [`super::App::changes`] had before it was
//! read. It is good while that has not moved (any commit others might see,
//! here or on another node) and for at most [`FRESH_FOR`], so changes on
//! other nodes that announce no event still show soon. The kept bytes are
//! bounded; when full, everything is dropped rather than ages tracked: the
//! busy reads come back at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a kept read may be used, however quiet the forum (as guests' pages).
pub const FRESH_FOR: Duration = Duration::from_secs(2);

pub struct Kept<K, V> {
    max_bytes: usize,
    state: Mutex<State<K, V>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

struct State<K, V> {
    map: HashMap<K, Entry<V>>,
    bytes: usize,
}

struct Entry<V> {
    changes: u64,
    at: Instant,
    bytes: usize,
    value: Arc<V>,
}

/// How often kept reads were used, for `/metrics`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub hits: u64,
    pub misses: u64,
    pub bytes: usize,
}

impl<K: Eq + Hash, V> Kept<K, V> {
    pub fn new(max_bytes: usize) -> Self {
        Kept { max_bytes, state: Mutex::new(State { map: HashMap::new(), bytes: 0 }), hits: AtomicU64::new(0), misses: AtomicU64::new(0) }
    }

    /// The value kept for `key`, if it was read while `changes` held its current value.
    pub fn get(&self, key: &K, changes: u64) -> Option<Arc<V>> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let found = state.map.get(key).filter(|e| e.changes == changes && e.at.elapsed() < FRESH_FOR).map(|e| e.value.clone());
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps `value`, read after [`super::App::changes`] was `changes`, about `bytes` large.
    pub fn keep(&self, key: K, changes: u64, value: Arc<V>, bytes: usize) {
        if bytes > self.max_bytes / 8 {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.bytes + bytes > self.max_bytes {
            state.map.clear();
            state.bytes = 0;
        }
        let entry = Entry { changes, at: Instant::now(), bytes, value };
        let replaced = state.map.insert(key, entry).map_or(0, |old| old.bytes);
        state.bytes = state.bytes + bytes - replaced;
    }

    pub fn counts(&self) -> Counts {
        let bytes = self.state.lock().unwrap_or_else(|e| e.into_inner()).bytes;
        Counts { hits: self.hits.load(Ordering::Relaxed), misses: self.misses.load(Ordering::Relaxed), bytes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_read_lasts_until_something_changes() {
        let kept = Kept::new(1 << 20);
        kept.keep(1, 7, Arc::new("posts"), 5);
        assert_eq!(kept.get(&1, 7).as_deref(), Some(&"posts"));
        assert_eq!(kept.get(&1, 8), None, "a commit since it was read");
        assert_eq!(kept.get(&2, 7), None);
        let counts = kept.counts();
        assert_eq!((counts.hits, counts.misses, counts.bytes), (1, 2, 5));
    }

    #[test]
    fn kept_reads_stay_within_their_bytes() {
        let kept = Kept::new(100);
        kept.keep(0, 1, Arc::new(()), 13);
        assert_eq!(kept.get(&0, 1), None, "larger than an eighth of the room: never kept");
        for key in 0..20 {
            kept.keep(key, 1, Arc::new(()), 10);
            assert!(kept.counts().bytes <= 100);
        }
        assert!(kept.get(&19, 1).is_some(), "the newest is kept");
        kept.keep(19, 1, Arc::new(()), 4);
        assert_eq!(kept.counts().bytes % 10, 4, "a value kept again replaces its bytes");
    }
}
