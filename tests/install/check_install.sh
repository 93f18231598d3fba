#!/usr/bin/env bash
# `cmake --install` puts the binaries, manual pages and completions in the standard places
# under the prefix, and the installed slab5 runs.
# Usage: tests/install/check_install.sh BUILD_DIR
set -euo pipefail
build="${1:?usage: check_install.sh BUILD_DIR}"
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT

cmake --install "$build" --prefix "$prefix" >/dev/null

fail=0
expect() {
  if [[ -e "$prefix/$1" ]]; then echo "ok   $1"; else echo "FAIL $1 is missing"; fail=1; fi
}
expect bin/slab5
expect bin/slab5d
expect share/bash-completion/completions/slab5
expect share/zsh/vendor-completions/_slab5
expect share/fish/vendor_completions.d/slab5.fish
if command -v asciidoctor >/dev/null; then
  expect share/man/man1/slab5.1
  expect share/man/man1/slab5d.1
else
  echo "skip manual pages: asciidoctor is not installed"
fi

# The installed completion scripts are what the binary prints.
for shell in bash zsh fish; do
  case $shell in
    bash) file=share/bash-completion/completions/slab5 ;;
    zsh) file=share/zsh/vendor-completions/_slab5 ;;
    fish) file=share/fish/vendor_completions.d/slab5.fish ;;
  esac
  if cmp -s <("$prefix/bin/slab5" completion "$shell") "$prefix/$file"; then
    echo "ok   slab5 completion $shell matches $file"
  else
    echo "FAIL slab5 completion $shell differs from $file"; fail=1
  fi
done
"$prefix/bin/slab5" --version | grep -q '^slab5 ' || { echo "FAIL installed slab5 --version"; fail=1; }
"$prefix/bin/slab5d" version | grep -q '^slab5d ' || { echo "FAIL installed slab5d version"; fail=1; }
if [[ $fail -ne 0 ]]; then echo "some checks failed"; exit 1; fi
echo "install layout: all checks passed"
