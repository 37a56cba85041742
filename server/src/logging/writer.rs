//! The background thread that writes log lines.

use std::io::{BufWriter, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::time::Duration;

/// How long [`LogGuard`] waits for the writer to flush at exit.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

enum Message {
    /// Bytes to write; a JSON record is one complete line.
    Bytes(Vec<u8>),
    /// Flush everything received so far, then acknowledge.
    Flush(SyncSender<()>),
}

/// A handle for sending bytes to the writer thread. Cloning it is cheap; sending waits
/// when the channel is full, so nothing is lost.
///
/// It is also an [`std::io::Write`] whose `write` buffers locally and whose `flush` sends
/// the buffer as one message, which is how slog-term's decorator uses it.
#[derive(Debug)]
pub struct LineWriter {
    tx: SyncSender<Message>,
    pending: Vec<u8>,
}

impl Clone for LineWriter {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
            pending: Vec::new(),
        }
    }
}

impl LineWriter {
    /// Starts the writer thread over `output` with a channel of `capacity` messages.
    pub fn spawn<W>(output: W, capacity: usize) -> (Self, LogGuard)
    where
        W: Write + Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(capacity);
        std::thread::Builder::new()
            .name("log-writer".to_owned())
            .spawn(move || run(output, rx))
            .expect("the log writer thread starts");
        (
            Self {
                tx: tx.clone(),
                pending: Vec::new(),
            },
            LogGuard { tx },
        )
    }

    /// Sends one complete line (or record) to be written.
    pub fn send(&self, bytes: Vec<u8>) {
        // The writer thread only stops when every sender is gone, so this cannot fail
        // while `self` exists.
        let _ = self.tx.send(Message::Bytes(bytes));
    }
}

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            let bytes = std::mem::take(&mut self.pending);
            self.send(bytes);
        }
        Ok(())
    }
}

/// Writes in batches: everything already queued goes through one buffer and one flush.
fn run<W: Write>(output: W, rx: Receiver<Message>) {
    let mut out = BufWriter::with_capacity(64 * 1024, output);
    // A failing output (a closed pipe) must not stop the server; the lines are lost with
    // the output itself.
    let handle = |out: &mut BufWriter<W>, message| match message {
        Message::Bytes(bytes) => {
            let _ = out.write_all(&bytes);
        }
        Message::Flush(ack) => {
            let _ = out.flush();
            let _ = ack.send(());
        }
    };
    while let Ok(first) = rx.recv() {
        handle(&mut out, first);
        while let Ok(next) = rx.try_recv() {
            handle(&mut out, next);
        }
        let _ = out.flush();
    }
}

/// Flushes the log writer when dropped: keep it alive until the process exits.
#[derive(Debug)]
pub struct LogGuard {
    tx: SyncSender<Message>,
}

impl LogGuard {
    /// Waits until every line sent before this call is written out (at most 2 s).
    pub fn flush(&self) {
        let (ack_tx, ack_rx) = mpsc::sync_channel(1);
        if self.tx.send(Message::Flush(ack_tx)).is_ok() {
            match ack_rx.recv_timeout(FLUSH_TIMEOUT) {
                Ok(()) | Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
            }
        }
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.flush();
    }
}
