//! A progress bar on stderr for long runs (a sweep of many points, sampled
//! plans). It draws only when stderr is a terminal and only once the run
//! has lasted a second, so quick runs, pipes and logs see nothing at all;
//! it clears itself at the end.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a run stays quiet before the bar appears.
const QUIET_FOR: Duration = Duration::from_secs(1);

const TEMPLATE: &str = "{msg} [{bar:40}] {pos}/{len} ({eta} left)";

/// A progress bar shared by the worker threads (`inc` takes `&self`).
pub struct Progress {
    bar: ProgressBar,
    /// Whether the bar may ever draw: stderr is a terminal.
    terminal: bool,
    quiet_for: Duration,
    /// Set once the bar has been switched to stderr.
    shown: AtomicBool,
}

impl Progress {
    /// A bar of `total` steps named `label`, hidden for now.
    pub fn new(total: u64, label: &str) -> Progress {
        Progress::on(total, label, std::io::stderr().is_terminal(), QUIET_FOR)
    }

    fn on(total: u64, label: &str, terminal: bool, quiet_for: Duration) -> Progress {
        let style = ProgressStyle::with_template(TEMPLATE).unwrap_or_else(|_| ProgressStyle::default_bar());
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden())
            .with_style(style.progress_chars("=> "))
            .with_message(label.to_string());
        Progress {
            bar,
            terminal,
            quiet_for,
            shown: AtomicBool::new(false),
        }
    }

    /// Counts `n` more steps done; from any thread.
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
        if self.terminal && self.bar.elapsed() >= self.quiet_for && !self.shown.swap(true, Ordering::Relaxed) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Whether the bar draws nothing (yet).
    pub fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }

    /// Removes the bar, leaving nothing on the terminal.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_hidden_for_the_first_second() {
        let p = Progress::new(100, "test");
        p.inc(1);
        assert!(p.is_hidden());
        p.finish();
    }

    #[test]
    fn never_draws_when_stderr_is_not_a_terminal() {
        let p = Progress::on(10, "test", false, Duration::ZERO);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| (0..5).for_each(|_| p.inc(1)));
            }
        });
        assert!(p.is_hidden());
        assert!(!p.shown.load(Ordering::Relaxed));
        assert_eq!(p.bar.position(), 20);
        p.finish();
    }

    #[test]
    fn switches_to_stderr_once_the_quiet_time_has_passed() {
        let p = Progress::on(10, "test", true, Duration::ZERO);
        assert!(!p.shown.load(Ordering::Relaxed));
        p.inc(1);
        assert!(p.shown.load(Ordering::Relaxed));
        p.finish();
    }
}
