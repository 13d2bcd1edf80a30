//! `forge config show`: every resolved setting and where it came from.

use clap::Args;
use serde_json::{Map, Value, json};

use crate::context::Ctx;
use crate::error::CliError;
use crate::table::render;

/// Arguments of `forge config show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {}

/// Runs `forge config show`.
pub(crate) fn run(ctx: &Ctx, _args: ShowArgs) -> Result<(), CliError> {
    let s = &ctx.settings;
    let rows = s.rows();
    if ctx.printer.is_json() {
        let mut settings = Map::new();
        for (key, value, source) in &rows {
            settings.insert(
                (*key).to_string(),
                json!({ "value": value, "source": source }),
            );
        }
        return ctx.printer.json(&json!({
            "config_file": s.config_file,
            "repo_config": s.repo_config,
            "settings": Value::Object(settings),
        }));
    }
    let none = || "(none)".to_string();
    let mut out = format!(
        "Config file: {}\nRepo config: {}\n\n",
        s.config_file
            .as_ref()
            .map_or_else(none, |p| p.display().to_string()),
        s.repo_config
            .as_ref()
            .map_or_else(none, |p| p.display().to_string()),
    );
    let table: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(k, v, src)| {
            vec![
                k.to_string(),
                if v.is_empty() { "-".into() } else { v },
                src,
            ]
        })
        .collect();
    out.push_str(&render(&["KEY", "VALUE", "SOURCE"], &table));
    ctx.printer.raw(&out)
}
