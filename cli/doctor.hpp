// `slab5 doctor [--route 'METHOD PATH']` (cli.md §2): the checks a support engineer runs, in
// order: environment, base URL shape, reachability, token, the route's needs, clock skew.
// One line per check with ok/fail (or skip when an earlier failure makes it moot) and a fix.
#pragma once
#include <CLI/CLI.hpp>
#include <ctime>
#include <string>
#include <vector>

#include "context.hpp"

namespace slab5cli {

struct DoctorCheck {
  std::string name;
  std::string status;  // "ok" | "fail" | "skip"
  std::string detail;
  std::string fix;  // set when status is "fail"
};

// What doctor learnt about the credential in use.
struct CredentialFacts {
  std::string kind;  // "api_key" | "session" | "mcp_client" | "" when unknown
  bool valid = false;
  bool workspace_set = false;  // a session has a workspace to send as x-workspace-id
  std::string role;            // a session's role in the workspace
  bool scopes_known = false;
  std::vector<std::string> scopes;
  std::string scopes_unknown_reason;
  bool modules_known = false;
  std::vector<std::string> enabled_modules;
};

DoctorCheck check_base_url_shape(const std::string& url, const std::string& source);
// cli.md §1: plain http carries tokens only to loopback hosts, unless allowed.
DoctorCheck check_transport(const std::string& url, bool insecure_allowed);
// What slab5d would answer this credential on the route: slab5::first_refusal, the function
// the server's middleware calls, with what doctor learnt. A refusal names its status and code.
DoctorCheck check_route_needs(const std::string& route_text, const CredentialFacts& facts);
// `date` is the server's Date header (IMF-fixdate); `now` the local clock.
DoctorCheck check_clock_skew(const std::string& date, std::time_t now);
// Parses "Sun, 06 Nov 1994 08:49:37 GMT"; -1 when it is not that shape.
std::time_t parse_http_date(const std::string& date);

int run_doctor(Context& ctx, const std::string& route_text);
void add_doctor_command(CLI::App& app, Context& ctx);

}  // namespace slab5cli
