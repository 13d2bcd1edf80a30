//! Webhooks: the event JSON as a POST body, with bounded retries and exponential backoff.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::deliver::{Delivered, Outcome};

/// Attempts per event (the first and three retries).
pub(crate) const WEBHOOK_ATTEMPTS: u32 = 4;

/// The wait before the first retry; each further retry waits twice as long (0.5 s, 1 s, 2 s).
pub(crate) const BACKOFF: Duration = Duration::from_millis(500);

/// What one POST did.
enum Posted {
    Ok,
    /// Worth another try: no connection, a timeout, 429 or 5xx.
    Transient(String),
    /// Another try would fail the same way (4xx other than 429, a bad URL).
    Permanent(String),
}

fn post_once(agent: &ureq::Agent, url: &str, headers: &[(String, String)], body: &str) -> Posted {
    let mut request = agent
        .post(url)
        .header("Content-Type", "application/json")
        .header("User-Agent", concat!("forge/", env!("CARGO_PKG_VERSION")));
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    match request.send(body) {
        Ok(response) => {
            let status = response.status().as_u16();
            match status {
                200..=299 => Posted::Ok,
                429 | 500..=599 => Posted::Transient(format!("HTTP {status}")),
                _ => Posted::Permanent(format!("HTTP {status}")),
            }
        }
        Err(e @ (ureq::Error::BadUri(_) | ureq::Error::Http(_))) => {
            Posted::Permanent(e.to_string())
        }
        Err(e) => Posted::Transient(e.to_string()),
    }
}

/// Sleeps `wait`, returning early (false) when asked to stop.
fn backoff(wait: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + wait;
    while Instant::now() < until {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::sleep((until - Instant::now()).min(Duration::from_millis(50)));
    }
    true
}

/// POSTs `body` to `url`, up to [`WEBHOOK_ATTEMPTS`] times, reporting every attempt.
pub(crate) fn post_with_retries(
    url: &str,
    headers: &[(String, String)],
    body: &str,
    timeout: Duration,
    stop: &Arc<AtomicBool>,
    on_attempt: &mut dyn FnMut(&Delivered),
) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let mut wait = BACKOFF;
    for attempt in 1..=WEBHOOK_ATTEMPTS {
        let started = Instant::now();
        let posted = post_once(&agent, url, headers, body);
        let last = attempt == WEBHOOK_ATTEMPTS || stop.load(Ordering::Relaxed);
        let outcome = match posted {
            Posted::Ok => Outcome::Delivered,
            Posted::Transient(error) => Outcome::Failed {
                error,
                retry: !last,
            },
            Posted::Permanent(error) => Outcome::Failed {
                error,
                retry: false,
            },
        };
        let again = matches!(outcome, Outcome::Failed { retry: true, .. });
        on_attempt(&Delivered {
            attempt,
            outcome,
            duration: started.elapsed(),
        });
        if !again || !backoff(wait, stop) {
            return;
        }
        wait *= 2;
    }
}
