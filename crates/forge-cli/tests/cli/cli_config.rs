//! Configuration, init, status, completion and version as a user sees them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::cli_support::{env, fail, ok, squash};
use serde_json::json;

#[test]
fn config_path_init_show() {
    let mut env = env();
    let default_path = env.config_home().join("forge/config.yaml");
    assert_eq!(
        ok(&env, &["config", "path"]).stdout,
        format!("{}\n", default_path.display())
    );
    assert_eq!(
        ok(&env, &["config", "path", "--json"]).json(),
        json!({"path": default_path, "exists": false})
    );
    assert_eq!(
        ok(&env, &["config", "init"]).stdout,
        format!("Wrote {}\n", default_path.display())
    );
    let text = std::fs::read_to_string(&default_path).unwrap();
    assert!(
        text.starts_with("# Forge global configuration.")
            && text.contains("# busy_timeout_ms: 5000"),
        "{text}"
    );
    assert_eq!(
        fail(&env, &["config", "init"]),
        (1, "Error: config file already exists: [ROOT]/xdg_config/forge/config.yaml\nHint: Pass --force to overwrite it.\n".into())
    );
    ok(&env, &["config", "init", "--force"]);

    // Defaults, as loaded from the (all-commented) file.
    let show = env.redact(&ok(&env, &["config", "show"]).stdout);
    assert_eq!(
        squash(&show),
        squash(
            "Config file: [ROOT]/xdg_config/forge/config.yaml\nRepo config: (none)\n\n\
KEY                       VALUE                             SOURCE\n\
global.data_dir           [ROOT]/xdg_data/forge             default\n\
global.config_dir         [ROOT]/xdg_config/forge           default\n\
database.path             [ROOT]/xdg_data/forge/forge.db    default\n\
database.busy_timeout_ms  5000                              default\n\
loop_defaults.interval    30s                               default\n\
loop_defaults.prompt      -                                 default\n\
loop_defaults.prompt_msg  -                                 default\n\
default_pool              -                                 default\n\
logging.level             info                              default\n\
logging.format            console                           default\n\
tui.theme                 default                           default\n\
tui.refresh_interval      1s                                default\n"
        )
    );

    // File < repo file < env < flag.
    std::fs::write(&default_path, "global:\n  data_dir: ~/fdata\nloop_defaults:\n  interval: 10s\ndefault_pool: filepool\nlogging:\n  level: warn\n").unwrap();
    env.write(
        "repo/.forge/forge.yaml",
        "default_prompt: PROMPT.md\nloop_defaults:\n  interval: 20s\n",
    );
    env.set_var("FORGE_DEFAULT_POOL", "envpool");
    let j = ok(&env, &["config", "show", "--json", "--log-level", "debug"]).json();
    let s = &j["settings"];
    let file = default_path.display().to_string();
    let repo_file = env.repo().join(".forge/forge.yaml").display().to_string();
    assert_eq!(
        s["global.data_dir"],
        json!({"value": env.home().join("fdata"), "source": file})
    );
    assert_eq!(
        s["database.path"],
        json!({"value": env.home().join("fdata/forge.db"), "source": "default"})
    );
    assert_eq!(
        s["loop_defaults.interval"],
        json!({"value": "20s", "source": repo_file})
    );
    assert_eq!(
        s["default_pool"],
        json!({"value": "envpool", "source": "env FORGE_DEFAULT_POOL"})
    );
    assert_eq!(
        s["logging.level"],
        json!({"value": "debug", "source": "flag --log-level"})
    );
    assert_eq!(j["repo_config"], json!(repo_file));

    // --config must exist; config init may create it.
    let custom = env.root().join("custom.yaml");
    assert_eq!(
        fail(&env, &["--config", custom.to_str().unwrap(), "ps"]),
        (1, "Error: config file not found: [ROOT]/custom.yaml\nHint: Create it with `forge config init --config <file>`, or drop --config.\n".into())
    );
    ok(
        &env,
        &["--config", custom.to_str().unwrap(), "config", "init"],
    );
    assert_eq!(
        ok(
            &env,
            &["config", "path", "--config", custom.to_str().unwrap()]
        )
        .stdout,
        format!("{}\n", custom.display())
    );
}

#[test]
fn config_errors_and_warnings() {
    let env = env();
    let path = env.write(
        "xdg_config/forge/config.yaml",
        "global:\n  data_dir: [unclosed\n",
    );
    let (code, stderr) = fail(&env, &["ps"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("Error: invalid YAML in [ROOT]/xdg_config/forge/config.yaml: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 2") || stderr.contains(":2:"),
        "names the line: {stderr}"
    );
    std::fs::write(&path, "database:\n  busy_timeout_ms: soon\n").unwrap();
    assert_eq!(
        fail(&env, &["ps"]).1,
        "Error: invalid config [ROOT]/xdg_config/forge/config.yaml: database.busy_timeout_ms: invalid type: string \"soon\", expected u64\nHint: Fix the file, or move it away to use the defaults.\n"
    );
    std::fs::write(&path, "bogus_key: 1\nloop_defaults:\n  wat: 2\n").unwrap();
    let out = ok(&env, &["ps"]);
    assert_eq!(out.stdout, "No loops found\n");
    assert_eq!(
        env.redact(&out.stderr),
        "warning: [ROOT]/xdg_config/forge/config.yaml: unknown config key \"bogus_key\" (ignored)\nwarning: [ROOT]/xdg_config/forge/config.yaml: unknown config key \"loop_defaults.wat\" (ignored)\n"
    );
    assert_eq!(ok(&env, &["ps", "--quiet"]).stderr, "");
}

#[test]
fn data_dir_is_private_and_env_moves_it() {
    use std::os::unix::fs::PermissionsExt;
    let mut env = env();
    ok(&env, &["ps"]);
    let mode = std::fs::metadata(env.data_dir())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o700);
    let other = env.root().join("elsewhere");
    env.set_var("FORGE_DATA_DIR", &other);
    ok(&env, &["ps"]);
    assert!(other.join("forge.db").is_file());
    env.set_var("FORGE_DATABASE_PATH", env.root().join("x/db.sqlite"));
    ok(&env, &["ps"]);
    assert!(env.root().join("x/db.sqlite").is_file());
}

#[test]
fn init_scaffolds_the_repo() {
    let env = env();
    std::fs::write(env.repo().join(".gitignore"), "target").unwrap();
    env.write("prompts-src/a.md", "A");
    env.write("prompts-src/skip.txt", "x");
    let out = ok(&env, &["init", "--prompts-from", "../prompts-src"]);
    assert_eq!(
        env.redact(&out.stdout),
        "Initialized Forge scaffolding in [ROOT]/repo\nCreated:\n  - .forge/prompts\n  - .forge/templates\n  - .forge/sequences\n  - .forge/workflows\n  - .forge/ledgers\n  - .forge/forge.yaml\n  - PROMPT.md\n  - .gitignore (.fmail/ entry)\n  - .forge/prompts/a.md\n"
    );
    assert_eq!(
        std::fs::read_to_string(env.repo().join(".gitignore")).unwrap(),
        "target\n.fmail/\n"
    );
    assert_eq!(
        std::fs::read_to_string(env.repo().join(".forge/forge.yaml")).unwrap(),
        "# Forge loop config\n# This file is committed with the repo.\n\ndefault_prompt: PROMPT.md\n\n# Optional ledger settings.\nledger:\n  git_status: false\n  git_diff_stat: false\n"
    );
    // As the reference lists them: the .forge/ directories are in `created` on every run.
    let again = ok(&env, &["init", "--json"]).json();
    assert_eq!(
        again["created"],
        json!([
            ".forge/prompts",
            ".forge/templates",
            ".forge/sequences",
            ".forge/workflows",
            ".forge/ledgers"
        ])
    );
    assert_eq!(
        again["skipped"],
        json!([
            ".forge/forge.yaml",
            "PROMPT.md",
            ".gitignore (.fmail/ entry)"
        ])
    );
    assert_eq!(ok(&env, &["init", "--quiet"]).stdout, "");
    // --help has no side effects.
    let fresh = crate::cli_support::env();
    ok(&fresh, &["init", "--help"]);
    assert!(!fresh.repo().join(".forge").exists());
}

#[test]
fn status_completion_version() {
    let env = env();
    assert_eq!(
        ok(&env, &["status"]).stdout,
        "Loops: 0\n  running   0\n  sleeping  0\n  waiting   0\n  stopped   0\n  error     0\nProfiles in cooldown: 0\nRecent errors: 0\n"
    );
    let j = ok(&env, &["status", "--json"]).json();
    assert_eq!(
        j["loops"],
        json!({"total": 0, "by_state": {"error": 0, "running": 0, "sleeping": 0, "stopped": 0, "waiting": 0}})
    );
    assert_eq!(j["errors"], json!([]));
    for shell in ["bash", "zsh", "fish"] {
        let script = ok(&env, &["completion", shell]).stdout;
        assert!(
            script.contains("forge") && script.contains("max-iterations"),
            "{shell}"
        );
    }
    assert_eq!(env.forge(&["completion", "tcsh"]).code, 2);
    let fresh = crate::cli_support::env();
    let v = ok(&fresh, &["--version"]).stdout;
    assert_eq!(
        v,
        format!(
            "forge version {} (commit: none, built: unknown)\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    assert!(
        !fresh.data_dir().exists(),
        "--version must not touch the data dir"
    );
}

#[test]
fn operator_logs_go_to_stderr_when_asked_for_and_bad_values_are_usage_errors() {
    let env = crate::cli_support::env();
    let quiet = env.forge(&["ps"]);
    assert_eq!(quiet.stderr, "", "no logs unless asked for");
    let out = env.forge(&["-v", "ps"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("DEBUG"), "{}", out.stderr);
    assert!(out.stderr.contains("opened database"), "{}", out.stderr);
    assert_eq!(out.stdout, "No loops found\n", "logs never reach stdout");
    let out = env.forge(&["ps", "--log-level", "debug", "--log-format", "json"]);
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains("opened database"))
        .expect("a log line");
    let event: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(event["level"], "DEBUG");
    let out = env.forge(&["ps", "--log-level", "loud"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "Error: invalid --log-level \"loud\" (valid: debug|info|warn|error)\n"
    );
    let out = env.forge(&["ps", "--log-format", "xml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("Error: invalid logging.format (from flag --log-format) \"xml\""),
        "{}",
        out.stderr
    );
    let mut env = env;
    env.set_var("FORGE_LOG", "forge_cli=debug");
    assert!(env.forge(&["ps"]).stderr.contains("opened database"));
    env.set_var("FORGE_LOG", "[[");
    let out = env.forge(&["ps"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("Error: invalid FORGE_LOG \"[[\""),
        "{}",
        out.stderr
    );
}

#[test]
fn a_broken_global_config_still_lets_config_path_and_init_force_repair_it() {
    let env = crate::cli_support::env();
    let path = env.config_home().join("forge/config.yaml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "global: [broken\n").unwrap();
    let out = env.forge(&["ps"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .starts_with(&format!("Error: invalid YAML in {}", path.display())),
        "{}",
        out.stderr
    );
    let out = env.forge(&["config", "path"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, format!("{}\n", path.display()));
    assert!(
        out.stderr.contains("(ignored by this command)"),
        "{}",
        out.stderr
    );
    env.forge(&["config", "init", "--force"]).success();
    env.forge(&["ps"]).success();
}

#[test]
fn values_of_the_wrong_type_are_errors_naming_the_file_and_key() {
    let env = crate::cli_support::env();
    let repo_cfg = env.repo().join(".forge/forge.yaml");
    std::fs::create_dir_all(repo_cfg.parent().unwrap()).unwrap();
    std::fs::write(&repo_cfg, "ledger:\n  git_status: maybe\n").unwrap();
    let out = env.forge(&["ps"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.lines().next().unwrap(),
        format!(
            "Error: invalid config {}: ledger.git_status: invalid type: string \"maybe\", expected a boolean",
            repo_cfg.display()
        )
    );
    std::fs::remove_file(&repo_cfg).unwrap();
    let global = env.config_home().join("forge/config.yaml");
    std::fs::create_dir_all(global.parent().unwrap()).unwrap();
    std::fs::write(&global, "harnesses:\n  claude:\n    command: 5\n").unwrap();
    let out = env.forge(&["profile", "add", "claude", "--name", "c"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("harnesses.claude.command: invalid type: integer `5`, expected a string"),
        "{}",
        out.stderr
    );
}
