//! `GET /v1/sys/metrics`: this node's telemetry, as Prometheus text
//! (`?format=prometheus`, or an OpenMetrics/Prometheus `Accept` header) or as Vault's
//! JSON summary.
//!
//! Every node answers for itself (standbys and sealed nodes included, like the status
//! routes): it is never forwarded. A listener with `telemetry {
//! unauthenticated_metrics_access = true }` serves it without a token; otherwise the
//! token must be allowed to `read` `sys/metrics`, which a sealed node cannot check (503).

use arca_core::CoreRequest;
use arca_sdk::{Error, Operation};
use axum::{
    body::Body,
    extract::{ConnectInfo, Request},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{AppState, ClientAddr, parse};

/// The API path (without `/v1/`).
pub(crate) const PATH: &str = "sys/metrics";

/// `Accept` values that ask for the Prometheus format (Vault's list).
const OPENMETRICS_MIME: &str = "application/openmetrics-text";
const PROMETHEUS_SCHEMA_MIME: &str = "prometheus/telemetry";

/// True for the requests this module answers: reads of `sys/metrics`.
pub(crate) fn is_metrics_request(method: &Method, path: &str) -> bool {
    (method == Method::GET || method == Method::HEAD) && path.trim_end_matches('/') == PATH
}

/// The requested format: the `format` query parameter, else the `Accept` header.
fn format(query: &arca_sdk::Map, headers: &HeaderMap) -> String {
    let asked = query
        .get("format")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    if !asked.is_empty() {
        return asked.to_string();
    }
    let accepts = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>();
    let wants_prometheus = accepts
        .first()
        .is_some_and(|a| a.starts_with(OPENMETRICS_MIME))
        || accepts.iter().any(|a| a.contains(PROMETHEUS_SCHEMA_MIME));
    if wants_prometheus {
        "prometheus".into()
    } else {
        String::new()
    }
}

fn raw(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut r = (status, Body::from(body)).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// Answers a metrics request (after [`is_metrics_request`]).
pub(crate) async fn handle(
    state: &AppState,
    request_id: &str,
    req: Request,
) -> Result<Response, Error> {
    let query = parse::query(req.uri())?;
    let format = format(&query, req.headers());
    if !state.config.unauthenticated_metrics_access {
        let check = CoreRequest {
            id: request_id.to_string(),
            operation: Some(Operation::Read),
            path: PATH.to_string(),
            data: query,
            token: parse::token(req.headers()),
            headers: Default::default(),
            remote_addr: req
                .extensions()
                .get::<ConnectInfo<ClientAddr>>()
                .map(|c| c.0.0.ip().to_string()),
        };
        state.core.authorize_local_read(&check).await?;
    }
    let telemetry = arca_telemetry::installed()
        .ok_or_else(|| Error::Unavailable("telemetry is not set up on this node".into()))?;
    let text = "text/plain";
    Ok(match format.as_str() {
        "prometheus" => match telemetry.render_prometheus() {
            Ok(body) => raw(
                StatusCode::OK,
                arca_telemetry::PROMETHEUS_CONTENT_TYPE,
                body,
            ),
            Err(e) => raw(StatusCode::BAD_REQUEST, text, e.to_string()),
        },
        "" => raw(
            StatusCode::OK,
            "application/json",
            telemetry.render_json().to_string(),
        ),
        other => raw(
            StatusCode::BAD_REQUEST,
            text,
            format!("metric response format {other:?} unknown"),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for a in accept {
            h.append(header::ACCEPT, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    #[test]
    fn recognises_metrics_reads_only() {
        assert!(is_metrics_request(&Method::GET, "sys/metrics"));
        assert!(is_metrics_request(&Method::GET, "sys/metrics/"));
        assert!(is_metrics_request(&Method::HEAD, "sys/metrics"));
        assert!(!is_metrics_request(&Method::PUT, "sys/metrics"));
        assert!(!is_metrics_request(&Method::GET, "sys/metricsx"));
        assert!(!is_metrics_request(&Method::GET, "secret/sys/metrics"));
    }

    #[test]
    fn format_from_query_then_accept() {
        let mut q = arca_sdk::Map::new();
        assert_eq!(format(&q, &headers(&[])), "");
        assert_eq!(format(&q, &headers(&["application/json"])), "");
        assert_eq!(
            format(
                &q,
                &headers(&["application/openmetrics-text; version=1.0.0"])
            ),
            "prometheus"
        );
        assert_eq!(
            format(&q, &headers(&["text/html", "prometheus/telemetry"])),
            "prometheus"
        );
        q.insert("format".into(), "json2".into());
        assert_eq!(format(&q, &headers(&["prometheus/telemetry"])), "json2");
    }
}
