# Sourced by test.sh and coverage.sh: the environment of the one build of the
# workspace that `make test` compiles for this machine. In it,
#   - cargo-llvm-cov's wrapper instruments the workspace's own crates for
#     coverage (the dependencies are compiled as in any debug build), and
#   - clippy-driver compiles the workspace's crates in place of rustc, so
#     clippy's lints (as errors) come with the build instead of a second
#     compilation of everything (`cargo clippy` is `cargo check` with this
#     same wrapper).
# The tests, the local API's binaries (cargo lambda watch runs them with this
# environment) and the smoke binary all come from that build, so the black-box
# tests exercise instrumented binaries too. Cargo records the wrapper in the
# fingerprints, so a plain `cargo build` (make dev) rebuilds the workspace's
# crates without it rather than running instrumented ones; the dependencies
# are shared between the two.
#
# Once per process tree (test.sh sources it, then coverage.sh): a second
# show-env would wrap cargo-llvm-cov in itself, without end.
if [ "${CARGO_LLVM_COV_SHOW_ENV:-}" != 1 ]; then
  need cov clippy llvm
  eval "$(cargo llvm-cov show-env --sh 2>/dev/null)"
  RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)"
  # How `cargo clippy -- -D warnings` hands its arguments to clippy-driver.
  CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
  export RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS
fi
