//! Hook delivery, off every loop's path.
//!
//! Hooks are rows of the `hooks` table (`forge hook add`). Nobody who records an event delivers
//! it: one dispatcher per user (`forge hook dispatch`, hidden, started detached by
//! [`ensure_dispatcher`] from any runner or command while hooks exist, single instance through
//! an exclusive `flock` on `<data_dir>/hooks/dispatcher.lock`) follows the event log. Each hook has a
//! worker thread that reads the events after the hook's cursor, delivers the matching ones in
//! order, and records every attempt in `hook_deliveries`; the final attempt moves the cursor in
//! the same transaction, so delivery is at least once per matching event and survives a restart
//! of any runner or of the dispatcher. A slow or hanging hook delays only its own later events.
//!
//! - command hooks run in `bash -lc` through the one supervisor ([`forge_process`]) with the
//!   event JSON on stdin and `FORGE_EVENT_*` variables (event text is never part of the shell
//!   text), stopped the one way at their timeout;
//! - webhooks POST the event JSON with a one-line summary as `text` and `content` (so Slack,
//!   Mattermost and Discord incoming webhooks show it as is), over http or https (`ureq` with
//!   rustls), retried with exponential backoff on connection errors, 429 and 5xx;
//! - desktop hooks run `notify-send` (or `osascript` on macOS) with the loop's name in the title.
//!
//! A hook that gives up records `hook.failed`. What hooks receive is redacted again with the
//! profile environment values known at delivery time.

mod deliver;
mod dispatch;
mod ensure;
mod webhook;

pub use deliver::{Delivered, Outcome, deliver, event_json};
pub use dispatch::{DispatchError, run_dispatcher};
pub use ensure::{HookPaths, ensure_dispatcher, set_marker};
