//! The Mail tab's data: the fmail mailbox of the selected loop's repo, re-read once a second
//! while the tab shows (listings come from fmail's validated listing cache, so a quiet mailbox
//! costs directory `stat`s only).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use forge_mail::{Filter, Scope};

use crate::action::DataEvent;
use crate::model::{MailItem, Mailbox};

/// Messages shown.
const MAIL_LIMIT: usize = 100;
const MAIL_EVERY: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(crate) struct MailPoller {
    root: Option<PathBuf>,
    at: Option<Instant>,
    last: Option<Mailbox>,
}

/// The mailbox root of a repo: the nearest ancestor with `.fmail/`, else the repo itself.
fn root_of(repo: &Path) -> PathBuf {
    repo.ancestors()
        .find(|d| d.join(".fmail").is_dir())
        .unwrap_or(repo)
        .to_path_buf()
}

impl MailPoller {
    pub(crate) fn poll(&mut self, visible: bool, repo: Option<&str>) -> Option<DataEvent> {
        let (true, Some(repo)) = (visible, repo) else {
            self.at = None;
            return None;
        };
        let root = root_of(Path::new(repo));
        let moved = self.root.as_deref() != Some(root.as_path());
        if !moved && self.at.is_some_and(|at| at.elapsed() < MAIL_EVERY) {
            return None;
        }
        self.root = Some(root.clone());
        self.at = Some(Instant::now());
        let mailbox = match read(&root) {
            Ok(m) => m,
            Err(e) => {
                return Some(DataEvent::Error(format!(
                    "cannot read mail in {}: {e}",
                    root.display()
                )));
            }
        };
        if self.last.as_ref() == Some(&mailbox) && !moved {
            return None;
        }
        self.last = Some(mailbox.clone());
        Some(DataEvent::Mail(mailbox))
    }
}

fn read(root: &Path) -> forge_mail::Result<Mailbox> {
    let store = forge_mail::Store::open(root);
    let selection = store.read(&Scope::Everything, &Filter::default(), MAIL_LIMIT)?;
    let messages = selection
        .messages
        .into_iter()
        .rev()
        .map(|m| MailItem {
            body: m.body_text().replace('\n', " "),
            time: m.time.to_string(),
            id: m.id,
            from: m.from,
            to: m.to,
        })
        .collect();
    let topics = store
        .topics()?
        .into_iter()
        .map(|t| (t.name, t.messages))
        .collect();
    Ok(Mailbox {
        root: root.display().to_string(),
        messages,
        topics,
    })
}
