//! `random[/:source][/:bytes]`: random bytes from the node's CSPRNG.

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};
use serde_json::json;

use super::{NAME, opt_str};
use crate::{b64, error::TransitError, rng::random_secret};

/// Most bytes one request may ask for (Vault's limit).
pub const MAX_BYTES: i64 = 128 * 1024;

/// `random[/:source][/:bytes]`.
pub fn path() -> Path {
    Path::new(format!(
        "random(?:/(?P<source>{NAME}))?(?:/(?P<urlbytes>.+))?"
    ))
    .field(Field::new(
        "urlbytes",
        FieldType::String,
        "The number of bytes to generate (URL segment).",
    ))
    .field(
        Field::new(
            "bytes",
            FieldType::Int,
            "The number of bytes to generate. Defaults to 32.",
        )
        .default(json!(32)),
    )
    .field(
        Field::new(
            "format",
            FieldType::String,
            "Encoding format: \"hex\" or \"base64\" (default).",
        )
        .default(json!("base64")),
    )
    .field(Field::new(
        "source",
        FieldType::String,
        "Entropy source: \"platform\" (default), \"seal\" or \"all\"; all use the node's CSPRNG.",
    ))
    .on(Operation::Update, handler(random))
    .help(
        "Generate random bytes",
        "This function can be used to generate high-entropy random bytes.",
    )
}

fn valid_source(s: &str) -> bool {
    matches!(s, "" | "platform" | "seal" | "all")
}

async fn random(_: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let body_bytes = d.get_i64("bytes")?.unwrap_or(32);
    let parse_url = |s: &str| {
        s.parse::<i64>().map_err(|_| {
            TransitError::invalid(format!(
                "error parsing url-set byte count: strconv.Atoi: parsing {s:?}: invalid syntax"
            ))
        })
    };
    // `random/<n>` captures the count as the source: tell them apart as Vault does.
    let (source, bytes) = match (opt_str(&d, "source")?, opt_str(&d, "urlbytes")?) {
        (None, _) => ("platform".to_string(), body_bytes),
        (Some(s), None) if valid_source(&s) => (s, body_bytes),
        (Some(s), None) => ("platform".to_string(), parse_url(&s)?),
        (Some(s), Some(n)) => (s, parse_url(&n)?),
    };
    if bytes < 1 {
        return Err(TransitError::invalid("\"bytes\" cannot be less than 1").into());
    }
    if bytes > MAX_BYTES {
        return Err(
            TransitError::invalid(format!("\"bytes\" should be less than {MAX_BYTES}")).into(),
        );
    }
    let format = d.get_str("format")?;
    if format != "hex" && format != "base64" {
        return Err(TransitError::invalid(format!(
            "unsupported encoding format {format:?}; must be \"hex\" or \"base64\""
        ))
        .into());
    }
    if !valid_source(&source) {
        return Err(TransitError::invalid(format!(
            "unsupported entropy source {source:?}; must be \"platform\" or \"seal\", or \"all\""
        ))
        .into());
    }
    let raw = random_secret(bytes as usize);
    let out = if format == "hex" {
        hex::encode(raw.as_slice())
    } else {
        b64::encode(&raw)
    };
    Ok(Some(Response::from_json(json!({"random_bytes": out}))))
}
