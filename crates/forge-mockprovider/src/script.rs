//! What the mock model says: an ordered list of turns consumed one per model request.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Token counts the mock reports for one turn. `input_tokens` is the uncached input; the
/// OpenAI wire formats report `input_tokens + cache_read_tokens` as their input total, the way
/// OpenAI does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenUsage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
}

impl TokenUsage {
    /// Input and output tokens, nothing cached.
    pub fn new(input_tokens: u64, output_tokens: u64) -> Self {
        TokenUsage {
            input_tokens,
            output_tokens,
            ..TokenUsage::default()
        }
    }

    /// The same with cache reads and writes.
    pub fn cached(self, cache_read_tokens: u64, cache_write_tokens: u64) -> Self {
        TokenUsage {
            cache_read_tokens,
            cache_write_tokens,
            ..self
        }
    }
}

/// An HTTP error the mock returns instead of a reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorReply {
    /// 429, 401, 529, ...
    pub status: u16,
    pub message: String,
    /// `retry-after` header, seconds.
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
    /// When the limit lifts (Unix seconds): sent as `anthropic-ratelimit-*-reset` (RFC 3339),
    /// `x-ratelimit-reset-*` (duration) and, on OpenAI bodies, `resets_at`/`resets_in_seconds`.
    #[serde(default)]
    pub resets_at: Option<i64>,
    /// OpenAI error `type` override (e.g. `usage_limit_reached`, which Codex turns into its
    /// "You've hit your usage limit" message).
    #[serde(default)]
    pub openai_type: Option<String>,
    /// How many consecutive requests get this error before the script moves on (CLIs retry).
    #[serde(default = "one")]
    pub times: u32,
    /// Instead of `times`: every request gets this error until this Unix time; the first
    /// request after it plays the next turn (a limit that lifts on schedule).
    #[serde(default)]
    pub until: Option<i64>,
}

fn one() -> u32 {
    1
}

/// One scripted model response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Turn {
    /// A plain text answer that ends the agent's turn.
    Text {
        text: String,
        #[serde(default)]
        usage: TokenUsage,
    },
    /// A tool call (optionally preceded by text); the CLI runs the tool and asks again.
    ToolCall {
        name: String,
        arguments: Value,
        #[serde(default)]
        text: Option<String>,
        #[serde(default)]
        usage: TokenUsage,
    },
    /// An HTTP error.
    Error(ErrorReply),
}

impl Turn {
    pub fn text(text: impl Into<String>) -> Self {
        Turn::Text {
            text: text.into(),
            usage: TokenUsage::default(),
        }
    }

    pub fn tool_call(name: impl Into<String>, arguments: Value) -> Self {
        Turn::ToolCall {
            name: name.into(),
            arguments,
            text: None,
            usage: TokenUsage::default(),
        }
    }

    /// Sets the usage reported with a text or tool-call turn.
    pub fn with_usage(mut self, reported: TokenUsage) -> Self {
        match &mut self {
            Turn::Text { usage, .. } | Turn::ToolCall { usage, .. } => *usage = reported,
            Turn::Error(_) => {}
        }
        self
    }

    /// Any HTTP error status with a message.
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        Turn::Error(ErrorReply {
            status,
            message: message.into(),
            retry_after_secs: None,
            resets_at: None,
            openai_type: None,
            times: 1,
            until: None,
        })
    }

    /// HTTP 429 with `retry-after` and reset headers for `resets_at` (Unix seconds).
    pub fn rate_limited(retry_after_secs: u64, resets_at: Option<i64>) -> Self {
        Turn::Error(ErrorReply {
            retry_after_secs: Some(retry_after_secs),
            resets_at,
            ..ErrorReply::plain(429, "Rate limit reached for requests")
        })
    }

    /// HTTP 401 invalid key.
    pub fn unauthorized() -> Self {
        Turn::error(401, "invalid x-api-key")
    }

    /// HTTP 529 overloaded.
    pub fn overloaded() -> Self {
        Turn::error(529, "Overloaded")
    }

    /// For error turns: answer every request with this error until `unix_time`, then move on.
    pub fn until(mut self, unix_time: i64) -> Self {
        if let Turn::Error(error) = &mut self {
            error.until = Some(unix_time);
        }
        self
    }

    /// For error turns: repeat for `times` consecutive requests.
    pub fn times(mut self, count: u32) -> Self {
        if let Turn::Error(error) = &mut self {
            error.times = count.max(1);
        }
        self
    }

    /// For error turns: the OpenAI error `type`.
    pub fn openai_type(mut self, kind: impl Into<String>) -> Self {
        if let Turn::Error(error) = &mut self {
            error.openai_type = Some(kind.into());
        }
        self
    }
}

impl ErrorReply {
    fn plain(status: u16, message: &str) -> Self {
        ErrorReply {
            status,
            message: message.into(),
            retry_after_secs: None,
            resets_at: None,
            openai_type: None,
            times: 1,
            until: None,
        }
    }
}

/// The ordered turns of one test, and where the mock is in them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Script {
    pub turns: Vec<Turn>,
    /// Text sent once the script is used up.
    #[serde(default = "exhausted_text")]
    pub exhausted_text: String,
    #[serde(skip)]
    position: usize,
    #[serde(skip)]
    repeats_used: u32,
}

fn exhausted_text() -> String {
    "(mock script exhausted)".into()
}

impl Script {
    pub fn new(turns: Vec<Turn>) -> Self {
        Script {
            turns,
            exhausted_text: exhausted_text(),
            position: 0,
            repeats_used: 0,
        }
    }

    /// The next turn to play.
    pub(crate) fn next_turn(&mut self) -> Turn {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        // Scheduled errors whose time has passed are skipped.
        while let Some(Turn::Error(ErrorReply {
            until: Some(until), ..
        })) = self.turns.get(self.position)
            && now >= *until
        {
            self.position += 1;
            self.repeats_used = 0;
        }
        let Some(turn) = self.turns.get(self.position).cloned() else {
            return Turn::text(self.exhausted_text.clone());
        };
        match &turn {
            Turn::Error(ErrorReply { until: Some(_), .. }) => {}
            Turn::Error(error) if self.repeats_used + 1 < error.times => self.repeats_used += 1,
            _ => {
                self.position += 1;
                self.repeats_used = 0;
            }
        }
        turn
    }

    /// Turns played so far.
    pub fn played(&self) -> usize {
        self.position
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn now() -> i64 {
        i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap()
    }

    #[test]
    fn a_scheduled_error_repeats_until_its_time_then_the_next_turn_plays() {
        let mut pending = Script::new(vec![
            Turn::rate_limited(60, None).until(now() + 3600),
            Turn::text("after"),
        ]);
        for _ in 0..5 {
            assert!(matches!(pending.next_turn(), Turn::Error(e) if e.status == 429));
        }
        let mut lifted = Script::new(vec![
            Turn::rate_limited(60, None).until(now() - 1),
            Turn::text("after"),
        ]);
        assert_eq!(lifted.next_turn(), Turn::text("after"));
        assert_eq!(lifted.played(), 2);
    }
}
