// `slab5 <resource> …` (cli.md §2, api.md §8): every app-plane command, built from the
// resource table (lib/slab5/api/resources.cpp). A resource gets list, show, create, edit and
// delete (no edit or delete when append-only), one command per action (`leads convert`,
// `tasks complete`) and two per child (`tickets messages ID` lists, `tickets reply ID`
// adds). Every flag, its help, its values and its completion come from the table's fields and
// filters; adding a resource to the table adds its commands here without a line of code.
//
// The few words the table does not hold are named below: command aliases, and the verb that
// adds a child where "add-<child>" is not what people say.
#include <deque>
#include <iostream>

#include "body_fields.hpp"
#include "command_table.hpp"
#include "exit_codes.hpp"
#include "flag_values.hpp"
#include "resource_flags.hpp"
#include "slab5/http_client.hpp"
#include "slab5/json_util.hpp"

namespace slab5cli {

using slab5::api::FieldSpec;
using slab5::api::FieldType;
using slab5::api::FilterSpec;
using slab5::api::ResourceSpec;

namespace {

struct Alias {
  std::string_view route, alias;
};
constexpr Alias kAliases[] = {{"support-tickets", "tickets"}, {"cms-entries", "entries"}};

struct ChildVerb {
  std::string_view parent, child, verb;
};
constexpr ChildVerb kChildVerbs[] = {{"support-tickets", "messages", "reply"},
                                     {"support-tickets", "comments", "comment"}};

// Commands a resource gets beyond the table's verbs, added by their own files (e.g. assets
// upload/download): one line here per resource.
struct Extension {
  std::string_view route;
  void (*add)(CLI::App& resource_command, Context& ctx);
};
constexpr Extension kExtensions[] = {{"assets", add_asset_transfer_commands}};

const std::vector<std::string> kSortValues = {"-created_at", "created_at", "-updated_at", "updated_at"};

// "company_id" → "Company id".
std::string header_of(std::string_view name) {
  std::string h = kebab(name);
  for (auto& c : h)
    if (c == '-') c = ' ';
  if (!h.empty()) h[0] = char(std::toupper((unsigned char)h[0]));
  return h;
}

// "support_tickets" → "support tickets"; "Deal stage" → "deal stage".
std::string words(std::string_view snake) {
  std::string out(snake);
  for (auto& c : out)
    if (c == '_') c = ' ';
  return out;
}
// "Deal stage" → "deal stage"; "CMS entry" stays.
std::string lower_initial(std::string_view s) {
  std::string out(s);
  if (out.size() > 1 && std::islower((unsigned char)out[1])) out[0] = char(std::tolower((unsigned char)out[0]));
  return out;
}
// "a deal", "an activity".
std::string with_article(std::string_view title) {
  auto l = lower_initial(title);
  return (l.find_first_of("aeiou") == 0 ? "an " : "a ") + l;
}

// A record's one-line label for prompts and completion: its name, title or subject.
std::string label_field(const ResourceSpec& r) {
  for (const auto& f : r.fields)
    if (f.required && f.type == FieldType::Text) return std::string(f.name);
  for (const auto& f : r.fields)
    if (f.type == FieldType::Text) return std::string(f.name);
  return "";
}

std::string format_money(std::int64_t cents) {
  bool neg = cents < 0;
  std::uint64_t v = neg ? std::uint64_t(-(cents + 1)) + 1 : std::uint64_t(cents);
  std::string frac = std::to_string(v % 100);
  if (frac.size() < 2) frac = "0" + frac;
  return (neg ? "-" : "") + std::to_string(v / 100) + "." + frac;
}

std::string display_key(const FieldSpec& f) { return "__display_" + std::string(f.name); }

// Rows as the human renderers show them: money fields as decimals beside their cents.
Json for_humans(const ResourceSpec& r, Json rows) {
  auto fix = [&](Json& row) {
    if (!row.is_object()) return;
    for (const auto& f : r.fields)
      if (is_money(f) && row.contains(f.name) && row[f.name].is_number_integer())
        row[display_key(f)] = format_money(row[f.name].get<std::int64_t>());
  };
  if (rows.is_array())
    for (auto& row : rows) fix(row);
  else
    fix(rows);
  return rows;
}

Column column_of(const FieldSpec& f) {
  if (is_money(f)) return {header_of(field_flag(f)), display_key(f)};
  return {header_of(f.name), std::string(f.name), f.type == FieldType::Time};
}

// The list's columns: the id, then what says what a record is (required fields, states,
// amounts, due times), then when it last changed.
std::vector<Column> list_columns(const ResourceSpec& r) {
  std::vector<Column> cols{{"ID", "id"}};
  for (const auto& f : r.fields) {
    if (cols.size() >= 7) break;
    bool shown =
        f.type != FieldType::Object && (f.required || f.type == FieldType::Enum || f.type == FieldType::Currency ||
                                        is_money(f) || (f.type == FieldType::Time && !f.read_only));
    if (shown) cols.push_back(column_of(f));
  }
  cols.push_back({r.is_child() ? "Created" : "Updated", r.is_child() ? "created_at" : "updated_at", true});
  return cols;
}

std::vector<Column> detail_columns(const ResourceSpec& r, const Json& record) {
  std::vector<Column> cols{{"ID", "id"}};
  for (const auto& f : r.fields) cols.push_back(column_of(f));
  if (record.is_object() && record.contains("custom_fields") && record["custom_fields"].is_object())
    for (const auto& item : record["custom_fields"].items())
      cols.push_back({"Custom " + item.key(), "custom_fields." + item.key()});
  cols.push_back({"Version", "version"});
  cols.push_back({"Created", "created_at", true});
  cols.push_back({"Updated", "updated_at", true});
  return cols;
}

int print_records(Context& ctx, const ResourceSpec& r, const Json& rows) {
  if (ctx.out.quiet() && !ctx.out.json() && ctx.g.jq.empty()) {
    for (const auto& row : rows) ctx.out.print_line(slab5::string_or(row, "id"));
    return kOk;
  }
  return ctx.emit(rows, [&] { ctx.out.print_table(list_columns(r), for_humans(r, rows)); });
}

int print_record(Context& ctx, const ResourceSpec& r, const Json& record) {
  if (ctx.out.quiet() && !ctx.out.json() && ctx.g.jq.empty()) {
    ctx.out.print_line(slab5::string_or(record, "id"));
    return kOk;
  }
  return ctx.emit(record, [&] { ctx.out.print_fields(detail_columns(r, record), for_humans(r, record)); });
}

// An action that answers its own object ({"lead", "company", "contact", "deal"}): the id of
// each part.
int print_parts(Context& ctx, const Json& data) {
  std::vector<Column> cols;
  if (data.is_object())
    for (const auto& item : data.items()) cols.push_back({header_of(item.key()), item.key() + ".id"});
  if (ctx.out.quiet() && !ctx.out.json() && ctx.g.jq.empty()) {
    for (const auto& item : data.items())
      if (item.value().is_object()) ctx.out.print_line(slab5::string_or(item.value(), "id"));
    return kOk;
  }
  return ctx.emit(data, [&] { ctx.out.print_fields(cols, data); });
}

// One field flag and where its value lands.
struct FieldFlag {
  const FieldSpec* field = nullptr;
  CLI::Option* opt = nullptr;
  std::string value;
  bool on = false;  // booleans
};

struct FilterFlag {
  const FilterSpec* filter = nullptr;
  CLI::Option* opt = nullptr;
  std::string value;
};

// Everything one command's flags fill in.
struct Verb {
  std::string id;
  std::deque<FieldFlag> fields;
  std::deque<FilterFlag> filters;
  std::vector<std::string> raw_fields, typed_fields, custom, unset;
  std::string data, query, sort, created_after, created_before, updated_since;
  int limit = 25;
  bool all = false;
  std::int64_t if_version = 0;
  CLI::Option* if_version_opt = nullptr;
  CLI::Option* limit_opt = nullptr;
};

enum class Use { Create, Edit, Action };

CLI::Validator field_check(const FieldSpec* f, bool for_write) {
  return CLI::Validator(
      [f, for_write](std::string& v) {
        auto j = field_json(*f, v, for_write);
        return j ? std::string() : j.error();
      },
      "", "field value");
}

void mark_values(CLI::Option* opt, const FieldSpec& f, bool for_write) {
  if (auto values = field_values(f, for_write); !values.empty() && f.type != FieldType::Boolean)
    with_completions(opt, values);
  if (f.type == FieldType::Reference && slab5::api::find_resource(f.references))
    with_dynamic_values(opt, "record:" + std::string(f.references));
  if (f.type == FieldType::Member) with_dynamic_values(opt, "member_id");
}

void add_field_flags(CLI::App* cmd, Verb& v, const std::vector<FieldSpec>& fields, Use use) {
  for (const auto& f : fields) {
    if (use != Use::Action && f.read_only) continue;
    if (use == Use::Edit && f.create_only) continue;
    auto& flag = v.fields.emplace_back(FieldFlag{.field = &f});
    std::string name = "--" + field_flag(f);
    if (f.type == FieldType::Boolean) {
      flag.opt = cmd->add_flag(name, flag.on, field_help(f) + " (--" + field_flag(f) + "=false for false)");
    } else {
      flag.opt = cmd->add_option(name, flag.value, field_help(f))
                     ->type_name(field_value_name(f))
                     ->check(field_check(&f, true));
      mark_values(flag.opt, f, true);
    }
    flag.opt->group("Fields");
  }
}

void add_body_flags(CLI::App* cmd, Verb& v, bool raw_fields) {
  cmd->add_option("--data", v.data, "The body as a JSON object from FILE, or - for stdin; flags override its fields")
      ->type_name("FILE");
  cmd->add_option("--custom", v.custom,
                  "A custom field KEY=VALUE (repeatable; VALUE typed as -F: true, false, numbers, else text; null "
                  "removes it on edit)")
      ->type_name("KEY=VALUE");
  if (!raw_fields) return;
  cmd->add_option("-f", v.raw_fields, "A field as text, key=value (as 'slab5 api -f')")->type_name("KEY=VALUE");
  cmd->add_option("-F", v.typed_fields,
                  "A typed field key=value: true, false, null, numbers, @file (as 'slab5 api -F')")
      ->type_name("KEY=VALUE");
}

// The request body from --data, -f/-F, the field flags, --unset and --custom, in that order
// (a later one wins). A usage error returns its exit code.
tl::expected<Json, int> body_of(Context& ctx, const Verb& v) {
  Json body = Json::object();
  if (!v.data.empty()) {
    auto text = read_input(v.data);
    if (!text) return tl::unexpected(ctx.usage_error("--data: " + text.error()));
    body = Json::parse(*text, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return tl::unexpected(ctx.usage_error("--data: " + v.data + " does not hold a JSON object"));
  }
  for (const auto& f : v.raw_fields)
    if (auto r = add_field(body, f, false); !r) return tl::unexpected(ctx.usage_error("-f: " + r.error()));
  for (const auto& f : v.typed_fields)
    if (auto r = add_field(body, f, true); !r) return tl::unexpected(ctx.usage_error("-F: " + r.error()));
  for (const auto& flag : v.fields) {
    if (flag.opt->count() == 0) continue;
    std::string name(flag.field->name);
    if (flag.field->type == FieldType::Boolean) {
      body[name] = flag.on;
      continue;
    }
    auto j = field_json(*flag.field, flag.value);
    if (!j) return tl::unexpected(ctx.usage_error("--" + field_flag(*flag.field) + ": " + j.error()));
    body[name] = *j;
  }
  for (const auto& u : v.unset) body[u] = nullptr;
  for (const auto& c : v.custom) {
    auto eq = c.find('=');
    if (eq == std::string::npos || eq == 0)
      return tl::unexpected(ctx.usage_error("--custom: '" + c + "' must be KEY=VALUE"));
    auto value = typed_value(c.substr(eq + 1));
    if (!value) return tl::unexpected(ctx.usage_error("--custom: " + value.error()));
    if (!body.contains("custom_fields") || !body["custom_fields"].is_object()) body["custom_fields"] = Json::object();
    body["custom_fields"][c.substr(0, eq)] = *value;
  }
  return body;
}

std::string path_of(const ResourceSpec& r, const std::string& id = "") {
  return id.empty() ? std::string(r.route) : std::string(r.route) + "/" + slab5::url_encode(id);
}

// --- the verbs ----------------------------------------------------------------------------

int run_list(Context& ctx, const ResourceSpec& r, const Verb& v, const std::string& base) {
  // With --all, --limit is the page size (default the largest).
  bool explicit_limit = v.limit_opt != nullptr && v.limit_opt->count() > 0;
  std::string q = "limit=" + std::to_string(v.all && !explicit_limit ? 100 : v.limit);
  auto add = [&q](const std::string& k, const std::string& val) {
    q += "&" + slab5::url_encode(k) + "=" + slab5::url_encode(val);
  };
  for (const auto& f : v.filters)
    if (f.opt->count() > 0) add(std::string(f.filter->param), f.value);
  if (!v.query.empty()) add("query", v.query);
  if (!v.sort.empty()) add("sort", v.sort);
  if (!v.created_after.empty()) add("created_after", v.created_after);
  if (!v.created_before.empty()) add("created_before", v.created_before);
  if (!v.updated_since.empty()) add("updated_since", v.updated_since);
  for (const auto& c : v.custom) {
    auto eq = c.find('=');
    if (eq == std::string::npos || eq == 0) return ctx.usage_error("--custom: '" + c + "' must be KEY=VALUE");
    add("custom_fields." + c.substr(0, eq), c.substr(eq + 1));
  }
  std::string path = base + "?" + q;
  if (v.all) {
    auto rows = ctx.client().list_all(path);
    if (!rows) return ctx.fail(rows.error());
    return print_records(ctx, r, *rows);
  }
  auto page = ctx.client().call("GET", path);
  if (!page) return ctx.fail(page.error());
  Json rows = page->json.is_object() && page->json.contains("data") ? page->json["data"] : Json::array();
  int rc = print_records(ctx, r, rows);
  if (rc == kOk && page->json.contains("next_cursor") && !ctx.out.quiet())
    ctx.out.info("There are more: --all lists every one, --limit up to 100 per page.");
  return rc;
}

int run_show(Context& ctx, const ResourceSpec& r, const Verb& v) {
  auto d = ctx.client().data("GET", path_of(r, v.id));
  if (!d) return ctx.fail(d.error());
  return print_record(ctx, r, *d);
}

int run_create(Context& ctx, const ResourceSpec& r, const Verb& v, const std::string& path) {
  auto body = body_of(ctx, v);
  if (!body) return body.error();
  auto d = ctx.client().data("POST", path, with_idempotency_key(*body), {.idempotent = true});
  if (!d) return ctx.fail(d.error());
  return print_record(ctx, r, *d);
}

int run_edit(Context& ctx, const ResourceSpec& r, const Verb& v) {
  auto body = body_of(ctx, v);
  if (!body) return body.error();
  if (body->empty()) return ctx.usage_error("nothing to change: give a field flag, --unset, --custom or --data");
  RequestOptions ro;
  if (v.if_version_opt->count() > 0) ro.headers.emplace_back("If-Match", "\"" + std::to_string(v.if_version) + "\"");
  auto d = ctx.client().data("PATCH", path_of(r, v.id), *body, ro);
  if (!d) {
    auto e = d.error();
    if (e.code == "precondition_failed")
      e.hint = "the record changed since version " + std::to_string(v.if_version) + "; 'slab5 " + std::string(r.route) +
               " show " + v.id + "' shows the current one";
    return ctx.fail(e);
  }
  return print_record(ctx, r, *d);
}

int run_delete(Context& ctx, const ResourceSpec& r, const Verb& v) {
  std::string what = std::string(r.title) + " " + v.id;
  if (!ctx.g.yes && !ctx.stdin_tty()) return ctx.confirm("Delete " + what, v.id);  // fails fast, before any request
  if (!ctx.g.yes) {
    auto d = ctx.client().data("GET", path_of(r, v.id));
    if (!d) return ctx.fail(d.error());
    std::string label = slab5::string_or(*d, label_field(r));
    if (int rc = ctx.confirm("Delete " + what + (label.empty() ? "" : " ('" + label + "')"), v.id); rc != kOk)
      return rc;
  }
  auto d = ctx.client().call("DELETE", path_of(r, v.id));
  if (!d) return ctx.fail(d.error());
  ctx.out.info("Deleted " + what + ".");
  return kOk;
}

int run_action(Context& ctx, const ResourceSpec& r, const slab5::api::ActionSpec& a, const Verb& v) {
  auto body = body_of(ctx, v);
  if (!body) return body.error();
  // An action that makes records (leads convert) carries an idempotency key, so a retry after
  // a lost answer replays it instead of converting twice.
  auto d = a.creates ? ctx.client().data("POST", path_of(r, v.id) + "/" + std::string(a.name),
                                         with_idempotency_key(*body), {.idempotent = true})
                     : ctx.client().data("POST", path_of(r, v.id) + "/" + std::string(a.name), *body);
  if (!d) return ctx.fail(d.error());
  return a.returns_record ? print_record(ctx, r, *d) : print_parts(ctx, *d);
}

// --- building the commands ----------------------------------------------------------------

std::string shell_word(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s)
    if (!(std::isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || c == '@' || c == ':' || c == '/'))
      plain = false;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The table's example body as flags: --name 'Jane Doe' --email jane@example.com.
std::string example_flags(const ResourceSpec& r) {
  auto ex = Json::parse(r.example, nullptr, false);
  std::string out;
  if (!ex.is_object()) return out;
  for (const auto& f : r.fields) {
    if (!ex.contains(f.name)) continue;
    const Json& v = ex[f.name];
    std::string value = v.is_string()                          ? v.get<std::string>()
                        : is_money(f) && v.is_number_integer() ? format_money(v.get<std::int64_t>())
                                                               : v.dump();
    out += " --" + field_flag(f) + (f.type == FieldType::Boolean ? "" : " " + shell_word(value));
  }
  return out;
}

std::string id_example(const ResourceSpec& r) { return std::string(r.id_prefix) + "_01…"; }

std::string child_verb(const ResourceSpec& parent, const ResourceSpec& child) {
  for (const auto& cv : kChildVerbs)
    if (cv.parent == parent.route && cv.child == child.route) return std::string(cv.verb);
  std::string_view s = child.singular;
  if (auto us = s.rfind('_'); us != std::string_view::npos) s = s.substr(us + 1);
  return "add-" + kebab(s);
}

void add_id(CLI::App* cmd, Verb& v, const ResourceSpec& r, const std::string& what) {
  with_dynamic_values(cmd->add_option("id", v.id, what + " (" + std::string(r.id_prefix) + "_…)")->required(),
                      "record:" + std::string(r.route));
}

void add_list_flags(CLI::App* cmd, Verb& v, const ResourceSpec& r) {
  for (const auto& filter : r.filters) {
    const FieldSpec* f = r.field(filter.field);
    if (!f) continue;
    auto& flag = v.filters.emplace_back(FilterFlag{.filter = &filter});
    std::string field = words(f->name);
    std::string help = filter.kind == FilterSpec::Kind::Exact    ? "Only those with this " + field + ". "
                       : filter.kind == FilterSpec::Kind::Before ? "Only those with " + field + " before T. "
                                                                 : "Only those with " + field + " at or after T. ";
    help += filter.kind == FilterSpec::Kind::Exact ? field_help(*f, false)
                                                   : std::string(f->description) + " RFC 3339, or a duration ago (7d).";
    flag.opt = cmd->add_option("--" + kebab(filter.param), flag.value, help)->group("Filters");
    if (filter.kind == FilterSpec::Kind::Exact) {
      flag.opt->type_name(field_value_name(*f));
      if (f->type == FieldType::Enum || f->type == FieldType::Boolean || f->type == FieldType::Integer)
        flag.opt->check(field_check(f, false));
      mark_values(flag.opt, *f, false);
    } else {
      flag.opt->type_name("TIME")->check(time_or_duration_value());
    }
  }
  if (!r.text_fields.empty()) {
    std::string fields;
    for (auto t : r.text_fields) fields += (fields.empty() ? "" : ", ") + std::string(t);
    cmd->add_option("--query", v.query, "Search " + fields + " for words and word prefixes (jan finds Jane)")
        ->group("Filters");
  }
  cmd->add_option("--created-after", v.created_after, "Only those created at or after T (RFC 3339, or 24h ago)")
      ->type_name("TIME")
      ->check(time_or_duration_value())
      ->group("Filters");
  cmd->add_option("--created-before", v.created_before, "Only those created before T (RFC 3339, or 24h ago)")
      ->type_name("TIME")
      ->check(time_or_duration_value())
      ->group("Filters");
  cmd->add_option("--updated-since", v.updated_since, "Only those changed at or after T (RFC 3339, or 24h ago)")
      ->type_name("TIME")
      ->check(time_or_duration_value())
      ->group("Filters");
  cmd->add_option("--custom", v.custom, "Only those whose custom field KEY is VALUE (repeatable)")
      ->type_name("KEY=VALUE")
      ->group("Filters");
  with_choices(cmd->add_option("--sort", v.sort,
                               "Order: -created_at (newest first, the default), created_at, -updated_at or updated_at"),
               kSortValues);
}

void add_page_flags(CLI::App* cmd, Verb& v) {
  v.limit_opt = cmd->add_option("--limit", v.limit, "How many to fetch (1-100, default 25); with --all, per page")
                    ->check(CLI::Range(1, 100));
  cmd->add_flag("--all", v.all, "Fetch every page");
}

void add_child_commands(CLI::App* grp, Context& ctx, const ResourceSpec& r, const ResourceSpec& child,
                        const std::string& name) {
  std::string plural = words(child.plural);
  auto* list = grp->add_subcommand(std::string(child.route), "List the " + plural + " of " + with_article(r.title) +
                                                                 ": " + std::string(child.description));
  auto lv = std::make_shared<Verb>();
  add_id(list, *lv, r, std::string(r.title) + " id");
  add_page_flags(list, *lv);
  list->footer("Example:\n  slab5 " + name + " " + std::string(child.route) + " " + id_example(r));
  std::string base_route(r.route);
  on_run(list, ctx, [&ctx, &child, lv, base_route] {
    return run_list(ctx, child, *lv, base_route + "/" + slab5::url_encode(lv->id) + "/" + std::string(child.route));
  });

  std::string verb = child_verb(r, child);
  auto* add = grp->add_subcommand(verb, "Add " + with_article(child.title) + " to " + with_article(r.title) + ": " +
                                            std::string(child.description));
  auto av = std::make_shared<Verb>();
  add_id(add, *av, r, std::string(r.title) + " id");
  add_field_flags(add, *av, child.fields, Use::Create);
  add_body_flags(add, *av, false);
  add->footer("Example:\n  slab5 " + name + " " + verb + " " + id_example(r) + example_flags(child));
  on_run(add, ctx, [&ctx, &child, av, base_route] {
    return run_create(ctx, child, *av, base_route + "/" + slab5::url_encode(av->id) + "/" + std::string(child.route));
  });
}

void add_resource(CLI::App& app, Context& ctx, const ResourceSpec& r) {
  std::string name(r.route);
  std::string title(r.title);
  auto* grp = app.add_subcommand(
      name, std::string(r.description) + " (" + std::string(r.route) + ", module " + std::string(r.module) + ")");
  for (const auto& a : kAliases)
    if (a.route == r.route) grp->alias(std::string(a.alias));
  grp->require_subcommand(1);
  std::string examples = "Examples:\n  slab5 " + name + " list\n  slab5 " + name + " create" + example_flags(r) +
                         "\n  slab5 " + name + " show " + id_example(r);
  grp->footer(examples);

  auto lv = std::make_shared<Verb>();
  auto* list = grp->add_subcommand("list", "List " + words(r.plural) + ", filtered and searched (a page, or --all)");
  add_list_flags(list, *lv, r);
  add_page_flags(list, *lv);
  std::string list_example = "slab5 " + name + " list";
  if (!r.text_fields.empty()) list_example += "\n  slab5 " + name + " list --query jan";
  if (!r.filters.empty()) {
    const auto& filter = r.filters.front();
    const FieldSpec* f = r.field(filter.field);
    std::string value = f && !field_values(*f, false).empty() ? field_values(*f, false).front() : "V";
    if (filter.kind != FilterSpec::Kind::Exact) value = "7d";
    list_example += "\n  slab5 " + name + " list --" + kebab(filter.param) + " " + value + " --all --json";
  }
  list->footer("Examples:\n  " + list_example);
  on_run(list, ctx, [&ctx, &r, lv] { return run_list(ctx, r, *lv, std::string(r.route)); });

  auto sv = std::make_shared<Verb>();
  auto* show = grp->add_subcommand("show", "Show " + with_article(title) + " by id");
  add_id(show, *sv, r, title + " id");
  show->footer("Example:\n  slab5 " + name + " show " + id_example(r) + " --json");
  on_run(show, ctx, [&ctx, &r, sv] { return run_show(ctx, r, *sv); });

  auto cv = std::make_shared<Verb>();
  auto* create =
      grp->add_subcommand("create", "Create " + with_article(title) + " (fields from flags, -f/-F or --data)");
  add_field_flags(create, *cv, r.fields, Use::Create);
  add_body_flags(create, *cv, true);
  create->footer("Examples:\n  slab5 " + name + " create" + example_flags(r) + "\n  slab5 " + name +
                 " create --data body.json -q");
  on_run(create, ctx, [&ctx, &r, cv] { return run_create(ctx, r, *cv, std::string(r.route)); });

  if (!r.append_only) {
    auto ev = std::make_shared<Verb>();
    auto* edit = grp->add_subcommand(
        "edit", "Change " + with_article(title) + "'s fields (a merge patch; others keep their value)");
    add_id(edit, *ev, r, title + " id");
    add_field_flags(edit, *ev, r.fields, Use::Edit);
    std::vector<std::string> clearable;
    for (const auto& f : r.fields)
      if (!f.read_only && !f.create_only && !f.required) clearable.emplace_back(f.name);
    if (!clearable.empty())
      with_choices(edit->add_option("--unset", ev->unset, "Clear an optional field (repeatable)")->type_name("FIELD"),
                   clearable);
    ev->if_version_opt =
        edit->add_option("--if-version", ev->if_version,
                         "Change it only if its version is still N (If-Match; else precondition_failed, exit 1)")
            ->check(CLI::Range(std::int64_t(1), std::numeric_limits<std::int64_t>::max()));
    add_body_flags(edit, *ev, false);
    edit->footer("Example:\n  slab5 " + name + " edit " + id_example(r) + " --if-version 3" +
                 (clearable.empty() ? "" : " --unset " + clearable.front()));
    on_run(edit, ctx, [&ctx, &r, ev] { return run_edit(ctx, r, *ev); });

    auto dv = std::make_shared<Verb>();
    auto* del = grp->add_subcommand("delete", "Delete " + with_article(title) + " (asks for its id; --yes in scripts)");
    add_id(del, *dv, r, title + " id");
    del->footer("Example:\n  slab5 " + name + " delete " + id_example(r) + " --yes");
    on_run(del, ctx, [&ctx, &r, dv] { return run_delete(ctx, r, *dv); });
  }

  for (const auto& a : r.actions) {
    auto av = std::make_shared<Verb>();
    auto* act = grp->add_subcommand(std::string(a.name), std::string(a.description));
    add_id(act, *av, r, title + " id");
    add_field_flags(act, *av, a.input, Use::Action);
    std::string ex = "slab5 " + name + " " + std::string(a.name) + " " + id_example(r);
    for (const auto& f : a.input)
      if (f.type == FieldType::Boolean) ex += " --" + field_flag(f);
    act->footer("Example:\n  " + ex);
    on_run(act, ctx, [&ctx, &r, &a, av] { return run_action(ctx, r, a, *av); });
  }

  for (const auto* child : slab5::api::children_of(r.route)) add_child_commands(grp, ctx, r, *child, name);

  for (const auto& e : kExtensions)
    if (e.add && e.route == r.route) e.add(*grp, ctx);
}

}  // namespace

std::vector<std::string> resource_command_aliases(std::string_view route) {
  std::vector<std::string> out;
  for (const auto& a : kAliases)
    if (a.route == route) out.emplace_back(a.alias);
  return out;
}

std::vector<const ResourceSpec*> resource_commands() {
  std::vector<const ResourceSpec*> out;
  for (const auto& r : slab5::api::resource_table())
    if (!r.is_child()) out.push_back(&r);
  return out;
}

void add_resource_command(CLI::App& app, Context& ctx, const ResourceSpec& r) { add_resource(app, ctx, r); }

std::string resource_label_field(const ResourceSpec& r) { return label_field(r); }

std::string resource_child_verb(const ResourceSpec& parent, const ResourceSpec& child) {
  return child_verb(parent, child);
}

}  // namespace slab5cli
