//! Graceful shutdown on SIGTERM and SIGINT (k8s.io/apiserver's `SetupSignalHandler`): the
//! first signal cancels a token every part of the daemon watches; a second one exits at once
//! with code 1, for an operator who does not want to wait for the drain.

use std::sync::{Mutex, OnceLock};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

struct Handler {
    token: CancellationToken,
    /// Feeds the watcher: one entry per signal (or [`request_shutdown`]).
    signals: mpsc::Sender<()>,
}

static HANDLER: OnceLock<Handler> = OnceLock::new();

/// Installs the process's SIGTERM/SIGINT handler and returns the token it cancels on the first
/// signal; the second signal ends the process with exit code 1. The handler runs on its own
/// thread, so it may be installed before any runtime exists and outlives any runtime. Upstream
/// allows one call only; here later calls hand back the same token.
pub fn setup_signal_handler() -> std::io::Result<CancellationToken> {
    static INSTALL: Mutex<()> = Mutex::new(());
    let _installing = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(h) = HANDLER.get() {
        return Ok(h.token.clone());
    }
    let token = CancellationToken::new();
    let (tx, rx) = mpsc::channel(2);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (forward, cancel) = (tx.clone(), token.clone());
    std::thread::Builder::new().name("signal-handler".into()).spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(r) => r,
            Err(e) => {
                let _ = ready_tx.send(Err(e));
                return;
            }
        };
        runtime.block_on(async move {
            let (mut term, mut int) = match register() {
                Ok(s) => s,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            let _ = ready_tx.send(Ok(()));
            tokio::spawn(shutdown_on_signals(rx, cancel, || std::process::exit(1)));
            loop {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
                // A full queue already holds the second signal.
                let _ = forward.try_send(());
            }
        });
    })?;
    ready_rx.recv().map_err(|_| std::io::Error::other("signal handler thread ended"))??;
    let _ = HANDLER.set(Handler { token: token.clone(), signals: tx });
    Ok(token)
}

fn register() -> std::io::Result<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)> {
    use tokio::signal::unix::{SignalKind, signal};
    Ok((signal(SignalKind::terminate())?, signal(SignalKind::interrupt())?))
}

/// Acts as if a shutdown signal arrived (upstream's `RequestShutdown`); false when no handler
/// is installed or two signals are already queued.
pub fn request_shutdown() -> bool {
    HANDLER.get().is_some_and(|h| h.signals.try_send(()).is_ok())
}

/// The first signal cancels `token`; the second calls `exit`.
pub(crate) async fn shutdown_on_signals(
    mut signals: mpsc::Receiver<()>,
    token: CancellationToken,
    exit: impl FnOnce(),
) {
    if signals.recv().await.is_none() {
        return;
    }
    tracing::info!("received a shutdown signal; stopping (a second signal exits immediately)");
    token.cancel();
    if signals.recv().await.is_some() {
        exit();
    }
}
