#!/usr/bin/env bash
# Installs pinned versions of the agent CLIs used by Forge's end-to-end tests into
# <repo>/.tools/npm (gitignored). Idempotent: does nothing when the pinned versions are present.
#
# Usage: scripts/install-harness-clis.sh [--force]
set -euo pipefail

CLAUDE_CODE_VERSION="2.1.330"
CODEX_VERSION="0.169.0"
PI_VERSION="0.73.1"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$repo/.tools/npm"
bin="$prefix/node_modules/.bin"

packages=(
  "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION"
  "@openai/codex@$CODEX_VERSION"
  "@mariozechner/pi-coding-agent@$PI_VERSION"
)

installed_version() {
  local manifest="$prefix/node_modules/$1/package.json"
  [[ -f "$manifest" ]] || return 0
  node -e 'process.stdout.write(require(process.argv[1]).version || "")' "$manifest"
}

if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm is not installed (Node.js 20+ with npm is required)" >&2
  exit 1
fi

need=()
for spec in "${packages[@]}"; do
  name="${spec%@*}"
  want="${spec##*@}"
  have="$(installed_version "$name")"
  if [[ "${1:-}" == "--force" || "$have" != "$want" ]]; then
    need+=("$spec")
  else
    echo "ok: $name $have"
  fi
done

if ((${#need[@]})); then
  mkdir -p "$prefix"
  [[ -f "$prefix/package.json" ]] || echo '{"name":"forge-harness-clis","private":true}' >"$prefix/package.json"
  echo "installing into $prefix: ${need[*]}"
  npm install --prefix "$prefix" --no-audit --no-fund --save-exact "${need[@]}"
fi

for tool in claude codex pi; do
  if [[ ! -x "$bin/$tool" ]]; then
    echo "error: $bin/$tool is missing after install" >&2
    exit 1
  fi
  echo "$tool: $bin/$tool"
done
echo "add to PATH: export PATH=\"$bin:\$PATH\""
