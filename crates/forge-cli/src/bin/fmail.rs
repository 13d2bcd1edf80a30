//! The `fmail` binary: agent-to-agent mail (see `forge_cli::fmail`).
fn main() -> std::process::ExitCode {
    forge_cli::fmail::main()
}
