//! Rendering the Go text/template subset that templates and sequences use: `{{ .name }}`
//! placeholders and `{{if .name}}…{{else}}…{{end}}`, plus `--var key=value` parsing and
//! variable defaults.

use std::collections::BTreeMap;

use crate::assets::model::Variable;
use crate::error::CliError;

/// Variables by name.
pub(crate) type Vars = BTreeMap<String, String>;

/// Parses repeated `--var key=value` flags (later ones win).
pub(crate) fn parse_vars(raw: &[String]) -> Result<Vars, CliError> {
    let mut vars = Vars::new();
    for item in raw {
        let Some((key, value)) = item.split_once('=') else {
            return Err(
                CliError::invalid(format!("invalid --var \"{item}\": expected key=value"))
                    .hint("Pass variables as --var name=value, e.g. --var target=src/lib.rs."),
            );
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(CliError::invalid(format!(
                "invalid --var \"{item}\": the key is empty"
            )));
        }
        vars.insert(key.to_string(), value.to_string());
    }
    Ok(vars)
}

/// The variables to render with: those given, then defaults of the declared ones; a required
/// variable with neither is an error. Optional variables without a default render empty.
pub(crate) fn resolve_vars(
    noun: &str,
    name: &str,
    declared: &[Variable],
    given: &Vars,
) -> Result<Vars, CliError> {
    let mut vars = given.clone();
    for v in declared {
        let key = v.name.trim();
        if key.is_empty() || vars.contains_key(key) {
            continue;
        }
        match &v.default {
            Some(d) => {
                vars.insert(key.to_string(), d.clone());
            }
            None if v.required => return Err(missing(noun, name, key)),
            None => {
                vars.insert(key.to_string(), String::new());
            }
        }
    }
    Ok(vars)
}

fn missing(noun: &str, name: &str, var: &str) -> CliError {
    CliError::invalid(format!(
        "missing variable \"{var}\" for {noun} \"{name}\" (pass --var {var}=...)"
    ))
}

#[derive(Debug)]
enum Node {
    Text(String),
    Var(String),
    If {
        var: String,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
}

#[derive(Debug)]
enum Token {
    Text(String),
    Action(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            tokens.push(Token::Text(rest[..start].to_string()));
        }
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err("unclosed \"{{\"".to_string());
        };
        tokens.push(Token::Action(after[..end].trim().to_string()));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        tokens.push(Token::Text(rest.to_string()));
    }
    Ok(tokens)
}

/// A `.name` reference.
fn var_name(action: &str) -> Option<String> {
    let name = action.trim().strip_prefix('.')?;
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    ok.then(|| name.to_string())
}

/// Parses nodes until `{{else}}`/`{{end}}` (returned as the terminator) or the end.
fn parse_block(
    tokens: &mut std::vec::IntoIter<Token>,
) -> Result<(Vec<Node>, Option<String>), String> {
    let mut nodes = Vec::new();
    while let Some(token) = tokens.next() {
        match token {
            Token::Text(t) => nodes.push(Node::Text(t)),
            Token::Action(a) if a == "end" || a == "else" => return Ok((nodes, Some(a))),
            Token::Action(a) => {
                if let Some(cond) = a.strip_prefix("if ") {
                    let var = var_name(cond)
                        .ok_or_else(|| format!("unsupported condition \"{{{{{a}}}}}\""))?;
                    let (then, term) = parse_block(tokens)?;
                    let otherwise = match term.as_deref() {
                        Some("else") => match parse_block(tokens)? {
                            (nodes, Some(t)) if t == "end" => nodes,
                            _ => return Err("\"{{if}}\" without \"{{end}}\"".to_string()),
                        },
                        Some(_) => Vec::new(),
                        None => return Err("\"{{if}}\" without \"{{end}}\"".to_string()),
                    };
                    nodes.push(Node::If {
                        var,
                        then,
                        otherwise,
                    });
                } else if let Some(var) = var_name(&a) {
                    nodes.push(Node::Var(var));
                } else {
                    return Err(format!(
                        "unsupported action \"{{{{{a}}}}}\" (only {{{{ .name }}}} and {{{{if .name}}}}…{{{{end}}}} are supported)"
                    ));
                }
            }
        }
    }
    Ok((nodes, None))
}

fn emit(nodes: &[Node], vars: &Vars, out: &mut String) -> Result<(), String> {
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Var(v) => match vars.get(v) {
                Some(value) => out.push_str(value),
                None => return Err(v.clone()),
            },
            Node::If {
                var,
                then,
                otherwise,
            } => {
                let truthy = vars.get(var).is_some_and(|v| !v.is_empty());
                emit(if truthy { then } else { otherwise }, vars, out)?;
            }
        }
    }
    Ok(())
}

/// Renders `text` of the template/sequence `name`; `noun` names the kind in errors.
pub(crate) fn render(noun: &str, name: &str, text: &str, vars: &Vars) -> Result<String, CliError> {
    let syntax =
        |problem: String| CliError::invalid(format!("invalid {noun} \"{name}\": {problem}"));
    let mut tokens = tokenize(text).map_err(syntax)?.into_iter();
    let nodes = match parse_block(&mut tokens).map_err(syntax)? {
        (nodes, None) => nodes,
        (_, Some(t)) => return Err(syntax(format!("unexpected \"{{{{{t}}}}}\""))),
    };
    let mut out = String::with_capacity(text.len());
    emit(&nodes, vars, &mut out).map_err(|var| missing(noun, name, &var))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn renders_placeholders_with_and_without_spaces() {
        let v = vars(&[("a", "1"), ("b", "two")]);
        assert_eq!(
            render("template", "t", "x{{.a}}y{{ .b }}z", &v).unwrap(),
            "x1ytwoz"
        );
    }

    #[test]
    fn renders_conditionals() {
        let text = "A{{if .f}} f={{ .f }}{{else}} none{{end}}.";
        assert_eq!(
            render("template", "t", text, &vars(&[("f", "x")])).unwrap(),
            "A f=x."
        );
        assert_eq!(
            render("template", "t", text, &vars(&[("f", "")])).unwrap(),
            "A none."
        );
        assert_eq!(
            render("template", "t", text, &vars(&[])).unwrap(),
            "A none."
        );
    }

    #[test]
    fn reports_syntax_and_missing_variables() {
        let e = render("template", "t", "{{ .x }}", &vars(&[])).unwrap_err();
        assert_eq!(
            e.message,
            "missing variable \"x\" for template \"t\" (pass --var x=...)"
        );
        let e = render("template", "t", "{{ .x", &vars(&[])).unwrap_err();
        assert_eq!(e.message, "invalid template \"t\": unclosed \"{{\"");
        let e = render("template", "t", "{{ range .x }}", &vars(&[])).unwrap_err();
        assert!(
            e.message
                .starts_with("invalid template \"t\": unsupported action \"{{range .x}}\""),
            "{}",
            e.message
        );
        let e = render("template", "t", "{{if .x}}a", &vars(&[])).unwrap_err();
        assert_eq!(
            e.message,
            "invalid template \"t\": \"{{if}}\" without \"{{end}}\""
        );
        let e = render("template", "t", "a{{end}}", &vars(&[])).unwrap_err();
        assert_eq!(e.message, "invalid template \"t\": unexpected \"{{end}}\"");
    }

    #[test]
    fn parses_vars_and_applies_defaults() {
        assert_eq!(
            parse_vars(&["a=1".into(), "b=x=y".into(), "a=2".into()]).unwrap(),
            vars(&[("a", "2"), ("b", "x=y")])
        );
        assert_eq!(
            parse_vars(&["nope".into()]).unwrap_err().message,
            "invalid --var \"nope\": expected key=value"
        );
        let declared = vec![
            Variable {
                name: "d".into(),
                default: Some("dv".into()),
                ..Default::default()
            },
            Variable {
                name: "o".into(),
                ..Default::default()
            },
            Variable {
                name: "r".into(),
                required: true,
                ..Default::default()
            },
        ];
        let got = resolve_vars("template", "t", &declared, &vars(&[("r", "1")])).unwrap();
        assert_eq!(got, vars(&[("d", "dv"), ("o", ""), ("r", "1")]));
        let e = resolve_vars("template", "t", &declared, &vars(&[])).unwrap_err();
        assert_eq!(
            e.message,
            "missing variable \"r\" for template \"t\" (pass --var r=...)"
        );
    }
}
