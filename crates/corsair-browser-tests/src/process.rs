//! Child processes that cannot outlive the harness.
//!
//! Each child runs in its own process group, so killing the group also ends whatever it
//! started (Chromium's renderer, GPU and utility processes). A [`ProcessGuard`] kills its group
//! when dropped: at the end of a test, on a panic (a failed assertion unwinds), and on a
//! timeout (the suite wraps its work in one). A [`Watchdog`] covers the case where the test
//! process itself is killed and nothing unwinds: a shell in its own group polls the test
//! process and kills the guarded groups as soon as it is gone.

use std::{
    fs,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use crate::{Error, Result};

/// A child process (and its process group) that is killed when this is dropped.
#[derive(Debug)]
pub struct ProcessGuard {
    name: &'static str,
    child: Child,
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
        Ok(Self { name, child })
    }

    /// The process id, which is also the process group id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `Some(status)` when the process has already exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The name given at start.
    pub fn name(&self) -> &'static str {
        self.name
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

/// Process ids of live processes whose command line mentions `needle` (a unique directory the
/// harness created), so that anything that left our process groups can still be ended by id.
pub fn processes_mentioning(needle: &str) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != std::process::id())
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline"))
                .map(|cmdline| String::from_utf8_lossy(&cmdline).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

/// Ends every process that still mentions `directory` in its command line (a browser that
/// left the harness's process groups), but the `watchdog`, for up to three seconds; returns
/// those that survived.
pub fn reap(directory: Option<&TempDir>, watchdog: Option<&Watchdog>) -> Vec<u32> {
    let Some(directory) = directory else {
        return Vec::new();
    };
    let needle = directory.path().display().to_string();
    let watchdog = watchdog.map(Watchdog::pid);
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let survivors: Vec<u32> = processes_mentioning(&needle)
            .into_iter()
            .filter(|pid| Some(*pid) != watchdog)
            .collect();
        if survivors.is_empty() || Instant::now() > deadline {
            return survivors;
        }
        kill_pids(&survivors);
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGKILL to each of `pids`.
pub fn kill_pids(pids: &[u32]) {
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
