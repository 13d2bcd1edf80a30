//! The new-loop wizard: three steps of `forge up` fields and a review. Each step is checked
//! before the next opens (the same rules as `up`'s flags); the review asks the operations to
//! validate the whole spec against the store, and Enter creates the loops.

use crate::ops::LoopSpec;
use crate::state::WizardDefaults;

/// The fields, in order; `STEPS` says which belong to which step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    NamePrefix,
    Count,
    Pool,
    Profile,
    Prompt,
    PromptMsg,
    Interval,
    MaxRuntime,
    MaxIterations,
    Tags,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::NamePrefix => "name_prefix",
            Field::Count => "count",
            Field::Pool => "pool",
            Field::Profile => "profile",
            Field::Prompt => "prompt",
            Field::PromptMsg => "prompt_msg",
            Field::Interval => "interval",
            Field::MaxRuntime => "max_runtime",
            Field::MaxIterations => "max_iterations",
            Field::Tags => "tags",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Field::Name => "loop name (only with count 1; empty: a random name)",
            Field::NamePrefix => "names <prefix>-1, <prefix>-2, ...",
            Field::Count => "how many loops (a positive integer)",
            Field::Pool => "pool to rotate profiles from (empty: the default pool)",
            Field::Profile => "pin one profile (instead of a pool)",
            Field::Prompt => "prompt file or .forge/prompts name (empty: PROMPT.md)",
            Field::PromptMsg => "inline prompt text",
            Field::Interval => "sleep between runs, e.g. 30s, 5m, 0",
            Field::MaxRuntime => "stop after this long, e.g. 2h (empty: no limit)",
            Field::MaxIterations => "stop after N runs (0: no limit)",
            Field::Tags => "comma-separated tags",
        }
    }
}

/// Fields of each input step.
pub const STEPS: [&[Field]; 3] = [
    &[Field::Name, Field::NamePrefix, Field::Count],
    &[Field::Pool, Field::Profile],
    &[
        Field::Prompt,
        Field::PromptMsg,
        Field::Interval,
        Field::MaxRuntime,
        Field::MaxIterations,
        Field::Tags,
    ],
];

/// The review step's index.
pub const REVIEW: usize = STEPS.len();

/// What the store-side check of the spec said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Pending,
    Passed(String),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wizard {
    pub step: usize,
    /// Focused field within the step.
    pub focus: usize,
    values: Vec<(Field, String)>,
    /// The last validation error of the current step.
    pub error: Option<String>,
    /// The operations' verdict on the review step.
    pub check: Option<Check>,
}

impl Wizard {
    pub fn new(defaults: &WizardDefaults) -> Self {
        let values = STEPS
            .iter()
            .flat_map(|s| s.iter())
            .map(|f| {
                let v = match f {
                    Field::Count => "1".to_string(),
                    Field::Interval => defaults.interval.clone(),
                    Field::Prompt => defaults.prompt.clone(),
                    Field::PromptMsg => defaults.prompt_msg.clone(),
                    Field::MaxIterations => "0".to_string(),
                    _ => String::new(),
                };
                (*f, v)
            })
            .collect();
        Self {
            step: 0,
            focus: 0,
            values,
            error: None,
            check: None,
        }
    }

    pub fn value(&self, field: Field) -> &str {
        self.values
            .iter()
            .find(|(f, _)| *f == field)
            .map_or("", |(_, v)| v.as_str())
    }

    fn value_mut(&mut self, field: Field) -> Option<&mut String> {
        self.values
            .iter_mut()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v)
    }

    /// The fields of the current step (empty on review).
    pub fn fields(&self) -> &'static [Field] {
        STEPS.get(self.step).copied().unwrap_or(&[])
    }

    pub fn focused(&self) -> Option<Field> {
        self.fields().get(self.focus).copied()
    }

    pub fn type_char(&mut self, c: char) {
        if let Some(field) = self.focused()
            && let Some(v) = self.value_mut(field)
        {
            v.push(c);
            self.error = None;
        }
    }

    pub fn backspace(&mut self) {
        if let Some(field) = self.focused()
            && let Some(v) = self.value_mut(field)
        {
            v.pop();
        }
    }

    pub fn move_focus(&mut self, by: isize) {
        let n = self.fields().len() as isize;
        if n > 0 {
            self.focus = (self.focus as isize + by).rem_euclid(n) as usize;
        }
    }

    /// Checks the current step; on success moves to the next one. Returns true when the review
    /// step was just entered (the caller then asks for the store-side check).
    pub fn advance(&mut self) -> bool {
        if let Err(e) = self.check_step(self.step) {
            self.error = Some(e);
            return false;
        }
        self.error = None;
        if self.step < REVIEW {
            self.step += 1;
            self.focus = 0;
            if self.step == REVIEW {
                self.check = Some(Check::Pending);
                return true;
            }
        }
        false
    }

    pub fn back(&mut self) {
        if self.step > 0 {
            self.step -= 1;
            self.focus = 0;
            self.error = None;
            self.check = None;
        }
    }

    fn count(&self) -> Result<i64, String> {
        let text = self.value(Field::Count).trim();
        match text.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!("count must be a positive integer (got \"{text}\")")),
        }
    }

    fn max_iterations(&self) -> Result<i64, String> {
        let text = self.value(Field::MaxIterations).trim();
        if text.is_empty() {
            return Ok(0);
        }
        match text.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(n),
            _ => Err(format!("max_iterations must be 0 or more (got \"{text}\")")),
        }
    }

    /// The rules of `forge up`'s flags that need no store.
    fn check_step(&self, step: usize) -> Result<(), String> {
        let filled = |f: Field| !self.value(f).trim().is_empty();
        match step {
            0 => {
                let count = self.count()?;
                if filled(Field::Name) && count != 1 {
                    return Err("a name requires count = 1 (use name_prefix for several)".into());
                }
                if filled(Field::Name) && filled(Field::NamePrefix) {
                    return Err("use either name or name_prefix, not both".into());
                }
                Ok(())
            }
            1 if filled(Field::Pool) && filled(Field::Profile) => {
                Err("use either pool or profile, not both".into())
            }
            2 => self.max_iterations().map(|_| ()),
            _ => Ok(()),
        }
    }

    /// The answers as a spec (call after every step passed).
    pub fn spec(&self) -> LoopSpec {
        let text = |f: Field| self.value(f).trim().to_string();
        LoopSpec {
            name: text(Field::Name),
            name_prefix: text(Field::NamePrefix),
            count: self.count().unwrap_or(1),
            pool: text(Field::Pool),
            profile: text(Field::Profile),
            prompt: text(Field::Prompt),
            prompt_msg: text(Field::PromptMsg),
            interval: text(Field::Interval),
            max_runtime: text(Field::MaxRuntime),
            max_iterations: self.max_iterations().unwrap_or(0),
            tags: self
                .value(Field::Tags)
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(w: &mut Wizard, text: &str) {
        for c in text.chars() {
            w.type_char(c);
        }
    }

    #[test]
    fn steps_check_the_up_rules() {
        let mut w = Wizard::new(&WizardDefaults::default());
        typed(&mut w, "solo");
        w.move_focus(2);
        w.backspace();
        typed(&mut w, "3");
        assert!(!w.advance());
        assert_eq!(
            w.error.as_deref(),
            Some("a name requires count = 1 (use name_prefix for several)")
        );
        w.backspace();
        typed(&mut w, "x");
        w.advance();
        assert_eq!(
            w.error.as_deref(),
            Some("count must be a positive integer (got \"x\")")
        );
        w.backspace();
        typed(&mut w, "1");
        assert!(!w.advance());
        assert_eq!(w.step, 1);
        typed(&mut w, "main");
        w.move_focus(1);
        typed(&mut w, "cc");
        w.advance();
        assert_eq!(
            w.error.as_deref(),
            Some("use either pool or profile, not both")
        );
        w.backspace();
        w.backspace();
        w.advance();
        assert!(w.advance(), "entering review asks for the store check");
        assert_eq!(w.step, REVIEW);
        let spec = w.spec();
        assert_eq!(
            (spec.name.as_str(), spec.count, spec.pool.as_str()),
            ("solo", 1, "main")
        );
    }
}
