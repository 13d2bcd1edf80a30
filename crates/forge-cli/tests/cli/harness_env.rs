//! The harness environment: a harness (and `profile doctor`) finds programs the way a user's
//! terminal does — the PATH of the shell that ran `forge up` (a CLI installed into an npm user
//! prefix, which no login profile adds), what the login profile adds, and the running `forge`
//! and `fmail` — although `bash -lc` on Debian resets PATH in /etc/profile.

use std::time::Duration;

use crate::cli_support::command_profile;
use forge_testkit::{TestEnv, wait_until};

/// An env whose PATH starts with `<root>/npm-global/bin` holding `mycli`, and whose login
/// profile adds `$HOME/profile-bin` holding `prof-tool`.
fn user_tools_env() -> TestEnv {
    let mut env = TestEnv::new().with_bin("forge", env!("CARGO_BIN_EXE_forge"));
    let npm_bin = env.root().join("npm-global/bin");
    env.write_script(
        npm_bin.join("mycli"),
        "#!/bin/sh\necho \"mycli ran with: $(cat)\"\n",
    );
    env.write_script(
        env.home().join("profile-bin/prof-tool"),
        "#!/bin/sh\necho prof-tool ran\n",
    );
    env.write(
        env.home().join(".profile"),
        "PATH=\"$PATH:$HOME/profile-bin\"\nexport PATH\nexport FROM_PROFILE=yes\n",
    );
    let path = format!("{}:{}", npm_bin.display(), std::env::var("PATH").unwrap());
    env.set_var("PATH", path);
    env
}

fn wait_stopped(env: &TestEnv, name: &str) {
    let stopped = || {
        let ps = env.forge(&["ps", "--json"]).json();
        ps.as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == name && l["state"] == "stopped")
    };
    assert!(
        wait_until(Duration::from_secs(30), stopped),
        "{name} did not stop:\n{}",
        std::fs::read_to_string(env.log_path(name)).unwrap_or_default()
    );
}

#[test]
fn a_harness_finds_user_tools_profile_tools_and_the_running_forge_by_name() {
    let env = user_tools_env();
    let command = "mycli; prof-tool; echo \"profile=$FROM_PROFILE\"; forge --version; fmail --version; \
                   test \"$(command -v forge)\" -ef \"$FORGE_BIN\" && echo forge-is-forge-bin";
    command_profile(&env, "tools", command);
    env.forge(&[
        "up",
        "--profile",
        "tools",
        "--name",
        "t",
        "--max-iterations",
        "1",
        "--prompt-msg",
        "hi",
    ])
    .success();
    wait_stopped(&env, "t");
    let log = std::fs::read_to_string(env.log_path("t")).unwrap();
    for expected in [
        "mycli ran with: hi",
        "prof-tool ran",
        "profile=yes",
        "forge version",
        "fmail version",
        "forge-is-forge-bin",
    ] {
        assert!(log.contains(expected), "missing {expected:?} in:\n{log}");
    }
    assert!(!log.contains("command not found"), "{log}");
}

#[test]
fn profile_doctor_resolves_in_the_runners_shell_and_fails_when_the_loop_would() {
    let env = user_tools_env();
    command_profile(&env, "ok", "mycli --x");
    command_profile(&env, "prof", "prof-tool");
    command_profile(&env, "bad", "no-such-cli-xyz -p");
    let out = env.forge(&["profile", "doctor", "ok"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let npm = env.root().join("npm-global/bin/mycli");
    assert!(
        out.stdout
            .contains(&format!("- [OK] binary mycli: {}", npm.display())),
        "{}",
        out.stdout
    );
    let out = env.forge(&["profile", "doctor", "prof"]);
    assert_eq!(
        out.code, 0,
        "a login-profile tool resolves too: {}",
        out.stdout
    );
    let out = env.forge(&["profile", "doctor", "bad"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("- [FAIL] binary no-such-cli-xyz: not found on the PATH a loop started from this shell gets"),
        "{}",
        out.stdout
    );
    // From a shell without the npm prefix on PATH, the same profile fails, as its loop would.
    let mut bare = env;
    bare.set_var("PATH", std::env::var("PATH").unwrap());
    let out = bare.forge(&["profile", "doctor", "ok", "--json"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["checks"][0]["status"], "fail");
}
