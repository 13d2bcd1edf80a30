//! Turning a profile and a composed prompt into the process to start.
//!
//! The harness's command template is a shell script; the runner runs it in the harness shell
//! (`forge_process::HarnessShell`: a login shell that keeps the user's `PATH`) in the loop's
//! repository. The prompt never becomes part of that script: it travels in
//! `FORGE_PROMPT_CONTENT`, on standard input, or as a file path substituted for `{prompt}`.

use std::path::{Path, PathBuf};

use forge_core::model::{Profile, PromptMode};

/// Largest prompt sent in the environment. Linux caps one environment string at 128 KiB
/// (`MAX_ARG_STRLEN`); larger prompts go to stdin and a file instead of failing the run.
pub const MAX_ENV_PROMPT_BYTES: usize = 100 * 1024;

/// Everything needed to build one harness command.
#[derive(Debug, Clone)]
pub struct CommandInput<'a> {
    pub profile: &'a Profile,
    pub loop_id: &'a str,
    pub loop_name: &'a str,
    pub repo_path: &'a Path,
    pub run_id: &'a str,
    /// The composed prompt.
    pub prompt: &'a str,
    /// Where the prompt file goes when one is needed (path mode, or an oversized env prompt).
    pub prompt_file: &'a Path,
}

/// How the prompt reaches the harness in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptDelivery {
    /// `FORGE_PROMPT_CONTENT`.
    Env,
    /// Standard input.
    Stdin,
    /// A file at this path.
    File(PathBuf),
    /// Too large for the environment: standard input plus a file (`FORGE_PROMPT_PATH`).
    StdinAndFile(PathBuf),
}

/// The process to start.
#[derive(Debug, Clone)]
pub struct BuiltCommand {
    /// The shell script: the template plus the profile's extra arguments.
    pub script: String,
    /// Environment variables set on top of the runner's environment, in order.
    pub env: Vec<(String, String)>,
    /// Standard input content, if any.
    pub stdin: Option<String>,
    /// How the prompt is delivered (the runner writes the file when one is named).
    pub delivery: PromptDelivery,
}

/// A profile that cannot produce a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// No template.
    #[error(
        "profile {0:?} has an empty command template; set one with `forge profile edit {0} --command '...'`"
    )]
    EmptyTemplate(String),
}

/// Quotes a path for the shell unless it is made only of safe characters.
fn shell_path(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// Builds the command for one run.
pub fn build_command(input: &CommandInput<'_>) -> Result<BuiltCommand, CommandError> {
    let profile = input.profile;
    let mut cmd = profile.command_template.trim().to_string();
    if cmd.is_empty() {
        return Err(CommandError::EmptyTemplate(profile.name.clone()));
    }
    if !profile.extra_args.is_empty() {
        cmd.push(' ');
        cmd.push_str(&profile.extra_args.join(" "));
    }

    let mut env: Vec<(String, String)> = Vec::new();
    let harness = profile.harness.as_str();
    if let Some(home) = profile
        .auth_home
        .as_deref()
        .filter(|h| !h.trim().is_empty())
    {
        if !matches!(harness, "claude" | "codex" | "opencode" | "gemini") {
            env.push(("HOME".into(), home.into()));
        }
        match harness {
            "codex" => env.push(("CODEX_HOME".into(), home.into())),
            "opencode" => {
                env.push(("OPENCODE_CONFIG_DIR".into(), home.into()));
                env.push(("XDG_DATA_HOME".into(), home.into()));
            }
            "pi" => env.push(("PI_CODING_AGENT_DIR".into(), home.into())),
            "claude" => env.push(("CLAUDE_CONFIG_DIR".into(), home.into())),
            "gemini" => env.push(("GEMINI_CLI_HOME".into(), home.into())),
            _ => {}
        }
    }

    let mut stdin = None;
    let delivery = match profile.prompt_mode {
        PromptMode::Env if input.prompt.len() <= MAX_ENV_PROMPT_BYTES => {
            env.push(("FORGE_PROMPT_CONTENT".into(), input.prompt.into()));
            PromptDelivery::Env
        }
        PromptMode::Env => {
            stdin = Some(input.prompt.to_string());
            env.push((
                "FORGE_PROMPT_PATH".into(),
                input.prompt_file.display().to_string(),
            ));
            PromptDelivery::StdinAndFile(input.prompt_file.to_path_buf())
        }
        PromptMode::Stdin => {
            stdin = Some(input.prompt.to_string());
            PromptDelivery::Stdin
        }
        PromptMode::Path => {
            cmd = cmd.replace("{prompt}", &shell_path(input.prompt_file));
            env.push((
                "FORGE_PROMPT_PATH".into(),
                input.prompt_file.display().to_string(),
            ));
            PromptDelivery::File(input.prompt_file.to_path_buf())
        }
    };

    let mut profile_env: Vec<(String, String)> = profile
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let has = |key: &str| profile.env.get(key).is_some_and(|v| !v.trim().is_empty());
    let fmail_agent = profile
        .env
        .get("FMAIL_AGENT")
        .filter(|v| !v.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| input.loop_name.to_string());
    if !has("FMAIL_AGENT") {
        profile_env.push(("FMAIL_AGENT".into(), fmail_agent.clone()));
    }
    if !has("SV_REPO") {
        profile_env.push(("SV_REPO".into(), input.repo_path.display().to_string()));
    }
    if !has("SV_ACTOR") {
        profile_env.push(("SV_ACTOR".into(), fmail_agent));
    }
    profile_env.push(("FORGE_LOOP_ID".into(), input.loop_id.into()));
    profile_env.push(("FORGE_LOOP_NAME".into(), input.loop_name.into()));
    profile_env.push(("FORGE_RUN_ID".into(), input.run_id.into()));
    env.extend(profile_env);

    Ok(BuiltCommand {
        script: cmd,
        env,
        stdin,
        delivery,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(harness: &str, mode: PromptMode, template: &str) -> Profile {
        Profile {
            id: "p".into(),
            name: "prof".into(),
            harness: harness.into(),
            auth_kind: None,
            auth_home: Some("/auth".into()),
            prompt_mode: mode,
            command_template: template.into(),
            model: None,
            extra_args: vec!["--x".into()],
            env: [("FMAIL_AGENT".to_string(), "custom".to_string())]
                .into_iter()
                .collect(),
            max_concurrency: 1,
            cooldown_until: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn input<'a>(p: &'a Profile, prompt: &'a str) -> CommandInput<'a> {
        CommandInput {
            profile: p,
            loop_id: "lid",
            loop_name: "brisk-otto",
            repo_path: Path::new("/repo"),
            run_id: "rid",
            prompt,
            prompt_file: Path::new("/data/prompts/lid/run-rid.md"),
        }
    }

    fn get<'a>(c: &'a BuiltCommand, key: &str) -> Option<&'a str> {
        c.env
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn env_mode_with_auth_home_and_loop_variables() {
        let p = profile("codex", PromptMode::Env, "codex exec");
        let c = build_command(&input(&p, "hello")).unwrap();
        assert_eq!(c.script, "codex exec --x");
        assert_eq!(get(&c, "CODEX_HOME"), Some("/auth"));
        assert_eq!(get(&c, "HOME"), None);
        assert_eq!(get(&c, "FORGE_PROMPT_CONTENT"), Some("hello"));
        assert_eq!(get(&c, "FMAIL_AGENT"), Some("custom"));
        assert_eq!(get(&c, "SV_ACTOR"), Some("custom"));
        assert_eq!(get(&c, "FORGE_LOOP_NAME"), Some("brisk-otto"));
        assert_eq!(c.delivery, PromptDelivery::Env);
    }

    #[test]
    fn oversized_env_prompt_falls_back_to_stdin_and_file() {
        let p = profile("pi", PromptMode::Env, "pi -p \"$FORGE_PROMPT_CONTENT\"");
        let big = "x".repeat(MAX_ENV_PROMPT_BYTES + 1);
        let c = build_command(&input(&p, &big)).unwrap();
        assert_eq!(get(&c, "FORGE_PROMPT_CONTENT"), None);
        assert_eq!(c.stdin.as_deref().map(str::len), Some(big.len()));
        assert!(matches!(c.delivery, PromptDelivery::StdinAndFile(_)));
        assert_eq!(get(&c, "HOME"), Some("/auth"));
        assert_eq!(get(&c, "PI_CODING_AGENT_DIR"), Some("/auth"));
    }

    #[test]
    fn path_mode_substitutes_quoted_path() {
        let p = profile("", PromptMode::Path, "agent --file {prompt}");
        let mut i = input(&p, "hi");
        let odd = Path::new("/data dir/it's.md");
        i.prompt_file = odd;
        let c = build_command(&i).unwrap();
        assert_eq!(c.script, "agent --file '/data dir/it'\\''s.md' --x");
        let empty = profile("", PromptMode::Stdin, "  ");
        assert!(build_command(&input(&empty, "x")).is_err());
    }
}
