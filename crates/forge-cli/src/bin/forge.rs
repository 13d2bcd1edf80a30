//! The `forge` binary: everything lives in the `forge_cli` library.

fn main() -> std::process::ExitCode {
    forge_cli::main()
}
