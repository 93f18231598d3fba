// Unit tests for slab5's config and credentials files (cli.md §1).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "api_client.hpp"
#include "credentials/store.hpp"
#include "slab5/http_client.hpp"

using namespace slab5cli;
namespace fs = std::filesystem;

namespace {
struct Dir {
  fs::path path =
      fs::temp_directory_path() / ("slab5-store-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
  ~Dir() { fs::remove_all(path); }
};
unsigned mode_of(const fs::path& p) {
  struct stat st {};
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
  store.save_credential("default", "http://127.0.0.1:1", c);
  store.set_profile_value("default", "base_url", "http://127.0.0.1:1/v1");
  CHECK(mode_of(d.path / "nested" / "slab5") == 0700);
  CHECK(mode_of(store.credentials_path()) == 0600);
  CHECK(mode_of(store.config_path()) == 0600);
  CHECK(store.credential("default", "http://127.0.0.1:1")->token == "slab5_sk_x");
  CHECK(store.profile_value("default", "base_url") == "http://127.0.0.1:1/v1");
  CHECK_FALSE(store.credential("other", "http://127.0.0.1:1").has_value());
  store.forget_credential("default", "http://127.0.0.1:1");
  CHECK_FALSE(store.credential("default", "http://127.0.0.1:1").has_value());
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
  store.save_credential("default", "http://127.0.0.1:1", c);
  fs::permissions(store.credentials_path(), fs::perms(0640));
  try {
    (void)store.credential("default", "http://127.0.0.1:1");
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
  CHECK_THROWS(store.save_credential("default", "http://127.0.0.1:1", c));
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

// ---- credentials by host (cli.md §1) -------------------------------------------------------

TEST_CASE("a credential is filed under its host and found for that host only") {
  Dir d;
  ConfigStore store(d.path.string());
  StoredCredential a;
  a.kind = "session";
  a.token = "eyJa.b.c";
  a.base_url = "http://127.0.0.1:8787/v1";
  store.save_credential("default", credential_host(a.base_url), a);
  CHECK(store.credential("default", "http://127.0.0.1:8787")->token == "eyJa.b.c");
  CHECK_FALSE(store.credential("default", "http://127.0.0.1:8788").has_value());   // another port
  CHECK_FALSE(store.credential("default", "https://127.0.0.1:8787").has_value());  // another scheme
  CHECK_FALSE(store.credential("default", "http://127.0.0.2:8787").has_value());   // another host
  CHECK_FALSE(store.credential("default", "").has_value());
  StoredCredential b = a;
  b.token = "slab5_sk_other";
  store.save_credential("default", "https://api.slab5.com", b);
  auto all = store.stored_credentials();
  REQUIRE(all.size() == 2);
  CHECK(all[0].host == "http://127.0.0.1:8787");
  CHECK(all[1].host == "https://api.slab5.com");
  store.forget_credential("default", "http://127.0.0.1:8787");
  CHECK_FALSE(store.credential("default", "http://127.0.0.1:8787").has_value());
  CHECK(store.credential("default", "https://api.slab5.com")->token == "slab5_sk_other");
}

TEST_CASE("credential_host keys by scheme, host and port, leaving out the default port") {
  CHECK(credential_host("https://api.slab5.com/v1") == "https://api.slab5.com");
  CHECK(credential_host("https://API.Slab5.com:443/v1") == "https://api.slab5.com");
  CHECK(credential_host("http://127.0.0.1:8787/v1") == "http://127.0.0.1:8787");
  CHECK(credential_host("http://[::1]:8787/v1") == "http://[::1]:8787");
  CHECK(credential_host("http://h:80/v1") == "http://h");
  // Nothing that could make two parsers disagree about the host.
  CHECK(credential_host("http://evil.example\\@127.0.0.1/v1") == "");
  CHECK(credential_host("http://user:pw@127.0.0.1/v1") == "");
  CHECK(credential_host("http://127.0.0.1%2eevil/v1") == "");
  CHECK(credential_host("http://127.0.0.1:99999/v1") == "");
  CHECK(credential_host("ftp://127.0.0.1/v1") == "");
  CHECK(credential_host("127.0.0.1:8787/v1") == "");
  CHECK(credential_host("http:///v1") == "");
}

TEST_CASE("loopback is 127.0.0.0/8, ::1 and localhost; nothing else") {
  CHECK(slab5::is_loopback_host("127.0.0.1"));
  CHECK(slab5::is_loopback_host("127.255.0.9"));
  CHECK(slab5::is_loopback_host("localhost"));
  CHECK(slab5::is_loopback_host("LOCALHOST"));
  CHECK(slab5::is_loopback_host("[::1]"));
  CHECK(slab5::is_loopback_host("[::ffff:127.0.0.1]"));
  CHECK_FALSE(slab5::is_loopback_host("192.0.2.2"));
  CHECK_FALSE(slab5::is_loopback_host("128.0.0.1"));
  CHECK_FALSE(slab5::is_loopback_host("localhost.example.com"));
  CHECK_FALSE(slab5::is_loopback_host("127.0.0.1.example.com"));
  CHECK_FALSE(slab5::is_loopback_host("[::2]"));
  CHECK_FALSE(slab5::is_loopback_host("0.0.0.0"));
}

TEST_CASE("a version-1 credentials file is read under the host each credential recorded") {
  Dir d;
  ConfigStore store(d.path.string());
  fs::create_directories(d.path);
  {
    std::ofstream f(store.credentials_path());
    f << Json{{"profiles",
               {{"default", {{"kind", "session"}, {"token", "eyJold.a.b"}, {"base_url", "http://127.0.0.1:8787/v1"}}},
                {"staging", {{"kind", "api_key"}, {"token", "slab5_sk_nohost"}}}}}}
             .dump();
  }
  fs::permissions(store.credentials_path(), fs::perms(0600));
  store.set_profile_value("staging", "base_url", "https://staging.example/v1");
  CHECK(store.credential("default", "http://127.0.0.1:8787")->token == "eyJold.a.b");
  CHECK_FALSE(store.credential("default", "https://api.slab5.com").has_value());
  // Without a recorded base_url: the profile's configured base URL is where it came from.
  CHECK(store.credential("staging", "https://staging.example")->token == "slab5_sk_nohost");
  CHECK_FALSE(store.credential("staging", "http://127.0.0.1:8787").has_value());
  // The next write stores version 2, keeping both.
  StoredCredential c;
  c.kind = "api_key";
  c.token = "slab5_sk_new";
  store.save_credential("other", "http://127.0.0.1:9", c);
  std::ifstream in(store.credentials_path());
  auto j = Json::parse(in);
  CHECK(j["version"] == 2);
  CHECK_FALSE(j.contains("profiles"));
  CHECK(j["hosts"]["http://127.0.0.1:8787"]["profiles"]["default"]["token"] == "eyJold.a.b");
  CHECK(j["hosts"]["https://staging.example"]["profiles"]["staging"]["token"] == "slab5_sk_nohost");
  CHECK(store.stored_credentials().size() == 3);
}

// ---- the config file reader ------------------------------------------------------------------

TEST_CASE("parse_config_bytes: size and depth limits, malformed input, wrong shapes") {
  CHECK(parse_config_bytes("", ConfigFile::Config)->empty());
  CHECK(parse_config_bytes(R"({"profiles":{"a":{"base_url":"http://127.0.0.1:1/v1"}}})", ConfigFile::Config));
  std::string big = "{\"x\":\"" + std::string(kMaxConfigFileBytes, 'a') + "\"}";
  CHECK(parse_config_bytes(big, ConfigFile::Config).error().find("larger than 1 MiB") != std::string::npos);
  std::string deep = std::string(1000, '[') + std::string(1000, ']');
  CHECK(parse_config_bytes(deep, ConfigFile::Config).error().find("nested more than") != std::string::npos);
  // Brackets inside strings do not count.
  CHECK(parse_config_bytes("{\"a\":\"" + std::string(100, '[') + "\"}", ConfigFile::Config));
  // The error says where, never what the file holds (it may hold a token).
  auto bad = parse_config_bytes(R"({"token": slab5_sk_SECRET})", ConfigFile::Credentials);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("not valid JSON (near byte") != std::string::npos);
  CHECK(bad.error().find("SECRET") == std::string::npos);
  CHECK_FALSE(parse_config_bytes("[1,2]", ConfigFile::Config));
  CHECK_FALSE(parse_config_bytes("{\"a\":\"\xff\"}", ConfigFile::Config));  // not UTF-8
  CHECK_FALSE(parse_config_bytes(R"({"profiles":[]})", ConfigFile::Config));
  CHECK_FALSE(parse_config_bytes(R"({"profiles":{"a":1}})", ConfigFile::Config));
  CHECK_FALSE(parse_config_bytes(R"({"profiles":{"a":{"token":5}}})", ConfigFile::Credentials));
  CHECK_FALSE(parse_config_bytes(R"({"version":3})", ConfigFile::Credentials));
  CHECK_FALSE(parse_config_bytes(R"({"version":2,"hosts":{"not a host":{}}})", ConfigFile::Credentials));
  CHECK_FALSE(parse_config_bytes(R"({"version":2,"hosts":{"http://h":{"profiles":{"p":{"token":[]}}}}})",
                                 ConfigFile::Credentials));
  CHECK(parse_config_bytes(R"({"version":2,"hosts":{"http://h:1":{"profiles":{"p":{"token":"t"}}}}})",
                           ConfigFile::Credentials));
}

TEST_CASE("an oversized config file is refused with its path and the fix") {
  Dir d;
  ConfigStore store(d.path.string());
  fs::create_directories(d.path);
  { std::ofstream(store.config_path()) << "{\"a\":\"" << std::string(kMaxConfigFileBytes, 'x') << "\"}"; }
  CHECK_THROWS_WITH_AS(store.load_config(), doctest::Contains("larger than 1 MiB; fix or remove it"),
                       std::runtime_error);
}

// ---- redaction (cli.md §3: --verbose and error messages) ---------------------------------------

TEST_CASE("redact_secrets hides known secrets, token shapes and secret query parameters") {
  const std::string key = "slab5_sk_Lysbs9zcbcQ55oTE1meidn4qWyP8Lb0Q4MlrcQ";
  CHECK(redact_secrets("> GET http://h/v1/workspace?token=" + key) == "> GET http://h/v1/workspace?token=[redacted]");
  CHECK(redact_secrets("X-Api-Key: " + key) == "X-Api-Key: [redacted]");
  CHECK(redact_secrets("a slab5_mcp_abc123 b slab5_rt_Zz9 c whsec_q1") == "a [redacted] b [redacted] c [redacted]");
  CHECK(redact_secrets("jwt eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.sig-_x end") == "jwt [redacted] end");
  CHECK(redact_secrets("?a=1&password=hunter2&b=2") == "?a=1&password=[redacted]&b=2");
  CHECK(redact_secrets("?refresh_token=abc#frag") == "?refresh_token=[redacted]#frag");
  CHECK(redact_secrets("opaque-secret-value here", {"opaque-secret-value"}) == "[redacted] here");
  CHECK(redact_secrets("short x", {"x"}) == "short x");  // too short to be a secret
  // Left alone: prefixes in prose, ordinary parameters, ids.
  CHECK(redact_secrets("keys look like slab5_sk_") == "keys look like slab5_sk_");
  CHECK(redact_secrets("/v1/contacts?limit=5&cursor=abc") == "/v1/contacts?limit=5&cursor=abc");
  CHECK(redact_secrets("key_01m8pyzmztaj5zyykreh89fxj4") == "key_01m8pyzmztaj5zyykreh89fxj4");
}

TEST_CASE("secret headers are recognised by name") {
  for (const char* h : {"Authorization", "proxy-authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-Auth-Token",
                        "X-Slab5-Signature", "x-client-secret"})
    CHECK(is_secret_header(h));
  for (const char* h : {"Accept", "Content-Type", "x-workspace-id", "Idempotency-Key", "x-correlation-id"})
    CHECK_FALSE(is_secret_header(h));
}

TEST_CASE("parse_config_bytes answers every input with a value or a message, never an exception") {
  const std::string seeds[] = {
      R"({"version":2,"hosts":{"http://127.0.0.1:8787":{"profiles":{"default":{"kind":"session","token":"eyJa.b.c"}}}}})",
      R"({"profiles":{"default":{"base_url":"https://api.slab5.com/v1","workspace":"wrk_1","output":"json"}}})",
      R"({"profiles":{"p":{"kind":"api_key","token":"slab5_sk_x","base_url":"http://[::1]:1/v1"}}})"};
  std::uint32_t state = 12345;
  auto next = [&] { return state = state * 1103515245u + 12345u; };
  for (int i = 0; i < 3000; ++i) {
    std::string s = seeds[i % 3];
    for (int m = int(next() % 6); m >= 0; --m) {
      std::size_t at = next() % (s.size() + 1);
      switch (next() % 3) {
        case 0:
          s.insert(at, 1, char(next() % 256));
          break;
        case 1:
          if (at < s.size()) s.erase(at, 1 + next() % 4);
          break;
        default:
          if (at < s.size()) s[at] = "{}[]\":,\\0a"[next() % 10];
          break;
      }
    }
    for (auto kind : {ConfigFile::Config, ConfigFile::Credentials}) {
      CHECK_NOTHROW((void)parse_config_bytes(s, kind));
    }
  }
}
