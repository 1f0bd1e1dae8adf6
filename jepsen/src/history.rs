//! The recorded history: every operation as an `invoke` event followed by its completion
//! (`ok`, `fail` or `info`), one JSON object per line.
//!
//! The history is the only thing the checkers look at, so it is written as the run goes
//! (a crashed harness still leaves the evidence) and can be re-checked later with
//! `arca-jepsen check FILE`. Event order in the file (`index`) is the real-time order the
//! checkers use; `time` (monotonic nanoseconds since the run started) is for latencies and
//! the timeline.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

/// Why a history could not be read or written.
#[derive(Debug, Error)]
pub enum HistoryError {
    /// The file could not be opened, read or written.
    #[error("history file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying failure.
        source: std::io::Error,
    },
    /// A line is not a valid operation.
    #[error("history line {line}: {reason}")]
    Parse {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
}

/// Who performed an operation: a client process or the nemesis (fault injector).
///
/// A client whose operation ended in `info` may still have that request in flight, so it
/// continues under a fresh process number (as in Jepsen); every process therefore has at
/// most one operation open at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Process {
    /// A client, numbered from 0.
    Client(u64),
    /// The fault injector; its operations are faults starting and healing.
    Nemesis,
}

impl Serialize for Process {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Process::Client(n) => s.serialize_u64(*n),
            Process::Nemesis => s.serialize_str("nemesis"),
        }
    }
}

impl<'de> Deserialize<'de> for Process {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(n) => Ok(Process::Client(n)),
            Raw::Text(t) if t == "nemesis" => Ok(Process::Nemesis),
            Raw::Text(t) => Err(serde::de::Error::custom(format!(
                "process must be a number or \"nemesis\", got {t:?}"
            ))),
        }
    }
}

impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Process::Client(n) => write!(f, "{n}"),
            Process::Nemesis => f.write_str("nemesis"),
        }
    }
}

/// The event type. `fail` means the operation certainly did not take effect; `info` means
/// nobody knows (a timeout, a dropped connection, a 5xx after the request was sent): it may
/// have taken effect at any time after its invocation, or never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The operation starts.
    Invoke,
    /// It completed and its result is known.
    Ok,
    /// It certainly did not happen.
    Fail,
    /// It may or may not have happened.
    Info,
}

/// The operation's function. Each workload uses its own names so a key's model follows
/// from the functions applied to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum F {
    /// Register: read the value and version.
    Read,
    /// Register: write a new value.
    Write,
    /// Register: compare-and-set on the version.
    Cas,
    /// Grow-only set: add one element.
    Add,
    /// Grow-only set: read every element.
    ReadSet,
    /// Token lifecycle: create the token.
    TokenCreate,
    /// Token lifecycle: use the token (valid or not).
    TokenUse,
    /// Token lifecycle: revoke the token.
    TokenRevoke,
    /// Nemesis: a fault begins.
    FaultStart,
    /// Nemesis: a fault heals.
    FaultStop,
}

impl F {
    /// The name used in the history file.
    pub fn name(self) -> &'static str {
        match self {
            F::Read => "read",
            F::Write => "write",
            F::Cas => "cas",
            F::Add => "add",
            F::ReadSet => "read-set",
            F::TokenCreate => "token-create",
            F::TokenUse => "token-use",
            F::TokenRevoke => "token-revoke",
            F::FaultStart => "fault-start",
            F::FaultStop => "fault-stop",
        }
    }
}

/// One event of the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    /// Who performed it.
    pub process: Process,
    /// Invocation or completion.
    pub kind: Kind,
    /// What was done.
    pub f: F,
    /// The object it applies to (the unit of P-compositionality); none for faults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Arguments on invocation, results on completion (JSON, workload-specific).
    #[serde(default)]
    pub value: Value,
    /// Monotonic nanoseconds since the run started.
    pub time: u64,
    /// Position in the history, from 0; real-time order.
    pub index: u64,
    /// Which node served the request (position in the node list), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<usize>,
    /// Why a `fail` or `info` ended that way (never contains secrets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Op {
    /// A new event; `time` and `index` are set by the recorder.
    pub fn new(process: Process, kind: Kind, f: F, key: Option<String>, value: Value) -> Self {
        Op {
            process,
            kind,
            f,
            key,
            value,
            time: 0,
            index: 0,
            node: None,
            error: None,
        }
    }
}

/// Reads a JSON-lines history; blank lines are skipped.
pub fn read_history(path: &Path) -> Result<Vec<Op>, HistoryError> {
    let io = |source| HistoryError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    parse_lines(BufReader::new(file)).map_err(|e| match e {
        ParseLinesError::Io(source) => io(source),
        ParseLinesError::Parse(line, reason) => HistoryError::Parse { line, reason },
    })
}

enum ParseLinesError {
    Io(std::io::Error),
    Parse(usize, String),
}

fn parse_lines(reader: impl BufRead) -> Result<Vec<Op>, ParseLinesError> {
    let mut ops = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(ParseLinesError::Io)?;
        if line.trim().is_empty() {
            continue;
        }
        let op = serde_json::from_str(&line)
            .map_err(|e| ParseLinesError::Parse(n + 1, e.to_string()))?;
        ops.push(op);
    }
    Ok(ops)
}

/// Parses a history held in memory (tests, tools).
pub fn parse_history(text: &str) -> Result<Vec<Op>, HistoryError> {
    parse_lines(text.as_bytes()).map_err(|e| match e {
        ParseLinesError::Io(source) => HistoryError::Io {
            path: "<memory>".into(),
            source,
        },
        ParseLinesError::Parse(line, reason) => HistoryError::Parse { line, reason },
    })
}

/// Writes a whole history as JSON lines.
pub fn write_history(path: &Path, ops: &[Op]) -> Result<(), HistoryError> {
    let mut w = HistoryWriter::create(path)?;
    for op in ops {
        w.append(op)?;
    }
    w.flush()
}

/// Appends events to a JSON-lines file as they happen.
pub struct HistoryWriter {
    path: String,
    out: BufWriter<File>,
}

impl HistoryWriter {
    /// Creates (truncates) the file.
    pub fn create(path: &Path) -> Result<Self, HistoryError> {
        let file = File::create(path).map_err(|source| HistoryError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(HistoryWriter {
            path: path.display().to_string(),
            out: BufWriter::new(file),
        })
    }

    /// Appends one event.
    pub fn append(&mut self, op: &Op) -> Result<(), HistoryError> {
        let line = serde_json::to_string(op).map_err(|e| HistoryError::Io {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        writeln!(self.out, "{line}").map_err(|source| HistoryError::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// Flushes buffered events to the file.
    pub fn flush(&mut self) -> Result<(), HistoryError> {
        self.out.flush().map_err(|source| HistoryError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn op_round_trips_through_json_lines() {
        let mut a = Op::new(
            Process::Client(3),
            Kind::Invoke,
            F::Cas,
            Some("r/1".into()),
            json!({"expect_version": 2, "value": 9}),
        );
        a.time = 17;
        a.index = 4;
        let mut b = Op::new(Process::Nemesis, Kind::Info, F::FaultStart, None, json!({}));
        b.error = Some("timeout".into());
        b.node = Some(1);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.jsonl");
        write_history(&path, &[a.clone(), b.clone()]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(r#""process":3"#), "{text}");
        assert!(text.contains(r#""kind":"invoke""#), "{text}");
        assert!(text.contains(r#""process":"nemesis""#), "{text}");
        assert!(text.contains(r#""f":"fault-start""#), "{text}");
        assert_eq!(read_history(&path).unwrap(), vec![a, b]);
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let text = "\n{\"process\":1,\"kind\":\"invoke\",\"f\":\"read\",\"time\":0,\"index\":0}\n{\"process\":\"x\"}\n";
        match parse_history(text) {
            Err(HistoryError::Parse { line, .. }) => assert_eq!(line, 3),
            other => panic!("expected a parse error, got {other:?}"),
        }
        let ops = parse_history(&text.lines().take(2).collect::<Vec<_>>().join("\n")).unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].value, Value::Null);
        assert_eq!(ops[0].f.name(), "read");
    }

    #[test]
    fn unknown_kind_is_refused() {
        let text = r#"{"process":1,"kind":"maybe","f":"read","time":0,"index":0}"#;
        assert!(parse_history(text).is_err());
    }
}
