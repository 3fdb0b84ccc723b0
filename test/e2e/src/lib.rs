//! End-to-end harness: starts a local cluster with `hack/local-up-cluster.sh` and drives it with
//! upstream's kubectl, helm and Python client, comparing their output with upstream's.
//!
//! Environment: `E2E_BACKENDS` (comma list of `embedded`, `etcd`; `none` skips everything),
//! `E2E_CASES` (a regex over case names), `E2E_REPO_ROOT` (the checkout to test), `E2E_STARTUP_TIMEOUT` (seconds, default 900: it covers
//! building kube-apiserver), `E2E_KEEP=1` (keep the cluster directory for inspection).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use regex::Regex;

/// How long one client command may run before it is killed and reported.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// The repository root: `E2E_REPO_ROOT`, or two levels above this crate (as cargo names its
/// directory to the running test, else where it was built).
pub fn repo_root() -> PathBuf {
    match std::env::var_os("E2E_REPO_ROOT") {
        Some(root) => PathBuf::from(root),
        None => std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf())
            .join("../.."),
    }
}

/// A file under this crate's `testdata/`.
pub fn testdata(name: &str) -> PathBuf {
    repo_root().join("test/e2e/testdata").join(name)
}

/// Upstream's client tools, fetched and cached by `hack/lib.sh`.
#[derive(Debug, Clone)]
pub struct Tools {
    /// kubectl v1.35.
    pub kubectl: PathBuf,
    /// helm.
    pub helm: PathBuf,
    /// The interpreter of a virtualenv holding the `kubernetes` package.
    pub python: PathBuf,
}

/// Fetches the client tools once per test binary (`ensure_kubectl_helm`, `ensure_python_client`).
pub fn tools() -> Result<&'static Tools> {
    static TOOLS: OnceLock<Result<Tools, String>> = OnceLock::new();
    TOOLS
        .get_or_init(|| fetch_tools().map_err(|e| format!("{e:#}")))
        .as_ref()
        .map_err(|e| anyhow!("{e}"))
}

fn fetch_tools() -> Result<Tools> {
    let script = "source hack/lib.sh && ensure_kubectl_helm && ensure_python_client && \
                  printf '%s\\n%s\\n%s\\n' \"$KUBECTL\" \"$HELM\" \"$PYTHON_CLIENT\"";
    let out = Command::new("bash")
        .args(["-c", script])
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .output()
        .context("running bash to fetch kubectl, helm and the Python client")?;
    if !out.status.success() {
        bail!("fetching the client tools failed:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines().map(PathBuf::from);
    match (lines.next(), lines.next(), lines.next()) {
        (Some(kubectl), Some(helm), Some(python)) => Ok(Tools { kubectl, helm, python }),
        _ => bail!("unexpected output from the tool fetch: {text:?}"),
    }
}

/// A storage backend of kube-apiserver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `--data-dir`: the embedded store.
    Embedded,
    /// `--etcd-servers`: a private etcd.
    Etcd,
}

impl Backend {
    /// The name `--storage` takes.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Embedded => "embedded",
            Backend::Etcd => "etcd",
        }
    }

    /// Whether `E2E_BACKENDS` selects this backend (all when unset).
    pub fn selected(self) -> bool {
        match std::env::var("E2E_BACKENDS") {
            Ok(list) if !list.trim().is_empty() => {
                list.split(',').any(|b| b.trim().eq_ignore_ascii_case(self.name()))
            }
            _ => true,
        }
    }
}

/// A running `hack/local-up-cluster.sh`; dropping it stops the cluster and waits for it.
pub struct Cluster {
    backend: Backend,
    child: Option<Child>,
    // Held so the script stops by itself if this process dies without running Drop.
    _stdin: Option<ChildStdin>,
    dir: Option<tempfile::TempDir>,
    kubeconfig: PathBuf,
    home: PathBuf,
    script_log: PathBuf,
}

impl Cluster {
    /// Starts a cluster and waits for the script's `export KUBECONFIG=` line.
    pub fn start(backend: Backend) -> Result<Cluster> {
        let dir = tempfile::Builder::new().prefix(&format!("e2e-{}-", backend.name())).tempdir()?;
        let cluster_dir = dir.path().join("cluster");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home)?;
        let script_log = dir.path().join("local-up-cluster.log");
        let log_file = std::fs::File::create(&script_log)?;
        let mut child = Command::new("bash")
            .arg(repo_root().join("hack/local-up-cluster.sh"))
            .args(["--dir".as_ref(), cluster_dir.as_os_str()])
            .args(["--storage", backend.name()])
            .env("API_PORT", "0")
            .env("STOP_ON_STDIN_EOF", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .context("spawning hack/local-up-cluster.sh")?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout pipe"))?;
        let mut cluster = Cluster {
            backend,
            child: Some(child),
            _stdin: stdin,
            dir: Some(dir),
            kubeconfig: PathBuf::new(),
            home,
            script_log,
        };
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(path) = line.strip_prefix("export KUBECONFIG=") {
                    let _ = tx.send(PathBuf::from(path));
                }
            }
        });
        let timeout = std::env::var("E2E_STARTUP_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(Duration::from_secs(900));
        match rx.recv_timeout(timeout) {
            Ok(path) => {
                cluster.kubeconfig = path;
                Ok(cluster)
            }
            Err(RecvTimeoutError::Timeout) => Err(anyhow!(
                "the {} cluster did not come up within {timeout:?}\n{}",
                backend.name(),
                cluster.script_log_text()
            )),
            Err(RecvTimeoutError::Disconnected) => Err(anyhow!(
                "hack/local-up-cluster.sh --storage {} exited before the cluster was ready\n{}",
                backend.name(),
                cluster.script_log_text()
            )),
        }
    }

    /// The backend this cluster stores its data in.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The admin kubeconfig the script wrote.
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// The script's own log (its stderr), which ends with the component log tail on failure.
    pub fn script_log_text(&self) -> String {
        let text = std::fs::read_to_string(&self.script_log).unwrap_or_default();
        format!("--- hack/local-up-cluster.sh output ---\n{text}--- end ---")
    }

    /// The last lines of kube-apiserver's log.
    pub fn apiserver_log_tail(&self, lines: usize) -> String {
        let Some(dir) = &self.dir else { return String::new() };
        let text = std::fs::read_to_string(dir.path().join("cluster/logs/kube-apiserver.log"))
            .unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// A command for a client tool with this cluster's kubeconfig and a private HOME (so caches
    /// from other clusters on the same port never leak in).
    pub fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", &self.home)
            .env_remove("KUBECTL_EXTERNAL_DIFF")
            .env_remove("HELM_NAMESPACE")
            .current_dir(&self.home);
        cmd
    }

    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        // SIGTERM, not Child::kill's SIGKILL: the script must get to stop what it started.
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let (tx, rx) = mpsc::channel();
        let pid = child.id();
        thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        if rx.recv_timeout(Duration::from_secs(60)).is_err() {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            let _ = rx.recv_timeout(Duration::from_secs(10));
        }
        self._stdin = None;
        if std::env::var("E2E_KEEP").as_deref() == Ok("1")
            && let Some(dir) = self.dir.take()
        {
            eprintln!("keeping {}", dir.keep().display());
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What a finished command left behind.
#[derive(Debug, Clone)]
pub struct Output {
    /// The exit code (None when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// The output when the command succeeded, an error with everything it printed otherwise.
    pub fn ok(self, what: &str) -> Result<String> {
        if self.code == Some(0) {
            Ok(self.stdout)
        } else {
            bail!(
                "{what}: exit {:?}\nstdout:\n{}\nstderr:\n{}",
                self.code,
                self.stdout,
                self.stderr
            )
        }
    }

    /// The standard error when the command failed with exit code 1, an error otherwise.
    pub fn fails(self, what: &str) -> Result<String> {
        if self.code == Some(1) {
            Ok(self.stderr)
        } else {
            bail!(
                "{what}: expected exit 1, got {:?}\nstdout:\n{}\nstderr:\n{}",
                self.code,
                self.stdout,
                self.stderr
            )
        }
    }
}

/// Runs a command with `stdin` as its input, killing it after [`COMMAND_TIMEOUT`].
pub fn run(mut cmd: Command, stdin: Option<&str>) -> Result<Output> {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("spawning {shown}"))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let input = input.to_owned();
        thread::spawn(move || {
            let _ = pipe.write_all(input.as_bytes());
        });
    }
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(COMMAND_TIMEOUT) {
        Ok(out) => out?,
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            bail!("{shown} did not finish within {COMMAND_TIMEOUT:?}");
        }
    };
    Ok(Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// A long-running command (such as `kubectl get -w`) whose output is read line by line.
pub struct Streaming {
    child: Child,
    lines: Receiver<String>,
    shown: String,
}

impl Streaming {
    /// Spawns `cmd` with its standard output read line by line.
    pub fn spawn(mut cmd: Command) -> Result<Streaming> {
        let shown = format!("{cmd:?}");
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("spawning {shown}"))?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout pipe"))?;
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Streaming { child, lines, shown })
    }

    /// The next line, waiting at most `timeout`.
    pub fn next_line(&mut self, timeout: Duration) -> Result<String> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => Ok(line),
            Err(e) => {
                let _ = self.child.kill();
                let mut err = String::new();
                if let Some(mut stderr) = self.child.stderr.take() {
                    let _ = stderr.read_to_string(&mut err);
                }
                bail!("{}: no next line ({e}); stderr:\n{err}", self.shown)
            }
        }
    }
}

impl Drop for Streaming {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Compares two texts, reporting the first differing line.
pub fn expect_eq(what: &str, actual: &str, expected: &str) -> Result<()> {
    if actual == expected {
        return Ok(());
    }
    let (a, e): (Vec<&str>, Vec<&str>) = (actual.lines().collect(), expected.lines().collect());
    let line = a.iter().zip(&e).position(|(x, y)| x != y).unwrap_or(a.len().min(e.len()));
    bail!(
        "{what}: output differs at line {}\n  got:  {:?}\n  want: {:?}\n--- got ---\n{actual}--- want ---\n{expected}---",
        line + 1,
        a.get(line).copied().unwrap_or("<end>"),
        e.get(line).copied().unwrap_or("<end>")
    )
}

/// Checks that `actual` matches the regex `pattern` as a whole.
pub fn expect_match(what: &str, actual: &str, pattern: &str) -> Result<()> {
    let re = Regex::new(&format!("^(?:{pattern})$"))?;
    if re.is_match(actual) {
        Ok(())
    } else {
        bail!("{what}: output does not match /{pattern}/\n--- got ---\n{actual}---")
    }
}

/// The placeholder for an AGE cell in [`table`]: it matches any age and is laid out as if it
/// were three characters wide (`0s` to `99s`), as a fresh object's age is.
pub const AGE: &str = "<AGE>";

/// Lays out rows as kubectl's tab writer does: each cell padded to its column's widest cell plus
/// three, at least six, the last cell of a row unpadded.
pub fn table(rows: &[&[&str]]) -> String {
    let width = |cell: &str| if cell == AGE { 3 } else { cell.chars().count() };
    let columns = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            let widest = rows.iter().filter_map(|r| r.get(c)).map(|s| width(s)).max().unwrap_or(0);
            (widest + 3).max(6)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if c + 1 < row.len() {
                out.push_str(&" ".repeat(widths[c] - width(cell)));
            }
        }
        out.push('\n');
    }
    out
}

/// Compares a table (from [`table`]) with output, AGE cells matching any age.
pub fn expect_table(what: &str, actual: &str, rows: &[&[&str]]) -> Result<()> {
    let expected = table(rows);
    let mut pattern = String::new();
    for (i, part) in expected.split(AGE).enumerate() {
        if i > 0 {
            pattern.push_str("[0-9]+[smhdy][0-9smhdy]*");
            // The padding after a fresh age varies with its width.
            let trimmed = part.trim_start_matches(' ');
            if trimmed.len() != part.len() {
                pattern.push_str(" +");
            }
            pattern.push_str(&regex::escape(trimmed));
        } else {
            pattern.push_str(&regex::escape(part));
        }
    }
    if Regex::new(&format!("^{pattern}$"))?.is_match(actual) {
        Ok(())
    } else {
        bail!("{what}: table differs\n--- got ---\n{actual}--- want ---\n{expected}---")
    }
}

/// Replaces the server-chosen values (uid, resourceVersion, timestamps) in YAML or JSON output
/// with fixed words, checking each has upstream's form.
pub fn normalize_server_fields(text: &str) -> String {
    static RULES: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        [
            (r#"("?creationTimestamp"?: )"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ""#, r#"${1}"TIMESTAMP""#),
            (r#"("?resourceVersion"?: )"\d+""#, r#"${1}"RV""#),
            (
                r#"("?uid"?: )("?)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}("?)"#,
                "${1}${2}UID${3}",
            ),
        ]
        .into_iter()
        .filter_map(|(re, with)| Regex::new(re).ok().map(|re| (re, with)))
        .collect()
    });
    let mut out = text.to_owned();
    for (re, with) in rules {
        out = re.replace_all(&out, *with).into_owned();
    }
    out
}

/// One end-to-end case: a name to select it by and the check it runs against a cluster.
pub struct Case {
    /// `area/what`, matched by `E2E_CASES`.
    pub name: &'static str,
    /// The check.
    pub run: fn(&Ctx) -> Result<()>,
}

/// What a case gets: the cluster, the tools and a scratch directory.
pub struct Ctx<'a> {
    /// The running cluster.
    pub cluster: &'a Cluster,
    /// kubectl, helm, python.
    pub tools: &'a Tools,
    /// A scratch directory for files the case writes.
    pub work: PathBuf,
}

impl Ctx<'_> {
    /// Runs kubectl with `args`.
    pub fn kubectl(&self, args: &[&str]) -> Result<Output> {
        let mut cmd = self.cluster.command(&self.tools.kubectl);
        cmd.args(args);
        run(cmd, None)
    }

    /// Runs kubectl with `args` and `input` on its standard input.
    pub fn kubectl_stdin(&self, args: &[&str], input: &str) -> Result<Output> {
        let mut cmd = self.cluster.command(&self.tools.kubectl);
        cmd.args(args);
        run(cmd, Some(input))
    }

    /// Runs kubectl and returns its standard output, failing unless it exits 0.
    pub fn kubectl_ok(&self, args: &[&str]) -> Result<String> {
        self.kubectl(args)?.ok(&format!("kubectl {}", args.join(" ")))
    }

    /// Runs kubectl and returns its standard error, failing unless it exits 1.
    pub fn kubectl_fails(&self, args: &[&str]) -> Result<String> {
        self.kubectl(args)?.fails(&format!("kubectl {}", args.join(" ")))
    }

    /// Runs kubectl and compares its standard output with `expected`.
    pub fn kubectl_expect(&self, args: &[&str], expected: &str) -> Result<()> {
        let out = self.kubectl_ok(args)?;
        expect_eq(&format!("kubectl {}", args.join(" ")), &out, expected)
    }

    /// Runs helm with `args`.
    pub fn helm(&self, args: &[&str]) -> Result<Output> {
        let mut cmd = self.cluster.command(&self.tools.helm);
        cmd.args(args);
        run(cmd, None)
    }

    /// Runs the virtualenv's python with `args`.
    pub fn python(&self, args: &[&str]) -> Result<Output> {
        let mut cmd = self.cluster.command(&self.tools.python);
        cmd.args(args);
        run(cmd, None)
    }

    /// Starts a long-running kubectl.
    pub fn kubectl_stream(&self, args: &[&str]) -> Result<Streaming> {
        let mut cmd = self.cluster.command(&self.tools.kubectl);
        cmd.args(args);
        Streaming::spawn(cmd)
    }

    /// Creates the namespace `e2e-<suffix>` and returns its name.
    pub fn namespace(&self, suffix: &str) -> Result<String> {
        let name = format!("e2e-{suffix}");
        self.kubectl_expect(
            &["create", "namespace", &name],
            &format!("namespace/{name} created\n"),
        )?;
        Ok(name)
    }

    /// Writes `text` to a file in the scratch directory and returns its path.
    pub fn write(&self, name: &str, text: &str) -> Result<String> {
        let path = self.work.join(name);
        std::fs::write(&path, text)?;
        Ok(path.to_string_lossy().into_owned())
    }
}

/// Starts one cluster on `backend` and runs every selected case against it, then panics with a
/// report of every failed case (the cluster is stopped first either way).
pub fn run_suite(backend: Backend, cases: &[Case], pending: &[(&str, &str)]) {
    if !backend.selected() {
        eprintln!("e2e: backend {} not in E2E_BACKENDS; skipped", backend.name());
        return;
    }
    let filter = match std::env::var("E2E_CASES") {
        Ok(f) if !f.is_empty() => match Regex::new(&f) {
            Ok(re) => Some(re),
            Err(e) => panic!("E2E_CASES is not a valid regex: {e}"),
        },
        _ => None,
    };
    let selected: Vec<&Case> =
        cases.iter().filter(|c| filter.as_ref().is_none_or(|re| re.is_match(c.name))).collect();
    if selected.is_empty() {
        eprintln!("e2e: no case matches E2E_CASES");
        return;
    }
    let failures = match run_selected(backend, &selected) {
        Ok(failures) => failures,
        Err(e) => panic!("e2e [{}]: {e:#}", backend.name()),
    };
    // Cases for features the server does not have yet run too, and are reported, but their
    // failure does not fail the suite; once one passes it must leave the pending list.
    let (expected, failures): (Vec<_>, Vec<_>) =
        failures.into_iter().partition(|(name, _)| pending.iter().any(|(p, _)| p == name));
    for (name, err) in &expected {
        let why = pending.iter().find(|(p, _)| p == name).map(|(_, w)| *w).unwrap_or("");
        let first = err.lines().next().unwrap_or("");
        eprintln!("e2e [{}] PENDING {name}: {why} (fails with: {first})", backend.name());
    }
    let passing_pending: Vec<&str> = pending
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| selected.iter().any(|c| c.name == *p) && !expected.iter().any(|(n, _)| n == p))
        .collect();
    if !passing_pending.is_empty() {
        panic!(
            "e2e [{}]: pending cases now pass, remove them from the pending list: {passing_pending:?}",
            backend.name()
        );
    }
    if !failures.is_empty() {
        let mut report = format!(
            "e2e [{}]: {} of {} cases failed:\n",
            backend.name(),
            failures.len(),
            selected.len()
        );
        for (name, err) in &failures {
            report.push_str(&format!("\n=== {name}\n{err}\n"));
        }
        panic!("{report}");
    }
}

fn run_selected(backend: Backend, cases: &[&Case]) -> Result<Vec<(&'static str, String)>> {
    let tools = tools()?;
    let cluster = Cluster::start(backend)?;
    let work = tempfile::tempdir()?;
    let mut failures = Vec::new();
    for case in cases {
        let dir = work.path().join(case.name.replace('/', "-"));
        std::fs::create_dir_all(&dir)?;
        let ctx = Ctx { cluster: &cluster, tools, work: dir };
        let started = Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (case.run)(&ctx)));
        let outcome = match result {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("{e:#}")),
            Err(_) => Some("the case panicked".to_owned()),
        };
        let took = started.elapsed();
        match outcome {
            None => eprintln!("e2e [{}] ok   {} ({took:.1?})", backend.name(), case.name),
            Some(err) => {
                eprintln!("e2e [{}] FAIL {} ({took:.1?})", backend.name(), case.name);
                let tail = cluster.apiserver_log_tail(15);
                let report = if tail.is_empty() {
                    err
                } else {
                    format!("{err}\n--- kube-apiserver log tail ---\n{tail}")
                };
                failures.push((case.name, report));
            }
        }
    }
    Ok(failures)
}
