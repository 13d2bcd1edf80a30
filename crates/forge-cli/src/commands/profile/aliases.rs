//! Shell alias files for `forge profile init`: parsing `alias NAME=CMD` / `alias NAME CMD`
//! lines, recognising harness aliases, and turning one into a loop-ready profile template.

use std::path::{Path, PathBuf};

/// One alias definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Alias {
    pub(super) name: String,
    pub(super) command: String,
}

/// Harness binaries recognised as the first word of an alias.
const HARNESS_WORDS: &[&str] = &["opencode", "codex", "claude", "claude-code", "pi", "droid"];
/// Variables whose leading assignment names an alias's auth home, by priority.
const AUTH_VARS: &[&str] = &[
    "PI_CODING_AGENT_DIR",
    "CODEX_HOME",
    "OPENCODE_CONFIG_DIR",
    "OPENCODE_HOME",
    "XDG_DATA_HOME",
    "CLAUDE_CONFIG_DIR",
    "CLAUDE_HOME",
    "HOME",
];
const WRAPPERS: &[&str] = &["env", "command", "sudo", "exec", "time"];

/// Removes a `#` comment that is outside quotes and starts a word.
fn strip_comment(line: &str) -> &str {
    let (mut single, mut double) = (false, false);
    let mut prev_space = true;
    for (i, ch) in line.char_indices() {
        match ch {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev_space => return &line[..i],
            _ => {}
        }
        prev_space = ch.is_whitespace();
    }
    line
}

fn unquote(text: &str) -> &str {
    let t = text.trim();
    for q in ['\'', '"'] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return &t[1..t.len() - 1];
        }
    }
    t
}

/// Parses one line; `None` when it is not an alias definition.
pub(super) fn parse_line(line: &str) -> Option<Alias> {
    let line = strip_comment(line).trim();
    let rest = line.strip_prefix("alias ")?.trim_start();
    let rest = rest.trim_start_matches("-- ").trim_start();
    let (name, command) = match rest.split_once('=') {
        Some((name, cmd)) if !name.contains(char::is_whitespace) => (name, cmd),
        _ => rest.split_once(char::is_whitespace)?,
    };
    let (name, command) = (unquote(name), unquote(command));
    (!name.is_empty() && !command.is_empty()).then(|| Alias {
        name: name.into(),
        command: command.into(),
    })
}

/// Parses files in order; the first definition of a name wins.
pub(super) fn read_aliases(files: &[PathBuf]) -> Vec<Alias> {
    let mut out: Vec<Alias> = Vec::new();
    for file in files {
        let Ok(text) = fs_err::read_to_string(file) else {
            continue;
        };
        for alias in text.lines().filter_map(parse_line) {
            if !out.iter().any(|a| a.name == alias.name) {
                out.push(alias);
            }
        }
    }
    out
}

/// Leading `VAR=value` assignments of a command, and the words after them.
fn split_assignments(command: &str) -> (Vec<(&str, &str)>, Vec<&str>) {
    let mut assignments = Vec::new();
    let mut words = command.split_whitespace().peekable();
    while let Some(w) = words.peek() {
        match w.split_once('=') {
            Some((k, v))
                if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                assignments.push((k, v));
                words.next();
            }
            _ => break,
        }
    }
    (assignments, words.collect())
}

/// The harness an alias runs directly (its first real command word), if it is one.
pub(super) fn direct_harness(command: &str) -> Option<&'static str> {
    let (_, words) = split_assignments(command);
    let word = words
        .into_iter()
        .find(|w| !WRAPPERS.contains(w) && !w.contains('='))?;
    let base = Path::new(word)
        .file_name()?
        .to_string_lossy()
        .to_lowercase();
    let hit = HARNESS_WORDS.iter().find(|h| **h == base)?;
    Some(if *hit == "claude-code" { "claude" } else { hit })
}

/// The harness of an alias: the direct command, else name patterns (`oc1`, `codex2`, `cc3`,
/// `droid1`, `pi`), else the first harness word found in name and command, else pi.
pub(super) fn harness_of(alias: &Alias) -> &'static str {
    if let Some(h) = direct_harness(&alias.command) {
        return h;
    }
    let name = alias.name.to_lowercase();
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    if numbered("oc") {
        return "opencode";
    }
    if numbered("codex") {
        return "codex";
    }
    if numbered("cc") {
        return "claude";
    }
    if numbered("droid") {
        return "droid";
    }
    if name == "pi" {
        return "pi";
    }
    let haystack = format!("{name} {}", alias.command.to_lowercase());
    ["opencode", "codex", "claude", "droid", "pi"]
        .into_iter()
        .find(|h| haystack.contains(h))
        .unwrap_or("pi")
}

/// The auth home of an alias: a leading assignment of a known variable, else derived from a
/// numbered name (`codex2` → `~/.codex-2`, `oc1` → `~/.opencode-1`, `cc3` → `~/.claude-3`).
pub(super) fn auth_home_of(alias: &Alias, home: Option<&Path>) -> Option<String> {
    let expand = |v: &str| {
        let v = unquote(v);
        match home {
            Some(h) if v == "~" || v == "$HOME" => h.display().to_string(),
            Some(h) if v.starts_with("~/") => h.join(&v[2..]).display().to_string(),
            Some(h) if v.starts_with("$HOME/") => h.join(&v[6..]).display().to_string(),
            _ => v.to_string(),
        }
    };
    let (assignments, _) = split_assignments(&alias.command);
    for var in AUTH_VARS {
        if let Some((_, v)) = assignments.iter().find(|(k, _)| k == var) {
            return Some(expand(v));
        }
    }
    let name = alias.name.to_lowercase();
    for (prefix, dir) in [("codex", ".codex"), ("oc", ".opencode"), ("cc", ".claude")] {
        if let Some(n) = name
            .strip_prefix(prefix)
            .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        {
            return Some(expand(&format!("~/{dir}-{n}")));
        }
    }
    None
}

/// A loop-ready command template around an alias's command.
pub(super) fn template_for(harness: &str, command: &str, opencode_model: &str) -> String {
    match harness {
        "opencode" => format!(
            "{command} run --format json --model {opencode_model} \"$FORGE_PROMPT_CONTENT\""
        ),
        "codex" => format!("{command} exec --json --skip-git-repo-check -"),
        "claude" => {
            let flag = if command.contains("--dangerously-skip-permissions") {
                ""
            } else {
                " --dangerously-skip-permissions"
            };
            format!("{command} -p --output-format stream-json --verbose{flag}")
        }
        "droid" => format!("{command} exec -o stream-json --skip-permissions-unsafe"),
        _ => format!("{command} --mode json -p"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_alias_lines() {
        assert_eq!(
            parse_line("alias cc2='CLAUDE_CONFIG_DIR=~/.claude-2 claude' # work"),
            Some(Alias {
                name: "cc2".into(),
                command: "CLAUDE_CONFIG_DIR=~/.claude-2 claude".into()
            })
        );
        assert_eq!(
            parse_line("alias oc1 \"opencode\"").unwrap().command,
            "opencode"
        );
        assert_eq!(parse_line("export X=1"), None);
        assert_eq!(
            parse_line("alias ll='ls -la # not a comment'")
                .unwrap()
                .command,
            "ls -la # not a comment"
        );
    }

    #[test]
    fn detects_harness_and_auth_home() {
        let a = Alias {
            name: "cc2".into(),
            command: "CLAUDE_CONFIG_DIR=~/.claude-2 claude".into(),
        };
        assert_eq!(direct_harness(&a.command), Some("claude"));
        assert_eq!(
            auth_home_of(&a, Some(Path::new("/h"))).as_deref(),
            Some("/h/.claude-2")
        );
        let b = Alias {
            name: "codex3".into(),
            command: "my-wrapper".into(),
        };
        assert_eq!(harness_of(&b), "codex");
        assert_eq!(
            auth_home_of(&b, Some(Path::new("/h"))).as_deref(),
            Some("/h/.codex-3")
        );
        assert_eq!(direct_harness("ls -la"), None);
        assert_eq!(
            template_for("codex", "codex", "m"),
            "codex exec --json --skip-git-repo-check -"
        );
    }
}
