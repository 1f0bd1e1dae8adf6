//! `hmac/:name[/:algorithm]` and the HMAC side of `verify`. Every key version has an
//! HMAC key (the key itself for `hmac` keys), so any key type can make HMACs.

use arca_sdk::{
    Error, FieldData, Map, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};
use serde_json::json;

use super::{NAME, algorithm_name, decode_opt, load, load_for_use, name_field, opt_i64, opt_str};
use crate::{
    b64,
    batch::{self, Outcome},
    ciphertext,
    error::TransitError,
    hashing::HashAlgorithm,
    keytype::KeyType,
    policy::Policy,
};

/// `hmac/:name[/:algorithm]`.
pub fn path() -> Path {
    Path::new(format!("hmac/(?P<name>{NAME})(?:/(?P<urlalgorithm>.+))?"))
        .field(name_field())
        .field(Field::new(
            "input",
            FieldType::String,
            "The base64-encoded input data.",
        ))
        .field(Field::new(
            "algorithm",
            FieldType::String,
            "Algorithm: sha2-224, sha2-256 (default), sha2-384 or sha2-512.",
        ))
        .field(Field::new(
            "hash_algorithm",
            FieldType::String,
            "Same as \"algorithm\".",
        ))
        .field(Field::new(
            "urlalgorithm",
            FieldType::String,
            "Algorithm (URL segment).",
        ))
        .field(Field::new(
            "key_version",
            FieldType::Int,
            "The version of the key to use; 0 for the latest.",
        ))
        .field(Field::new(
            "batch_input",
            FieldType::Raw,
            "A list of items to process in one request.",
        ))
        .on(Operation::Update, handler(hmac))
        .help(
            "Generate an HMAC for input data using the named key",
            "Generates an HMAC sum of the given algorithm and key against the given input data.",
        )
}

/// The HMAC key of `version` ("key version does not exist" texts as Vault).
fn hmac_key(p: &Policy, version: i64) -> Result<&[u8], TransitError> {
    if version < 0 {
        return Err(TransitError::invalid(
            "key version does not exist (cannot be negative)",
        ));
    }
    if version as u64 > p.latest_version {
        return Err(TransitError::invalid(format!(
            "key version does not exist; latest key version is {}",
            p.latest_version
        )));
    }
    let entry = p.entry(version as u64)?;
    Ok(if p.key_type == KeyType::Hmac {
        entry.key.as_slice()
    } else {
        entry.hmac_key.as_slice()
    })
}

fn algorithm(d: &FieldData) -> Result<HashAlgorithm, Error> {
    let name = algorithm_name(d)?;
    HashAlgorithm::parse(&name)
        .ok_or_else(|| TransitError::invalid(format!("unsupported algorithm {name:?}")).into())
}

async fn hmac(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let p = load_for_use(&req, &name).await?;
    let requested = opt_i64(&d, "key_version")?.unwrap_or(0);
    let version = if requested == 0 {
        p.latest_version as i64
    } else {
        requested
    };
    if p.min_encryption_version > 0 && version > 0 && (version as u64) < p.min_encryption_version {
        return Err(TransitError::invalid(
            "cannot generate HMAC: version is too old (disallowed by policy)",
        )
        .into());
    }
    let key = hmac_key(&p, version)?;
    let alg = algorithm(&d)?;
    let (items, is_batch) = match batch::parse(d.get("batch_input")?)? {
        Some(raw) => (raw, true),
        None => {
            let Some(input) = opt_str(&d, "input")? else {
                return Err(TransitError::invalid("missing input for HMAC").into());
            };
            let mut m = Map::new();
            m.insert("input".into(), json!(input));
            (vec![m], false)
        }
    };

    let mut results = Vec::with_capacity(items.len());
    let mut outcome = Outcome::default();
    for (i, item) in items.iter().enumerate() {
        let reference = batch::reference(item);
        let one = || -> Result<String, TransitError> {
            let Some(input) = batch::string(item, i, "input")? else {
                return Err(TransitError::invalid("missing input for HMAC"));
            };
            let input = decode_opt(Some(&input)).map_err(|e| {
                TransitError::invalid(format!("unable to decode input as base64: {e}"))
            })?;
            Ok(ciphertext::format(
                version as u64,
                &b64::encode(&alg.hmac(key, &input)),
            ))
        };
        match one() {
            Ok(mac) => {
                outcome.succeeded += 1;
                results.push(json!({"hmac": mac, "reference": reference}));
            }
            Err(e) => {
                outcome.failed += 1;
                results.push(json!({"error": e.to_string(), "reference": reference}));
            }
        }
    }
    super::verify::finish(results, outcome, is_batch)
}

/// The HMAC branch of `verify`: items carry `hmac` instead of `signature`.
pub(super) async fn verify_hmac(
    req: &Request,
    d: &FieldData,
    items: Vec<Map>,
    is_batch: bool,
) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let p = load(req, &name).await?;
    let alg = algorithm(d)?;
    let mut results = Vec::with_capacity(items.len());
    let mut outcome = Outcome::default();
    for (i, item) in items.iter().enumerate() {
        let reference = batch::reference(item);
        match verify_one(&p, alg, i, item) {
            Ok(valid) => {
                outcome.succeeded += 1;
                results.push(json!({"valid": valid, "reference": reference}));
            }
            Err(e) => {
                outcome.failed += 1;
                results
                    .push(json!({"valid": false, "error": e.to_string(), "reference": reference}));
            }
        }
    }
    super::verify::finish(results, outcome, is_batch)
}

fn verify_one(p: &Policy, alg: HashAlgorithm, i: usize, item: &Map) -> Result<bool, TransitError> {
    let Some(input) = batch::string(item, i, "input")? else {
        return Err(TransitError::invalid("missing input"));
    };
    let input = decode_opt(Some(&input))
        .map_err(|e| TransitError::invalid(format!("unable to decode input as base64: {e}")))?;
    let Some(mac) = batch::string(item, i, "hmac")? else {
        return Err(TransitError::invalid("missing hmac"));
    };
    let rest = mac
        .strip_prefix(ciphertext::PREFIX)
        .ok_or_else(|| TransitError::invalid("invalid HMAC to verify: no prefix"))?;
    let (ver, body) = rest
        .split_once(':')
        .ok_or_else(|| TransitError::invalid("invalid HMAC: wrong number of fields"))?;
    let ver: i64 = ver
        .parse()
        .map_err(|_| TransitError::invalid("invalid HMAC: version number could not be decoded"))?;
    let given = decode_opt(Some(body)).map_err(|e| {
        TransitError::invalid(format!("unable to decode verification HMAC as base64: {e}"))
    })?;
    if ver > p.latest_version as i64 {
        return Err(TransitError::invalid("invalid HMAC: version is too new"));
    }
    if ver < p.min_decryption_version as i64 {
        return Err(TransitError::invalid(
            "cannot verify HMAC: version is too old (disallowed by policy)",
        ));
    }
    let key = hmac_key(p, ver)?;
    Ok(arca_crypto::ct_eq(&alg.hmac(key, &input), &given))
}
