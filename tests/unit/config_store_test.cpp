// Unit tests for slab5's config and credentials files (cli.md §1).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "credentials/store.hpp"

using namespace slab5cli;
namespace fs = std::filesystem;

namespace {
struct Dir {
  fs::path path = fs::temp_directory_path() / ("slab5-store-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
  ~Dir() { fs::remove_all(path); }
};
unsigned mode_of(const fs::path& p) {
  struct stat st{};
  lstat(p.c_str(), &st);
  return st.st_mode & 0777;
}
}  // namespace

TEST_CASE("the config directory is created 0700 and the files 0600") {
  Dir d;
  ConfigStore store((d.path / "nested" / "slab5").string());
  StoredCredential c;
  c.kind = "api_key";
  c.token = "slab5_sk_x";
  store.save_credential("default", c);
  store.set_profile_value("default", "base_url", "http://127.0.0.1:1/v1");
  CHECK(mode_of(d.path / "nested" / "slab5") == 0700);
  CHECK(mode_of(store.credentials_path()) == 0600);
  CHECK(mode_of(store.config_path()) == 0600);
  CHECK(store.credential("default")->token == "slab5_sk_x");
  CHECK(store.profile_value("default", "base_url") == "http://127.0.0.1:1/v1");
  CHECK_FALSE(store.credential("other").has_value());
  store.forget_credential("default");
  CHECK_FALSE(store.credential("default").has_value());
  // No temporary files are left behind by the atomic writes.
  int files = 0;
  for (auto& e : fs::directory_iterator(store.dir())) files += e.is_regular_file();
  CHECK(files == 2);
}

TEST_CASE("a group- or world-readable credentials file is refused with the chmod fix") {
  Dir d;
  ConfigStore store(d.path.string());
  StoredCredential c;
  c.kind = "api_key";
  c.token = "t";
  store.save_credential("default", c);
  fs::permissions(store.credentials_path(), fs::perms(0640));
  try {
    (void)store.credential("default");
    FAIL("expected a refusal");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("chmod 600") != std::string::npos);
  }
}

TEST_CASE("files are never written through a symlink") {
  Dir d;
  ConfigStore store(d.path.string());
  store.set_profile_value("default", "workspace", "wrk_1");
  fs::path target = d.path / "elsewhere.json";
  { std::ofstream(target) << "{}"; }
  fs::remove(store.credentials_path());
  fs::create_symlink(target, store.credentials_path());
  StoredCredential c;
  c.kind = "api_key";
  c.token = "t";
  CHECK_THROWS(store.save_credential("default", c));
  std::ifstream in(target);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(content == "{}");
}

TEST_CASE("a corrupt config file is reported, not silently replaced") {
  Dir d;
  ConfigStore store(d.path.string());
  fs::create_directories(d.path);
  { std::ofstream(store.config_path()) << "{not json"; }
  CHECK_THROWS_WITH_AS(store.load_config(), doctest::Contains("not valid JSON"), std::runtime_error);
}

// Found with tests/fuzz/fuzz_config: valid JSON of the wrong shape made `config set`, `config
// unset`, `login` and `logout` fail with a json.exception type error instead of the store's
// own message.
TEST_CASE("files whose profiles are not objects are reported, not a JSON type error") {
  Dir d;
  ConfigStore store(d.path.string());
  fs::create_directories(d.path);
  StoredCredential c;
  c.kind = "api_key";
  c.token = "slab5_sk_x";
  for (std::string text : {R"({"profiles": 1})", R"({"profiles": ["default"]})", R"({"profiles": {"default": "x"}})"}) {
    CAPTURE(text);
    { std::ofstream(store.config_path()) << text; }
    CHECK_THROWS_WITH_AS(store.set_profile_value("default", "output", "json"), doctest::Contains("config.json"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(store.unset_profile_value("default", "output"), doctest::Contains("config.json"),
                         std::runtime_error);
    CHECK_FALSE(store.profile_value("default", "output").has_value());
    { std::ofstream(store.credentials_path()) << text; }
    fs::permissions(store.credentials_path(), fs::perms(0600));
    if (text.find("\"x\"") == std::string::npos) {
      // A profile entry of the wrong type is simply replaced by login and removed by logout.
      CHECK_THROWS_WITH_AS(store.save_credential("default", c), doctest::Contains("credentials.json"),
                           std::runtime_error);
      CHECK_THROWS_WITH_AS(store.forget_credential("default"), doctest::Contains("credentials.json"),
                           std::runtime_error);
    }
    CHECK_FALSE(store.credential("default").has_value());
  }
}
