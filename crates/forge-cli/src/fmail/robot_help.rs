//! `fmail --robot-help`: a JSON guide for agents.

use serde_json::{Value, json};

use crate::error::CliError;
use crate::printer::Printer;

/// The version as the guide reports it: no `v` prefix, and `dev` builds report `2.2.0`.
fn normalized_version(raw: &str) -> String {
    let version = raw.strip_prefix('v').unwrap_or(raw);
    if version.is_empty() || version == "dev" {
        "2.2.0".to_owned()
    } else {
        version.to_owned()
    }
}

fn command(usage: &str, description: &str, flags: &[&str], examples: &[&str]) -> Value {
    json!({"usage": usage, "flags": flags, "examples": examples, "description": description})
}

pub(crate) fn run(printer: &Printer) -> Result<(), CliError> {
    let read_flags = [
        "-n, --limit N (default 20, 0 = all)",
        "--since T",
        "--from AGENT",
        "-f, --follow",
        "--json",
    ];
    let guide = json!({
        "name": "fmail",
        "version": normalized_version(super::VERSION),
        "description": "Agent-to-agent mail: broadcast topics and direct messages stored as JSON files under .fmail/ in the project root.",
        "setup": [
            "export FMAIL_AGENT=<your-name>   # lowercase letters, digits, dashes",
            "fmail register <your-name>       # optional: claim the name; without a name, prints a free random one"
        ],
        "commands": {
            "send": command(
                "fmail send <topic|@agent> [message]",
                "Send a message. The body is the argument, --file, or piped stdin; text that parses as JSON is stored as JSON. Prints the new id.",
                &["-f, --file PATH", "-r, --reply-to ID", "-p, --priority low|normal|high", "-t, --tag TAG (repeatable, comma-separated)", "--json"],
                &["fmail send task 'claimed: fix login bug'", "fmail send @reviewer 'please review PR 12' -p high", "echo '{\"done\":true}' | fmail send status"],
            ),
            "log": command(
                "fmail log [topic|@agent]",
                "Show recent messages of a topic, of an agent's inbox (@agent), or of all topics. Alias: logs.",
                &read_flags,
                &["fmail log task -n 5", "fmail log @$FMAIL_AGENT --since 1h", "fmail log editing --since 5m --json"],
            ),
            "messages": command(
                "fmail messages",
                "Show recent messages of all topics and all inboxes.",
                &read_flags,
                &["fmail messages -n 50"],
            ),
            "watch": command(
                "fmail watch [topic|@agent]",
                "Stream messages that arrive after the start, one line each. Without a target: all topics, no DMs.",
                &["-c, --count N", "--timeout DUR (e.g. 30s, 2m; 0 = forever)", "--json"],
                &["fmail watch @$FMAIL_AGENT --count 1 --timeout 2m", "fmail watch task --json"],
            ),
            "topics": command("fmail topics", "List topics with message counts and last activity. Alias: topic.", &["--json"], &["fmail topics"]),
            "who": command("fmail who", "List agents: name, last seen (active within 60s), status.", &["--json"], &["fmail who"]),
            "status": command("fmail status [message]", "Show, set, or clear (--clear) your status.", &["--clear"], &["fmail status 'reviewing PR 12'", "fmail status --clear"]),
            "register": command("fmail register [name]", "Claim an agent name; prints it. Export it as FMAIL_AGENT.", &["--json"], &["export FMAIL_AGENT=$(fmail register)"]),
            "init": command("fmail init", "Create .fmail/ and project.json.", &["--project ID"], &["fmail init"]),
            "gc": command("fmail gc", "Delete messages older than N days.", &["--days N (default 7)", "--dry-run"], &["fmail gc --days 3 --dry-run"]),
            "completion": command("fmail completion <bash|zsh|fish|powershell>", "Print a shell completion script.", &[], &["fmail completion bash > ~/.fmail.bash"]),
        },
        "patterns": {
            "request_response": ["fmail send @worker 'run the tests'", "reply=$(fmail watch @$FMAIL_AGENT --count 1 --timeout 2m)"],
            "broadcast": ["fmail send status 'build green on main'"],
            "coordinate": ["fmail send editing src/store.rs", "fmail log editing --since 5m --json | grep store.rs"]
        },
        "env": {
            "FMAIL_AGENT": "your agent name (required by send and status)",
            "FMAIL_ROOT": "project root holding .fmail/ (default: nearest .fmail/ or git checkout; worktrees share the main checkout's)",
            "FMAIL_PROJECT": "project id override"
        },
        "message_format": {
            "id": "YYYYMMDD-HHMMSS-NNNN",
            "from": "sender",
            "to": "topic or @agent",
            "time": "RFC3339 UTC",
            "body": "any JSON value",
            "reply_to": "optional id",
            "priority": "optional low|normal|high",
            "host": "optional",
            "tags": "optional list"
        },
        "storage": {
            "root": ".fmail/",
            "topics": ".fmail/topics/<topic>/<id>.json",
            "dms": ".fmail/dm/<agent>/<id>.json",
            "agents": ".fmail/agents/<name>.json",
            "project": ".fmail/project.json"
        }
    });
    let text = serde_json::to_string_pretty(&guide).map_err(|e| CliError::other(e.to_string()))?;
    printer.line(&text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_is_normalized() {
        assert_eq!(super::normalized_version("v1.2.3"), "1.2.3");
        assert_eq!(super::normalized_version("dev"), "2.2.0");
    }
}
