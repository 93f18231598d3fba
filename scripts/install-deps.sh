#!/usr/bin/env bash
# Installs the Debian 12 packages slab5 builds and tests with, only those missing.
# Usage: scripts/install-deps.sh [--bench] [--fuzz] [--format]
#   --bench   the benchmark harness's tools (wrk, nginx, hyperfine)
#   --fuzz    clang 14 and its libFuzzer/sanitizer runtimes, for tests/fuzz (the `fuzz` preset)
#   --format  clang-format 14, for scripts/check-format.sh
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git ccache
  libcli11-dev libcurl4-openssl-dev nlohmann-json3-dev libfmt-dev libssl-dev libsqlite3-dev
  doctest-dev libboost-dev libargon2-dev libjq-dev libexpected-dev libpq-dev libjemalloc-dev
  asciidoctor sqlite3 curl ca-certificates openssl
  bash zsh fish dpkg-dev file
  python3-pytest
  postgresql
)
# Node.js and npm run the third-party checks of tests/js. A machine may have them from
# another source than Debian (NodeSource's nodejs bundles npm, and Debian's npm package then
# cannot be installed beside it): ask for the packages only when the commands are missing.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
for arg in "$@"; do
  case $arg in
    --bench) packages+=(wrk nginx-light hyperfine) ;;
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;
    --format) packages+=(clang-format) ;;
    *) echo "usage: scripts/install-deps.sh [--bench] [--fuzz] [--format]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "==> all build and test packages are installed"
  exit 0
fi

echo "==> installing: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "error: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
