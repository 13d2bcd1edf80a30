//! Redaction of secrets of known shapes from text that ends up in committed ledgers.

use std::sync::LazyLock;

use regex::Regex;

/// Replacement text for a redacted secret.
pub const REDACTED: &str = "[REDACTED]";

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
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

static BEARER: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\b(bearer|token)\s+[A-Za-z0-9_\-\.=]{16,}").ok());

static ASSIGNMENT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b([A-Z0-9_]*(?:API_KEY|SECRET|TOKEN|PASSWORD|PASSWD)[A-Z0-9_]*)(\s*[=:]\s*)["']?[^\s"']{8,}["']?"#,
    )
    .ok()
});

/// Replaces every secret of a known shape in `text` with `[REDACTED]`.
pub fn redact_secrets(text: &str) -> String {
    let mut out = text.to_string();
    for re in PATTERNS.iter() {
        if re.is_match(&out) {
            out = re.replace_all(&out, REDACTED).into_owned();
        }
    }
    if let Some(re) = BEARER.as_ref() {
        out = re.replace_all(&out, format!("$1 {REDACTED}")).into_owned();
    }
    if let Some(re) = ASSIGNMENT.as_ref() {
        out = re.replace_all(&out, format!("$1$2{REDACTED}")).into_owned();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
