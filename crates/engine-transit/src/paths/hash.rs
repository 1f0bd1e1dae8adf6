//! `hash[/:algorithm]`: a SHA-2 digest of base64 input.

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};
use serde_json::json;

use super::{decode_opt, opt_str};
use crate::{b64, error::TransitError, hashing::HashAlgorithm};

/// `hash[/:algorithm]`.
pub fn path() -> Path {
    Path::new("hash(?:/(?P<urlalgorithm>.+))?")
        .field(Field::new(
            "input",
            FieldType::String,
            "The base64-encoded input data.",
        ))
        .field(
            Field::new(
                "algorithm",
                FieldType::String,
                "Algorithm: sha2-224, sha2-256 (default), sha2-384 or sha2-512.",
            )
            .default(json!("sha2-256")),
        )
        .field(Field::new(
            "urlalgorithm",
            FieldType::String,
            "Algorithm (URL segment).",
        ))
        .field(
            Field::new(
                "format",
                FieldType::String,
                "Encoding format: \"hex\" (default) or \"base64\".",
            )
            .default(json!("hex")),
        )
        .on(Operation::Update, handler(hash))
        .help(
            "Generate a hash sum for input data",
            "Generates a hash sum of the given algorithm against the given input data.",
        )
}

async fn hash(_: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let input = decode_opt(opt_str(&d, "input")?.as_deref())
        .map_err(|e| TransitError::invalid(format!("unable to decode input as base64: {e}")))?;
    let format = d.get_str("format")?;
    if format != "hex" && format != "base64" {
        return Err(TransitError::invalid(format!(
            "unsupported encoding format {format}; must be \"hex\" or \"base64\""
        ))
        .into());
    }
    let name = match opt_str(&d, "urlalgorithm")?.filter(|s| !s.is_empty()) {
        Some(s) => s,
        None => d.get_str("algorithm")?,
    };
    let alg = HashAlgorithm::parse(&name)
        .ok_or_else(|| TransitError::invalid(format!("unsupported algorithm {name}")))?;
    let sum = alg.digest(&input);
    let out = if format == "hex" {
        hex::encode(sum)
    } else {
        b64::encode(&sum)
    };
    Ok(Some(Response::from_json(json!({"sum": out}))))
}
