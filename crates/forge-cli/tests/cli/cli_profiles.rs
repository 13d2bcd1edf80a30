//! Profiles and pools as a user sees them: add/edit/ls/show/rm/doctor/cooldown/init and
//! pool create/add/rm/ls/show/set-default, human and JSON, with their validation errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::cli_support::{env, fail, ok, squash};
use serde_json::json;

#[test]
fn profile_add_validates_and_uses_presets() {
    let env = env();
    assert_eq!(
        fail(&env, &["profile", "add", "amp", "--name", "x"]),
        (1, "Error: unknown harness \"amp\"\nHint: Valid harnesses: claude, codex, opencode, pi, droid, gemini, command.\n".into())
    );
    assert_eq!(
        fail(&env, &["profile", "add", "codex"]),
        (1, "Error: --name is required\n".into())
    );
    assert_eq!(
        fail(&env, &["profile", "add", "command", "--name", "c"]),
        (1, "Error: --command is required for the command harness\nHint: Example: forge profile add command --name echo --command 'cat'\n".into())
    );
    assert_eq!(
        fail(
            &env,
            &[
                "profile",
                "add",
                "codex",
                "--name",
                "c",
                "--prompt-mode",
                "pipe"
            ]
        ),
        (
            1,
            "Error: invalid --prompt-mode \"pipe\" (valid: env|stdin|path)\n".into()
        )
    );
    assert_eq!(
        fail(
            &env,
            &[
                "profile", "add", "codex", "--name", "c", "--env", "NOEQUALS"
            ]
        ),
        (
            1,
            "Error: invalid --env \"NOEQUALS\" (expected KEY=VALUE)\n".into()
        )
    );
    assert_eq!(
        fail(
            &env,
            &[
                "profile",
                "add",
                "codex",
                "--name",
                "c",
                "--max-concurrency=-1"
            ]
        ),
        (1, "Error: --max-concurrency must be >= 0 (got -1)\n".into())
    );

    assert_eq!(
        ok(
            &env,
            &[
                "profile",
                "add",
                "codex",
                "--name",
                "cx",
                "--home",
                "~/.codex-2"
            ]
        )
        .stdout,
        "Profile \"cx\" created\n"
    );
    let p = ok(
        &env,
        &[
            "profile",
            "add",
            "claude-code",
            "--name",
            "cc",
            "--env",
            "A=1",
            "--extra-arg",
            "--verbose",
            "--json",
        ],
    )
    .json();
    assert_eq!(p["harness"], "claude");
    assert_eq!(p["auth_kind"], "claude");
    assert_eq!(p["prompt_mode"], "stdin");
    assert_eq!(p["max_concurrency"], 1);
    assert_eq!(p["env"], json!({"A": "1"}));
    assert_eq!(p["extra_args"], json!(["--verbose"]));
    assert_eq!(
        p["command_template"],
        "claude -p --output-format stream-json --verbose --dangerously-skip-permissions"
    );
    assert_eq!(
        fail(&env, &["profile", "add", "pi", "--name", "cx"]),
        (1, "Error: profile \"cx\" already exists\n".into())
    );
    let out = env.forge(&["profile", "add", "pi", "--name", "cx", "--json"]);
    assert_eq!(out.json()["error"]["code"], "ERR_EXISTS");

    let show = ok(&env, &["profile", "show", "cx"]).stdout;
    let id = ok(&env, &["profile", "show", "cx", "--json"]).json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        env.redact(&show),
        format!(
            "Name:            cx\nID:              {id}\nHarness:         codex\nAuth kind:       codex\nAuth home:       [ROOT]/home/.codex-2\nPrompt mode:     stdin\nCommand:         codex exec --json --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox -\nModel:           -\nExtra args:      -\nEnv:             -\nMax concurrency: 1\nCooldown until:  -\n"
        )
    );
    assert_eq!(
        squash(&env.redact(&ok(&env, &["profile", "ls"]).stdout)),
        "NAME HARNESS AUTH_KIND AUTH_HOME MAX_CONCURRENCY COOLDOWN\ncc claude claude - 1 -\ncx codex codex [ROOT]/home/.codex-2 1 -"
    );
    assert_eq!(
        ok(&env, &["profile", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        fail(&env, &["profile", "show", "nope"]).1,
        "Error: profile \"nope\" not found\nHint: List profiles with `forge profile ls`.\n"
    );
}

#[test]
fn profile_edit_cooldown_doctor_rm() {
    let env = env();
    ok(
        &env,
        &[
            "profile",
            "add",
            "command",
            "--name",
            "echo",
            "--command",
            "cat",
        ],
    );
    assert_eq!(
        ok(
            &env,
            &[
                "profile",
                "edit",
                "echo",
                "--name",
                "cat1",
                "--max-concurrency",
                "0"
            ]
        )
        .stdout,
        "Profile \"cat1\" updated\n"
    );
    let p = ok(&env, &["profile", "show", "cat1", "--json"]).json();
    assert_eq!(
        (
            p["max_concurrency"].clone(),
            p["command_template"].clone(),
            p["prompt_mode"].clone()
        ),
        (json!(0), json!("cat"), json!("stdin"))
    );

    let out = ok(
        &env,
        &[
            "profile",
            "cooldown",
            "set",
            "cat1",
            "--until",
            "2099-01-02T03:04:05Z",
        ],
    )
    .stdout;
    assert_eq!(
        out,
        "Profile \"cat1\" in cooldown until 2099-01-02T03:04:05Z\n"
    );
    let status = ok(&env, &["status", "--json"]).json();
    assert_eq!(
        status["cooldowns"],
        json!([{"profile": "cat1", "until": "2099-01-02T03:04:05Z"}])
    );
    assert_eq!(
        fail(
            &env,
            &["profile", "cooldown", "set", "cat1", "--until", "whenever"]
        ),
        (
            1,
            "Error: invalid --until \"whenever\" (use a duration like 30m or an RFC 3339 time)\n"
                .into()
        )
    );
    let j = ok(
        &env,
        &[
            "profile", "cooldown", "set", "cat1", "--until", "30m", "--json",
        ],
    )
    .json();
    assert!(j["cooldown_until"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        ok(&env, &["profile", "cooldown", "clear", "cat1"]).stdout,
        "Profile \"cat1\" cooldown cleared\n"
    );
    assert_eq!(
        ok(&env, &["profile", "show", "cat1", "--json"])
            .json()
            .get("cooldown_until"),
        None
    );

    // doctor: cat is on PATH; a missing binary and auth home fail with exit 1.
    let out = ok(&env, &["profile", "doctor", "cat1"]).stdout;
    assert!(
        out.starts_with("Profile \"cat1\" (command)\n- [OK] binary cat: /"),
        "{out}"
    );
    ok(
        &env,
        &[
            "profile",
            "add",
            "command",
            "--name",
            "ghost",
            "--command",
            "X=1 no-such-tool-xyz --flag",
            "--home",
            "/nonexistent/auth",
        ],
    );
    let out = env.forge(&["profile", "doctor", "ghost"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "Profile \"ghost\" (command)\n- [FAIL] binary no-such-tool-xyz: not found on the PATH a loop started from this shell gets (bash -lc: this shell's PATH, then what the login profile adds)\n- [FAIL] auth home: /nonexistent/auth does not exist\n"
    );
    assert_eq!(out.stderr, "");
    let out = env.forge(&["profile", "doctor", "ghost", "--json"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["ok"], false);
    assert_eq!(out.json()["checks"][0]["status"], "fail");

    assert_eq!(
        ok(&env, &["profile", "rm", "ghost"]).stdout,
        "Profile \"ghost\" removed\n"
    );
    assert_eq!(
        ok(&env, &["profile", "rm", "cat1", "--json"]).json(),
        json!({"deleted": true, "profile": "cat1"})
    );
    assert_eq!(ok(&env, &["profile", "ls"]).stdout, "No profiles found\n");
}

#[test]
fn profile_init_imports_aliases() {
    let mut env = env();
    let aliases = env.write(
        "home/aliases.sh",
        "alias ll='ls -la'\nalias cc2='CLAUDE_CONFIG_DIR=~/.claude-2 claude'  # work account\nalias codex1=\"codex\"\nalias oc1 opencode\n",
    );
    env.set_var("FORGE_ALIAS_FILE", &aliases);
    assert_eq!(
        ok(&env, &["profile", "init"]).stdout,
        "Created: cc2, codex1, oc1\n"
    );
    let cc2 = ok(&env, &["profile", "show", "cc2", "--json"]).json();
    assert_eq!(cc2["harness"], "claude");
    assert_eq!(
        cc2["auth_home"],
        env.home().join(".claude-2").display().to_string()
    );
    assert_eq!(
        cc2["command_template"],
        "CLAUDE_CONFIG_DIR=~/.claude-2 claude -p --output-format stream-json --verbose --dangerously-skip-permissions"
    );
    let codex1 = ok(&env, &["profile", "show", "codex1", "--json"]).json();
    assert_eq!(
        (
            codex1["command_template"].clone(),
            codex1["prompt_mode"].clone()
        ),
        (
            json!("codex exec --json --skip-git-repo-check -"),
            json!("stdin")
        )
    );
    assert_eq!(
        codex1["auth_home"],
        env.home().join(".codex-1").display().to_string()
    );
    let imported = ok(
        &env,
        &["profile", "import-aliases", "cc2", "ll", "zz", "--json"],
    )
    .json();
    assert_eq!(
        (
            &imported["created"],
            &imported["skipped"],
            &imported["missing"]
        ),
        (&json!(["ll"]), &json!(["cc2"]), &json!(["zz"]))
    );
    // The reference's keys: what was imported, and each alias considered.
    assert_eq!(imported["imported"], 1);
    assert_eq!(imported["profiles"], json!(["ll"]));
    assert_eq!(
        imported["aliases"],
        json!([
            {"name": "ll", "harness": "pi", "command": "ls -la"},
            {"name": "cc2", "harness": "claude", "command": "CLAUDE_CONFIG_DIR=~/.claude-2 claude",
             "auth_home": env.home().join(".claude-2").display().to_string()}
        ])
    );
    env.set_var("FORGE_ALIAS_FILE", env.root().join("none"));
    let none = ok(&env, &["profile", "init"]);
    assert_eq!(none.stdout, "No aliases processed\n");
    // A new user learns what was looked for and how to go on.
    assert!(
        none.stderr
            .contains("no agent CLI (codex, claude, opencode, pi, droid, gemini) on the PATH")
            && none
                .stderr
                .contains("forge profile add command --name NAME --command CMD"),
        "{}",
        none.stderr
    );
}

#[test]
fn pools() {
    let env = env();
    ok(
        &env,
        &[
            "profile",
            "add",
            "command",
            "--name",
            "p1",
            "--command",
            "cat",
        ],
    );
    ok(
        &env,
        &[
            "profile",
            "add",
            "command",
            "--name",
            "p2",
            "--command",
            "cat",
        ],
    );
    assert_eq!(ok(&env, &["pool", "ls"]).stdout, "No pools found\n");
    assert_eq!(
        fail(&env, &["pool", "create", "x", "--strategy", "lru"]),
        (
            1,
            "Error: invalid --strategy \"lru\" (valid: round_robin)\n".into()
        )
    );
    assert_eq!(
        ok(&env, &["pool", "create", "main"]).stdout,
        "Pool \"main\" created (default)\n"
    );
    let second = ok(
        &env,
        &["pool", "create", "spare", "--strategy", "rr", "--json"],
    )
    .json();
    assert_eq!(
        (second["is_default"].clone(), second["strategy"].clone()),
        (json!(false), json!("round_robin"))
    );
    assert_eq!(
        fail(&env, &["pool", "create", "main"]),
        (1, "Error: pool \"main\" already exists\n".into())
    );
    assert_eq!(
        ok(&env, &["pool", "add", "main", "p1", "p2"]).stdout,
        "Added p1 to pool \"main\"\nAdded p2 to pool \"main\"\n"
    );
    assert_eq!(
        fail(&env, &["pool", "add", "main", "nope"]).1,
        "Error: profile \"nope\" not found\nHint: List profiles with `forge profile ls`.\n"
    );
    assert_eq!(
        ok(&env, &["pool", "ls"]).stdout,
        "NAME   STRATEGY     DEFAULT  MEMBERS\nmain   round_robin  yes      2\nspare  round_robin  no       0\n"
    );
    assert_eq!(
        ok(&env, &["pool", "show", "main"]).stdout,
        "Pool: main\nStrategy: round_robin\nDefault: yes\n\nPROFILE  HARNESS  AUTH_KIND\np1       command  command\np2       command  command\n"
    );
    let show = ok(&env, &["pool", "show", "main", "--json"]).json();
    assert_eq!(show["pool"]["name"], "main");
    assert_eq!(show["members"][1]["profile_name"], "p2");
    assert_eq!(
        ok(&env, &["pool", "set-default", "spare"]).stdout,
        "Default pool set to \"spare\"\n"
    );
    assert_eq!(
        ok(&env, &["pool", "set-default", "main", "--json"]).json(),
        json!({"default_pool": "main"})
    );
    assert_eq!(
        ok(&env, &["pool", "rm", "main", "p1"]).stdout,
        "Removed p1 from pool \"main\"\n"
    );
    assert_eq!(
        ok(&env, &["pool", "rm", "spare"]).stdout,
        "Pool \"spare\" removed\n"
    );
    assert_eq!(
        fail(&env, &["pool", "show", "spare"]).1,
        "Error: pool \"spare\" not found\nHint: List pools with `forge pool ls`.\n"
    );
    // A pool used by a loop needs --force.
    ok(&env, &["init"]);
    ok(
        &env,
        &[
            "up",
            "--pool",
            "main",
            "--name",
            "l1",
            "--max-iterations",
            "1",
            "--interval",
            "0",
            "--prompt-msg",
            "hi",
        ],
    );
    assert_eq!(
        fail(&env, &["pool", "rm", "main"]).1,
        "Error: pool \"main\" is used by 1 loop(s); use --force to remove anyway\n"
    );
    crate::cli_support::wait_stopped(&env, "l1");
    assert_eq!(
        ok(&env, &["pool", "rm", "main", "--force", "--json"]).json(),
        json!({"deleted": true, "pool": "main"})
    );
}
