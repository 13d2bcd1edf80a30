//! The mock provider's wire formats, spoken to over raw HTTP: event order, tool-call
//! encoding, usage, errors with rate-limit headers, housekeeping requests and recording.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpStream;

use forge_mockprovider::{MockProvider, Script, TokenUsage, Turn};
use serde_json::{Value, json};

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `data:` payloads of an SSE body, parsed (the `[DONE]` marker kept as a string).
    fn events(&self) -> Vec<Value> {
        self.body
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .map(|d| serde_json::from_str(d).unwrap_or_else(|_| Value::String(d.into())))
            .collect()
    }

    fn kinds(&self) -> Vec<String> {
        self.events()
            .iter()
            .map(|e| e["type"].as_str().unwrap_or("").to_string())
            .collect()
    }
}

fn send(provider: &MockProvider, method: &str, path: &str, body: &Value) -> Reply {
    let mut stream = TcpStream::connect(provider.addr()).unwrap();
    let body = body.to_string();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Api-Key: k1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

fn agent_request(stream: bool) -> Value {
    json!({"model": "m1", "stream": stream, "tools": [{"name": "Bash"}], "messages": [{"role": "user", "content": "hi"}]})
}

#[test]
fn anthropic_streams_text_then_tool_use_with_usage() {
    let provider = MockProvider::start(Script::new(vec![
        Turn::Text {
            text: "hello".into(),
            usage: TokenUsage::new(10, 2).cached(5, 3),
        },
        Turn::tool_call("Bash", json!({"command": "ls"})).with_usage(TokenUsage::new(20, 4)),
    ]))
    .unwrap();
    let text = send(&provider, "POST", "/v1/messages", &agent_request(true));
    assert_eq!(text.header("content-type"), Some("text/event-stream"));
    assert_eq!(
        text.kinds(),
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    let events = text.events();
    assert_eq!(events[0]["message"]["model"], "m1");
    assert_eq!(events[0]["message"]["usage"]["cache_read_input_tokens"], 5);
    assert_eq!(
        format!(
            "{}{}",
            events[2]["delta"]["text"].as_str().unwrap(),
            events[3]["delta"]["text"].as_str().unwrap()
        ),
        "hello"
    );
    assert_eq!(
        events[5]["usage"],
        json!({"input_tokens": 10, "cache_creation_input_tokens": 3, "cache_read_input_tokens": 5, "output_tokens": 2})
    );
    assert_eq!(events[5]["delta"]["stop_reason"], "end_turn");

    let tool = send(&provider, "POST", "/v1/messages", &agent_request(true)).events();
    assert_eq!(tool[1]["content_block"]["type"], "tool_use");
    assert_eq!(tool[1]["content_block"]["name"], "Bash");
    let json_parts: String = tool
        .iter()
        .filter_map(|e| e["delta"]["partial_json"].as_str())
        .collect();
    assert_eq!(
        serde_json::from_str::<Value>(&json_parts).unwrap(),
        json!({"command": "ls"})
    );
    assert_eq!(tool[tool.len() - 2]["delta"]["stop_reason"], "tool_use");
    assert_eq!(provider.turns_played(), 2);
}

#[test]
fn anthropic_non_streaming_and_housekeeping() {
    let provider = MockProvider::start(Script::new(vec![Turn::text("answer")])).unwrap();
    // No tools: housekeeping, does not consume the script.
    let aux = send(
        &provider,
        "POST",
        "/v1/messages",
        &json!({"model": "m", "messages": []}),
    );
    let aux: Value = serde_json::from_str(&aux.body).unwrap();
    assert_eq!(aux["content"][0]["text"], "OK");
    assert_eq!(aux["usage"]["input_tokens"], 0);
    let reply = send(
        &provider,
        "POST",
        "/v1/messages?beta=true",
        &agent_request(false),
    );
    let reply: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(reply["content"][0]["text"], "answer");
    assert_eq!(reply["stop_reason"], "end_turn");
    let count = send(
        &provider,
        "POST",
        "/v1/messages/count_tokens",
        &json!({"messages": []}),
    );
    assert!(
        serde_json::from_str::<Value>(&count.body).unwrap()["input_tokens"]
            .as_u64()
            .unwrap()
            > 0
    );
    let models = send(&provider, "GET", "/v1/models", &json!({}));
    assert_eq!(models.status, 200);
    assert!(models.body.contains("mock-model"));
    assert_eq!(send(&provider, "POST", "/nope", &json!({})).status, 404);
    // Once the script is used up, agent requests get the exhausted text.
    let after: Value =
        serde_json::from_str(&send(&provider, "POST", "/v1/messages", &agent_request(false)).body)
            .unwrap();
    assert_eq!(after["content"][0]["text"], "(mock script exhausted)");

    let requests = provider.requests();
    assert_eq!(requests.len(), 6);
    assert_eq!(
        requests[1].path, "/v1/messages",
        "query strings are dropped"
    );
    assert_eq!(requests[1].turn, Some(0));
    assert_eq!(requests[0].turn, None);
    assert_eq!(requests[1].header("X-API-KEY"), Some("k1"));
    assert_eq!(requests[1].json()["model"], "m1");
    assert_eq!(provider.model_requests().len(), 2);
}

#[test]
fn responses_api_streams_function_call_and_usage() {
    let provider = MockProvider::start(Script::new(vec![
        Turn::tool_call("exec_command", json!({"cmd": "ls"}))
            .with_usage(TokenUsage::new(100, 7).cached(40, 0)),
        Turn::text("done"),
    ]))
    .unwrap();
    let reply = send(&provider, "POST", "/v1/responses", &agent_request(true));
    assert_eq!(
        reply.kinds(),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed"
        ]
    );
    let events = reply.events();
    let item = &events[6]["item"];
    assert_eq!(
        (item["type"].as_str(), item["name"].as_str()),
        (Some("function_call"), Some("exec_command"))
    );
    assert_eq!(
        serde_json::from_str::<Value>(item["arguments"].as_str().unwrap()).unwrap(),
        json!({"cmd": "ls"})
    );
    let usage = &events[7]["response"]["usage"];
    assert_eq!(
        (
            usage["input_tokens"].as_u64(),
            usage["input_tokens_details"]["cached_tokens"].as_u64(),
            usage["output_tokens"].as_u64()
        ),
        (Some(140), Some(40), Some(7))
    );
    let text = send(&provider, "POST", "/v1/responses", &agent_request(true));
    assert!(
        text.kinds()
            .contains(&"response.output_text.delta".to_string())
    );
}

#[test]
fn chat_completions_stream_tool_calls_and_final_usage_chunk() {
    let provider = MockProvider::start(Script::new(vec![
        Turn::tool_call("write", json!({"path": "a"}))
            .with_usage(TokenUsage::new(30, 5).cached(10, 0)),
    ]))
    .unwrap();
    let events = send(
        &provider,
        "POST",
        "/v1/chat/completions",
        &agent_request(true),
    )
    .events();
    assert_eq!(events.last().unwrap(), &Value::String("[DONE]".into()));
    let args: String = events
        .iter()
        .filter_map(|e| e["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str())
        .collect();
    assert_eq!(
        serde_json::from_str::<Value>(&args).unwrap(),
        json!({"path": "a"})
    );
    assert!(
        events
            .iter()
            .any(|e| e["choices"][0]["finish_reason"] == "tool_calls")
    );
    let usage = &events[events.len() - 2]["usage"];
    assert_eq!(
        (
            usage["prompt_tokens"].as_u64(),
            usage["completion_tokens"].as_u64()
        ),
        (Some(40), Some(5))
    );
    assert_eq!(usage["prompt_tokens_details"]["cached_tokens"], 10);
}

#[test]
fn errors_carry_status_shape_and_reset_headers() {
    let provider = MockProvider::start(Script::new(vec![
        Turn::rate_limited(30, Some(1_795_514_400)).times(2),
        Turn::unauthorized(),
        Turn::overloaded(),
        Turn::rate_limited(60, Some(1_795_514_400)).openai_type("usage_limit_reached"),
    ]))
    .unwrap();
    let limited = send(&provider, "POST", "/v1/messages", &agent_request(true));
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("30"));
    assert_eq!(
        limited.header("anthropic-ratelimit-requests-reset"),
        Some("2026-11-24T10:00:00Z")
    );
    assert_eq!(
        limited.header("anthropic-ratelimit-unified-reset"),
        Some("1795514400")
    );
    assert!(limited.body.contains(r#""type":"rate_limit_error""#));
    // `times(2)`: the second request is limited too, on the OpenAI shape.
    let again = send(&provider, "POST", "/v1/responses", &agent_request(true));
    assert_eq!(again.status, 429);
    assert_eq!(again.header("x-ratelimit-reset-requests"), Some("30s"));
    assert!(again.body.contains(r#""code":"rate_limit_exceeded""#));
    let auth = send(&provider, "POST", "/v1/messages", &agent_request(true));
    assert_eq!(auth.status, 401);
    assert!(auth.body.contains("authentication_error"));
    let overloaded = send(&provider, "POST", "/v1/messages", &agent_request(true));
    assert_eq!(overloaded.status, 529);
    assert!(overloaded.body.contains("overloaded_error"));
    let usage_limit: Value =
        serde_json::from_str(&send(&provider, "POST", "/v1/responses", &agent_request(true)).body)
            .unwrap();
    assert_eq!(usage_limit["error"]["type"], "usage_limit_reached");
    assert_eq!(usage_limit["error"]["resets_at"], 1_795_514_400);
    assert_eq!(usage_limit["error"]["resets_in_seconds"], 60);
}

#[test]
fn dropping_the_provider_closes_the_port() {
    let provider = MockProvider::start(Script::default()).unwrap();
    let addr = provider.addr();
    drop(provider);
    assert!(TcpStream::connect(addr).is_err());
}
