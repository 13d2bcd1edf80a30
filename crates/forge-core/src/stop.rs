//! Smart-stop configuration and counters stored in loop metadata (`stop_config`, `stop_state`).

use serde::{Deserialize, Serialize};

/// Returns true when a value equals its default (for `skip_serializing_if`).
fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// Command-based stop rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuantStop {
    #[serde(default, skip_serializing_if = "is_default")]
    pub cmd: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub every_n: i64,
    #[serde(default, skip_serializing_if = "is_default")]
    pub when: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub decision: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exit_codes: Vec<i64>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub exit_invert: bool,
    #[serde(default, skip_serializing_if = "is_default")]
    pub stdout_mode: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub stderr_mode: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub stdout_regex: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub stderr_regex: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub timeout_seconds: i64,
}

/// The judge prompt of a qualitative stop.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QualPrompt {
    pub prompt: String,
    #[serde(default)]
    pub is_path: bool,
}

/// Judge-based stop rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QualStop {
    #[serde(default, skip_serializing_if = "is_default")]
    pub every_n: i64,
    #[serde(default)]
    pub prompt: QualPrompt,
    #[serde(default, skip_serializing_if = "is_default")]
    pub on_invalid: String,
}

/// Progress-aware stop: stop when the repository stops changing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StallStop {
    /// Consecutive unchanged main iterations before the nudge, and again before the stop.
    pub iterations: i64,
}

/// Stored `stop_config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quant: Option<QuantStop>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qual: Option<QualStop>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall: Option<StallStop>,
}

impl StopConfig {
    /// Whether any rule is configured.
    pub fn is_empty(&self) -> bool {
        self.quant.is_none() && self.qual.is_none() && self.stall.is_none()
    }
}

/// Stored `stop_state` (reset at every runner start).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopState {
    #[serde(default, skip_serializing_if = "is_default")]
    pub main_iteration_count: i64,
    #[serde(default, skip_serializing_if = "is_default")]
    pub qual_iteration_count: i64,
    #[serde(default, skip_serializing_if = "is_default")]
    pub qual_last_main_count: i64,
    /// Consecutive main iterations that left the repository unchanged.
    #[serde(default, skip_serializing_if = "is_default")]
    pub stall_unchanged: i64,
    /// Whether the corrective "no progress" message was sent.
    #[serde(default, skip_serializing_if = "is_default")]
    pub stall_nudged: bool,
}

/// When a quantitative check runs relative to the harness run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before the run (index = completed iterations + 1).
    Before,
    /// After the run (index = completed iterations).
    After,
}

/// Valid values of `--quantitative-stop-when`.
pub const WHEN_VALUES: &[&str] = &["before", "after", "both"];
/// Valid values of `--quantitative-stop-decision`.
pub const DECISION_VALUES: &[&str] = &["stop", "continue"];
/// Valid values of `--quantitative-stop-stdout` / `-stderr`.
pub const STREAM_MODE_VALUES: &[&str] = &["any", "empty", "nonempty"];
/// Valid values of `--qualitative-stop-on-invalid`.
pub const ON_INVALID_VALUES: &[&str] = &["stop", "continue"];

/// Checks a lower-cased enum flag value; the error names the flag and the valid values.
pub fn check_enum(flag: &str, value: &str, valid: &[&str]) -> Result<String, String> {
    let lower = value.trim().to_lowercase();
    if valid.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(format!(
            "invalid {flag} {value:?} (valid: {})",
            valid.join("|")
        ))
    }
}

fn stream_matches(mode: &str, text: &str) -> bool {
    match mode {
        "empty" => text.trim().is_empty(),
        "nonempty" => !text.trim().is_empty(),
        _ => true,
    }
}

impl QuantStop {
    /// Whether the check is due for iteration `index` in `phase`.
    pub fn due(&self, index: i64, phase: Phase) -> bool {
        if self.every_n <= 0 || index <= 0 || index % self.every_n != 0 {
            return false;
        }
        match (self.when.as_str(), phase) {
            ("after", Phase::After) | ("both", _) => true,
            ("after", Phase::Before) => false,
            (_, Phase::Before) => true,
            (_, Phase::After) => false,
        }
    }

    /// `Ok(())` when every configured criterion matches, else the first failing criterion.
    pub fn evaluate(&self, exit_code: i64, stdout: &str, stderr: &str) -> Result<(), String> {
        let no_criteria = self.exit_codes.is_empty()
            && matches!(self.stdout_mode.as_str(), "" | "any")
            && matches!(self.stderr_mode.as_str(), "" | "any")
            && self.stdout_regex.is_empty()
            && self.stderr_regex.is_empty();
        if no_criteria {
            return Err("no match criteria configured".into());
        }
        if !self.exit_codes.is_empty() && self.exit_codes.contains(&exit_code) == self.exit_invert {
            return Err(format!("exit_code={exit_code} not matched"));
        }
        if !stream_matches(&self.stdout_mode, stdout) {
            return Err(format!("stdout_mode={} not matched", self.stdout_mode));
        }
        if !stream_matches(&self.stderr_mode, stderr) {
            return Err(format!("stderr_mode={} not matched", self.stderr_mode));
        }
        for (name, pattern, text) in [
            ("stdout_regex", &self.stdout_regex, stdout),
            ("stderr_regex", &self.stderr_regex, stderr),
        ] {
            if pattern.is_empty() {
                continue;
            }
            match regex::Regex::new(pattern) {
                Ok(re) if re.is_match(text) => {}
                Ok(_) => return Err(format!("{name} not matched")),
                Err(e) => return Err(format!("invalid {name}: {e}")),
            }
        }
        Ok(())
    }

    /// Whether a match stops the loop (`decision` other than `continue`).
    pub fn stops(&self) -> bool {
        self.decision != "continue"
    }
}

impl QualStop {
    /// Whether a judge iteration is due now (at most one per milestone of main iterations).
    pub fn due(&self, state: &StopState) -> bool {
        self.every_n > 0
            && state.main_iteration_count > 0
            && state.main_iteration_count % self.every_n == 0
            && state.qual_last_main_count != state.main_iteration_count
    }

    /// Whether an unreadable verdict stops the loop.
    pub fn stop_on_invalid(&self) -> bool {
        self.on_invalid == "stop"
    }
}

/// A judge's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// `0`: the work is done, stop.
    Stop,
    /// `1`: keep going.
    Continue,
    /// Anything else.
    Invalid,
}

/// Reads the verdict from the first whitespace-separated token of the judge's answer.
pub fn parse_verdict(answer: &str) -> Verdict {
    match answer.split_whitespace().next() {
        Some("0") => Verdict::Stop,
        Some("1") => Verdict::Continue,
        _ => Verdict::Invalid,
    }
}

/// Appended to every judge prompt so the answer is machine-readable.
pub const JUDGE_INSTRUCTION: &str = "## Verdict format\n\nYou are judging whether this loop should stop. \
Do not change any files. Answer with exactly one character and nothing else: `0` if the work is done \
and the loop should stop, `1` if the loop should continue.";

/// The corrective message sent once when the repository has not changed for `n` iterations.
pub fn stall_nudge(n: i64) -> String {
    format!(
        "no progress in {n} iterations: the repository has no new commit and the same working-tree \
         diff as {n} iterations ago. Re-read the task, pick one concrete next step, make and commit \
         the change; if you are blocked, say what blocks you in your final answer."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quant(when: &str) -> QuantStop {
        QuantStop {
            cmd: "true".into(),
            every_n: 2,
            when: when.into(),
            exit_codes: vec![0],
            ..Default::default()
        }
    }

    #[test]
    fn quant_due_by_phase_and_every() {
        assert!(quant("before").due(2, Phase::Before));
        assert!(!quant("before").due(2, Phase::After));
        assert!(!quant("before").due(3, Phase::Before));
        assert!(quant("after").due(4, Phase::After) && !quant("after").due(4, Phase::Before));
        assert!(quant("both").due(2, Phase::Before) && quant("both").due(2, Phase::After));
        assert!(quant("").due(2, Phase::Before), "unset when means before");
        assert!(!quant("before").due(0, Phase::Before));
    }

    #[test]
    fn quant_criteria_are_and_ed_in_order() {
        let mut q = quant("before");
        assert_eq!(q.evaluate(0, "", ""), Ok(()));
        assert_eq!(q.evaluate(1, "", ""), Err("exit_code=1 not matched".into()));
        q.exit_invert = true;
        assert_eq!(q.evaluate(1, "", ""), Ok(()));
        q.exit_invert = false;
        q.stdout_mode = "nonempty".into();
        assert_eq!(
            q.evaluate(0, "  \n", ""),
            Err("stdout_mode=nonempty not matched".into())
        );
        q.stdout_regex = "^DONE$".into();
        assert_eq!(
            q.evaluate(0, "x\nDONE", ""),
            Err("stdout_regex not matched".into())
        );
        q.stdout_regex = "(?m)^DONE$".into();
        assert_eq!(q.evaluate(0, "x\nDONE", ""), Ok(()));
        q.stderr_regex = "(".into();
        assert!(
            q.evaluate(0, "DONE", "")
                .unwrap_err()
                .starts_with("invalid stderr_regex")
        );
        let none = QuantStop {
            cmd: "x".into(),
            every_n: 1,
            ..Default::default()
        };
        assert_eq!(
            none.evaluate(0, "", ""),
            Err("no match criteria configured".into())
        );
    }

    #[test]
    fn qual_due_once_per_milestone_and_verdicts() {
        let q = QualStop {
            every_n: 2,
            ..Default::default()
        };
        let mut st = StopState {
            main_iteration_count: 2,
            ..Default::default()
        };
        assert!(q.due(&st));
        st.qual_last_main_count = 2;
        assert!(!q.due(&st));
        st.main_iteration_count = 3;
        assert!(!q.due(&st));
        assert_eq!(parse_verdict(" 0\n"), Verdict::Stop);
        assert_eq!(parse_verdict("1 because"), Verdict::Continue);
        assert_eq!(parse_verdict("maybe"), Verdict::Invalid);
        assert_eq!(parse_verdict(""), Verdict::Invalid);
        assert_eq!(
            check_enum("--quantitative-stop-when", "AFTER", WHEN_VALUES),
            Ok("after".into())
        );
        assert_eq!(
            check_enum("--quantitative-stop-when", "later", WHEN_VALUES),
            Err("invalid --quantitative-stop-when \"later\" (valid: before|after|both)".into())
        );
    }
}

/// Per-loop guards (stored in loop metadata `guards`): run and idle timeouts, spend budgets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Guards {
    /// Kill a run after this many seconds (0 = no limit).
    #[serde(default, skip_serializing_if = "is_default")]
    pub run_timeout_seconds: i64,
    /// Kill a run that printed nothing for this many seconds (0 = no limit).
    #[serde(default, skip_serializing_if = "is_default")]
    pub idle_timeout_seconds: i64,
    /// Stop the loop once its runs cost this much in USD (0 = no limit).
    #[serde(default, skip_serializing_if = "is_default")]
    pub max_cost_usd: f64,
    /// Stop the loop once its runs used this many tokens, cache included (0 = no limit).
    #[serde(default, skip_serializing_if = "is_default")]
    pub max_tokens: i64,
}

impl Guards {
    /// Whether any guard is set.
    pub fn is_empty(&self) -> bool {
        *self == Guards::default()
    }

    /// The stop reason once spending reaches a budget.
    pub fn budget_reason(&self, cost_usd: f64, tokens: i64) -> Option<String> {
        if self.max_cost_usd > 0.0 && cost_usd >= self.max_cost_usd {
            return Some(format!(
                "max cost reached (${cost_usd:.4} of ${:.4})",
                self.max_cost_usd
            ));
        }
        if self.max_tokens > 0 && tokens >= self.max_tokens {
            return Some(format!(
                "max tokens reached ({tokens} of {})",
                self.max_tokens
            ));
        }
        None
    }
}
