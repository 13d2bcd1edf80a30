//! `forge-mock-provider [--port N] [SCRIPT.json]`: serves a scripted mock model provider on
//! 127.0.0.1 until interrupted, for trying agent CLIs by hand. The script file is
//! `{"turns": [{"kind":"text","text":"hi","usage":{"input_tokens":10,"output_tokens":2}}, ...]}`
//! (kinds: `text`, `tool_call` with `name` and `arguments`, `error` with `status`, `message`,
//! `retry_after_secs`, `resets_at`, `times`). Each request is logged to stderr; `--dump DIR`
//! also writes each request (headers and body) to a file there.
#![allow(clippy::print_stderr, clippy::print_stdout)]

use std::time::Duration;

use forge_mockprovider::{MockProvider, Script, Turn};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut port = 0u16;
    let mut dump: Option<std::path::PathBuf> = None;
    let mut script = Script::new(vec![Turn::text("Hello from the mock provider.")]);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().ok_or("--port needs a value")?.parse()?,
            "--dump" => dump = Some(args.next().ok_or("--dump needs a directory")?.into()),
            "-h" | "--help" => {
                println!("usage: forge-mock-provider [--port N] [--dump DIR] [SCRIPT.json]");
                return Ok(());
            }
            path => script = serde_json::from_str(&std::fs::read_to_string(path)?)?,
        }
    }
    let provider = MockProvider::start_on(script, port)?;
    println!("{}", provider.base_url());
    let mut seen = 0;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let requests = provider.requests();
        for (index, request) in requests.iter().enumerate().skip(seen) {
            if let Some(dir) = &dump {
                let name = format!("{index:03}-{}.txt", request.path.replace('/', "_"));
                let headers: Vec<String> = request
                    .headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect();
                std::fs::write(
                    dir.join(name),
                    format!(
                        "{} {}\n{}\n\n{}",
                        request.method,
                        request.path,
                        headers.join("\n"),
                        request.body
                    ),
                )?;
            }
            eprintln!(
                "{} {} turn={:?} {} bytes",
                request.method,
                request.path,
                request.turn,
                request.body.len()
            );
        }
        seen = requests.len();
    }
}
