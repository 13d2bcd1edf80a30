//! The README's "Scripting with JSON" examples run as written, with real `jq`, against a loop
//! `demo` that ran once, its current task `T-1`, and one fmail message on topic `task`.

use std::path::{Path, PathBuf};
use std::process::Command;

use forge_testkit::{TestEnv, run_output};

use crate::cli_support::{env, ok, setup_pool, wait_stopped};

fn readme() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The `... | jq -e ...` lines of the fenced shell blocks of the section `## Scripting with JSON`.
fn scripting_examples(readme: &str) -> Vec<String> {
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("Scripting with JSON"))
        .expect("README.md has no \"## Scripting with JSON\" section");
    let mut in_block = false;
    let mut out = Vec::new();
    for line in section.lines() {
        if line.starts_with("```") {
            in_block = !in_block && line.trim_start_matches('`').trim() == "sh";
            continue;
        }
        if in_block && line.contains("| jq -e") {
            out.push(line.to_string());
        }
    }
    out
}

fn require_jq() {
    let found = Command::new("jq")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "jq is not installed, and the README's scripting examples need it: run scripts/install-test-deps.sh"
    );
}

#[test]
fn readme_scripting_examples_run_with_jq() {
    require_jq();
    let examples = scripting_examples(&readme());
    assert!(
        examples.len() >= 5,
        "expected at least 5 `| jq -e` examples in the README, found {examples:?}"
    );
    let forge = Path::new(env!("CARGO_BIN_EXE_forge"));
    let mut env: TestEnv = env().with_bin("fmail", env!("CARGO_BIN_EXE_fmail"));
    let path = format!(
        "{}:{}",
        forge.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    env.set_var("PATH", path);
    env.set_var("FMAIL_AGENT", "builder");
    setup_pool(&env);
    ok(
        &env,
        &[
            "up",
            "--name",
            "demo",
            "--max-iterations",
            "1",
            "--interval",
            "0s",
            "--prompt-msg",
            "hi",
        ],
    );
    wait_stopped(&env, "demo");
    ok(&env, &["work", "--loop", "demo", "set", "T-1"]);
    env.run("fmail", &["send", "task", "build is green"])
        .success();
    for line in &examples {
        let out = run_output(
            env.cmd_path(Path::new("bash"))
                .args(["-o", "pipefail", "-c", line]),
        );
        assert_eq!(
            out.code, 0,
            "README example failed: {line}\nstdout:\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        );
    }
}
