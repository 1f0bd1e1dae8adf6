//! Declaring a backend as a table of paths.
//!
//! Each [`Path`] is an anchored regular expression whose named captures are fields,
//! the fields it accepts, and one handler per operation. [`Backend::new`] checks the
//! table when it is built (patterns compile, every capture is a declared field), so a
//! typo is a start-up error rather than a confusing 404.

use std::{collections::BTreeMap, future::Future, pin::Pin, sync::Arc};

use async_trait::async_trait;
use regex::Regex;

use crate::{Error, Field, FieldData, LeaseInfo, Operation, Request, Response, Storage};

/// The boxed future a handler returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Option<Response>, Error>> + Send>>;
/// A per-operation handler. `Ok(None)` means "nothing here" (404 for reads).
pub type Handler = Arc<dyn Fn(Request, FieldData) -> HandlerFuture + Send + Sync>;
/// The boxed future an existence check returns.
pub type ExistenceFuture = Pin<Box<dyn Future<Output = Result<bool, Error>> + Send>>;
/// Tells whether the target of a write already exists (create vs update in ACLs).
pub type ExistenceCheck = Arc<dyn Fn(Request, FieldData) -> ExistenceFuture + Send + Sync>;

/// Wraps an async function or closure as a [`Handler`].
pub fn handler<F, Fut>(f: F) -> Handler
where
    F: Fn(Request, FieldData) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Response>, Error>> + Send + 'static,
{
    Arc::new(move |req, data| Box::pin(f(req, data)))
}

/// Wraps an async function or closure as an [`ExistenceCheck`].
pub fn existence<F, Fut>(f: F) -> ExistenceCheck
where
    F: Fn(Request, FieldData) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<bool, Error>> + Send + 'static,
{
    Arc::new(move |req, data| Box::pin(f(req, data)))
}

/// Renews or revokes one leased secret. It gets a request routed to the mount the secret
/// came from (its path is the path that issued the secret) and the lease as stored,
/// with the backend's `internal_data`.
pub type SecretHandler = Arc<dyn Fn(Request, LeaseInfo) -> HandlerFuture + Send + Sync>;

/// Wraps an async function or closure as a [`SecretHandler`].
pub fn secret_handler<F, Fut>(f: F) -> SecretHandler
where
    F: Fn(Request, LeaseInfo) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Response>, Error>> + Send + 'static,
{
    Arc::new(move |req, lease| Box::pin(f(req, lease)))
}

/// A kind of leased secret a backend hands out (Vault's `framework.Secret`): a response
/// whose [`LeaseInfo::secret_type`] names it is registered by the core, which calls
/// `renew` on `sys/leases/renew` and `revoke` when the lease is revoked or expires.
#[derive(Clone)]
pub struct SecretType {
    pub name: String,
    /// Answers a renewal with a response whose `lease.lease_duration` is the TTL the
    /// backend grants (the core still caps it); `None`: not renewable.
    pub renew: Option<SecretHandler>,
    /// Undoes the secret (drops a generated user, ...); `None`: nothing to undo.
    pub revoke: Option<SecretHandler>,
}

impl SecretType {
    /// A secret type with neither renewal nor revocation work.
    pub fn new(name: impl Into<String>) -> Self {
        SecretType {
            name: name.into(),
            renew: None,
            revoke: None,
        }
    }
    /// Sets the renewal handler (builder style).
    pub fn on_renew(mut self, h: SecretHandler) -> Self {
        self.renew = Some(h);
        self
    }
    /// Sets the revocation handler (builder style).
    pub fn on_revoke(mut self, h: SecretHandler) -> Self {
        self.revoke = Some(h);
        self
    }
}

/// One route of a backend.
#[derive(Clone)]
pub struct Path {
    pub pattern: String,
    regex: Option<Regex>,
    pub fields: Vec<Field>,
    pub operations: Vec<(Operation, Handler)>,
    pub existence_check: Option<ExistenceCheck>,
    pub synopsis: String,
    pub description: String,
}

impl Path {
    /// A path for the (unanchored) regular expression `pattern`.
    pub fn new(pattern: impl Into<String>) -> Self {
        Path {
            pattern: pattern.into(),
            regex: None,
            fields: Vec::new(),
            operations: Vec::new(),
            existence_check: None,
            synopsis: String::new(),
            description: String::new(),
        }
    }
    /// Declares a field.
    pub fn field(mut self, f: Field) -> Self {
        self.fields.push(f);
        self
    }
    /// Declares several fields, e.g. a table shared by related paths.
    pub fn fields(mut self, fs: impl IntoIterator<Item = Field>) -> Self {
        self.fields.extend(fs);
        self
    }
    /// Registers the handler for an operation.
    pub fn on(mut self, op: Operation, h: Handler) -> Self {
        self.operations.push((op, h));
        self
    }
    /// Registers the existence check that turns an Update into a Create.
    pub fn exists(mut self, check: ExistenceCheck) -> Self {
        self.existence_check = Some(check);
        self
    }
    /// Sets the help text.
    pub fn help(mut self, synopsis: &str, description: &str) -> Self {
        self.synopsis = synopsis.into();
        self.description = description.into();
        self
    }

    fn handler_for(&self, op: Operation) -> Option<&Handler> {
        // Create falls back to Update when a path does not tell them apart, as in Vault.
        let find = |o: Operation| {
            self.operations
                .iter()
                .find(|(x, _)| *x == o)
                .map(|(_, h)| h)
        };
        find(op).or_else(|| {
            if op == Operation::Create {
                find(Operation::Update)
            } else {
                None
            }
        })
    }

    fn captures(&self, path: &str) -> Option<Vec<(String, String)>> {
        let re = self.regex.as_ref()?;
        let caps = re.captures(path)?;
        Some(
            re.capture_names()
                .flatten()
                .filter_map(|n| {
                    caps.name(n)
                        .map(|m| (n.to_string(), m.as_str().to_string()))
                })
                .collect(),
        )
    }
}

/// Whether a backend is a secrets engine or an auth method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendType {
    Logical,
    Credential,
}

/// A secrets engine or auth method: its path table plus metadata the core needs.
pub struct Backend {
    pub help: String,
    pub kind: BackendType,
    pub paths: Vec<Path>,
    /// Paths (relative, `*` suffix for prefixes) reachable without a token, e.g. `login`.
    pub unauthenticated_paths: Vec<String>,
    /// Paths that need `sudo` in addition to the operation's capability.
    pub root_paths: Vec<String>,
    /// The leased secrets this backend hands out.
    pub secrets: Vec<SecretType>,
}

impl Backend {
    /// Builds and checks the path table.
    pub fn new(help: &str, kind: BackendType, mut paths: Vec<Path>) -> Result<Self, String> {
        for p in &mut paths {
            let re = Regex::new(&format!("^(?:{})$", p.pattern))
                .map_err(|e| format!("path pattern {:?}: {e}", p.pattern))?;
            for name in re.capture_names().flatten() {
                if !p.fields.iter().any(|f| f.name == name) {
                    return Err(format!(
                        "path pattern {:?}: capture {name:?} is not a declared field",
                        p.pattern
                    ));
                }
            }
            p.regex = Some(re);
        }
        Ok(Backend {
            help: help.into(),
            kind,
            paths,
            unauthenticated_paths: Vec::new(),
            root_paths: Vec::new(),
            secrets: Vec::new(),
        })
    }

    fn secret_type(&self, lease: &LeaseInfo) -> Result<&SecretType, Error> {
        self.secrets
            .iter()
            .find(|s| s.name == lease.secret_type)
            .ok_or_else(|| {
                Error::bad_request(format!(
                    "secret is unsupported by this backend: {:?}",
                    lease.secret_type
                ))
            })
    }

    /// Runs the renewal handler of the lease's secret type.
    pub async fn renew_secret(
        &self,
        req: Request,
        lease: LeaseInfo,
    ) -> Result<Option<Response>, Error> {
        match &self.secret_type(&lease)?.renew {
            Some(h) => h(req, lease).await,
            None => Err(Error::bad_request("lease is not renewable")),
        }
    }

    /// Runs the revocation handler of the lease's secret type (nothing to do without one).
    pub async fn revoke_secret(&self, req: Request, lease: LeaseInfo) -> Result<(), Error> {
        match &self.secret_type(&lease)?.revoke {
            Some(h) => h(req, lease).await.map(|_| ()),
            None => Ok(()),
        }
    }

    /// The first path whose pattern matches `path`, with its captures.
    pub fn route(&self, path: &str) -> Option<(&Path, Vec<(String, String)>)> {
        self.paths
            .iter()
            .find_map(|p| p.captures(path).map(|c| (p, c)))
    }

    /// Runs the existence check of the matching path; `None` when the path has none.
    pub async fn exists(&self, req: &Request) -> Result<Option<bool>, Error> {
        let Some((path, caps)) = self.route(&req.path) else {
            return Ok(None);
        };
        let Some(check) = &path.existence_check else {
            return Ok(None);
        };
        let data = FieldData::new(&path.fields, &req.data, caps, false)?;
        check(req.clone(), data).await.map(Some)
    }

    /// Routes and runs a request. Unknown paths give [`Error::UnsupportedPath`], known
    /// paths without the operation [`Error::UnsupportedOperation`].
    pub async fn handle(&self, req: Request) -> Result<Option<Response>, Error> {
        let full = format!("{}{}", req.mount_point, req.path);
        let Some((path, caps)) = self.route(&req.path) else {
            return Err(Error::UnsupportedPath(full));
        };
        if req.operation == Operation::Help {
            return Ok(Some(help_response(path)));
        }
        let Some(h) = path.handler_for(req.operation) else {
            return Err(Error::UnsupportedOperation);
        };
        let keep_nulls = req.operation == Operation::Patch;
        let data = FieldData::new(&path.fields, &req.data, caps, keep_nulls)?;
        h(req, data).await
    }
}

fn help_response(path: &Path) -> Response {
    let fields: BTreeMap<&str, serde_json::Value> = path
        .fields
        .iter()
        .map(|f| {
            (
                f.name,
                serde_json::json!({"type": format!("{:?}", f.kind), "description": f.description}),
            )
        })
        .collect();
    let help = format!("{}\n\n{}", path.synopsis, path.description);
    Response::from_json(serde_json::json!({"help": help.trim(), "fields": fields}))
}

/// What a backend learns about its mount when it is created.
#[derive(Clone)]
pub struct BackendConfig {
    /// Mount point with a trailing slash.
    pub mount_point: String,
    /// The mount's `options` map (e.g. `version` for kv).
    pub options: BTreeMap<String, String>,
    /// Storage of the mount, for set-up work (e.g. writing initial config).
    pub storage: Arc<dyn Storage>,
}

/// Creates backends of one type (`kv`, `approle`, ...) when they are mounted.
#[async_trait]
pub trait BackendFactory: Send + Sync {
    /// The mount type this factory serves.
    fn type_name(&self) -> &'static str;
    /// Builds a backend for a mount.
    async fn create(&self, config: BackendConfig) -> Result<Arc<Backend>, Error>;
}
