//! Built-in harness presets.

use forge_core::model::PromptMode;

/// Names accepted by `forge profile add <harness>` (after alias normalization).
pub const HARNESS_NAMES: &[&str] = &[
    "claude", "codex", "opencode", "pi", "droid", "gemini", "command",
];

/// Default model used by the OpenCode template when a profile has none.
pub const DEFAULT_OPENCODE_MODEL: &str = "anthropic/claude-opus-4-5";

/// A harness preset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preset {
    /// Canonical harness name.
    pub name: &'static str,
    /// The executable looked up on PATH by `profile doctor`.
    pub binary: &'static str,
    /// Default prompt delivery.
    pub prompt_mode: PromptMode,
    /// What the auth home maps to (documentation for `profile show`).
    pub auth_env: &'static [&'static str],
}

const PRESETS: &[Preset] = &[
    Preset {
        name: "claude",
        binary: "claude",
        prompt_mode: PromptMode::Stdin,
        auth_env: &["CLAUDE_CONFIG_DIR"],
    },
    Preset {
        name: "codex",
        binary: "codex",
        prompt_mode: PromptMode::Stdin,
        auth_env: &["CODEX_HOME"],
    },
    Preset {
        name: "opencode",
        binary: "opencode",
        prompt_mode: PromptMode::Env,
        auth_env: &["OPENCODE_CONFIG_DIR", "XDG_DATA_HOME"],
    },
    Preset {
        name: "pi",
        binary: "pi",
        prompt_mode: PromptMode::Stdin,
        auth_env: &["HOME", "PI_CODING_AGENT_DIR"],
    },
    Preset {
        name: "droid",
        binary: "droid",
        prompt_mode: PromptMode::Stdin,
        auth_env: &["HOME"],
    },
    Preset {
        name: "gemini",
        binary: "gemini",
        prompt_mode: PromptMode::Env,
        auth_env: &["GEMINI_CLI_HOME"],
    },
    Preset {
        name: "command",
        binary: "",
        prompt_mode: PromptMode::Stdin,
        auth_env: &["HOME"],
    },
];

/// Maps user spellings to a canonical harness name (`claude-code` → `claude`, `factory` →
/// `droid`); unknown names give `None`.
pub fn normalize_harness(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_lowercase();
    let canonical = match lower.as_str() {
        "claude-code" | "claude_code" | "cc" => "claude",
        "factory" => "droid",
        "gemini-cli" => "gemini",
        "cmd" | "shell" => "command",
        other => other,
    };
    HARNESS_NAMES.iter().copied().find(|n| *n == canonical)
}

/// The preset of a canonical harness name.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

impl Preset {
    /// The default command template; `model` shapes templates that take one.
    ///
    /// `command` has no default: the user supplies the program with `--command`.
    pub fn default_template(&self, model: Option<&str>) -> Option<String> {
        let model_flag = |flag: &str| model.map(|m| format!(" {flag} {m}")).unwrap_or_default();
        let template = match self.name {
            "claude" => format!(
                "claude -p --output-format stream-json --verbose --dangerously-skip-permissions{}",
                model_flag("--model")
            ),
            "codex" => format!(
                "codex exec --json --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox{} -",
                model_flag("-m")
            ),
            "opencode" => format!(
                "opencode run --format json --model {} \"$FORGE_PROMPT_CONTENT\"",
                model.unwrap_or(DEFAULT_OPENCODE_MODEL)
            ),
            "pi" => format!("pi --mode json -p{}", model_flag("--model")),
            "droid" => format!(
                "droid exec -o stream-json --skip-permissions-unsafe{}",
                model_flag("-m")
            ),
            "gemini" => format!(
                "gemini --yolo -o stream-json{} -p \"$FORGE_PROMPT_CONTENT\"",
                model_flag("-m")
            ),
            _ => return None,
        };
        Some(template)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_templates() {
        assert_eq!(normalize_harness("Claude-Code"), Some("claude"));
        assert_eq!(normalize_harness("factory"), Some("droid"));
        assert_eq!(normalize_harness("amp"), None);
        let codex = preset("codex").unwrap();
        assert_eq!(codex.prompt_mode, PromptMode::Stdin);
        assert_eq!(
            codex.default_template(None).unwrap(),
            "codex exec --json --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox -"
        );
        assert_eq!(
            preset("opencode").unwrap().default_template(None).unwrap(),
            "opencode run --format json --model anthropic/claude-opus-4-5 \"$FORGE_PROMPT_CONTENT\""
        );
        assert_eq!(
            preset("claude").unwrap().default_template(None).unwrap(),
            "claude -p --output-format stream-json --verbose --dangerously-skip-permissions"
        );
        assert_eq!(
            preset("pi").unwrap().default_template(None).unwrap(),
            "pi --mode json -p"
        );
        assert_eq!(preset("pi").unwrap().prompt_mode, PromptMode::Stdin);
        assert!(preset("command").unwrap().default_template(None).is_none());
    }
}
