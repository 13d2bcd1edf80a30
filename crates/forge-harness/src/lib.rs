//! Harness presets and command building.
//!
//! A harness is an agent CLI (Claude Code, Codex, OpenCode, pi, droid, Gemini) or any command.
//! Presets are data: the default command template, how the prompt is delivered and which
//! environment variables point the harness at a profile's auth home. [`build_command`] turns a
//! profile plus a composed prompt into the exact process to start; the runner spawns it.
//! [`render`] turns a loop log into the human lines `forge logs` and the dashboard show.

pub mod command;
pub mod parse;
pub mod presets;
pub mod render;

pub use command::{BuiltCommand, CommandError, CommandInput, PromptDelivery, build_command};
pub use presets::{HARNESS_NAMES, Preset, normalize_harness, preset};
