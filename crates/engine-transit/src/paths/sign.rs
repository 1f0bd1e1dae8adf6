//! `sign/:name[/:hash_algorithm]`: signatures with ed25519, ECDSA and RSA keys.

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};
use serde_json::{Value, json};

use super::{NAME, algorithm_name, decode_opt, load_for_use, name_field, opt_i64, opt_str};
use crate::{
    b64,
    batch::{self, Outcome},
    ecdsa::Marshaling,
    error::TransitError,
    hashing::HashAlgorithm,
    policy::Policy,
    rsa_key::{RsaScheme, SaltLength},
    signing::{self, SignOptions},
};

/// The fields `sign` and `verify` share.
pub(super) fn common_fields(p: Path) -> Path {
    p.field(name_field())
        .field(Field::new(
            "input",
            FieldType::String,
            "The base64-encoded input data.",
        ))
        .field(Field::new(
            "context",
            FieldType::String,
            "Base64 encoded context for key derivation (derived ed25519 keys).",
        ))
        .field(Field::new(
            "hash_algorithm",
            FieldType::String,
            "Hash algorithm: sha2-224, sha2-256 (default), sha2-384 or sha2-512.",
        ))
        .field(Field::new(
            "algorithm",
            FieldType::String,
            "Deprecated: use \"hash_algorithm\" instead.",
        ))
        .field(Field::new(
            "urlalgorithm",
            FieldType::String,
            "Hash algorithm (URL segment).",
        ))
        .field(Field::new(
            "prehashed",
            FieldType::Bool,
            "Set to true when the input is already hashed with hash_algorithm.",
        ))
        .field(Field::new(
            "signature_algorithm",
            FieldType::String,
            "RSA only: \"pss\" (default) or \"pkcs1v15\".",
        ))
        .field(
            Field::new(
                "marshaling_algorithm",
                FieldType::String,
                "ECDSA signature encoding: \"asn1\" (default) or \"jws\".",
            )
            .default(json!("asn1")),
        )
        .field(Field::new(
            "salt_length",
            FieldType::String,
            "RSA-PSS salt length: \"auto\" (default), \"hash\" or a number of bytes.",
        ))
        .field(Field::new(
            "batch_input",
            FieldType::Raw,
            "A list of items to process in one request.",
        ))
}

/// `sign/:name[/:hash_algorithm]`.
pub fn path() -> Path {
    common_fields(Path::new(format!(
        "sign/(?P<name>{NAME})(?:/(?P<urlalgorithm>.+))?"
    )))
    .field(Field::new(
        "key_version",
        FieldType::Int,
        "The version of the key to sign with; 0 for the latest.",
    ))
    .on(Operation::Update, handler(sign))
    .help(
        "Generate a signature for input data using the named key",
        "Generates a signature of the input data using the named key and the given hash algorithm.",
    )
}

/// Parses the signing options of a `sign` or `verify` request, with Vault's texts.
pub(super) fn options(d: &FieldData) -> Result<SignOptions, Error> {
    let hash_name = algorithm_name(d)?;
    let hash = HashAlgorithm::parse(&hash_name)
        .ok_or_else(|| TransitError::invalid(format!("invalid hash algorithm {hash_name:?}")))?;
    let marshaling_name = d.get_str("marshaling_algorithm")?;
    let marshaling = Marshaling::parse(&marshaling_name).ok_or_else(|| {
        TransitError::invalid(format!("invalid marshaling type {marshaling_name:?}"))
    })?;
    let salt_name = d.get_str("salt_length")?;
    let salt = SaltLength::parse(&salt_name)
        .ok_or_else(|| TransitError::invalid(format!("invalid salt_length {salt_name:?}")))?;
    let rsa = match d.get_str("signature_algorithm")?.as_str() {
        "" | "pss" => RsaScheme::Pss(salt),
        "pkcs1v15" => RsaScheme::Pkcs1v15,
        other => {
            return Err(TransitError::invalid(format!(
                "unsupported rsa signature algorithm {other}"
            ))
            .into());
        }
    };
    Ok(SignOptions {
        hash,
        prehashed: d.get_bool("prehashed")?,
        marshaling,
        rsa,
    })
}

struct Item {
    input: Option<String>,
    context: Option<String>,
    reference: String,
}

async fn sign(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let opts = options(&d)?;
    let p = load_for_use(&req, &name).await?;
    if !p.key_type.supports_signing() {
        return Err(TransitError::invalid(format!(
            "key type {} does not support signing",
            p.key_type
        ))
        .into());
    }
    let version = p.version_for_use(opt_i64(&d, "key_version")?.unwrap_or(0), "signing")?;
    let (items, is_batch) = match batch::parse(d.get("batch_input")?)? {
        Some(raw) => {
            let mut out = Vec::with_capacity(raw.len());
            for (i, m) in raw.iter().enumerate() {
                out.push(Item {
                    input: batch::string(m, i, "input")?,
                    context: batch::string(m, i, "context")?,
                    reference: batch::reference(m),
                });
            }
            (out, true)
        }
        // A missing input signs the empty string, as in Vault.
        None => (
            vec![Item {
                input: Some(opt_str(&d, "input")?.unwrap_or_default()),
                context: opt_str(&d, "context")?,
                reference: String::new(),
            }],
            false,
        ),
    };

    let mut results = Vec::with_capacity(items.len());
    let mut outcome = Outcome::default();
    for item in &items {
        match sign_one(&p, version, item, &opts) {
            Ok(signed) => {
                outcome.succeeded += 1;
                let mut r = json!({
                    "signature": signed.signature,
                    "key_version": version,
                    "reference": item.reference,
                });
                if let Some(pk) = signed.public_key {
                    r["publickey"] = json!(b64::encode(&pk));
                }
                results.push(r);
            }
            Err(e) if e.is_user_error() => {
                outcome.failed += 1;
                results.push(json!({"error": e.to_string(), "reference": item.reference}));
            }
            Err(e) => return Err(e.into()),
        }
    }
    if is_batch {
        return Ok(Some(batch::respond(results, outcome, None)));
    }
    let mut first = match results.into_iter().next() {
        Some(Value::Object(m)) => m,
        _ => return Err(Error::internal("no result for the input item")),
    };
    if let Some(Value::String(e)) = first.remove("error") {
        return Err(TransitError::Invalid(e).into());
    }
    first.remove("reference");
    if let Some(pk) = first.remove("publickey") {
        first.insert("public_key".into(), pk);
    }
    Ok(Some(Response::with_data(first)))
}

fn sign_one(
    p: &Policy,
    version: u64,
    item: &Item,
    opts: &SignOptions,
) -> Result<signing::Signed, TransitError> {
    let Some(input) = &item.input else {
        return Err(TransitError::invalid("missing input"));
    };
    let input = decode_opt(Some(input))
        .map_err(|e| TransitError::invalid(format!("unable to decode input as base64: {e}")))?;
    let context = decode_opt(item.context.as_deref())
        .map_err(|_| TransitError::invalid("failed to base64-decode context"))?;
    signing::sign(p, version, &context, &input, opts)
}
