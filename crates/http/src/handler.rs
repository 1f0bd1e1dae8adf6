//! The single handler behind every `/v1/*` route.

use arca_core::{CoreRequest, StandbyRead};
use arca_sdk::{Error, Operation, Response};
use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    response::IntoResponse,
};
use tracing::Instrument;

use crate::{
    AppState, ClientAddr,
    envelope::envelope,
    forward::{self, ForwardError, ForwardedMarker, RawHttpRequest},
    parse, status,
};

/// Headers passed through to the core (lower-case).
const FORWARDED_HEADERS: &[&str] = &[
    "x-vault-request",
    "x-vault-namespace",
    "x-vault-wrap-ttl",
    "user-agent",
];

pub(crate) async fn handle(
    State(state): State<AppState>,
    req: Request,
) -> axum::response::Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let method = req.method().clone();
    let span = tracing::info_span!("request", id = %request_id, method = %method, path = %req.uri().path());
    let is_head = method == Method::HEAD;
    let result = async {
        let outcome = run(&state, &request_id, req).await;
        match &outcome {
            // Inside the request span, so both lines carry the request id.
            Ok(r) => tracing::trace!(status = r.status().as_u16(), "request handled"),
            Err(e) => tracing::debug!(error = %e, "request failed"),
        }
        outcome
    }
    .instrument(span)
    .await;
    let mut resp = match result {
        Ok(r) => r,
        Err(e) => error_response(&e),
    };
    if is_head {
        *resp.body_mut() = Body::empty();
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

async fn run(
    state: &AppState,
    request_id: &str,
    mut req: Request,
) -> Result<axum::response::Response, Error> {
    let Some(path) = parse::api_path(req.uri()) else {
        return Ok(json_response(
            StatusCode::NOT_FOUND,
            serde_json::json!({"errors": []}),
        ));
    };
    let path = path?;
    if crate::metrics::is_metrics_request(req.method(), &path) {
        return crate::metrics::handle(state, request_id, req).await;
    }
    let standby = !state.core.is_sealed() && !state.core.cluster().is_active();
    if standby && forward::is_standby_seal(&path) {
        // Vault answers `sys/seal` on the node it reaches and a standby refuses it; had it
        // been forwarded, `operator seal` aimed at a standby would seal the active node.
        return Err(Error::Internal(forward::STANDBY_SEAL_REFUSED.into()));
    }
    // A standby read served here keeps the raw request, to forward it after all should
    // it turn out to need a write.
    let mut standby_read = None;
    if standby
        && !forward::is_local_only(&path)
        && req.extensions().get::<ForwardedMarker>().is_none()
    {
        if !(state.config.standby_reads && forward::may_read_on_standby(&req, &path)) {
            return forward_to_active(state, req, &path).await;
        }
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, state.config.max_request_size)
            .await
            .map_err(|_| too_large(state.config.max_request_size))?;
        req = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
        standby_read = Some((parts, bytes));
    }
    if let Some(op) = crate::snapshot::route(req.method(), &path) {
        return crate::snapshot::handle(state, request_id, req, path, op).await;
    }
    let query = parse::query(req.uri())?;
    let op = parse::operation(req.method(), &query)?;
    let token = parse::token(req.headers());
    let remote_addr = req
        .extensions()
        .get::<ConnectInfo<ClientAddr>>()
        .map(|c| c.0.0.ip().to_string());
    if op == Operation::Patch {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.starts_with("application/merge-patch+json") {
            return Err(Error::Status {
                status: 415,
                message: format!(
                    "PATCH requires Content-Type application/merge-patch+json, got {ct:?}"
                ),
            });
        }
    }
    let headers = FORWARDED_HEADERS
        .iter()
        .filter_map(|h| {
            req.headers()
                .get(*h)
                .and_then(|v| v.to_str().ok())
                .map(|v| (h.to_string(), v.to_string()))
        })
        .collect();
    let bytes = axum::body::to_bytes(req.into_body(), state.config.max_request_size)
        .await
        .map_err(|_| too_large(state.config.max_request_size))?;
    let data = match op {
        Operation::Read | Operation::List => query,
        Operation::Delete if bytes.is_empty() => query,
        _ => parse::body(&bytes)?,
    };
    let api_path = path.clone();
    let core_req = CoreRequest {
        id: request_id.to_string(),
        operation: Some(op),
        path,
        data,
        token,
        headers,
        remote_addr,
    };
    if let Some((parts, bytes)) = standby_read {
        return match serve_on_standby(state, core_req).await? {
            Some(result) => Ok(success_response(request_id, &api_path, op, result)),
            None => {
                let raw = Request::from_parts(parts, Body::from(bytes));
                forward_to_active(state, raw, &api_path).await
            }
        };
    }
    let result = state.core.handle(core_req).await?;
    Ok(success_response(request_id, &api_path, op, result))
}

/// A standby's own answer to a read: after a ReadIndex round trip to the active node
/// (so the read sees every write acknowledged before it), the core runs the request
/// without committing anything. `Ok(None)`: forward it instead (no read index in time,
/// or the request needs a write).
async fn serve_on_standby(
    state: &AppState,
    core_req: CoreRequest,
) -> Result<Option<Option<Response>>, Error> {
    let Some(forwarder) = &state.forwarder else {
        return Ok(None);
    };
    if let Err(e) = forwarder.read_index().await {
        tracing::debug!(error = %e, "no read index from the active node; forwarding the read");
        return Ok(None);
    }
    match state.core.handle_standby_read(core_req).await? {
        StandbyRead::Served(result) => {
            arca_telemetry::emit::incr(arca_telemetry::names::HA_STANDBY_READ_SERVED);
            Ok(Some(*result))
        }
        StandbyRead::Forward => Ok(None),
    }
}

/// Sends a standby's request to the active node, or redirects the client there (307)
/// when forwarding is turned off by the client, not possible, or not used for the path.
async fn forward_to_active(
    state: &AppState,
    req: Request,
    path: &str,
) -> Result<axum::response::Response, Error> {
    let uri = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let leader = state.forwarder.as_ref().and_then(|f| f.leader_api_addr());
    let redirect = |leader: Option<String>| match leader {
        Some(addr) => Ok(redirect_response(&addr, &uri)),
        None => Err(Error::Unavailable(
            "this node is a standby and no active node is known yet; retry shortly".into(),
        )),
    };
    let Some(forwarder) = state.forwarder.clone() else {
        return redirect(leader);
    };
    if req.headers().contains_key("x-vault-no-request-forwarding")
        || forward::is_redirect_only(path)
    {
        return redirect(leader);
    }
    let method = req.method().to_string();
    // Reads change nothing, so even a request that may have reached the active node can
    // be redirected.
    let read_only = matches!(method.as_str(), "GET" | "HEAD" | "LIST");
    let headers = req
        .headers()
        .iter()
        .filter(|(n, _)| !forward::is_hop_header(n.as_str()))
        .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
        .collect();
    let remote_addr = req
        .extensions()
        .get::<ConnectInfo<ClientAddr>>()
        .map(|c| c.0.0.to_string());
    let body = axum::body::to_bytes(req.into_body(), state.config.max_request_size)
        .await
        .map_err(|_| too_large(state.config.max_request_size))?;
    let raw = RawHttpRequest {
        method,
        uri: uri.clone(),
        headers,
        body,
        remote_addr,
    };
    let forward_start = std::time::Instant::now();
    let forwarded = forwarder.forward(raw).await;
    arca_telemetry::emit::measure_since(
        arca_telemetry::names::HA_RPC_CLIENT_FORWARD,
        forward_start,
    );
    match forwarded {
        Ok(resp) => {
            let status = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut out = (status, resp.body).into_response();
            for (name, value) in resp.headers {
                if forward::is_hop_header(&name) {
                    continue;
                }
                if let (Ok(n), Ok(v)) = (
                    header::HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_bytes(&value),
                ) {
                    out.headers_mut().append(n, v);
                }
            }
            Ok(out)
        }
        Err(e) => {
            arca_telemetry::emit::incr(arca_telemetry::names::HA_RPC_CLIENT_FORWARD_ERRORS);
            match e {
                ForwardError::Indeterminate(e) if !read_only => {
                    // As Vault: the write may have been applied, so no redirect.
                    tracing::warn!(error = %e, "forwarding to the active node failed after the request was sent");
                    Err(Error::Status {
                        status: 500,
                        message: "error during forwarding RPC request".into(),
                    })
                }
                e => {
                    tracing::warn!(error = %e, "forwarding to the active node failed; redirecting the client");
                    redirect(forwarder.leader_api_addr().or(leader))
                }
            }
        }
    }
}

fn redirect_response(leader_api_addr: &str, uri: &str) -> axum::response::Response {
    let location = format!("{}{}", leader_api_addr.trim_end_matches('/'), uri);
    let mut r = StatusCode::TEMPORARY_REDIRECT.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn too_large(limit: usize) -> Error {
    Error::Status {
        status: 413,
        message: format!("http: request body too large (the limit is {limit} bytes)"),
    }
}

fn success_response(
    request_id: &str,
    path: &str,
    op: Operation,
    resp: Option<Response>,
) -> axum::response::Response {
    let Some(resp) = resp else {
        return if matches!(op, Operation::Read | Operation::List) {
            json_response(StatusCode::NOT_FOUND, serde_json::json!({"errors": []}))
        } else {
            StatusCode::NO_CONTENT.into_response()
        };
    };
    if let Some(raw) = &resp.raw {
        let status = StatusCode::from_u16(raw.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = (status, raw.body.clone()).into_response();
        if let Ok(ct) = HeaderValue::from_str(&raw.content_type) {
            r.headers_mut().insert(header::CONTENT_TYPE, ct);
        }
        return r;
    }
    if resp.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let status = resp
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    json_response(status, envelope(request_id, path, &resp))
}

fn json_response(status: StatusCode, body: serde_json::Value) -> axum::response::Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response()
}

fn error_response(e: &Error) -> axum::response::Response {
    json_response(
        status::status_of(e),
        serde_json::json!({ "errors": status::messages_of(e) }),
    )
}
