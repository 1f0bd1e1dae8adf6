//! kv version 1: one JSON object per path, no history.
//!
//! Behaviour follows Vault's "passthrough" backend: reads report the mount's default
//! lease TTL as `lease_duration` (or the secret's own `ttl`/`lease` key when it parses
//! as a duration) with an empty `lease_id`, writes replace the whole object, and LIST
//! returns the immediate children of a folder.
//!
//! Mounted with the option `leased_passthrough=true` (Vault's leased passthrough), reads
//! hand out a tracked lease of secret type `kv` instead: the core gives it a `lease_id`,
//! it is renewable when the secret has its own `ttl`, a renewal re-reads the secret's TTL,
//! and revocation has nothing to undo.

use std::time::Duration;

use arca_sdk::{
    Error, FieldData, Map, Operation, Request, Response, StorageExt,
    duration::parse_duration_value,
    field::{Field, FieldType},
    framework::{Backend, BackendType, Path, SecretType, existence, handler, secret_handler},
    response::LeaseInfo,
};

use crate::{
    KvError,
    path_check::{check_path, list_prefix},
};

const HELP: &str = "The kv backend reads and writes arbitrary secrets to the backend. \
The secrets are encrypted/decrypted by the barrier: they are never stored unencrypted.\n\n\
TTLs can be set on a per-secret basis with the \"ttl\" key. They are sent down as the \
lease duration when the secret is read, as a hint to re-read it before then.";

/// The secret type of leases handed out by a leased passthrough mount.
pub const KV_SECRET_TYPE: &str = "kv";

/// Builds a kv v1 backend; `leased` makes reads hand out tracked leases.
pub fn backend(leased: bool) -> Result<Backend, Error> {
    let read = move |req: Request, d: FieldData| read(req, d, leased);
    let path = Path::new("(?P<path>.*)")
        .field(Field::new("path", FieldType::String, "Location of the secret."))
        .on(Operation::Read, handler(read))
        .on(Operation::Create, handler(write))
        .on(Operation::Update, handler(write))
        .on(Operation::Delete, handler(delete))
        .on(Operation::List, handler(list))
        .exists(existence(exists))
        .help(
            "Pass-through secret storage to the storage backend, allowing you to read/write arbitrary data into secret storage.",
            "The pass-through backend reads and writes arbitrary data into secret storage, \
encrypting it along the way. A TTL can be given with the \"ttl\" key; reads report it as \
the lease duration. Revocation is up to the user of this backend.",
        );
    let mut b = Backend::new(HELP, BackendType::Logical, vec![path]).map_err(Error::internal)?;
    if leased {
        b.secrets.push(
            SecretType::new(KV_SECRET_TYPE)
                .on_renew(secret_handler(renew))
                .on_revoke(secret_handler(|_req, _lease| async { Ok(None) })),
        );
    }
    Ok(b)
}

// The handlers use `req.path`, not the captured field, so a body key named "path"
// can never redirect a request (the capture and the body share one namespace).

async fn exists(req: Request, _: FieldData) -> Result<bool, Error> {
    check_path(&req.path)?;
    if req.path.is_empty() {
        return Ok(false);
    }
    Ok(req.storage.get(&req.path).await?.is_some())
}

async fn read(req: Request, _: FieldData, leased: bool) -> Result<Option<Response>, Error> {
    check_path(&req.path)?;
    if req.path.is_empty() {
        return Ok(None);
    }
    let Some(data) = req.storage.get_json::<Map>(&req.path).await? else {
        return Ok(None);
    };
    let own_ttl = secret_ttl(&data);
    let lease = LeaseInfo {
        lease_duration: own_ttl.unwrap_or(req.mount_default_lease_ttl),
        renewable: leased && own_ttl.is_some(),
        secret_type: if leased {
            KV_SECRET_TYPE.into()
        } else {
            String::new()
        },
        ..Default::default()
    };
    Ok(Some(Response {
        lease: Some(lease),
        ..Response::with_data(data)
    }))
}

/// Renewing a leased secret grants its current `ttl` again (the mount default if it
/// has none); a secret deleted since cannot be renewed.
async fn renew(req: Request, _lease: LeaseInfo) -> Result<Option<Response>, Error> {
    check_path(&req.path)?;
    let Some(data) = req.storage.get_json::<Map>(&req.path).await? else {
        return Err(Error::bad_request(
            "the secret of this lease no longer exists",
        ));
    };
    Ok(Some(Response {
        lease: Some(LeaseInfo {
            lease_duration: secret_ttl(&data).unwrap_or(req.mount_default_lease_ttl),
            renewable: true,
            secret_type: KV_SECRET_TYPE.into(),
            ..Default::default()
        }),
        ..Default::default()
    }))
}

/// The TTL a writer stored with the secret (`ttl`, or the deprecated `lease`), in
/// seconds. As in Vault, a value that does not parse is ignored.
fn secret_ttl(data: &Map) -> Option<u64> {
    let raw = data.get("ttl").or_else(|| data.get("lease"))?;
    parse_duration_value(raw)
        .ok()
        .as_ref()
        .map(Duration::as_secs)
}

async fn write(req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    check_path(&req.path)?;
    if req.path.is_empty() {
        return Err(KvError::MissingPath.into());
    }
    if req.data.is_empty() {
        return Err(KvError::MissingDataFields.into());
    }
    req.storage.put_json(&req.path, &req.data).await?;
    Ok(None)
}

async fn delete(req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    check_path(&req.path)?;
    if !req.path.is_empty() {
        req.storage.delete(&req.path).await?;
    }
    Ok(None)
}

async fn list(req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    check_path(&req.path)?;
    let keys = req.storage.list(&list_prefix(&req.path)).await?;
    if keys.is_empty() {
        return Ok(None);
    }
    Ok(Some(Response::list(keys)))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arca_sdk::{Storage, testing::MemoryStorage};
    use serde_json::json;

    use super::*;

    fn req(op: Operation, path: &str, storage: &Arc<MemoryStorage>) -> Request {
        let mut r = Request::new(op, path, storage.clone() as Arc<dyn Storage>);
        r.mount_default_lease_ttl = 2_764_800;
        r
    }

    #[tokio::test]
    async fn write_read_delete_roundtrip() {
        let b = backend(false).unwrap();
        let s = Arc::new(MemoryStorage::default());
        let w = req(Operation::Update, "app/db", &s).with_data(json!({"user": "u", "n": 3}));
        assert_eq!(b.handle(w).await.unwrap(), None);
        let resp = b
            .handle(req(Operation::Read, "app/db", &s))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            resp.data.unwrap(),
            json!({"user": "u", "n": 3}).as_object().unwrap().clone()
        );
        assert_eq!(
            resp.lease,
            Some(LeaseInfo {
                lease_duration: 2_764_800,
                ..Default::default()
            })
        );
        // A write replaces the whole object.
        let w = req(Operation::Update, "app/db", &s).with_data(json!({"other": true}));
        b.handle(w).await.unwrap();
        let resp = b
            .handle(req(Operation::Read, "app/db", &s))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(resp.data.unwrap().len(), 1);
        assert_eq!(
            b.handle(req(Operation::Delete, "app/db", &s))
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            b.handle(req(Operation::Read, "app/db", &s)).await.unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn leased_mounts_hand_out_tracked_renewable_leases() {
        let b = backend(true).unwrap();
        let s = Arc::new(MemoryStorage::default());
        b.handle(req(Operation::Update, "db", &s).with_data(json!({"ttl": "1h", "p": "x"})))
            .await
            .unwrap();
        b.handle(req(Operation::Update, "plain", &s).with_data(json!({"p": "x"})))
            .await
            .unwrap();
        let lease = |path: &'static str| {
            let (b, s) = (&b, &s);
            async move {
                b.handle(req(Operation::Read, path, s))
                    .await
                    .unwrap()
                    .unwrap()
                    .lease
                    .unwrap()
            }
        };
        let db = lease("db").await;
        assert_eq!(db.secret_type, KV_SECRET_TYPE);
        assert_eq!((db.lease_duration, db.renewable), (3600, true));
        let plain = lease("plain").await;
        assert_eq!((plain.lease_duration, plain.renewable), (2_764_800, false));
        // Renewing re-reads the secret's TTL; a deleted secret cannot be renewed.
        let renewed = b
            .renew_secret(req(Operation::Update, "db", &s), db.clone())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(renewed.lease.unwrap().lease_duration, 3600);
        b.revoke_secret(req(Operation::Delete, "db", &s), db.clone())
            .await
            .unwrap();
        b.handle(req(Operation::Delete, "db", &s)).await.unwrap();
        assert!(
            b.renew_secret(req(Operation::Update, "db", &s), db)
                .await
                .is_err()
        );
        // Without the option nothing is tracked.
        let plain_backend = backend(false).unwrap();
        let r = plain_backend
            .handle(req(Operation::Read, "plain", &s))
            .await
            .unwrap()
            .unwrap();
        assert!(r.lease.unwrap().secret_type.is_empty());
        assert!(plain_backend.secrets.is_empty());
    }

    #[tokio::test]
    async fn ttl_key_sets_lease_duration() {
        let b = backend(false).unwrap();
        let s = Arc::new(MemoryStorage::default());
        for (data, want) in [
            (json!({"ttl": "1h", "v": 1}), 3600),
            (json!({"ttl": 90}), 90),
            (json!({"lease": "2m"}), 120),
            (json!({"ttl": "bogus"}), 2_764_800),
        ] {
            b.handle(req(Operation::Update, "t", &s).with_data(data))
                .await
                .unwrap();
            let resp = b
                .handle(req(Operation::Read, "t", &s))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(resp.lease.unwrap().lease_duration, want);
        }
    }

    #[tokio::test]
    async fn list_children_and_empty_is_none() {
        let b = backend(false).unwrap();
        let s = Arc::new(MemoryStorage::default());
        for p in ["a/x", "a/y/z", "b"] {
            b.handle(req(Operation::Update, p, &s).with_data(json!({"k": "v"})))
                .await
                .unwrap();
        }
        let root = b
            .handle(req(Operation::List, "", &s))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(root.data.unwrap()["keys"], json!(["a/", "b"]));
        for p in ["a", "a/"] {
            let sub = b
                .handle(req(Operation::List, p, &s))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(sub.data.unwrap()["keys"], json!(["x", "y/"]));
        }
        assert_eq!(
            b.handle(req(Operation::List, "nothing/", &s))
                .await
                .unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn existence_check_tells_create_from_update() {
        let b = backend(false).unwrap();
        let s = Arc::new(MemoryStorage::default());
        assert_eq!(
            b.exists(&req(Operation::Update, "e", &s)).await.unwrap(),
            Some(false)
        );
        b.handle(req(Operation::Create, "e", &s).with_data(json!({"k": 1})))
            .await
            .unwrap();
        assert_eq!(
            b.exists(&req(Operation::Update, "e", &s)).await.unwrap(),
            Some(true)
        );
    }

    #[tokio::test]
    async fn bad_input_is_rejected() {
        let b = backend(false).unwrap();
        let s = Arc::new(MemoryStorage::default());
        let err = b.handle(req(Operation::Update, "x", &s)).await.unwrap_err();
        assert_eq!(err, Error::BadRequest("missing data fields".into()));
        let err = b
            .handle(req(Operation::Update, "", &s).with_data(json!({"k": 1})))
            .await
            .unwrap_err();
        assert_eq!(err, Error::BadRequest("missing path".into()));
        for op in [
            Operation::Read,
            Operation::Update,
            Operation::Delete,
            Operation::List,
        ] {
            let err = b
                .handle(req(op, "a/../b", &s).with_data(json!({"k": 1})))
                .await
                .unwrap_err();
            assert_eq!(
                err,
                Error::BadRequest("path cannot contain parent references".into())
            );
        }
        assert!(s.keys().is_empty());
    }

    #[tokio::test]
    async fn body_key_named_path_is_just_data() {
        let b = backend(false).unwrap();
        let s = Arc::new(MemoryStorage::default());
        let w = req(Operation::Update, "real", &s).with_data(json!({"path": "elsewhere"}));
        b.handle(w).await.unwrap();
        assert_eq!(s.keys(), vec!["real"]);
        let resp = b
            .handle(req(Operation::Read, "real", &s))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(resp.data.unwrap()["path"], json!("elsewhere"));
    }
}
