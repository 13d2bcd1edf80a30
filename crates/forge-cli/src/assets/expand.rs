//! Turning a template or sequence into queue payloads for `forge msg`.

use std::path::Path;

use forge_core::duration::parse_duration_secs_ceil;
use forge_core::queue::Payload;

use crate::assets::model::{Sequence, Template};
use crate::assets::render::{Vars, render, resolve_vars};
use crate::assets::{Asset, find};
use crate::error::CliError;

/// Renders the template `name` (looked up from `repo`) with `given` variables.
pub(crate) fn template_message(
    repo: &Path,
    config_dir: &Path,
    name: &str,
    given: &Vars,
) -> Result<String, CliError> {
    let t = find::<Template>(repo, config_dir, name)?.asset;
    let vars = resolve_vars(Template::NOUN, &t.name, &t.variables, given)?;
    let text = render(Template::NOUN, &t.name, &t.message, &vars)?;
    let text = text.trim_end().to_string();
    if text.trim().is_empty() {
        return Err(CliError::invalid(format!(
            "template \"{}\" rendered an empty message",
            t.name
        )));
    }
    Ok(text)
}

/// The queue items of the sequence `name`: `message` → `message_append`, `pause` → `pause`
/// with reason `sequence <name>`. Any other step type is an error naming the step.
pub(crate) fn sequence_payloads(
    repo: &Path,
    config_dir: &Path,
    name: &str,
    given: &Vars,
) -> Result<Vec<Payload>, CliError> {
    let s = find::<Sequence>(repo, config_dir, name)?.asset;
    let vars = resolve_vars(Sequence::NOUN, &s.name, &s.variables, given)?;
    let mut payloads = Vec::with_capacity(s.steps.len());
    for (i, step) in s.steps.iter().enumerate() {
        let n = i + 1;
        let at = |problem: String| {
            CliError::invalid(format!("sequence \"{}\" step {n}: {problem}", s.name))
        };
        match step.kind.trim() {
            "message" => {
                let text = render(Sequence::NOUN, &s.name, step.text(), &vars)?;
                let text = text.trim_end().to_string();
                if text.trim().is_empty() {
                    return Err(at("the message is empty".into()));
                }
                payloads.push(Payload::Message { text });
            }
            "pause" => {
                let raw = step.duration.as_deref().unwrap_or_default();
                let raw = render(Sequence::NOUN, &s.name, raw, &vars)?;
                let secs = parse_duration_secs_ceil(raw.trim())
                    .map_err(|e| at(format!("invalid pause duration: {e}")))?;
                if secs <= 0 {
                    return Err(at(format!(
                        "pause duration must be greater than 0 (got \"{}\")",
                        raw.trim()
                    )));
                }
                payloads.push(Payload::Pause {
                    duration_seconds: secs,
                    reason: Some(format!("sequence {}", s.name)),
                });
            }
            other => {
                return Err(at(format!(
                    "step type \"{other}\" cannot be sent to a loop (only message and pause)"
                )));
            }
        }
    }
    Ok(payloads)
}
