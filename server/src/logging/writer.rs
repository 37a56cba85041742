//! The background thread that writes log lines.
//!
//! Loggers append formatted lines to one shared buffer under a mutex: no allocation
//! handed over, no thread woken per line. The writer thread sleeps while the buffer is
//! empty; the first line into an empty buffer wakes it, it waits [`BATCH_DELAY`] for more
//! lines to gather, then swaps the buffer out and writes it with one `write` and one
//! flush. A line therefore reaches the output at most a few milliseconds after it was
//! logged, and a busy server pays a few hundred wake-ups a second, not one per request.
//!
//! When the buffer holds [`MAX_PENDING`] bytes (the output is slower than the logging),
//! loggers wait for the writer instead of dropping lines.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long the writer lets lines gather after waking.
const BATCH_DELAY: Duration = Duration::from_millis(2);
/// How many bytes may wait for the writer before loggers wait.
const MAX_PENDING: usize = 8 * 1024 * 1024;
/// How long [`LogGuard::flush`] waits for the writer.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Default)]
struct State {
    /// Lines not yet taken by the writer.
    buffer: Vec<u8>,
    /// Bytes ever appended, and ever written: a flush waits for the second to reach the
    /// first.
    appended: u64,
    written: u64,
    /// The writer is asleep waiting for a line.
    writer_idle: bool,
    /// Someone waits (a flush, or a full buffer): write without gathering first.
    urgent: bool,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// How many bytes may wait for the writer before loggers wait ([`MAX_PENDING`]).
    max_pending: usize,
    /// Wakes the writer.
    wake_writer: Condvar,
    /// Signalled after each write: for flushes and for loggers waiting for room.
    written: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves a consistent buffer: keep logging.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A handle for appending to the log output. Cloning it is cheap; appending never loses
/// a line.
///
/// It is also an [`std::io::Write`] whose `write` collects locally and whose `flush`
/// appends what was collected as one piece, which is how slog-term's decorator uses it.
#[derive(Debug)]
pub struct LineWriter {
    shared: Arc<Shared>,
    pending: Vec<u8>,
}

impl Clone for LineWriter {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            pending: Vec::new(),
        }
    }
}

impl LineWriter {
    /// Starts the writer thread over `output`.
    pub fn spawn<W>(output: W) -> (Self, LogGuard)
    where
        W: Write + Send + 'static,
    {
        Self::spawn_bounded(output, MAX_PENDING)
    }

    /// [`LineWriter::spawn`], with loggers waiting once `max_pending` bytes wait.
    fn spawn_bounded<W>(output: W, max_pending: usize) -> (Self, LogGuard)
    where
        W: Write + Send + 'static,
    {
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            max_pending,
            wake_writer: Condvar::new(),
            written: Condvar::new(),
        });
        let for_thread = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("log-writer".to_owned())
            .spawn(move || run(output, &for_thread))
            .expect("the log writer thread starts");
        (
            Self {
                shared: Arc::clone(&shared),
                pending: Vec::new(),
            },
            LogGuard { shared },
        )
    }

    /// Appends complete lines to the output.
    pub fn append(&self, bytes: &[u8]) {
        let mut state = self.shared.lock();
        while state.buffer.len() >= self.shared.max_pending {
            state.urgent = true;
            self.shared.wake_writer.notify_one();
            state = self
                .shared
                .written
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.buffer.extend_from_slice(bytes);
        state.appended += bytes.len() as u64;
        if state.writer_idle {
            state.writer_idle = false;
            self.shared.wake_writer.notify_one();
        }
    }
}

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            self.append(&self.pending);
            self.pending.clear();
        }
        Ok(())
    }
}

fn run<W: Write>(mut output: W, shared: &Shared) {
    let mut batch = Vec::new();
    loop {
        let mut state = shared.lock();
        while state.buffer.is_empty() {
            state.writer_idle = true;
            state = shared
                .wake_writer
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if !state.urgent {
            drop(state);
            std::thread::sleep(BATCH_DELAY);
            state = shared.lock();
        }
        state.urgent = false;
        std::mem::swap(&mut state.buffer, &mut batch);
        let upto = state.appended;
        drop(state);

        // A failing output (a closed pipe) must not stop the server; the lines are lost
        // with the output itself.
        let _ = output.write_all(&batch).and_then(|()| output.flush());
        batch.clear();

        shared.lock().written = upto;
        shared.written.notify_all();
    }
}

/// Flushes the log output when dropped: keep it alive until the process exits.
#[derive(Debug)]
pub struct LogGuard {
    shared: Arc<Shared>,
}

impl LogGuard {
    /// Waits until every line appended before this call is written out (at most 2 s).
    pub fn flush(&self) {
        let mut state = self.shared.lock();
        let target = state.appended;
        if state.written >= target {
            return;
        }
        state.urgent = true;
        state.writer_idle = false;
        self.shared.wake_writer.notify_one();
        let _ = self
            .shared
            .written
            .wait_timeout_while(state, FLUSH_TIMEOUT, |s| s.written < target)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output slower than the loggers: it records the size of each write, and takes a
    /// millisecond for it.
    #[derive(Clone, Default)]
    struct Slow(Arc<Mutex<Vec<usize>>>);

    impl Write for Slow {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            std::thread::sleep(Duration::from_millis(1));
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(buf.len());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Loggers outpacing a slow output wait for it: what waits never exceeds the bound (by
    /// more than the line being added), and no line is lost.
    #[test]
    fn a_burst_larger_than_the_bound_waits_for_the_output_and_loses_no_line() {
        const BOUND: usize = 4096;
        const LINE: &[u8] = b"{\"msg\":\"a log line, as the JSON format writes one\"}\n";
        const LINES: usize = 4 * 2000;
        let output = Slow::default();
        let (writer, guard) = LineWriter::spawn_bounded(output.clone(), BOUND);
        let loggers: Vec<_> = (0..4)
            .map(|_| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for _ in 0..LINES / 4 {
                        writer.append(LINE);
                    }
                })
            })
            .collect();
        for logger in loggers {
            logger.join().expect("a logger thread");
        }
        guard.flush();
        let writes = output
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        assert_eq!(writes.iter().sum::<usize>(), LINES * LINE.len());
        let largest = writes.iter().copied().max().unwrap_or(0);
        assert!(
            largest < BOUND + LINE.len(),
            "{largest} bytes waited for the output, over the {BOUND}-byte bound"
        );
        assert!(
            largest >= BOUND,
            "the bound was never reached ({largest} bytes at most): the test proves nothing"
        );
    }
}
