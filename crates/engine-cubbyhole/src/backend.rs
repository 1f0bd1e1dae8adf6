//! Routes and handlers of the cubbyhole engine.

use std::sync::Arc;

use arca_sdk::{
    Error, FieldData, Map, Operation, Request, Response, Storage, StorageExt,
    field::{Field, FieldType},
    framework::{Backend, BackendConfig, BackendFactory, BackendType, Path, existence, handler},
    storage::{delete_prefix, validate_key},
};
use async_trait::async_trait;

const HELP: &str = "The cubbyhole backend reads and writes arbitrary secrets to the backend. \
It is namespaced per token: tokens can only read and write their own values, with no sharing \
possible. When the token is revoked, the entire set of stored values for that token is removed.";

/// Creates the `cubbyhole` backend (Vault mounts one at `cubbyhole/` on every node).
pub struct CubbyholeFactory;

#[async_trait]
impl BackendFactory for CubbyholeFactory {
    fn type_name(&self) -> &'static str {
        "cubbyhole"
    }

    async fn create(&self, _config: BackendConfig) -> Result<Arc<Backend>, Error> {
        Ok(Arc::new(backend()?))
    }
}

/// Builds a cubbyhole backend.
pub fn backend() -> Result<Backend, Error> {
    let path = Path::new("(?P<path>.*)")
        .field(Field::new(
            "path",
            FieldType::String,
            "Location of the secret.",
        ))
        .on(Operation::Read, handler(read))
        .on(Operation::Create, handler(write))
        .on(Operation::Update, handler(write))
        .on(Operation::Delete, handler(delete))
        .on(Operation::List, handler(list))
        .exists(existence(exists))
        .help(
            "Pass-through secret storage to a token-specific cubbyhole in the storage backend, \
allowing you to read/write arbitrary data into secret storage.",
            "The view into the cubbyhole storage space is different for each token; it is a \
per-token cubbyhole. When the token is revoked all values are removed.",
        );
    Backend::new(HELP, BackendType::Logical, vec![path]).map_err(Error::internal)
}

/// Removes every entry of the token with id `token_id` (called on token revocation).
/// `storage` is the cubbyhole mount's storage view.
pub async fn clear_token(storage: &dyn Storage, token_id: &str) -> Result<(), Error> {
    check_token_id(token_id)?;
    delete_prefix(storage, &format!("{token_id}/")).await
}

/// The token's own prefix. No token means no cubbyhole: permission denied.
fn token_prefix(req: &Request) -> Result<String, Error> {
    let id = req
        .client_token_id
        .as_deref()
        .ok_or(Error::PermissionDenied)?;
    check_token_id(id)?;
    Ok(format!("{id}/"))
}

/// A token id must be a single path segment, or one token could reach into another's
/// cubbyhole. The core hands us opaque ids, so a bad one is a bug, not client input.
fn check_token_id(id: &str) -> Result<(), Error> {
    if id.is_empty() || id == "." || id == ".." || id.contains('/') || id.contains('\0') {
        return Err(Error::internal("invalid client token id for cubbyhole"));
    }
    Ok(())
}

/// Rejects `..` segments with Vault's message (and NUL bytes via the sdk check).
fn check_path(path: &str) -> Result<(), Error> {
    if path.split('/').any(|seg| seg == "..") {
        return Err(Error::bad_request("path cannot contain parent references"));
    }
    validate_key(path)
}

/// The storage key of `req.path` in the caller's cubbyhole.
fn entry_key(req: &Request) -> Result<String, Error> {
    let prefix = token_prefix(req)?;
    check_path(&req.path)?;
    Ok(format!("{prefix}{}", req.path))
}

// Handlers use `req.path` (not the captured field) so a body key called "path" stays data.

async fn exists(req: Request, _: FieldData) -> Result<bool, Error> {
    let key = entry_key(&req)?;
    if req.path.is_empty() {
        return Ok(false);
    }
    Ok(req.storage.get(&key).await?.is_some())
}

async fn read(req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    let key = entry_key(&req)?;
    if req.path.is_empty() {
        return Ok(None);
    }
    Ok(req
        .storage
        .get_json::<Map>(&key)
        .await?
        .map(Response::with_data))
}

async fn write(req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    let key = entry_key(&req)?;
    if req.path.is_empty() {
        return Err(Error::bad_request("missing path"));
    }
    if req.data.is_empty() {
        return Err(Error::bad_request("missing data fields"));
    }
    req.storage.put_json(&key, &req.data).await?;
    Ok(None)
}

async fn delete(req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    let key = entry_key(&req)?;
    if !req.path.is_empty() {
        req.storage.delete(&key).await?;
    }
    Ok(None)
}

async fn list(req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    let prefix = token_prefix(&req)?;
    check_path(&req.path)?;
    let folder = if req.path.is_empty() || req.path.ends_with('/') {
        req.path.clone()
    } else {
        format!("{}/", req.path)
    };
    // Children are relative to the listed folder, so the token prefix never shows.
    let keys = req.storage.list(&format!("{prefix}{folder}")).await?;
    if keys.is_empty() {
        return Ok(None);
    }
    Ok(Some(Response::list(keys)))
}

#[cfg(test)]
mod tests {
    use arca_sdk::testing::MemoryStorage;
    use serde_json::{Value, json};

    use super::*;

    struct Cubby {
        backend: Backend,
        storage: Arc<MemoryStorage>,
    }

    impl Cubby {
        fn new() -> Self {
            Cubby {
                backend: backend().unwrap(),
                storage: Arc::new(MemoryStorage::default()),
            }
        }

        fn req(&self, token: Option<&str>, op: Operation, path: &str, body: Value) -> Request {
            let mut r =
                Request::new(op, path, self.storage.clone() as Arc<dyn Storage>).with_data(body);
            r.client_token_id = token.map(str::to_string);
            r.mount_default_lease_ttl = 2_764_800;
            r
        }

        async fn call(
            &self,
            token: Option<&str>,
            op: Operation,
            path: &str,
            body: Value,
        ) -> Result<Option<Response>, Error> {
            self.backend.handle(self.req(token, op, path, body)).await
        }
    }

    #[tokio::test]
    async fn roundtrip_without_lease() {
        let c = Cubby::new();
        let w = c
            .call(Some("tok-a"), Operation::Update, "creds", json!({"k": "v"}))
            .await
            .unwrap();
        assert_eq!(w, None);
        let r = c
            .call(Some("tok-a"), Operation::Read, "creds", json!({}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(Value::Object(r.data.clone().unwrap()), json!({"k": "v"}));
        assert_eq!(r.lease, None);
        c.call(Some("tok-a"), Operation::Delete, "creds", json!({}))
            .await
            .unwrap();
        assert_eq!(
            c.call(Some("tok-a"), Operation::Read, "creds", json!({}))
                .await
                .unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn tokens_are_isolated() {
        let c = Cubby::new();
        c.call(Some("tok-a"), Operation::Update, "x", json!({"owner": "a"}))
            .await
            .unwrap();
        c.call(
            Some("tok-a"),
            Operation::Update,
            "dir/y",
            json!({"owner": "a"}),
        )
        .await
        .unwrap();
        c.call(Some("tok-b"), Operation::Update, "x", json!({"owner": "b"}))
            .await
            .unwrap();

        let ra = c
            .call(Some("tok-a"), Operation::Read, "x", json!({}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ra.data.unwrap()["owner"], json!("a"));
        let rb = c
            .call(Some("tok-b"), Operation::Read, "x", json!({}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rb.data.unwrap()["owner"], json!("b"));
        assert_eq!(
            c.call(Some("tok-b"), Operation::Read, "dir/y", json!({}))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            c.call(Some("tok-c"), Operation::Read, "x", json!({}))
                .await
                .unwrap(),
            None
        );

        let la = c
            .call(Some("tok-a"), Operation::List, "", json!({}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(la.data.unwrap()["keys"], json!(["dir/", "x"]));
        let lb = c
            .call(Some("tok-b"), Operation::List, "", json!({}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(lb.data.unwrap()["keys"], json!(["x"]));
        let sub = c
            .call(Some("tok-a"), Operation::List, "dir", json!({}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(sub.data.unwrap()["keys"], json!(["y"]));
        assert_eq!(
            c.call(Some("tok-c"), Operation::List, "", json!({}))
                .await
                .unwrap(),
            None
        );

        // B deleting its "x" leaves A's alone.
        c.call(Some("tok-b"), Operation::Delete, "x", json!({}))
            .await
            .unwrap();
        assert!(
            c.call(Some("tok-a"), Operation::Read, "x", json!({}))
                .await
                .unwrap()
                .is_some()
        );
    }

    #[tokio::test]
    async fn no_token_is_permission_denied() {
        let c = Cubby::new();
        for op in [
            Operation::Read,
            Operation::Update,
            Operation::Delete,
            Operation::List,
        ] {
            let e = c.call(None, op, "x", json!({"k": 1})).await.unwrap_err();
            assert_eq!(e, Error::PermissionDenied, "{op:?}");
        }
        let e = c
            .backend
            .exists(&c.req(None, Operation::Update, "x", json!({})))
            .await
            .unwrap_err();
        assert_eq!(e, Error::PermissionDenied);
        assert!(c.storage.keys().is_empty());
    }

    #[tokio::test]
    async fn paths_cannot_escape_the_token_prefix() {
        let c = Cubby::new();
        c.call(
            Some("tok-b"),
            Operation::Update,
            "secret",
            json!({"k": "b"}),
        )
        .await
        .unwrap();
        for op in [
            Operation::Read,
            Operation::Update,
            Operation::Delete,
            Operation::List,
        ] {
            let e = c
                .call(Some("tok-a"), op, "../tok-b/secret", json!({"k": 1}))
                .await
                .unwrap_err();
            assert_eq!(
                e,
                Error::BadRequest("path cannot contain parent references".into())
            );
        }
        let e = c
            .call(Some("a/b"), Operation::Read, "x", json!({}))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Internal(_)));
        assert_eq!(c.storage.keys(), vec!["tok-b/secret"]);
    }

    #[tokio::test]
    async fn bad_writes_and_existence() {
        let c = Cubby::new();
        let e = c
            .call(Some("t"), Operation::Update, "x", json!({}))
            .await
            .unwrap_err();
        assert_eq!(e, Error::BadRequest("missing data fields".into()));
        let e = c
            .call(Some("t"), Operation::Update, "", json!({"k": 1}))
            .await
            .unwrap_err();
        assert_eq!(e, Error::BadRequest("missing path".into()));
        let probe = c.req(Some("t"), Operation::Update, "x", json!({}));
        assert_eq!(c.backend.exists(&probe).await.unwrap(), Some(false));
        c.call(Some("t"), Operation::Create, "x", json!({"k": 1}))
            .await
            .unwrap();
        assert_eq!(c.backend.exists(&probe).await.unwrap(), Some(true));
        let other = c.req(Some("u"), Operation::Update, "x", json!({}));
        assert_eq!(c.backend.exists(&other).await.unwrap(), Some(false));
    }

    #[tokio::test]
    async fn clear_token_drops_only_that_cubbyhole() {
        let c = Cubby::new();
        c.call(Some("tok-a"), Operation::Update, "x", json!({"k": 1}))
            .await
            .unwrap();
        c.call(Some("tok-a"), Operation::Update, "d/e/f", json!({"k": 1}))
            .await
            .unwrap();
        c.call(Some("tok-ab"), Operation::Update, "x", json!({"k": 1}))
            .await
            .unwrap();
        clear_token(c.storage.as_ref(), "tok-a").await.unwrap();
        assert_eq!(c.storage.keys(), vec!["tok-ab/x"]);
        assert!(clear_token(c.storage.as_ref(), "").await.is_err());
    }

    #[tokio::test]
    async fn factory_type() {
        assert_eq!(CubbyholeFactory.type_name(), "cubbyhole");
        let config = BackendConfig {
            mount_point: "cubbyhole/".into(),
            options: Default::default(),
            storage: Arc::new(MemoryStorage::default()),
        };
        assert!(CubbyholeFactory.create(config).await.is_ok());
    }
}
