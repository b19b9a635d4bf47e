#!/usr/bin/env bash
# The whole test suite: formatting, lints, then every unit and integration test.
# Integration tests start their own throwaway PostgreSQL clusters (PostgreSQL 15 server
# binaries must be installed: `apt-get install postgresql-15`, or set PG_BINDIR).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
