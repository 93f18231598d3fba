// The reference page of the app-plane resources, from the resource table.
#include "slab5/api/resource_docs.hpp"

#include "slab5/api/resources.hpp"

namespace slab5::api {

namespace {

std::string field_notes(const FieldSpec& f) {
  std::string n;
  auto add = [&](const std::string& s) { n += (n.empty() ? "" : "; ") + s; };
  switch (f.type) {
    case FieldType::Text:
    case FieldType::LongText:
      add("≤ " + std::to_string(f.effective_max_len()) + " chars");
      break;
    case FieldType::Pattern: {
      add("`[" + std::string(f.charset) + "]{" + std::to_string(f.min_len) + "," +
          std::to_string(f.effective_max_len()) + "}`");
      break;
    }
    case FieldType::Enum: {
      std::string v;
      for (auto x : f.values) v += (v.empty() ? "" : " ") + std::string("`") + std::string(x) + "`";
      add(v);
      break;
    }
    case FieldType::Reference:
      add("→ " + std::string(f.references));
      break;
    case FieldType::Member:
      add("→ a member of the workspace");
      break;
    case FieldType::Related:
      add("→ the record named by related_resource_type");
      break;
    case FieldType::Integer:
      add("≥ " + std::to_string(f.min));
      break;
    case FieldType::Object:
      add("≤ " + std::to_string(f.effective_max_len() / 1024) + " KiB");
      break;
    default:
      break;
  }
  if (!f.default_value.empty()) add("default " + std::string(f.default_value));
  if (f.default_rule == "first_open_stage") add("default: the first open stage");
  if (f.default_rule == "last_position") add("default: last");
  if (f.default_rule == "now") add("default: now");
  if (f.default_rule == "slug_from_title") add("default: from the title");
  if (f.read_only) add("read-only");
  if (f.create_only) add("set on create only");
  return n;
}

void describe(std::string& md, const ResourceSpec& r, const std::string& path) {
  md += "| field | type | required | notes |\n|---|---|---|---|\n";
  for (const auto& f : r.fields)
    md += "| `" + std::string(f.name) + "` | " + std::string(field_type_name(f.type)) + " | " +
          (f.required ? "yes" : "") + " | " + field_notes(f) + (f.description.empty() ? "" : " — ") +
          std::string(f.description) + " |\n";
  md += "\n";
  if (!r.filters.empty()) {
    md += "Filters:";
    for (const auto& f : r.filters) md += " `" + std::string(f.param) + "`";
    md += ". ";
  }
  if (!r.text_fields.empty()) {
    md += "`query` searches:";
    for (auto t : r.text_fields) md += " `" + std::string(t) + "`";
    md += ". ";
  }
  if (r.order_by == "position") md += "Listed by `position`. ";
  if (r.order_by == "oldest") md += "Listed oldest first. ";
  if (r.append_only && r.is_child())
    md += "Append-only: listed and added through the parent; there is no route that changes or deletes one. ";
  else if (r.append_only)
    md += "Append-only: `PATCH` and `DELETE` are `405`. ";
  for (const auto& g : r.delete_guards)
    md +=
        "Deleting one that `" + std::string(g.route) + "." + std::string(g.field) + "` still names is `409 conflict`. ";
  if (!r.unique_key.empty()) {
    md += "Unique per workspace:";
    for (auto u : r.unique_key) md += " `" + std::string(u) + "`";
    md += " (`409 conflict`). ";
  }
  md += "\n\n";
  for (const auto& a : r.actions)
    md += "- `POST " + path + "/{id}/" + std::string(a.name) + "` — " + std::string(a.description) + " Event `" +
          std::string(a.event) + "`." + (a.creates ? " Idempotent with `idempotency_key`." : "") + "\n";
  if (!r.actions.empty()) md += "\n";
}

}  // namespace

std::string resources_markdown() {
  std::string md =
      "# App-plane resources\n\n"
      "<!-- Written from the resource table (lib/slab5/api/resources.cpp); do not edit by hand.\n"
      "     SLAB5_UPDATE_DOCS=1 build/dev/tests/unit_tests -tc='docs/resources.md*' rewrites it. -->\n\n"
      "Every resource below is served by `slab5d` with the same rules (api.md §8.1): `POST` creates "
      "(`201`, idempotent with `idempotency_key`), `GET …/{id}` reads with an `ETag: \"<version>\"`, "
      "`PATCH` is a JSON merge patch (`If-Match: \"<version>\"` makes it conditional, a stale one is "
      "`412`), `DELETE` answers `204` (with `If-Match` too) and sets references to the record to "
      "`null`, and the list takes "
      "`limit`, `cursor`, the filters, `query`, `sort` (`-created_at` default, `created_at`, "
      "`-updated_at`, `updated_at`), `created_after`, `created_before`, `updated_since` and "
      "`custom_fields.<key>`. A filter's value must be one its field could hold (an id of the "
      "right kind, an email address, one of an enum's values), else `400` naming the parameter. "
      "A `422` names every bad field at once: the input's, its references' and the resource's own "
      "rules'; `custom_fields` limits hold for the record a `PATCH` leaves. Every write records an "
      "audit event and an event "
      "(`<type>.created|updated|deleted|<action>`) in the same transaction.\n\n"
      "Every record also has `id`, `workspace_id`, `tenant_id`, `created_at`, `updated_at`, "
      "`version`, `source` (`api`, `mcp` or `admin`; a lead's own `source` field takes its place), "
      "`created_by`, `last_agent_actor_id` and `custom_fields` (up to 50 keys `[a-z][a-z0-9_]{0,39}`, "
      "string, number or boolean values, 16 KiB in all).\n\n";
  for (const auto& r : resource_table()) {
    if (r.is_child()) continue;
    std::string path = "/v1/" + std::string(r.route);
    md += "## " + std::string(r.title) + " — `" + path + "`\n\n";
    md += std::string(r.description) + " Ids `" + std::string(r.id_prefix) + "_…`; module `" + std::string(r.module) +
          "`; scopes `" + std::string(r.scope) + ":read` / `" + std::string(r.scope) + ":write`; events `" +
          std::string(r.singular) + ".*`.\n\n";
    if (r.route == "assets")
      md +=
          "Its bytes travel through signed URLs (`PUT` to `upload_url`, then `POST …/{id}/complete`; "
          "`GET` from `download_url`): see [assets.md](assets.md).\n\n";
    describe(md, r, path);
    for (const auto* c : children_of(r.route)) {
      md += "### " + std::string(c->title) + " — `" + path + "/{id}/" + std::string(c->route) + "`\n\n";
      md += std::string(c->description) + " Ids `" + std::string(c->id_prefix) + "_…`; events `" +
            std::string(c->singular) + ".*`.\n\n";
      describe(md, *c, path + "/{id}/" + std::string(c->route));
    }
    md += "Example:\n\n```sh\nslab5 api " + path.substr(3) + " --input - <<'EOF'\n" + std::string(r.example) +
          "\nEOF\n```\n\n";
  }
  return md;
}

}  // namespace slab5::api
