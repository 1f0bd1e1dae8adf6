//! `datakey/plaintext|wrapped/:name`: a fresh random key for the client's own
//! encryption, returned encrypted under the named key (and in plaintext if asked).

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};
use serde_json::json;

use super::{NAME, decode_opt, load_for_use, name_field, opt_i64, opt_str};
use crate::{b64, crypt, error::TransitError, rng::random_secret};

/// `datakey/:type/:name`.
pub fn path() -> Path {
    Path::new(format!("datakey/(?P<plaintext>{NAME})/(?P<name>{NAME})"))
        .field(name_field())
        .field(Field::new(
            "plaintext",
            FieldType::String,
            "\"plaintext\" returns the key in plaintext too; \"wrapped\" only encrypted.",
        ))
        .field(Field::new("context", FieldType::String, "Base64 encoded context for key derivation. Required for derived keys."))
        .field(Field::new("nonce", FieldType::String, "Base64 encoded 96-bit nonce; never reuse one for the same key and context."))
        .field(
            Field::new("bits", FieldType::Int, "Number of bits for the key; 128, 256 or 512.")
                .default(json!(256)),
        )
        .field(Field::new("key_version", FieldType::Int, "The version of the key to use; 0 for the latest."))
        .on(Operation::Update, handler(datakey))
        .help(
            "Generate a data key",
            "This path can be used to generate a data key: a random key of the given size, encrypted with the named key and optionally returned in plaintext.",
        )
}

async fn datakey(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let with_plaintext = match d.get_str("plaintext")?.as_str() {
        "plaintext" => true,
        "wrapped" => false,
        _ => return Err(TransitError::invalid("Invalid path").into()),
    };
    let bits = d.get_i64("bits")?.unwrap_or(256);
    if ![128, 256, 512].contains(&bits) {
        return Err(TransitError::invalid("invalid bits value").into());
    }
    let context = decode_opt(opt_str(&d, "context")?.as_deref())?;
    let nonce = decode_opt(opt_str(&d, "nonce")?.as_deref())?;
    let p = load_for_use(&req, &name).await?;
    let version = p.version_for_use(opt_i64(&d, "key_version")?.unwrap_or(0), "encryption")?;

    let key = random_secret((bits / 8) as usize);
    let ciphertext = crypt::encrypt(&p, version, &context, &nonce, &key, b"")?;
    let mut data = arca_sdk::Map::new();
    data.insert("ciphertext".into(), json!(ciphertext));
    data.insert("key_version".into(), json!(version));
    if with_plaintext {
        data.insert("plaintext".into(), json!(b64::encode(&key)));
    }
    Ok(Some(Response::with_data(data)))
}
