//! Redaction of secrets: known shapes in text that ends up in committed ledgers, and every
//! string of an event payload (what `forge events` prints and hooks receive).

use std::sync::LazyLock;

use regex::bytes::Regex;
use serde_json::Value;

/// Replacement text for a redacted secret.
pub const REDACTED: &str = "[REDACTED]";

/// Compiles a pattern over bytes with ASCII classes (`(?-u)`): every shape below is ASCII, and a
/// Unicode-aware `\b`, `\s` or `(?i)` would triple the memory each compiled pattern holds for
/// the life of the process (about 400 KiB of every runner's heap) and run several times slower.
fn ascii(pattern: &str) -> Option<Regex> {
    Regex::new(&format!("(?-u){pattern}")).ok()
}

static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // PEM private keys (whole block).
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
        // Provider API keys.
        r"\bsk-ant-[A-Za-z0-9_\-]{16,}",
        r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_\-]{20,}",
        r"\bgh[pousr]_[A-Za-z0-9]{30,}",
        r"\bgithub_pat_[A-Za-z0-9_]{30,}",
        r"\bxox[abpors]-[A-Za-z0-9\-]{10,}",
        r"\bAKIA[0-9A-Z]{16}\b",
        r"\bAIza[0-9A-Za-z_\-]{35}\b",
        r"\bglpat-[A-Za-z0-9_\-]{20,}",
        // JSON web tokens.
        r"\beyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}",
    ]
    .iter()
    .filter_map(|p| ascii(p))
    .collect()
});

static BEARER: LazyLock<Option<Regex>> =
    LazyLock::new(|| ascii(r"(?i)\b(bearer|token)\s+[A-Za-z0-9_\-\.=]{16,}"));

static ASSIGNMENT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    ascii(
        r#"(?i)\b([A-Z0-9_]*(?:API_KEY|SECRET|TOKEN|PASSWORD|PASSWD)[A-Z0-9_]*)(\s*[=:]\s*)["']?[^\s"']{8,}["']?"#,
    )
});

/// The shortest text any pattern can match (the API-key shapes need 16+ characters).
const SHORTEST_SECRET: usize = 16;

/// Replaces every secret of a known shape in `text` with `[REDACTED]`.
pub fn redact_secrets(text: &str) -> String {
    if text.len() < SHORTEST_SECRET {
        return text.to_string();
    }
    let mut out: Vec<u8> = text.as_bytes().to_vec();
    let mut replace = |re: &Regex, with: &str| {
        if re.is_match(&out) {
            out = re.replace_all(&out, with.as_bytes()).into_owned();
        }
    };
    for re in PATTERNS.iter() {
        replace(re, REDACTED);
    }
    if let Some(re) = BEARER.as_ref() {
        replace(re, &format!("$1 {REDACTED}"));
    }
    if let Some(re) = ASSIGNMENT.as_ref() {
        replace(re, &format!("$1$2{REDACTED}"));
    }
    // Every match starts and ends at an ASCII byte, so the text stays UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Known secret values (profile environment values) shorter than this are not redacted: a value
/// such as `1` or `true` would otherwise blank out every number and flag.
pub const MIN_KNOWN_SECRET: usize = 8;

/// Whether an object key names a secret (`api_key`, `Authorization`, `x-auth-token`, ...).
fn secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase().replace('-', "_");
    key.contains("api_key")
        || key.contains("apikey")
        || key.contains("private_key")
        || key.split(['_', '-', '.']).any(|w| {
            matches!(
                w,
                "token" | "secret" | "password" | "passwd" | "authorization" | "cookie"
            )
        })
}

/// Redacts a payload in place: every string through [`redact_secrets`] and with each of the
/// `known` values (at least [`MIN_KNOWN_SECRET`] long) replaced, and the string value of every
/// key that names a secret.
pub fn redact_json(value: &mut Value, known: &[String]) {
    match value {
        Value::String(text) => {
            let mut out = redact_secrets(text);
            for secret in known.iter().filter(|s| s.len() >= MIN_KNOWN_SECRET) {
                if out.contains(secret.as_str()) {
                    out = out.replace(secret.as_str(), REDACTED);
                }
            }
            if out != *text {
                *text = out;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_json(v, known)),
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if v.is_string() && secret_key(key) {
                    *v = Value::String(REDACTED.into());
                } else {
                    redact_json(v, known);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_lose_known_shapes_profile_values_and_secret_keys() {
        let mut v = serde_json::json!({
            "reason": "harness said: Invalid API key sk-ant-api03-abcdefghijklmnopqrstuv",
            "preview": "use hunter2-very-secret please, and 1 more",
            "headers": {"Authorization": "Bearer abc", "x-api-key": "k", "X-Auth-Token": "t"},
            "tokens": {"input": 1, "output": 2},
            "list": ["ghp_abcdefghijklmnopqrstuvwxyz0123456789"],
            "flag": "1"
        });
        redact_json(
            &mut v,
            &["hunter2-very-secret".to_string(), "1".to_string()],
        );
        assert_eq!(
            v,
            serde_json::json!({
                "reason": "harness said: Invalid API key [REDACTED]",
                "preview": "use [REDACTED] please, and 1 more",
                "headers": {"Authorization": "[REDACTED]", "x-api-key": "[REDACTED]", "X-Auth-Token": "[REDACTED]"},
                "tokens": {"input": 1, "output": 2},
                "list": ["[REDACTED]"],
                "flag": "1"
            })
        );
    }

    #[test]
    fn redacts_known_shapes() {
        let text = "key sk-ant-api03-abcdefghijklmnopqrstuv and ghp_abcdefghijklmnopqrstuvwxyz0123456789\n\
                    Authorization: Bearer abcdefghijklmnop1234\nOPENAI_API_KEY=sk-live1234567890abcdef\n\
                    -----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\nplain words stay";
        let out = redact_secrets(text);
        assert!(!out.contains("sk-ant-api03"), "{out}");
        assert!(!out.contains("ghp_abc"), "{out}");
        assert!(!out.contains("abcdefghijklmnop1234"), "{out}");
        assert!(!out.contains("sk-live"), "{out}");
        assert!(!out.contains("AAAA"), "{out}");
        assert!(out.contains("OPENAI_API_KEY=[REDACTED]"), "{out}");
        assert!(out.ends_with("plain words stay"));
        assert_eq!(redact_secrets("exit status 1"), "exit status 1");
    }

    #[test]
    fn text_around_a_secret_keeps_its_characters() {
        let out = redact_secrets(
            "clé: «token=mot_de_passe_été» — ключ sk-ant-api03-abcdefghijklmnopqrstuv ✓",
        );
        assert_eq!(out, "clé: «token=[REDACTED] — ключ [REDACTED] ✓");
        let plain = "résumé of the run: всё хорошо, nothing secret here at all";
        assert_eq!(redact_secrets(plain), plain);
    }
}
