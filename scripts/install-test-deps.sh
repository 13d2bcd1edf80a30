#!/usr/bin/env bash
# Installs the system tools Forge's test suite runs (Debian/Ubuntu packages):
#   jq   - the README's "Scripting with JSON" examples are run with real jq by the CLI tests.
#   tmux - the dashboard's real-terminal test drives it in a tmux pane.
# Idempotent: installs only what is missing. Uses sudo when not run as root.
#
# Usage: scripts/install-test-deps.sh
set -euo pipefail

packages=(jq tmux)

missing=()
for pkg in "${packages[@]}"; do
  if ! command -v "$pkg" >/dev/null 2>&1; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "test dependencies present: ${packages[*]}"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: missing ${missing[*]} and apt-get is not available; install them with your package manager" >&2
  exit 1
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "installed: ${missing[*]}"
