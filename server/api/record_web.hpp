// The web side of the record rules (api.md §8.1), shared by the REST routes of every resource
// (resource_routes.cpp) and the MCP tools (server/mcp/): a list's parameters read into a typed
// query, cursors, an asset's signed URLs and its bytes. Each function calls the one rule of
// domain/records; the REST handler and the MCP tool differ only in how input arrives and how
// the answer is sent.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app.hpp"
#include "domain/records.hpp"
#include "slab5/api/resources.hpp"

namespace slab5d {

using ParamPairs = std::vector<std::pair<std::string, std::string>>;

struct RecordList {
  std::vector<slab5::Json> records;
  std::optional<std::string> next_cursor;
};

// A list with its parameters as strings (limit, cursor, the resource's filters, query, sort,
// created_after …); `scope` names what cursors are bound to ("GET /v1/contacts").
slab5::Result<RecordList> list_records(Ctx& ctx, const slab5::api::ResourceSpec& spec, const std::string& parent_id,
                                       ParamPairs params, const std::string& scope);
slab5::Result<slab5::Json> create_record(Ctx& ctx, const slab5::api::ResourceSpec& spec, const slab5::Json& input,
                                         const std::string& parent_id = {}, RecordWrite opts = {},
                                         std::optional<std::string>* text = nullptr);
// A create's prepare step (router.hpp): its input validated and its record built, in
// ctx.prepared, before the call waits for the writer thread.
void prepare_create(Ctx& ctx, const slab5::api::ResourceSpec& spec);
slab5::Result<slab5::Json> read_record(Ctx& ctx, const slab5::api::ResourceSpec& spec, const std::string& id);
// A record as the JSON text a read sends, with its ETag: from this thread's read cache when it
// holds it (any commit empties the cache before the next request), read and kept otherwise.
// Assets and child records are not kept (an asset's signed URLs are made per read).
// `derive`, when given, makes a second text from the record's (the MCP gateway's tool result):
// it is kept beside the record's text in the cache and returned in `derived`, so a cached read
// does not rebuild it.
struct RecordText {
  std::string etag;
  std::string text;
  std::string derived;
};
using DeriveText = std::string (*)(const std::string& record_text);
slab5::Result<RecordText> record_text(Ctx& ctx, const slab5::api::ResourceSpec& spec, const std::string& id,
                                      DeriveText derive = nullptr);
slab5::Result<slab5::Json> update_record(Ctx& ctx, const slab5::api::ResourceSpec& spec, const std::string& id,
                                         const slab5::Json& patch, std::optional<std::int64_t> if_match,
                                         RecordWrite opts = {});
slab5::Status delete_record(Ctx& ctx, const slab5::api::ResourceSpec& spec, const std::string& id,
                            RecordWrite opts = {});
slab5::Result<slab5::Json> act_on_record(Ctx& ctx, const slab5::api::ResourceSpec& spec,
                                         const slab5::api::ActionSpec& action, const std::string& id,
                                         const slab5::Json& input, RecordWrite opts = {});

}  // namespace slab5d
