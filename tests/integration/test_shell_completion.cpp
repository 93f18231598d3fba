// Shell completion (cli.md §6) in the real shells: bash, zsh and fish load the script that
// `slab5 completion SHELL` prints and complete partial command lines through `slab5 __complete`.
// A shell whose binary is missing is skipped with a message.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.hpp"

using namespace testing;

namespace {

std::string find_shell(const std::string& name) {
  for (const char* dir : {"/usr/bin", "/bin", "/usr/local/bin"}) {
    std::string p = std::string(dir) + "/" + name;
    if (access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l))
    if (!l.empty()) out.push_back(l);
  return out;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

// The environment a person's shell would have: slab5 on PATH, a throwaway home.
struct ShellEnv {
  TempDir home;
  std::map<std::string, std::string> env() const {
    std::string bin_dir = std::filesystem::path(slab5_bin()).parent_path().string();
    return {{"PATH", bin_dir + ":/usr/local/bin:/usr/bin:/bin"},
            {"HOME", home.path()},
            {"SLAB5_CONFIG_DIR", home.file("config")},
            {"TERM", "dumb"}};
  }
};

// bash: the function registered with `complete -F`, driven with COMP_LINE/COMP_POINT as
// readline sets them, and the COMPREPLY it leaves.
std::vector<std::string> bash_complete(const std::string& bash, const std::string& line) {
  ShellEnv e;
  std::string script =
      "source <(slab5 completion bash) || exit 9\n"
      "spec=$(complete -p slab5) || exit 8\n"
      "[[ $spec == *'-F _slab5'* ]] || exit 7\n"
      "COMP_LINE=\"$1\"; COMP_POINT=${#COMP_LINE}\n"
      "COMP_WORDS=($COMP_LINE); COMP_CWORD=${#COMP_WORDS[@]}\n"
      "_slab5\n"
      "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
  write_file(e.home.file("drive.bash"), script);
  auto r = run_program(bash, {"--norc", "--noprofile", e.home.file("drive.bash"), line}, e.env());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return lines_of(r.out);
}

// zsh: a real interactive zsh in a pseudo-terminal (zsh/zpty) with compinit and _slab5 on
// fpath; TAB is typed and the matches zsh computed are captured from compadd -O.
std::vector<std::string> zsh_complete(const std::string& zsh, const std::string& line) {
  // One fpath and compinit dump for the whole run: compinit's first scan costs a second.
  static TempDir shared;
  static bool prepared = false;
  std::string dir = shared.path();
  if (!prepared) {
    auto script = run_cli({"completion", "zsh"});
    REQUIRE(script.exit_code == 0);
    std::filesystem::create_directories(dir + "/fpath");
    write_file(dir + "/fpath/_slab5", script.out);
    prepared = true;
  }
  ShellEnv e;
  std::filesystem::remove(dir + "/out");
  std::filesystem::remove(dir + "/called");
  std::string driver =
      "zmodload zsh/zpty || exit 9\n"
      "zpty z zsh -f -i\n"
      "zpty -w z \"fpath=($1/fpath \\$fpath); autoload -Uz compinit; compinit -u -d $1/zcompdump; "
      "(( \\${+_comps[slab5]} )) && echo COMPDEF\\$((40+2))\"\n"
      "zpty -r z x '*COMPDEF42*' || exit 8\n"
      "zpty -w z 'compadd() { builtin compadd -O __hits \"$@\"; print -rl -- \"${__hits[@]}\" >> '$1'/out; "
      "print >> '$1'/called; }; echo SET$((40+2))'\n"
      "zpty -r z x '*SET42*' || exit 7\n"
      "zpty -w -n z \"$2\"$'\\t'\n"
      // Type nothing more until the completion ran: keys typed ahead may cut it short.
      "for i in {1..200}; do [[ -e $1/called ]] && break; sleep 0.05; done\n"
      "[[ -e $1/called ]] || exit 5\n"
      "zpty -w z $'\\C-u'\"echo DONE\\$((40+2))\"\n"
      "zpty -r z x '*DONE42*' || exit 6\n"
      "zpty -d z\n"
      "[[ -f $1/out ]] && cat $1/out\n"
      "exit 0\n";
  write_file(dir + "/drive.zsh", driver);
  auto r = run_program(zsh, {"-f", dir + "/drive.zsh", dir, line}, e.env(), "", 20);
  REQUIRE_MESSAGE(r.exit_code == 0, "zsh driver failed (" << r.exit_code << "): " << r.err);
  return lines_of(r.out);
}

// fish: `complete -C LINE` asks fish's own completion engine.
std::vector<std::string> fish_complete(const std::string& fish, const std::string& line) {
  ShellEnv e;
  std::string script = "slab5 completion fish | source; or exit 9\ncomplete -C \"$argv[1]\"\n";
  write_file(e.home.file("drive.fish"), script);
  auto r = run_program(fish, {"--no-config", e.home.file("drive.fish"), line}, e.env());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::vector<std::string> out;
  for (auto& l : lines_of(r.out)) out.push_back(l.substr(0, l.find('\t')));
  return out;
}

using Completer = std::vector<std::string> (*)(const std::string&, const std::string&);

void check_common_lines(const std::string& shell_path, Completer complete) {
  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  SUBCASE("a command from its first letters") {
    CHECK(complete(shell_path, "slab5 wor") == std::vector<std::string>{"workspace"});
  }
  SUBCASE("every top-level command after the program name, hidden ones left out") {
    auto c = complete(shell_path, "slab5 ");
    for (const char* cmd : {"api", "workspace", "completion", "config", "doctor", "help", "version"})
      CHECK_MESSAGE(has(c, cmd), cmd);
    CHECK(!has(c, "__complete"));
  }
  SUBCASE("a subcommand") { CHECK(complete(shell_path, "slab5 workspace sh") == std::vector<std::string>{"show"}); }
  SUBCASE("a positional's fixed values") {
    auto c = complete(shell_path, "slab5 completion ");
    std::sort(c.begin(), c.end());
    CHECK(c == std::vector<std::string>{"bash", "fish", "zsh"});
    CHECK(complete(shell_path, "slab5 help ex") == std::vector<std::string>{"exit-codes"});
  }
  SUBCASE("a command's own flags and the global flags after it") {
    auto c = complete(shell_path, "slab5 api --pa");
    CHECK(c == std::vector<std::string>{"--paginate"});
    CHECK(has(complete(shell_path, "slab5 workspace --no-c"), "--no-color"));
    CHECK(has(complete(shell_path, "slab5 api --j"), "--json"));
  }
  SUBCASE("a flag's value from its fixed set") {
    CHECK(complete(shell_path, "slab5 config set output j") == std::vector<std::string>{"json"});
  }
  SUBCASE("an unknown word completes to nothing") { CHECK(complete(shell_path, "slab5 zzz").empty()); }
}

}  // namespace

TEST_CASE("bash completes partial command lines") {
  auto bash = find_shell("bash");
  if (bash.empty()) {
    skip("bash is not installed (apt-get install bash)");
    return;
  }
  check_common_lines(bash, bash_complete);
}

TEST_CASE("the bash adaptor strips what readline keeps before '=' and ':'") {
  auto bash = find_shell("bash");
  if (bash.empty()) {
    skip("bash is not installed (apt-get install bash)");
    return;
  }
  // readline replaces only the text after the last '=' or ':' (COMP_WORDBREAKS), so a value
  // such as --scope=crm:read must come back as "read". A stand-in slab5 answers __complete
  // with fixed candidates, so this checks the adaptor alone, whatever commands exist.
  ShellEnv e;
  std::string fake = e.home.file("bin/slab5");
  std::filesystem::create_directories(e.home.file("bin"));
  write_file(fake,
             "#!/bin/sh\n[ \"$1\" = __complete ] || exit 3\n"
             "echo '--scope=crm:read\tRead CRM'\necho '--scope=crm:write'\n");
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  std::string script = std::string("source /dev/stdin\n") +
                       "COMP_LINE=\"$1\"; COMP_POINT=${#COMP_LINE}; _slab5; printf '%s\\n' \"${COMPREPLY[@]}\"\n";
  write_file(e.home.file("drive.bash"), script);
  auto env = e.env();
  env["PATH"] = e.home.file("bin") + ":/usr/bin:/bin";
  auto adaptor = run_cli({"completion", "bash"});
  auto r = run_program(bash, {"--norc", "--noprofile", e.home.file("drive.bash"), "slab5 keys create --scope=crm:re"},
                       env, adaptor.out);
  CHECK(r.exit_code == 0);
  CHECK(lines_of(r.out) == std::vector<std::string>{"read", "write"});
  r = run_program(bash, {"--norc", "--noprofile", e.home.file("drive.bash"), "slab5 keys create --scope="}, env,
                  adaptor.out);
  CHECK(lines_of(r.out) == std::vector<std::string>{"crm:read", "crm:write"});
}

TEST_CASE("zsh completes partial command lines through compsys") {
  auto zsh = find_shell("zsh");
  if (zsh.empty()) {
    skip("zsh is not installed (apt-get install zsh)");
    return;
  }
  check_common_lines(zsh, zsh_complete);
}

TEST_CASE("fish completes partial command lines") {
  auto fish = find_shell("fish");
  if (fish.empty()) {
    skip("fish is not installed (apt-get install fish)");
    return;
  }
  check_common_lines(fish, fish_complete);
}

TEST_CASE("slab5 completion touches neither the config nor the network") {
  TempDir dir;
  // A config directory that any read would choke on, and a server that does not exist.
  std::filesystem::create_directories(dir.file("config"));
  write_file(dir.file("config/config.json"), "{not json");
  write_file(dir.file("config/credentials.json"), "{not json");
  for (const char* shell : {"bash", "zsh", "fish"}) {
    auto r = run_cli({"completion", shell},
                     {{"SLAB5_CONFIG_DIR", dir.file("config")}, {"SLAB5_API_BASE_URL", "http://127.0.0.1:9/v1"}});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("__complete") != std::string::npos);
    CHECK(r.err.empty());
  }
  auto v = run_cli({"--version"}, {{"SLAB5_CONFIG_DIR", dir.file("config")}});
  CHECK(v.exit_code == 0);
  CHECK(v.out.rfind("slab5 ", 0) == 0);
}

TEST_CASE("slab5 completion refuses an unknown shell with exit 2") {
  auto r = run_cli({"completion", "tcsh"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
}

TEST_CASE("__complete is silent and exits 0 when the server is unreachable") {
  auto r = run_cli({"__complete", "--", "workspace", ""},
                   {{"SLAB5_API_BASE_URL", "http://127.0.0.1:9/v1"},
                    {"SLAB5_WORKSPACE_TOKEN", "slab5_sk_00000000000000000000000000000000aaaaaa"}});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("show") != std::string::npos);
}
