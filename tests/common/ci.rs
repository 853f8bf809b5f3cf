//! The one rule for checks that need what a machine may lack (a Python module, chromium, root
//! for a local Slurm or a tmpfs): under CI (`CI` set, as `.ci/run` does) the test fails; elsewhere
//! it prints a notice and skips. Shared by every test crate (`#[path]` to this file).

/// `test` cannot run its check because `what` is missing: panics under CI, otherwise prints
/// `SKIPPED <test>: <what>` to the real stderr (past the harness's capture) and returns, for the
/// caller to skip.
pub fn skip_unless_ci(test: &str, what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {what} (CI must provide it: see .ci/run and tests/requirements.txt)");
    }
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {what} (set CI=1 to make this a failure)"
    );
}
