//! Parallelism inside one input: its records are read in order, in batches, by whichever worker
//! holds the reader; each batch is built ([`Pending::resolve`]: JSON parsing, HTML extraction,
//! wikitext conversion) and run through the chain by one worker; finished batches are written
//! in their reading order. Record indices, offsets and ids come from the reader, so documents,
//! shard rows, statistics and the error list are those of a sequential run whatever the number
//! of workers (one worker is the sequential run).
//!
//! There is no dedicated thread: `threads` workers (the calling thread and `threads - 1` rayon
//! jobs of the current pool) each loop over read a batch → process it → hand it in, and the
//! worker that hands in the next batch in order writes every batch that is then in order.
//! A worker never waits on another worker's progress except when `2 × threads` batches are
//! already read and not written (memory stays bounded: at most that many batches of
//! [`BATCH_RECORDS`] records or about [`BATCH_BYTES`] bytes read, plus one per worker); the
//! batch they wait for is then being processed by a worker that waits on nothing. A spawned
//! worker that starts late (the pool busy with other inputs) finds the input read and ends.

use crate::runner::{ErrorLine, MAX_ERRORS_LISTED_PER_INPUT};
use crate::{Chain, Error};
use garbell_core::{ChainStats, Document, RecordError};
use garbell_io::{Pending, PendingRecords, Record};
use garbell_shard::ShardWriter;
use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Records per batch at most.
pub(crate) const BATCH_RECORDS: usize = 256;
/// Bytes read (before building) per batch, about: a batch ends at the first record that reaches
/// it.
pub(crate) const BATCH_BYTES: usize = 8 << 20;

/// The reading side: the input's records, the number of batches read.
struct Feed {
    records: PendingRecords,
    next: u64,
    done: bool,
}

/// What a worker made of one batch.
struct Done {
    /// Documents to write, in order.
    docs: Vec<Document>,
    stats: ChainStats,
    /// Record errors, in order.
    errors: Vec<RecordError>,
    /// The error that stops the job (after `docs`), if the batch met one.
    fatal: Option<Error>,
}

/// The order of batches (held briefly).
struct Order {
    /// The next batch to write.
    next: u64,
    /// Batches processed, waiting for an earlier one (or for the writing worker).
    waiting: BTreeMap<u64, Done>,
    /// Batches read so far (copied from [`Feed::next`]).
    issued: u64,
    /// A worker is writing: batches handed in meanwhile are written by it.
    writing: bool,
    failed: Option<Error>,
}

/// The writing side (held by one worker at a time, while it writes).
struct Sink {
    writer: ShardWriter,
    stats: ChainStats,
    errors: Vec<ErrorLine>,
}

struct Shared<'a> {
    chain: &'a Chain,
    feed: Mutex<Feed>,
    order: Mutex<Order>,
    sink: Mutex<Sink>,
    /// Signalled when batches are written or the job fails.
    written: Condvar,
    /// Batches read and not written at most (before a worker waits).
    ahead: u64,
}

/// Runs `records` through `chain` with `threads` workers and writes the documents kept to
/// `writer` in input order. Returns the writer (to commit), the statistics and the listed
/// record errors — the same whatever `threads`.
pub(crate) fn process_records(
    chain: &Chain,
    records: PendingRecords,
    writer: ShardWriter,
    threads: usize,
) -> Result<(ShardWriter, ChainStats, Vec<ErrorLine>), Error> {
    let threads = threads.max(1);
    let shared = Shared {
        chain,
        feed: Mutex::new(Feed {
            records,
            next: 0,
            done: false,
        }),
        order: Mutex::new(Order {
            next: 0,
            waiting: BTreeMap::new(),
            issued: 0,
            writing: false,
            failed: None,
        }),
        sink: Mutex::new(Sink {
            writer,
            stats: chain.new_stats(),
            errors: Vec::new(),
        }),
        written: Condvar::new(),
        ahead: 2 * threads as u64,
    };
    if threads == 1 {
        shared.work();
    } else {
        rayon::in_place_scope(|s| {
            for _ in 1..threads {
                s.spawn(|_| shared.work());
            }
            shared.work();
        });
    }
    let order = shared
        .order
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let sink = shared
        .sink
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(e) = order.failed {
        return Err(e);
    }
    if !order.waiting.is_empty() || order.next != order.issued {
        // Unreachable: every batch read is processed and handed in.
        return Err(Error::Threads(
            "batches of an input were left unwritten".into(),
        ));
    }
    Ok((sink.writer, sink.stats, sink.errors))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere propagates through the scope; the data is still consistent enough to
    // be dropped.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared<'_> {
    /// One worker: read, process and hand in batches until the input is read or the job fails.
    fn work(&self) {
        loop {
            {
                let mut order = lock(&self.order);
                while order.failed.is_none() && order.issued - order.next >= self.ahead {
                    order = self
                        .written
                        .wait(order)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                if order.failed.is_some() {
                    return;
                }
            }
            let Some((seq, batch)) = self.read_batch() else {
                return;
            };
            let done = self.process(batch);
            self.hand_in(seq, done);
        }
    }

    /// The next batch and its sequence number; `None` at the end of the input.
    fn read_batch(&self) -> Option<(u64, Vec<Pending>)> {
        let mut feed = lock(&self.feed);
        if feed.done {
            return None;
        }
        let mut batch = Vec::new();
        let (mut records, mut bytes) = (0, 0);
        while records < BATCH_RECORDS && bytes < BATCH_BYTES {
            match feed.records.next() {
                Some(p) => {
                    records += p.records();
                    bytes += p.bytes();
                    batch.push(p);
                }
                None => {
                    feed.done = true;
                    break;
                }
            }
        }
        if batch.is_empty() {
            return None;
        }
        let seq = feed.next;
        feed.next += 1;
        // Counted as issued before the feed is released, so `issued` only grows in order.
        lock(&self.order).issued = feed.next;
        Some((seq, batch))
    }

    /// Builds the batch's records and runs the documents through the chain.
    fn process(&self, batch: Vec<Pending>) -> Done {
        let mut done = Done {
            docs: Vec::new(),
            stats: self.chain.new_stats(),
            errors: Vec::new(),
            fatal: None,
        };
        let stats = &mut done.stats;
        // A Parquet row group (or part of one) is decoded here, by the worker that took it.
        for result in batch.into_iter().flat_map(Pending::resolve) {
            match result {
                Ok(Record::Document(doc)) => {
                    stats.records_read += 1;
                    if let Some(doc) = self.chain.run(doc, stats) {
                        stats.written += 1;
                        *stats.written_by_lang.entry(doc.lang.clone()).or_default() += 1;
                        done.docs.push(doc);
                    }
                }
                Ok(Record::Skipped(reason)) => {
                    *stats.skipped.entry(reason.to_string()).or_default() += 1
                }
                Err(e) => {
                    // An input that cannot be read at all (not damage) stops the job.
                    if let Some(fatal) = garbell_io::Error::from_record(&e) {
                        done.fatal = Some(fatal.into());
                        break;
                    }
                    *stats.read_errors.entry(e.kind.to_string()).or_default() += 1;
                    done.errors.push(e);
                }
            }
        }
        done
    }

    /// Hands in batch `seq`. Unless another worker is writing (it will write this batch when
    /// its turn comes), writes every batch that is next in order, without holding the order
    /// lock while writing.
    fn hand_in(&self, seq: u64, done: Done) {
        let mut order = lock(&self.order);
        if order.failed.is_some() {
            return;
        }
        order.waiting.insert(seq, done);
        if order.writing {
            return;
        }
        order.writing = true;
        loop {
            let mut run = Vec::new();
            while let Some(done) = {
                let at = order.next + run.len() as u64;
                order.waiting.remove(&at)
            } {
                run.push(done);
            }
            if run.is_empty() {
                order.writing = false;
                return;
            }
            drop(order);
            let n = run.len() as u64;
            let result = {
                let mut sink = lock(&self.sink);
                run.into_iter().try_for_each(|done| sink.write(done))
            };
            order = lock(&self.order);
            order.next += n;
            if let Err(e) = result {
                order.failed = Some(e);
                order.waiting.clear();
                order.writing = false;
                self.written.notify_all();
                return;
            }
            self.written.notify_all();
        }
    }
}

impl Sink {
    /// Writes one batch's documents and adds its statistics and errors.
    fn write(&mut self, done: Done) -> Result<(), Error> {
        for doc in &done.docs {
            self.writer.write(doc)?;
        }
        if let Some(fatal) = done.fatal {
            return Err(fatal);
        }
        self.stats += &done.stats;
        for e in done.errors {
            if self.errors.len() < MAX_ERRORS_LISTED_PER_INPUT {
                self.errors.push(ErrorLine::from(e));
            }
        }
        Ok(())
    }
}
