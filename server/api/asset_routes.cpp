// The asset byte routes (api.md §8.2): PUT /v1/assets/{id}/upload and GET
// /v1/assets/{id}/download. Neither takes a bearer token: the URL's signature (made when the
// asset is read, domain/assets.cpp) is the credential, and it names one method, workspace
// and asset until it expires.
#include "api/asset_web.hpp"
#include "slab5/json_util.hpp"

#include <algorithm>
#include <charconv>

#include "domain/assets.hpp"
#include "domain/kek.hpp"
#include "domain/workspaces.hpp"
#include "logger.hpp"
#include "slab5/crypto.hpp"
#include "slab5/ids.hpp"
#include "slab5/routes.hpp"
#include "slab5/time.hpp"

namespace slab5d {

using slab5::Json;
using slab5::Result;

namespace {

std::int64_t now_seconds() { return slab5::now_millis() / 1000; }

Result<std::string> key_of(App& app, Conn& db) { return assets::url_key(db, key_encryption_key(app.kek_file())); }

std::string query_value(std::string_view query, std::string_view name) {
  std::size_t i = 0;
  while (i <= query.size()) {
    auto amp = query.find('&', i);
    if (amp == std::string_view::npos) amp = query.size();
    auto pair = query.substr(i, amp - i);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
    i = amp + 1;
  }
  return {};
}

// The signed URL's checks, from the path and query string as received.
slab5::Status check_signed(App& app, Conn& db, std::string_view method, const std::string& asset_id,
                           std::string_view query) {
  auto key = key_of(app, db);
  if (!key) return tl::unexpected(key.error());
  std::string workspace(query_value(query, "workspace"));
  if (auto st = assets::check_url(*key, method, workspace, asset_id, query_value(query, "expires"),
                                  query_value(query, "signature"), now_seconds());
      !st)
    return st;
  // A signed URL outlives nothing the workspace decides: with the assets module disabled
  // since it was issued, it is refused like every other assets route (api.md §1, step 3).
  auto ws = find_workspace(db, workspace);
  if (!ws) return slab5::fail("resource_not_found", "No asset with that id in this workspace.");
  if (std::find(ws->enabled_modules.begin(), ws->enabled_modules.end(), "assets") == ws->enabled_modules.end())
    return slab5::fail("module_not_enabled", "The assets module is not enabled in this workspace.",
                       {{"module", "assets"}});
  return {};
}

// An upload's bytes on their way to disk, refused as soon as there are more than the asset
// announced.
class UploadSink final : public BodySink {
 public:
  UploadSink(std::unique_ptr<AssetUpload> upload, std::uint64_t expected)
      : upload(std::move(upload)), expected_(expected) {}
  slab5::Status write(std::string_view bytes) override {
    if (upload->size() + bytes.size() > expected_)
      return tl::unexpected(slab5::validation_error(
          "byte_size", "the upload carries more than the asset's byte_size (" + std::to_string(expected_) + ") bytes"));
    return upload->write(bytes);
  }
  slab5::Status finish() override { return upload->finish(); }
  std::unique_ptr<AssetUpload> upload;

 private:
  std::uint64_t expected_;
};

// What the head of an upload must satisfy before its body is read; the asset when it does.
Result<Json> check_upload_head(App& app, Conn& db, const std::string& asset_id, const Request& head) {
  if (auto st = check_signed(app, db, "PUT", asset_id, head.query); !st) return tl::unexpected(st.error());
  auto asset = assets::find(db, query_value(head.query, "workspace"), asset_id);
  if (!asset) return tl::unexpected(asset.error());
  if (auto st = assets::accepts_bytes(*asset); !st) return tl::unexpected(st.error());
  std::string mime = slab5::string_or(*asset, "mime_type");
  if (!assets::same_media_type(head.header("content-type"), mime))
    return tl::unexpected(slab5::validation_error("mime_type", "the upload's Content-Type must be " + mime));
  auto length = head.header("content-length");
  if (!length.empty()) {
    auto expected = std::to_string((*asset)["byte_size"].get<std::int64_t>());
    if (length != expected)
      return tl::unexpected(slab5::validation_error(
          "byte_size",
          "the upload's Content-Length is " + std::string(length) + ", the asset's byte_size " + expected));
  }
  return asset;
}

// Range: bytes=a-b | bytes=a- | bytes=-n, one range. nullopt: no usable Range header (serve
// it all); {0, 0, false}: not satisfiable.
struct ByteRange {
  std::uint64_t first = 0, last = 0;
  bool satisfiable = true;
};
std::optional<ByteRange> parse_range(std::string_view h, std::uint64_t size) {
  if (h.substr(0, 6) != "bytes=") return std::nullopt;
  h.remove_prefix(6);
  if (h.find(',') != std::string_view::npos) return std::nullopt;  // several ranges: the whole
  auto dash = h.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto num = [](std::string_view s, std::uint64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
  };
  std::uint64_t a = 0, b = 0;
  auto left = h.substr(0, dash), right = h.substr(dash + 1);
  if (left.empty()) {  // the last n bytes
    if (!num(right, b)) return std::nullopt;
    if (b == 0) return ByteRange{0, 0, false};
    return ByteRange{b >= size ? 0 : size - b, size - 1};
  }
  if (!num(left, a)) return std::nullopt;
  if (right.empty()) {
    b = size - 1;
  } else {
    if (!num(right, b) || b < a) return std::nullopt;
    if (b >= size) b = size - 1;
  }
  if (a >= size) return ByteRange{0, 0, false};
  return ByteRange{a, b};
}

// The client's file name as a header parameter: only characters that cannot end or break
// the header; the rest become '_'.
std::string safe_file_name(const std::string& full) {
  auto slash = full.find_last_of("/\\");
  std::string name = slash == std::string::npos ? full : full.substr(slash + 1);
  std::string out;
  for (char c : name)
    out += ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
            c == '_' || c == ' ')
               ? c
               : '_';
  if (out.find_first_not_of('.') == std::string::npos) return "asset";  // "", ".", ".."
  return out;
}

Result<Reply> upload(Ctx& ctx) {
  const std::string& id = ctx.param("id");
  if (auto st = check_signed(ctx.app, ctx.db, "PUT", id, ctx.req.query); !st) return tl::unexpected(st.error());
  AssetFiles files(ctx.app.assets_dir());
  std::unique_ptr<AssetUpload> local;
  AssetUpload* bytes = nullptr;
  if (auto* sink = dynamic_cast<UploadSink*>(ctx.req.body_sink.get())) {
    bytes = sink->upload.get();
  } else {
    // Reached without the body router (an in-process caller): the body is in memory.
    if (!slab5::is_id(id, "asset"))
      return tl::unexpected(slab5::Error{"resource_not_found", "No asset with that id in this workspace."});
    auto made = files.begin(id);
    if (!made) return tl::unexpected(made.error());
    local = std::move(*made);
    if (auto st = local->write(ctx.req.body); !st) return tl::unexpected(st.error());
    bytes = local.get();
  }
  auto asset = assets::accept_upload(ctx.db, files, ctx.meta(), query_value(ctx.req.query, "workspace"), id,
                                     ctx.req.header("content-type"), *bytes);
  if (!asset) return tl::unexpected(asset.error());
  Json out = std::move(*asset);
  if (auto st = present_asset(ctx, out); !st) return tl::unexpected(st.error());
  return Reply::ok(std::move(out));
}

Result<Reply> download(Ctx& ctx) {
  const std::string& id = ctx.param("id");
  if (auto st = check_signed(ctx.app, ctx.db, "GET", id, ctx.req.query); !st) return tl::unexpected(st.error());
  auto asset = assets::find(ctx.db, query_value(ctx.req.query, "workspace"), id);
  if (!asset) return tl::unexpected(asset.error());
  if (slab5::string_or(*asset, "status") != "available")
    return slab5::fail("conflict", "The asset is not available yet: upload its bytes and complete it first.");
  AssetFiles files(ctx.app.assets_dir());
  auto size = files.size_of(id);
  if (!size || *size != std::uint64_t((*asset)["byte_size"].get<std::int64_t>())) {
    logger().log(LogLevel::Error, "asset bytes missing or changed on disk", {{"asset_id", id}});
    return slab5::fail("internal_error", "The asset's bytes are missing on the server.");
  }
  std::string etag = "\"" + slab5::string_or(*asset, "sha256") + "\"";
  Reply r;
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Accept-Ranges", "bytes");
  r.headers.emplace_back("Cache-Control", "private, max-age=3600");
  auto inm = ctx.req.header("if-none-match");
  if (!inm.empty() && (inm == "*" || inm.find(etag) != std::string_view::npos)) {
    r.status = 304;
    r.no_body = true;
    return r;
  }
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"" + safe_file_name(slab5::string_or(*asset, "file_name")) + "\"");
  r.content_type = slab5::string_or(*asset, "mime_type", "application/octet-stream");
  std::optional<ByteRange> range;
  auto if_range = ctx.req.header("if-range");
  if (ctx.req.has_header("range") && (if_range.empty() || if_range == etag))
    range = parse_range(ctx.req.header("range"), *size);
  if (range && !range->satisfiable) {
    ctx.response_headers.emplace_back("Content-Range", "bytes */" + std::to_string(*size));
    return slab5::fail("range_not_satisfiable",
                       "The asset has " + std::to_string(*size) + " bytes; the Range asks for none of them.");
  }
  std::string path = files.path_of(id);
  if (range) {
    r.status = 206;
    r.headers.emplace_back("Content-Range", "bytes " + std::to_string(range->first) + "-" +
                                                std::to_string(range->last) + "/" + std::to_string(*size));
    r.file = FileSlice{path, range->first, range->last - range->first + 1};
  } else {
    r.file = FileSlice{path, 0, *size};
  }
  return r;
}

}  // namespace

slab5::Status present_asset(Ctx& ctx, Json& asset) {
  auto key = key_of(ctx.app, ctx.db);
  if (!key) return tl::unexpected(key.error());
  std::int64_t expires = now_seconds() + assets::kUrlLifetimeSeconds;
  std::string ws = slab5::string_or(asset, "workspace_id"), id = slab5::string_or(asset, "id");
  auto url = [&](std::string_view method, std::string_view what) {
    return ctx.app.base_url() + "/v1/assets/" + id + "/" + std::string(what) + "?workspace=" + ws +
           "&expires=" + std::to_string(expires) + "&signature=" + assets::url_signature(*key, method, ws, id, expires);
  };
  bool pending = !asset.value("sha256", Json()).is_string() && slab5::string_or(asset, "status") != "available";
  asset["upload_url"] = pending ? Json(url("PUT", "upload")) : Json(nullptr);
  asset["upload_method"] = pending ? Json("PUT") : Json(nullptr);
  asset["upload_headers"] = pending ? Json{{"Content-Type", slab5::string_or(asset, "mime_type")}} : Json(nullptr);
  asset["upload_expires_at"] = pending ? Json(slab5::format_rfc3339(expires * 1000)) : Json(nullptr);
  asset["download_url"] =
      slab5::string_or(asset, "status") == "available" ? Json(url("GET", "download")) : Json(nullptr);
  return {};
}

BodyRouter asset_body_router(App& app) {
  return [&app](const Request& head) -> Result<BodyStream> {
    if (head.method != "PUT") return BodyStream{};
    auto seg = slab5::split_path(head.path);
    if (seg.size() != 4 || seg[0] != "v1" || seg[1] != "assets" || seg[3] != "upload") return BodyStream{};
    std::string id(seg[2]);
    try {
      Conn& db = app.db();
      auto asset = check_upload_head(app, db, id, head);
      if (!asset) return tl::unexpected(asset.error());
      AssetFiles files(app.assets_dir());
      auto upload = files.begin(id);
      if (!upload) return tl::unexpected(upload.error());
      auto expected = std::uint64_t((*asset)["byte_size"].get<std::int64_t>());
      return BodyStream{std::make_shared<UploadSink>(std::move(*upload), expected), app.config().max_asset_bytes};
    } catch (const std::exception& e) {
      logger().log(LogLevel::Error, "asset upload could not start", {{"error", e.what()}});
      return slab5::fail("service_unavailable", "The upload cannot start now; try again.");
    }
  };
}

void register_asset_routes(App& app) {
  app.router().bind("assets.upload", upload);
  app.router().bind("assets.download", download);
}

}  // namespace slab5d
