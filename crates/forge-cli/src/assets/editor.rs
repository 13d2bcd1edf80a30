//! Opening a file in the user's editor (`$VISUAL`, then `$EDITOR`), without a shell: the
//! editor setting is split into words with shell-like quoting and executed directly.

use std::path::Path;

use crate::context::Ctx;
use crate::error::CliError;

/// Splits a command line into words: whitespace separates, single quotes are literal, double
/// quotes allow `\"` and `\\`, a backslash outside quotes escapes the next character.
pub(crate) fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`')) => word.push(ch),
                            Some(ch) => {
                                word.push('\\');
                                word.push(ch);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(ch) => word.push(ch),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(ch) => word.push(ch),
                    None => return Err("trailing backslash".into()),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Opens `path` in the editor and waits for it. Without `$VISUAL`/`$EDITOR`, `vi` is used when
/// a terminal is attached; otherwise it is an error.
pub(crate) fn edit_file(ctx: &Ctx, path: &Path) -> Result<(), CliError> {
    let setting = match env_value("VISUAL").or_else(|| env_value("EDITOR")) {
        Some(s) => s,
        None if ctx.may_prompt() => "vi".to_string(),
        None => {
            return Err(
                CliError::invalid("no editor configured (set $VISUAL or $EDITOR)")
                    .hint(format!("Edit {} directly, or set EDITOR.", path.display())),
            );
        }
    };
    let words = split_words(&setting)
        .map_err(|e| CliError::invalid(format!("invalid editor command \"{setting}\": {e}")))?;
    let Some((program, args)) = words.split_first() else {
        return Err(CliError::invalid("invalid editor command: it is empty"));
    };
    // An interactive foreground child: it shares our process group and terminal.
    let status = forge_process::JobSpec::new(program)
        .args(args)
        .arg(path)
        .run_interactive()
        .map_err(|e| CliError::failed(format!("unable to start editor \"{program}\": {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(CliError::failed(format!(
            "editor \"{setting}\" exited with {status}; {} was kept as it is",
            path.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::split_words;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(split_words("code --wait").unwrap(), ["code", "--wait"]);
        assert_eq!(
            split_words(r#"'/opt/my editor/bin/ed' -c "set x=\"1\"" a\ b"#).unwrap(),
            ["/opt/my editor/bin/ed", "-c", "set x=\"1\"", "a b"]
        );
        assert_eq!(split_words("  ").unwrap(), Vec::<String>::new());
        assert!(split_words("vim 'oops").is_err());
    }
}
