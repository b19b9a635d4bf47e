//! Finding the PostgreSQL server binaries and running them as the right user.
//!
//! PostgreSQL refuses to run as root, and CI and our machines run as root: every server-side
//! command (`initdb`, `pg_ctl`) then runs through `runuser -u postgres --`, which Debian ships in
//! util-linux. Binaries come from `PG_BINDIR`, else `pg_config --bindir`, else the newest
//! `/usr/lib/postgresql/<major>/bin` (Debian's layout).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, ErrorKind, Result};

const DEBIAN_ROOT: &str = "/usr/lib/postgresql";

/// Locate a directory holding `initdb`, `pg_ctl` and `postgres`.
pub fn find() -> Result<PathBuf> {
    if let Ok(dir) = std::env::var("PG_BINDIR") {
        let dir = PathBuf::from(dir);
        return if has_server(&dir) {
            Ok(dir)
        } else {
            Err(missing(&format!("PG_BINDIR={} has no initdb/pg_ctl/postgres", dir.display())))
        };
    }
    if let Some(dir) = from_pg_config().filter(|d| has_server(d)) {
        return Ok(dir);
    }
    newest_debian().ok_or_else(|| missing("no PostgreSQL server binaries were found"))
}

fn has_server(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"].iter().all(|b| dir.join(b).is_file())
}

fn from_pg_config() -> Option<PathBuf> {
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    out.status.success().then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn newest_debian() -> Option<PathBuf> {
    let mut majors: Vec<(u32, PathBuf)> = std::fs::read_dir(DEBIAN_ROOT)
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_server(&bin).then_some((major, bin))
        })
        .collect();
    majors.sort();
    majors.pop().map(|(_, bin)| bin)
}

fn missing(what: &str) -> Error {
    Error::new(
        ErrorKind::Environment,
        format!(
            "{what} (looked in PG_BINDIR, `pg_config --bindir` and {DEBIAN_ROOT}/*/bin): install \
             the Debian package postgresql-15 (`apt-get install postgresql-15`) or set PG_BINDIR"
        ),
    )
}

/// How server-side commands are run: directly, or as `postgres` through runuser when root.
#[derive(Debug, Clone)]
pub struct Runner {
    bindir: PathBuf,
    as_postgres: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
}

impl Runner {
    /// A runner for `bindir`; when the process is root, commands run as the `postgres` user.
    pub fn new(bindir: PathBuf) -> Result<Self> {
        if !nix::unistd::geteuid().is_root() {
            return Ok(Runner { bindir, as_postgres: None });
        }
        let user = nix::unistd::User::from_name("postgres").ok().flatten().ok_or_else(|| {
            Error::new(
                ErrorKind::Environment,
                "running as root, and PostgreSQL refuses to run as root, but there is no \
                     `postgres` user to run it as: install the Debian package postgresql-15",
            )
        })?;
        Ok(Runner { bindir, as_postgres: Some((user.uid, user.gid)) })
    }

    /// The binaries directory.
    pub fn bindir(&self) -> &Path {
        &self.bindir
    }

    /// A command for the server binary `program`, run as the right user.
    pub fn command(&self, program: &str) -> Command {
        let path = self.bindir.join(program);
        match self.as_postgres {
            Some(_) => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", "postgres", "--"]).arg(path);
                cmd
            }
            None => Command::new(path),
        }
    }

    /// The shell prefix for the same (`runuser -u postgres -- ` or nothing).
    pub fn shell_prefix(&self) -> &'static str {
        if self.as_postgres.is_some() { "runuser -u postgres -- " } else { "" }
    }

    /// Give `path` to the server's user so it can write there.
    pub fn hand_over(&self, path: &Path) -> Result<()> {
        if let Some((uid, gid)) = self.as_postgres {
            std::os::unix::fs::chown(path, Some(uid.as_raw()), Some(gid.as_raw()))
                .map_err(|e| Error::io(format!("chown {} to postgres", path.display()), e))?;
        }
        Ok(())
    }
}

/// Run `cmd` to completion; a failure carries the command's stderr.
pub fn run(mut cmd: Command, what: &str) -> Result<()> {
    let out = cmd.output().map_err(|e| Error::io(format!("running {what}"), e))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    Err(Error::new(
        ErrorKind::Environment,
        format!("{what} failed ({}): {}", out.status, stderr.trim()),
    ))
}
