#!/usr/bin/env bash
# CPack builds a .deb from the build directory; it unpacks into a throwaway root (dpkg -x)
# where slab5 --version and slab5d version run, lists its runtime dependencies, and holds the
# manual pages and completions. As root in CI (CI=true) it is also installed with dpkg -i,
# run from /usr/bin, and removed again.
# Usage: tests/install/check_deb.sh BUILD_DIR
set -euo pipefail
build="${1:?usage: check_deb.sh BUILD_DIR}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for tool in cpack dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed (apt-get install dpkg-dev)"; exit 0; }
done

(cd "$build" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb="$(ls "$work"/pkg/*.deb | head -1)"
echo "built $(basename "$deb")"

fail=0
check() { if "$@"; then echo "ok   $*"; else echo "FAIL $*"; fail=1; fi; }

depends="$(dpkg-deb -f "$deb" Depends)"
echo "Depends: $depends"
libs=(libc6 libcurl4 libsqlite3-0 libargon2-1 libjq1)
# slab5d links jemalloc except in the sanitizer builds, which bring their own allocator.
if objdump -p "$build/slab5d" 2>/dev/null | grep -q "NEEDED.*libjemalloc"; then libs+=(libjemalloc2); fi
for lib in "${libs[@]}"; do
  check grep -q "$lib" <<<"$depends"
done

root="$work/root"
dpkg -x "$deb" "$root"
check test -x "$root/usr/bin/slab5"
check test -x "$root/usr/bin/slab5d"
check test -f "$root/usr/share/bash-completion/completions/slab5"
check test -f "$root/usr/share/zsh/vendor-completions/_slab5"
check test -f "$root/usr/share/fish/vendor_completions.d/slab5.fish"
if command -v asciidoctor >/dev/null; then
  check test -f "$root/usr/share/man/man1/slab5.1"
  check test -f "$root/usr/share/man/man1/slab5d.1"
fi
check grep -q '^slab5 [0-9]' <("$root/usr/bin/slab5" --version)
check grep -q '^slab5d [0-9]' <("$root/usr/bin/slab5d" version)

if [[ "${CI:-}" == "true" && $(id -u) -eq 0 ]]; then
  if dpkg -s slab5 >/dev/null 2>&1; then
    echo "skip dpkg -i: a slab5 package is already installed on this machine"
  else
    dpkg -i "$deb" >/dev/null
    check grep -q '^slab5 [0-9]' <(/usr/bin/slab5 --version)
    check grep -q '^slab5d [0-9]' <(/usr/bin/slab5d version)
    dpkg -r slab5 >/dev/null
  fi
fi
if [[ $fail -ne 0 ]]; then echo "some checks failed"; exit 1; fi
echo "deb: all checks passed"
