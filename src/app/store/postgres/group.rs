//! Group commit for the writes that queue on one row: replies to a busy thread.
//!
//! A reply numbers itself by locking its thread's row, and PostgreSQL keeps
//! that lock until the commit is on disk, so replies to one thread commit one
//! fsync at a time however many connections wait. Here one task per node
//! takes every grouped write waiting at that moment and runs them side by
//! side in one transaction, which commits (and announces its events) once
//! for all. Side by side means their statements are awaited together, so
//! tokio-postgres pipelines them: the group costs about one round trip per
//! step of a reply, not per step of every reply.
//!
//! Statements of a group interleave, so a failing write can't be undone on
//! its own with a savepoint. Should any write fail, the group rolls back and
//! each write runs again alone in its own transaction, so one member's error
//! is theirs alone; this is why grouped work must be safe to run twice. A
//! write that deadlocks runs again (a few times). A failed commit is not
//! retried: whether it took effect is unknown.

use super::super::GroupedWork;
use super::{Result, StoreError, Tx, Wake, Writer};
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, join_all};
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{mpsc, oneshot};

/// The most writes one transaction takes; more wait for the next.
const MAX_GROUP: usize = 128;

type Value = Box<dyn Any + Send>;
type Run = Box<dyn for<'c> Fn(&'c Tx<'c>) -> BoxFuture<'c, Result<Value>> + Send + Sync>;
type Answer = oneshot::Receiver<Result<(Value, Wake)>>;

/// One grouped write and where its outcome goes.
pub(super) struct Job {
    run: Run,
    answer: oneshot::Sender<Result<(Value, Wake)>>,
}

impl Job {
    pub(super) fn new<T: Send + 'static>(work: impl GroupedWork<T>) -> (Job, Answer) {
        let (answer, answered) = oneshot::channel();
        let run: Run = Box::new(move |tx| {
            let work = work(tx);
            Box::pin(async move { work.await.map(|value| Box::new(value) as Value) })
        });
        (Job { run, answer }, answered)
    }

    fn run<'c>(&self, tx: &'c Tx<'c>) -> BoxFuture<'c, Result<Value>> {
        (self.run)(tx)
    }

    /// The outcome of the job that `answered` belongs to, as its own type.
    pub(super) async fn answer<T: 'static>(answered: Answer) -> Result<(T, Wake)> {
        let (value, wake) = answered.await.map_err(|_| StoreError::message("the group writer stopped before answering"))??;
        Ok((*value.downcast::<T>().expect("a job is answered with its own type"), wake))
    }
}

/// Starts the group writer on a thread of its own, with connections of its
/// own. Every reply waits on this one task, step after step, so its wakeups
/// must not queue behind the web's tasks on the shared runtime.
pub(super) fn spawn(writer: Writer, waiting: mpsc::UnboundedReceiver<Job>) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(StoreError::task)?;
    std::thread::Builder::new()
        .name("pg-group-writer".into())
        .spawn(move || runtime.block_on(write_loop(writer, waiting)))
        .map_err(StoreError::task)?;
    Ok(())
}

/// Runs until the store is dropped: blocks for the first write, then takes
/// whatever else queued meanwhile.
async fn write_loop(writer: Writer, mut waiting: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = waiting.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match waiting.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        // A job that panics loses its group's answers (their callers hear
        // the writer stopped), not the writer.
        let _ = AssertUnwindSafe(write_group(&writer, group)).catch_unwind().await;
    }
}

async fn write_group(writer: &Writer, group: Vec<Job>) {
    if let [_] = group[..] {
        let job = group.into_iter().next().expect("one job");
        let outcome = write_alone(writer, &job).await;
        let _ = job.answer.send(outcome);
        return;
    }
    let work_failed = Arc::new(AtomicBool::new(false));
    let outcome = writer
        .write_carrying(group.len(), |tx| {
            let runs: Vec<_> = group.iter().map(|job| job.run(tx)).collect();
            let work_failed = work_failed.clone();
            Box::pin(async move {
                let values = join_all(runs).await.into_iter().collect::<Result<Vec<Value>>>();
                work_failed.store(values.is_err(), Ordering::Relaxed);
                values
            })
        })
        .await;
    match outcome {
        Ok((values, wake)) => {
            for (job, value) in group.into_iter().zip(values) {
                let _ = job.answer.send(Ok((value, wake)));
            }
        }
        Err(_) if work_failed.load(Ordering::Relaxed) => {
            for job in group {
                let outcome = write_alone(writer, &job).await;
                let _ = job.answer.send(outcome);
            }
        }
        Err(e) => {
            let e = Arc::new(e);
            for job in group {
                let _ = job.answer.send(Err(StoreError::failed("writing a group of writes", e.clone())));
            }
        }
    }
}

/// Runs one job in a transaction of its own. Groups lock rows in no set
/// order, so one may deadlock with another node's group or with a single
/// write; PostgreSQL then fails one side, and a job (safe to run twice) is
/// simply run again.
async fn write_alone(writer: &Writer, job: &Job) -> Result<(Value, Wake)> {
    let mut retries = 3;
    loop {
        match writer.write(|tx| job.run(tx)).await {
            Err(e) if retries > 0 && super::deadlocked(&e) => retries -= 1,
            outcome => return outcome,
        }
    }
}
