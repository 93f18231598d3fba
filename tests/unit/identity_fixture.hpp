// What the identity unit tests share: a temp database, an IdentityService with test settings,
// the actor of an anonymous call (a public route's) and a RequestMeta — no request, no App.
#pragma once
#include <doctest/doctest.h>

#include "../support/temp_db.hpp"
#include "domain/identity_service.hpp"
#include "domain/kek.hpp"
#include "domain/mail.hpp"
#include "domain/passwords.hpp"
#include "domain/sessions.hpp"

namespace slab5d::testing {

inline IdentitySettings test_identity_settings(bool auto_verify = false) {
  IdentitySettings s;
  s.config.password_cost = "test";
  s.config.auto_verify = auto_verify;
  s.kek_path = "";  // process memory
  s.base_url = [] { return std::string("http://127.0.0.1:9"); };
  return s;
}

struct IdentityFixture {
  TempDb t;
  Db& db = *t.db;
  IdentityService svc;
  Actor anonymous;  // what ctx.actor() is on a public route
  RequestMeta meta{.request_id = "req_unit", .route = "unit test", .ip = "127.0.0.1", .user_agent = "unit/1"};

  explicit IdentityFixture(bool auto_verify = false) : svc(test_identity_settings(auto_verify)) {
    REQUIRE(prime_signing_key(db, svc));
  }

  // The newest mail's token to `to`, as GET /v1/dev/mail shows it.
  std::string mailed_token(const std::string& to) {
    auto box = dev_mailbox(db, to, key_encryption_key(""));
    REQUIRE(box);
    REQUIRE_FALSE(box->empty());
    return (*box)[0]["token"].get<std::string>();
  }
  std::string hash(const std::string& password) { return hash_password(password, svc.cost); }
};

}  // namespace slab5d::testing
