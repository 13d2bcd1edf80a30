//! Ledger rendering: the markdown file committed with the repo, one entry per harness run.
//!
//! The layout matches the ledgers existing users already have, byte for byte: a front-matter
//! header written once, then per run `## <time>`, a bullet list, an optional fenced output tail
//! and an optional git summary.

use crate::redact::redact_secrets;

/// Header fields of a ledger file.
#[derive(Debug, Clone)]
pub struct LedgerHeader<'a> {
    pub loop_id: &'a str,
    pub loop_name: &'a str,
    pub repo_path: &'a str,
    pub created_at: &'a str,
}

/// Renders the header written when the ledger file is created.
pub fn render_header(h: &LedgerHeader<'_>) -> String {
    format!(
        "---\nloop_id: {}\nloop_name: {}\nrepo_path: {}\ncreated_at: {}\n---\n\n# Loop Ledger: {}\n\n",
        h.loop_id, h.loop_name, h.repo_path, h.created_at, h.loop_name
    )
}

/// One ledger entry.
#[derive(Debug, Clone, Default)]
pub struct LedgerEntry {
    pub written_at: String,
    pub run_id: String,
    pub loop_name: String,
    pub status: String,
    pub profile: String,
    pub harness: String,
    pub auth_kind: String,
    pub prompt_source: String,
    pub prompt_path: String,
    pub prompt_override: bool,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub exit_code: Option<i64>,
    /// Extra `- key: value` lines appended after the standard fields (outcome, usage).
    pub extra_fields: Vec<(String, String)>,
    pub output_tail: String,
    /// `git status --porcelain` output when enabled.
    pub git_status: Option<String>,
    /// `git diff --stat` output when enabled.
    pub git_diff_stat: Option<String>,
}

/// Renders one entry; secrets of known shapes in the output tail are redacted.
pub fn render_entry(e: &LedgerEntry) -> String {
    let mut out = format!("## {}\n\n", e.written_at);
    let mut field = |k: &str, v: &str| out.push_str(&format!("- {k}: {v}\n"));
    field("run_id", &e.run_id);
    field("loop_name", &e.loop_name);
    field("status", &e.status);
    field("profile", &e.profile);
    if !e.harness.is_empty() {
        field("harness", &e.harness);
    }
    if !e.auth_kind.is_empty() {
        field("auth_kind", &e.auth_kind);
    }
    field("prompt_source", &e.prompt_source);
    if !e.prompt_path.is_empty() {
        field("prompt_path", &e.prompt_path);
    }
    field(
        "prompt_override",
        if e.prompt_override { "true" } else { "false" },
    );
    field("started_at", &e.started_at);
    if let Some(finished) = &e.finished_at {
        field("finished_at", finished);
    }
    if let Some(code) = e.exit_code {
        field("exit_code", &code.to_string());
    }
    for (k, v) in &e.extra_fields {
        field(k, v);
    }
    out.push('\n');
    let tail = redact_secrets(e.output_tail.trim());
    if !tail.is_empty() {
        out.push_str(&format!("```\n{tail}\n```\n"));
    }
    if e.git_status.is_some() || e.git_diff_stat.is_some() {
        out.push_str("\n### Git Summary\n\n```\n");
        let section = |name: &str, text: &str| {
            let t = text.trim();
            let body = if t.is_empty() { "  (clean)" } else { t };
            format!("{name}:\n{body}\n")
        };
        if let Some(status) = &e.git_status {
            out.push_str(&section("status --porcelain", status));
        }
        if let Some(stat) = &e.git_diff_stat {
            out.push_str(&section("diff --stat", stat));
        }
        out.push_str("```\n");
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_reference_layout() {
        let header = render_header(&LedgerHeader {
            loop_id: "26eebe4f",
            loop_name: "rust-full-claude-4",
            repo_path: "/repo",
            created_at: "2026-02-09T16:18:50Z",
        });
        let entry = render_entry(&LedgerEntry {
            written_at: "2026-02-09T16:24:01Z".into(),
            run_id: "69e7".into(),
            loop_name: "rust-full-claude-4".into(),
            status: "success".into(),
            profile: "cc2".into(),
            harness: "claude".into(),
            prompt_source: "base".into(),
            prompt_path: "/repo/.forge/prompts/p.md".into(),
            started_at: "2026-02-09T16:18:50Z".into(),
            finished_at: Some("2026-02-09T16:24:01Z".into()),
            exit_code: Some(0),
            output_tail: "\n## Task Summary\n\ndone\n".into(),
            ..Default::default()
        });
        assert_eq!(
            format!("{header}{entry}"),
            "---\nloop_id: 26eebe4f\nloop_name: rust-full-claude-4\nrepo_path: /repo\ncreated_at: 2026-02-09T16:18:50Z\n---\n\n\
             # Loop Ledger: rust-full-claude-4\n\n## 2026-02-09T16:24:01Z\n\n- run_id: 69e7\n- loop_name: rust-full-claude-4\n\
             - status: success\n- profile: cc2\n- harness: claude\n- prompt_source: base\n\
             - prompt_path: /repo/.forge/prompts/p.md\n- prompt_override: false\n- started_at: 2026-02-09T16:18:50Z\n\
             - finished_at: 2026-02-09T16:24:01Z\n- exit_code: 0\n\n```\n## Task Summary\n\ndone\n```\n\n"
        );
    }

    #[test]
    fn git_summary_and_empty_tail() {
        let entry = render_entry(&LedgerEntry {
            written_at: "t".into(),
            status: "error".into(),
            git_status: Some(String::new()),
            git_diff_stat: Some(" a.rs | 2 +-\n".into()),
            ..Default::default()
        });
        assert!(entry.ends_with(
            "- started_at: \n\n\n### Git Summary\n\n```\nstatus --porcelain:\n  (clean)\ndiff --stat:\na.rs | 2 +-\n```\n\n"
        ), "{entry:?}");
    }
}
