//! Smart-stop rules, their counters, and the per-loop guards, as typed values.

use serde::{Deserialize, Serialize};

use crate::model::string_enum;

string_enum!(
    /// When the quantitative check runs relative to the harness run.
    #[derive(Default)]
    QuantWhen {
        #[default]
        Before => "before",
        After => "after",
        Both => "both",
    }
);

string_enum!(
    /// What a matching quantitative check does.
    #[derive(Default)]
    QuantDecision {
        #[default]
        Stop => "stop",
        Continue => "continue",
    }
);

string_enum!(
    /// What a check's output stream must be.
    #[derive(Default)]
    StreamMode {
        #[default]
        Any => "any",
        Empty => "empty",
        Nonempty => "nonempty",
    }
);

string_enum!(
    /// What an unreadable judge verdict does.
    #[derive(Default)]
    OnInvalid {
        Stop => "stop",
        #[default]
        Continue => "continue",
    }
);

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
    #[serde(default)]
    pub when: QuantWhen,
    #[serde(default)]
    pub decision: QuantDecision,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exit_codes: Vec<i64>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub exit_invert: bool,
    #[serde(default)]
    pub stdout_mode: StreamMode,
    #[serde(default)]
    pub stderr_mode: StreamMode,
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
    #[serde(default)]
    pub on_invalid: OnInvalid,
}

/// Progress-aware stop: stop when the repository stops changing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StallStop {
    /// Consecutive unchanged main iterations before the nudge, and again before the stop.
    pub iterations: i64,
}

/// A loop's stop rules.
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

/// A loop's smart-stop counters (reset at every runner start).
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

impl StopState {
    /// Whether every counter is zero.
    pub fn is_empty(&self) -> bool {
        *self == StopState::default()
    }
}

/// When a quantitative check runs relative to the harness run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before the run (index = completed iterations + 1).
    Before,
    /// After the run (index = completed iterations).
    After,
}

/// Parses a flag value (case-insensitive) into one of `T`'s values; the error names the flag
/// and the valid values.
pub fn parse_flag<T: Copy + std::fmt::Display + PartialEq>(
    flag: &str,
    value: &str,
    valid: &[T],
) -> Result<T, String> {
    let lower = value.trim().to_lowercase();
    valid
        .iter()
        .copied()
        .find(|v| v.to_string() == lower)
        .ok_or_else(|| {
            let names: Vec<String> = valid.iter().map(ToString::to_string).collect();
            format!("invalid {flag} {value:?} (valid: {})", names.join("|"))
        })
}

fn stream_matches(mode: StreamMode, text: &str) -> bool {
    match mode {
        StreamMode::Empty => text.trim().is_empty(),
        StreamMode::Nonempty => !text.trim().is_empty(),
        StreamMode::Any => true,
    }
}

impl QuantStop {
    /// Whether the check is due for iteration `index` in `phase`.
    pub fn due(&self, index: i64, phase: Phase) -> bool {
        if self.every_n <= 0 || index <= 0 || index % self.every_n != 0 {
            return false;
        }
        match (self.when, phase) {
            (QuantWhen::Both, _)
            | (QuantWhen::Before, Phase::Before)
            | (QuantWhen::After, Phase::After) => true,
            (QuantWhen::Before, Phase::After) | (QuantWhen::After, Phase::Before) => false,
        }
    }

    /// `Ok(())` when every configured criterion matches, else the first failing criterion.
    pub fn evaluate(&self, exit_code: i64, stdout: &str, stderr: &str) -> Result<(), String> {
        let no_criteria = self.exit_codes.is_empty()
            && self.stdout_mode == StreamMode::Any
            && self.stderr_mode == StreamMode::Any
            && self.stdout_regex.is_empty()
            && self.stderr_regex.is_empty();
        if no_criteria {
            return Err("no match criteria configured".into());
        }
        if !self.exit_codes.is_empty() && self.exit_codes.contains(&exit_code) == self.exit_invert {
            return Err(format!("exit_code={exit_code} not matched"));
        }
        if !stream_matches(self.stdout_mode, stdout) {
            return Err(format!("stdout_mode={} not matched", self.stdout_mode));
        }
        if !stream_matches(self.stderr_mode, stderr) {
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
        self.decision == QuantDecision::Stop
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
        self.on_invalid == OnInvalid::Stop
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
            when: if when.is_empty() {
                QuantWhen::Before
            } else {
                when.parse().unwrap()
            },
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
        q.stdout_mode = StreamMode::Nonempty;
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
            parse_flag("--quantitative-stop-when", "AFTER", QuantWhen::ALL),
            Ok(QuantWhen::After)
        );
        assert_eq!(
            parse_flag("--quantitative-stop-when", "later", QuantWhen::ALL),
            Err("invalid --quantitative-stop-when \"later\" (valid: before|after|both)".into())
        );
    }
}

/// Per-loop guards: run and idle timeouts, spend budgets.
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
