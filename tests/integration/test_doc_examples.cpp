// Every shell example in README.md, docs/*.md and man/*.adoc is run, against a live slab5d in
// a throwaway HOME, and must exit 0 (HACKING.md, "Examples in the docs"). Markdown: ```sh
// blocks run (a here-document goes with the line that opens it); every other fenced block
// needs an info string (```text, ```json) so that no example hides from the test. AsciiDoc:
// a `....` or `----` block is marked by a comment line before it, `// doc-test: sh` (runs) or
// `// doc-test: text` (does not). Directives before a
// block (`<!-- doc-test: D -->` or `// doc-test: D`):
//   skip PREFIX -- REASON   the lines starting with PREFIX are not run, for REASON (reported)
//   serve PREFIX            the line starting with PREFIX serves until stopped: it must print
//                           "listening on" within 15 s, then SIGTERM must stop it with exit 0
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "harness.hpp"

using namespace testing;
namespace fs = std::filesystem;

namespace {

struct Example {
  std::string where;    // file:line
  std::string command;  // one shell command (continuation lines joined)
  enum class Kind { Run, Skip, Serve } kind = Kind::Run;
  std::string reason;  // for Skip
};

struct Collected {
  std::vector<Example> examples;
  std::vector<std::string> unclassified;  // blocks that say neither sh nor text
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// "<!-- doc-test: D -->" or "// doc-test: D" → D.
std::optional<std::string> directive_of(const std::string& line, bool adoc) {
  std::string t = trim(line);
  if (adoc) {
    if (!starts_with(t, "// doc-test:")) return std::nullopt;
    return trim(t.substr(12));
  }
  if (!starts_with(t, "<!-- doc-test:") || t.size() < 18 || t.substr(t.size() - 3) != "-->") return std::nullopt;
  return trim(t.substr(14, t.size() - 14 - 3));
}

// The word that ends a here-document the line opens (<<EOF, <<'EOF', <<-"EOF"), if any.
std::optional<std::string> heredoc_terminator(const std::string& line) {
  auto at = line.find("<<");
  if (at == std::string::npos || line.compare(at, 3, "<<<") == 0) return std::nullopt;
  std::size_t i = at + 2;
  if (i < line.size() && line[i] == '-') ++i;
  while (i < line.size() && line[i] == ' ') ++i;
  std::string word;
  for (; i < line.size() && line[i] != ' '; ++i)
    if (line[i] != '\'' && line[i] != '"') word += line[i];
  if (word.empty()) return std::nullopt;
  return word;
}

// Applies the block's directives to one command.
Example classify(std::string where, std::string command, const std::vector<std::string>& directives) {
  Example e{std::move(where), std::move(command)};
  for (const auto& d : directives) {
    if (starts_with(d, "skip ")) {
      auto sep = d.find(" -- ");
      std::string prefix = trim(d.substr(5, sep == std::string::npos ? std::string::npos : sep - 5));
      if (starts_with(e.command, prefix)) {
        e.kind = Example::Kind::Skip;
        e.reason = sep == std::string::npos ? "" : trim(d.substr(sep + 4));
      }
    } else if (starts_with(d, "serve ")) {
      if (starts_with(e.command, trim(d.substr(6)))) e.kind = Example::Kind::Serve;
    }
  }
  return e;
}

Collected collect(const fs::path& file, const std::string& label) {
  Collected c;
  bool adoc = file.extension() == ".adoc";
  std::ifstream in(file);
  std::vector<std::string> directives, block_directives;
  bool in_block = false, runnable = false;
  std::string fence, pending, heredoc_end;
  int pending_line = 0;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (in_block) {
      if ((adoc && trim(line) == fence) || (!adoc && starts_with(trim(line), "```"))) {
        in_block = false;
        continue;
      }
      if (!runnable) continue;
      if (!heredoc_end.empty()) {
        // The body of a here-document belongs to the command that opened it, line by line.
        pending += "\n" + line;
        if (trim(line) == heredoc_end) {
          heredoc_end.clear();
          c.examples.push_back(classify(label + ":" + std::to_string(pending_line), pending, block_directives));
          pending.clear();
        }
        continue;
      }
      std::string t = trim(line);
      if (pending.empty() && (t.empty() || t[0] == '#')) continue;
      if (pending.empty()) pending_line = n;
      if (!t.empty() && t.back() == '\\') {
        pending += t.substr(0, t.size() - 1) + " ";
        continue;
      }
      pending += t;
      if (auto end = heredoc_terminator(t)) {
        heredoc_end = *end;
        continue;
      }
      c.examples.push_back(classify(label + ":" + std::to_string(pending_line), pending, block_directives));
      pending.clear();
      continue;
    }
    if (auto d = directive_of(line, adoc)) {
      directives.push_back(*d);
      continue;
    }
    std::string t = trim(line);
    bool opens = adoc ? (t == "...." || t == "----") : starts_with(t, "```");
    if (opens) {
      in_block = true;
      fence = t;
      block_directives = directives;
      directives.clear();
      if (adoc) {
        bool sh = std::find(block_directives.begin(), block_directives.end(), "sh") != block_directives.end();
        bool text = std::find(block_directives.begin(), block_directives.end(), "text") != block_directives.end();
        runnable = sh;
        if (!sh && !text) c.unclassified.push_back(label + ":" + std::to_string(n));
      } else {
        std::string info = trim(t.substr(3));
        runnable = info == "sh";
        if (info.empty()) c.unclassified.push_back(label + ":" + std::to_string(n));
      }
      continue;
    }
    if (!t.empty()) directives.clear();  // directives belong to the block right after them
  }
  return c;
}

std::vector<std::pair<fs::path, std::string>> documented_files() {
  fs::path root = SLAB5_SOURCE_DIR;
  std::vector<std::pair<fs::path, std::string>> files = {{root / "README.md", "README.md"}};
  std::vector<fs::path> more;
  for (const auto& e : fs::directory_iterator(root / "docs"))
    if (e.path().extension() == ".md") more.push_back(e.path());
  for (const auto& e : fs::directory_iterator(root / "man"))
    if (e.path().extension() == ".adoc") more.push_back(e.path());
  std::sort(more.begin(), more.end());
  for (const auto& p : more) files.emplace_back(p, fs::relative(p, root).string());
  return files;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

// Starts `command` in `dir`, waits for "listening on" on its stdout, stops it with SIGTERM.
// Returns "" when it behaved, else what went wrong.
std::string serve_and_stop(const std::string& command, const std::string& dir,
                           const std::map<std::string, std::string>& env) {
  int out[2];
  if (pipe(out) != 0) return "pipe failed";
  std::vector<std::string> env_s;
  for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
  std::string script = "cd " + quoted(dir) + " || exit 99\nexec " + command + "\n";
  // Made before fork(): the child of a threaded process only calls async-signal-safe functions.
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  const char* argv[] = {"/bin/bash", "-c", script.c_str(), nullptr};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 2);
    close(out[0]);
    execve("/bin/bash", const_cast<char* const*>(argv), envp.data());
    _exit(127);
  }
  close(out[1]);
  std::string seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  bool listening = false;
  while (!listening && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      char buf[1024];
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      seen.append(buf, std::size_t(n));
      listening = seen.find("listening on") != std::string::npos;
    }
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  close(out[0]);
  if (!listening) return "did not print 'listening on' within 15 s; it printed: " + seen;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "did not stop with exit 0 on SIGTERM";
  return "";
}

}  // namespace

TEST_CASE("every fenced or literal block in README, docs and man pages says whether it is a shell example") {
  std::size_t runnable = 0;
  for (const auto& [path, label] : documented_files()) {
    auto c = collect(path, label);
    for (const auto& u : c.unclassified)
      FAIL_CHECK("block at " << u << " needs ```sh/```text (or // doc-test: sh|text)");
    runnable += c.examples.size();
  }
  CHECK(runnable >= 20);
  // The pages a new user reads first have examples that run.
  for (const char* label : {"README.md", "man/slab5.1.adoc", "man/slab5d.1.adoc"}) {
    CAPTURE(label);
    std::size_t run = 0;
    for (const auto& [path, l] : documented_files())
      if (l == label)
        for (const auto& e : collect(path, l).examples) run += e.kind != Example::Kind::Skip;
    CHECK(run >= 3);
  }
}

TEST_CASE("every shell example in README, docs and man pages runs and exits 0 against a live slab5d") {
  Server s;
  std::string bin_dir = fs::path(slab5_bin()).parent_path().string();
  std::string slab5d_dir = fs::path(slab5d_bin()).parent_path().string();
  for (const auto& [path, label] : documented_files()) {
    auto c = collect(path, label);
    if (c.examples.empty()) continue;
    // Each page gets its own HOME and working directory: the examples of one page may build on
    // each other (serve --db ./dev.db, then backup --db ./dev.db), never on another page's.
    TempDir work;
    fs::create_directories(work.file("home"));
    fs::create_directories(work.file("build/release"));
    fs::create_symlink(slab5_bin(), work.file("build/release/slab5"));
    fs::create_symlink(slab5d_bin(), work.file("build/release/slab5d"));
    {
      // `slab5d exec -- make integration-test`: a project whose tests talk to the server.
      std::ofstream mk(work.file("Makefile"));
      mk << "integration-test:\n\tslab5 workspace --jq .id | grep -q '^wrk_'\n";
    }
    std::map<std::string, std::string> env = {{"PATH", bin_dir + ":" + slab5d_dir + ":/usr/local/bin:/usr/bin:/bin"},
                                              {"HOME", work.file("home")},
                                              {"SLAB5_API_BASE_URL", s.api_url},
                                              {"SLAB5_WORKSPACE_TOKEN", s.token},
                                              {"SLAB5D_LISTEN", "127.0.0.1:0"},
                                              {"SLAB5D_PASSWORD_COST", "test"},
                                              {"TERM", "dumb"},
                                              {"LANG", "C.UTF-8"}};
    for (const auto& e : c.examples) {
      CAPTURE(e.where);
      CAPTURE(e.command);
      if (e.kind == Example::Kind::Skip) {
        MESSAGE("skipped " << e.where << " `" << e.command << "`: " << e.reason);
        CHECK_MESSAGE(!e.reason.empty(), "a skipped example needs a reason");
        continue;
      }
      if (e.kind == Example::Kind::Serve) {
        CHECK(serve_and_stop(e.command, work.path(), env) == "");
        continue;
      }
      auto r = run_program("/bin/bash", {"-c", "cd " + quoted(work.path()) + " || exit 99\n" + e.command}, env, "", 60);
      INFO("stdout: " << r.out);
      INFO("stderr: " << r.err);
      // On PostgreSQL the test clock and snapshots are refused (docs/postgres.md): an example
      // that uses them must fail there, saying so.
      // (`slab5 dev clock` alone reads the real time, which it may.)
      static const std::regex moves_state(R"(dev (clock [a-z]|snapshot|reset))");
      bool test_controls = std::regex_search(e.command, moves_state);
      if (on_postgres() && test_controls && e.command.find("--help") == std::string::npos) {
        CHECK(r.exit_code != 0);
        CHECK(r.err.find("not available on a PostgreSQL database") != std::string::npos);
        continue;
      }
      CHECK(r.exit_code == 0);
    }
  }
}

TEST_CASE("the completion set-up lines of the README leave the scripts where the shells look") {
  // Run by the test above too; here the files they leave behind are checked.
  TempDir work;
  std::string bin_dir = fs::path(slab5_bin()).parent_path().string();
  std::map<std::string, std::string> env = {{"PATH", bin_dir + ":/usr/bin:/bin"}, {"HOME", work.path()}};
  for (const auto& e : collect(fs::path(SLAB5_SOURCE_DIR) / "README.md", "README.md").examples) {
    if (e.command.find("slab5 completion") == std::string::npos || starts_with(e.command, "source")) continue;
    auto r = run_program("/bin/bash", {"-c", e.command}, env, "", 30);
    CHECK(r.exit_code == 0);
  }
  CHECK(fs::file_size(work.file(".zfunc/_slab5")) > 100);
  CHECK(fs::file_size(work.file(".config/fish/completions/slab5.fish")) > 100);
  CHECK(fs::file_size(work.file(".local/share/bash-completion/completions/slab5")) > 100);
}
