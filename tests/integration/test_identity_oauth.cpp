// OAuth sign-in (api.md §2.2) and mail through SMTP: ID tokens minted here with our own RS256
// keys and served from a JWKS endpoint on loopback, the mock provider of --mock-oauth, and a
// tiny SMTP listener for --smtp-url.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "checks.hpp"
#include "harness.hpp"
#include "slab5/jose.hpp"
#include "slab5/time.hpp"
#include "stand_in.hpp"

using namespace testing;

namespace {

// Serves one JWKS document with a chosen Cache-Control and status, counting fetches.
class JwksServer {
 public:
  JwksServer()
      : http_([this](const std::string&) {
          std::lock_guard lock(mu_);
          ++hits_;
          StandInReply r{status_, body_, {}};
          if (!cache_control_.empty()) r.headers.emplace_back("Cache-Control", cache_control_);
          return std::optional<StandInReply>(std::move(r));
        }) {}
  std::string url() const { return http_.url("/jwks.json"); }
  void serve(std::vector<slab5::jose::Key> keys, std::string cache_control = "public, max-age=300", int status = 200) {
    std::lock_guard lock(mu_);
    body_ = slab5::jose::make_jwks(keys).dump();
    cache_control_ = std::move(cache_control);
    status_ = status;
  }
  int hits() {
    std::lock_guard lock(mu_);
    return hits_;
  }

 private:
  std::mutex mu_;
  std::string body_ = "{\"keys\":[]}";
  std::string cache_control_;
  int status_ = 200;
  int hits_ = 0;
  StandIn http_;
};

const slab5::jose::Key& rsa_key() {
  static auto k = slab5::jose::generate(slab5::jose::kRS256, "test-rsa-1");
  return k;
}
const slab5::jose::Key& other_rsa_key() {
  static auto k = slab5::jose::generate(slab5::jose::kRS256, "test-rsa-2");
  return k;
}

Json google_claims(const std::string& email) {
  auto now = slab5::now_millis() / 1000;
  return {{"iss", "https://accounts.google.com"},
          {"aud", "test-google-client"},
          {"sub", "g-" + email},
          {"email", email},
          {"email_verified", true},
          {"iat", now},
          {"exp", now + 600},
          {"name", "Goo Gle"}};
}
Json microsoft_claims(const std::string& email, const std::string& tid) {
  auto now = slab5::now_millis() / 1000;
  return {{"iss", "https://login.microsoftonline.com/" + tid + "/v2.0"},
          {"aud", "test-ms-client"},
          {"sub", "m-" + email},
          {"email", email},
          {"tid", tid},
          {"iat", now},
          {"nbf", now},
          {"exp", now + 600}};
}

Response oauth(const Server& s, const std::string& provider, const std::string& token, const std::string& ws = "") {
  Json body = {{"provider", provider}, {"idToken", token}};
  if (!ws.empty()) body["workspaceId"] = ws;
  return api("POST", s.api_url + "/auth/session", "", body);
}

std::string message(const Response& r) { return r.json["error"]["message"].get<std::string>(); }

struct OAuthFixture {
  JwksServer google, microsoft;
  std::unique_ptr<Server> s;
  OAuthFixture() {
    google.serve({rsa_key()});
    microsoft.serve({rsa_key()});
    s = std::make_unique<Server>(ServerOptions{
        .args = {"--google-jwks-url", google.url(), "--google-client-id", "test-google-client", "--microsoft-jwks-url",
                 microsoft.url(), "--microsoft-client-id", "test-ms-client", "--microsoft-tenant", "tenant-a"}});
  }
};

}  // namespace

TEST_CASE("a Google ID token signed by a key in the JWKS signs in and creates the account") {
  OAuthFixture f;
  auto r = oauth(*f.s, "google", slab5::jose::sign(rsa_key(), google_claims("gus@example.test")));
  REQUIRE(r.status == 200);
  auto d = r.json["data"];
  CHECK(d["user"]["email"] == "gus@example.test");
  CHECK(d["user"]["name"] == "Goo Gle");
  CHECK(d["user"]["email_verified"] == true);
  CHECK(d["workspace"]["name"] == "Personal Workspace");
  CHECK(d["workspace"]["role"] == "owner");
  CHECK(api("GET", f.s->api_url + "/me", d["accessToken"]).status == 200);
  // The same person again: the same account.
  auto again = oauth(*f.s, "google", slab5::jose::sign(rsa_key(), google_claims("gus@example.test")));
  CHECK(again.json["data"]["user"]["id"] == d["user"]["id"]);
  // An existing local account is signed in, not duplicated.
  auto owner = oauth(*f.s, "google", slab5::jose::sign(rsa_key(), google_claims(f.s->owner_email)), f.s->workspace_id);
  REQUIRE(owner.status == 200);
  CHECK(owner.json["data"]["workspace"]["id"] == f.s->workspace_id);
  check_error(api("POST", f.s->api_url + "/auth/session", "", {{"provider", "google"}}), 422, "validation_failed");
  check_error(api("POST", f.s->api_url + "/auth/session", "", {{"provider", "google"}, {"idToken", 5}}), 422,
              "validation_failed");
}

TEST_CASE("Google ID tokens failing a check are refused with a message naming it") {
  OAuthFixture f;
  auto now = slab5::now_millis() / 1000;
  struct Case {
    const char* name;
    Json claims;
    const char* expect;
  };
  auto with = [](Json c, const char* k, Json v) {
    if (v.is_null())
      c.erase(k);
    else
      c[k] = v;
    return c;
  };
  Json base = google_claims("hal@example.test");
  std::vector<Case> cases = {
      {"audience", with(base, "aud", "someone-else"), "aud"},
      {"issuer", with(base, "iss", "https://evil.example"), "iss"},
      {"expired", with(base, "exp", now - 61), "exp"},
      {"not yet valid", with(base, "nbf", now + 120), "nbf"},
      {"issued in the future", with(base, "iat", now + 120), "iat"},
      {"unverified email", with(base, "email_verified", false), "email_verified"},
      {"missing email_verified", with(base, "email_verified", nullptr), "email_verified"},
      {"missing email", with(base, "email", nullptr), "email"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto r = oauth(*f.s, "google", slab5::jose::sign(rsa_key(), c.claims));
    check_error(r, 401, "unauthorized");
    CHECK(message(r).find(c.expect) != std::string::npos);
  }
  // Within the 60 s skew is fine.
  CHECK(oauth(*f.s, "google", slab5::jose::sign(rsa_key(), with(base, "exp", now - 30))).status == 200);
  CHECK(oauth(*f.s, "google", slab5::jose::sign(rsa_key(), with(base, "iss", "accounts.google.com"))).status == 200);
  // A signature by another key under the same kid.
  auto forged = slab5::jose::sign_with_header(other_rsa_key(), {{"alg", "RS256"}, {"kid", rsa_key().kid}}, base);
  auto r = oauth(*f.s, "google", forged);
  check_error(r, 401, "unauthorized");
  CHECK(message(r).find("signature") != std::string::npos);
  // RS256 only: an ES256 token is refused even with a key the JWKS could hold.
  auto es = slab5::jose::generate(slab5::jose::kES256, rsa_key().kid);
  r = oauth(*f.s, "google", slab5::jose::sign(es, base));
  check_error(r, 401, "unauthorized");
  CHECK(message(r).find("ES256") != std::string::npos);
  r = oauth(*f.s, "google", "not.a.token");
  check_error(r, 401, "unauthorized");
  // Failures are audited, with the reason and without the token.
  auto rows = run_sql(f.s->db_path,
                      "SELECT count(*) FROM audit_events WHERE action = 'session.failed' AND "
                      "after_json LIKE '%google%'");
  CHECK(std::stoi(rows.out) >= int(cases.size()));
}

TEST_CASE("Microsoft ID tokens need an allowed tenant and the matching issuer") {
  OAuthFixture f;
  auto ok = oauth(*f.s, "microsoft", slab5::jose::sign(rsa_key(), microsoft_claims("mia@example.test", "tenant-a")));
  REQUIRE(ok.status == 200);
  CHECK(ok.json["data"]["user"]["email"] == "mia@example.test");
  auto other = oauth(*f.s, "microsoft", slab5::jose::sign(rsa_key(), microsoft_claims("mia@example.test", "tenant-b")));
  check_error(other, 401, "unauthorized");
  CHECK(message(other).find("tenant") != std::string::npos);
  Json mismatched = microsoft_claims("mia@example.test", "tenant-a");
  mismatched["iss"] = "https://login.microsoftonline.com/tenant-b/v2.0";
  auto r = oauth(*f.s, "microsoft", slab5::jose::sign(rsa_key(), mismatched));
  check_error(r, 401, "unauthorized");
  CHECK(message(r).find("iss") != std::string::npos);
  Json no_tid = microsoft_claims("mia@example.test", "tenant-a");
  no_tid.erase("tid");
  check_error(oauth(*f.s, "microsoft", slab5::jose::sign(rsa_key(), no_tid)), 401, "unauthorized");
  Json wrong_aud = microsoft_claims("mia@example.test", "tenant-a");
  wrong_aud["aud"] = "test-google-client";
  r = oauth(*f.s, "microsoft", slab5::jose::sign(rsa_key(), wrong_aud));
  check_error(r, 401, "unauthorized");
  CHECK(message(r).find("aud") != std::string::npos);
}

TEST_CASE("the JWKS is cached by Cache-Control and refetched once for an unknown kid") {
  OAuthFixture f;
  auto token = [](const slab5::jose::Key& k) { return slab5::jose::sign(k, google_claims("ida@example.test")); };
  CHECK(oauth(*f.s, "google", token(rsa_key())).status == 200);
  CHECK(oauth(*f.s, "google", token(rsa_key())).status == 200);
  CHECK(f.google.hits() == 1);
  // The provider rotates: a token with a new kid makes one refetch, which finds it.
  f.google.serve({rsa_key(), other_rsa_key()});
  CHECK(oauth(*f.s, "google", token(other_rsa_key())).status == 200);
  CHECK(f.google.hits() == 2);
  // A kid the provider does not have: one refetch, then refused.
  auto stranger = slab5::jose::generate(slab5::jose::kRS256, "nobody-knows");
  auto r = oauth(*f.s, "google", token(stranger));
  check_error(r, 401, "unauthorized");
  CHECK(message(r).find("kid") != std::string::npos);
  CHECK(f.google.hits() == 3);
  // no-store: once a fetch says so, every sign-in fetches.
  auto third = slab5::jose::generate(slab5::jose::kRS256, "test-rsa-3");
  f.google.serve({rsa_key(), third}, "no-store");
  CHECK(oauth(*f.s, "google", token(third)).status == 200);  // unknown kid: refetch
  CHECK(f.google.hits() == 4);
  CHECK(oauth(*f.s, "google", token(rsa_key())).status == 200);
  CHECK(oauth(*f.s, "google", token(rsa_key())).status == 200);
  CHECK(f.google.hits() == 6);
  // The provider is down: refused, naming the fetch.
  f.google.serve({rsa_key()}, "no-store", 500);
  r = oauth(*f.s, "google", token(rsa_key()));
  check_error(r, 401, "unauthorized");
  CHECK(message(r).find("fetched") != std::string::npos);
}

TEST_CASE("--mock-oauth signs in through the built-in provider with the same checks") {
  Server s({.args = {"--mock-oauth"}});
  auto mint = [&](const std::string& provider, const Json& body) {
    auto r = api("POST", s.api_url + "/dev/oauth/" + provider + "/id-token", "", body);
    REQUIRE(r.status == 200);
    return r.json["data"]["idToken"].get<std::string>();
  };
  auto g = oauth(s, "google", mint("google", {{"email", "moe@example.test"}, {"name", "Moe"}}));
  REQUIRE(g.status == 200);
  CHECK(g.json["data"]["user"]["name"] == "Moe");
  auto m = oauth(s, "microsoft", mint("microsoft", {{"email", "moe@example.test"}}));
  REQUIRE(m.status == 200);
  CHECK(m.json["data"]["user"]["id"] == g.json["data"]["user"]["id"]);
  auto unverified = oauth(s, "google", mint("google", {{"email", "ned@example.test"}, {"email_verified", false}}));
  check_error(unverified, 401, "unauthorized");
  CHECK(message(unverified).find("email_verified") != std::string::npos);
  check_error(oauth(s, "google", mint("google", {{"email", "ned@example.test"}, {"aud", "other"}})), 401,
              "unauthorized");
  check_error(oauth(s, "microsoft", mint("microsoft", {{"email", "ned@example.test"}, {"tid", "elsewhere"}})), 401,
              "unauthorized");
  // A Google token is no Microsoft token.
  check_error(oauth(s, "microsoft", mint("google", {{"email", "ned@example.test"}})), 401, "unauthorized");
  auto jwks = http("GET", s.api_url + "/dev/oauth/google/jwks.json");
  CHECK(jwks.status == 200);
  CHECK(slab5::jose::parse_jwks(jwks.body)->size() == 1);
  check_error(http("GET", s.api_url + "/dev/oauth/github/jwks.json"), 404, "resource_not_found");
  check_error(api("POST", s.api_url + "/dev/oauth/google/id-token", "", Json::object()), 422, "validation_failed");
  check_error(
      api("POST", s.api_url + "/dev/oauth/google/id-token", "", {{"email", "a@b.c"}, {"email_verified", "yes"}}), 422,
      "validation_failed");
}

TEST_CASE("without --mock-oauth the mock provider's tokens are refused") {
  JwksServer empty;
  empty.serve({});
  Server s({.args = {"--google-jwks-url", empty.url()}});
  auto minted = api("POST", s.api_url + "/dev/oauth/google/id-token", "", {{"email", "oz@example.test"}});
  REQUIRE(minted.status == 200);
  auto r = oauth(s, "google", minted.json["data"]["idToken"]);
  check_error(r, 401, "unauthorized");
  CHECK(message(r).find("kid") != std::string::npos);
}

TEST_CASE("--smtp-url also delivers mail through SMTP") {
  std::mutex mu;
  std::string rcpt, data;
  std::atomic<bool> got{false};
  Listener smtp([&](int c) {
    send_all(c, "220 stub ESMTP\r\n");
    for (;;) {
      std::string line = read_until(c, "\r\n");
      if (line.empty()) return true;
      std::string cmd = line.substr(0, 4);
      if (cmd == "EHLO" || cmd == "HELO") {
        send_all(c, "250 stub\r\n");
      } else if (cmd == "MAIL") {
        send_all(c, "250 OK\r\n");
      } else if (cmd == "RCPT") {
        std::lock_guard lock(mu);
        rcpt = line;
        send_all(c, "250 OK\r\n");
      } else if (cmd == "DATA") {
        send_all(c, "354 go ahead\r\n");
        std::string body = read_until(c, "\r\n.\r\n");
        {
          std::lock_guard lock(mu);
          data = body;
        }
        send_all(c, "250 queued\r\n");
        got = true;
      } else if (cmd == "QUIT") {
        send_all(c, "221 bye\r\n");
        return true;
      } else {
        send_all(c, "502 no\r\n");
      }
    }
  });
  Server s({.args = {"--smtp-url", "smtp://127.0.0.1:" + std::to_string(smtp.port()), "--mail-from",
                     "Slab5 Test <robot@example.test>"}});
  api("POST", s.api_url + "/auth/register", "", {{"email", "pat@example.test"}, {"password", "password1"}});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!got && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(got);
  std::lock_guard lock(mu);
  CHECK(rcpt.find("<pat@example.test>") != std::string::npos);
  auto token = http("GET", s.api_url + "/dev/mail?to=pat%40example.test").json["data"][0]["token"].get<std::string>();
  CHECK(data.find(token) != std::string::npos);
  CHECK(data.find("Subject: Verify your email address for Slab5") != std::string::npos);
  CHECK(data.find("From: Slab5 Test <robot@example.test>") != std::string::npos);
}

TEST_CASE("an OAuth sign-in to an unverified account clears the password nobody proved") {
  Server s({.args = {"--mock-oauth"}});
  auto sql = [&](const std::string& q) {
    auto r = run_sql(s.db_path, q);
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  auto local = [&](const std::string& password) {
    return api("POST", s.api_url + "/auth/session", "",
               {{"provider", "local"}, {"email", "wes@example.test"}, {"password", password}});
  };
  REQUIRE(api("POST", s.api_url + "/auth/register", "", {{"email", "wes@example.test"}, {"password", "attacker-pw"}})
              .status == 202);
  check_error(local("attacker-pw"), 403, "email_not_verified");
  // A session the account held (made while it was briefly marked verified) ends too.
  sql("UPDATE users SET email_verified_at = '2026-01-01T00:00:00.000Z' WHERE email = 'wes@example.test'");
  auto early = login(s, "wes@example.test", "attacker-pw");
  sql("UPDATE users SET email_verified_at = NULL WHERE email = 'wes@example.test'");
  std::string early_access = early["accessToken"], early_refresh = early["refreshToken"];
  REQUIRE(api("GET", s.api_url + "/me", early_access).status == 200);

  auto minted = api("POST", s.api_url + "/dev/oauth/google/id-token", "", {{"email", "wes@example.test"}});
  REQUIRE(minted.status == 200);
  auto g = oauth(s, "google", minted.json["data"]["idToken"]);
  INFO(g.body);
  REQUIRE(g.status == 200);
  CHECK(g.json["data"]["user"]["email_verified"] == true);
  CHECK(api("GET", s.api_url + "/me", g.json["data"]["accessToken"]).status == 200);
  // The registrant's password is gone: it signs in no more (now or after verification).
  check_error(local("attacker-pw"), 401, "invalid_credentials");
  CHECK(sql("SELECT password_hash IS NULL FROM users WHERE email = 'wes@example.test'") == "1\n");
  check_error(api("GET", s.api_url + "/me", early_access), 401, "unauthorized");
  check_error(api("POST", s.api_url + "/auth/refresh", "", {{"refreshToken", early_refresh}}), 401, "unauthorized");
  CHECK(sql("SELECT json_extract(after_json, '$.via') || ' ' || json_extract(after_json, '$.password_change') || "
            "' ' || json_extract(after_json, '$.sessions_revoked') FROM audit_events WHERE action = "
            "'user.email_verified'") == "oauth:google cleared 1\n");
  // A verified account keeps its password: a second OAuth sign-in changes nothing.
  REQUIRE(oauth(s, "google", minted.json["data"]["idToken"]).status == 200);
  CHECK(sql("SELECT count(*) FROM audit_events WHERE action = 'user.email_verified'") == "1\n");
}
