//! Prompt composition: base (or override) prompt + Loop Context block + operator messages.

use crate::model::{LoopKv, WorkState};
use crate::queue::OperatorMessage;

/// Maximum size of the Loop Context block, in bytes.
pub const LOOP_CONTEXT_MAX_BYTES: usize = 6000;

/// Maximum number of work-state rows listed under `Recent:`.
const RECENT_LIMIT: usize = 8;

/// Renders the `## Loop Context (persistent)` block (always present, capped in size).
///
/// `work` is ordered current first, then newest; `mem` is sorted by key.
pub fn loop_context_block(work: &[WorkState], mem: &[LoopKv]) -> String {
    let mut block = String::from("\n\n## Loop Context (persistent)\n\n");
    if let Some(current) = work.iter().find(|w| w.is_current) {
        block.push_str("Current:\n");
        block.push_str(&format!(
            "- {} [{}] agent={} iter={} updated={}",
            current.task_id,
            current.status,
            current.agent_id,
            current.loop_iteration,
            current.updated_at
        ));
        if let Some(detail) = current.detail.as_deref().filter(|d| !d.trim().is_empty()) {
            block.push_str(&format!(" | {detail}"));
        }
        block.push_str("\n\n");
    }
    if !work.is_empty() {
        block.push_str("Recent:\n");
        for row in work.iter().take(RECENT_LIMIT) {
            block.push_str(if row.is_current { "- * " } else { "- " });
            block.push_str(&format!("{} [{}]", row.task_id, row.status));
            if let Some(detail) = row.detail.as_deref().filter(|d| !d.trim().is_empty()) {
                block.push_str(&format!(" | {detail}"));
            }
            block.push('\n');
        }
        block.push('\n');
    }
    if !mem.is_empty() {
        block.push_str("Mem:\n");
        for kv in mem {
            block.push_str(&format!("- {}: {}\n", kv.key, kv.value));
        }
        block.push('\n');
    }
    block.push_str(
        "CLI:\n- forge work set <task-id> --status in_progress --detail \"...\"  (defaults to $FORGE_LOOP_ID)\n\
         - forge work current\n- forge work clear\n\
         - forge mem set <key> \"<value>\"  (defaults to $FORGE_LOOP_ID)\n",
    );
    if block.len() > LOOP_CONTEXT_MAX_BYTES {
        let mut cut = LOOP_CONTEXT_MAX_BYTES;
        while !block.is_char_boundary(cut) {
            cut -= 1;
        }
        block.truncate(cut);
        let trimmed = block.trim_end_matches('\n').len();
        block.truncate(trimmed);
        block.push_str("\n(truncated)\n");
    }
    block
}

/// Appends the Loop Context block and the operator messages to a prompt.
pub fn compose(base: &str, context_block: &str, messages: &[OperatorMessage]) -> String {
    let mut prompt = base.trim_end_matches('\n').to_string();
    prompt.push_str(context_block);
    if !messages.is_empty() {
        let len = prompt.trim_end_matches('\n').len();
        prompt.truncate(len);
        for message in messages {
            prompt.push_str(&format!(
                "\n\n## Operator Message ({})\n\n{}",
                message.created_at,
                message.text.trim()
            ));
        }
    }
    prompt
}

/// The interrupt-context message queued before a steer message.
pub fn interrupt_context(now: &str, ledger_tail: &str, log_tail: &str) -> String {
    let mut text = format!("## Interrupt Context\n\nTimestamp: {now}\n\n");
    let fence = "```";
    if !ledger_tail.trim().is_empty() {
        text.push_str(&format!(
            "### Ledger Tail\n\n{fence}\n{}\n{fence}\n\n",
            ledger_tail.trim()
        ));
    }
    if !log_tail.trim().is_empty() {
        text.push_str(&format!(
            "### Log Tail\n\n{fence}\n{}\n{fence}\n\n",
            log_tail.trim()
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(key: &str, value: &str) -> LoopKv {
        LoopKv {
            id: "i".into(),
            loop_id: "l".into(),
            key: key.into(),
            value: value.into(),
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn empty_context_still_has_cli_hints() {
        let block = loop_context_block(&[], &[]);
        assert!(block.starts_with("\n\n## Loop Context (persistent)\n\nCLI:\n- forge work set"));
        assert!(block.ends_with("(defaults to $FORGE_LOOP_ID)\n"));
    }

    #[test]
    fn composes_messages_after_context() {
        let block = loop_context_block(&[], &[kv("goal", "ship it")]);
        let prompt = compose(
            "Do the task.\n\n",
            &block,
            &[OperatorMessage {
                text: "  focus on tests \n".into(),
                created_at: "2026-01-01T00:00:00Z".into(),
            }],
        );
        assert!(prompt.starts_with(
            "Do the task.\n\n## Loop Context (persistent)\n\nMem:\n- goal: ship it\n\nCLI:"
        ));
        assert!(prompt.ends_with(
            "(defaults to $FORGE_LOOP_ID)\n\n## Operator Message (2026-01-01T00:00:00Z)\n\nfocus on tests"
        ));
    }

    #[test]
    fn caps_block_size() {
        let big: Vec<LoopKv> = (0..200)
            .map(|i| kv(&format!("k{i:03}"), &"x".repeat(80)))
            .collect();
        let block = loop_context_block(&[], &big);
        assert!(block.len() <= LOOP_CONTEXT_MAX_BYTES + 13);
        assert!(block.ends_with("\n(truncated)\n"));
    }
}
