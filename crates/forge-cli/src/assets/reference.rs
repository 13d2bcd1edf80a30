//! The reference's JSON keys for sequences, printed next to ours by `forge seq ls|show --json`.
//!
//! The reference prints a sequence with Go's field names, PascalCase (`Name`, `Steps[].Type`,
//! `Variables[].Default`, `Source`), empty fields omitted, and `Source` holding the file path or
//! `builtin`. Scripts written for it keep working; Forge's snake_case keys stay alongside.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::model::{Sequence, Step, Variable};

fn put(out: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        out.insert(key.into(), json!(value));
    }
}

fn step(s: &Step) -> Value {
    let mut out = Map::new();
    out.insert("Type".into(), json!(s.kind));
    put(
        &mut out,
        "Content",
        s.content.as_deref().unwrap_or_default(),
    );
    put(
        &mut out,
        "Message",
        s.message.as_deref().unwrap_or_default(),
    );
    put(
        &mut out,
        "Duration",
        s.duration.as_deref().unwrap_or_default(),
    );
    Value::Object(out)
}

fn variable(v: &Variable) -> Value {
    let mut out = Map::new();
    out.insert("Name".into(), json!(v.name));
    put(&mut out, "Description", &v.description);
    put(
        &mut out,
        "Default",
        v.default.as_deref().unwrap_or_default(),
    );
    out.insert("Required".into(), json!(v.required));
    Value::Object(out)
}

/// `Name, Description?, Steps, Variables?, Tags?, Source` of one sequence (`path` is its file,
/// `None` for a built-in).
pub(crate) fn sequence_keys(seq: &Sequence, path: Option<&Path>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("Name".into(), json!(seq.name));
    put(&mut out, "Description", &seq.description);
    out.insert(
        "Steps".into(),
        Value::Array(seq.steps.iter().map(step).collect()),
    );
    if !seq.variables.is_empty() {
        out.insert(
            "Variables".into(),
            Value::Array(seq.variables.iter().map(variable).collect()),
        );
    }
    if !seq.tags.is_empty() {
        out.insert("Tags".into(), json!(seq.tags));
    }
    let source = path.map_or_else(|| "builtin".to_string(), |p| p.display().to_string());
    out.insert("Source".into(), json!(source));
    out
}
