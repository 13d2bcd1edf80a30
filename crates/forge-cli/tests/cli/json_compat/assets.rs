//! Repo assets and configuration: prompt, template, seq, config.

use forge_testkit::TestEnv;

use super::assert_shape;
use crate::cli_support::{env, ok};

/// A repo prompt `review`.
fn with_prompt(env: &TestEnv) {
    env.write("notes/review.md", "Review everything.\n");
    ok(env, &["prompt", "add", "review", "../notes/review.md"]);
}

#[test]
fn prompt_add_json() {
    let env = env();
    env.write("notes/review.md", "Review everything.\n");
    let out = ok(
        &env,
        &["prompt", "add", "review", "../notes/review.md", "--json"],
    )
    .json();
    assert_shape(&out, "prompt-add");
    assert_eq!(out["prompt"], "review");
}

#[test]
fn prompt_ls_json() {
    let env = env();
    with_prompt(&env);
    let out = ok(&env, &["prompt", "ls", "--json"]).json();
    assert_shape(&out, "prompt-ls");
    assert_eq!(out, serde_json::json!(["review"]));
}

#[test]
fn prompt_set_default_json() {
    let env = env();
    with_prompt(&env);
    let out = ok(&env, &["prompt", "set-default", "review", "--json"]).json();
    assert_shape(&out, "prompt-set-default");
    assert_eq!(out["default_prompt"], "review");
}

#[test]
fn prompt_show_json() {
    let env = env();
    with_prompt(&env);
    assert_shape(
        &ok(&env, &["prompt", "show", "review", "--json"]).json(),
        "prompt-show",
    );
}

#[test]
fn template_ls_json() {
    let env = env();
    assert_shape(
        &ok(&env, &["template", "ls", "--json"]).json(),
        "template-ls",
    );
}

#[test]
fn template_show_json() {
    let env = env();
    assert_shape(
        &ok(&env, &["template", "show", "commit", "--json"]).json(),
        "template-show",
    );
}

#[test]
fn seq_ls_json() {
    let env = env();
    let out = ok(&env, &["seq", "ls", "--json"]).json();
    assert_shape(&out, "seq-ls");
    // Forge's snake_case keys stay next to the reference's.
    assert_eq!(out[0]["name"], out[0]["Name"]);
}

#[test]
fn seq_show_json() {
    let env = env();
    env.write(
        "repo/.forge/sequences/mine.yaml",
        "description: Mine\nsteps:\n  - type: message\n    content: hello\n",
    );
    let builtin = ok(&env, &["seq", "show", "cooldown", "--json"]).json();
    assert_shape(&builtin, "seq-show");
    assert_eq!(builtin["Source"], "builtin");
    assert_eq!(builtin["Steps"][0]["Type"], "pause");
    // A file's Source is its path, as in the reference.
    let mine = ok(&env, &["seq", "show", "mine", "--json"]).json();
    assert_eq!(
        mine["Source"],
        env.repo()
            .join(".forge/sequences/mine.yaml")
            .display()
            .to_string()
    );
}

#[test]
fn config_path_json() {
    let env = env();
    assert_shape(
        &ok(&env, &["config", "path", "--json"]).json(),
        "config-path",
    );
}

#[test]
fn config_init_json() {
    let env = env();
    assert_shape(
        &ok(&env, &["config", "init", "--json"]).json(),
        "config-init",
    );
}
