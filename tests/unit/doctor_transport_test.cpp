// Unit tests for doctor's transport check (cli.md §1: no token over plain http to a host
// that is not loopback unless allowed).
#include <doctest/doctest.h>

#include "doctor.hpp"

using namespace slab5cli;

TEST_CASE("doctor's transport check fails plain http to a non-loopback host, with the fix") {
  auto c = check_transport("http://192.0.2.2:18999/v1", false);
  CHECK(c.status == "fail");
  CHECK(c.detail.find("http://192.0.2.2:18999") != std::string::npos);
  CHECK(c.fix.find("https://") != std::string::npos);
  CHECK(c.fix.find("--allow-insecure-http") != std::string::npos);
  CHECK(c.fix.find("SLAB5_ALLOW_INSECURE_HTTP=1") != std::string::npos);
}

TEST_CASE("doctor's transport check passes https, loopback http, and allowed insecure http") {
  CHECK(check_transport("https://api.slab5.com/v1", false).status == "ok");
  CHECK(check_transport("http://127.0.0.1:8787/v1", false).status == "ok");
  CHECK(check_transport("http://localhost:8787/v1", false).status == "ok");
  CHECK(check_transport("http://[::1]:8787/v1", false).status == "ok");
  auto allowed = check_transport("http://192.0.2.2/v1", true);
  CHECK(allowed.status == "ok");
  CHECK(allowed.detail.find("in clear") != std::string::npos);
}

TEST_CASE("doctor's transport check fails a base URL whose host is ambiguous") {
  CHECK(check_transport("http://user@127.0.0.1/v1", false).status == "fail");
  CHECK(check_transport("not a url", false).status == "fail");
}
