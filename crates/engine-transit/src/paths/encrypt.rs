//! `encrypt/:name`: encrypts base64 plaintext (one, or `batch_input`). A write with the
//! `create` capability to a missing key creates it first, as in Vault.

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, existence, handler},
};
use serde_json::{Value, json};

use super::{NAME, decode_opt, load_for_use, name_field, now, opt_i64, opt_str};
use crate::{
    batch::{self, Outcome},
    crypt,
    error::TransitError,
    keytype::KeyType,
    policy::{CreateOptions, Policy},
};

/// `encrypt/:name`.
pub fn path() -> Path {
    Path::new(format!("encrypt/(?P<name>{NAME})"))
        .field(name_field())
        .field(Field::new("plaintext", FieldType::String, "Base64 encoded plaintext value to be encrypted."))
        .field(Field::new("context", FieldType::String, "Base64 encoded context for key derivation. Required if key derivation is enabled."))
        .field(Field::new("nonce", FieldType::String, "Base64 encoded 96-bit nonce; never reuse one for the same key and context."))
        .field(
            Field::new("type", FieldType::String, "The type of key to create when the key does not exist yet.")
                .default(json!("aes256-gcm96")),
        )
        .field(Field::new("convergent_encryption", FieldType::Bool, "When creating the key: whether it supports convergent encryption."))
        .field(Field::new("key_version", FieldType::Int, "The version of the key to use; 0 for the latest."))
        .field(Field::new("associated_data", FieldType::String, "Base64 encoded data authenticated with the ciphertext (AEAD keys)."))
        .field(Field::new("batch_input", FieldType::Raw, "A list of items to encrypt in one request."))
        .field(Field::new("partial_failure_response_code", FieldType::Int, "Status to send when some batch items failed and others succeeded."))
        .on(Operation::Create, handler(encrypt))
        .on(Operation::Update, handler(encrypt))
        .exists(existence(exists))
        .help(
            "Encrypt a plaintext value or a batch of plaintext blocks using a named key",
            "This path uses the named key from the request path to encrypt a user provided plaintext or a batch of plaintext blocks. The plaintext must be base64 encoded.",
        )
}

async fn exists(req: Request, d: FieldData) -> Result<bool, Error> {
    let name = d.get_str("name")?;
    Ok(Policy::load(req.storage.as_ref(), &name).await?.is_some())
}

/// One item to encrypt, from `batch_input` or the top-level fields.
struct Item {
    plaintext: String,
    context: Option<String>,
    nonce: Option<String>,
    associated_data: Option<String>,
    key_version: i64,
    reference: String,
}

fn items(d: &FieldData) -> Result<(Vec<Item>, bool), Error> {
    if let Some(raw) = batch::parse(d.get("batch_input")?)? {
        let mut out = Vec::with_capacity(raw.len());
        for (i, m) in raw.iter().enumerate() {
            out.push(Item {
                // Vault refuses a null plaintext in a batch ("expected type 'string'").
                plaintext: match m.get("plaintext") {
                    Some(Value::Null) => {
                        return Err(TransitError::invalid(format!(
                            "failed to parse batch input: '[{i}].plaintext' expected type 'string', got unconvertible type '<nil>'"
                        ))
                        .into());
                    }
                    _ => batch::string(m, i, "plaintext")?.unwrap_or_default(),
                },
                context: batch::string(m, i, "context")?,
                nonce: batch::string(m, i, "nonce")?,
                associated_data: batch::string(m, i, "associated_data")?,
                key_version: batch::int(m, i, "key_version")?,
                reference: batch::reference(m),
            });
        }
        return Ok((out, true));
    }
    let Some(plaintext) = opt_str(d, "plaintext")? else {
        return Err(TransitError::invalid("missing plaintext to encrypt").into());
    };
    let item = Item {
        plaintext,
        context: opt_str(d, "context")?,
        nonce: opt_str(d, "nonce")?,
        associated_data: opt_str(d, "associated_data")?,
        key_version: opt_i64(d, "key_version")?.unwrap_or(0),
        reference: String::new(),
    };
    Ok((vec![item], false))
}

async fn encrypt(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let (items, is_batch) = items(&d)?;
    let has_context = |i: &Item| i.context.as_deref().is_some_and(|c| !c.is_empty());
    let context_set = items.first().is_some_and(has_context);
    if items.iter().any(|i| has_context(i) != context_set) {
        return Err(TransitError::invalid(
            "context should be set either in all the request blocks or in none",
        )
        .into());
    }

    let mut warning = None;
    let p = match Policy::load(req.storage.as_ref(), &name).await? {
        Some(_) if req.operation == Operation::Create => {
            warning = Some(
                "Attempted creation of the key during the encrypt operation, but it was created beforehand",
            );
            load_for_use(&req, &name).await?
        }
        Some(_) => load_for_use(&req, &name).await?,
        None if req.operation == Operation::Create => upsert(&req, &d, &name, context_set).await?,
        None => return Err(TransitError::KeyNotFound.into()),
    };

    let mut results = Vec::with_capacity(items.len());
    let mut outcome = Outcome::default();
    for item in &items {
        match encrypt_one(&p, item) {
            Ok((ciphertext, version)) => {
                outcome.succeeded += 1;
                results.push(json!({
                    "ciphertext": ciphertext,
                    "key_version": version,
                    "reference": item.reference,
                }));
            }
            Err(e) if e.is_user_error() => {
                outcome.failed += 1;
                results.push(json!({"error": e.to_string(), "reference": item.reference}));
            }
            Err(e) => return Err(e.into()),
        }
    }

    let mut resp = if is_batch {
        batch::respond(
            results,
            outcome,
            opt_i64(&d, "partial_failure_response_code")?,
        )
    } else {
        let mut first = match results.into_iter().next() {
            Some(Value::Object(m)) => m,
            _ => return Err(Error::internal("no result for the input item")),
        };
        if let Some(Value::String(e)) = first.remove("error") {
            return Err(TransitError::Invalid(e).into());
        }
        first.remove("reference");
        Response::with_data(first)
    };
    if let Some(w) = warning {
        resp = resp.warn(w);
    }
    Ok(Some(resp))
}

fn encrypt_one(p: &Policy, item: &Item) -> Result<(String, u64), TransitError> {
    let plaintext = decode_opt(Some(&item.plaintext))?;
    let context = decode_opt(item.context.as_deref())?;
    let nonce = decode_opt(item.nonce.as_deref())?;
    let aad = decode_opt(item.associated_data.as_deref())?;
    let version = p.version_for_use(item.key_version, "encryption")?;
    let ct = crypt::encrypt(p, version, &context, &nonce, &plaintext, &aad)?;
    Ok((ct, version))
}

/// Creates the key of an `encrypt` to a missing name (`type`, derived when a context is
/// given, `convergent_encryption`).
async fn upsert(
    req: &Request,
    d: &FieldData,
    name: &str,
    context_set: bool,
) -> Result<Policy, Error> {
    let convergent = d.get_bool("convergent_encryption")?;
    if convergent && !context_set {
        return Err(TransitError::invalid(
            "convergent encryption requires derivation to be enabled, so context is required",
        )
        .into());
    }
    let type_name = d.get_str("type")?;
    let kind = match KeyType::parse(&type_name) {
        Some(k) if k.is_aead() => k,
        Some(k @ (KeyType::EcdsaP256 | KeyType::EcdsaP384)) => {
            return Err(TransitError::invalid(format!(
                "key type {k} not supported for this operation"
            ))
            .into());
        }
        _ => {
            return Err(TransitError::invalid(format!("unknown key type {type_name}")).into());
        }
    };
    let opts = CreateOptions {
        derived: context_set,
        convergent,
        ..Default::default()
    };
    let p = Policy::create(name, kind, &opts, now())?;
    p.save(req.storage.as_ref()).await?;
    Ok(p)
}
