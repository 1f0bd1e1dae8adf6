//! `rewrap/:name`: re-encrypts ciphertexts with the latest (or a chosen) key version
//! without revealing the plaintext to the client.

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};

use super::{NAME, decode_opt, load_for_use, name_field, opt_i64, opt_str};
use crate::{
    batch::{self, fields},
    crypt,
    error::TransitError,
    policy::Policy,
};

/// `rewrap/:name`.
pub fn path() -> Path {
    Path::new(format!("rewrap/(?P<name>{NAME})"))
        .field(name_field())
        .field(Field::new("ciphertext", FieldType::String, "Ciphertext value to rewrap."))
        .field(Field::new("context", FieldType::String, "Base64 encoded context for key derivation. Required for derived keys."))
        .field(Field::new("nonce", FieldType::String, "Base64 encoded nonce (only for legacy convergent keys; ignored)."))
        .field(Field::new("key_version", FieldType::Int, "The version of the key to use for encryption; 0 for the latest."))
        .field(Field::new("batch_input", FieldType::Raw, "A list of items to rewrap in one request."))
        .field(Field::new("partial_failure_response_code", FieldType::Int, "Status to send when some batch items failed and others succeeded."))
        .on(Operation::Update, handler(rewrap))
        .help(
            "Rewrap ciphertext",
            "After key rotation, this function can be used to rewrap the given ciphertext or a batch of given ciphertext blocks with the latest version of the named key.",
        )
}

struct Item {
    ciphertext: String,
    context: Option<String>,
    key_version: i64,
    reference: String,
}

async fn rewrap(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let (items, is_batch) = match batch::parse(d.get("batch_input")?)? {
        Some(raw) => {
            let mut out = Vec::with_capacity(raw.len());
            for (i, m) in raw.iter().enumerate() {
                out.push(Item {
                    ciphertext: batch::string(m, i, "ciphertext")?.unwrap_or_default(),
                    context: batch::string(m, i, "context")?,
                    key_version: batch::int(m, i, "key_version")?,
                    reference: batch::reference(m),
                });
            }
            (out, true)
        }
        None => {
            let ciphertext = opt_str(&d, "ciphertext")?.unwrap_or_default();
            if ciphertext.is_empty() {
                return Err(TransitError::invalid("missing ciphertext to decrypt").into());
            }
            let item = Item {
                ciphertext,
                context: opt_str(&d, "context")?,
                key_version: opt_i64(&d, "key_version")?.unwrap_or(0),
                reference: String::new(),
            };
            (vec![item], false)
        }
    };
    let p = load_for_use(&req, &name).await?;

    let resp = batch::answer(
        &items,
        is_batch,
        |item| &item.reference,
        |item| {
            let (ciphertext, version) = rewrap_one(&p, item)?;
            Ok(fields([
                ("ciphertext", ciphertext.into()),
                ("key_version", version.into()),
            ]))
        },
        opt_i64(&d, "partial_failure_response_code")?,
    )?;
    Ok(Some(resp))
}

fn rewrap_one(p: &Policy, item: &Item) -> Result<(String, u64), TransitError> {
    if item.ciphertext.is_empty() {
        return Err(TransitError::invalid("missing ciphertext to decrypt"));
    }
    let context = decode_opt(item.context.as_deref())?;
    let (plain, _) = crypt::decrypt(p, &context, &item.ciphertext, b"")?;
    let version = p.version_for_use(item.key_version, "encryption")?;
    let ct = crypt::encrypt(p, version, &context, b"", &plain, b"")?;
    Ok((ct, version))
}
