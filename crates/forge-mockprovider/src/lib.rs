//! A scripted mock model provider for testing real agent CLIs without a network.
//!
//! [`MockProvider::start`] binds 127.0.0.1 on a random port and serves, until dropped, the
//! Anthropic Messages API (`/v1/messages`), the OpenAI Responses API (`/v1/responses`) and
//! OpenAI Chat Completions (`/v1/chat/completions`), streaming (SSE) when the request asks
//! for it. Each model request plays the next [`Turn`] of the [`Script`]: a text reply, a tool
//! call, or an HTTP error with the provider's rate-limit headers. Requests that offer the model
//! no tools (titles, quota probes and other housekeeping calls CLIs make) get a short harmless
//! answer with zero usage and do not advance the script. Model lists and token counting are
//! answered too. Every request is recorded for assertions.
//!
//! Paths are matched by suffix, so base URLs with or without `/v1` both work.

mod anthropic;
mod http;
mod openai;
mod script;
mod sse;

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use serde_json::{Value, json};

pub use script::{ErrorReply, Script, TokenUsage, Turn};

use http::{Request, Response};

/// A request the mock received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Header names are lower-case.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Which script turn answered it (`None` for housekeeping and auxiliary endpoints).
    pub turn: Option<usize>,
}

impl RecordedRequest {
    /// The body parsed as JSON (`Value::Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// A header value by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// True for a model request (messages, responses, chat completions).
    pub fn is_model_request(&self) -> bool {
        ["/messages", "/responses", "/chat/completions"]
            .iter()
            .any(|suffix| self.path.ends_with(suffix))
    }
}

#[derive(Debug)]
struct State {
    script: Script,
    requests: Vec<RecordedRequest>,
    replies: u64,
}

/// A running mock provider; stops when dropped.
#[derive(Debug)]
pub struct MockProvider {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MockProvider {
    /// Starts serving `script` on 127.0.0.1 with a random port.
    pub fn start(script: Script) -> io::Result<MockProvider> {
        Self::start_on(script, 0)
    }

    /// Starts serving on a given port (0: random).
    pub fn start_on(script: Script, port: u16) -> io::Result<MockProvider> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            script,
            requests: Vec::new(),
            replies: 0,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("mock-provider".into())
                .spawn(move || accept_loop(&listener, &state, &stop))?
        };
        Ok(MockProvider {
            addr,
            state,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:<port>` (no trailing slash, no `/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state).requests.clone()
    }

    /// The model requests that played a script turn.
    pub fn model_requests(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.turn.is_some())
            .collect()
    }

    /// How many script turns have been played in full.
    pub fn turns_played(&self) -> usize {
        lock(&self.state).script.played()
    }
}

impl Drop for MockProvider {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, state: &Arc<Mutex<State>>, stop: &AtomicBool) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let state = Arc::clone(state);
        let _ = std::thread::Builder::new()
            .name("mock-provider-conn".into())
            .spawn(move || {
                if let Ok(request) = http::read_request(&stream) {
                    let response = handle(&state, request);
                    let _ = http::write_response(&stream, &response);
                }
            });
    }
}

/// Whether a model request offers tools (i.e. comes from the agent loop, not housekeeping).
fn offers_tools(body: &Value) -> bool {
    body.get("tools")
        .and_then(Value::as_array)
        .is_some_and(|tools| !tools.is_empty())
}

fn handle(state: &Mutex<State>, request: Request) -> Response {
    let body_text = String::from_utf8_lossy(&request.body).to_string();
    let body: Value = serde_json::from_str(&body_text).unwrap_or(Value::Null);
    let path = request.path.trim_end_matches('/').to_string();
    let mut state = lock(state);
    let mut turn_index = None;
    let response = if request.method == "GET" && path.ends_with("/models") {
        models()
    } else if request.method == "GET" && path.contains("/models/") {
        let id = path.rsplit('/').next().unwrap_or("mock-model");
        Response::json(200, &model_entry(id))
    } else if path.ends_with("/messages/count_tokens") {
        anthropic::count_tokens(&request.body)
    } else if request.method == "POST"
        && (path.ends_with("/messages")
            || path.ends_with("/responses")
            || path.ends_with("/chat/completions"))
    {
        let turn = if offers_tools(&body) {
            turn_index = Some(state.script.played());
            state.script.next_turn()
        } else {
            Turn::text("OK")
        };
        state.replies += 1;
        let n = state.replies;
        if path.ends_with("/messages") {
            anthropic::reply(&turn, &body, n)
        } else if path.ends_with("/responses") {
            openai::responses(&turn, &body, n)
        } else {
            openai::chat(&turn, &body, n)
        }
    } else if request.method == "HEAD"
        || (request.method == "GET" && (path.is_empty() || path == "/v1"))
    {
        Response::json(200, &json!({"ok": true}))
    } else {
        Response::json(
            404,
            &json!({"error": {"type": "not_found_error", "message": format!("mock provider: no route for {} {}", request.method, request.path)}}),
        )
    };
    state.requests.push(RecordedRequest {
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: body_text,
        turn: turn_index,
    });
    response
}

fn model_entry(id: &str) -> Value {
    json!({"id": id, "object": "model", "type": "model", "display_name": id, "created": 0,
        "created_at": "2025-01-01T00:00:00Z", "owned_by": "mock"})
}

/// `GET /v1/models` in a shape both Anthropic and OpenAI clients accept.
fn models() -> Response {
    let data: Vec<Value> = ["mock-model", "claude-sonnet-4-5", "gpt-5"]
        .iter()
        .map(|id| model_entry(id))
        .collect();
    Response::json(
        200,
        &json!({"object": "list", "data": data, "models": data, "has_more": false,
        "first_id": "mock-model", "last_id": "gpt-5"}),
    )
}
