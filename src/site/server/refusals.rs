//! Every refusal in the documented JSON shape, and an OpenAPI document that says so. axum's
//! extractors answer a malformed request (bad JSON, wrong content type, a body over the limit,
//! an unreadable path or query, an unknown route or method) in plain text; scripts and typed
//! clients expect `{"error": {"code", "message"}}` from every 4xx.

use crate::api::wire::{ErrorBody, ErrorDetail};
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// Longest plain-text rejection kept as the message (axum's are one line).
const MAX_MESSAGE: usize = 1024;

/// Middleware: a 4xx or 5xx answered in anything but JSON (axum's rejections, the request
/// deadline's 503) becomes the JSON error shape, keeping the status and the text as the
/// message.
pub(super) async fn json_refusals(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let refused = status.is_client_error() || status.is_server_error();
    if !refused || is_json {
        return response;
    }
    let (_, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, MAX_MESSAGE * 4).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("refused").to_string()
    } else {
        text.chars().take(MAX_MESSAGE).collect()
    };
    let detail = ErrorDetail {
        code: code(status).into(),
        message,
        field: None,
        rule: None,
    };
    (status, Json(ErrorBody { error: detail })).into_response()
}

/// The error code of a refusal axum made.
fn code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        _ => "refused",
    }
}

/// Adds the refusals every operation can answer to the document, where its own declaration
/// does not already list them: 401 and 403 everywhere (a token, a role), 400 where it reads a
/// path, query or body, 404 where a path names an object, and 413/415/422 where it reads a
/// JSON body (a file upload streams, with no size limit but the file's announced size).
pub(super) fn document_refusals(api: &mut OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        let names_object = path.contains('{');
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            add_refusals(op, names_object);
        }
    }
}

fn add_refusals(op: &mut Operation, names_object: bool) {
    let has_body = op.request_body.is_some();
    let json_body = op.request_body.as_ref().is_some_and(|b| match b {
        RefOr::T(body) => body.content.contains_key("application/json"),
        // A shared body declared elsewhere: assume JSON, as every shared one is.
        RefOr::Ref(_) => true,
    });
    let reads_input = has_body || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let mut add = |status: u16, description: &str| {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| refusal(description));
    };
    add(401, "No token, or one the site does not know");
    add(403, "The token's role may not do this");
    if reads_input {
        add(400, "A field, path or query value broke a rule");
    }
    if names_object {
        add(404, "No such object");
    }
    if json_body {
        add(413, "The body is larger than the site accepts");
        add(415, "The body is not `application/json`");
        add(422, "The body is JSON but not of the expected shape");
    }
}

fn refusal(description: &str) -> RefOr<utoipa::openapi::Response> {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
        .into()
}
