#include "domain/assets.hpp"
#include "slab5/json_util.hpp"

#include <charconv>
#include <mutex>

#include "domain/kek.hpp"
#include "domain/records.hpp"
#include "domain/write.hpp"
#include "slab5/api/resources.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"
#include "store/meta_store.hpp"
#include "store/record_store.hpp"

namespace slab5d::assets {

using slab5::Json;

namespace {

const slab5::api::ResourceSpec& spec() { return *slab5::api::find_resource("assets"); }

slab5::Error not_found() { return slab5::Error{"resource_not_found", "No asset with that id in this workspace."}; }

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$&^_.+-").find(c) != std::string_view::npos;
}

// "type/subtype" of a media type, lower-cased, without parameters or surrounding spaces.
std::string essence(std::string_view media) {
  auto semi = media.find(';');
  if (semi != std::string_view::npos) media = media.substr(0, semi);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  return slab5::ascii_lower(media);
}

}  // namespace

slab5::Result<std::string> url_key(Conn& db, const std::string& kek) {
  static std::mutex mu;
  static std::string cached_path, cached_key;
  std::lock_guard lock(mu);
  if (cached_path == db.database_id() && !cached_key.empty()) return cached_key;
  MetaStore& meta = (db).meta();
  auto fresh = seal_with_kek(kek, "asset_url_key", "", slab5::random_bytes(32));
  auto sealed = meta.get_or_insert("asset_url_key", fresh);
  if (!sealed) return tl::unexpected(sealed.error());
  auto key = open_with_kek(kek, "asset_url_key", "", *sealed);
  if (!key) return slab5::fail("internal_error", "The asset URL key cannot be opened with this server's KEK.");
  cached_path = db.database_id();
  return cached_key = *key;
}

std::string url_signature(const std::string& key, std::string_view method, std::string_view workspace_id,
                          std::string_view asset_id, std::int64_t expires) {
  std::string msg;
  msg.append(method).append("\n").append(workspace_id).append("\n").append(asset_id).append("\n");
  msg += std::to_string(expires);
  return slab5::hex_encode(slab5::hmac_sha256(key, msg));
}

slab5::Status check_url(const std::string& key, std::string_view method, std::string_view workspace_id,
                        std::string_view asset_id, std::string_view expires, std::string_view signature,
                        std::int64_t now_seconds) {
  auto refuse = [] {
    return slab5::fail("unauthorized",
                       "The URL's signature is missing or not valid for this asset; ask for a new URL.");
  };
  std::int64_t exp = 0;
  auto [p, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), exp);
  if (expires.empty() || ec != std::errc() || p != expires.data() + expires.size() || signature.size() != 64 ||
      !slab5::is_id(workspace_id, "wrk"))
    return refuse();
  // The signature first: an expiry nobody signed is not reported as expired.
  if (!slab5::constant_time_equal(signature, url_signature(key, method, workspace_id, asset_id, exp))) return refuse();
  if (exp < now_seconds)
    return slab5::fail("forbidden", "The URL expired at " + slab5::format_rfc3339(exp * 1000) +
                                        "; read the asset again for a new one.");
  return {};
}

void check_create(const Json& input, std::uint64_t max_bytes, std::vector<slab5::FieldError>& errors) {
  if (auto it = input.find("byte_size"); it != input.end() && it->is_number_integer()) {
    if (it->get<std::int64_t>() > 0 && std::uint64_t(it->get<std::int64_t>()) > max_bytes)
      errors.push_back({"byte_size", "must be at most " + std::to_string(max_bytes) + " bytes on this server"});
  }
  if (auto it = input.find("mime_type"); it != input.end() && it->is_string()) {
    const auto& m = it->get_ref<const std::string&>();
    auto slash = m.find('/');
    auto semi = m.find(';');
    std::string_view type = std::string_view(m).substr(0, slash);
    std::string_view sub =
        slash == std::string::npos
            ? std::string_view()
            : std::string_view(m).substr(slash + 1, semi == std::string::npos ? std::string::npos : semi - slash - 1);
    bool ok = slash != std::string::npos && !type.empty() && !sub.empty();
    for (char c : type) ok = ok && token_char(c);
    for (char c : sub) ok = ok && token_char(c);
    for (char c : m) ok = ok && (unsigned char)c >= 0x20 && c != 0x7f;
    if (!ok) errors.push_back({"mime_type", "must be a media type such as image/png"});
  }
}

bool same_media_type(std::string_view content_type, std::string_view mime_type) {
  auto a = essence(content_type);
  return !a.empty() && a == essence(mime_type);
}

slab5::Result<Json> find(Conn& db, const std::string& workspace_id, const std::string& asset_id) {
  if (!slab5::is_id(asset_id, "asset")) return tl::unexpected(not_found());
  RecordStore& store = (db).records();
  auto got = store.get(spec(), workspace_id, asset_id);
  if (!got) return tl::unexpected(got.error());
  if (!got->has_value()) return tl::unexpected(not_found());
  return **got;
}

slab5::Status accepts_bytes(const Json& asset) {
  if (slab5::string_or(asset, "status") == "available" || asset.value("sha256", Json()).is_string())
    return slab5::fail("conflict", "The asset's bytes have already been uploaded; create a new asset for new bytes.");
  return {};
}

slab5::Result<Json> accept_upload(Conn& db, const AssetFiles& files, const RequestMeta& meta,
                                  const std::string& workspace_id, const std::string& asset_id,
                                  std::string_view content_type, AssetUpload& upload) {
  Actor system;
  system.workspace_id = workspace_id;
  system.source = "api";
  // Read inside the unit: of two uploads racing for one asset, the second sees the first.
  WriteUnit unit(db, system, meta);
  auto before = find(db, workspace_id, asset_id);
  if (!before) return tl::unexpected(before.error());
  if (auto st = accepts_bytes(*before); !st) return tl::unexpected(st.error());
  std::string mime = slab5::string_or(*before, "mime_type");
  if (!same_media_type(content_type, mime))
    return tl::unexpected(slab5::validation_error("mime_type", "the upload's Content-Type must be " + mime));
  auto expected = std::uint64_t((*before)["byte_size"].get<std::int64_t>());
  if (upload.size() != expected)
    return tl::unexpected(slab5::validation_error("byte_size", "the upload carried " + std::to_string(upload.size()) +
                                                                   " bytes, not " + std::to_string(expected)));
  if (auto st = upload.finish(); !st) return tl::unexpected(st.error());
  Json after = *before;
  after["sha256"] = upload.sha256();
  after["version"] = (*before)["version"].get<std::int64_t>() + 1;
  after["updated_at"] = slab5::format_rfc3339(slab5::now_millis());
  RecordStore& store = (db).records();
  if (auto st = store.update(spec(), after, (*before)["version"].get<std::int64_t>()); !st)
    return tl::unexpected(st.error());
  system.tenant_id = slab5::string_or(*before, "tenant_id");
  unit.record({.action = "asset.uploaded",
               .target_type = "asset",
               .target_id = asset_id,
               .before = *before,
               .after = after,
               .emit_event = false,
               .actor = system});
  if (auto st = files.keep(upload, asset_id); !st) return tl::unexpected(st.error());
  if (auto st = unit.commit(); !st) {
    (void)files.remove(asset_id);
    return tl::unexpected(st.error());
  }
  return after;
}

slab5::Result<Json> completed(const Json& before) {
  if (slab5::string_or(before, "status") == "available")
    return slab5::fail("conflict", "The asset is already available.");
  if (!before.value("sha256", Json()).is_string())
    return slab5::fail("conflict", "The asset's bytes have not arrived yet: PUT them to upload_url first.");
  Json after = before;
  after["status"] = "available";
  return after;
}

}  // namespace slab5d::assets
