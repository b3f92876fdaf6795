//! The programs the harness starts: finding them, giving them free ports, waiting for them,
//! reading their logs, and making sure none outlives the harness.
//!
//! Each child runs in its own process group, so killing the group also ends whatever it
//! started (Chromium's renderer, GPU and utility processes). A [`ProcessGuard`] kills its group
//! when dropped: at the end of a test, on a panic (a failed assertion unwinds), and on a
//! timeout (the suite wraps its work in one). A [`Watchdog`] covers the case where the test
//! process itself is killed and nothing unwinds: a shell in its own group polls the test
//! process and kills the guarded groups as soon as it is gone. [`Children`] holds an engine's
//! processes, their directory and the watchdog over them, and stops them all.

use std::{
    fs,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use crate::{Error, Result};

/// How often a wait for a child checks again.
const POLL: Duration = Duration::from_millis(50);

/// The binary the environment variable `variable` names when it is set (it must exist), else
/// the first of `candidates` that exists: an absolute path as is, a bare name on `PATH`.
/// Failures end with `hint`, which says how to install it.
pub fn find_binary(variable: Option<&str>, candidates: &[&str], hint: &str) -> Result<PathBuf> {
    if let Some(variable) = variable
        && let Some(path) = std::env::var_os(variable)
    {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Error::new(format!(
                "{variable}={} does not exist; {hint}",
                path.display()
            )))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let directories: Vec<PathBuf> = std::env::split_paths(&path).collect();
    candidates
        .iter()
        .flat_map(|candidate| {
            let candidate = Path::new(candidate);
            if candidate.is_absolute() {
                vec![candidate.to_path_buf()]
            } else {
                directories.iter().map(|d| d.join(candidate)).collect()
            }
        })
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            let on_path = candidates.iter().any(|c| !Path::new(c).is_absolute());
            Error::new(format!(
                "`{}` not found{}; {hint}",
                candidates.join("` or `"),
                if on_path { " on PATH" } else { "" }
            ))
        })
}

/// A loopback port that was free a moment ago, for a child to listen on.
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// The last 15 lines of the log at `path`, to say why a child failed.
pub fn log_tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// A child process (and its process group) that is killed when this is dropped.
#[derive(Debug)]
pub struct ProcessGuard {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl ProcessGuard {
    /// Starts `command` in a new process group. Its stdout and stderr go to `log` (so a full
    /// pipe can never stall it).
    pub fn spawn(name: &'static str, mut command: Command, log: &Path) -> Result<Self> {
        let out = fs::File::create(log)?;
        let err = out.try_clone()?;
        command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        let child = command
            .spawn()
            .map_err(|e| Error::new(format!("cannot start {name} ({command:?}): {e}")))?;
        Ok(Self {
            name,
            child,
            log: log.to_path_buf(),
        })
    }

    /// The process id, which is also the process group id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `Some(status)` when the process has already exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The name given at start.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The last lines of what it printed.
    pub fn log_tail(&self) -> String {
        log_tail(&self.log)
    }

    /// Checks `ready` until it gives a value; fails, with the tail of the log, when the
    /// process exits first or `limit` passes (then saying what was `awaited`).
    pub async fn wait_for<T>(
        &mut self,
        awaited: &str,
        limit: Duration,
        mut ready: impl FnMut() -> Option<T>,
    ) -> Result<T> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(value) = ready() {
                return Ok(value);
            }
            if let Some(status) = self.exited() {
                return Err(Error::new(format!(
                    "{} exited ({status}); log:\n{}",
                    self.name,
                    self.log_tail()
                )));
            }
            if Instant::now() > deadline {
                return Err(Error::new(format!(
                    "{} after {} s; log:\n{}",
                    awaited,
                    limit.as_secs(),
                    self.log_tail()
                )));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until something listens on loopback `port` (the process, presumably).
    pub async fn wait_for_port(&mut self, port: u16, limit: Duration) -> Result<()> {
        self.wait_for("not listening", limit, || {
            std::net::TcpStream::connect(("127.0.0.1", port))
                .is_ok()
                .then_some(())
        })
        .await
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        kill_group(self.child.id());
        // The leader itself, in case the group kill could not be sent; then reap it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends SIGKILL to the process group `pgid`.
fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Kills the process groups it is given once the test process is gone (also after a
/// SIGKILL, when no destructor runs), and removes a directory. Dropping it stops it.
#[derive(Debug)]
pub struct Watchdog {
    guard: ProcessGuard,
}

impl Watchdog {
    /// Watches the current process on behalf of `groups`; removes `directory` afterwards.
    pub fn start(groups: &[u32], directory: &Path, log: &Path) -> Result<Self> {
        // `env kill`: the kill program, which takes `--` and negative process-group ids
        // (dash's builtin takes neither).
        let groups: Vec<String> = groups.iter().map(|g| format!("-{g}")).collect();
        let script = format!(
            "while kill -0 {parent} 2>/dev/null; do sleep 1; done; \
             env kill -KILL -- {groups} 2>/dev/null; rm -rf '{dir}'",
            parent = std::process::id(),
            groups = groups.join(" "),
            dir = directory.display(),
        );
        let mut command = Command::new("sh");
        command.args(["-c", &script]);
        Ok(Self {
            guard: ProcessGuard::spawn("watchdog", command, log)?,
        })
    }

    /// The watchdog's own process id.
    pub fn pid(&self) -> u32 {
        self.guard.pid()
    }
}

/// A fresh directory under the system temporary directory, removed when dropped.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `corsair-<prefix>-<pid>-<nanos>`.
    pub fn new(prefix: &str) -> Result<Self> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path =
            std::env::temp_dir().join(format!("corsair-{prefix}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&path)?;
        Ok(Self { path })
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// The processes one engine runs on: started in order, each logging to `<name>.log` in a
/// directory of their own, all covered by one [`Watchdog`]; stopped in reverse order, with
/// anything they left behind, when [`stop`](Self::stop) is called or this is dropped.
#[derive(Debug)]
pub struct Children {
    started: Vec<ProcessGuard>,
    watchdog: Option<Watchdog>,
    directory: Option<TempDir>,
}

impl Children {
    /// None yet, in a fresh directory named after `prefix`.
    pub fn new(prefix: &str) -> Result<Self> {
        Ok(Self {
            started: Vec::new(),
            watchdog: None,
            directory: Some(TempDir::new(prefix)?),
        })
    }

    /// Their directory.
    pub fn path(&self) -> Result<&Path> {
        self.directory
            .as_ref()
            .map(TempDir::path)
            .ok_or_else(|| Error::new("the processes were stopped and their directory removed"))
    }

    /// Starts `command`, logging to `<name>.log`, and replaces the watchdog with one that
    /// covers it too.
    pub fn spawn(&mut self, name: &'static str, command: Command) -> Result<&mut ProcessGuard> {
        let directory = self.path()?.to_path_buf();
        let guard = ProcessGuard::spawn(name, command, &directory.join(format!("{name}.log")))?;
        let groups: Vec<u32> = self
            .started
            .iter()
            .chain([&guard])
            .map(ProcessGuard::pid)
            .collect();
        self.watchdog = Some(Watchdog::start(
            &groups,
            &directory,
            &directory.join("watchdog.log"),
        )?);
        Ok(self.started.push_mut(guard))
    }

    /// Kills every process group, last started first, then, for up to three seconds, every
    /// process still in those groups or mentioning the directory in its command line (one
    /// that left the groups); returns the ids of those that survived.
    pub fn stop(&mut self) -> Vec<u32> {
        let groups: Vec<u32> = self.started.iter().map(ProcessGuard::pid).collect();
        while self.started.pop().is_some() {}
        let needle = self
            .directory
            .as_ref()
            .map(|directory| directory.path().display().to_string());
        let watchdog = self.watchdog.as_ref().map(Watchdog::pid);
        let deadline = Instant::now() + Duration::from_secs(3);
        let survivors = loop {
            let survivors = live_processes(|pid| {
                Some(pid) != watchdog
                    && (in_groups(pid, &groups)
                        || needle.as_deref().is_some_and(|n| mentions(pid, n)))
            });
            if survivors.is_empty() || Instant::now() > deadline {
                break survivors;
            }
            kill_pids(&survivors);
            std::thread::sleep(POLL);
        };
        self.watchdog = None;
        self.directory = None;
        survivors
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// Ids of the live processes, but this one, for which `keep` holds.
fn live_processes(keep: impl Fn(u32) -> bool) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != std::process::id() && keep(*pid))
        .collect()
}

/// Whether the command line of process `pid` mentions `needle` (a unique directory the
/// harness created).
fn mentions(pid: u32, needle: &str) -> bool {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|cmdline| String::from_utf8_lossy(&cmdline).contains(needle))
        .unwrap_or(false)
}

/// Whether process `pid` runs (is not a zombie) in one of the process groups `groups`.
fn in_groups(pid: u32, groups: &[u32]) -> bool {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the `(comm)` field: state, ppid, pgrp.
    let rest = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields.first().is_some_and(|state| *state != "Z")
        && fields
            .get(2)
            .and_then(|g| g.parse::<u32>().ok())
            .is_some_and(|g| groups.contains(&g))
}

/// SIGKILL to each of `pids`.
fn kill_pids(pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let mut command = Command::new("kill");
    command.arg("-KILL").arg("--");
    for pid in pids {
        command.arg(pid.to_string());
    }
    let _ = command.stdout(Stdio::null()).stderr(Stdio::null()).status();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binaries_are_found_on_path_or_at_absolute_paths() {
        assert!(find_binary(None, &["no-such-program-here", "sh"], "hint").is_ok());
        assert!(find_binary(None, &["/no/such/sh", "/bin/sh"], "hint").is_ok());
        let Err(error) = find_binary(None, &["no-such-program-here"], "install it") else {
            panic!("a missing program was found");
        };
        assert_eq!(
            error.to_string(),
            "`no-such-program-here` not found on PATH; install it"
        );
    }

    #[test]
    fn a_log_tail_is_its_last_fifteen_lines() {
        let directory = TempDir::new("log-tail").unwrap();
        let log = directory.path().join("a.log");
        let text: Vec<String> = (1..=20).map(|n| n.to_string()).collect();
        fs::write(&log, text.join("\n")).unwrap();
        assert_eq!(log_tail(&log), text[5..].join("\n"));
        assert_eq!(log_tail(&directory.path().join("missing.log")), "");
    }

    #[tokio::test]
    async fn waiting_ends_with_the_answer_or_with_the_log_of_a_process_that_exited() {
        let mut children = Children::new("wait").unwrap();
        let mut command = Command::new("sh");
        command.args(["-c", "echo starting; exit 3"]);
        let guard = children.spawn("early-exit", command).unwrap();
        let error = guard
            .wait_for("nothing", Duration::from_secs(10), || None::<()>)
            .await
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("early-exit exited (exit status: 3); log:\nstarting"),
            "{error}"
        );
        let mut command = Command::new("sleep");
        command.arg("60");
        let guard = children.spawn("sleeper", command).unwrap();
        let mut polls = 0;
        let answer = guard
            .wait_for("three polls", Duration::from_secs(10), || {
                polls += 1;
                (polls == 3).then_some("ready")
            })
            .await;
        assert_eq!(answer, Ok("ready"));
    }

    #[test]
    fn stopping_ends_every_process_of_every_group_and_removes_the_directory() {
        let mut children = Children::new("stop").unwrap();
        for name in ["first", "second"] {
            let mut command = Command::new("sh");
            // A grandchild in the group, and the shell waiting for it.
            command.args(["-c", "sleep 60 & wait"]);
            children.spawn(name, command).unwrap();
        }
        let directory = children.path().unwrap().to_path_buf();
        let groups: Vec<u32> = children.started.iter().map(ProcessGuard::pid).collect();
        let deadline = Instant::now() + Duration::from_secs(10);
        while live_processes(|pid| in_groups(pid, &groups)).len() < 4 {
            assert!(Instant::now() < deadline, "the sleeps did not start");
            std::thread::sleep(POLL);
        }
        assert_eq!(children.stop(), Vec::<u32>::new());
        assert_eq!(
            live_processes(|pid| in_groups(pid, &groups)),
            Vec::<u32>::new()
        );
        assert!(!directory.exists());
        assert!(children.path().is_err());
    }
}
