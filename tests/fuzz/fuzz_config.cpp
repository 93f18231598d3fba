// Config files → slab5's config store (cli/credentials/store.*) and the settings it feeds
// (cli/context.*): config.json and credentials.json are read from a directory of the
// target's own, then every reader of them runs as a command would, and `config set` /
// `config unset` rewrite config.json. A broken file must give std::runtime_error with a
// readable message (which slab5 prints as "error: …"), never another exception or a crash.
//
// Input: config.json's bytes, a NUL, credentials.json's bytes (no NUL: no credentials file).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "context.hpp"
#include "credentials/store.hpp"

namespace {

std::string g_dir;

void write_file(const std::string& path, std::string_view bytes) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  while (!bytes.empty()) {
    ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n <= 0) std::abort();
    bytes.remove_prefix(std::size_t(n));
  }
  close(fd);
}

// Runs one reader; std::runtime_error is the documented failure.
template <class F>
void reader(F&& f) {
  try {
    f();
  } catch (const std::runtime_error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static char dir[] = "/tmp/slab5-fuzz-config-XXXXXX";
  if (!mkdtemp(dir)) std::abort();
  g_dir = dir;
  setenv("SLAB5_CONFIG_DIR", dir, 1);
  for (const char* v : {"SLAB5_API_BASE_URL", "SLAB5_WORKSPACE_ID", "SLAB5_PROFILE", "SLAB5_TIMEOUT",
                        "SLAB5_WORKSPACE_TOKEN", "SLAB5_API_KEY", "SLAB5_WORKSPACE_API_KEY"})
    unsetenv(v);
  std::atexit([] {
    slab5cli::ConfigStore store(g_dir);
    unlink(store.config_path().c_str());
    unlink(store.credentials_path().c_str());
    rmdir(g_dir.c_str());
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nul = in.find('\0');
  slab5cli::ConfigStore store(g_dir);
  write_file(store.config_path(), in.substr(0, nul));
  if (nul == std::string_view::npos)
    unlink(store.credentials_path().c_str());
  else
    write_file(store.credentials_path(), in.substr(nul + 1));

  reader([&] { (void)store.load_config(); });
  for (const char* profile : {"default", "work", ""}) {
    for (const char* key : {"base_url", "workspace", "output"})
      reader([&] { (void)store.profile_value(profile, key); });
    for (const char* host : {"https://api.slab5.com", "http://127.0.0.1:8080", ""})
      reader([&] { (void)store.credential(profile, host); });
  }
  reader([&] { (void)store.stored_credentials(); });
  // The settings every command resolves (they catch what the store throws themselves).
  slab5cli::Context ctx;
  (void)ctx.base_url();
  (void)ctx.workspace();
  reader([&] { (void)ctx.token_setting(); });
  reader([&] { (void)ctx.active_stored_credential(); });
  (void)ctx.require_token();
  // `slab5 config set` / `config unset` on this file.
  reader([&] { store.set_profile_value("default", "output", "json"); });
  reader([&] { store.unset_profile_value("default", "workspace"); });
  reader([&] { (void)store.profile_value("default", "output"); });
  // `slab5 login` / `logout` on this credentials file.
  slab5cli::StoredCredential c;
  c.kind = "api_key";
  c.token = "slab5_sk_fuzz";
  reader([&] { store.save_credential("work", "https://api.slab5.com", c); });
  reader([&] { store.forget_credential("default", "https://api.slab5.com"); });
  return 0;
}
