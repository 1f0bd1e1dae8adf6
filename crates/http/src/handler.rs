//! The single handler behind every `/v1/*` route.

use arca_core::CoreRequest;
use arca_sdk::{Error, Operation, Response};
use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    response::IntoResponse,
};
use tracing::Instrument;

use crate::{AppState, envelope::envelope, parse, status};

/// Headers passed through to the core (lower-case).
const FORWARDED_HEADERS: &[&str] = &["x-vault-request", "x-vault-namespace", "user-agent"];

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
        if let Err(e) = &outcome {
            tracing::debug!(error = %e, "request failed");
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
    req: Request,
) -> Result<axum::response::Response, Error> {
    let Some(path) = parse::api_path(req.uri()) else {
        return Ok(json_response(
            StatusCode::NOT_FOUND,
            serde_json::json!({"errors": []}),
        ));
    };
    let path = path?;
    let query = parse::query(req.uri())?;
    let op = parse::operation(req.method(), &query)?;
    let token = parse::token(req.headers());
    let remote_addr = req
        .extensions()
        .get::<ConnectInfo<crate::ClientAddr>>()
        .map(|c| c.0.0.ip().to_string());
    if req.headers().contains_key("x-vault-wrap-ttl") {
        return Err(Error::bad_request("response wrapping is not supported yet"));
    }
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
        .map_err(|_| Error::Status {
            status: 413,
            message: format!(
                "http: request body too large (the limit is {} bytes)",
                state.config.max_request_size
            ),
        })?;
    let data = match op {
        Operation::Read | Operation::List => query,
        Operation::Delete if bytes.is_empty() => query,
        _ => parse::body(&bytes)?,
    };
    let core_req = CoreRequest {
        id: request_id.to_string(),
        operation: Some(op),
        path,
        data,
        token,
        headers,
        remote_addr,
    };
    let result = state.core.handle(core_req).await?;
    Ok(success_response(request_id, op, result))
}

fn success_response(
    request_id: &str,
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
    json_response(status, envelope(request_id, &resp))
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
