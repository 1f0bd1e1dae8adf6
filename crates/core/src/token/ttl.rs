//! Vault's TTL rules for tokens: the system maximum (768h), then the auth mount's tuned
//! default and maximum, then what the backend or request asked for, with periodic tokens
//! and explicit max TTLs on top.

use arca_sdk::Error;

use crate::mounts::{MountEntry, SYSTEM_MAX_TTL};

/// The default and maximum lease TTL in effect on a mount (its "system view").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MountTtls {
    pub default_ttl: u64,
    pub max_ttl: u64,
}

impl MountTtls {
    /// The system defaults (no mount tuning).
    pub fn system() -> Self {
        MountTtls {
            default_ttl: SYSTEM_MAX_TTL,
            max_ttl: SYSTEM_MAX_TTL,
        }
    }

    /// The values in effect on `mount` (tuned values, else the system's). A default above
    /// the mount's maximum is capped by it, as Vault's system view does.
    pub fn of(mount: &MountEntry) -> Self {
        let max_ttl = mount.effective_max_ttl();
        MountTtls {
            default_ttl: mount.effective_default_ttl().min(max_ttl),
            max_ttl,
        }
    }
}

/// What a TTL is calculated from (seconds; 0 means unset).
#[derive(Debug, Clone, Copy, Default)]
pub struct TtlRequest {
    /// Renewal increment asked by the client.
    pub increment: u64,
    /// TTL proposed by the backend (or the request).
    pub ttl: u64,
    pub period: u64,
    /// Max TTL proposed by the backend.
    pub max_ttl: u64,
    pub explicit_max_ttl: u64,
    /// When the token was issued (unix ms), for renewals; `None` for a new token.
    pub start_ms: Option<i64>,
}

/// Vault's `CalculateTTL`: the TTL to grant, with warnings when something was capped.
pub fn calculate_ttl(
    mount: MountTtls,
    req: TtlRequest,
    now_ms: i64,
) -> Result<(u64, Vec<String>), Error> {
    let now = now_ms.div_euclid(1000);
    let start = req.start_ms.map(|s| s.div_euclid(1000)).unwrap_or(now);
    let mut warnings = Vec::new();

    let mut max_ttl = mount.max_ttl;
    if req.max_ttl > 0 && req.max_ttl < max_ttl {
        max_ttl = req.max_ttl;
    }
    if req.explicit_max_ttl > 0 && req.explicit_max_ttl < max_ttl {
        max_ttl = req.explicit_max_ttl;
    }
    if max_ttl == 0 {
        return Err(Error::internal("max TTL must be greater than zero"));
    }

    let (mut ttl, max_valid) = if req.period > 0 {
        let mut period = req.period;
        if period > max_ttl {
            warnings.push(format!(
                "period of {:?} exceeded the effective max_ttl of {:?}; period value is capped accordingly",
                human_duration(period),
                human_duration(max_ttl)
            ));
            period = max_ttl;
        }
        let max_valid =
            (req.explicit_max_ttl > 0).then(|| start.saturating_add(req.explicit_max_ttl as i64));
        (period, max_valid)
    } else {
        let ttl = if req.increment > 0 {
            req.increment
        } else if req.ttl > 0 {
            req.ttl
        } else {
            mount.default_ttl
        };
        (ttl, Some(start.saturating_add(max_ttl as i64)))
    };

    if let Some(max_valid) = max_valid {
        let max_valid_ttl = max_valid - now;
        if max_valid_ttl <= 0 {
            return Err(Error::bad_request("past the max TTL, cannot renew"));
        }
        let max_valid_ttl = max_valid_ttl as u64;
        if max_valid_ttl < ttl {
            warnings.push(format!(
                "TTL of {:?} exceeded the effective max_ttl of {:?}; TTL value is capped accordingly",
                human_duration(ttl),
                human_duration(max_valid_ttl)
            ));
            ttl = max_valid_ttl;
        }
    }
    Ok((ttl, warnings))
}

/// Vault's `humanDuration`: Go's duration string without a trailing "0s" or an inner
/// "0m" after hours ("768h", "1h30m", "1m30s", but "1h0m5s").
pub fn human_duration(secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 || (h > 0 && s > 0) {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    fn mount(default_ttl: u64, max_ttl: u64) -> MountTtls {
        MountTtls {
            default_ttl,
            max_ttl,
        }
    }

    #[test]
    fn defaults_and_caps() {
        let sys = MountTtls::system();
        let (ttl, w) = calculate_ttl(sys, TtlRequest::default(), NOW).unwrap();
        assert_eq!((ttl, w.len()), (SYSTEM_MAX_TTL, 0));
        let req = TtlRequest {
            ttl: 3600,
            ..Default::default()
        };
        assert_eq!(calculate_ttl(sys, req, NOW).unwrap().0, 3600);
        // The mount maximum caps the request, with Vault's warning.
        let (ttl, w) = calculate_ttl(mount(60, 120), req, NOW).unwrap();
        assert_eq!(ttl, 120);
        assert_eq!(
            w,
            vec![
                "TTL of \"1h\" exceeded the effective max_ttl of \"2m\"; TTL value is capped accordingly"
            ]
        );
        // The backend max and explicit max are further bounds.
        let req = TtlRequest {
            ttl: 3600,
            max_ttl: 600,
            explicit_max_ttl: 300,
            ..Default::default()
        };
        assert_eq!(calculate_ttl(sys, req, NOW).unwrap().0, 300);
    }

    #[test]
    fn renewals_stay_within_max_since_issue() {
        let req = TtlRequest {
            ttl: 3600,
            explicit_max_ttl: 5000,
            start_ms: Some(NOW - 4000 * 1000),
            ..Default::default()
        };
        assert_eq!(
            calculate_ttl(MountTtls::system(), req, NOW).unwrap().0,
            1000
        );
        let req = TtlRequest {
            start_ms: Some(NOW - 6000 * 1000),
            ..req
        };
        assert!(calculate_ttl(MountTtls::system(), req, NOW).is_err());
        let req = TtlRequest {
            increment: 60,
            ttl: 3600,
            start_ms: Some(NOW),
            ..Default::default()
        };
        assert_eq!(calculate_ttl(MountTtls::system(), req, NOW).unwrap().0, 60);
    }

    #[test]
    fn periodic_tokens() {
        let req = TtlRequest {
            ttl: 10,
            period: 86400,
            ..Default::default()
        };
        assert_eq!(
            calculate_ttl(MountTtls::system(), req, NOW).unwrap().0,
            86400
        );
        let (ttl, w) = calculate_ttl(mount(60, 3600), req, NOW).unwrap();
        assert_eq!(ttl, 3600);
        assert!(w[0].starts_with("period of \"24h\" exceeded"));
        let req = TtlRequest {
            period: 86400,
            explicit_max_ttl: 100,
            start_ms: Some(NOW - 50_000),
            ..Default::default()
        };
        assert_eq!(calculate_ttl(MountTtls::system(), req, NOW).unwrap().0, 50);
    }

    #[test]
    fn human_durations_like_vault() {
        assert_eq!(human_duration(768 * 3600), "768h");
        assert_eq!(human_duration(5400), "1h30m");
        assert_eq!(human_duration(90), "1m30s");
        assert_eq!(human_duration(3605), "1h0m5s");
        assert_eq!(human_duration(0), "0s");
    }
}
