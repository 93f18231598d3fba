#include "domain/fixtures.hpp"
#include "slab5/encoding.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "domain/credential_rules.hpp"
#include "domain/credentials.hpp"
#include "domain/identity.hpp"
#include "domain/records.hpp"
#include "domain/webhooks.hpp"
#include "domain/workspace_admin.hpp"
#include "domain/workspaces.hpp"
#include "slab5/access.hpp"
#include "slab5/api/resources.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "slab5/token.hpp"
#include "store/credential_store.hpp"
#include "store/fixture_store.hpp"
#include "store/member_store.hpp"
#include "store/record_store.hpp"
#include "store/store_error.hpp"
#include "store/webhook_store.hpp"
#include "store/workspace_store.hpp"

namespace slab5d {

using slab5::FieldError;
using slab5::Json;
using slab5::Result;
using slab5::api::ResourceSpec;

namespace {

const char* const kControlCollections[] = {"users", "workspaces", "memberships", "api_keys", "mcp_clients", "webhooks"};
const char* const kWebhookFields[] = {"id",           "workspace_id", "name",   "url",           "event_types",
                                      "max_attempts", "metadata",     "status", "signing_secret"};

// An app-plane resource's collection: its route with '_' for '-' ("deal_stages").
std::string collection_of(const ResourceSpec& spec) {
  std::string c(spec.route);
  std::replace(c.begin(), c.end(), '-', '_');
  return c;
}

// The top-level resources slab5d serves, each after the resources its references name, so
// that a record can refer to records of other collections whatever the order of the file.
std::vector<const ResourceSpec*> resources_in_load_order() {
  std::vector<const ResourceSpec*> pending, out;
  for (const auto& spec : slab5::api::resource_table())
    if (spec.served && !spec.is_child()) pending.push_back(&spec);
  auto depends_on = [](const ResourceSpec& a, const ResourceSpec& b) {
    if (&a == &b) return false;
    for (const auto& f : a.fields) {
      if (f.read_only) continue;
      if (f.type == slab5::api::FieldType::Reference && f.references == b.route) return true;
    }
    return false;
  };
  while (!pending.empty()) {
    auto ready = std::find_if(pending.begin(), pending.end(), [&](const ResourceSpec* a) {
      return std::none_of(pending.begin(), pending.end(), [&](const ResourceSpec* b) { return depends_on(*a, *b); });
    });
    if (ready == pending.end()) ready = pending.begin();  // a cycle: the table's order
    out.push_back(*ready);
    pending.erase(ready);
  }
  return out;
}

struct Problems {
  std::vector<FieldError> list;
  std::size_t count = 0;
  void add(std::string field, std::string message) {
    ++count;
    if (list.size() < kMaxFixtureProblems) list.push_back({std::move(field), std::move(message)});
  }
  // An API error under the entry it belongs to: each field error as "where.field".
  void add_error(const std::string& where, const slab5::Error& e) {
    auto it = e.extra.find("field_errors");
    if (e.code == "validation_failed" && it != e.extra.end() && it->is_array() && !it->empty()) {
      for (const auto& fe : *it) add(where + "." + slab5::string_or(fe, "field"), slab5::string_or(fe, "message"));
      return;
    }
    add(where, e.effective_message());
  }
};

std::optional<std::string> member_text(const Json& entry, const char* key, const std::string& where, Problems& p,
                                       bool required) {
  auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) {
    if (required) p.add(where + "." + key, "is required");
    return std::nullopt;
  }
  if (!it->is_string()) {
    p.add(where + "." + key, "must be a string");
    return std::nullopt;
  }
  return it->get<std::string>();
}

// The entry's own id when given (well-formed for its prefix, once in the fixture), else a new one.
std::string entry_id(const Json& entry, std::string_view prefix, const std::string& where, Problems& p,
                     std::set<std::string>& seen) {
  auto id = member_text(entry, "id", where, p, false);
  if (!id) return slab5::new_id(prefix);
  if (!slab5::is_id(*id, prefix)) {
    p.add(where + ".id", "must be an id of the form " + std::string(prefix) + "_ followed by 26 characters");
    return slab5::new_id(prefix);
  }
  if (!seen.insert(*id).second) p.add(where + ".id", "is given to another entry of the fixture");
  return *id;
}

bool is_hex64(const std::string& s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

struct WorkspaceFacts {
  std::string tenant_id;
  std::vector<std::string> enabled_modules;
  bool from_fixture = false;
  std::size_t index = 0;
  int owners = 0;
};

struct UserPlan {
  std::string id, email, name, hash;
  bool verified = true;
  std::size_t index = 0;
};

}  // namespace

Result<Json> parse_fixture(std::string_view text) {
  if (text.size() > kMaxFixtureBytes)
    return slab5::fail("invalid_request", "The fixture is larger than " + std::to_string(kMaxFixtureBytes >> 20) +
                                              " MiB; split it or seed through the API.");
  if (slab5::json_nesting_depth(text, kMaxFixtureDepth) > kMaxFixtureDepth)
    return slab5::fail("invalid_request", "The fixture nests arrays and objects deeper than " +
                                              std::to_string(kMaxFixtureDepth) + " levels.");
  auto j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return slab5::fail("invalid_request", "The fixture is not valid JSON.");
  return j;
}

Result<Json> load_fixture(Conn& db, const Json& fixture, const PasswordCost& cost, const WebhookSettings& webhooks) {
  Problems p;
  if (!fixture.is_object())
    return tl::unexpected(slab5::validation_error("fixture", "must be a JSON object whose keys are collections"));

  // The shape: known collections, each a list of objects, within the limits.
  std::map<std::string, const ResourceSpec*> resources;
  for (const auto* spec : resources_in_load_order()) resources[collection_of(*spec)] = spec;
  std::size_t entries = 0;
  for (const auto& item : fixture.items()) {
    const std::string& key = item.key();
    const Json& value = item.value();
    bool known =
        resources.count(key) != 0 || std::any_of(std::begin(kControlCollections), std::end(kControlCollections),
                                                 [&](const char* c) { return key == c; });
    if (!known) {
      p.add(key,
            "is not a collection: users, workspaces, memberships, api_keys, mcp_clients, webhooks, or an "
            "app-plane resource named by its route with '_' for '-' (contacts, deal_stages, …)");
      continue;
    }
    if (!value.is_array()) {
      p.add(key, "must be a list of objects");
      continue;
    }
    for (std::size_t i = 0; i < value.size(); ++i)
      if (!value[i].is_object()) p.add(key + "[" + std::to_string(i) + "]", "must be an object");
    entries += value.size();
  }
  if (entries > kMaxFixtureEntries)
    p.add("fixture", "has " + std::to_string(entries) + " entries; at most " + std::to_string(kMaxFixtureEntries));
  auto list = [&](const char* key) -> const Json& {
    static const Json empty = Json::array();
    auto it = fixture.find(key);
    return it != fixture.end() && it->is_array() ? *it : empty;
  };
  if (p.count) return tl::unexpected(slab5::validation_error(std::move(p.list)));

  auto now_ms = slab5::now_millis();
  std::string now = slab5::format_rfc3339(now_ms);
  std::set<std::string> ids;

  // Users first, outside the transaction: hashing a password is the slow part.
  std::vector<UserPlan> users;
  std::set<std::string> emails;
  const Json& user_list = list("users");
  for (std::size_t i = 0; i < user_list.size(); ++i) {
    const Json& e = user_list[i];
    std::string where = "users[" + std::to_string(i) + "]";
    UserPlan u;
    u.index = i;
    u.id = entry_id(e, "usr", where, p, ids);
    std::size_t before = p.count;
    if (auto email = member_text(e, "email", where, p, true)) {
      if (auto ok = check_email("email", *email); !ok)
        p.add_error(where, ok.error());
      else if (!emails.insert(slab5::ascii_lower(*email)).second)
        p.add(where + ".email", "is given to another user of the fixture");
      u.email = *email;
    }
    if (auto name = member_text(e, "name", where, p, false)) {
      if (auto ok = check_name("name", name); !ok) p.add_error(where, ok.error());
      u.name = *name;
    }
    if (e.contains("email_verified")) {
      if (!e["email_verified"].is_boolean())
        p.add(where + ".email_verified", "must be true or false");
      else
        u.verified = e["email_verified"].get<bool>();
    }
    auto password = member_text(e, "password", where, p, false);
    auto hash = member_text(e, "password_hash", where, p, false);
    if (password && hash) {
      p.add(where + ".password", "give password or password_hash, not both");
    } else if (password) {
      if (auto ok = check_password("password", *password); !ok)
        p.add_error(where, ok.error());
      else if (p.count == before)
        u.hash = hash_password(*password, cost);
    } else if (hash) {
      if (hash->rfind("$argon2id$", 0) != 0)
        p.add(where + ".password_hash", "must be an argon2id PHC string, as slab5d export writes it");
      u.hash = *hash;
    } else {
      p.add(where + ".password", "is required (8-1024 bytes)");
    }
    users.push_back(std::move(u));
  }

  Tx tx(db);  // one transaction: all of the fixture or nothing
  WorkspaceStore& workspace_store = (db).workspaces();
  MemberStore& member_store = (db).members();
  for (const auto& u : users) {
    if (p.count) break;  // nothing more is written once a user is bad; the checks above go on
    std::string where = "users[" + std::to_string(u.index) + "]";
    std::string tenant = slab5::new_id("ten");
    if (auto ok = workspace_store.insert_tenant(tenant, "Personal", now); !ok) {
      p.add_error(where, ok.error());
      continue;
    }
    auto ok = member_store.insert_user(NewUser{.id = u.id,
                                               .tenant_id = tenant,
                                               .email = u.email,
                                               .name = u.name,
                                               .password_hash = u.hash,
                                               .email_verified_at = u.verified ? std::optional(now) : std::nullopt,
                                               .created_at = now});
    if (!ok)
      p.add(where + ".email", ok.error().code == "conflict" ? "is already registered (or the id is taken)"
                                                            : ok.error().effective_message());
  }

  // Workspaces, then their members.
  std::map<std::string, WorkspaceFacts> workspaces;
  const Json& ws_list = list("workspaces");
  for (std::size_t i = 0; i < ws_list.size(); ++i) {
    const Json& e = ws_list[i];
    std::string where = "workspaces[" + std::to_string(i) + "]";
    std::string id = entry_id(e, "wrk", where, p, ids);
    auto name_in = member_text(e, "name", where, p, true);
    std::string name;
    if (name_in) {
      auto n = validate_workspace_name(*name_in);
      if (!n)
        p.add_error(where, n.error());
      else
        name = *n;
    }
    auto slug = member_text(e, "slug", where, p, false);
    if (slug && !valid_slug(*slug))
      p.add(where + ".slug", "must be 3-63 lowercase letters, digits and '-', starting with a letter or digit");
    std::vector<std::string> modules = slab5::default_enabled_modules();
    if (e.contains("enabled_modules")) {
      auto mods = slab5::opt_string_array(e, "enabled_modules");
      if (!mods || !*mods) {
        p.add(where + ".enabled_modules", "must be a list of module ids");
      } else {
        modules.clear();
        for (const auto& m : slab5::module_table()) {
          std::string mid(m.id);
          if (std::find((*mods)->begin(), (*mods)->end(), mid) != (*mods)->end()) modules.push_back(mid);
        }
        for (const auto& m : **mods)
          if (!slab5::find_module(m)) p.add(where + ".enabled_modules", "names no module '" + m + "'");
      }
    }
    if (p.count || name.empty()) continue;
    auto ws = insert_workspace(db, name, slug ? *slug : derive_slug(db, name), "", "", id);
    if (!ws) {
      p.add(where + (ws.error().code == "conflict" ? ".slug" : ""),
            ws.error().code == "conflict" ? "is taken (or the id is)" : ws.error().effective_message());
      continue;
    }
    if (ws->enabled_modules != modules) {
      ws->enabled_modules = modules;
      if (auto ok = workspace_store.update(*ws); !ok) p.add_error(where, ok.error());
    }
    workspaces[ws->id] = WorkspaceFacts{ws->tenant_id, ws->enabled_modules, true, i, 0};
  }
  // A workspace that is not in the fixture may be named if the database has it.
  auto workspace = [&](const std::string& id) -> WorkspaceFacts* {
    if (auto it = workspaces.find(id); it != workspaces.end()) return &it->second;
    auto ws = find_workspace(db, id);
    if (!ws) return nullptr;
    return &(workspaces[id] = WorkspaceFacts{ws->tenant_id, ws->enabled_modules, false, 0, 0});
  };

  const Json& members = list("memberships");
  for (std::size_t i = 0; i < members.size(); ++i) {
    const Json& e = members[i];
    std::string where = "memberships[" + std::to_string(i) + "]";
    auto ws_id = member_text(e, "workspace_id", where, p, true);
    auto user_id = member_text(e, "user_id", where, p, true);
    auto role = member_text(e, "role", where, p, true);
    if (role && !slab5::find_role(*role)) p.add(where + ".role", "must be owner, admin, member, agent or readonly");
    WorkspaceFacts* ws = ws_id ? workspace(*ws_id) : nullptr;
    if (ws_id && !ws) p.add(where + ".workspace_id", "names no workspace of the fixture or the database");
    if (!ws || !user_id || !role || p.count) continue;
    if (auto ok = member_store.insert(*ws_id, *user_id, *role, now); !ok) {
      const auto& m = ok.error().message;
      p.add(where + ".user_id", m.find("already a member") != std::string::npos
                                    ? "is already a member of the workspace"
                                    : "names no user of the fixture or the database");
      continue;
    }
    if (*role == "owner") ++ws->owners;
  }
  for (const auto& [id, ws] : workspaces)
    if (ws.from_fixture && ws.owners == 0)
      p.add("workspaces[" + std::to_string(ws.index) + "]",
            "has no owner: add a membership with role owner (every workspace has one)");

  // API keys and MCP clients, with the secrets the fixture gives.
  for (auto [kind, key] : {std::pair{"api_key", "api_keys"}, std::pair{"mcp_client", "mcp_clients"}}) {
    const Json& creds = list(key);
    bool mcp = std::string(kind) == "mcp_client";
    for (std::size_t i = 0; i < creds.size(); ++i) {
      const Json& e = creds[i];
      std::string where = std::string(key) + "[" + std::to_string(i) + "]";
      std::string id = entry_id(e, mcp ? "mcp" : "key", where, p, ids);
      auto ws_id = member_text(e, "workspace_id", where, p, true);
      WorkspaceFacts* ws = ws_id ? workspace(*ws_id) : nullptr;
      if (ws_id && !ws) p.add(where + ".workspace_id", "names no workspace of the fixture or the database");
      auto input = parse_credential_input(e, ws ? ws->enabled_modules : slab5::default_enabled_modules(), now_ms);
      if (!input) p.add_error(where, input.error());
      auto secret = member_text(e, "secret", where, p, false);
      auto secret_hash = member_text(e, "secret_hash", where, p, false);
      auto prefix = member_text(e, "prefix", where, p, false);
      auto expected = mcp ? slab5::TokenKind::McpClient : slab5::TokenKind::ApiKey;
      std::string shape = mcp ? "slab5_mcp_…" : "slab5_sk_…";
      if (secret && secret_hash) {
        p.add(where + ".secret", "give secret or secret_hash, not both");
      } else if (secret) {
        if (slab5::token_kind(*secret) != expected)
          p.add(where + ".secret", "must be a " + shape + " token");
        else if (!slab5::token_checksum_ok(*secret))
          p.add(where + ".secret",
                "has a checksum that does not match (make one with slab5 keys create, or copy a "
                "secret slab5d gave)");
      } else if (secret_hash) {
        if (!is_hex64(*secret_hash)) p.add(where + ".secret_hash", "must be 64 lowercase hex digits (SHA-256)");
        if (!prefix) p.add(where + ".prefix", "is required with secret_hash");
      } else {
        p.add(where + ".secret", "is required: a " + shape + " token with a valid checksum");
      }
      if (p.count || !ws || !input) continue;
      if (secret) {
        auto made = insert_credential(db, CredentialSpec{.kind = kind,
                                                         .workspace_id = *ws_id,
                                                         .name = input->name,
                                                         .description = input->description,
                                                         .scopes = input->scopes,
                                                         .expires_at = input->expires_at,
                                                         .created_by_type = "system",
                                                         .created_by_id = "system",
                                                         .id = id,
                                                         .token = *secret});
        if (!made)
          p.add(where + ".secret", made.error().code == "conflict"
                                       ? "is another credential's secret (or the id is taken)"
                                       : made.error().effective_message());
      } else {
        Credential c;
        c.id = id;
        c.kind = kind;
        c.workspace_id = *ws_id;
        c.name = input->name;
        c.description = input->description;
        c.prefix = *prefix;
        c.scopes = input->scopes;
        c.created_at = c.updated_at = now;
        c.expires_at = input->expires_at;
        c.created_by_type = c.created_by_id = "system";
        if (auto ok = db.credentials().insert(c, *secret_hash); !ok)
          p.add(where + ".secret_hash", ok.error().code == "conflict" ? "is another credential's (or the id is taken)"
                                                                      : ok.error().effective_message());
      }
    }
  }

  // App-plane records, with the API's own validation and record rules.
  Json counts = Json::object();
  RequestMeta meta{.route = "slab5d seed"};
  for (const auto* spec : resources_in_load_order()) {
    std::string coll = collection_of(*spec);
    const Json& records = list(coll.c_str());
    if (records.empty()) continue;
    // The records a workspace starts with give way to the fixture's (its deal stages, …).
    if (!spec->initial.empty()) {
      std::set<std::string> named;
      for (const auto& e : records) named.insert(slab5::string_or(e, "workspace_id"));
      RecordStore& store = (db).records();
      for (const auto& ws_id : named) {
        auto it = workspaces.find(ws_id);
        if (it == workspaces.end() || !it->second.from_fixture) continue;
        RecordQuery q{.workspace_id = ws_id, .limit = 1000};
        auto page = store.list(*spec, q);
        if (!page) continue;
        for (const auto& r : page->records)
          if (auto ok = store.remove(*spec, ws_id, r.value("id", "")); !ok) p.add_error(coll, ok.error());
      }
    }
    Records recs(db);
    for (std::size_t i = 0; i < records.size(); ++i) {
      const Json& e = records[i];
      std::string where = coll + "[" + std::to_string(i) + "]";
      std::string id = entry_id(e, spec->id_prefix, where, p, ids);
      auto ws_id = member_text(e, "workspace_id", where, p, true);
      WorkspaceFacts* ws = ws_id ? workspace(*ws_id) : nullptr;
      if (ws_id && !ws) {
        p.add(where + ".workspace_id", "names no workspace of the fixture or the database");
        continue;
      }
      if (!ws) continue;
      if (std::find(ws->enabled_modules.begin(), ws->enabled_modules.end(), std::string(spec->module)) ==
          ws->enabled_modules.end()) {
        p.add(where + ".workspace_id", "the workspace has the " + std::string(spec->module) + " module disabled");
        continue;
      }
      if (p.count >= kMaxFixtureProblems) continue;
      Json input = e;
      input.erase("id");
      input.erase("workspace_id");
      Actor actor{.workspace_id = *ws_id,
                  .tenant_id = ws->tenant_id,
                  .enabled_modules = ws->enabled_modules,
                  .source = "admin"};
      auto made = recs.create(*spec, actor, meta, input, {}, RecordWrite{.id = id});
      if (!made) p.add_error(where, made.error());
    }
    counts[coll] = records.size();
  }

  // Webhook endpoints last, so that the fixture's own records queue no deliveries to them:
  // checked with the API's rules (parse_webhook_input, --webhook-deny-private included) and
  // created by the API's rule, with the fixture's id, signing secret and state.
  const Json& hooks = list("webhooks");
  for (std::size_t i = 0; i < hooks.size(); ++i) {
    const Json& e = hooks[i];
    std::string where = "webhooks[" + std::to_string(i) + "]";
    WebhookPreset preset;
    preset.id = entry_id(e, "whk", where, p, ids);
    for (const auto& field : e.items())
      if (std::none_of(std::begin(kWebhookFields), std::end(kWebhookFields),
                       [&](const char* f) { return field.key() == f; }))
        p.add(where + "." + field.key(),
              "is not a field of a webhook endpoint (id, workspace_id, name, url, event_types, max_attempts, "
              "metadata, status, signing_secret)");
    auto ws_id = member_text(e, "workspace_id", where, p, true);
    WorkspaceFacts* ws = ws_id ? workspace(*ws_id) : nullptr;
    if (ws_id && !ws) p.add(where + ".workspace_id", "names no workspace of the fixture or the database");
    if (ws &&
        std::find(ws->enabled_modules.begin(), ws->enabled_modules.end(), "integrations") == ws->enabled_modules.end())
      p.add(where + ".workspace_id", "the workspace has the integrations module disabled");
    Json body = Json::object();
    for (const char* f : {"name", "url", "event_types", "max_attempts", "metadata"})
      if (e.contains(f)) body[f] = e[f];
    // The API requires a name; a fixture may leave it out, and the endpoint is named by its URL.
    if (!body.contains("name") && body.contains("url") && body["url"].is_string())
      body["name"] = body["url"].get<std::string>().substr(0, 200);
    auto input = parse_webhook_input(body, false, webhooks.deny_private);
    if (!input) p.add_error(where, input.error());
    if (auto status = member_text(e, "status", where, p, false)) {
      if (*status != "active" && *status != "paused" && *status != "disabled")
        p.add(where + ".status", "must be active, paused or disabled");
      else
        preset.status = *status;
    }
    if (auto secret = member_text(e, "signing_secret", where, p, false)) {
      if (auto problem = webhook_secret_problem(*secret))
        p.add(where + ".signing_secret", *problem);
      else
        preset.signing_secret = *secret;
    }
    if (p.count || !ws || !input) continue;
    Actor actor{
        .workspace_id = *ws_id, .tenant_id = ws->tenant_id, .enabled_modules = ws->enabled_modules, .source = "admin"};
    auto made = create_webhook(db, actor, meta, webhooks, *input, preset);
    if (!made)
      p.add(where + (made.error().code == "conflict" ? ".id" : ""), made.error().code == "conflict"
                                                                        ? "is taken by an endpoint of the database"
                                                                        : made.error().effective_message());
  }

  if (p.count) {
    auto err = slab5::validation_error(std::move(p.list));
    err.message = "The fixture was not loaded (nothing changed): " + std::to_string(p.count) +
                  (p.count == 1 ? " problem" : " problems") + "; the first: " + err.message;
    return tl::unexpected(std::move(err));
  }
  tx.commit();
  for (auto key : kControlCollections)
    if (!list(key).empty()) counts[key] = list(key).size();
  return counts;
}

Json export_fixture(Conn& db) {
  Json out = Json::object();
  Json users = Json::array();
  for (const auto& u : db.fixtures().users()) {
    Json e = {{"id", u.id}, {"email", u.email}, {"name", u.name}, {"email_verified", u.email_verified_at.has_value()}};
    if (u.password_hash) e["password_hash"] = *u.password_hash;
    users.push_back(std::move(e));
  }
  out["users"] = std::move(users);
  Json workspaces = Json::array();
  std::vector<std::string> ws_ids;
  for (const auto& w : db.fixtures().workspaces()) {
    workspaces.push_back({{"id", w.id}, {"name", w.name}, {"slug", w.slug}, {"enabled_modules", w.enabled_modules}});
    ws_ids.push_back(w.id);
  }
  out["workspaces"] = std::move(workspaces);
  Json members = Json::array();
  for (const auto& m : db.fixtures().memberships())
    members.push_back({{"workspace_id", m.workspace_id}, {"user_id", m.user_id}, {"role", m.role}});
  out["memberships"] = std::move(members);
  out["api_keys"] = Json::array();
  out["mcp_clients"] = Json::array();
  for (const auto& c : db.fixtures().credentials()) {
    Json e = {{"id", c.id},         {"workspace_id", c.workspace_id}, {"name", c.name},
              {"scopes", c.scopes}, {"secret_hash", c.token_hash},    {"prefix", c.prefix}};
    if (!c.description.empty()) e["description"] = c.description;
    if (c.expires_at) e["expires_at"] = *c.expires_at;
    out[c.kind == "mcp_client" ? "mcp_clients" : "api_keys"].push_back(std::move(e));
  }
  RecordStore& store = (db).records();
  for (const auto* spec : resources_in_load_order()) {
    Json list = Json::array();
    for (const auto& ws : ws_ids) {
      RecordQuery q{.workspace_id = ws, .sort = RecordSort::OldestFirst, .limit = 500};
      for (;;) {
        auto page = store.list(*spec, q);
        if (!page) throw StoreError("export: " + page.error().effective_message(), false);
        for (const auto& r : page->records) {
          Json e = {{"id", r.value("id", "")}, {"workspace_id", ws}};
          for (const auto& f : spec->fields) {
            if (f.read_only) continue;
            auto it = r.find(std::string(f.name));
            if (it != r.end() && !it->is_null()) e[std::string(f.name)] = *it;
          }
          if (auto cf = r.find("custom_fields"); cf != r.end() && cf->is_object() && !cf->empty())
            e["custom_fields"] = *cf;
          list.push_back(std::move(e));
        }
        if (!page->more) break;
        q.after = page->last;
      }
    }
    if (!list.empty()) out[collection_of(*spec)] = std::move(list);
  }
  // Webhook endpoints, oldest first. Their signing secrets are sealed under the server's key
  // and never written out: an entry has no signing_secret, and seeding it makes a new one.
  Json hooks = Json::array();
  WebhookStore& webhook_store = (db).webhooks();
  for (const auto& ws : ws_ids) {
    std::vector<WebhookEndpoint> all;
    std::optional<std::string> after;
    for (;;) {
      auto page = webhook_store.list_endpoints(ws, after, 500);
      if (!page) throw StoreError("export: " + page.error().effective_message(), false);
      bool more = page->size() > 500;
      if (more) page->pop_back();
      for (auto& e : *page) all.push_back(std::move(e));
      if (!more || all.empty()) break;
      after = all.back().id;
    }
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      Json e = {{"id", it->id},        {"workspace_id", it->workspace_id}, {"name", it->name},
                {"url", it->url},      {"event_types", it->event_types},   {"max_attempts", it->max_attempts},
                {"status", it->status}};
      if (it->metadata) e["metadata"] = *it->metadata;
      hooks.push_back(std::move(e));
    }
  }
  if (!hooks.empty()) out["webhooks"] = std::move(hooks);
  return out;
}

}  // namespace slab5d
