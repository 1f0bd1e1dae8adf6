//! Records events as they happen: assigns each its index and time under one lock (so index
//! order is real-time order), appends it to the JSON-lines file, and keeps it in memory.

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use crate::history::{HistoryError, HistoryWriter, Op};

/// The recorder of one run.
pub struct Recorder {
    start: Instant,
    inner: Mutex<Inner>,
}

struct Inner {
    writer: Option<HistoryWriter>,
    ops: Vec<Op>,
    error: Option<String>,
}

impl Recorder {
    /// Records to `path` (created or truncated); `None` keeps the history in memory only.
    pub fn new(path: Option<&Path>) -> Result<Self, HistoryError> {
        let writer = path.map(HistoryWriter::create).transpose()?;
        Ok(Recorder {
            start: Instant::now(),
            inner: Mutex::new(Inner {
                writer,
                ops: Vec::new(),
                error: None,
            }),
        })
    }

    /// Nanoseconds since the run started.
    pub fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Records `op`, stamping its index and time; returns the stamped event.
    pub fn record(&self, mut op: Op) -> Op {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        op.index = g.ops.len() as u64;
        op.time = self.now();
        if let Some(w) = g.writer.as_mut()
            && let Err(e) = w.append(&op)
        {
            // Keep the first failure: the run is then a harness failure.
            g.error.get_or_insert(e.to_string());
        }
        g.ops.push(op.clone());
        op
    }

    /// Flushes the file and returns the history and the first write error, if any.
    pub fn finish(&self) -> (Vec<Op>, Option<String>) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(w) = g.writer.as_mut()
            && let Err(e) = w.flush()
        {
            g.error.get_or_insert(e.to_string());
        }
        (std::mem::take(&mut g.ops), g.error.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{F, Kind, Process, read_history};
    use serde_json::Value;

    #[test]
    fn stamps_in_order_and_writes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let rec = Recorder::new(Some(&path)).unwrap();
        for p in 0..3 {
            rec.record(Op::new(
                Process::Client(p),
                Kind::Invoke,
                F::Read,
                Some("k".into()),
                Value::Null,
            ));
        }
        let (ops, err) = rec.finish();
        assert!(err.is_none());
        assert_eq!(
            ops.iter().map(|o| o.index).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        assert!(ops.windows(2).all(|w| w[0].time <= w[1].time));
        assert_eq!(read_history(&path).unwrap(), ops);
    }
}
