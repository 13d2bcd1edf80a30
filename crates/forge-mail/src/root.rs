//! Finding the project root (the directory that holds `.fmail/`) and the project id.
//!
//! Order: `FMAIL_ROOT`; the nearest ancestor with a `.fmail` directory; the nearest ancestor with
//! `.git` (a worktree's `.git` file pointing into `<main>/.git/worktrees/` resolves to `<main>`, so
//! all worktrees share one mailbox); the working directory.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{MailError, Result};

/// The environment fmail reads, captured once so tests can pass their own.
#[derive(Debug, Clone, Default)]
pub struct MailEnv {
    /// The working directory.
    pub cwd: PathBuf,
    /// `FMAIL_ROOT`, if set and non-empty.
    pub root: Option<PathBuf>,
    /// `FMAIL_PROJECT`, if set and non-empty.
    pub project: Option<String>,
    /// `FMAIL_AGENT`, if set and non-empty (not yet validated).
    pub agent: Option<String>,
    /// This machine's host name, written into messages and agent records (empty if unknown).
    pub host: String,
}

impl MailEnv {
    /// Reads the process environment and working directory.
    pub fn from_process() -> Result<Self> {
        let non_empty = |key: &str| std::env::var_os(key).filter(|v| !v.is_empty());
        Ok(Self {
            cwd: std::env::current_dir()?,
            root: non_empty("FMAIL_ROOT").map(PathBuf::from),
            project: non_empty("FMAIL_PROJECT").map(|v| v.to_string_lossy().into_owned()),
            agent: non_empty("FMAIL_AGENT").map(|v| v.to_string_lossy().into_owned()),
            host: host_name(),
        })
    }

    /// The validated agent identity, or [`MailError::AgentNotSet`] with the fix.
    pub fn agent_name(&self) -> Result<String> {
        match &self.agent {
            Some(raw) if !raw.trim().is_empty() => crate::names::normalize_name("agent", raw),
            _ => Err(MailError::AgentNotSet),
        }
    }
}

/// This machine's host name (the kernel's node name, what `hostname` prints), as the reference's
/// Rust fmail records it in messages and agent records.
pub fn host_name() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .trim()
        .to_owned()
}

/// Finds the project root for `env` (see the module docs for the order).
pub fn discover_root(env: &MailEnv) -> Result<PathBuf> {
    if let Some(root) = &env.root {
        let path = if root.is_absolute() {
            root.clone()
        } else {
            env.cwd.join(root)
        };
        if !path.is_dir() {
            return Err(MailError::BadRoot { path });
        }
        return Ok(path);
    }
    if let Some(dir) = env.cwd.ancestors().find(|dir| dir.join(".fmail").is_dir()) {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = env.cwd.ancestors().find(|dir| dir.join(".git").exists()) {
        return Ok(main_checkout_of(dir).unwrap_or_else(|| dir.to_path_buf()));
    }
    Ok(env.cwd.clone())
}

/// If `dir/.git` is a worktree's `gitdir:` file, the main checkout's root.
fn main_checkout_of(dir: &Path) -> Option<PathBuf> {
    let git = dir.join(".git");
    if !git.is_file() {
        return None;
    }
    let text = fs_err::read_to_string(&git).ok()?;
    let gitdir = text
        .lines()
        .find_map(|line| line.strip_prefix("gitdir:"))?
        .trim();
    let gitdir = if Path::new(gitdir).is_absolute() {
        PathBuf::from(gitdir)
    } else {
        dir.join(gitdir)
    };
    let marker = "/.git/worktrees/";
    let as_text = gitdir.to_string_lossy();
    let cut = as_text.find(marker)?;
    Some(PathBuf::from(&as_text[..cut]))
}

/// The project id: `FMAIL_PROJECT` verbatim, else `proj-` and 12 hex digits of the SHA-256 of the
/// `origin` remote URL (read from `.git/config`), else of the root's directory name.
pub fn derive_project_id(root: &Path, env: &MailEnv) -> String {
    if let Some(project) = &env.project {
        return project.clone();
    }
    let input = origin_url(root).unwrap_or_else(|| {
        root.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let digest = Sha256::digest(input.trim().as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("proj-{hex}")
}

/// `remote.origin.url` from the repository config, without running git.
fn origin_url(root: &Path) -> Option<String> {
    let config = fs_err::read_to_string(root.join(".git").join("config")).ok()?;
    let mut in_origin = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            let section: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            in_origin = section == "[remote\"origin\"]";
        } else if in_origin
            && let Some((key, value)) = line.split_once('=')
            && key.trim().eq_ignore_ascii_case("url")
        {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_at(cwd: &Path) -> MailEnv {
        MailEnv {
            cwd: cwd.to_path_buf(),
            ..MailEnv::default()
        }
    }

    #[test]
    fn explicit_root_wins_and_must_be_a_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let mut env = env_at(tmp.path());
        fs_err::create_dir(tmp.path().join("box")).unwrap();
        env.root = Some(PathBuf::from("box"));
        assert_eq!(discover_root(&env).unwrap(), tmp.path().join("box"));
        env.root = Some(PathBuf::from("missing"));
        assert!(
            discover_root(&env)
                .unwrap_err()
                .to_string()
                .contains("not a directory")
        );
    }

    #[test]
    fn nearest_fmail_dir_beats_git() {
        let tmp = tempfile::tempdir().unwrap();
        let deep = tmp.path().join("a/b/c");
        fs_err::create_dir_all(&deep).unwrap();
        fs_err::create_dir(tmp.path().join(".git")).unwrap();
        assert_eq!(discover_root(&env_at(&deep)).unwrap(), tmp.path());
        fs_err::create_dir(tmp.path().join("a/.fmail")).unwrap();
        assert_eq!(discover_root(&env_at(&deep)).unwrap(), tmp.path().join("a"));
    }

    #[test]
    fn worktrees_share_the_main_checkout_mailbox() {
        let tmp = tempfile::tempdir().unwrap();
        let main = tmp.path().join("main");
        let wt = tmp.path().join("wt");
        fs_err::create_dir_all(main.join(".git/worktrees/wt")).unwrap();
        fs_err::create_dir_all(wt.join("src")).unwrap();
        let gitdir = format!("gitdir: {}\n", main.join(".git/worktrees/wt").display());
        fs_err::write(wt.join(".git"), gitdir).unwrap();
        assert_eq!(discover_root(&env_at(&wt.join("src"))).unwrap(), main);
        // A submodule-style gitdir file (no /.git/worktrees/) keeps its own root.
        let sub = tmp.path().join("sub");
        fs_err::create_dir_all(&sub).unwrap();
        fs_err::write(sub.join(".git"), "gitdir: ../main/.git/modules/sub\n").unwrap();
        assert_eq!(discover_root(&env_at(&sub)).unwrap(), sub);
    }

    #[test]
    fn falls_back_to_cwd() {
        let tmp = tempfile::tempdir().unwrap();
        // tempdir is not inside a git checkout on CI machines; guard anyway.
        if tmp
            .path()
            .ancestors()
            .any(|d| d.join(".git").exists() || d.join(".fmail").is_dir())
        {
            return;
        }
        assert_eq!(discover_root(&env_at(tmp.path())).unwrap(), tmp.path());
    }

    #[test]
    fn project_id_uses_override_then_origin_then_basename() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("myrepo");
        fs_err::create_dir_all(root.join(".git")).unwrap();
        let mut env = env_at(&root);
        let by_name = derive_project_id(&root, &env);
        let sha = |s: &str| {
            format!(
                "proj-{}",
                &format!("{:x}", Sha256::digest(s.as_bytes()))[..12]
            )
        };
        assert_eq!(by_name, sha("myrepo"));
        fs_err::write(
            root.join(".git/config"),
            "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@example.com:me/myrepo.git\n",
        )
        .unwrap();
        assert_eq!(
            derive_project_id(&root, &env),
            sha("git@example.com:me/myrepo.git")
        );
        env.project = Some("custom".into());
        assert_eq!(derive_project_id(&root, &env), "custom");
    }

    #[test]
    fn missing_agent_names_the_fix() {
        let env = MailEnv::default();
        let msg = env.agent_name().unwrap_err().to_string();
        assert!(
            msg.contains("export FMAIL_AGENT=") && msg.contains("fmail register"),
            "{msg}"
        );
        let env = MailEnv {
            agent: Some("Bad Name".into()),
            ..MailEnv::default()
        };
        assert!(env.agent_name().is_err());
        let env = MailEnv {
            agent: Some("Alice".into()),
            ..MailEnv::default()
        };
        assert_eq!(env.agent_name().unwrap(), "alice");
    }
}
