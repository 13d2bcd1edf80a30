//! The OpenAI Responses API (`POST /v1/responses`) and Chat Completions
//! (`POST /v1/chat/completions`), streaming and not, plus OpenAI-shaped errors.

use serde_json::{Value, json};

use crate::http::Response;
use crate::script::{ErrorReply, TokenUsage, Turn};
use crate::sse::{Sse, split_in_two};

fn usage_of(turn: &Turn) -> TokenUsage {
    match turn {
        Turn::Text { usage, .. } | Turn::ToolCall { usage, .. } => *usage,
        Turn::Error(_) => TokenUsage::default(),
    }
}

fn model_of(request: &Value) -> &str {
    request
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("mock-model")
}

fn streaming(request: &Value) -> bool {
    request.get("stream").and_then(Value::as_bool) == Some(true)
}

/// The output items of a turn: an optional message and an optional function call.
fn output_items(turn: &Turn, n: u64) -> Vec<Value> {
    let message = |text: &str| {
        json!({"id": format!("msg_mock_{n}"), "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}]})
    };
    match turn {
        Turn::Text { text, .. } => vec![message(text)],
        Turn::ToolCall {
            name,
            arguments,
            text,
            ..
        } => {
            let mut items: Vec<Value> = text.iter().map(|t| message(t)).collect();
            items.push(json!({"id": format!("fc_mock_{n}"), "type": "function_call", "status": "completed",
                "call_id": format!("call_mock_{n}"), "name": name, "arguments": arguments.to_string()}));
            items
        }
        Turn::Error(_) => Vec::new(),
    }
}

fn responses_usage(usage: &TokenUsage) -> Value {
    let input = usage.input_tokens + usage.cache_read_tokens;
    json!({
        "input_tokens": input,
        "input_tokens_details": {"cached_tokens": usage.cache_read_tokens},
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input + usage.output_tokens,
    })
}

/// The reply to one Responses request.
pub(crate) fn responses(turn: &Turn, request: &Value, n: u64) -> Response {
    if let Turn::Error(error) = turn {
        return error_reply(error);
    }
    let id = format!("resp_mock_{n}");
    let items = output_items(turn, n);
    let usage = responses_usage(&usage_of(turn));
    let response = |status: &str, output: &[Value], usage: Option<&Value>| {
        json!({"id": id, "object": "response", "created_at": 1_700_000_000, "status": status,
            "model": model_of(request), "output": output, "usage": usage})
    };
    if !streaming(request) {
        return Response::json(200, &response("completed", &items, Some(&usage)));
    }
    let mut sse = Sse::default();
    let mut seq = 0u64;
    let mut send = |sse: &mut Sse, name: &str, mut data: Value| {
        data["type"] = json!(name);
        data["sequence_number"] = json!(seq);
        seq += 1;
        sse.event(name, &data);
    };
    send(
        &mut sse,
        "response.created",
        json!({"response": response("in_progress", &[], None)}),
    );
    send(
        &mut sse,
        "response.in_progress",
        json!({"response": response("in_progress", &[], None)}),
    );
    for (index, item) in items.iter().enumerate() {
        let item_id = item["id"].clone();
        if item["type"] == "function_call" {
            let mut added = item.clone();
            added["status"] = json!("in_progress");
            added["arguments"] = json!("");
            send(
                &mut sse,
                "response.output_item.added",
                json!({"output_index": index, "item": added}),
            );
            let arguments = item["arguments"].as_str().unwrap_or("");
            for part in split_in_two(arguments) {
                send(
                    &mut sse,
                    "response.function_call_arguments.delta",
                    json!({"item_id": item_id, "output_index": index, "delta": part}),
                );
            }
            send(
                &mut sse,
                "response.function_call_arguments.done",
                json!({"item_id": item_id, "output_index": index, "arguments": arguments}),
            );
        } else {
            let text = item["content"][0]["text"].as_str().unwrap_or("");
            send(
                &mut sse,
                "response.output_item.added",
                json!({"output_index": index,
                "item": {"id": item_id, "type": "message", "status": "in_progress", "role": "assistant", "content": []}}),
            );
            send(
                &mut sse,
                "response.content_part.added",
                json!({"item_id": item_id, "output_index": index,
                "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": []}}),
            );
            for part in split_in_two(text) {
                send(
                    &mut sse,
                    "response.output_text.delta",
                    json!({"item_id": item_id, "output_index": index, "content_index": 0, "delta": part}),
                );
            }
            send(
                &mut sse,
                "response.output_text.done",
                json!({"item_id": item_id, "output_index": index, "content_index": 0, "text": text}),
            );
            send(
                &mut sse,
                "response.content_part.done",
                json!({"item_id": item_id, "output_index": index,
                "content_index": 0, "part": {"type": "output_text", "text": text, "annotations": []}}),
            );
        }
        send(
            &mut sse,
            "response.output_item.done",
            json!({"output_index": index, "item": item}),
        );
    }
    send(
        &mut sse,
        "response.completed",
        json!({"response": response("completed", &items, Some(&usage))}),
    );
    Response::sse(sse.finish())
}

/// The reply to one Chat Completions request.
pub(crate) fn chat(turn: &Turn, request: &Value, n: u64) -> Response {
    if let Turn::Error(error) = turn {
        return error_reply(error);
    }
    let usage = usage_of(turn);
    let prompt = usage.input_tokens + usage.cache_read_tokens;
    let usage_json = json!({"prompt_tokens": prompt, "completion_tokens": usage.output_tokens,
        "total_tokens": prompt + usage.output_tokens, "prompt_tokens_details": {"cached_tokens": usage.cache_read_tokens}});
    let (text, call) = match turn {
        Turn::Text { text, .. } => (Some(text.as_str()), None),
        Turn::ToolCall {
            name,
            arguments,
            text,
            ..
        } => (text.as_deref(), Some((name, arguments.to_string()))),
        Turn::Error(_) => (None, None),
    };
    let finish = if call.is_some() { "tool_calls" } else { "stop" };
    let call_id = format!("call_mock_{n}");
    let id = format!("chatcmpl-mock-{n}");
    let model = model_of(request);
    if !streaming(request) {
        let tool_calls: Vec<Value> = call
            .iter()
            .map(|(name, args)| {
                json!({"id": call_id, "type": "function",
            "function": {"name": name, "arguments": args}})
            })
            .collect();
        let mut message = json!({"role": "assistant", "content": text});
        if !tool_calls.is_empty() {
            message["tool_calls"] = json!(tool_calls);
        }
        return Response::json(
            200,
            &json!({"id": id, "object": "chat.completion", "created": 1_700_000_000,
            "model": model, "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage_json}),
        );
    }
    let chunk = |delta: Value, finish: Option<&str>| {
        json!({"id": id, "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}).to_string()
    };
    let mut sse = Sse::default();
    sse.data(&chunk(json!({"role": "assistant", "content": ""}), None));
    for part in text.map(split_in_two).unwrap_or_default() {
        sse.data(&chunk(json!({"content": part}), None));
    }
    if let Some((name, args)) = &call {
        sse.data(&chunk(
            json!({"tool_calls": [{"index": 0, "id": call_id, "type": "function",
            "function": {"name": name, "arguments": ""}}]}),
            None,
        ));
        for part in split_in_two(args) {
            sse.data(&chunk(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": part}}]}),
                None,
            ));
        }
    }
    sse.data(&chunk(json!({}), Some(finish)));
    sse.data(&json!({"id": id, "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model,
        "choices": [], "usage": usage_json}).to_string());
    sse.data("[DONE]");
    Response::sse(sse.finish())
}

/// An error in OpenAI's shape with its rate-limit headers.
pub(crate) fn error_reply(error: &ErrorReply) -> Response {
    let (kind, code) = match error.status {
        401 => ("invalid_request_error", "invalid_api_key"),
        429 => ("rate_limit_exceeded", "rate_limit_exceeded"),
        529 | 503 => ("server_error", "overloaded"),
        _ => ("api_error", "error"),
    };
    let kind = error.openai_type.as_deref().unwrap_or(kind);
    let mut body =
        json!({"error": {"message": error.message, "type": kind, "code": code, "param": null}});
    if let Some(resets_at) = error.resets_at {
        body["error"]["resets_at"] = json!(resets_at);
        if let Some(secs) = error.retry_after_secs {
            body["error"]["resets_in_seconds"] = json!(secs);
        }
    }
    let mut response = Response::json(error.status, &body);
    if let Some(secs) = error.retry_after_secs {
        response
            .headers
            .push(("retry-after".into(), secs.to_string()));
        response
            .headers
            .push(("x-ratelimit-reset-requests".into(), format!("{secs}s")));
        response
            .headers
            .push(("x-ratelimit-reset-tokens".into(), format!("{secs}s")));
        response
            .headers
            .push(("x-ratelimit-remaining-requests".into(), "0".into()));
    }
    response
}
