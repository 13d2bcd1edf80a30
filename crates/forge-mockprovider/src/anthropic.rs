//! The Anthropic Messages API (`POST /v1/messages`), streaming and not.

use serde_json::{Value, json};

use crate::http::Response;
use crate::script::{ErrorReply, TokenUsage, Turn};
use crate::sse::{Sse, rfc3339, split_in_two};

fn usage_json(usage: &TokenUsage, output_tokens: u64) -> Value {
    json!({
        "input_tokens": usage.input_tokens,
        "cache_creation_input_tokens": usage.cache_write_tokens,
        "cache_read_input_tokens": usage.cache_read_tokens,
        "output_tokens": output_tokens,
    })
}

/// The content blocks of a turn.
fn blocks(turn: &Turn, n: u64) -> (Vec<Value>, &'static str) {
    match turn {
        Turn::Text { text, .. } => (vec![json!({"type": "text", "text": text})], "end_turn"),
        Turn::ToolCall {
            name,
            arguments,
            text,
            ..
        } => {
            let mut out = Vec::new();
            if let Some(text) = text {
                out.push(json!({"type": "text", "text": text}));
            }
            out.push(json!({"type": "tool_use", "id": format!("toolu_mock_{n}"), "name": name, "input": arguments}));
            (out, "tool_use")
        }
        Turn::Error(_) => (Vec::new(), "end_turn"),
    }
}

fn turn_usage(turn: &Turn) -> TokenUsage {
    match turn {
        Turn::Text { usage, .. } | Turn::ToolCall { usage, .. } => *usage,
        Turn::Error(_) => TokenUsage::default(),
    }
}

/// The reply to one Messages request.
pub(crate) fn reply(turn: &Turn, request: &Value, n: u64) -> Response {
    if let Turn::Error(error) = turn {
        return error_reply(error);
    }
    let model = request
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("mock-model");
    let usage = turn_usage(turn);
    let (content, stop_reason) = blocks(turn, n);
    let id = format!("msg_mock_{n}");
    if request.get("stream").and_then(Value::as_bool) != Some(true) {
        return Response::json(
            200,
            &json!({
                "id": id, "type": "message", "role": "assistant", "model": model,
                "content": content, "stop_reason": stop_reason, "stop_sequence": null,
                "usage": usage_json(&usage, usage.output_tokens),
            }),
        );
    }
    let mut sse = Sse::default();
    sse.event(
        "message_start",
        &json!({"type": "message_start", "message": {
            "id": id, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": null, "stop_sequence": null, "usage": usage_json(&usage, 1),
        }}),
    );
    for (index, block) in content.iter().enumerate() {
        let kind = block.get("type").and_then(Value::as_str).unwrap_or("text");
        let start = if kind == "tool_use" {
            json!({"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}})
        } else {
            json!({"type": "text", "text": ""})
        };
        sse.event(
            "content_block_start",
            &json!({"type": "content_block_start", "index": index, "content_block": start}),
        );
        if kind == "tool_use" {
            let input = block["input"].to_string();
            for part in split_in_two(&input) {
                sse.event(
                    "content_block_delta",
                    &json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "input_json_delta", "partial_json": part}}),
                );
            }
        } else {
            let text = block["text"].as_str().unwrap_or("");
            for part in split_in_two(text) {
                sse.event(
                    "content_block_delta",
                    &json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "text_delta", "text": part}}),
                );
            }
        }
        sse.event(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": index}),
        );
    }
    sse.event(
        "message_delta",
        &json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null},
            "usage": usage_json(&usage, usage.output_tokens)}),
    );
    sse.event("message_stop", &json!({"type": "message_stop"}));
    Response::sse(sse.finish())
}

/// An error in Anthropic's shape with its rate-limit headers.
pub(crate) fn error_reply(error: &ErrorReply) -> Response {
    let kind = match error.status {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        _ => "api_error",
    };
    let mut response = Response::json(
        error.status,
        &json!({"type": "error", "error": {"type": kind, "message": error.message}}),
    );
    if let Some(secs) = error.retry_after_secs {
        response
            .headers
            .push(("retry-after".into(), secs.to_string()));
    }
    if let Some(reset) = error.resets_at.and_then(rfc3339) {
        for which in ["requests", "tokens", "input-tokens", "output-tokens"] {
            response
                .headers
                .push((format!("anthropic-ratelimit-{which}-reset"), reset.clone()));
        }
        response
            .headers
            .push(("anthropic-ratelimit-requests-remaining".into(), "0".into()));
    }
    // The subscription ("unified") limit headers Claude Code turns into `rate_limit_event`.
    if let (429, Some(resets_at)) = (error.status, error.resets_at) {
        for (name, value) in [
            ("status", "rejected".to_string()),
            ("reset", resets_at.to_string()),
            ("representative-claim", "five_hour".to_string()),
            ("5h-status", "rejected".to_string()),
            ("5h-reset", resets_at.to_string()),
        ] {
            response
                .headers
                .push((format!("anthropic-ratelimit-unified-{name}"), value));
        }
    }
    response
        .headers
        .push(("request-id".into(), "req_mock".into()));
    response
}

/// `POST /v1/messages/count_tokens`: a rough count of the request's characters.
pub(crate) fn count_tokens(body: &[u8]) -> Response {
    Response::json(200, &json!({"input_tokens": (body.len() / 4).max(1)}))
}
