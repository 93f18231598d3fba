// The asset upload protocol (api.md §8.2): what the resource table cannot say about assets.
// Signed upload and download URLs (HMAC-SHA256 under a key kept sealed in the database's
// meta table, bound to the method, workspace, asset and expiry), the size and type limits of
// a create, taking uploaded bytes, completing an upload and removing the bytes with the
// asset. No HTTP here: the web layer (api/asset_routes.cpp) reads headers and query strings.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/actor.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/asset_files.hpp"
#include "store/conn.hpp"

namespace slab5d::assets {

inline constexpr std::int64_t kUrlLifetimeSeconds = 3600;
inline constexpr std::uint64_t kDefaultMaxBytes = 100ull * 1024 * 1024;

// The URL signing key of this database: 32 random bytes made on first use, kept in `meta`
// sealed under the KEK (never in clear), cached per database path.
slab5::Result<std::string> url_key(Conn& db, const std::string& kek);

// hex(HMAC-SHA256(key, method \n workspace \n asset \n expires)).
std::string url_signature(const std::string& key, std::string_view method, std::string_view workspace_id,
                          std::string_view asset_id, std::int64_t expires);

// A signed URL's parameters as received. `unauthorized` when the signature is missing or does
// not verify for this method, workspace and asset (constant-time compare), `forbidden` once
// it has expired.
slab5::Status check_url(const std::string& key, std::string_view method, std::string_view workspace_id,
                        std::string_view asset_id, std::string_view expires, std::string_view signature,
                        std::int64_t now_seconds);

// What a create must satisfy beyond the field table: byte_size ≤ max_bytes, mime_type a
// media type (type/subtype, no control characters). Bad fields are added to `errors`.
void check_create(const slab5::Json& input, std::uint64_t max_bytes, std::vector<slab5::FieldError>& errors);

// Whether a Content-Type names the asset's media type (type/subtype compared without case;
// parameters such as charset are not compared).
bool same_media_type(std::string_view content_type, std::string_view mime_type);

// The asset of `workspace_id` named `asset_id` (a signed URL carries both).
slab5::Result<slab5::Json> find(Conn& db, const std::string& workspace_id, const std::string& asset_id);

// Whether bytes may still be PUT to `asset`: `conflict` once they have arrived.
slab5::Status accepts_bytes(const slab5::Json& asset);

// Takes a finished upload as the asset's bytes: `conflict` when bytes already arrived,
// `validation_failed` when the type or size differ from the asset's (nothing is kept);
// else records its SHA-256 (audit `asset.uploaded`, no event) and moves the file into place.
slab5::Result<slab5::Json> accept_upload(Conn& db, const AssetFiles& files, const RequestMeta& meta,
                                         const std::string& workspace_id, const std::string& asset_id,
                                         std::string_view content_type, AssetUpload& upload);

// complete (api.md §8.2): the asset as it is after the upload is completed, or `conflict`
// before the bytes arrived (or when it is already available).
slab5::Result<slab5::Json> completed(const slab5::Json& before);

}  // namespace slab5d::assets
