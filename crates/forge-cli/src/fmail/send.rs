//! `fmail send <topic|@agent> [message]`.

use std::io::{IsTerminal, Read};

use forge_mail::{Draft, Priority, Store, Target, encode_pretty, normalize_tags, parse_body};

use super::Ctx;
use super::error::as_usage;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A topic name, or @agent for a direct message
    target: String,
    /// The message; if omitted, read from --file or piped stdin. JSON is stored as JSON.
    message: Option<String>,
    /// Read the message from a file
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    file: Option<std::path::PathBuf>,
    /// The id of the message this one answers
    #[arg(short = 'r', long = "reply-to", value_name = "ID")]
    reply_to: Option<String>,
    /// low, normal or high (stored only when given)
    #[arg(short = 'p', long = "priority", value_name = "LEVEL")]
    priority: Option<String>,
    /// A tag; repeat or separate with commas
    #[arg(short = 't', long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Print the stored message as JSON instead of its id
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(ctx: &Ctx, args: Args) -> Result<(), CliError> {
    let target = Target::parse(&args.target).map_err(as_usage)?;
    let priority = args
        .priority
        .as_deref()
        .map(Priority::parse)
        .transpose()
        .map_err(as_usage)?;
    let tags = normalize_tags(&args.tags).map_err(as_usage)?;
    if args.message.is_some() && args.file.is_some() {
        return Err(CliError::usage(
            "give the message as an argument or with --file, not both",
        ));
    }
    let agent = ctx.env.agent_name()?;
    let text = match (args.message, args.file) {
        (Some(message), _) => message,
        (None, Some(path)) => fs_err::read_to_string(&path)?,
        (None, None) if !std::io::stdin().is_terminal() => {
            let mut text = String::new();
            std::io::stdin().lock().read_to_string(&mut text)?;
            text
        }
        (None, None) => String::new(),
    };
    let body = parse_body(&text).ok_or_else(|| CliError::usage("message body is required"))?;
    let store = Store::discover(&ctx.env)?;
    store.ensure_project(&ctx.env)?;
    let mut draft = Draft::new(agent.clone(), target, body);
    draft.reply_to = args.reply_to.unwrap_or_default();
    draft.priority = priority.map(|p| p.as_str().to_owned()).unwrap_or_default();
    draft.host = ctx.env.host.clone();
    draft.tags = tags;
    let message = store.save(draft)?;
    store.touch_agent(&agent, &ctx.env.host)?;
    if args.json {
        ctx.printer.line(&encode_pretty(&message)?)
    } else {
        ctx.printer.line(&message.id)
    }
}
