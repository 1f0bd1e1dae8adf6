//! The `file` device: JSON lines appended to a file (created with mode 0600 unless
//! `mode` says otherwise), written to the server's standard output (`stdout`) or
//! formatted and dropped (`discard`).

use std::{
    fs::{File, OpenOptions},
    io::Write,
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::Path,
    sync::Mutex,
};

use crate::{
    AuditError, Device, FileOptions, LogInput, Salt,
    entry::{self, EntryType, HashOptions},
};

/// Where the lines go.
enum Sink {
    Stdout,
    Discard,
    /// `None` after a failed write or reopen: the next write opens the path again.
    File(Option<File>),
}

/// A `file` audit device.
pub struct FileDevice {
    opts: FileOptions,
    salt: Salt,
    sink: Mutex<Sink>,
}

impl FileDevice {
    /// Builds the device and opens its file (Vault's sanity check at enable time).
    pub fn new(opts: FileOptions, salt: Salt) -> Result<Self, AuditError> {
        let sink = match opts.file_path.as_str() {
            "stdout" => Sink::Stdout,
            "discard" => Sink::Discard,
            path => Sink::File(Some(open(path, opts.mode)?)),
        };
        Ok(FileDevice {
            opts,
            salt,
            sink: Mutex::new(sink),
        })
    }

    /// The device's options.
    pub fn options(&self) -> &FileOptions {
        &self.opts
    }

    fn log(&self, kind: EntryType, input: &LogInput) -> Result<(), AuditError> {
        let hash_opts = HashOptions {
            log_raw: self.opts.log_raw,
            hmac_accessor: self.opts.hmac_accessor,
            elide_list_responses: self.opts.elide_list_responses,
        };
        let entry = entry::build(kind, input, &self.salt, hash_opts);
        let mut line = self.opts.prefix.clone().into_bytes();
        serde_json::to_writer(&mut line, &entry).map_err(|e| AuditError::Format(e.to_string()))?;
        line.push(b'\n');
        self.write(&line)
    }

    /// Writes one whole line with one `write_all` under the lock, so concurrent
    /// requests never interleave within a line.
    fn write(&self, line: &[u8]) -> Result<(), AuditError> {
        let mut sink = self.sink.lock().unwrap_or_else(|p| p.into_inner());
        let failed = |source| AuditError::Write {
            path: self.opts.file_path.clone(),
            source,
        };
        match &mut *sink {
            Sink::Discard => Ok(()),
            Sink::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(line)
                    .and_then(|_| out.flush())
                    .map_err(failed)
            }
            Sink::File(slot) => {
                if slot.is_none() {
                    *slot = Some(open(&self.opts.file_path, self.opts.mode)?);
                }
                let written = match slot.as_mut() {
                    Some(file) => file.write_all(line),
                    None => Ok(()),
                };
                written.map_err(|e| {
                    *slot = None;
                    failed(e)
                })
            }
        }
    }
}

impl Device for FileDevice {
    fn log_request(&self, input: &LogInput) -> Result<(), AuditError> {
        self.log(EntryType::Request, input)
    }

    fn log_response(&self, input: &LogInput) -> Result<(), AuditError> {
        self.log(EntryType::Response, input)
    }

    fn hash(&self, input: &str) -> String {
        self.salt.hash(input)
    }

    fn reopen(&self) -> Result<(), AuditError> {
        let mut sink = self.sink.lock().unwrap_or_else(|p| p.into_inner());
        if let Sink::File(slot) = &mut *sink {
            *slot = None;
            *slot = Some(open(&self.opts.file_path, self.opts.mode)?);
        }
        Ok(())
    }
}

/// Opens `path` for appending, creating it (and its directory) if needed, and sets its
/// permission bits to `mode` unless `mode` is 0.
fn open(path: &str, mode: u32) -> Result<File, AuditError> {
    let err = |source| AuditError::Open {
        path: path.to_string(),
        source,
    };
    if let Some(dir) = Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(if mode == 0 { 0o600 } else { mode })
        .open(path)
        .map_err(err)?;
    if mode != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(err)?;
    }
    Ok(file)
}
