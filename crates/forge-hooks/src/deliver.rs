//! Delivering one event to one hook: a command, a webhook or a desktop notice.

use std::os::fd::BorrowedFd;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use forge_core::events::describe::{detail, headline, subject};
use forge_core::hooks::{Hook, HookAction, event_loop_field};
use forge_core::model::Event;
use forge_core::redact::redact_json;
use forge_process::{Check, Control, HarnessShell, JobSpec, StopPolicy};
use serde_json::Value;

use crate::webhook::post_with_retries;

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Failed; `retry` when another attempt follows.
    Failed {
        error: String,
        retry: bool,
    },
}

/// One attempt, as recorded in `hook_deliveries`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub attempt: u32,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// The JSON a hook receives: the event as `forge events --json` prints it, redacted again with
/// the profile environment values known now.
pub fn event_json(event: &Event, secrets: &[String]) -> Value {
    let mut value = serde_json::to_value(event).unwrap_or(Value::Null);
    redact_json(&mut value, secrets);
    value
}

/// Stops a hook's child at its timeout, or when the dispatcher is asked to stop.
struct HookControl {
    timeout: Duration,
    stop: Arc<AtomicBool>,
}

impl Control for HookControl {
    type Reason = String;

    fn wake_fds(&self) -> Vec<BorrowedFd<'_>> {
        Vec::new()
    }

    fn interval(&self) -> Duration {
        Duration::from_millis(100)
    }

    fn check(&mut self, at: Check) -> Option<(StopPolicy, String)> {
        if at.elapsed >= self.timeout {
            return Some((
                StopPolicy::GRACEFUL,
                format!(
                    "timed out after {}",
                    forge_core::duration::format_go_duration(self.timeout.as_secs().max(1) as i64)
                ),
            ));
        }
        self.stop.load(Ordering::Relaxed).then(|| {
            (
                StopPolicy::GRACEFUL,
                "the hook dispatcher is stopping".to_string(),
            )
        })
    }
}

/// The `FORGE_EVENT_*` variables of a command hook.
fn event_env(hook: &Hook, event: &Event) -> Vec<(String, String)> {
    let mut env = vec![
        ("FORGE_HOOK_ID".to_string(), hook.id.to_string()),
        ("FORGE_EVENT_ID".into(), event.id.to_string()),
        ("FORGE_EVENT_KIND".into(), event.kind.clone()),
        ("FORGE_EVENT_TIME".into(), event.created_at.clone()),
        ("FORGE_EVENT_ENTITY_TYPE".into(), event.entity_type.clone()),
        ("FORGE_EVENT_ENTITY_ID".into(), event.entity_id.clone()),
        ("FORGE_EVENT_SUBJECT".into(), subject(event)),
        (
            "FORGE_EVENT_SUMMARY".into(),
            format!("{} {}", subject(event), headline(event)),
        ),
        ("FORGE_EVENT_DETAIL".into(), detail(event)),
    ];
    for (var, field) in [
        ("FORGE_EVENT_LOOP_ID", "id"),
        ("FORGE_EVENT_LOOP_NAME", "name"),
        ("FORGE_EVENT_LOOP_REPO", "repo"),
    ] {
        if let Some(value) = event_loop_field(event, field) {
            env.push((var.into(), value.into()));
        }
    }
    env
}

/// Runs a job to its end under the hook's timeout; Ok when it exited 0.
fn run_job(spec: JobSpec, timeout: Duration, stop: &Arc<AtomicBool>) -> Result<(), String> {
    let program = spec.program();
    let job = spec.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{program} not found on PATH"),
        _ => format!("could not start {program}: {e}"),
    })?;
    let mut control = HookControl {
        timeout,
        stop: Arc::clone(stop),
    };
    let out = job.capture(&mut control);
    if let Some(why) = out.finished.stopped {
        return Err(why);
    }
    match out.finished.exit_text() {
        None => Ok(()),
        Some(status) => {
            let stderr = out.stderr_text();
            let last = stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            Err(if last.is_empty() {
                status
            } else {
                format!("{status}: {last}")
            })
        }
    }
}

/// The directory a command hook runs in: the loop's repository when it still exists.
fn workdir(event: &Event, fallback: &Path) -> std::path::PathBuf {
    event_loop_field(event, "repo")
        .map(Path::new)
        .filter(|p| p.is_dir())
        .unwrap_or(fallback)
        .to_path_buf()
}

/// The desktop notification program and its arguments (title and body as arguments, never
/// as script text).
fn desktop_job(title: &str, body: &str) -> JobSpec {
    if cfg!(target_os = "macos") {
        JobSpec::new("osascript")
            .args([
                "-e",
                "on run argv",
                "-e",
                "display notification (item 2 of argv) with title (item 1 of argv)",
                "-e",
                "end run",
            ])
            .args([title, body])
    } else {
        JobSpec::new("notify-send").args(["--app-name=forge", title, body])
    }
}

/// A one-line summary for people: `forge: demo rate limited — profile cc · window five_hour`.
pub(crate) fn summary_line(event: &Event) -> String {
    let detail = detail(event);
    let head = format!("forge: {} {}", subject(event), headline(event));
    if detail.is_empty() {
        head
    } else {
        format!("{head} — {detail}")
    }
}

/// A webhook's body: the event JSON plus the summary as `text` (what Slack and Mattermost
/// incoming webhooks show) and `content` (Discord's), so a chat webhook URL works as is.
fn webhook_body(event: &Event, json: &Value) -> Value {
    let mut body = json.clone();
    if let Some(obj) = body.as_object_mut() {
        let line = summary_line(event);
        obj.insert("text".into(), Value::String(line.clone()));
        obj.insert("content".into(), Value::String(line));
    }
    body
}

/// Delivers `event` to `hook`, calling `on_attempt` after every attempt (the caller records
/// it). `json` is what the hook receives.
pub fn deliver(
    hook: &Hook,
    event: &Event,
    json: &Value,
    data_dir: &Path,
    stop: &Arc<AtomicBool>,
    on_attempt: &mut dyn FnMut(&Delivered),
) {
    let timeout = Duration::from_millis(hook.timeout_ms);
    let once = |result: Result<(), String>, started: Instant| Delivered {
        attempt: 1,
        outcome: match result {
            Ok(()) => Outcome::Delivered,
            Err(error) => Outcome::Failed {
                error,
                retry: false,
            },
        },
        duration: started.elapsed(),
    };
    match &hook.action {
        HookAction::Command { cmd } => {
            let started = Instant::now();
            let mut body = json.to_string();
            body.push('\n');
            let spec = HarnessShell::current(data_dir)
                .job(cmd, &event_env(hook, event))
                .stdin(body)
                .cwd(workdir(event, data_dir));
            on_attempt(&once(run_job(spec, timeout, stop), started));
        }
        HookAction::Desktop => {
            let started = Instant::now();
            let title = format!("forge: {} {}", subject(event), headline(event));
            let spec = desktop_job(&title, &detail(event));
            on_attempt(&once(run_job(spec, timeout, stop), started));
        }
        HookAction::Webhook { url, headers } => {
            let body = webhook_body(event, json);
            post_with_retries(url, headers, &body.to_string(), timeout, stop, on_attempt);
        }
    }
}
