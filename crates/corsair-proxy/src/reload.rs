//! Hot reload: the directories of the policy files (and the certificate) are watched, since
//! editors and Kubernetes ConfigMaps replace files by rename rather than writing them; events
//! are debounced, and SIGHUP reloads too. A new policy is validated fully and swapped
//! atomically through its [`PolicyHandle`]; a broken one keeps the last good policy, is
//! reported as `corsair lint` reports it, and counted.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use corsair::PolicyHandle;
use notify::{EventKind, RecursiveMode, Watcher};

use crate::{
    config::{Mode, TlsFiles},
    observe,
    policy::{self, ReportRejected},
    tls::{self, Certificates},
};

/// Events closer together than this are one change (an editor's save is several).
const DEBOUNCE: Duration = Duration::from_millis(200);

/// A policy file whose route follows it.
pub(crate) struct Watched {
    pub(crate) path: PathBuf,
    pub(crate) mode: Mode,
    pub(crate) handle: PolicyHandle,
    /// The bytes last read, so that events that change nothing reload nothing.
    pub(crate) last: Mutex<Vec<u8>>,
}

pub(crate) struct Reloader {
    pub(crate) policies: Vec<Watched>,
    pub(crate) tls: Option<(TlsFiles, Certificates)>,
    pub(crate) report: Arc<dyn ReportRejected>,
}

impl Reloader {
    /// Reloads every file that changed (`force`: every file).
    pub(crate) fn reload(&self, force: bool) {
        for watched in &self.policies {
            let bytes = match std::fs::read(&watched.path) {
                Ok(bytes) => bytes,
                // Mid-rename, the file may be briefly absent: the next event reloads it.
                Err(error) if !force && error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => {
                    self.report.rejected(&policy::Rejected {
                        path: watched.path.display().to_string(),
                        problem: policy::Problem::Unreadable(error.to_string()),
                    });
                    observe::reload(false);
                    continue;
                }
            };
            {
                let mut last = watched.last.lock().unwrap_or_else(|e| e.into_inner());
                if !force && *last == bytes {
                    continue;
                }
                last.clone_from(&bytes);
            }
            let shown = watched.path.display().to_string();
            match policy::from_bytes(&shown, &bytes, watched.mode) {
                Ok(policy) => {
                    watched.handle.store(policy);
                    observe::reload(true);
                    tracing::info!(target: "corsair::proxy", path = shown, "policy reloaded");
                }
                Err(rejected) => {
                    self.report.rejected(&rejected);
                    observe::reload(false);
                }
            }
        }
        if let Some((files, certificates)) = &self.tls {
            match tls::load(files) {
                Ok(config) => certificates.store(Arc::new(config)),
                Err(error) => {
                    tracing::error!(target: "corsair::proxy", %error, "certificate not reloaded");
                    observe::reload(false);
                }
            }
        }
    }

    fn directories(&self) -> Vec<PathBuf> {
        let tls = self
            .tls
            .iter()
            .flat_map(|(files, _)| [&files.cert, &files.key]);
        let mut directories: Vec<PathBuf> = self
            .policies
            .iter()
            .map(|watched| &watched.path)
            .chain(tls)
            .map(|path| match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
                _ => Path::new(".").to_owned(),
            })
            .collect();
        directories.sort();
        directories.dedup();
        directories
    }

    /// Watches and reloads until the task is dropped.
    pub(crate) async fn run(self: Arc<Self>) {
        let (changed, mut changes) = tokio::sync::mpsc::channel::<()>(1);
        let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if let Ok(event) = event
                && !matches!(event.kind, EventKind::Access(_))
            {
                // A full channel already holds a pending reload.
                let _ = changed.try_send(());
            }
        });
        let mut watcher = match watcher {
            Ok(watcher) => Some(watcher),
            Err(error) => {
                tracing::error!(target: "corsair::proxy", %error, "cannot watch policy files; SIGHUP still reloads");
                None
            }
        };
        if let Some(watcher) = watcher.as_mut() {
            for directory in self.directories() {
                if let Err(error) = watcher.watch(&directory, RecursiveMode::NonRecursive) {
                    tracing::error!(target: "corsair::proxy", %error, directory = %directory.display(), "cannot watch");
                }
            }
        }
        let mut hangup = hangups();
        loop {
            tokio::select! {
                Some(()) = changes.recv() => {
                    tokio::time::sleep(DEBOUNCE).await;
                    while changes.try_recv().is_ok() {}
                    let reloader = self.clone();
                    let _ = tokio::task::spawn_blocking(move || reloader.reload(false)).await;
                }
                Some(()) = next_hangup(&mut hangup) => {
                    tracing::info!(target: "corsair::proxy", "SIGHUP: reloading");
                    let reloader = self.clone();
                    let _ = tokio::task::spawn_blocking(move || reloader.reload(true)).await;
                }
                else => break,
            }
        }
        drop(watcher);
    }
}

#[cfg(unix)]
type Hangups = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangups = Option<()>;

#[cfg(unix)]
fn hangups() -> Hangups {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}

#[cfg(not(unix))]
fn hangups() -> Hangups {
    None
}

#[cfg(unix)]
async fn next_hangup(hangups: &mut Hangups) -> Option<()> {
    match hangups {
        Some(signal) => signal.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn next_hangup(_: &mut Hangups) -> Option<()> {
    std::future::pending().await
}
