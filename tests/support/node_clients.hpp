// The npm clients of tests/js (pinned by its package-lock.json) run from integration tests:
// the environment node runs in, and the one-time install that skips the case visibly when
// node and npm are not installed.
#pragma once
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "harness.hpp"

namespace testing {

inline std::map<std::string, std::string> node_env() {
  std::map<std::string, std::string> env{{"PATH", std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin"}};
  if (const char* home = std::getenv("HOME")) env["HOME"] = home;
  return env;
}

// Installs tests/js's packages when needed (scripts/js-deps.sh). False, with the case marked
// skipped, without node and npm.
inline bool js_deps_ready() {
  const std::string source = SLAB5_SOURCE_DIR;
  auto r = run_program("/bin/bash", {source + "/scripts/js-deps.sh"}, node_env(), "", 600);
  if (r.exit_code == 77) {
    skip("node and npm are not installed: run scripts/install-deps.sh (Debian's nodejs and npm)");
    return false;
  }
  REQUIRE_MESSAGE(r.exit_code == 0, "scripts/js-deps.sh failed:\n" << r.out << r.err);
  return true;
}

// `node tests/js/SCRIPT ARGS…`.
inline CliResult run_node(const std::string& script, const std::vector<std::string>& args, int timeout_s = 300) {
  const std::string source = SLAB5_SOURCE_DIR;
  std::vector<std::string> argv{"node", source + "/tests/js/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program("/usr/bin/env", argv, node_env(), "", timeout_s);
}

}  // namespace testing
