//! `forge msg [loop] [message…]`: queue operator input for loop(s): a message appended to the
//! next prompt, `--now` to interrupt the running harness, `--next-prompt` to replace the next
//! prompt once, `--template`/`--seq` to send a rendered template or the steps of a sequence.

use std::path::Path;

use clap::Args;
use forge_core::queue::Payload;
use forge_runner::control;
use forge_runner::prompts::resolve_prompt_ref;
use serde_json::json;

use crate::assets::expand::{sequence_payloads, template_message};
use crate::assets::render::parse_vars;
use crate::context::Ctx;
use crate::error::CliError;
use crate::select::{SelectorArgs, select_loops};

/// Arguments of `forge msg`.
#[derive(Debug, Args)]
pub(crate) struct MsgArgs {
    /// The loop, then the message (with a selector, every word is the message)
    #[arg(value_name = "LOOP] [MESSAGE")]
    words: Vec<String>,
    /// Interrupt the running harness and restart with this message
    #[arg(long)]
    now: bool,
    /// Replace the next prompt once with this file or .forge/prompts name
    #[arg(long, value_name = "PATH|NAME")]
    next_prompt: Option<String>,
    /// Send this template, rendered (see `forge template ls`)
    #[arg(long, value_name = "NAME", conflicts_with = "seq")]
    template: Option<String>,
    /// Queue the steps of this sequence (see `forge seq ls`)
    #[arg(long, value_name = "NAME")]
    seq: Option<String>,
    /// A template/sequence variable (repeatable)
    #[arg(long = "var", value_name = "KEY=VALUE")]
    vars: Vec<String>,
    #[command(flatten)]
    selectors: SelectorArgs,
}

/// The queue item of a message: appended to the next prompt, or with `--now` an interrupt that
/// restarts the run with it. Shared with the dashboard's `:` and `!`.
pub(crate) fn message_payload(text: String, now: bool) -> Payload {
    if now {
        Payload::Steer { message: text }
    } else {
        Payload::Message { text }
    }
}

/// Runs `forge msg`.
pub(crate) fn run(ctx: &Ctx, args: MsgArgs) -> Result<(), CliError> {
    let with_selector = args.selectors.any();
    let (reference, words) = if with_selector {
        (None, args.words.as_slice())
    } else {
        match args.words.split_first() {
            Some((first, rest)) => (Some(first.as_str()), rest),
            None => {
                return Err(CliError::invalid("specify a loop or selector")
                    .hint("Usage: forge msg <loop> <message…>, or forge msg --all <message…>"));
            }
        }
    };
    let text = words.join(" ");
    let vars = parse_vars(&args.vars)?;
    if !args.vars.is_empty() && args.template.is_none() && args.seq.is_none() {
        return Err(CliError::invalid("--var requires --template or --seq"));
    }
    if args.template.is_some() && !text.trim().is_empty() {
        return Err(CliError::invalid(
            "use either message text or --template, not both",
        ));
    }
    let message = if args.template.is_some() {
        None
    } else if !text.trim().is_empty() {
        Some(message_payload(text, args.now))
    } else if args.now {
        Some(Payload::Steer {
            message: "Operator interrupt".into(),
        })
    } else if args.next_prompt.is_none() && args.seq.is_none() {
        return Err(if with_selector {
            CliError::invalid("message, --seq, or --next-prompt required")
        } else {
            CliError::invalid("message text required").hint("Usage: forge msg <loop> <message…>")
        });
    } else {
        None
    };
    let mut store = ctx.open_store()?;
    let paths = ctx.runner_paths();
    let loops = select_loops(ctx, &store, &args.selectors, reference)?;
    // Resolve everything before queueing anything.
    let mut batches = Vec::with_capacity(loops.len());
    for l in &loops {
        let mut payloads = Vec::new();
        if let Some(next) = &args.next_prompt {
            let path = resolve_prompt_ref(Path::new(&l.repo_path), next).map_err(CliError::from)?;
            payloads.push(Payload::NextPrompt {
                prompt: path.display().to_string(),
                is_path: true,
            });
        }
        let repo = Path::new(&l.repo_path);
        let config_dir = &ctx.settings.config_dir.value;
        if let Some(name) = &args.seq {
            payloads.extend(sequence_payloads(repo, config_dir, name, &vars)?);
        }
        match &args.template {
            Some(name) => {
                let text = template_message(repo, config_dir, name, &vars)?;
                payloads.push(message_payload(text, args.now));
            }
            None => payloads.extend(message.clone()),
        }
        batches.push(payloads);
    }
    for (l, payloads) in loops.iter().zip(&batches) {
        control::send(&mut store, &paths, &l.id, payloads)?;
        if !l.state.is_active() {
            ctx.printer.warn(&format!(
                "loop \"{}\" is {}: the message waits until `forge resume {}`",
                l.name, l.state, l.name
            ));
        }
    }
    let n = loops.len();
    ctx.printer.result(
        &json!({ "loops": n, "queued": true }),
        &format!("Queued message for {n} loop(s)"),
    )
}
