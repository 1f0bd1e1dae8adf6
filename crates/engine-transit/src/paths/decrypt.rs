//! `decrypt/:name`: decrypts `vault:v<N>:` ciphertexts (one, or `batch_input`).

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};

use super::{NAME, decode_opt, load, name_field, opt_i64, opt_str};
use crate::{
    b64,
    batch::{self, fields},
    crypt,
    error::TransitError,
    policy::Policy,
};

/// `decrypt/:name`.
pub fn path() -> Path {
    Path::new(format!("decrypt/(?P<name>{NAME})"))
        .field(name_field())
        .field(Field::new("ciphertext", FieldType::String, "The ciphertext to decrypt, provided as returned by encrypt."))
        .field(Field::new("context", FieldType::String, "Base64 encoded context for key derivation. Required if key derivation is enabled."))
        .field(Field::new("nonce", FieldType::String, "Base64 encoded nonce (only for legacy convergent keys; ignored)."))
        .field(Field::new("associated_data", FieldType::String, "Base64 encoded data given at encryption (AEAD keys)."))
        .field(Field::new("batch_input", FieldType::Raw, "A list of items to decrypt in one request."))
        .field(Field::new("partial_failure_response_code", FieldType::Int, "Status to send when some batch items failed and others succeeded."))
        .on(Operation::Update, handler(decrypt))
        .help(
            "Decrypt a ciphertext value using a named key",
            "This path uses the named key from the request path to decrypt a user provided ciphertext. The plaintext is returned base64 encoded.",
        )
}

struct Item {
    ciphertext: String,
    context: Option<String>,
    associated_data: Option<String>,
    reference: String,
}

async fn decrypt(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let (items, is_batch) = match batch::parse(d.get("batch_input")?)? {
        Some(raw) => {
            let mut out = Vec::with_capacity(raw.len());
            for (i, m) in raw.iter().enumerate() {
                out.push(Item {
                    ciphertext: batch::string(m, i, "ciphertext")?.unwrap_or_default(),
                    context: batch::string(m, i, "context")?,
                    associated_data: batch::string(m, i, "associated_data")?,
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
                associated_data: opt_str(&d, "associated_data")?,
                reference: String::new(),
            };
            (vec![item], false)
        }
    };
    let p = load(&req, &name).await?;

    let resp = batch::answer(
        &items,
        is_batch,
        |item| &item.reference,
        |item| {
            let plaintext = decrypt_one(&p, item)?;
            Ok(fields([("plaintext", plaintext.into())]))
        },
        opt_i64(&d, "partial_failure_response_code")?,
    )?;
    Ok(Some(resp))
}

fn decrypt_one(p: &Policy, item: &Item) -> Result<String, TransitError> {
    if item.ciphertext.is_empty() {
        return Err(TransitError::invalid("missing ciphertext to decrypt"));
    }
    let context = decode_opt(item.context.as_deref())?;
    let aad = decode_opt(item.associated_data.as_deref())?;
    let (plain, _) = crypt::decrypt(p, &context, &item.ciphertext, &aad)?;
    Ok(b64::encode(&plain))
}
