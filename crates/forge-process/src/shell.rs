//! The shell every harness and check command runs in.
//!
//! Commands run as `bash -lc`: a login shell, so what the user's profile files set up (API keys,
//! `PATH` entries such as `~/.local/bin`) is there, as in their terminal. But a login shell on
//! Debian and Ubuntu starts by resetting `PATH` in `/etc/profile`, which loses everything the
//! shell that ran `forge up` had on its `PATH`: CLIs installed by npm into a user prefix, by
//! nvm, into `~/.cargo/bin`, and `forge` itself. So every command starts with a fixed prelude
//! (never user text) that rebuilds `PATH` after the profile ran, in this order:
//!
//! 1. a directory holding `forge` and `fmail` links to the running binaries, so an agent's
//!    `forge mem set` reaches this Forge and no other (`FORGE_BIN` names the binary too);
//! 2. the `PATH` of the process that started the runner (the user's shell), or the profile's own
//!    `PATH` when the profile sets one;
//! 3. every directory the login profile added that is not already there.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::spec::JobSpec;

/// The variable that carries the leading part of `PATH` into the prelude.
const LEAD_VAR: &str = "__FORGE_PATH";

/// Rebuilds `PATH` as `$__FORGE_PATH` followed by the entries of the profile's `PATH` that are
/// missing from it. Plain POSIX parameter expansion: no word splitting, no globbing.
pub const PATH_PRELUDE: &str = r#"__forge_p=$__FORGE_PATH
__forge_r=$PATH:
while [ -n "$__forge_r" ]; do
  __forge_d=${__forge_r%%:*}
  __forge_r=${__forge_r#*:}
  case ":$__forge_p:" in
    *":$__forge_d:"*) ;;
    *) if [ -n "$__forge_d" ]; then __forge_p=${__forge_p:+$__forge_p:}$__forge_d; fi ;;
  esac
done
PATH=$__forge_p
export PATH
unset __forge_p __forge_r __forge_d __FORGE_PATH
"#;

/// How harness and check commands are started.
#[derive(Debug, Clone)]
pub struct HarnessShell {
    /// The directory with the `forge`/`fmail` links (or the binary's own directory).
    tool_dir: Option<PathBuf>,
    /// The `PATH` this process was started with.
    inherited_path: OsString,
    /// The running `forge` binary.
    forge_bin: Option<PathBuf>,
}

impl HarnessShell {
    /// The shell for this process: its `PATH` as inherited, the running executable, and links to
    /// it (and its `fmail`) in `<data_dir>/bin/<hash>/` (falling back to the executable's own
    /// directory when the links cannot be made).
    pub fn current(data_dir: &Path) -> Self {
        let forge_bin = std::env::current_exe().ok();
        let tool_dir = forge_bin.as_deref().map(|exe| {
            tool_links(data_dir, exe)
                .unwrap_or_else(|| exe.parent().map(Path::to_path_buf).unwrap_or_default())
        });
        HarnessShell {
            tool_dir,
            inherited_path: std::env::var_os("PATH").unwrap_or_default(),
            forge_bin,
        }
    }

    /// A shell with explicit parts (tests, and a future daemon starting runners for others).
    pub fn with_parts(
        tool_dir: Option<PathBuf>,
        inherited_path: OsString,
        forge_bin: Option<PathBuf>,
    ) -> Self {
        HarnessShell {
            tool_dir,
            inherited_path,
            forge_bin,
        }
    }

    /// The leading part of the harness `PATH`: the tool directory, then `path` (the profile's own
    /// `PATH`, else the inherited one).
    pub fn lead_path(&self, path: Option<&OsStr>) -> OsString {
        let mut lead = OsString::new();
        if let Some(dir) = self.tool_dir.as_ref().filter(|d| !d.as_os_str().is_empty()) {
            lead.push(dir);
        }
        let rest = path.unwrap_or(&self.inherited_path);
        if !rest.is_empty() {
            if !lead.is_empty() {
                lead.push(":");
            }
            lead.push(rest);
        }
        lead
    }

    /// `bash -lc <prelude + script>`, with `env` set on top of this process's environment.
    pub fn job(&self, script: &str, env: &[(String, String)]) -> JobSpec {
        self.job_with_args(script, &[], env)
    }

    /// Like [`HarnessShell::job`], with positional parameters (`$1`...) for the script, so
    /// values never become part of the shell text.
    pub fn job_with_args(&self, script: &str, args: &[&str], env: &[(String, String)]) -> JobSpec {
        let profile_path = env
            .iter()
            .rev()
            .find(|(k, _)| k == "PATH")
            .map(|(_, v)| OsStr::new(v.as_str()));
        let mut spec = JobSpec::new("bash")
            .arg("-lc")
            .arg(format!("{PATH_PRELUDE}{script}"));
        if !args.is_empty() {
            spec = spec.arg("forge").args(args.iter().copied());
        }
        spec = spec.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if let Some(bin) = &self.forge_bin {
            spec = spec.env("FORGE_BIN", bin);
        }
        spec.env(LEAD_VAR, self.lead_path(profile_path))
    }
}

/// A short stable hash of a path, for the link directory's name.
fn path_hash(path: &Path) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in path.as_os_str().as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Makes `<data_dir>/bin/<hash of exe>/{forge,fmail}` point at `exe` and its sibling `fmail`.
/// None when the directory cannot hold a `PATH` entry (a `:` in it) or cannot be written.
pub fn tool_links(data_dir: &Path, exe: &Path) -> Option<PathBuf> {
    let dir = data_dir.join("bin").join(path_hash(exe));
    if dir.as_os_str().as_bytes().contains(&b':') {
        return None;
    }
    {
        use std::os::unix::fs::DirBuilderExt;
        // The data dir and everything Forge makes in it stay private (0700).
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .ok()?;
    }
    link(&dir.join("forge"), exe).ok()?;
    let fmail = exe.with_file_name("fmail");
    if fmail.is_file() {
        link(&dir.join("fmail"), &fmail).ok()?;
    }
    Some(dir)
}

/// Points `at` to `target`, replacing it atomically when it points elsewhere.
fn link(at: &Path, target: &Path) -> std::io::Result<()> {
    if std::fs::read_link(at).is_ok_and(|t| t == target) {
        return Ok(());
    }
    let tmp = at.with_extension(format!("tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)?;
    std::fs::rename(&tmp, at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Deadline;

    fn run(shell: &HarnessShell, script: &str, home: &Path) -> String {
        let spec = shell.job(script, &[("HOME".into(), home.display().to_string())]);
        let out = spec
            .spawn()
            .expect("spawn bash")
            .capture(&mut Deadline(None));
        assert!(out.success(), "{}", out.stderr_text());
        out.stdout_text()
    }

    #[test]
    fn path_keeps_the_callers_entries_first_then_what_the_profile_adds() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::write(
            home.join(".profile"),
            "PATH=\"/usr/bin:/bin:$HOME/profile-bin\"\nexport PATH\n",
        )
        .unwrap();
        let shell = HarnessShell::with_parts(
            Some(PathBuf::from("/forge/tools")),
            OsString::from("/user/npm/bin:/usr/bin"),
            Some(PathBuf::from("/forge/tools/forge")),
        );
        let path = run(&shell, "printf %s \"$PATH\"", home);
        let expected = format!(
            "/forge/tools:/user/npm/bin:/usr/bin:/bin:{}/profile-bin",
            home.display()
        );
        assert_eq!(path, expected);
        let leftovers = run(
            &shell,
            "printf '%s|%s' \"${__FORGE_PATH-unset}\" \"$FORGE_BIN\"",
            home,
        );
        assert_eq!(leftovers, "unset|/forge/tools/forge");
    }

    #[test]
    fn arguments_reach_the_script_as_positional_parameters_only() {
        let dir = tempfile::tempdir().unwrap();
        let shell = HarnessShell::with_parts(None, OsString::from("/usr/bin:/bin"), None);
        let tricky = "$(touch pwned); `id`";
        let spec = shell.job_with_args(
            "printf %s \"$1\"",
            &[tricky],
            &[("HOME".into(), dir.path().display().to_string())],
        );
        let out = spec
            .cwd(dir.path())
            .spawn()
            .unwrap()
            .capture(&mut Deadline(None));
        assert_eq!(out.stdout_text(), tricky);
        assert!(!dir.path().join("pwned").exists());
    }

    #[test]
    fn tool_links_point_at_the_running_binaries() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin-src");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("forge"), "").unwrap();
        std::fs::write(bin.join("fmail"), "").unwrap();
        let links = tool_links(&dir.path().join("data"), &bin.join("forge")).unwrap();
        assert_eq!(
            std::fs::read_link(links.join("forge")).unwrap(),
            bin.join("forge")
        );
        assert_eq!(
            std::fs::read_link(links.join("fmail")).unwrap(),
            bin.join("fmail")
        );
        // Idempotent.
        assert_eq!(
            tool_links(&dir.path().join("data"), &bin.join("forge")),
            Some(links)
        );
    }
}
