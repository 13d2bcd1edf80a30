//! Prompt assets as a user sees them: `forge prompt`, `forge template`, `forge seq`, and what
//! `forge msg --template/--seq` puts in a loop's queue (rendering, defaults, missing and
//! unknown names, repo > user > built-in precedence, step order).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::cli_support::{env, fail, insert_loop, ok};
use forge_testkit::TestEnv;
use serde_json::{Value, json};

/// (type, payload) of every pending queue item of a loop, in order.
fn queue(env: &TestEnv, name: &str) -> Vec<(String, Value)> {
    ok(env, &["queue", "ls", name, "--json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["type"].as_str().unwrap().to_string(),
                i["payload"].clone(),
            )
        })
        .collect()
}

fn message(text: &str) -> (String, Value) {
    ("message_append".into(), json!({ "text": text }))
}

#[test]
fn msg_template_renders_vars_defaults_and_reports_errors() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    env.write(
        "repo/.forge/templates/greet.yaml",
        "name: greet\ndescription: Say hi\nvariables:\n  - name: who\n    required: true\n  - name: mood\n    default: glad\n  - name: extra\nmessage: |\n  Hi {{ .who }}, I am {{.mood}}.{{if .extra}} Also: {{ .extra }}.{{end}}\n",
    );
    ok(
        &env,
        &["msg", "demo", "--template", "greet", "--var", "who=Ann"],
    );
    ok(
        &env,
        &[
            "msg",
            "demo",
            "--template",
            "greet",
            "--var",
            "who=Bo",
            "--var",
            "mood=sad",
            "--var",
            "extra=x=1",
        ],
    );
    // Built-in with a default, then --now turns it into a steer message.
    ok(&env, &["msg", "demo", "--template", "review"]);
    ok(
        &env,
        &[
            "msg",
            "demo",
            "--now",
            "--template",
            "explain",
            "--var",
            "topic=src/lib.rs",
        ],
    );
    assert_eq!(
        queue(&env, "demo"),
        [
            message("Hi Ann, I am glad."),
            message("Hi Bo, I am sad. Also: x=1."),
            message(
                "Review the changes since the last commit as a strict senior reviewer: correctness, error handling, tests, naming.\nFix every real problem you find, then summarise what you changed."
            ),
            (
                "steer_message".into(),
                json!({"message": "Explain src/lib.rs: what it does, why it is built this way, and what can go wrong.\nDo not change any code in this iteration."})
            ),
        ]
    );
    ok(&env, &["queue", "clear", "demo"]);

    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["msg", "demo", "--template", "greet"],
            1,
            "Error: missing variable \"who\" for template \"greet\" (pass --var who=...)\n",
        ),
        (
            &["msg", "demo", "--template", "greet", "--var", "who"],
            1,
            "Error: invalid --var \"who\": expected key=value\nHint: Pass variables as --var name=value, e.g. --var target=src/lib.rs.\n",
        ),
        (
            &["msg", "demo", "--template", "nope"],
            1,
            "Error: template \"nope\" not found (looked in [ROOT]/repo/.forge/templates, [ROOT]/xdg_config/forge/templates and the built-ins; see forge template ls)\n",
        ),
        (
            &["msg", "demo", "--seq", "nope"],
            1,
            "Error: sequence \"nope\" not found (looked in [ROOT]/repo/.forge/sequences, [ROOT]/xdg_config/forge/sequences and the built-ins; see forge seq ls)\n",
        ),
        (
            &[
                "msg",
                "demo",
                "--template",
                "greet",
                "--var",
                "who=x",
                "hello",
            ],
            1,
            "Error: use either message text or --template, not both\n",
        ),
        (
            &["msg", "demo", "--var", "a=b", "hello"],
            1,
            "Error: --var requires --template or --seq\n",
        ),
    ];
    for (args, code, expected) in cases {
        assert_eq!(fail(&env, args), (*code, expected.to_string()), "{args:?}");
    }
    let (code, stderr) = fail(
        &env,
        &["msg", "demo", "--template", "greet", "--seq", "cooldown"],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    // Nothing was queued by any failure.
    assert_eq!(queue(&env, "demo"), []);
}

#[test]
fn templates_in_the_repo_beat_the_user_dir_which_beats_built_ins() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    let source =
        |env: &TestEnv| ok(env, &["template", "show", "review", "--json"]).json()["source"].clone();
    assert_eq!(source(&env), "builtin");

    env.write(
        "xdg_config/forge/templates/review.yaml",
        "name: review\ndescription: mine\nmessage: user review of {{ .target }}\nvariables:\n  - name: target\n    default: everything\n",
    );
    assert_eq!(source(&env), "user");
    ok(&env, &["msg", "demo", "--template", "review"]);

    env.write(
        "repo/.forge/templates/review.yaml",
        "message: repo review\ntags: [team]\n",
    );
    assert_eq!(source(&env), "repo");
    ok(&env, &["msg", "demo", "--template", "review"]);
    assert_eq!(
        queue(&env, "demo"),
        [message("user review of everything"), message("repo review")]
    );

    // ls shows each name once, with the winning source; --tags filters.
    let ls = ok(&env, &["template", "ls"]).stdout;
    assert!(
        ls.starts_with("NAME      SOURCE   TAGS   DESCRIPTION\n"),
        "{ls}"
    );
    assert!(ls.contains("\nreview    repo     team\n"), "{ls}");
    assert_eq!(ls.matches("review").count(), 1, "{ls}");
    assert_eq!(
        ok(&env, &["tmpl", "ls", "--tags", "team,none"]).stdout,
        "NAME    SOURCE  TAGS  DESCRIPTION\nreview  repo    team\n"
    );
    assert_eq!(
        ok(&env, &["template", "ls", "--tags", "none"]).stdout,
        "No templates found\n"
    );

    // rm removes the winner each time; built-ins stay.
    assert_eq!(
        env.redact(&ok(&env, &["template", "rm", "review"]).stdout),
        "Removed template \"review\" ([ROOT]/repo/.forge/templates/review.yaml)\n"
    );
    assert_eq!(source(&env), "user");
    ok(&env, &["template", "rm", "review"]);
    assert_eq!(source(&env), "builtin");
    assert_eq!(
        fail(&env, &["template", "rm", "review"]),
        (1, "Error: template \"review\" is built in and cannot be removed\nHint: Override it instead: `forge template edit review` saves a copy you can change.\n".into())
    );
}

#[test]
fn template_add_show_edit_and_invalid_files() {
    let mut env = env();
    assert_eq!(
        env.redact(&ok(&env, &["template", "add", "mine", "--no-edit"]).stdout),
        "Created template \"mine\" at [ROOT]/xdg_config/forge/templates/mine.yaml\n"
    );
    assert_eq!(
        env.redact(&fail(&env, &["template", "add", "mine"]).1),
        "Error: template \"mine\" already exists at [ROOT]/xdg_config/forge/templates/mine.yaml\nHint: Change it with `forge template edit mine`.\n"
    );
    ok(&env, &["template", "add", "team", "--repo"]);
    assert!(env.repo().join(".forge/templates/team.yaml").is_file());
    assert_eq!(
        ok(&env, &["template", "show", "mine"])
            .stdout
            .replace(&env.root().display().to_string(), "[ROOT]"),
        "Name: mine\nSource: user\nPath: [ROOT]/xdg_config/forge/templates/mine.yaml\nDescription: What this template is for\nVariables:\n  target (default: the current task): What the message is about\nMessage:\nWork on {{ .target }}.\n"
    );
    // edit runs $EDITOR (split like a shell, no shell involved) on the file.
    let editor = env.write_script(
        "bin/my editor",
        "#!/bin/sh\n[ \"$1\" = --flag ] || exit 3\nprintf 'name: mine\\nmessage: edited {{ .x }}\\n' > \"$2\"\n",
    );
    env.set_var("EDITOR", format!("'{}' --flag", editor.display()));
    ok(&env, &["template", "edit", "mine"]);
    let shown = ok(&env, &["template", "show", "mine", "--json"]).json();
    assert_eq!(shown["message"], "edited {{ .x }}");
    assert_eq!(shown["source"], "user");
    // Editing a built-in copies it to the user dir first.
    env.set_var("EDITOR", "true");
    let out = ok(&env, &["template", "edit", "commit"]);
    assert_eq!(
        env.redact(&out.stderr),
        "warning: copied the built-in template \"commit\" to [ROOT]/xdg_config/forge/templates/commit.yaml; the copy now overrides it\n"
    );
    assert_eq!(
        ok(&env, &["template", "show", "commit", "--json"]).json()["source"],
        "user"
    );
    // A failing editor is an error.
    env.set_var("EDITOR", "false");
    let (code, stderr) = fail(&env, &["template", "edit", "mine"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("Error: editor \"false\" exited with exit status: 1;"),
        "{stderr}"
    );
    env.remove_var("EDITOR");
    assert_eq!(
        fail(&env, &["template", "edit", "mine"]),
        (1, "Error: no editor configured (set $VISUAL or $EDITOR)\nHint: Edit [ROOT]/xdg_config/forge/templates/mine.yaml directly, or set EDITOR.\n".into())
    );
    // Invalid files: named in the error, skipped with a warning by ls.
    env.write("repo/.forge/templates/broken.yaml", "message: [unclosed\n");
    let (code, stderr) = fail(&env, &["template", "show", "broken"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("Error: invalid template [ROOT]/repo/.forge/templates/broken.yaml: "),
        "{stderr}"
    );
    let out = ok(&env, &["template", "ls"]);
    assert!(
        out.stderr.starts_with("warning: invalid template "),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("\nmine "), "{}", out.stdout);
    assert_eq!(
        fail(&env, &["template", "add", "../x", "--no-edit"]),
        (
            1,
            "Error: invalid template name \"../x\" (use letters, digits, '-' and '_')\n".into()
        )
    );
}

#[test]
fn msg_seq_queues_steps_in_order_after_the_next_prompt() {
    let env = env();
    insert_loop(&env, "demo", "aaaa1111", &[]);
    env.write("repo/.forge/prompts/fix.md", "Fix it.\n");
    ok(
        &env,
        &[
            "msg",
            "demo",
            "--next-prompt",
            "fix",
            "--seq",
            "cooldown",
            "--var",
            "duration=90s",
            "then this",
        ],
    );
    let fix = env
        .repo()
        .join(".forge/prompts/fix.md")
        .display()
        .to_string();
    assert_eq!(
        queue(&env, "demo"),
        [
            (
                "next_prompt_override".into(),
                json!({"prompt": fix, "is_path": true})
            ),
            (
                "pause".into(),
                json!({"duration_seconds": 90, "reason": "sequence cooldown"})
            ),
            message(
                "You were paused for 90s. Re-read `forge work current` and `forge mem ls`, then continue."
            ),
            message("then this"),
        ]
    );
    ok(&env, &["queue", "clear", "demo"]);

    // A lone loop ref is enough with --seq; the default variable applies.
    ok(&env, &["msg", "demo", "--seq", "cooldown"]);
    assert_eq!(queue(&env, "demo")[0].1["duration_seconds"], 600);
    ok(&env, &["queue", "clear", "demo"]);

    env.write(
        "repo/.forge/sequences/branchy.yaml",
        "name: branchy\nsteps:\n  - type: message\n    message: one {{ .n }}\n  - type: conditional\n    content: two\n",
    );
    assert_eq!(
        fail(&env, &["msg", "demo", "--seq", "branchy", "--var", "n=1"]),
        (1, "Error: sequence \"branchy\" step 2: step type \"conditional\" cannot be sent to a loop (only message and pause)\n".into())
    );
    env.write(
        "repo/.forge/sequences/slow.yaml",
        "steps:\n  - type: pause\n    duration: soon\n",
    );
    let (code, stderr) = fail(&env, &["msg", "demo", "--seq", "slow"]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("Error: sequence \"slow\" step 1: invalid pause duration: "),
        "{stderr}"
    );
    assert_eq!(queue(&env, "demo"), []);

    // seq ls/show, alias `sequence`.
    let ls = ok(&env, &["sequence", "ls", "--json"]).json();
    let names: Vec<(&str, &str)> = ls
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["source"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("branchy", "repo"),
            ("cooldown", "builtin"),
            ("review-and-commit", "builtin"),
            ("slow", "repo")
        ]
    );
    assert_eq!(
        ok(&env, &["seq", "show", "branchy"])
            .stdout
            .replace(&env.root().display().to_string(), "[ROOT]"),
        "Name: branchy\nSource: repo\nPath: [ROOT]/repo/.forge/sequences/branchy.yaml\nSteps:\n  1. message\n     one {{ .n }}\n  2. conditional\n     two\n"
    );
}

#[test]
fn prompt_add_ls_show_set_default_edit_rm() {
    let mut env = env();
    assert_eq!(
        ok(&env, &["prompt", "ls"]).stdout,
        "No prompts found in .forge/prompts/\n"
    );
    env.write("notes/review.md", "Review everything.\n");
    assert_eq!(
        ok(&env, &["prompt", "add", "review", "../notes/review.md"]).stdout,
        "Added prompt \"review\" (.forge/prompts/review.md)\n"
    );
    assert_eq!(
        fail(&env, &["prompt", "add", "review", "../notes/review.md"]),
        (1, "Error: prompt \"review\" already exists (.forge/prompts/review.md)\nHint: Pass --force to replace it.\n".into())
    );
    assert_eq!(
        fail(&env, &["prompt", "add", "x", "missing.md"]),
        (1, "Error: file not found: [ROOT]/repo/missing.md\n".into())
    );
    assert_eq!(
        ok(&env, &["prompt", "show", "review"]).stdout,
        "Review everything.\n"
    );
    assert_eq!(
        ok(&env, &["prompt", "set-default", "review"]).stdout,
        "Default prompt set to \"review\" (copied to .forge/prompts/default.md)\n"
    );
    assert_eq!(
        std::fs::read_to_string(env.repo().join(".forge/prompts/default.md")).unwrap(),
        "Review everything.\n"
    );
    assert_eq!(
        ok(&env, &["prompt", "ls"]).stdout,
        "NAME     PATH\ndefault  .forge/prompts/default.md\nreview   .forge/prompts/review.md\n"
    );
    let editor = env.write_script("bin/ed.sh", "#!/bin/sh\necho 'Added line.' >> \"$1\"\n");
    env.set_var("VISUAL", editor.display().to_string());
    env.set_var("EDITOR", "false");
    ok(&env, &["prompt", "edit", "review"]);
    assert_eq!(
        ok(&env, &["prompt", "show", "review.md", "--json"]).json()["content"],
        "Review everything.\nAdded line.\n"
    );
    assert_eq!(
        ok(&env, &["prompt", "rm", "review"]).stdout,
        "Removed prompt \"review\" (.forge/prompts/review.md)\n"
    );
    let missing = "Error: prompt \"review\" not found in .forge/prompts/\nHint: List prompts with `forge prompt ls`, or add one with `forge prompt add <name> <file>`.\n";
    assert_eq!(
        fail(&env, &["prompt", "show", "review"]),
        (1, missing.into())
    );
    assert_eq!(fail(&env, &["prompt", "rm", "review"]), (1, missing.into()));
    assert_eq!(
        fail(&env, &["prompt", "set-default", "review"]),
        (1, missing.into())
    );
    assert_eq!(
        ok(&env, &["prompt", "ls", "--json"]).json(),
        json!(["default"])
    );
}
