//! What one request tells the audit devices, gathered along the request path: the
//! request as received, then the route and the caller once known, then the response or
//! the error. Without enabled devices a record is inert and costs nothing.

use std::{collections::BTreeMap, sync::Arc};

use arca_audit::{AuthInfo, LogInput, MountInfo, RequestInfo};
use arca_sdk::{Error, Operation, Response, duration::parse_duration};

use super::broker::{Devices, Stage};
use crate::{Core, request::CoreRequest, router::Route, token::caller::Caller};

/// The audit state of one request (one attempt of it).
pub(crate) struct Record {
    devices: Arc<Devices>,
    /// `None` when no device is enabled.
    input: Option<LogInput>,
    request_logged: bool,
    /// An audit write failed: nothing more is written for this request.
    failed: bool,
}

impl Core {
    /// Starts the record of `req` with the devices enabled now.
    pub(crate) async fn audit_record(&self, req: &CoreRequest) -> Result<Record, Error> {
        let devices = self.audit_devices().await?;
        let input = (!devices.is_empty()).then(|| LogInput {
            request: RequestInfo {
                id: req.id.clone(),
                operation: req.op(),
                path: req.path.clone(),
                mount: None,
                data: req.data.clone(),
                remote_address: req.remote_addr.clone(),
                wrap_ttl: req
                    .headers
                    .get("x-vault-wrap-ttl")
                    .and_then(|v| parse_duration(v).ok())
                    .map(|d| d.as_secs())
                    .unwrap_or(0),
                headers: BTreeMap::new(),
            },
            auth: None,
            response: None,
            error: None,
        });
        Ok(Record {
            devices,
            input,
            request_logged: false,
            failed: false,
        })
    }
}

impl Record {
    /// Records the mount the request was routed to and the authenticated caller.
    pub(crate) fn identify(&mut self, route: &Route, caller: Option<&Caller>) {
        let Some(input) = &mut self.input else {
            return;
        };
        input.request.mount = Some(MountInfo {
            mount_type: route.mount.kind.clone(),
            mount_point: route.mount.path.clone(),
            mount_accessor: route.mount.accessor.clone(),
            mount_class: if route.credential { "auth" } else { "secret" }.into(),
        });
        input.auth = caller.map(|c| {
            let e = &c.entry;
            AuthInfo {
                client_token: c.token.clone(),
                accessor: e.accessor.clone(),
                display_name: e.display_name.clone(),
                policies: e.policies.clone(),
                token_policies: e.policies.clone(),
                metadata: e.meta.clone(),
                entity_id: e.entity_id.clone(),
                token_type: e.token_type.as_str().into(),
                token_ttl: e.ttl,
                token_issue_time: crate::token::rfc3339_ms(e.issue_time_ms()),
                num_uses: e.num_uses,
            }
        });
    }

    /// Writes the request entry (before the backend runs); `op` is the operation the
    /// backend will see (`create` after a failed existence check).
    pub(crate) fn log_request(&mut self, op: Operation) -> Result<(), Error> {
        let Some(input) = &mut self.input else {
            return Ok(());
        };
        input.request.operation = op;
        self.request_logged = true;
        self.write(Stage::Request)
    }

    /// Writes the response entry (before the transaction commits).
    pub(crate) fn log_response(&mut self, resp: Option<&Response>) -> Result<(), Error> {
        let Some(input) = &mut self.input else {
            return Ok(());
        };
        input.response = resp.cloned();
        self.write(Stage::Response)
    }

    /// Records a failed request: a request entry with the error if the request entry
    /// was not written yet (authentication and permission failures), else a response
    /// entry with it. Conflicts are not logged: the request runs again.
    pub(crate) fn finish<T>(mut self, result: Result<T, Error>) -> Result<T, Error> {
        let Err(error) = &result else {
            return result;
        };
        if self.failed || matches!(error, Error::Conflict) {
            return result;
        }
        let Some(input) = &mut self.input else {
            return result;
        };
        input.error = Some(match error.to_string() {
            m if m.is_empty() => "not found".into(),
            m => m,
        });
        input.response = None;
        let stage = if self.request_logged {
            Stage::Response
        } else {
            Stage::Request
        };
        self.write(stage)?;
        result
    }

    fn write(&mut self, stage: Stage) -> Result<(), Error> {
        let Some(input) = &self.input else {
            return Ok(());
        };
        let written = self.devices.log(stage, input);
        if written.is_err() {
            self.failed = true;
        }
        written
    }
}
