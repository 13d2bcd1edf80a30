//! Loop slugs: the file-name form of a loop name, used for log and ledger paths.

/// Lower-cases, keeps `a-z0-9`, maps each run of space/`-`/`_` to one `-`, drops everything
/// else and trims dashes. An empty result falls back to `fallback` (the loop id).
pub fn slugify(name: &str, fallback: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_dash = false;
    for ch in name.trim().to_lowercase().chars() {
        if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(ch);
        } else if ch == ' ' || ch == '-' || ch == '_' {
            pending_dash = true;
        }
    }
    if out.is_empty() {
        fallback.to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Atomic Bart", "id"), "atomic-bart");
        assert_eq!(slugify("  a__b--c  ", "id"), "a-b-c");
        assert_eq!(slugify("rust-full-claude-4", "id"), "rust-full-claude-4");
        assert_eq!(slugify("héllo wörld!", "id"), "hllo-wrld");
        assert_eq!(slugify("!!!", "the-id"), "the-id");
        assert_eq!(slugify("-lead", "id"), "lead");
    }
}
