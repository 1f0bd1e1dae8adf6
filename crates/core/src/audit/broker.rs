//! This node's live audit devices, built from the stored table and rebuilt when its
//! fingerprint changes, so enabling or disabling a device on the active node takes
//! effect on every node that later becomes active, without invalidation messages.

use std::{
    sync::{Arc, RwLock},
    time::Instant,
};

use arca_audit::{Device, LogInput};
use arca_sdk::Error;
use arca_telemetry::names;

use super::table::{AUDIT_TABLE_KEY, AuditEntry, AuditTable, load_salt};
use crate::Core;

/// One device of the table; `device` is `None` when it could not be built on this node
/// (its destination does not open): it then counts as a device that failed to write.
pub(crate) struct LiveDevice {
    pub(crate) entry: AuditEntry,
    pub(crate) device: Option<Arc<dyn Device>>,
}

/// The devices built from one version of the stored table.
#[derive(Default)]
pub(crate) struct Devices {
    /// Fingerprint of the stored table's ciphertext (`None`: no table stored).
    fingerprint: Option<[u8; 32]>,
    pub(crate) devices: Vec<LiveDevice>,
}

/// Which entry a write is for.
#[derive(Clone, Copy)]
pub(crate) enum Stage {
    Request,
    Response,
}

impl Devices {
    /// True when no device is enabled (requests are not audited at all).
    pub(crate) fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }

    /// Writes one entry to every device; fails (Vault's "internal error") only when no
    /// device recorded it.
    pub(crate) fn log(&self, stage: Stage, input: &LogInput) -> Result<(), Error> {
        if self.devices.is_empty() {
            return Ok(());
        }
        let start = Instant::now();
        let mut written = 0usize;
        for live in &self.devices {
            let Some(device) = &live.device else {
                tracing::error!(path = %live.entry.path, "audit device is not available");
                continue;
            };
            let result = match stage {
                Stage::Request => device.log_request(input),
                Stage::Response => device.log_response(input),
            };
            match result {
                Ok(()) => written += 1,
                Err(e) => {
                    tracing::error!(path = %live.entry.path, error = %e, "audit device failed to log")
                }
            }
        }
        let (timing, failure) = match stage {
            Stage::Request => (names::AUDIT_LOG_REQUEST, names::AUDIT_LOG_REQUEST_FAILURE),
            Stage::Response => (names::AUDIT_LOG_RESPONSE, names::AUDIT_LOG_RESPONSE_FAILURE),
        };
        arca_telemetry::emit::measure_since(timing, start);
        if written == 0 {
            arca_telemetry::emit::incr(failure);
            tracing::error!(request_id = %input.request.id, "no audit device could record the request; failing it");
            return Err(Error::Status {
                status: 500,
                message: "internal error".into(),
            });
        }
        Ok(())
    }

    /// The device at `path`.
    fn find(&self, path: &str) -> Option<&LiveDevice> {
        self.devices.iter().find(|d| d.entry.path == path)
    }
}

/// The core's audit state.
#[derive(Default)]
pub(crate) struct AuditState {
    /// `None` until loaded (and after seal).
    current: RwLock<Option<Arc<Devices>>>,
    /// Serialises rebuilds.
    rebuild: tokio::sync::Mutex<()>,
}

impl AuditState {
    fn current(&self) -> Option<Arc<Devices>> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set(&self, devices: Option<Arc<Devices>>) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = devices;
    }

    /// Forgets the devices (on seal); their files close when the last request using
    /// them ends.
    pub(crate) fn clear(&self) {
        self.set(None);
    }
}

/// Builds the device of one table entry with its stored salt.
async fn build(
    storage: &dyn arca_sdk::Storage,
    entry: &AuditEntry,
) -> Result<Arc<dyn Device>, Error> {
    let salt = load_salt(storage, &entry.uuid).await?;
    arca_audit::create(&entry.kind, &entry.options, salt)
        .map_err(|e| Error::internal(e.to_string()))
}

impl Core {
    /// The devices of the stored audit table, rebuilt if the table changed since they
    /// were built (devices whose entry did not change are kept, with their open file).
    pub(crate) async fn audit_devices(&self) -> Result<Arc<Devices>, Error> {
        let stored = self
            .physical
            .get(AUDIT_TABLE_KEY)
            .await
            .map_err(Error::storage)?
            .map(|b| arca_storage::fingerprint(&b));
        if let Some(current) = self.audit.current()
            && current.fingerprint == stored
        {
            return Ok(current);
        }
        let _guard = self.audit.rebuild.lock().await;
        let previous = self.audit.current();
        if let Some(current) = &previous
            && current.fingerprint == stored
        {
            return Ok(current.clone());
        }
        let tx = self.barrier.begin();
        let table = AuditTable::load(&tx).await?;
        let mut devices = Vec::with_capacity(table.entries.len());
        for entry in table.entries {
            let kept = previous
                .as_ref()
                .and_then(|p| p.find(&entry.path))
                .filter(|live| live.entry == entry)
                .and_then(|live| live.device.clone());
            let device = match kept {
                Some(d) => Some(d),
                None => match build(&tx, &entry).await {
                    Ok(d) => Some(d),
                    Err(e) => {
                        tracing::error!(path = %entry.path, error = %e, "cannot set up audit device");
                        None
                    }
                },
            };
            devices.push(LiveDevice { entry, device });
        }
        let built = Arc::new(Devices {
            fingerprint: stored,
            devices,
        });
        self.audit.set(Some(built.clone()));
        Ok(built)
    }

    /// Loads the audit devices after unseal, so their files exist before the first
    /// request; a failure is logged and retried by the next request.
    pub(crate) async fn load_audit_devices(&self) {
        if let Err(e) = self.audit_devices().await {
            tracing::error!(error = %e, "cannot load the audit table");
        }
    }

    /// Closes and reopens every audit device's file (log rotation; the server calls this
    /// on SIGHUP). Devices that could not be built are tried again.
    pub async fn reopen_audit_devices(&self) {
        let Some(current) = self.audit.current() else {
            return;
        };
        let mut rebuilt = false;
        for live in &current.devices {
            match &live.device {
                Some(device) => match device.reopen() {
                    Ok(()) => tracing::info!(path = %live.entry.path, "reopened audit device"),
                    Err(e) => {
                        tracing::error!(path = %live.entry.path, error = %e, "cannot reopen audit device")
                    }
                },
                None => rebuilt = true,
            }
        }
        if rebuilt {
            // Forget the table's version so the next lookup builds the missing devices.
            let guard = self.audit.rebuild.lock().await;
            let devices = current
                .devices
                .iter()
                .map(|d| LiveDevice {
                    entry: d.entry.clone(),
                    device: d.device.clone(),
                })
                .collect();
            self.audit.set(Some(Arc::new(Devices {
                fingerprint: None,
                devices,
            })));
            drop(guard);
            self.load_audit_devices().await;
        }
    }

    /// `hmac-sha256:<hex>` of `input` under the salt of the device at `path`
    /// (`sys/audit-hash`).
    pub(crate) async fn audit_hash(&self, path: &str, input: &str) -> Result<String, Error> {
        let devices = self.audit_devices().await?;
        let live = devices
            .find(path)
            .ok_or_else(|| Error::bad_request("unknown audit backend"))?;
        match &live.device {
            Some(d) => Ok(d.hash(input)),
            None => {
                let tx = self.barrier.begin();
                Ok(load_salt(&tx, &live.entry.uuid).await?.hash(input))
            }
        }
    }
}
