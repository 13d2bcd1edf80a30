#!/usr/bin/env bash
# Forge's test command: installs what the tests need on a fresh machine, then runs every test.
#
#   scripts/install-test-deps.sh    system tools (jq, tmux) from Debian/Ubuntu packages
#   scripts/install-harness-clis.sh the pinned agent CLIs (Claude Code, Codex, pi) from npm,
#                                   into .tools/npm (they are put on PATH only by the tests that
#                                   run them, the way a user's npm prefix would be)
#   cargo test --workspace          every unit, CLI, process and end-to-end test
#
# Usage: scripts/test.sh [cargo test arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
bash scripts/install-harness-clis.sh
exec cargo test --workspace --locked "$@"
