//! JSON compatibility with the reference (`tOgg1/forge`): for every command of the reference's
//! surface that prints JSON, run Forge hermetically and assert that each key path the reference
//! prints is there, with the reference's JSON type.
//!
//! The expected shapes live in `fixtures/json/<command>.txt`, written from the reference's golden
//! files (`crates/forge-cli/tests/golden/`, `crates/fmail-cli/tests/golden/`) and documented
//! outputs. One line per key path:
//!
//! ```text
//! .[].runner_pid_alive   boolean      every matched value has the key, of this type
//! .alerts.items          array
//! .[].description        string?      optional: the reference omits it when empty, so it must
//!                                     appear on at least one matched value, typed as given
//! .current               null|object  alternatives
//! ```
//!
//! A path is `.` (the document), then `.key` and `[]` (every element) segments. An empty array
//! on the way fails the check: an element shape that is never seen proves nothing.

mod assets;
mod fmail;
mod loops;
mod profiles;
mod readme;

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;

/// One segment of a key path.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Key(String),
    Each,
}

/// One fixture line.
#[derive(Debug)]
struct Expectation {
    path: String,
    segments: Vec<Segment>,
    types: Vec<String>,
    optional: bool,
}

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli/fixtures/json")
        .join(format!("{name}.txt"))
}

fn parse_path(path: &str) -> Vec<Segment> {
    let rest = path
        .strip_prefix('.')
        .unwrap_or_else(|| panic!("key path {path:?} must start with '.'"));
    let mut segments = Vec::new();
    let mut rest = rest;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[]") {
            segments.push(Segment::Each);
            rest = after.strip_prefix('.').unwrap_or(after);
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        assert!(end > 0, "bad key path {path:?}");
        segments.push(Segment::Key(rest[..end].to_string()));
        rest = &rest[end..];
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    segments
}

fn load(name: &str) -> Vec<Expectation> {
    let path = fixture_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read fixture {}: {e}", path.display()));
    let expectations: Vec<Expectation> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace();
            let path = words.next().unwrap_or_default().to_string();
            let ty = words
                .next()
                .unwrap_or_else(|| panic!("{name}: no type on line {line:?}"));
            let optional = ty.ends_with('?');
            let types: Vec<String> = ty
                .trim_end_matches('?')
                .split('|')
                .map(String::from)
                .collect();
            for t in &types {
                assert!(
                    ["string", "number", "boolean", "object", "array", "null"]
                        .contains(&t.as_str()),
                    "{name}: unknown type {t:?} on line {line:?}"
                );
            }
            Expectation {
                segments: parse_path(&path),
                path,
                types,
                optional,
            }
        })
        .collect();
    assert!(
        !expectations.is_empty(),
        "fixture {name} lists no key paths"
    );
    expectations
}

/// A concrete path for messages: `.`, `.[0].id`, `.alerts.items[1]`.
fn shown(at: &str) -> String {
    if at.starts_with('.') {
        at.to_string()
    } else {
        format!(".{at}")
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The values a path reaches, with their concrete paths; problems on the way go to `errors`.
/// A missing key is an error unless `optional`, in which case that branch is dropped.
fn walk<'a>(
    root: &'a Value,
    e: &Expectation,
    errors: &mut Vec<String>,
) -> Vec<(String, &'a Value)> {
    let mut current = vec![(String::new(), root)];
    for seg in &e.segments {
        let mut next = Vec::new();
        for (at, v) in current {
            match seg {
                Segment::Key(k) => match v.get(k) {
                    Some(child) if v.is_object() => next.push((format!("{at}.{k}"), child)),
                    _ if e.optional && v.is_object() => {}
                    _ if v.is_object() => {
                        errors.push(format!("{}: key {k:?} missing at {}", e.path, shown(&at)))
                    }
                    _ => errors.push(format!(
                        "{}: {} is {}, not an object",
                        e.path,
                        shown(&at),
                        type_name(v)
                    )),
                },
                Segment::Each => match v.as_array() {
                    Some(items) if items.is_empty() => errors.push(format!(
                        "{}: {} is an empty array, so its elements cannot be checked (the scenario must fill it)",
                        e.path,
                        shown(&at)
                    )),
                    Some(items) => next.extend(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, item)| (format!("{at}[{i}]"), item)),
                    ),
                    None => errors.push(format!(
                        "{}: {} is {}, not an array",
                        e.path,
                        shown(&at),
                        type_name(v)
                    )),
                },
            }
        }
        current = next;
    }
    current
}

/// Checks `value` against the fixture `name`; returns one message per violation.
pub(crate) fn violations(value: &Value, name: &str) -> Vec<String> {
    let mut errors = Vec::new();
    for e in load(name) {
        let reached = walk(value, &e, &mut errors);
        if e.optional && reached.is_empty() {
            errors.push(format!(
                "{}: optional key never present (the scenario must produce it once)",
                e.path
            ));
        }
        for (at, v) in reached {
            let actual = type_name(v);
            if !e.types.iter().any(|t| t == actual) {
                errors.push(format!(
                    "{}: {} is {actual}, expected {}",
                    e.path,
                    shown(&at),
                    e.types.join("|")
                ));
            }
        }
    }
    errors
}

/// Asserts that `value` has every key path of fixture `name`, with its type.
#[track_caller]
pub(crate) fn assert_shape(value: &Value, name: &str) {
    let errors = violations(value, name);
    if errors.is_empty() {
        return;
    }
    let mut msg = format!("JSON does not match the reference shape {name}:\n");
    for e in &errors {
        let _ = writeln!(msg, "  - {e}");
    }
    let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
    let _ = write!(msg, "actual:\n{pretty}");
    panic!("{msg}");
}

/// Parses JSON Lines output into an array of its lines, to check with a list fixture.
pub(crate) fn lines_as_array(stdout: &str) -> Value {
    Value::Array(
        stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("line is not JSON ({e}): {l}"))
            })
            .collect(),
    )
}

/// The one object of a `--jsonl` output that is a single object.
pub(crate) fn single_line(stdout: &str) -> Value {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "expected one JSON line, got:\n{stdout}");
    serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("not JSON ({e}): {}", lines[0]))
}

#[test]
fn the_checker_reports_missing_keys_wrong_types_and_empty_arrays() {
    // The helper itself must be able to fail.
    let good = serde_json::json!([{"id": "a", "runs": 1, "tags": ["x"], "last_run": "t"}]);
    assert_eq!(violations(&good, "selftest"), Vec::<String>::new());
    let bad = serde_json::json!([{"id": 1, "tags": []}]);
    assert_eq!(
        violations(&bad, "selftest"),
        [
            ".[].id: .[0].id is number, expected string",
            ".[].runs: key \"runs\" missing at .[0]",
            ".[].tags[]: .[0].tags is an empty array, so its elements cannot be checked (the scenario must fill it)",
            ".[].last_run: optional key never present (the scenario must produce it once)",
        ]
    );
    assert_eq!(
        violations(&serde_json::json!({}), "selftest"),
        [
            ".: . is object, expected array",
            ".[]: . is object, not an array",
            ".[].id: . is object, not an array",
            ".[].runs: . is object, not an array",
            ".[].tags[]: . is object, not an array",
            ".[].last_run: . is object, not an array",
            ".[].last_run: optional key never present (the scenario must produce it once)",
        ]
    );
}
