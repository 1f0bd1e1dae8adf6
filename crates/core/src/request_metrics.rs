//! The core's request metrics: `vault.core.handle_request` (or
//! `handle_login_request`) per request and the `vault.core.in_flight_requests` gauge.

use std::time::Instant;

use arca_sdk::Response;
use arca_telemetry::{emit, names};

use crate::{auth_mounts::TOKEN_TYPE, router::Route};

/// Times one request through the core from creation to drop, and counts it as in
/// flight meanwhile.
pub(crate) struct RequestTimer {
    start: Instant,
    summary: &'static str,
}

/// Whether `path` is a login: `auth/<mount>/login` or below it. Decided from the path
/// alone so the timer exists before routing; a user literally named `login` under a
/// non-login path is the only mislabelled case.
fn is_login(path: &str) -> bool {
    path.strip_prefix("auth/")
        .is_some_and(|rest| rest.split('/').skip(1).any(|segment| segment == "login"))
}

impl RequestTimer {
    /// Starts timing a request for `path`.
    pub(crate) fn start(path: &str) -> Self {
        metrics::gauge!(names::CORE_IN_FLIGHT_REQUESTS).increment(1.0);
        RequestTimer {
            start: Instant::now(),
            summary: if is_login(path) {
                names::CORE_HANDLE_LOGIN_REQUEST
            } else {
                names::CORE_HANDLE_REQUEST
            },
        }
    }
}

impl Drop for RequestTimer {
    fn drop(&mut self) {
        metrics::gauge!(names::CORE_IN_FLIGHT_REQUESTS).decrement(1.0);
        emit::measure_since(self.summary, self.start);
    }
}

/// Vault's TTL buckets for `creation_ttl`: the smallest bound holding the TTL, `+Inf`
/// beyond 30 days or for tokens that never expire.
fn ttl_bucket(ttl_secs: u64) -> &'static str {
    const BUCKETS: &[(u64, &str)] = &[
        (60, "1m"),
        (600, "10m"),
        (1_200, "20m"),
        (3_600, "1h"),
        (7_200, "2h"),
        (86_400, "1d"),
        (172_800, "2d"),
        (604_800, "7d"),
        (2_592_000, "30d"),
    ];
    if ttl_secs == 0 {
        return "+Inf";
    }
    BUCKETS
        .iter()
        .find(|(bound, _)| ttl_secs <= *bound)
        .map_or("+Inf", |(_, label)| label)
}

/// Counts `vault.token.creation` for a committed request that created a token: a login,
/// or the token store's `create*` endpoints (renewals also answer with `auth`, but with
/// an existing token).
pub(crate) fn count_token_creation(
    resp: Option<&Response>,
    route: &Route,
    login: bool,
    path: &str,
) {
    let Some(auth) = resp.and_then(|r| r.auth.as_ref()) else {
        return;
    };
    let token_create = route.mount.kind == TOKEN_TYPE
        && path
            .strip_prefix(route.mount.path.as_str())
            .is_some_and(|rest| rest.starts_with("create"));
    if auth.client_token.is_empty() || !(login || token_create) {
        return;
    }
    let token_type = if auth.token_type.is_empty() {
        "service".to_string()
    } else {
        auth.token_type.clone()
    };
    metrics::counter!(
        names::TOKEN_CREATION,
        "auth_method" => route.mount.kind.clone(),
        "mount_point" => route.mount.path.clone(),
        "creation_ttl" => ttl_bucket(auth.lease_duration),
        "token_type" => token_type,
        "namespace" => "root",
    )
    .increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_buckets_are_vaults() {
        assert_eq!(ttl_bucket(0), "+Inf");
        assert_eq!(ttl_bucket(30), "1m");
        assert_eq!(ttl_bucket(60), "1m");
        assert_eq!(ttl_bucket(61), "10m");
        assert_eq!(ttl_bucket(3_600), "1h");
        assert_eq!(ttl_bucket(768 * 3_600), "+Inf");
    }

    #[test]
    fn login_paths() {
        assert!(is_login("auth/userpass/login/bob"));
        assert!(is_login("auth/approle/login"));
        assert!(is_login("auth/team/ldap/login/alice"));
        assert!(!is_login("auth/token/create"));
        assert!(!is_login("auth/login"));
        assert!(!is_login("secret/data/login"));
        assert!(!is_login("sys/auth/login"));
    }

    #[test]
    fn times_requests_and_tracks_in_flight() {
        let (recorder, telemetry) =
            arca_telemetry::VaultRecorder::build(arca_telemetry::Settings::default()).unwrap();
        metrics::with_local_recorder(&recorder, || {
            let a = RequestTimer::start("secret/data/x");
            let b = RequestTimer::start("auth/userpass/login/bob");
            let json = telemetry.render_json();
            let in_flight = json["Gauges"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["Name"] == "vault.core.in_flight_requests")
                .map(|g| g["Value"].clone());
            assert_eq!(in_flight, Some(serde_json::json!(2.0)));
            drop(a);
            drop(b);
        });
        telemetry.run_upkeep();
        let text = telemetry.render_prometheus().unwrap();
        assert!(
            text.contains("\nvault_core_in_flight_requests 0\n"),
            "{text}"
        );
        assert!(
            text.contains("\nvault_core_handle_request_count 1\n"),
            "{text}"
        );
        assert!(
            text.contains("\nvault_core_handle_login_request_count 1\n"),
            "{text}"
        );
    }
}
