//! The `listener` stanza. Only `listener "tcp"` exists in Arca.

use std::time::Duration;

use super::decode::{Labeled, Section};
use super::error::{ConfigError, Origin};
use super::unsupported;

/// Vault's default API listen address.
pub const DEFAULT_ADDRESS: &str = "127.0.0.1:8200";
/// Vault's default request body limit (32 MiB).
pub const DEFAULT_MAX_REQUEST_SIZE: i64 = 33_554_432;
/// Vault's default minimum TLS version.
pub const DEFAULT_TLS_MIN_VERSION: &str = "tls12";

/// One `listener "tcp" { .. }` block, with Vault's defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ListenerConfig {
    /// `host:port` to serve the API on.
    pub address: String,
    /// `host:port` for cluster traffic; `None` means [`ListenerConfig::cluster_address`]'s
    /// default (the API port + 1).
    pub cluster_address: Option<String>,
    /// Serve plain HTTP. Vault's default is TLS on.
    pub tls_disable: bool,
    /// PEM certificate (chain) file, required unless `tls_disable`.
    pub tls_cert_file: Option<String>,
    /// PEM private key file, required unless `tls_disable`.
    pub tls_key_file: Option<String>,
    /// CA file used to verify client certificates.
    pub tls_client_ca_file: Option<String>,
    /// `tls10`, `tls11`, `tls12` or `tls13`.
    pub tls_min_version: String,
    /// Request body limit in bytes as written; see [`ListenerConfig::max_request_size`].
    pub max_request_size_raw: i64,
    /// Per-request time limit; `None` means the server-wide default.
    pub max_request_duration: Option<Duration>,
    /// Addresses/CIDRs whose `X-Forwarded-For` header is trusted.
    pub x_forwarded_for_authorized_addrs: Vec<String>,
    /// `telemetry { .. }` inside the listener.
    pub telemetry: ListenerTelemetry,
    /// Where the stanza was written.
    pub origin: Origin,
}

/// The listener's own `telemetry { .. }` block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListenerTelemetry {
    /// Serve `sys/metrics` without a token on this listener.
    pub unauthenticated_metrics_access: bool,
}

impl ListenerConfig {
    /// A plain listener on `address` with every other value at Vault's default.
    pub fn tcp(address: impl Into<String>) -> Self {
        ListenerConfig {
            address: address.into(),
            cluster_address: None,
            tls_disable: false,
            tls_cert_file: None,
            tls_key_file: None,
            tls_client_ca_file: None,
            tls_min_version: DEFAULT_TLS_MIN_VERSION.into(),
            max_request_size_raw: DEFAULT_MAX_REQUEST_SIZE,
            max_request_duration: None,
            x_forwarded_for_authorized_addrs: Vec::new(),
            telemetry: ListenerTelemetry::default(),
            origin: Origin::default(),
        }
    }

    /// The request body limit: `Some(bytes)`, or `None` when a negative value turned
    /// limiting off (Vault: 0 means the 32 MiB default, below 0 means unlimited).
    pub fn max_request_size(&self) -> Option<u64> {
        match self.max_request_size_raw {
            0 => u64::try_from(DEFAULT_MAX_REQUEST_SIZE).ok(),
            n => u64::try_from(n).ok(),
        }
    }

    /// The cluster listen address: as configured, or the API host with port + 1
    /// (`[::]:8200` gives `[::]:8201`), as Vault derives it.
    pub fn cluster_address(&self) -> Result<String, ConfigError> {
        if let Some(addr) = &self.cluster_address {
            return Ok(addr.clone());
        }
        let (host, port) = split_host_port(&self.address)
            .map_err(|m| self.origin.error(format!("listener \"tcp\": address: {m}")))?;
        let port = port.checked_add(1).ok_or_else(|| {
            self.origin
                .error("listener \"tcp\": cannot derive cluster_address from port 65535")
        })?;
        Ok(join_host_port(host, port))
    }

    /// Checks addresses and the TLS rules (certificate and key unless `tls_disable`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let fail = |m: String| self.origin.error(format!("listener \"tcp\": {m}"));
        split_host_port(&self.address).map_err(|m| fail(format!("address: {m}")))?;
        let cluster = self.cluster_address()?;
        split_host_port(&cluster).map_err(|m| fail(format!("cluster_address: {m}")))?;
        if !self.tls_disable {
            if self.tls_cert_file.as_deref().unwrap_or("").is_empty() {
                return Err(fail("'tls_cert_file' must be set".into()));
            }
            if self.tls_key_file.as_deref().unwrap_or("").is_empty() {
                return Err(fail("'tls_key_file' must be set".into()));
            }
        }
        if !matches!(
            self.tls_min_version.as_str(),
            "tls10" | "tls11" | "tls12" | "tls13"
        ) {
            return Err(fail(format!(
                "'tls_min_version' value {:?} not supported, please specify one of [tls10,tls11,tls12,tls13]",
                self.tls_min_version
            )));
        }
        for addr in &self.x_forwarded_for_authorized_addrs {
            if !is_ip_or_cidr(addr) {
                return Err(fail(format!(
                    "x_forwarded_for_authorized_addrs: {addr:?} is not an IP address or CIDR"
                )));
            }
        }
        Ok(())
    }
}

/// Splits `host:port` (IPv6 hosts in brackets). The host may be a name or an IP.
pub(crate) fn split_host_port(addr: &str) -> Result<(&str, u16), String> {
    let (host, port) = addr
        .rsplit_once(':')
        .ok_or_else(|| format!("{addr:?} is not of the form host:port"))?;
    let port: u16 = port
        .parse()
        .map_err(|_| format!("{addr:?} has an invalid port"))?;
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or_else(|| format!("{addr:?} has an unclosed '['"))?;
        inner
            .parse::<std::net::Ipv6Addr>()
            .map_err(|_| format!("{addr:?} has an invalid IPv6 address"))?;
    } else if host.contains(':') {
        return Err(format!(
            "{addr:?}: IPv6 addresses must be written in brackets"
        ));
    } else if !host.is_empty() && !is_hostname(host) {
        return Err(format!("{addr:?} has an invalid host"));
    }
    Ok((host, port))
}

fn join_host_port(host: &str, port: u16) -> String {
    format!("{host}:{port}")
}

fn is_hostname(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

fn is_ip_or_cidr(s: &str) -> bool {
    let (ip, prefix) = match s.split_once('/') {
        Some((ip, prefix)) => (ip, Some(prefix)),
        None => (s, None),
    };
    let Ok(ip) = ip.parse::<std::net::IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|n| n <= max))
}

/// Decodes one `listener "<type>"` block.
pub(crate) fn decode(file: &str, block: &Labeled<'_>) -> Result<ListenerConfig, ConfigError> {
    if block.label != "tcp" {
        return Err(unsupported::refuse_label(
            file,
            block.line,
            "listener",
            block.label,
        ));
    }
    let mut s = Section::new(file, "listener.tcp", "listener \"tcp\"", block.body)?;
    let telemetry = match s.block("telemetry")? {
        None => ListenerTelemetry::default(),
        Some((node, _)) => {
            let mut t = Section::new(
                file,
                "listener.tcp.telemetry",
                "listener \"tcp\" telemetry",
                node,
            )?;
            let telemetry = ListenerTelemetry {
                unauthenticated_metrics_access: t
                    .boolean("unauthenticated_metrics_access")?
                    .unwrap_or(false),
            };
            t.finish()?;
            telemetry
        }
    };
    let listener = ListenerConfig {
        address: s
            .string("address")?
            .unwrap_or_else(|| DEFAULT_ADDRESS.to_string()),
        cluster_address: s.string("cluster_address")?,
        tls_disable: s.boolean("tls_disable")?.unwrap_or(false),
        tls_cert_file: s.string("tls_cert_file")?,
        tls_key_file: s.string("tls_key_file")?,
        tls_client_ca_file: s.string("tls_client_ca_file")?,
        tls_min_version: s
            .string("tls_min_version")?
            .unwrap_or_else(|| DEFAULT_TLS_MIN_VERSION.to_string()),
        max_request_size_raw: s
            .integer("max_request_size")?
            .unwrap_or(DEFAULT_MAX_REQUEST_SIZE),
        max_request_duration: s.duration("max_request_duration")?,
        x_forwarded_for_authorized_addrs: s
            .string_list("x_forwarded_for_authorized_addrs")?
            .unwrap_or_default(),
        telemetry,
        origin: Origin {
            file: file.to_string(),
            line: block.line,
        },
    };
    s.finish()?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_address_defaults_to_port_plus_one() {
        let l = ListenerConfig::tcp("[::]:8200");
        assert_eq!(l.cluster_address().unwrap(), "[::]:8201");
        let l = ListenerConfig::tcp("127.0.0.1:9000");
        assert_eq!(l.cluster_address().unwrap(), "127.0.0.1:9001");
        let mut l = ListenerConfig::tcp("0.0.0.0:8200");
        l.cluster_address = Some("0.0.0.0:9999".into());
        assert_eq!(l.cluster_address().unwrap(), "0.0.0.0:9999");
        assert!(
            ListenerConfig::tcp("0.0.0.0:65535")
                .cluster_address()
                .is_err()
        );
    }

    #[test]
    fn host_port_parsing() {
        assert_eq!(split_host_port("[::1]:8200").unwrap(), ("[::1]", 8200));
        assert_eq!(split_host_port("vault.example.com:8200").unwrap().1, 8200);
        assert_eq!(split_host_port(":8200").unwrap(), ("", 8200));
        assert!(split_host_port("8200").is_err());
        assert!(split_host_port("::1:8200").is_err());
        assert!(split_host_port("host:99999").is_err());
        assert!(split_host_port("[zz]:1").is_err());
        assert!(split_host_port("bad host:1").is_err());
    }

    #[test]
    fn tls_rules() {
        let mut l = ListenerConfig::tcp("127.0.0.1:8200");
        let err = l.validate().unwrap_err().to_string();
        assert!(err.contains("'tls_cert_file' must be set"), "{err}");
        l.tls_cert_file = Some("/tls/cert.pem".into());
        let err = l.validate().unwrap_err().to_string();
        assert!(err.contains("'tls_key_file' must be set"), "{err}");
        l.tls_key_file = Some("/tls/key.pem".into());
        l.validate().unwrap();
        l.tls_min_version = "tls9".into();
        assert!(l.validate().is_err());
        let mut plain = ListenerConfig::tcp("127.0.0.1:8200");
        plain.tls_disable = true;
        plain.validate().unwrap();
    }

    #[test]
    fn request_size_rules() {
        let mut l = ListenerConfig::tcp("127.0.0.1:8200");
        assert_eq!(l.max_request_size(), Some(33_554_432));
        l.max_request_size_raw = 0;
        assert_eq!(l.max_request_size(), Some(33_554_432));
        l.max_request_size_raw = -1;
        assert_eq!(l.max_request_size(), None);
        l.max_request_size_raw = 1024;
        assert_eq!(l.max_request_size(), Some(1024));
    }

    #[test]
    fn forwarded_for_addresses() {
        assert!(is_ip_or_cidr("10.0.0.0/8"));
        assert!(is_ip_or_cidr("127.0.0.1"));
        assert!(is_ip_or_cidr("::1/128"));
        assert!(!is_ip_or_cidr("10.0.0.0/33"));
        assert!(!is_ip_or_cidr("example.com"));
    }
}
