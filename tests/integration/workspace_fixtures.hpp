// Fixtures for the workspace, member, audit and usage tests. Every set-up step goes through the
// real HTTP routes, as a client would: API keys from POST /v1/workspace/api-keys, members from
// the invite/accept flow, extra workspaces from POST /v1/workspaces.
#pragma once
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "checks.hpp"
#include "harness.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"

namespace fixtures {

// A session request to a workspace route: bearer token plus x-workspace-id.
inline testing::Response ws_api(const std::string& method, const std::string& url, const std::string& token,
                                const std::string& workspace_id, const nlohmann::json& body = nullptr) {
  return testing::api(method, url, token, body, {{"x-workspace-id", workspace_id}});
}

// The dev owner's session access token for the server's first workspace (or `workspace_id`).
inline std::string owner_session(const testing::Server& s, const std::string& workspace_id = "") {
  return testing::login(s, s.owner_email, s.owner_password,
                        workspace_id.empty() ? s.workspace_id : workspace_id)["accessToken"];
}

// The dev owner's user id, as the session route reports it.
inline std::string owner_id(const testing::Server& s) {
  return testing::login(s, s.owner_email, s.owner_password, s.workspace_id)["user"]["id"];
}

// An API key holding exactly `scopes`, created by POST /v1/workspace/api-keys: in the server's
// first workspace with the first-start key, in another workspace with its owner's session.
// Returns the key's secret.
inline std::string make_key(const testing::Server& s, const std::vector<std::string>& scopes,
                            const std::string& workspace_id = "") {
  nlohmann::json body{{"name", "test key"}, {"scopes", scopes}};
  std::string url = s.api_url + "/workspace/api-keys";
  auto r = workspace_id.empty() || workspace_id == s.workspace_id
               ? testing::api("POST", url, s.token, body)
               : ws_api("POST", url, owner_session(s, workspace_id), workspace_id, body);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return r.json["data"]["secret"];
}

// A new user with `role` in `workspace_id`, through the real invitation flow: the dev owner
// invites, the token comes from the dev mailbox, the invitee accepts with a password. The
// returned member holds a session for that workspace.
inline testing::Member add_member_in(testing::Server& s, const std::string& role, const std::string& workspace_id) {
  if (workspace_id == s.workspace_id) return testing::add_member(s, role);
  testing::Member m;
  m.email = "member-" + slab5::hex_encode(slab5::random_bytes(6)) + "@example.test";
  m.password = "pw-" + slab5::hex_encode(slab5::random_bytes(8));
  auto inv = ws_api("POST", s.api_url + "/workspace/invitations", owner_session(s, workspace_id), workspace_id,
                    {{"email", m.email}, {"role", role}});
  REQUIRE_MESSAGE(inv.status == 201, inv.body);
  auto mail = testing::http("GET", s.api_url + "/dev/mail?to=" + slab5::url_encode(m.email));
  REQUIRE_MESSAGE(mail.status == 200, mail.body);
  REQUIRE(mail.json["data"].size() == 1);
  auto acc = testing::api("POST", s.api_url + "/auth/accept-invite", "",
                          {{"token", mail.json["data"][0]["token"]}, {"password", m.password}});
  REQUIRE_MESSAGE(acc.status == 200, acc.body);
  m.user_id = acc.json["data"]["user"]["id"];
  m.access_token = acc.json["data"]["accessToken"];
  m.refresh_token = acc.json["data"]["refreshToken"];
  return m;
}

// A second workspace created by the dev owner's session (POST /v1/workspaces): the dev owner is
// its only member, as owner. Returns wrk_….
inline std::string insert_workspace(const testing::Server& s, const std::string& slug) {
  auto r = testing::api("POST", s.api_url + "/workspaces", owner_session(s), {{"name", "Other"}, {"slug", slug}});
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return r.json["data"]["id"];
}

}  // namespace fixtures
