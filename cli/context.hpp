// What every slab5 command sees: the global flags, settings resolved by precedence
// (flag → environment → profile → default, with their sources), the config store, the API
// client, output, and the helpers for confirmations and failures.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "api_client.hpp"
#include "credentials/store.hpp"
#include "output/output.hpp"
#include "slab5/settings.hpp"

namespace slab5cli {

struct GlobalOptions {
  bool json = false;
  bool quiet = false;
  bool verbose = false;
  bool no_color = false;
  bool yes = false;
  std::string base_url;
  std::string token;
  std::string workspace;
  std::string profile;
  std::string correlation_id;
  std::string timeout;  // seconds
  std::string cacert;
  std::string jq;  // --jq filter on --json output
  bool allow_insecure_http = false;
};

class Context {
 public:
  Context();

  GlobalOptions g;
  Output out;
  slab5::EnvLookup env = slab5::process_env();

  // Settings, each with where it came from.
  std::string profile() const;
  slab5::Setting base_url() const;
  slab5::Setting token_setting() const;  // "" when none
  slab5::Setting workspace() const;
  std::string correlation_id() const;
  long timeout_ms() const;
  int max_retries() const;
  bool verbose() const;
  std::string ca_bundle() const;

  // --allow-insecure-http, or SLAB5_ALLOW_INSECURE_HTTP=1.
  bool allow_insecure_http() const;
  // The host the base URL names (credential_host()): the only host a token is sent to, and
  // the key its stored credential is filed under. "" when the base URL is not usable.
  std::string credential_host() const;
  // Why nothing may be sent to the base URL, checked before any connection: it is not an
  // http(s) URL with a plain host (exit 2), or it is plain http to a host that is not
  // loopback without --allow-insecure-http (exit 2). nullopt when requests may go.
  std::optional<ApiError> transport_refusal() const;

  ConfigStore& store();
  // The stored credential of the active profile for the base URL's host, when it is the one
  // in use (no flag/env token).
  std::optional<StoredCredential> active_stored_credential();
  void save_active_credential(const StoredCredential& c);
  // The other hosts the active profile holds a credential for (for the "not here" hint).
  std::vector<std::string> other_credential_hosts();

  // Replaces every secret slab5 knows of (the token in use, secrets added with add_secret)
  // and anything shaped like a token with [redacted]: for traces and error messages.
  std::string redact(std::string_view text) const;
  void add_secret(const std::string& secret);

  // The token to send, checked offline (checksum); exit 4 with a hint when none or malformed.
  tl::expected<std::string, ApiError> require_token();

  ApiClient& client();

  // Prints an API/network error per cli.md §3 and returns its exit code.
  int fail(const ApiError& e);
  // Prints "error: msg" (+ hint) and returns the given exit code.
  int fail(int exit_code, const std::string& message, const std::string& hint = "");
  int usage_error(const std::string& message);

  // Destructive commands: on a terminal the user types `expected` to confirm; without a
  // terminal --yes is required. Returns 0 to go ahead, else the exit code to return.
  int confirm(const std::string& action, const std::string& expected);

  // Prints data per the output flags: --json (with --jq) or the human/TSV renderer.
  int emit(const Json& data, const std::function<void()>& human);

  // The command to run, set by the command table while parsing.
  std::function<int()> action;

  bool stdin_tty() const;

 private:
  std::unique_ptr<ConfigStore> store_;
  std::unique_ptr<ApiClient> client_;
  std::vector<std::string> secrets_;
};

// Applies a --jq filter to a JSON value and prints the results (jq's own output rules).
// Installed by the jq integration; returns an exit code.
using JqRunner = std::function<int(Context&, const Json&, const std::string& filter)>;
void set_jq_runner(JqRunner runner);
const JqRunner& jq_runner();

}  // namespace slab5cli
