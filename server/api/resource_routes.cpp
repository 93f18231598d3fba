// The app-plane routes (api.md §8.1, §8.2), registered for every resource of the resource
// table: list, create, read, merge-patch, delete, actions and children. Handlers only turn
// HTTP (query strings, ETag/If-Match, cursors) into the typed calls of domain/records.
#include <charconv>

#include "api/asset_web.hpp"
#include "api/query_params.hpp"
#include "api/record_web.hpp"
#include "app.hpp"
#include "credential_cache.hpp"
#include "domain/assets.hpp"
#include "domain/audit.hpp"
#include "domain/records.hpp"
#include "slab5/api/resource_validation.hpp"
#include "slab5/api/resources.hpp"
#include "slab5/crypto.hpp"
#include "slab5/json_writer.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;
using slab5::api::FieldType;
using slab5::api::ResourceSpec;

namespace {

Actor actor_of(const Ctx& ctx) { return ctx.actor(); }
const RequestMeta& meta_of(const Ctx& ctx) { return ctx.meta(); }

Records records(Ctx& ctx) { return Records(ctx.db); }

std::string etag(const Json& record) {
  std::string out(1, '"');
  out += std::to_string(record["version"].get<std::int64_t>());
  out += '"';
  return out;
}

// Whether a record of `spec` reads differently from how it is stored: an asset gains its
// signed URLs (api/asset_routes.cpp).
bool presented_differently(const ResourceSpec& spec) { return spec.route == "assets"; }

// A record as the client reads it.
slab5::Status present(Ctx& ctx, const ResourceSpec& spec, Json& record) {
  if (presented_differently(spec) && record.is_object()) return present_asset(ctx, record);
  return {};
}

Reply record_reply(Json record, int status = 200) {
  Reply r;
  r.status = status;
  r.headers.emplace_back("ETag", etag(record));
  r.data = std::move(record);
  return r;
}

// Records this thread has served by id, as the text and ETag it sent: emptied with the
// credential cache (credential_cache::epoch), which any commit to the database empties before
// the next request is admitted, so an entry is never older than the last commit. Assets are
// not kept (their signed URLs are made per request).
struct RecordReadCache {
  struct Entry {
    std::string etag;
    std::string text;
    DeriveText derive = nullptr;  // what `derived` was made by, if anything
    std::string derived;
  };
  std::uint64_t epoch = ~std::uint64_t(0);
  std::uint64_t generation = 0;
  std::unordered_map<std::string, Entry> entries;
  static constexpr std::size_t kMaxEntries = 4096;

  static RecordReadCache& current(std::uint64_t generation) {
    thread_local RecordReadCache c;
    if (auto e = credential_cache::epoch(); e != c.epoch || generation != c.generation) {
      c.entries.clear();
      c.epoch = e;
      c.generation = generation;
    }
    return c;
  }
};

}  // namespace

Result<RecordText> record_text(Ctx& ctx, const ResourceSpec& spec, const std::string& id, DeriveText derive) {
  const bool cacheable = !presented_differently(spec) && !spec.is_child();
  std::string key;
  RecordReadCache* cache = nullptr;
  if (cacheable) {
    cache = &RecordReadCache::current(ctx.app.generation());
    key.reserve(spec.route.size() + ctx.who.workspace_id.size() + id.size() + 2);
    key.append(spec.route).append(1, '\n').append(ctx.who.workspace_id).append(1, '\n').append(id);
    if (auto it = cache->entries.find(key); it != cache->entries.end()) {
      auto& e = it->second;
      if (!derive) return RecordText{e.etag, e.text, {}};
      if (e.derive != derive) {
        e.derived = derive(e.text);
        e.derive = derive;
      }
      return RecordText{{}, {}, e.derived};
    }
  }
  auto rec = read_record(ctx, spec, id);
  if (!rec) return tl::unexpected(rec.error());
  RecordText out{etag(*rec), {}, {}};
  slab5::append_json(out.text, *rec);
  if (derive) out.derived = derive(out.text);
  if (cacheable) {
    if (cache->entries.size() >= RecordReadCache::kMaxEntries) cache->entries.clear();
    cache->entries.emplace(std::move(key), RecordReadCache::Entry{out.etag, out.text, derive, out.derived});
  }
  return out;
}

namespace {

Result<Reply> get_record(Ctx& ctx, const ResourceSpec& spec) {
  if (presented_differently(spec) || spec.is_child()) {
    auto rec = read_record(ctx, spec, ctx.param("id"));
    if (!rec) return tl::unexpected(rec.error());
    return record_reply(std::move(*rec));
  }
  auto t = record_text(ctx, spec, ctx.param("id"));
  if (!t) return tl::unexpected(t.error());
  Reply r;
  r.headers.emplace_back("ETag", std::move(t->etag));
  r.data_text = std::move(t->text);
  return r;
}

// If-Match: "<version>" (or W/"<version>"); "*" matches any version.
Result<std::optional<std::int64_t>> if_match(const Ctx& ctx) {
  std::string_view h = ctx.req.header("if-match");
  if (h.empty() || h == "*") return std::optional<std::int64_t>{};
  if (h.substr(0, 2) == "W/") h.remove_prefix(2);
  if (h.size() >= 2 && h.front() == '"' && h.back() == '"') h = h.substr(1, h.size() - 2);
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(h.data(), h.data() + h.size(), v);
  if (ec != std::errc() || p != h.data() + h.size() || v < 1)
    return slab5::fail("invalid_request", "If-Match must be a version as the ETag gives it, e.g. \"3\".");
  return std::optional<std::int64_t>{v};
}

// A query-string value for a field, typed as the field is (400 naming the parameter).
Result<Json> filter_value(const slab5::api::FieldSpec& f, const std::string& param, const std::string& raw) {
  auto bad = [&](const std::string& what) { return slab5::fail("invalid_request", param + " " + what + "."); };
  switch (f.type) {
    case FieldType::Integer: {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v);
      if (ec != std::errc() || p != raw.data() + raw.size()) return bad("must be a whole number");
      return Json(v);
    }
    case FieldType::Boolean:
      if (raw == "true") return Json(true);
      if (raw == "false") return Json(false);
      return bad("must be true or false");
    case FieldType::Enum: {
      if (std::find(f.values.begin(), f.values.end(), raw) == f.values.end()) {
        std::string vals;
        for (auto v : f.values) vals += (vals.empty() ? "" : ", ") + std::string(v);
        return bad("must be one of: " + vals);
      }
      return Json(raw);
    }
    default: {
      if (raw.empty() || raw.size() > 2048) return bad("must be 1-2048 characters");
      // The field's own rules: an id of the right kind, an email address, a slug's characters.
      std::vector<slab5::FieldError> errors;
      auto v = slab5::api::validate_value(f, Json(raw), errors, param);
      if (!v) return bad(errors.empty() ? std::string("is not valid") : errors.front().message);
      return std::move(*v);
    }
  }
}

bool is_custom_key(std::string_view k) {
  if (k.empty() || k.size() > 40 || k[0] < 'a' || k[0] > 'z') return false;
  for (char c : k)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// The list's query string as a typed RecordQuery, and the canonical filter string a cursor
// is bound to.
Result<std::pair<RecordQuery, std::string>> read_list_query(const ResourceSpec& spec, ParamPairs pairs) {
  RecordQuery q;
  std::string canonical;
  auto now = slab5::now_millis();
  q.sort = spec.order_by == "position" ? RecordSort::Position
           : spec.order_by == "oldest" ? RecordSort::OldestFirst
                                       : RecordSort::NewestFirst;
  std::sort(pairs.begin(), pairs.end());
  for (const auto& [name, value] : pairs) {
    if (name == "limit" || name == "cursor") continue;
    canonical += name + "=" + value + "&";
    if (name == "query") {
      if (spec.text_fields.empty()) return slab5::fail("invalid_request", "query is not supported on this list.");
      if (value.size() > 200) return slab5::fail("invalid_request", "query must be at most 200 characters.");
      if (value.find_first_not_of(" \t\r\n") == std::string::npos)
        return slab5::fail("invalid_request", "query must not be empty.");
      q.text = value;
    } else if (name == "sort") {
      if (value == "-created_at")
        q.sort = RecordSort::NewestFirst;
      else if (value == "created_at")
        q.sort = RecordSort::OldestFirst;
      else if (value == "-updated_at")
        q.sort = RecordSort::UpdatedDesc;
      else if (value == "updated_at")
        q.sort = RecordSort::UpdatedAsc;
      else
        return slab5::fail("invalid_request", "sort must be one of -created_at, created_at, -updated_at, updated_at.");
    } else if (name == "created_after" || name == "created_before" || name == "updated_since") {
      auto t = slab5::parse_time_or_ago(value, now);
      if (!t)
        return slab5::fail("invalid_request", name + " must be an RFC 3339 time or a duration like 15m, 1h or 7d.");
      auto text = slab5::format_rfc3339(*t);
      (name == "created_after"    ? q.created_after
       : name == "created_before" ? q.created_before
                                  : q.updated_since) = text;
    } else if (name.rfind("custom_fields.", 0) == 0) {
      if (!is_custom_key(std::string_view(name).substr(14)))
        return slab5::fail("invalid_request", name + " is not a valid custom field key.");
      q.filters.push_back({name, RecordFilter::Op::Eq, value});
    } else {
      const slab5::api::FilterSpec* filter = nullptr;
      for (const auto& f : spec.filters)
        if (f.param == name) filter = &f;
      if (!filter) return slab5::fail("invalid_request", "Unknown query parameter: " + name + ".");
      const auto* field = spec.field(filter->field);
      if (filter->kind == slab5::api::FilterSpec::Kind::Exact) {
        auto v = filter_value(*field, name, value);
        if (!v) return tl::unexpected(v.error());
        q.filters.push_back({std::string(filter->field), RecordFilter::Op::Eq, *v});
      } else {
        auto t = slab5::parse_time_or_ago(value, now);
        if (!t)
          return slab5::fail("invalid_request", name + " must be an RFC 3339 time or a duration like 15m, 1h or 7d.");
        q.filters.push_back(
            {std::string(filter->field),
             filter->kind == slab5::api::FilterSpec::Kind::Before ? RecordFilter::Op::Lt : RecordFilter::Op::Ge,
             slab5::format_rfc3339(*t)});
      }
    }
  }
  return std::pair{std::move(q), canonical};
}

// The cursor carries the last record's sort value and id.
constexpr char kKeySep = '\x1f';

Result<Reply> list_reply(Ctx& ctx, const ResourceSpec& spec, const std::string& parent_id) {
  auto list = list_records(ctx, spec, parent_id, ctx.query_pairs(), ctx.route.method + " " + ctx.route.pattern);
  if (!list) return tl::unexpected(list.error());
  Reply reply = Reply::ok(Json::array());
  for (auto& rec : list->records) reply.data.push_back(std::move(rec));
  reply.next_cursor = std::move(list->next_cursor);
  return reply;
}

void register_resource(App& app, const ResourceSpec& spec) {
  auto& r = app.router();
  // The routes and what they require come from the route table, which derives them from
  // the resource table (lib/slab5/routes.cpp); here each gets its handler.
  auto id = [&](std::string_view op) { return slab5::resource_route_id(spec, op); };
  const ResourceSpec* s = &spec;

  r.bind(id("list"), [s](Ctx& ctx) { return list_reply(ctx, *s, ""); });
  r.bind({.id = id("create"),
          .handler = [s](Ctx& ctx) -> Result<Reply> {
            std::optional<std::string> text;
            auto rec = create_record(ctx, *s, ctx.body, "", {}, &text);
            if (!rec) return tl::unexpected(rec.error());
            auto reply = record_reply(std::move(*rec), 201);
            reply.data_text = std::move(text);
            return reply;
          },
          .prepare = [s](Ctx& ctx) { prepare_create(ctx, *s); }});
  r.bind(id("get"), [s](Ctx& ctx) { return get_record(ctx, *s); });
  if (!spec.append_only) {
    r.bind({.id = id("update"), .handler = [s](Ctx& ctx) -> Result<Reply> {
              auto version = if_match(ctx);
              if (!version) return tl::unexpected(version.error());
              auto rec = update_record(ctx, *s, ctx.param("id"), ctx.body, *version);
              if (!rec) return tl::unexpected(rec.error());
              return record_reply(std::move(*rec));
            }});
    r.bind({.id = id("delete"), .handler = [s](Ctx& ctx) -> Result<Reply> {
              auto version = if_match(ctx);
              if (!version) return tl::unexpected(version.error());
              if (auto done = delete_record(ctx, *s, ctx.param("id"), {.if_match = *version}); !done)
                return tl::unexpected(done.error());
              return Reply::no_content();
            }});
  }
  for (const auto& action : spec.actions) {
    const auto* a = &action;
    r.bind({.id = id(action.name), .handler = [s, a](Ctx& ctx) -> Result<Reply> {
              auto out = act_on_record(ctx, *s, *a, ctx.param("id"), ctx.body);
              if (!out) return tl::unexpected(out.error());
              if (a->returns_record) return record_reply(std::move(*out));
              return Reply::ok(std::move(*out));
            }});
  }
  for (const auto* child : slab5::api::children_of(spec.route)) {
    std::string child_route(child->route);
    r.bind(id(child_route + ".list"), [child](Ctx& ctx) { return list_reply(ctx, *child, ctx.param("id")); });
    r.bind({.id = id(child_route + ".create"),
            .handler = [child](Ctx& ctx) -> Result<Reply> {
              std::optional<std::string> text;
              auto rec = create_record(ctx, *child, ctx.body, ctx.param("id"), {}, &text);
              if (!rec) return tl::unexpected(rec.error());
              auto reply = record_reply(std::move(*rec), 201);
              reply.data_text = std::move(text);
              return reply;
            },
            .prepare = [child](Ctx& ctx) { prepare_create(ctx, *child); }});
  }
}

}  // namespace

Result<RecordList> list_records(Ctx& ctx, const ResourceSpec& spec, const std::string& parent_id, ParamPairs params,
                                const std::string& scope) {
  std::optional<std::string> limit, cursor;
  for (const auto& [name, value] : params) {
    if (name == "limit") limit = value;
    if (name == "cursor") cursor = value;
  }
  auto parsed = read_list_query(spec, std::move(params));
  if (!parsed) return tl::unexpected(parsed.error());
  auto& [query, canonical] = *parsed;
  auto page = read_page_request(ctx, canonical, limit, cursor, scope);
  if (!page) return tl::unexpected(page.error());
  query.limit = page->limit;
  if (page->after) {
    auto sep = page->after->find(kKeySep);
    if (sep == std::string::npos) return slab5::fail("invalid_request", "The cursor is not valid for this list.");
    query.after = std::pair{page->after->substr(0, sep), page->after->substr(sep + 1)};
  }
  if (spec.is_child()) query.parent_id = parent_id;
  auto r = records(ctx).list(spec, actor_of(ctx), query);
  if (!r) return tl::unexpected(r.error());
  RecordList out;
  for (auto& rec : r->records) {
    if (auto st = present(ctx, spec, rec); !st) return tl::unexpected(st.error());
    out.records.push_back(std::move(rec));
  }
  if (r->more) out.next_cursor = make_cursor(ctx, canonical, r->last.first + kKeySep + r->last.second, scope);
  return out;
}

void prepare_create(Ctx& ctx, const ResourceSpec& spec) {
  if (auto made = Records::prepare_create(spec, actor_of(ctx), ctx.body)) ctx.prepared = std::move(*made);
}

Result<Json> create_record(Ctx& ctx, const ResourceSpec& spec, const Json& input, const std::string& parent_id,
                           RecordWrite opts, std::optional<std::string>* text) {
  if (spec.route == "assets") assets::check_create(input, ctx.app.config().max_asset_bytes, opts.input_errors);
  // What the route's prepare step made from this same body, when it did.
  auto* prepared = &input == &ctx.body ? std::any_cast<PreparedCreate>(&ctx.prepared) : nullptr;
  Records recs = records(ctx);
  std::optional<Actor> own;  // made here only when the prepare step did not make it
  const Actor& actor = prepared && prepared->spec == &spec ? prepared->actor : own.emplace(actor_of(ctx));
  auto rec = recs.create(spec, actor, meta_of(ctx), input, parent_id, opts, prepared);
  if (!rec) return tl::unexpected(rec.error());
  if (opts.dry_run) return rec;
  if (auto st = present(ctx, spec, *rec); !st) return tl::unexpected(st.error());
  // The answer's text is the one the audit row and event got, unless presenting changed it.
  if (text && !presented_differently(spec) && recs.created_text()) *text = *recs.created_text();
  return rec;
}

Result<Json> read_record(Ctx& ctx, const ResourceSpec& spec, const std::string& id) {
  auto rec = records(ctx).get(spec, actor_of(ctx), id);
  if (!rec) return tl::unexpected(rec.error());
  if (auto st = present(ctx, spec, *rec); !st) return tl::unexpected(st.error());
  return rec;
}

Result<Json> update_record(Ctx& ctx, const ResourceSpec& spec, const std::string& id, const Json& patch,
                           std::optional<std::int64_t> if_match, RecordWrite opts) {
  auto rec = records(ctx).update(spec, actor_of(ctx), meta_of(ctx), id, patch, if_match, opts);
  if (!rec) return tl::unexpected(rec.error());
  if (auto st = present(ctx, spec, *rec); !st) return tl::unexpected(st.error());
  return rec;
}

slab5::Status delete_record(Ctx& ctx, const ResourceSpec& spec, const std::string& id, RecordWrite opts) {
  auto done = records(ctx).remove(spec, actor_of(ctx), meta_of(ctx), id, opts);
  if (!done) return done;
  // The asset's bytes go with it (its id was checked by the delete that succeeded).
  if (spec.route == "assets" && !opts.dry_run) return AssetFiles(ctx.app.assets_dir()).remove(id);
  return {};
}

Result<Json> act_on_record(Ctx& ctx, const ResourceSpec& spec, const slab5::api::ActionSpec& action,
                           const std::string& id, const Json& input, RecordWrite opts) {
  auto out = records(ctx).act(spec, action, actor_of(ctx), meta_of(ctx), id, input, opts);
  if (!out) return tl::unexpected(out.error());
  if (action.returns_record && !opts.dry_run)
    if (auto st = present(ctx, spec, *out); !st) return tl::unexpected(st.error());
  return out;
}

void register_resource_routes(App& app) {
  for (const auto& spec : slab5::api::resource_table())
    if (!spec.is_child() && spec.served) register_resource(app, spec);
}

}  // namespace slab5d
