//! The `X-Vault-Wrap-TTL` request header.

use std::collections::HashMap;

use arca_sdk::{Error, duration::parse_duration};

/// The header, lower-cased as the transport hands headers to the core.
pub(crate) const WRAP_TTL_HEADER: &str = "x-vault-wrap-ttl";

/// The wrap TTL the client asked for, in whole seconds; `None` without the header (or
/// with an empty one). A value that is not a duration is Vault's 400.
pub(crate) fn requested_ttl(headers: &HashMap<String, String>) -> Result<Option<u64>, Error> {
    let Some(raw) = headers.get(WRAP_TTL_HEADER).map(|v| v.trim()) else {
        return Ok(None);
    };
    if raw.is_empty() {
        return Ok(None);
    }
    parse_duration(raw)
        .map(|d| Some(d.as_secs()))
        .map_err(|e| Error::bad_request(format!("error parsing X-Vault-Wrap-TTL header: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ttl(v: &str) -> Result<Option<u64>, Error> {
        requested_ttl(&HashMap::from([(
            WRAP_TTL_HEADER.to_string(),
            v.to_string(),
        )]))
    }

    #[test]
    fn seconds_and_duration_strings() {
        assert_eq!(requested_ttl(&HashMap::new()).unwrap(), None);
        assert_eq!(ttl("").unwrap(), None);
        assert_eq!(ttl("120").unwrap(), Some(120));
        assert_eq!(ttl("2m0s").unwrap(), Some(120));
        assert_eq!(ttl("1h").unwrap(), Some(3600));
        assert_eq!(ttl("0").unwrap(), Some(0));
        for bad in ["soon", "-5", "5x", "1e9999"] {
            let e = ttl(bad).unwrap_err();
            assert!(
                matches!(&e, Error::BadRequest(m) if m.starts_with("error parsing X-Vault-Wrap-TTL header")),
                "{bad}: {e:?}"
            );
        }
    }
}
