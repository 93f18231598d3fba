// The manual pages slab5(1) and slab5d(1) (cli.md §4, §6): rendered from man/*.adoc with the
// generated parts; every command and flag the binaries accept, every environment variable of
// cli.md §1 and every exit code must appear in the rendered page.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.hpp"

using namespace testing;

namespace {

// The rendered page as text: roff escapes and font changes removed.
std::string rendered(const std::string& page) {
  auto path = std::filesystem::path(slab5_bin()).parent_path() / "man" / page;
  std::ifstream f(path);
  if (!f) return "";
  std::stringstream ss;
  ss << f.rdbuf();
  std::string roff = ss.str(), out;
  for (std::size_t i = 0; i < roff.size(); ++i) {
    if (roff[i] == '\\' && i + 1 < roff.size()) {
      char n = roff[i + 1];
      if (n == '-' || n == '.' || n == '\\') {
        out += n;
        ++i;
        continue;
      }
      if (n == '&') {
        ++i;
        continue;
      }
      if (n == 'f' && i + 2 < roff.size()) {
        i += 2;
        continue;
      }  // \fB \fI \fP \fR
      if (n == '(' && i + 3 < roff.size()) {
        i += 3;
        continue;
      }  // \(em and the like
    }
    out += roff[i];
  }
  return out;
}

struct CommandLine {
  std::string path;
  std::vector<std::string> flags;
};

std::vector<CommandLine> listing(const CliResult& r) {
  std::vector<CommandLine> out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    CommandLine c{line.substr(0, tab), {}};
    std::istringstream flags(tab == std::string::npos ? "" : line.substr(tab + 1));
    std::string f;
    while (flags >> f) c.flags.push_back(f);
    out.push_back(c);
  }
  return out;
}

void check_page_covers(const std::string& page, const std::vector<CommandLine>& commands) {
  auto text = rendered(page);
  REQUIRE_MESSAGE(!text.empty(), page << " was not rendered (is asciidoctor installed?)");
  REQUIRE(commands.size() > 3);
  for (const auto& c : commands) {
    CHECK_MESSAGE(text.find(c.path) != std::string::npos, page << " does not mention the command '" << c.path << "'");
    for (const auto& f : c.flags)
      CHECK_MESSAGE(text.find(f) != std::string::npos, page << " does not mention " << f << " of '" << c.path << "'");
  }
}

bool have_manual() {
  if (!std::filesystem::exists(std::filesystem::path(slab5_bin()).parent_path() / "man" / "slab5.1")) {
    skip("the manual pages were not built (apt-get install asciidoctor, then rebuild)");
    return false;
  }
  return true;
}

}  // namespace

TEST_CASE("slab5(1) mentions every command and flag slab5 accepts") {
  if (!have_manual()) return;
  auto r = run_cli({"__commands"});
  REQUIRE(r.exit_code == 0);
  check_page_covers("slab5.1", listing(r));
}

TEST_CASE("slab5d(1) mentions every command and flag slab5d accepts") {
  if (!have_manual()) return;
  auto r = run_program(slab5d_bin(), {"__commands"}, {});
  REQUIRE(r.exit_code == 0);
  check_page_covers("slab5d.1", listing(r));
}

TEST_CASE("the completeness check itself notices a flag the page lacks") {
  if (!have_manual()) return;
  auto text = rendered("slab5.1");
  CHECK(text.find("--no-such-flag-anywhere") == std::string::npos);
  CHECK(text.find("--paginate") != std::string::npos);
}

TEST_CASE("slab5(1) lists every environment variable of cli.md §1 and the files") {
  if (!have_manual()) return;
  auto text = rendered("slab5.1");
  for (const char* v : {"SLAB5_API_BASE_URL", "SLAB5_WORKSPACE_TOKEN", "SLAB5_WORKSPACE_API_KEY", "SLAB5_API_KEY",
                        "SLAB5_WORKSPACE_ID", "SLAB5_PROFILE", "SLAB5_CONFIG_DIR", "SLAB5_CORRELATION_ID",
                        "SLAB5_TIMEOUT", "SLAB5_MAX_RETRIES", "SLAB5_DEBUG", "SLAB5_CA_BUNDLE", "NO_COLOR"})
    CHECK_MESSAGE(text.find(v) != std::string::npos, v);
  CHECK(text.find("config.json") != std::string::npos);
  CHECK(text.find("credentials.json") != std::string::npos);
}

TEST_CASE("slab5(1)'s EXIT STATUS holds the same table as slab5 help exit-codes") {
  if (!have_manual()) return;
  auto text = rendered("slab5.1");
  auto exit_status = text.find("EXIT STATUS");
  REQUIRE(exit_status != std::string::npos);
  auto section = text.substr(exit_status, text.find("EXAMPLES", exit_status) - exit_status);
  auto r = run_cli({"help", "exit-codes"});
  REQUIRE(r.exit_code == 0);
  std::istringstream in(r.out);
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    CHECK_MESSAGE(section.find("\n" + line.substr(0, tab) + "\n") != std::string::npos, line);
    CHECK_MESSAGE(section.find(line.substr(tab + 1)) != std::string::npos, line);
    ++rows;
  }
  CHECK(rows == 10);  // cli.md §4: 0-8 and 130
}

TEST_CASE("slab5d(1) lists the SLAB5D_ environment variables of its flags") {
  if (!have_manual()) return;
  auto text = rendered("slab5d.1");
  for (const char* v : {"SLAB5D_DB", "SLAB5D_LISTEN", "SLAB5D_RATE_LIMIT", "SLAB5D_PASSWORD_COST", "XDG_DATA_HOME"})
    CHECK_MESSAGE(text.find(v) != std::string::npos, v);
}
