// The resource table itself (api.md §8.2), and look-ups over it.
#include "slab5/api/resources.hpp"

#include <algorithm>
#include <array>

namespace slab5::api {

namespace {

using T = FieldType;

// Shorthands for the field kinds the table repeats.
FieldSpec text(std::string_view name, std::string_view description, std::int64_t max_len = 0) {
  return FieldSpec{.name = name, .type = T::Text, .description = description, .max_len = max_len};
}
FieldSpec required_text(std::string_view name, std::string_view description, std::int64_t max_len = 0) {
  auto f = text(name, description, max_len);
  f.required = true;
  return f;
}
FieldSpec long_text(std::string_view name, std::string_view description, std::int64_t max_len = 0) {
  return FieldSpec{.name = name, .type = T::LongText, .description = description, .max_len = max_len};
}
FieldSpec of_type(std::string_view name, FieldType type, std::string_view description) {
  return FieldSpec{.name = name, .type = type, .description = description};
}
FieldSpec enumeration(std::string_view name, std::vector<std::string_view> values, std::string_view def,
                      std::string_view description) {
  return FieldSpec{
      .name = name, .type = T::Enum, .description = description, .values = std::move(values), .default_value = def};
}
FieldSpec reference(std::string_view name, std::string_view route, std::string_view description) {
  return FieldSpec{.name = name, .type = T::Reference, .description = description, .references = route};
}
FieldSpec member(std::string_view name, std::string_view description) {
  return FieldSpec{.name = name, .type = T::Member, .description = description};
}
FieldSpec read_only(FieldSpec f) {
  f.read_only = true;
  return f;
}
FieldSpec related_type() {
  return FieldSpec{.name = "related_resource_type",
                   .type = T::Enum,
                   .description = "The type of the record this one is about.",
                   .values = {"contact", "company", "lead", "deal", "support_ticket"}};
}
FieldSpec related_id() {
  return FieldSpec{.name = "related_resource_id",
                   .type = T::Related,
                   .description = "The id of the record this one is about; needs related_resource_type."};
}

std::vector<ResourceSpec> build_table() {
  std::vector<ResourceSpec> t;

  t.push_back(ResourceSpec{.route = "contacts",
                           .id_prefix = "con",
                           .module = "crm",
                           .scope = "crm",
                           .singular = "contact",
                           .plural = "contacts",
                           .title = "Contact",
                           .description = "A person the workspace deals with.",
                           .fields = {required_text("name", "Full name."), of_type("email", T::Email, "Email address."),
                                      text("phone", "Phone number.", 50), text("title", "Job title."),
                                      reference("company_id", "companies", "The company the contact works for."),
                                      text("company_name", "The company's name as written on the contact."),
                                      long_text("notes", "Free-form notes.")},
                           .filters = {{"company_id", "company_id"}, {"email", "email"}},
                           .text_fields = {"name", "email", "company_name", "notes"},
                           .example = R"({"name": "Jane Doe", "email": "jane@example.com", "title": "CTO"})"});

  t.push_back(ResourceSpec{
      .route = "companies",
      .id_prefix = "cmp",
      .module = "crm",
      .scope = "crm",
      .singular = "company",
      .plural = "companies",
      .title = "Company",
      .description = "An organisation the workspace deals with.",
      .fields = {required_text("name", "Company name."), of_type("domain", T::Hostname, "Web domain (example.com)."),
                 of_type("website", T::Url, "Website URL."), text("industry", "Industry."),
                 FieldSpec{.name = "employee_count", .type = T::Integer, .description = "Number of employees."},
                 long_text("notes", "Free-form notes.")},
      .filters = {{"domain", "domain"}, {"industry", "industry"}},
      .text_fields = {"name", "domain", "notes"},
      .example = R"({"name": "Acme Corp", "domain": "acme.example", "employee_count": 120})"});

  auto lead_status =
      enumeration("status", {"new", "working", "qualified", "disqualified", "converted"}, R"("new")",
                  "Where the lead stands; `converted` is set by the convert action only, and a converted "
                  "lead stays converted.");
  lead_status.create_values = {"new", "working", "qualified", "disqualified"};
  t.push_back(ResourceSpec{
      .route = "leads",
      .id_prefix = "lead",
      .module = "crm",
      .scope = "crm",
      .singular = "lead",
      .plural = "leads",
      .title = "Lead",
      .description = "A prospective customer, converted into a company, contact and deal.",
      .fields = {required_text("name", "Full name."), of_type("email", T::Email, "Email address."),
                 text("phone", "Phone number.", 50), text("company_name", "The lead's company."),
                 enumeration("source", {"manual", "website", "referral", "campaign", "import", "api", "mcp", "other"},
                             R"("manual")", "Where the lead came from."),
                 lead_status, member("owner_id", "The member who owns the lead."),
                 long_text("notes", "Free-form notes."),
                 read_only(of_type("converted_at", T::Time, "When the lead was converted.")),
                 read_only(reference("converted_contact_id", "contacts", "The contact made by conversion.")),
                 read_only(reference("converted_company_id", "companies", "The company made or reused by conversion.")),
                 read_only(reference("converted_deal_id", "deals", "The deal made by conversion, if any."))},
      .filters = {{"status", "status"}, {"source", "source"}, {"owner_id", "owner_id"}},
      .text_fields = {"name", "email", "company_name", "notes"},
      .actions = {ActionSpec{
          .name = "convert",
          .event = "lead.converted",
          .tool = "convert_lead",
          .description = "Convert the lead: make (or reuse by name) its company, make its contact and, with "
                         "create_deal, a deal on the first open stage, in one transaction.",
          .input = {of_type("create_deal", T::Boolean, "Also make a deal."),
                    text("deal_name", "The deal's name (default: the lead's company or name)."),
                    FieldSpec{.name = "amount_cents", .type = T::Integer, .description = "The deal's amount in cents."},
                    of_type("currency", T::Currency, "The deal's currency (ISO 4217, default USD).")},
          .returns_record = false,
          .creates = true}},
      .example = R"({"name": "Sam Lee", "email": "sam@example.com", "company_name": "Lee Ltd", "source": "website"})"});

  t.push_back(ResourceSpec{.route = "deal-stages",
                           .id_prefix = "stg",
                           .module = "crm",
                           .scope = "crm",
                           .singular = "deal_stage",
                           .plural = "deal_stages",
                           .title = "Deal stage",
                           .description = "A step of the sales pipeline.",
                           .fields = {required_text("name", "Stage name."),
                                      FieldSpec{.name = "position",
                                                .type = T::Integer,
                                                .description = "Order in the pipeline (default: last).",
                                                .default_rule = "last_position"},
                                      enumeration("outcome", {"open", "won", "lost"}, R"("open")",
                                                  "Whether deals on this stage are open, won or lost (their "
                                                  "status); fixed while deals are in the stage (409).")},
                           .filters = {{"outcome", "outcome"}},
                           .text_fields = {"name"},
                           .order_by = "position",
                           .delete_guards = {{"deals", "stage_id"}},
                           .example = R"({"name": "negotiation", "position": 3})",
                           .initial = R"([{"name": "discovery", "position": 1, "outcome": "open"},
                     {"name": "proposal_sent", "position": 2, "outcome": "open"},
                     {"name": "legal_review", "position": 3, "outcome": "open"},
                     {"name": "won", "position": 4, "outcome": "won"},
                     {"name": "lost", "position": 5, "outcome": "lost"}])"});

  t.push_back(ResourceSpec{
      .route = "deals",
      .id_prefix = "deal",
      .module = "crm",
      .scope = "crm",
      .singular = "deal",
      .plural = "deals",
      .title = "Deal",
      .description = "A sale in progress, on a stage of the pipeline.",
      .fields = {required_text("name", "Deal name."), reference("company_id", "companies", "The customer company."),
                 reference("contact_id", "contacts", "The main contact."),
                 FieldSpec{.name = "stage_id",
                           .type = T::Reference,
                           .description = "The stage (default: the first open stage).",
                           .references = "deal-stages",
                           .default_rule = "first_open_stage"},
                 FieldSpec{
                     .name = "amount_cents", .type = T::Integer, .description = "Amount in cents (1200.00 → 120000)."},
                 FieldSpec{.name = "currency",
                           .type = T::Currency,
                           .description = "ISO 4217 currency code.",
                           .default_value = R"("USD")"},
                 of_type("expected_close_date", T::Date, "Expected close date (YYYY-MM-DD)."),
                 read_only(enumeration("status", {"open", "won", "lost"}, "", "The outcome of the deal's stage.")),
                 read_only(of_type("closed_at", T::Time, "When the deal moved to a won or lost stage."))},
      .filters =
          {{"stage_id", "stage_id"}, {"company_id", "company_id"}, {"contact_id", "contact_id"}, {"status", "status"}},
      .text_fields = {"name"},
      .example = R"({"name": "Acme renewal", "amount_cents": 120000, "currency": "USD"})"});

  auto task_status = enumeration("status", {"open", "completed", "canceled"}, R"("open")", "The task's state.");
  t.push_back(
      ResourceSpec{.route = "tasks",
                   .id_prefix = "task",
                   .module = "tasks",
                   .scope = "tasks",
                   .singular = "task",
                   .plural = "tasks",
                   .title = "Task",
                   .description = "Something a member has to do, optionally about a record.",
                   .fields = {required_text("title", "What to do."), long_text("description", "Details."), task_status,
                              of_type("due_at", T::Time, "When it is due."),
                              member("assignee_id", "The member it is assigned to."), related_type(), related_id(),
                              read_only(of_type("completed_at", T::Time, "When the task was completed."))},
                   .filters = {{"status", "status"},
                               {"assignee_id", "assignee_id"},
                               {"related_resource_id", "related_resource_id"},
                               {"due_before", "due_at", FilterSpec::Kind::Before},
                               {"due_after", "due_at", FilterSpec::Kind::After}},
                   .text_fields = {"title", "description"},
                   .actions = {ActionSpec{.name = "complete",
                                          .event = "task.completed",
                                          .tool = "complete_task",
                                          .description = "Mark the task completed (sets completed_at)."}},
                   .example = R"({"title": "Call Jane about the renewal", "due_at": "2026-12-01T09:00:00.000Z"})"});

  t.push_back(ResourceSpec{
      .route = "activities",
      .id_prefix = "act",
      .module = "activity_log",
      .scope = "activity",
      .singular = "activity",
      .plural = "activities",
      .title = "Activity",
      .description = "An append-only entry in the activity log: a note, call, email, meeting or inbound webhook.",
      .fields = {FieldSpec{.name = "type",
                           .type = T::Pattern,
                           .description = "Kind of activity (note, call, email, …).",
                           .required = true,
                           .max_len = 40,
                           .charset = "a-z_"},
                 FieldSpec{.name = "summary",
                           .type = T::LongText,
                           .description = "What happened.",
                           .required = true,
                           .max_len = 2000},
                 FieldSpec{.name = "occurred_at",
                           .type = T::Time,
                           .description = "When it happened (default: now).",
                           .default_rule = "now"},
                 related_type(), related_id(),
                 FieldSpec{.name = "metadata",
                           .type = T::Object,
                           .description = "Structured details (≤ 64 KiB).",
                           .max_len = 64 * 1024}},
      .filters = {{"type", "type"}, {"related_resource_id", "related_resource_id"}},
      .text_fields = {"summary"},
      .append_only = true,
      .example = R"({"type": "call", "summary": "Discussed the renewal with Jane"})"});

  t.push_back(ResourceSpec{
      .route = "support-tickets",
      .id_prefix = "tkt",
      .module = "support",
      .scope = "support",
      .singular = "support_ticket",
      .plural = "support_tickets",
      .title = "Support ticket",
      .description = "A customer's request, with customer-facing messages and internal comments.",
      .fields = {required_text("subject", "Subject line."), long_text("description", "The request."),
                 enumeration("status", {"open", "pending", "solved", "closed"}, R"("open")", "The ticket's state."),
                 enumeration("priority", {"low", "normal", "high", "urgent"}, R"("normal")", "Priority."),
                 of_type("requester_email", T::Email, "The requester's address."),
                 text("requester_name", "The requester's name."), member("assignee_id", "The assigned member."),
                 reference("contact_id", "contacts", "The requester's contact record.")},
      .filters = {{"status", "status"},
                  {"priority", "priority"},
                  {"assignee_id", "assignee_id"},
                  {"contact_id", "contact_id"}},
      .text_fields = {"subject", "description", "requester_email"},
      .example = R"({"subject": "Cannot sign in", "requester_email": "jane@example.com", "priority": "high"})"});

  t.push_back(ResourceSpec{
      .route = "messages",
      .id_prefix = "msg",
      .module = "support",
      .scope = "support",
      .singular = "support_ticket_message",
      .plural = "ticket_messages",
      .title = "Ticket message",
      .description = "A customer-facing message on a ticket; append-only, oldest first.",
      .fields = {FieldSpec{.name = "body", .type = T::LongText, .description = "The message.", .required = true},
                 enumeration("author_type", {"customer", "agent"}, R"("agent")", "Who wrote it."),
                 of_type("author_email", T::Email, "The author's address.")},
      .append_only = true,
      .order_by = "oldest",
      .parent = "support-tickets",
      .parent_field = "ticket_id",
      .example = R"({"body": "We have reset your password.", "author_type": "agent"})"});

  t.push_back(ResourceSpec{
      .route = "comments",
      .id_prefix = "cmt",
      .module = "support",
      .scope = "support",
      .singular = "support_ticket_comment",
      .plural = "ticket_comments",
      .title = "Ticket comment",
      .description = "An internal comment on a ticket, never shown to the customer; append-only, oldest first.",
      .fields = {FieldSpec{.name = "body", .type = T::LongText, .description = "The comment.", .required = true}},
      .append_only = true,
      .order_by = "oldest",
      .parent = "support-tickets",
      .parent_field = "ticket_id",
      .example = R"({"body": "Customer is on the enterprise plan."})"});

  t.push_back(ResourceSpec{
      .route = "cms-entries",
      .id_prefix = "ent",
      .module = "cms",
      .scope = "cms",
      .singular = "cms_entry",
      .plural = "cms_entries",
      .title = "CMS entry",
      .description = "A piece of content in a collection.",
      .fields = {required_text("title", "Title."),
                 FieldSpec{.name = "collection",
                           .type = T::Pattern,
                           .description = "Collection (e.g. blog).",
                           .required = true,
                           .max_len = 64,
                           .charset = "a-z0-9-"},
                 FieldSpec{.name = "slug",
                           .type = T::Pattern,
                           .description = "URL slug, unique per collection (default: derived from the title).",
                           .max_len = 120,
                           .charset = "a-z0-9-",
                           .default_rule = "slug_from_title"},
                 enumeration("status", {"draft", "published", "archived"}, R"("draft")", "Publication state."),
                 FieldSpec{
                     .name = "body", .type = T::LongText, .description = "Content (≤ 256 KiB).", .max_len = 256 * 1024},
                 FieldSpec{.name = "fields",
                           .type = T::Object,
                           .description = "Structured content (≤ 64 KiB).",
                           .max_len = 64 * 1024},
                 read_only(of_type("published_at", T::Time, "When the entry was first published."))},
      .filters = {{"collection", "collection"}, {"status", "status"}, {"slug", "slug"}},
      .text_fields = {"title", "body"},
      .unique_key = {"collection", "slug"},
      .example = R"({"title": "Hello world", "collection": "blog", "body": "First post."})"});

  t.push_back(ResourceSpec{
      .route = "assets",
      .id_prefix = "asset",
      .module = "assets",
      .scope = "assets",
      .singular = "asset",
      .plural = "assets",
      .title = "Asset",
      .description = "A file: created with its size and type, then uploaded.",
      .fields = {required_text("name", "Display name."),
                 FieldSpec{.name = "asset_type",
                           .type = T::Enum,
                           .description = "Kind of file.",
                           .required = true,
                           .values = {"image", "video", "audio", "document", "other"}},
                 FieldSpec{.name = "file_name",
                           .type = T::Text,
                           .description = "File name.",
                           .required = true,
                           .create_only = true,
                           .max_len = 255},
                 FieldSpec{.name = "mime_type",
                           .type = T::Text,
                           .description = "MIME type of the bytes.",
                           .required = true,
                           .create_only = true,
                           .max_len = 255},
                 FieldSpec{.name = "byte_size",
                           .type = T::Integer,
                           .description = "Exact size of the upload in bytes.",
                           .required = true,
                           .create_only = true,
                           .min = 1},
                 read_only(enumeration("status", {"upload_pending", "available"}, "", "Upload state.")),
                 read_only(text("sha256", "SHA-256 of the bytes (hex), once uploaded.", 64)),
                 read_only(of_type("upload_url", T::Url, "Where to PUT the bytes (signed, 1 hour).")),
                 read_only(text("upload_method", "The upload's HTTP method (PUT).")),
                 read_only(of_type("upload_headers", T::Object, "Headers the upload must carry.")),
                 read_only(of_type("upload_expires_at", T::Time, "When upload_url stops working.")),
                 read_only(of_type("download_url", T::Url, "Where to GET the bytes (signed, 1 hour)."))},
      .filters = {{"asset_type", "asset_type"}, {"status", "status"}},
      .text_fields = {"name", "file_name"},
      .actions = {ActionSpec{.name = "complete",
                             .event = "asset.available",
                             .tool = "complete_asset",
                             .description = "Mark the upload finished once the bytes have arrived."}},
      .example =
          R"({"name": "Logo", "asset_type": "image", "file_name": "logo.png", "mime_type": "image/png", "byte_size": 2048})"});

  return t;
}

const std::vector<ResourceSpec>& table() {
  static const std::vector<ResourceSpec> t = build_table();
  return t;
}

constexpr std::array<std::string_view, 10> kRecordFields = {
    "id",      "workspace_id", "tenant_id",  "created_at",          "updated_at",
    "version", "source",       "created_by", "last_agent_actor_id", "custom_fields"};

// ISO 4217 active codes.
constexpr std::string_view kCurrencies[] = {
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF",
    "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC",
    "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
    "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD",
    "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL",
    "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
    "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL", "ZWG"};

}  // namespace

std::string_view field_type_name(FieldType t) {
  switch (t) {
    case T::Text:
      return "text";
    case T::LongText:
      return "long text";
    case T::Email:
      return "email";
    case T::Url:
      return "url";
    case T::Hostname:
      return "hostname";
    case T::Integer:
      return "integer";
    case T::Boolean:
      return "boolean";
    case T::Time:
      return "time";
    case T::Date:
      return "date";
    case T::Enum:
      return "enum";
    case T::Currency:
      return "currency";
    case T::Pattern:
      return "pattern";
    case T::Reference:
      return "reference";
    case T::Member:
      return "member";
    case T::Related:
      return "related";
    case T::Object:
      return "object";
  }
  return "text";
}

std::int64_t FieldSpec::effective_max_len() const {
  if (max_len > 0) return max_len;
  switch (type) {
    case T::LongText:
      return 10000;
    case T::Email:
      return 254;
    case T::Url:
      return 2048;
    case T::Hostname:
      return 253;
    case T::Object:
      return 64 * 1024;
    case T::Pattern:
      return 200;
    default:
      return 200;
  }
}

const FieldSpec* ResourceSpec::field(std::string_view name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

std::string ResourceSpec::table_name() const {
  std::string out;
  if (is_child()) {
    out = std::string(singular) + "s";
  } else {
    out = std::string(route);
  }
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

std::span<const ResourceSpec> resource_table() { return table(); }

const ResourceSpec* find_resource(std::string_view route) {
  for (const auto& r : table())
    if (!r.is_child() && r.route == route) return &r;
  return nullptr;
}

const ResourceSpec* find_child(std::string_view parent_route, std::string_view child_route) {
  for (const auto& r : table())
    if (r.parent == parent_route && r.route == child_route) return &r;
  return nullptr;
}

std::vector<const ResourceSpec*> children_of(std::string_view parent_route) {
  std::vector<const ResourceSpec*> out;
  for (const auto& r : table())
    if (r.parent == parent_route) out.push_back(&r);
  return out;
}

const ResourceSpec* find_resource_by_prefix(std::string_view id) {
  auto us = id.find('_');
  if (us == std::string_view::npos) return nullptr;
  auto prefix = id.substr(0, us);
  for (const auto& r : table())
    if (r.id_prefix == prefix) return &r;
  return nullptr;
}

std::span<const std::string_view> record_fields() { return kRecordFields; }

bool is_currency_code(std::string_view code) {
  return std::find(std::begin(kCurrencies), std::end(kCurrencies), code) != std::end(kCurrencies);
}

}  // namespace slab5::api
