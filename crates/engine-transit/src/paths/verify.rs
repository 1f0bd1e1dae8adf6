//! `verify/:name[/:hash_algorithm]`: checks a signature, or an HMAC made by `hmac`.

use arca_sdk::{
    Error, FieldData, Map, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};
use serde_json::{Value, json};

use super::{NAME, decode_opt, load, opt_str, sign};
use crate::{
    batch::{self, Outcome},
    error::TransitError,
    policy::Policy,
    signing::{self, SignOptions},
};

/// `verify/:name[/:hash_algorithm]`.
pub fn path() -> Path {
    sign::common_fields(Path::new(format!(
        "verify/(?P<name>{NAME})(?:/(?P<urlalgorithm>.+))?"
    )))
    .field(Field::new("signature", FieldType::String, "The signature, including the vault header and key version."))
    .field(Field::new("hmac", FieldType::String, "The HMAC, including the vault header and key version."))
    .on(Operation::Update, handler(verify))
    .help(
        "Verify a signature or HMAC for input data created using the named key",
        "Verifies a signature or HMAC of the input data using the named key and the given hash algorithm.",
    )
}

/// The items of a verification, from `batch_input` or the top-level fields.
pub(super) fn items(d: &FieldData) -> Result<(Vec<Map>, bool), Error> {
    if let Some(raw) = batch::parse(d.get("batch_input")?)? {
        return Ok((raw, true));
    }
    let mut m = Map::new();
    m.insert(
        "input".into(),
        json!(opt_str(d, "input")?.unwrap_or_default()),
    );
    for f in ["signature", "hmac", "context"] {
        if let Some(v) = opt_str(d, f)? {
            m.insert(f.into(), json!(v));
        }
    }
    Ok((vec![m], false))
}

async fn verify(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let (items, is_batch) = items(&d)?;
    let has = |m: &Map, f: &str| m.get(f).is_some_and(|v| !v.is_null());
    let sig_found = items.iter().any(|m| has(m, "signature"));
    let hmac_found = items.iter().any(|m| has(m, "hmac"));
    let missing = items
        .iter()
        .any(|m| !has(m, "signature") && !has(m, "hmac"));
    let fail =
        |m: &str| -> Result<Option<Response>, Error> { Err(TransitError::invalid(m).into()) };
    match () {
        _ if !is_batch && sig_found && hmac_found => {
            return fail("provide one of 'signature' or 'hmac'");
        }
        _ if !is_batch && !sig_found && !hmac_found => {
            return fail("neither a 'signature' nor an 'hmac' were given to verify");
        }
        _ if sig_found && hmac_found => {
            return fail(
                "elements of batch_input must all provide 'signature' or all provide 'hmac'",
            );
        }
        _ if missing && sig_found => {
            return fail("some elements of batch_input are missing 'signature'");
        }
        _ if missing && hmac_found => {
            return fail("some elements of batch_input are missing 'hmac'");
        }
        _ if missing => return fail("no batch_input elements have 'signature' or 'hmac'"),
        _ if hmac_found => return super::hmac::verify_hmac(&req, &d, items, is_batch).await,
        _ => {}
    }

    let name = d.get_str("name")?;
    let opts = sign::options(&d)?;
    let p = load(&req, &name).await?;
    if !p.key_type.supports_signing() {
        return Err(TransitError::invalid(format!(
            "key type {} does not support verification",
            p.key_type
        ))
        .into());
    }

    let mut results = Vec::with_capacity(items.len());
    let mut outcome = Outcome::default();
    for (i, item) in items.iter().enumerate() {
        let reference = batch::reference(item);
        match verify_one(&p, i, item, &opts) {
            Ok(valid) => {
                outcome.succeeded += 1;
                results.push(json!({"valid": valid, "reference": reference}));
            }
            Err(e) if e.is_user_error() => {
                outcome.failed += 1;
                results
                    .push(json!({"valid": false, "error": e.to_string(), "reference": reference}));
            }
            Err(e) => return Err(e.into()),
        }
    }
    finish(results, outcome, is_batch)
}

/// The single-item or batch response of a verification.
pub(super) fn finish(
    results: Vec<Value>,
    outcome: Outcome,
    is_batch: bool,
) -> Result<Option<Response>, Error> {
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
    Ok(Some(Response::with_data(first)))
}

fn verify_one(p: &Policy, i: usize, item: &Map, opts: &SignOptions) -> Result<bool, TransitError> {
    let Some(input) = batch::string(item, i, "input")? else {
        return Err(TransitError::invalid("missing input"));
    };
    let input = decode_opt(Some(&input))
        .map_err(|e| TransitError::invalid(format!("unable to decode input as base64: {e}")))?;
    let Some(signature) = batch::string(item, i, "signature")? else {
        return Err(TransitError::invalid("missing signature"));
    };
    let context = decode_opt(batch::string(item, i, "context")?.as_deref())
        .map_err(|_| TransitError::invalid("failed to base64-decode context"))?;
    signing::verify(p, &context, &input, &signature, opts)
}
