//! The YAML shapes of templates and sequences, their built-ins and their skeletons.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A variable a template or sequence declares.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub(crate) struct Variable {
    #[serde(default, deserialize_with = "scalar")]
    pub(crate) name: String,
    #[serde(default, deserialize_with = "scalar")]
    pub(crate) description: String,
    #[serde(
        default,
        deserialize_with = "opt_scalar",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) default: Option<String>,
    #[serde(default)]
    pub(crate) required: bool,
}

/// A message template (`<dir>/templates/<name>.yaml`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub(crate) struct Template {
    #[serde(default, deserialize_with = "scalar")]
    pub(crate) name: String,
    #[serde(default, deserialize_with = "scalar")]
    pub(crate) description: String,
    #[serde(default, deserialize_with = "scalar")]
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) variables: Vec<Variable>,
    #[serde(default)]
    pub(crate) tags: Vec<String>,
}

/// One step of a sequence: `message` (text in `content` or `message`) or `pause` (`duration`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub(crate) struct Step {
    #[serde(rename = "type", default, deserialize_with = "scalar")]
    pub(crate) kind: String,
    #[serde(
        default,
        deserialize_with = "opt_scalar",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) content: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_scalar",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) message: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_scalar",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) duration: Option<String>,
}

impl Step {
    /// The text of a message step.
    pub(crate) fn text(&self) -> &str {
        self.content
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .or(self.message.as_deref())
            .unwrap_or_default()
    }
}

/// A multi-step sequence (`<dir>/sequences/<name>.yaml`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub(crate) struct Sequence {
    #[serde(default, deserialize_with = "scalar")]
    pub(crate) name: String,
    #[serde(default, deserialize_with = "scalar")]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) steps: Vec<Step>,
    #[serde(default)]
    pub(crate) variables: Vec<Variable>,
    #[serde(default)]
    pub(crate) tags: Vec<String>,
}

fn to_text(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// Accepts any YAML scalar as a string (`default: 5` is "5").
fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(to_text(Value::deserialize(d)?).unwrap_or_default())
}

fn opt_scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(to_text(Value::deserialize(d)?))
}

/// Built-in templates: (name, YAML).
pub(crate) const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    (
        "commit",
        r#"name: commit
description: Commit the finished work with a clear message
tags: [git]
variables:
  - name: scope
    description: What to commit
    default: the changes for the current task
message: |
  Commit {{ .scope }} now. Run the tests first; if they fail, fix them before committing.
  Write a commit message whose first line says what changed and why, in under 72 characters.
  Do not commit unrelated files.
"#,
    ),
    (
        "continue",
        r#"name: continue
description: Keep going with the current task
tags: [flow]
variables:
  - name: focus
    description: Optional area to focus on
message: |
  Continue with the current task from where you left off.{{if .focus}} Focus on {{ .focus }}.{{end}}
  Check `forge work current` and `forge mem ls` for the state you recorded earlier.
"#,
    ),
    (
        "explain",
        r#"name: explain
description: Ask the agent to explain a part of the code
tags: [docs]
variables:
  - name: topic
    description: The file, function or behaviour to explain
    required: true
message: |
  Explain {{ .topic }}: what it does, why it is built this way, and what can go wrong.
  Do not change any code in this iteration.
"#,
    ),
    (
        "review",
        r#"name: review
description: Review recent changes before going on
tags: [review]
variables:
  - name: target
    description: What to review
    default: the changes since the last commit
message: |
  Review {{ .target }} as a strict senior reviewer: correctness, error handling, tests, naming.
  Fix every real problem you find, then summarise what you changed.
"#,
    ),
    (
        "test",
        r#"name: test
description: Write or fix tests
tags: [tests]
variables:
  - name: target
    description: The code to test
    default: the code you changed last
message: |
  Write tests for {{ .target }} that would fail if the behaviour broke. Run the whole test
  suite and fix any failure before you continue.
"#,
    ),
];

/// Built-in sequences: (name, YAML).
pub(crate) const BUILTIN_SEQUENCES: &[(&str, &str)] = &[
    (
        "review-and-commit",
        r#"name: review-and-commit
description: Review the last changes, fix what is wrong, then commit
tags: [review, git]
variables:
  - name: target
    description: What to review
    default: the changes since the last commit
steps:
  - type: message
    content: |
      Review {{ .target }} strictly: correctness, error handling, tests. Fix every real problem.
  - type: message
    content: |
      Run the full test suite, then commit with a clear message. Do not commit unrelated files.
"#,
    ),
    (
        "cooldown",
        r#"name: cooldown
description: Pause the loop for a while, then continue with a reminder
tags: [flow]
variables:
  - name: duration
    description: How long to pause (e.g. 10m, 1h)
    default: 10m
steps:
  - type: pause
    duration: "{{ .duration }}"
  - type: message
    content: |
      You were paused for {{ .duration }}. Re-read `forge work current` and `forge mem ls`, then continue.
"#,
    ),
];

/// The YAML written by `forge template add <name>`.
pub(crate) fn template_skeleton(name: &str) -> String {
    format!(
        "name: {name}\ndescription: What this template is for\ntags: []\nvariables:\n  - name: target\n    description: What the message is about\n    default: the current task\n    required: false\nmessage: |\n  Work on {{{{ .target }}}}.\n"
    )
}

/// The YAML written by `forge seq add <name>`.
pub(crate) fn sequence_skeleton(name: &str) -> String {
    format!(
        "name: {name}\ndescription: What this sequence is for\ntags: []\nvariables: []\nsteps:\n  - type: message\n    content: |\n      First message.\n  - type: pause\n    duration: 5m\n  - type: message\n    content: |\n      Second message.\n"
    )
}
