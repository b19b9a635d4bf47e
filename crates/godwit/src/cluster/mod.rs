//! Throwaway local PostgreSQL clusters, for tests, `godwit demo` and rehearsals.
//!
//! A [`LocalCluster`] is initialised in a fresh temporary directory, listens on a free loopback
//! port and on a unix socket inside that directory, runs with `wal_level=logical` (so logical
//! replication works) and with durability switched off (`fsync=off`), because it only ever
//! holds data that can be thrown away.
//!
//! Clean-up must happen even when a test panics or the process is killed: a small reaper
//! process (`sh`) is started beside the server, holding the read end of a pipe. When the
//! cluster is dropped, or the owning process dies for any reason, the pipe closes and the
//! reaper stops the server (`pg_ctl stop -m immediate`) and removes the directory.

mod bindir;
mod certs;
mod hba;

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

pub use bindir::find as find_bindir;
pub use certs::TlsFiles;
pub use hba::Auth;

use crate::error::{Error, Result};

/// How to start a cluster.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// Serve TLS with freshly generated certificates (see [`LocalCluster::tls`]).
    pub tls: bool,
    /// Authentication rules.
    pub auth: Auth,
    /// Extra `postgresql.conf` settings (name, value) appended after godwit's own.
    pub settings: Vec<(String, String)>,
    /// Use these binaries instead of searching for them.
    pub bindir: Option<PathBuf>,
}

/// How [`LocalCluster::shut_down`] stops the server (`pg_ctl stop -m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// Disconnect the clients, write a shutdown checkpoint, stop (`fast`).
    Fast,
    /// Kill every server process at once, as a crash would; the next start replays the WAL
    /// (`immediate`).
    Immediate,
}

impl Shutdown {
    fn as_arg(self) -> &'static str {
        match self {
            Shutdown::Fast => "fast",
            Shutdown::Immediate => "immediate",
        }
    }
}

/// A running throwaway cluster; stopped and removed on drop.
#[derive(Debug)]
pub struct LocalCluster {
    dir: PathBuf,
    port: u16,
    runner: bindir::Runner,
    tls: Option<TlsFiles>,
    reaper: Option<(Child, ChildStdin)>,
}

const START_ATTEMPTS: usize = 5;

impl LocalCluster {
    /// Initialise and start a cluster. Blocking: call from `spawn_blocking` in async code.
    pub fn start(options: &ClusterOptions) -> Result<LocalCluster> {
        let bindir = match &options.bindir {
            Some(dir) => dir.clone(),
            None => bindir::find()?,
        };
        let runner = bindir::Runner::new(bindir)?;
        let dir = tempfile::Builder::new()
            .prefix("godwit-pg-")
            .tempdir()
            .map_err(|e| Error::io("creating a temporary directory for a cluster", e))?
            .keep();
        let mut cluster = LocalCluster { dir, port: 0, runner, tls: None, reaper: None };
        cluster.reaper = Some(cluster.spawn_reaper()?);
        cluster.init(options)?;
        cluster.start_on_free_port(options)?;
        Ok(cluster)
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding the unix socket (`host=` for socket connections).
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    /// The directory of the PostgreSQL binaries in use (`psql`, `pg_dump` live there).
    pub fn bindir(&self) -> &Path {
        self.runner.bindir()
    }

    /// The certificates, when started with TLS.
    pub fn tls(&self) -> Option<&TlsFiles> {
        self.tls.as_ref()
    }

    /// A libpq URI for `dbname` as the superuser `postgres` over loopback TCP.
    pub fn url(&self, dbname: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{dbname}", self.port)
    }

    /// The server log so far (for diagnosing failures).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// Shut the server down (`pg_ctl stop -m MODE`) and keep its directory, so that
    /// [`LocalCluster::start_again`] can bring it back: what a client sees when its server
    /// restarts. Blocking.
    pub fn shut_down(&self, mode: Shutdown) -> Result<()> {
        let mut pg_ctl = self.runner.command("pg_ctl");
        pg_ctl.arg("-D").arg(self.data_dir()).args(["-w", "-t", "60", "-m", mode.as_arg(), "stop"]);
        bindir::run(pg_ctl, "pg_ctl stop")
    }

    /// Start a server stopped by [`LocalCluster::shut_down`] again, on the same port and data
    /// directory (after an immediate shutdown it recovers from its WAL first). Blocking.
    pub fn start_again(&self) -> Result<()> {
        let mut pg_ctl = self.runner.command("pg_ctl");
        pg_ctl.arg("-D").arg(self.data_dir()).arg("-l").arg(self.dir.join("server.log"));
        pg_ctl.args(["-w", "-t", "60", "start"]);
        bindir::run(pg_ctl, "pg_ctl start")
            .map_err(|e| e.context(format!("server log: {}", tail(&self.log()))))
    }

    /// Stop the server and remove its directory now (also done on drop).
    pub fn stop(&mut self) {
        if let Some((mut child, stdin)) = self.reaper.take() {
            drop(stdin);
            let _ = child.wait();
        }
    }

    /// Leave the cluster running after this process exits (`godwit demo --keep`); returns the
    /// shell command that stops it and removes its directory.
    pub fn keep(mut self) -> String {
        if let Some((mut child, stdin)) = self.reaper.take() {
            let _ = child.kill();
            let _ = child.wait();
            drop(stdin);
        }
        format!(
            "{}{} -D {} stop && rm -rf {}",
            self.runner.shell_prefix(),
            shell_quote(&self.runner.bindir().join("pg_ctl")),
            shell_quote(&self.data_dir()),
            shell_quote(&self.dir)
        )
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn spawn_reaper(&self) -> Result<(Child, ChildStdin)> {
        use std::os::unix::process::CommandExt;
        let script = format!(
            "read _closed; {prefix}{pg_ctl} -D {data} stop -m immediate >/dev/null 2>&1; rm -rf {dir}",
            prefix = self.runner.shell_prefix(),
            pg_ctl = shell_quote(&self.runner.bindir().join("pg_ctl")),
            data = shell_quote(&self.data_dir()),
            dir = shell_quote(&self.dir),
        );
        let mut child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| Error::io("starting the cluster clean-up process (sh)", e))?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| Error::internal("clean-up process has no stdin pipe"))?;
        Ok((child, stdin))
    }

    fn init(&mut self, options: &ClusterOptions) -> Result<()> {
        self.runner.hand_over(&self.dir)?;
        let mut initdb = self.runner.command("initdb");
        initdb
            .arg("-D")
            .arg(self.data_dir())
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"])
            .args(["--no-sync", "--no-instructions"]);
        bindir::run(initdb, "initdb")?;
        if options.tls {
            let tls = certs::generate(&self.dir)?;
            for path in [&tls.server_cert, &tls.server_key, &tls.ca_cert] {
                self.runner.hand_over(path)?;
            }
            self.tls = Some(tls);
        }
        let hba = self.data_dir().join("pg_hba.conf");
        std::fs::write(&hba, hba::render(options.auth))
            .map_err(|e| Error::io(format!("writing {}", hba.display()), e))
    }

    fn start_on_free_port(&mut self, options: &ClusterOptions) -> Result<()> {
        let mut last = None;
        for _ in 0..START_ATTEMPTS {
            self.port = free_port()?;
            self.write_settings(options)?;
            let mut pg_ctl = self.runner.command("pg_ctl");
            pg_ctl
                .arg("-D")
                .arg(self.data_dir())
                .arg("-l")
                .arg(self.dir.join("server.log"))
                .args(["-w", "-t", "60", "start"]);
            match bindir::run(pg_ctl, "pg_ctl start") {
                Ok(()) => return Ok(()),
                Err(e) if self.log().contains("could not bind") => last = Some(e),
                Err(e) => return Err(e.context(format!("server log: {}", tail(&self.log())))),
            }
        }
        Err(last.unwrap_or_else(|| Error::internal("no start attempt was made")))
    }

    fn write_settings(&self, options: &ClusterOptions) -> Result<()> {
        let mut conf = format!(
            "port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             wal_level = logical\nmax_replication_slots = 32\nmax_wal_senders = 32\n\
             max_connections = 200\nfsync = off\nsynchronous_commit = off\n\
             full_page_writes = off\nshared_buffers = 128MB\n",
            self.port,
            self.dir.display()
        );
        if let Some(tls) = &self.tls {
            conf.push_str(&format!(
                "ssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\nssl_ca_file = '{}'\n",
                tls.server_cert.display(),
                tls.server_key.display(),
                tls.ca_cert.display()
            ));
        }
        for (name, value) in &options.settings {
            conf.push_str(&format!("{name} = '{}'\n", value.replace('\'', "''")));
        }
        let path = self.data_dir().join("postgresql.auto.conf");
        let mut file = std::fs::File::create(&path)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        file.write_all(conf.as_bytes())
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        self.runner.hand_over(&path)
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::io("finding a free port on 127.0.0.1", e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::io("finding a free port on 127.0.0.1", e))
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}
