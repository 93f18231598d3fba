// The behaviours of a RecordStore, shared by the SQLite (record_store_test.cpp) and PostgreSQL
// (pg_record_store_test.cpp) tests: SLAB5_RECORD_STORE_CASES(Harness, "name") defines the
// test cases for a backend. A Harness is default-constructible and has
//   RecordStore& store();  std::string ws;            // a workspace made by the constructor
//   void add_workspace(const std::string& id);         // tenant "ten_t"
//   void add_member(const std::string& ws, const std::string& user_id);
//   template <class F> void in_tx(F f);                // f() in one committed transaction
//   std::string origin_of(const std::string& table, const std::string& id);  // the origin column
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "slab5/api/resources.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "store/record_store.hpp"

namespace slab5d::record_cases {

using Json = nlohmann::json;

inline const slab5::api::ResourceSpec& spec(const char* route) { return *slab5::api::find_resource(route); }

// A record of `s` with every record field, then `fields` over them.
inline Json record(const slab5::api::ResourceSpec& s, const std::string& ws, Json fields) {
  auto now = slab5::format_rfc3339(slab5::now_millis());
  Json r = {{"id", slab5::new_id(s.id_prefix)},
            {"workspace_id", ws},
            {"tenant_id", "ten_t"},
            {"created_at", now},
            {"updated_at", now},
            {"version", 1},
            {"source", "api"},
            {"created_by", {{"type", "user"}, {"id", "usr_x"}}},
            {"last_agent_actor_id", nullptr},
            {"custom_fields", Json::object()}};
  for (auto& [k, v] : fields.items()) r[k] = v;
  return r;
}

inline std::string str(const Json& v) { return v.get<std::string>(); }

inline std::vector<std::string> ids_of(const std::vector<Json>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(str(r["id"]));
  return out;
}

// Every record of the list `q` asks for, page by page (`limit` a page), and the pages' count.
template <class H>
std::vector<std::string> all_pages(H& h, const slab5::api::ResourceSpec& s, RecordQuery q, int* pages = nullptr) {
  std::vector<std::string> out;
  int n = 0;
  for (;;) {
    auto page = h.store().list(s, q);
    REQUIRE(page);
    ++n;
    for (const auto& r : page->records) out.push_back(str(r["id"]));
    if (!page->more) break;
    REQUIRE_FALSE(page->records.empty());
    q.after = page->last;
    REQUIRE(n < 1000);
  }
  if (pages) *pages = n;
  return out;
}

// The ids of the contacts a text query finds in h.ws, sorted.
template <class H>
std::vector<std::string> search(H& h, const std::string& text) {
  RecordQuery q{.workspace_id = h.ws, .text = text, .limit = 100};
  auto page = h.store().list(spec("contacts"), q);
  REQUIRE(page);
  auto ids = ids_of(page->records);
  std::sort(ids.begin(), ids.end());
  return ids;
}

template <class H>
void roundtrip(H& h) {
  const auto& c = spec("contacts");
  auto r =
      record(c, h.ws,
             {{"name", "Jane Doe"},
              {"email", "jane@example.com"},
              {"last_agent_actor_id", "agt_1"},
              {"custom_fields", {{"tier", "gold"}, {"n", 3}, {"vip", true}, {"nested", {{"b", 1}, {"a", {1, 2}}}}}}});
  REQUIRE(h.store().insert(c, r));
  auto got = h.store().get(c, h.ws, r["id"]);
  REQUIRE(got);
  REQUIRE(got->has_value());
  auto expected = r;
  // Every field of the resource reads back, null when never written.
  for (const auto& f : c.fields)
    if (!expected.contains(std::string(f.name))) expected[std::string(f.name)] = nullptr;
  CHECK(**got == expected);
  // Integers and object fields keep their types (deal stages, cms entries).
  const auto& stages = spec("deal-stages");
  auto st = record(stages, h.ws, {{"name", "Won"}, {"position", 7}, {"outcome", "won"}});
  REQUIRE(h.store().insert(stages, st));
  auto gst = **h.store().get(stages, h.ws, st["id"]);
  CHECK(gst["position"] == 7);
  CHECK(gst["position"].is_number_integer());
  const auto& cms = spec("cms-entries");
  auto e = record(
      cms, h.ws, {{"title", "T"}, {"collection", "blog"}, {"slug", "t"}, {"fields", {{"k", "v"}, {"list", {1, "x"}}}}});
  REQUIRE(h.store().insert(cms, e));
  auto ge = **h.store().get(cms, h.ws, e["id"]);
  CHECK(ge["fields"] == Json{{"k", "v"}, {"list", {1, "x"}}});
  CHECK(ge["published_at"].is_null());
  // A record without an author reads back with none.
  auto anon = record(c, h.ws, {{"name", "Anon"}});
  anon["created_by"] = nullptr;
  REQUIRE(h.store().insert(c, anon));
  CHECK((**h.store().get(c, h.ws, anon["id"]))["created_by"].is_null());
}

template <class H>
void lead_source(H& h) {
  const auto& leads = spec("leads");
  auto r = record(leads, h.ws, {{"name", "L"}, {"source", "website"}, {"status", "new"}});
  r["__origin"] = "mcp";
  REQUIRE(h.store().insert(leads, r));
  auto got = **h.store().get(leads, h.ws, r["id"]);
  CHECK(got["source"] == "website");
  CHECK_FALSE(got.contains("__origin"));
  CHECK(h.origin_of("leads", r["id"]) == "mcp");
  auto con = record(spec("contacts"), h.ws, {{"name", "C"}});
  REQUIRE(h.store().insert(spec("contacts"), con));
  CHECK(h.origin_of("contacts", con["id"]) == "api");
}

template <class H>
void not_found(H& h) {
  const auto& c = spec("contacts");
  auto other = slab5::new_id("wrk");
  h.add_workspace(other);
  auto r = record(c, other, {{"name", "A"}});
  REQUIRE(h.store().insert(c, r));
  auto got = h.store().get(c, h.ws, r["id"]);
  REQUIRE(got);
  CHECK_FALSE(got->has_value());
  auto missing = h.store().get(c, h.ws, "con_missing");
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
  // Another workspace's record cannot be removed or updated from this one.
  auto gone = h.store().remove(c, h.ws, r["id"]);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == "resource_not_found");
  auto moved = r;
  moved["workspace_id"] = h.ws;
  moved["version"] = 2;
  auto up = h.store().update(c, moved, 1);
  REQUIRE_FALSE(up);
  CHECK(up.error().code == "precondition_failed");
  CHECK((**h.store().get(c, other, r["id"]))["version"] == 1);
}

template <class H>
void refused_writes(H& h) {
  const auto& c = spec("contacts");
  // A workspace that does not exist.
  auto st = h.store().insert(c, record(c, slab5::new_id("wrk"), {{"name", "A"}}));
  REQUIRE_FALSE(st);
  CHECK(st.error().code == "conflict");
  // The same id twice.
  auto r = record(c, h.ws, {{"name", "A"}});
  REQUIRE(h.store().insert(c, r));
  auto twice = h.store().insert(c, r);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == "conflict");
  // A child whose parent does not exist.
  const auto& messages = *slab5::api::find_child("support-tickets", "messages");
  auto orphan = record(messages, h.ws, {{"body", "hi"}, {"ticket_id", "tkt_missing"}});
  auto o = h.store().insert(messages, orphan);
  REQUIRE_FALSE(o);
  CHECK(o.error().code == "conflict");
  // Unique keys: a conflict naming them; another collection is free.
  const auto& cms = spec("cms-entries");
  REQUIRE(h.store().insert(cms, record(cms, h.ws, {{"title", "T"}, {"collection", "blog"}, {"slug", "hello"}})));
  auto dup = h.store().insert(cms, record(cms, h.ws, {{"title", "U"}, {"collection", "blog"}, {"slug", "hello"}}));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == "conflict");
  CHECK(dup.error().message.find("collection and slug") != std::string::npos);
  auto news = record(cms, h.ws, {{"title", "U"}, {"collection", "news"}, {"slug", "hello"}});
  REQUIRE(h.store().insert(cms, news));
  // An update onto a taken key is a conflict too, and changes nothing.
  auto clash = news;
  clash["collection"] = "blog";
  clash["version"] = 2;
  auto u = h.store().update(cms, clash, 1);
  REQUIRE_FALSE(u);
  CHECK(u.error().code == "conflict");
  CHECK((**h.store().get(cms, h.ws, news["id"]))["collection"] == "news");
  // The same slug in another workspace is free.
  auto other = slab5::new_id("wrk");
  h.add_workspace(other);
  CHECK(h.store().insert(cms, record(cms, other, {{"title", "T"}, {"collection", "blog"}, {"slug", "hello"}})));
  // A refused write inside a transaction leaves it usable.
  h.in_tx([&] {
    CHECK_FALSE(h.store().insert(c, r));
    REQUIRE(h.store().insert(c, record(c, h.ws, {{"name", "After"}})));
  });
  CHECK(h.store().count(c, h.ws, "", "").value() == 2);
}

template <class H>
void update_and_remove(H& h) {
  const auto& c = spec("contacts");
  auto r = record(c, h.ws, {{"name", "A"}, {"phone", "1"}});
  REQUIRE(h.store().insert(c, r));
  auto b = r;
  b["name"] = "B";
  b["phone"] = nullptr;
  b["version"] = 2;
  b["updated_at"] = "2030-01-01T00:00:00.000Z";
  // What never changes is kept even when the record says otherwise.
  b["created_at"] = "1999-01-01T00:00:00.000Z";
  b["created_by"] = Json{{"type", "api_key"}, {"id", "key_1"}};
  REQUIRE(h.store().update(c, b, 1));
  auto got = **h.store().get(c, h.ws, r["id"]);
  CHECK(got["name"] == "B");
  CHECK(got["phone"].is_null());
  CHECK(got["version"] == 2);
  CHECK(got["updated_at"] == "2030-01-01T00:00:00.000Z");
  CHECK(got["created_at"] == r["created_at"]);
  CHECK(got["created_by"] == r["created_by"]);
  auto stale = b;
  stale["name"] = "C";
  stale["version"] = 3;
  auto s = h.store().update(c, stale, 1);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == "precondition_failed");
  CHECK((**h.store().get(c, h.ws, r["id"]))["name"] == "B");
  auto missing = record(c, h.ws, {{"name", "M"}});
  auto m = h.store().update(c, missing, 1);
  REQUIRE_FALSE(m);
  CHECK(m.error().code == "precondition_failed");
  REQUIRE(h.store().remove(c, h.ws, r["id"]));
  CHECK_FALSE(h.store().get(c, h.ws, r["id"])->has_value());
  auto again = h.store().remove(c, h.ws, r["id"]);
  REQUIRE_FALSE(again);
  CHECK(again.error().code == "resource_not_found");
  // Removing a parent removes its children.
  const auto& tickets = spec("support-tickets");
  const auto& messages = *slab5::api::find_child("support-tickets", "messages");
  auto t = record(tickets, h.ws, {{"subject", "S"}});
  REQUIRE(h.store().insert(tickets, t));
  auto msg = record(messages, h.ws, {{"body", "hi"}, {"ticket_id", t["id"]}});
  REQUIRE(h.store().insert(messages, msg));
  REQUIRE(h.store().remove(tickets, h.ws, t["id"]));
  CHECK_FALSE(h.store().get(messages, h.ws, msg["id"])->has_value());
}

// Every sort order, paged two at a time, gives the order worked out here, ties broken by id.
template <class H>
void sorts_and_pages(H& h) {
  const auto& c = spec("contacts");
  struct Row {
    std::string id, updated;
  };
  std::vector<Row> rows;
  h.in_tx([&] {
    for (int i = 0; i < 7; ++i) {
      // Ids in an order of their own; updated_at with ties.
      std::string id = "con_0" + std::to_string((i * 3) % 7) + "X" + std::string(1, char('A' + i));
      std::string updated = "2026-01-0" + std::to_string(1 + i % 3) + "T00:00:00.000Z";
      auto r = record(c, h.ws, {{"name", "P" + std::to_string(i)}});
      r["id"] = id;
      r["updated_at"] = updated;
      REQUIRE(h.store().insert(c, r));
      rows.push_back({id, updated});
    }
  });
  auto by = [&](auto less) {
    auto v = rows;
    std::sort(v.begin(), v.end(), less);
    std::vector<std::string> out;
    for (const auto& r : v) out.push_back(r.id);
    return out;
  };
  auto newest = by([](const Row& a, const Row& b) { return a.id > b.id; });
  auto oldest = by([](const Row& a, const Row& b) { return a.id < b.id; });
  auto upd_desc = by([](const Row& a, const Row& b) { return std::tie(a.updated, a.id) > std::tie(b.updated, b.id); });
  auto upd_asc = by([](const Row& a, const Row& b) { return std::tie(a.updated, a.id) < std::tie(b.updated, b.id); });
  RecordQuery q{.workspace_id = h.ws, .limit = 2};
  int pages = 0;
  q.sort = RecordSort::NewestFirst;
  CHECK(all_pages(h, c, q, &pages) == newest);
  CHECK(pages == 4);
  q.sort = RecordSort::OldestFirst;
  CHECK(all_pages(h, c, q) == oldest);
  q.sort = RecordSort::UpdatedDesc;
  CHECK(all_pages(h, c, q) == upd_desc);
  q.sort = RecordSort::UpdatedAsc;
  CHECK(all_pages(h, c, q) == upd_asc);
  // A page of exactly the rest says there is no more.
  q.limit = 7;
  auto whole = h.store().list(c, q);
  REQUIRE(whole);
  CHECK(whole->records.size() == 7);
  CHECK_FALSE(whole->more);
  CHECK(whole->last.second == upd_asc.back());
  CHECK(whole->last.first == "2026-01-03T00:00:00.000Z");
  // An empty list.
  RecordQuery none{.workspace_id = slab5::new_id("wrk")};
  auto empty = h.store().list(c, none);
  REQUIRE(empty);
  CHECK(empty->records.empty());
  CHECK_FALSE(empty->more);

  // Positions (deal stages), with ties, both ways; the cursor carries the number.
  const auto& stages = spec("deal-stages");
  std::vector<std::pair<std::int64_t, std::string>> st;
  for (int i = 0; i < 5; ++i) {
    std::int64_t pos = i == 4 ? 10 : (i % 2 ? 2 : 1 + i);  // 1, 2, 3, 2, 10
    auto r = record(stages, h.ws, {{"name", "S" + std::to_string(i)}, {"position", pos}});
    REQUIRE(h.store().insert(stages, r));
    st.emplace_back(pos, str(r["id"]));
  }
  std::sort(st.begin(), st.end());
  std::vector<std::string> asc, desc;
  // A stage without a position comes first in ascending order, as SQLite orders NULL.
  auto unplaced = record(stages, h.ws, {{"name", "Unplaced"}});
  REQUIRE(h.store().insert(stages, unplaced));
  asc.push_back(str(unplaced["id"]));
  for (const auto& [p, id] : st) asc.push_back(id);
  desc.assign(asc.rbegin(), asc.rend());
  RecordQuery p{.workspace_id = h.ws, .sort = RecordSort::Position, .limit = 2};
  CHECK(all_pages(h, stages, p) == asc);
  auto first = h.store().list(stages, p);
  REQUIRE(first);
  CHECK(first->last.first == "1");
  p.sort = RecordSort::PositionDesc;
  // In one page the unplaced stage comes last; past a cursor it is never found again, as on
  // SQLite, where (NULL, id) < (key, id) is NULL. (Positions are always set by the domain.)
  p.limit = 10;
  CHECK(all_pages(h, stages, p) == desc);
  p.limit = 2;
  auto placed = desc;
  placed.pop_back();
  CHECK(all_pages(h, stages, p) == placed);
  // Position 10 sorts after 3 (as a number, not as text).
  CHECK(desc.front() == st.back().second);
  // A cursor whose key is not a number is refused.
  p.after = std::pair<std::string, std::string>{"abc", asc[1]};
  auto bad = h.store().list(stages, p);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == "invalid_request");
}

template <class H>
void filters(H& h) {
  const auto& c = spec("contacts");
  const auto& companies = spec("companies");
  auto acme = record(companies, h.ws, {{"name", "Acme"}});
  REQUIRE(h.store().insert(companies, acme));
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    Json cf = Json::object();
    if (i == 0) cf = {{"vip", true}, {"n", 3}, {"tier", "gold"}, {"obj", {{"a", 1}}}};
    if (i == 1) cf = {{"vip", false}, {"n", 3.5}, {"tier", "silver"}, {"none", nullptr}};
    if (i == 2) cf = {{"tier", "true"}, {"n", "3"}};
    auto r = record(c, h.ws,
                    {{"name", "Person " + std::to_string(i)},
                     {"email", i % 2 ? "odd@example.com" : "even@example.com"},
                     {"custom_fields", cf}});
    if (i == 3) r["company_id"] = acme["id"];
    r["created_at"] = "2026-01-0" + std::to_string(i + 1) + "T00:00:00.000Z";
    r["updated_at"] = "2026-02-0" + std::to_string(i + 1) + "T00:00:00.000Z";
    REQUIRE(h.store().insert(c, r));
    ids.push_back(r["id"]);
  }
  auto found = [&](std::vector<RecordFilter> f, std::function<void(RecordQuery&)> more = {}) {
    RecordQuery q{.workspace_id = h.ws, .filters = std::move(f), .sort = RecordSort::OldestFirst};
    if (more) more(q);
    auto page = h.store().list(c, q);
    REQUIRE(page);
    return ids_of(page->records);
  };
  using V = std::vector<std::string>;
  using Op = RecordFilter::Op;
  CHECK(found({{"email", Op::Eq, "odd@example.com"}}) == V{ids[1], ids[3]});
  CHECK(found({{"email", Op::Eq, "ODD@example.com"}}).empty());
  CHECK(found({{"company_id", Op::Eq, acme["id"]}}) == V{ids[3]});
  CHECK(found({{"email", Op::Eq, "odd@example.com"}, {"company_id", Op::Eq, acme["id"]}}) == V{ids[3]});
  CHECK(found({{"email", Op::Eq, "x' OR '1'='1"}}).empty());
  // custom_fields.<key>: the stored value as text.
  CHECK(found({{"custom_fields.vip", Op::Eq, "true"}}) == V{ids[0]});
  CHECK(found({{"custom_fields.vip", Op::Eq, "false"}}) == V{ids[1]});
  CHECK(found({{"custom_fields.n", Op::Eq, "3"}}) == V{ids[0], ids[2]});
  CHECK(found({{"custom_fields.n", Op::Eq, "3.5"}}) == V{ids[1]});
  CHECK(found({{"custom_fields.tier", Op::Eq, "gold"}}) == V{ids[0]});
  CHECK(found({{"custom_fields.tier", Op::Eq, "true"}}) == V{ids[2]});
  CHECK(found({{"custom_fields.tier", Op::Eq, "GOLD"}}).empty());
  CHECK(found({{"custom_fields.none", Op::Eq, "null"}}).empty());
  CHECK(found({{"custom_fields.none", Op::Eq, ""}}).empty());
  CHECK(found({{"custom_fields.missing", Op::Eq, "gold"}}).empty());
  // Only a string can equal the stored text.
  CHECK(found({{"custom_fields.n", Op::Eq, 3}}).empty());
  CHECK(found({{"custom_fields.vip", Op::Eq, true}}).empty());
  // Times: created_after and created_before exclusive, updated_since inclusive.
  CHECK(found({}, [](RecordQuery& q) { q.created_after = "2026-01-02T00:00:00.000Z"; }) == V{ids[2], ids[3], ids[4]});
  CHECK(found({}, [](RecordQuery& q) { q.created_before = "2026-01-02T00:00:00.000Z"; }) == V{ids[0]});
  CHECK(found({}, [](RecordQuery& q) { q.updated_since = "2026-02-04T00:00:00.000Z"; }) == V{ids[3], ids[4]});
  CHECK(found({}, [](RecordQuery& q) {
          q.created_after = "2026-01-01T00:00:00.000Z";
          q.created_before = "2026-01-04T00:00:00.000Z";
          q.updated_since = "2026-02-03T00:00:00.000Z";
        }) == V{ids[2]});
  // A filter on what the resource does not have is refused.
  RecordQuery bad{.workspace_id = h.ws, .filters = {{"nope", Op::Eq, "x"}}};
  auto refused = h.store().list(c, bad);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == "invalid_request");
  bad.filters = {{"name\" = name OR \"1", Op::Eq, "x"}};
  CHECK_FALSE(h.store().list(c, bad));
  // Bounds on a time field (tasks' due_before / due_after).
  const auto& tasks = spec("tasks");
  std::vector<std::string> t;
  for (int i = 0; i < 3; ++i) {
    auto r = record(tasks, h.ws, {{"title", "T"}, {"due_at", "2026-03-0" + std::to_string(i + 1) + "T00:00:00.000Z"}});
    REQUIRE(h.store().insert(tasks, r));
    t.push_back(r["id"]);
  }
  REQUIRE(h.store().insert(tasks, record(tasks, h.ws, {{"title", "no due date"}})));
  RecordQuery tq{.workspace_id = h.ws, .sort = RecordSort::OldestFirst};
  tq.filters = {{"due_at", Op::Lt, "2026-03-02T00:00:00.000Z"}};
  CHECK(ids_of(h.store().list(tasks, tq)->records) == V{t[0]});
  tq.filters = {{"due_at", Op::Ge, "2026-03-02T00:00:00.000Z"}};
  CHECK(ids_of(h.store().list(tasks, tq)->records) == V{t[1], t[2]});
  // An integer field compared with a number or its digits; with a word, nothing.
  const auto& stages = spec("deal-stages");
  auto s = record(stages, h.ws, {{"name", "S"}, {"position", 4}, {"outcome", "open"}});
  REQUIRE(h.store().insert(stages, s));
  RecordQuery sq{.workspace_id = h.ws, .filters = {{"position", Op::Eq, 4}}};
  CHECK(ids_of(h.store().list(stages, sq)->records) == V{s["id"]});
  sq.filters = {{"position", Op::Eq, "4"}};
  CHECK(ids_of(h.store().list(stages, sq)->records) == V{s["id"]});
  sq.filters = {{"position", Op::Eq, "four"}};
  CHECK(h.store().list(stages, sq)->records.empty());
  sq.filters = {{"outcome", Op::Eq, "open"}};
  CHECK(ids_of(h.store().list(stages, sq)->records) == V{s["id"]});
}

template <class H>
void children(H& h) {
  const auto& tickets = spec("support-tickets");
  const auto& messages = *slab5::api::find_child("support-tickets", "messages");
  auto a = record(tickets, h.ws, {{"subject", "A"}});
  auto b = record(tickets, h.ws, {{"subject", "B"}});
  REQUIRE(h.store().insert(tickets, a));
  REQUIRE(h.store().insert(tickets, b));
  std::vector<std::string> of_a;
  for (int i = 0; i < 3; ++i) {
    auto m = record(messages, h.ws, {{"body", "m" + std::to_string(i)}, {"ticket_id", a["id"]}});
    REQUIRE(h.store().insert(messages, m));
    of_a.push_back(m["id"]);
  }
  REQUIRE(h.store().insert(messages, record(messages, h.ws, {{"body", "other"}, {"ticket_id", b["id"]}})));
  RecordQuery q{.workspace_id = h.ws, .parent_id = str(a["id"]), .sort = RecordSort::OldestFirst, .limit = 2};
  CHECK(all_pages(h, messages, q) == of_a);
  q.parent_id.reset();  // no parent: nothing
  CHECK(h.store().list(messages, q)->records.empty());
}

template <class H>
void text_search(H& h) {
  const auto& c = spec("contacts");
  auto add = [&](Json fields) {
    auto r = record(c, h.ws, std::move(fields));
    REQUIRE(h.store().insert(c, r));
    return str(r["id"]);
  };
  auto jan = add({{"name", "Jan Doe"}, {"email", "jan@example.com"}});
  auto janet = add({{"name", "Janet O'Neil"}, {"notes", "Met at the fair; likes C++ & Rust"}});
  auto emile = add({{"name", "Émile Zola"}, {"company_name", "Éditions Charpentier"}});
  auto ivan = add({{"name", "иван петров"}, {"notes", "東京 office"}});
  auto quote = add({{"name", "Bob"}, {"notes", "said \"hello\" (twice) | a:b !x \\path"}});
  // Another workspace's record is never found.
  auto other = slab5::new_id("wrk");
  h.add_workspace(other);
  REQUIRE(h.store().insert(c, record(c, other, {{"name", "Jan Other"}})));
  using V = std::vector<std::string>;
  auto sorted = [](V v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  CHECK(search(h, "jan") == sorted({jan, janet}));
  CHECK(search(h, "JAN") == sorted({jan, janet}));
  CHECK(search(h, "janet") == V{janet});
  CHECK(search(h, "jan doe") == V{jan});  // every word must match
  CHECK(search(h, "doe jan") == V{jan});
  CHECK(search(h, "jan zzz").empty());
  CHECK(search(h, "ane").empty());  // a prefix of a word, never its middle
  CHECK(search(h, "oe").empty());
  CHECK(search(h, "example") == V{jan});  // an address is words
  CHECK(search(h, "jan@example.com") == V{jan});
  CHECK(search(h, "o'neil") == V{janet});
  CHECK(search(h, "neil") == V{janet});
  CHECK(search(h, "fair") == V{janet});  // every text field is searched
  CHECK(search(h, "charp") == V{emile});
  // Diacritics are removed on both sides.
  CHECK(search(h, "emile") == V{emile});
  CHECK(search(h, "Émile") == V{emile});
  CHECK(search(h, "ÉDITIONS") == V{emile});
  CHECK(search(h, "éd") == V{emile});
  // Words outside ASCII, as written.
  CHECK(search(h, "иван") == V{ivan});
  CHECK(search(h, "пет") == V{ivan});
  CHECK(search(h, "東京") == V{ivan});
  // Operators of the query languages are separators, never syntax.
  CHECK(search(h, "jan & doe") == V{jan});
  CHECK(search(h, "jan | zzz").empty());  // not an OR
  CHECK(search(h, "!jan") == sorted({jan, janet}));
  CHECK(search(h, "jan:*") == sorted({jan, janet}));
  CHECK(search(h, "jan:A") == V{janet});  // "a" is a word of its own: Janet's notes have "at"
  CHECK(search(h, "(jan)") == sorted({jan, janet}));
  CHECK(search(h, "\"jan\"") == sorted({jan, janet}));
  CHECK(search(h, "'jan'") == sorted({jan, janet}));
  CHECK(search(h, "jan' OR '1'='1") == V{});
  CHECK(search(h, "jan\\") == sorted({jan, janet}));
  CHECK(search(h, "\\\\x") == V{quote});
  CHECK(search(h, "hello twice") == V{quote});
  CHECK(search(h, "a:b") == V{quote});
  CHECK(search(h, "path") == V{quote});
  CHECK(search(h, "c++ rust") == V{janet});
  CHECK(search(h, "jan <-> doe") == V{jan});
  CHECK(search(h, "jan AND doe") == V{});  // "and" is a word like any other
  CHECK(search(h, "NOT jan") == V{});
  CHECK(search(h, "jan*") == sorted({jan, janet}));
  CHECK(search(h, "jan\tdoe\n") == V{jan});
  CHECK(search(h, std::string("jan\0doe", 7)) == V{jan});  // a NUL byte separates words
  // No word at all: nothing, and no error.
  for (const char* none : {"", " ", "!!!", "\x01\x7f", "'&|!:*()", "\"", "''", "\\", "<->", "%_", ";--"}) {
    CAPTURE(none);
    CHECK(search(h, none).empty());
  }
  // Very long input: no error.
  CHECK(search(h, std::string(5000, 'j')).empty());
  std::string many;
  for (int i = 0; i < 300; ++i) many += "jan ";
  CHECK(search(h, many) == sorted({jan, janet}));
  std::string punct;
  for (int i = 0; i < 2000; ++i) punct += "'&|!:()\\";
  CHECK(search(h, punct + "doe" + punct) == V{jan});
  // Text searches combine with filters, sorts and pages.
  RecordQuery q{.workspace_id = h.ws, .filters = {{"email", RecordFilter::Op::Eq, "jan@example.com"}}, .text = "jan"};
  CHECK(ids_of(h.store().list(c, q)->records) == V{jan});
  RecordQuery p{.workspace_id = h.ws, .text = "jan", .sort = RecordSort::OldestFirst, .limit = 1};
  CHECK(all_pages(h, c, p) == V{jan, janet});
  // A resource without text fields finds nothing.
  const auto& comments = *slab5::api::find_child("support-tickets", "comments");
  if (comments.text_fields.empty()) {
    RecordQuery cq{.workspace_id = h.ws, .text = "jan"};
    CHECK(h.store().list(comments, cq)->records.empty());
  }
  // The index follows updates and deletes.
  auto renamed = **h.store().get(c, h.ws, jan);
  renamed["name"] = "Jo Doe";
  renamed["email"] = "jo@example.com";
  renamed["version"] = 2;
  REQUIRE(h.store().update(c, renamed, 1));
  CHECK(search(h, "jan") == V{janet});
  CHECK(search(h, "jo doe") == V{jan});
  REQUIRE(h.store().remove(c, h.ws, janet));
  CHECK(search(h, "jan").empty());
}

template <class H>
void references(H& h) {
  const auto& c = spec("contacts");
  const auto& companies = spec("companies");
  auto acme = record(companies, h.ws, {{"name", "Acme"}});
  REQUIRE(h.store().insert(companies, acme));
  auto p = record(c, h.ws, {{"name", "A"}, {"company_id", acme["id"]}});
  auto q = record(c, h.ws, {{"name", "B"}, {"company_id", acme["id"]}});
  auto r = record(c, h.ws, {{"name", "C"}});
  for (const auto* x : {&p, &q, &r}) REQUIRE(h.store().insert(c, *x));
  auto other = slab5::new_id("wrk");
  h.add_workspace(other);
  auto elsewhere = record(c, other, {{"name", "D"}, {"company_id", acme["id"]}});
  REQUIRE(h.store().insert(c, elsewhere));
  CHECK(h.store().count_referencing(c, "company_id", h.ws, acme["id"]).value() == 2);
  CHECK(h.store().count_referencing(c, "company_id", h.ws, "com_none").value() == 0);
  CHECK(h.store().count(c, h.ws, "", "").value() == 3);
  CHECK(h.store().count(c, h.ws, "company_id", acme["id"]).value() == 2);
  CHECK(h.store().count(c, h.ws, "name", "B").value() == 1);
  CHECK(h.store().count(c, slab5::new_id("wrk"), "", "").value() == 0);
  auto unknown = h.store().count_referencing(c, "nope", h.ws, acme["id"]);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == "internal_error");
  auto unknown2 = h.store().clear_references(c, "nope", h.ws, acme["id"], "2030-01-01T00:00:00.000Z");
  REQUIRE_FALSE(unknown2);
  CHECK(unknown2.error().code == "internal_error");
  auto none = h.store().clear_references(c, "company_id", h.ws, "com_none", "2030-01-01T00:00:00.000Z");
  REQUIRE(none);
  CHECK(none->empty());
  auto before = h.store().clear_references(c, "company_id", h.ws, acme["id"], "2030-01-01T00:00:00.000Z");
  REQUIRE(before);
  REQUIRE(before->size() == 2);
  std::vector<std::string> want{p["id"], q["id"]};
  std::sort(want.begin(), want.end());
  CHECK(ids_of(*before) == want);
  for (const auto& b : *before) {
    CHECK(b["company_id"] == acme["id"]);  // as they were
    CHECK(b["version"] == 1);
  }
  for (const auto* x : {&p, &q}) {
    auto after = **h.store().get(c, h.ws, (*x)["id"]);
    CHECK(after["company_id"].is_null());
    CHECK(after["version"] == 2);
    CHECK(after["updated_at"] == "2030-01-01T00:00:00.000Z");
  }
  CHECK((**h.store().get(c, h.ws, r["id"]))["version"] == 1);
  CHECK((**h.store().get(c, other, elsewhere["id"]))["company_id"] == acme["id"]);
  CHECK(h.store().count_referencing(c, "company_id", h.ws, acme["id"]).value() == 0);
}

template <class H>
void membership(H& h) {
  h.add_member(h.ws, "usr_member");
  auto other = slab5::new_id("wrk");
  h.add_workspace(other);
  CHECK(h.store().is_member(h.ws, "usr_member").value());
  CHECK_FALSE(h.store().is_member(other, "usr_member").value());
  CHECK_FALSE(h.store().is_member(h.ws, "usr_nobody").value());
  CHECK_FALSE(h.store().is_member(h.ws, "").value());
}

// Keys holding a NUL byte (a query parameter may carry %00) name nothing; no error.
template <class H>
void nul_bytes(H& h) {
  const auto& c = spec("contacts");
  auto r = record(c, h.ws, {{"name", "Jane"}, {"email", "jane@example.com"}});
  REQUIRE(h.store().insert(c, r));
  std::string nul_id = str(r["id"]) + std::string(1, '\0');
  auto got = h.store().get(c, h.ws, nul_id);
  REQUIRE(got);
  CHECK_FALSE(got->has_value());
  auto gone = h.store().remove(c, h.ws, nul_id);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == "resource_not_found");
  RecordQuery q{.workspace_id = h.ws};
  q.filters = {{"email", RecordFilter::Op::Eq, std::string("jane@example.com\0", 17)}};
  auto page = h.store().list(c, q);
  REQUIRE(page);
  CHECK(page->records.empty());
  q.filters = {{"custom_fields.tier", RecordFilter::Op::Eq, std::string("\0", 1)}};
  CHECK(h.store().list(c, q)->records.empty());
  q.filters.clear();
  q.workspace_id = h.ws + std::string(1, '\0');
  CHECK(h.store().list(c, q)->records.empty());
  CHECK(h.store().count(c, q.workspace_id, "", "").value() == 0);
  CHECK(h.store().count(c, h.ws, "email", std::string("\0", 1)).value() == 0);
  CHECK(h.store().clear_references(c, "company_id", h.ws, std::string("\0", 1), "2030-01-01T00:00:00.000Z")->empty());
  CHECK_FALSE(h.store().is_member(h.ws, std::string("usr\0", 4)).value());
  CHECK(h.store().count(c, h.ws, "", "").value() == 1);
}

// A record holding a NUL byte (a long text may, \u0000 in JSON): SQLite stores it and reads it
// back; PostgreSQL, whose text cannot hold one, refuses it as invalid input. Never an error of
// the store, and a refusal leaves the transaction usable.
template <class H>
void nul_in_record(H& h) {
  const auto& c = spec("contacts");
  std::string nul(1, '\0');
  auto check = [&](Json fields) {
    auto r = record(c, h.ws, std::move(fields));
    slab5::Status st;
    h.in_tx([&] {
      st = h.store().insert(c, r);
      REQUIRE(h.store().insert(c, record(c, h.ws, {{"name", "Next"}})));
    });
    if (st) {
      auto got = h.store().get(c, h.ws, r["id"]);
      REQUIRE(got);
      REQUIRE(got->has_value());
      CHECK((**got)["notes"] == r["notes"]);
      CHECK((**got)["custom_fields"] == r["custom_fields"]);
    } else {
      CHECK(st.error().code == "invalid_request");
      CHECK_FALSE(h.store().get(c, h.ws, r["id"])->has_value());
    }
    return bool(st);
  };
  bool in_text = check({{"name", "N"}, {"notes", "a" + nul + "b"}});
  bool in_json = check({{"name", "N"}, {"custom_fields", {{"k", "a" + nul + "b"}}}});
  CHECK(in_text == in_json);  // one backend stores both, the other neither
  // An update is refused the same way, and leaves the record as it was.
  auto r = record(c, h.ws, {{"name", "Plain"}});
  REQUIRE(h.store().insert(c, r));
  auto u = r;
  u["notes"] = "x" + nul;
  u["version"] = 2;
  auto st = h.store().update(c, u, 1);
  CHECK(bool(st) == in_text);
  if (!st) {
    CHECK(st.error().code == "invalid_request");
    CHECK((**h.store().get(c, h.ws, r["id"]))["version"] == 1);
  }
}

template <class H>
void initial_records(H& h) {
  const auto& stages = spec("deal-stages");
  auto other = slab5::new_id("wrk");
  h.add_workspace(other);
  REQUIRE(insert_initial_records(h.store(), other, "ten_t"));
  RecordQuery q{.workspace_id = other, .sort = RecordSort::Position};
  auto page = h.store().list(stages, q);
  REQUIRE(page);
  REQUIRE(page->records.size() == Json::parse(stages.initial).size());
  CHECK(page->records[0]["name"] == "discovery");
  CHECK(page->records[0]["position"] == 1);
  CHECK(h.store().count(stages, other, "outcome", "open").value() == 3);
}

}  // namespace slab5d::record_cases

#define SLAB5_RECORD_STORE_CASE(Harness, name, fn) \
  TEST_CASE(name) {                                \
    Harness h;                                     \
    ::slab5d::record_cases::fn(h);                 \
  }

// The shared cases for one backend; `prefix` names it in the test names.
#define SLAB5_RECORD_STORE_CASES(Harness, prefix)                                                                      \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: a record reads back as written", roundtrip)                  \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: a lead keeps its source apart from its origin", lead_source) \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: another workspace's records are not found", not_found)       \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: refused writes are conflicts", refused_writes)               \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: update checks the version, remove the row",                  \
                          update_and_remove)                                                                           \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: every sort pages by keyset", sorts_and_pages)                \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: filters", filters)                                           \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: children are listed by parent", children)                    \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: text search, hostile text included", text_search)            \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: references counted and cleared", references)                 \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: membership", membership)                                     \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: initial records", initial_records)                           \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: keys holding a NUL byte name nothing", nul_bytes)            \
  SLAB5_RECORD_STORE_CASE(Harness, prefix " record store: a record holding a NUL byte", nul_in_record)
