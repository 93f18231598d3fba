// domain/assets.cpp: the signed URLs of the asset protocol (api.md §8.2), their key, and the
// media-type and create rules; store/asset_files.cpp: uploads that leave nothing when refused.
#include <doctest/doctest.h>

#include <filesystem>

#include "domain/assets.hpp"
#include "slab5/crypto.hpp"
#include "slab5/ids.hpp"
#include "store/sqlite/meta_store.hpp"
#include "temp_db.hpp"

using namespace slab5d;
using slab5d::testing::ScratchDir;
using slab5d::testing::TempDb;

namespace {
const std::string kKey(32, 'k');
const std::string kWs = slab5::new_id("wrk");
const std::string kAsset = slab5::new_id("asset");
constexpr std::int64_t kNow = 1'800'000'000;

slab5::Status check(std::string_view method, const std::string& ws, const std::string& asset, std::int64_t expires,
                    const std::string& signature, std::int64_t now = kNow) {
  return assets::check_url(kKey, method, ws, asset, std::to_string(expires), signature, now);
}
}  // namespace

TEST_CASE("a signed URL verifies for its method, workspace and asset until it expires") {
  auto sig = assets::url_signature(kKey, "PUT", kWs, kAsset, kNow + 3600);
  CHECK(sig.size() == 64);
  CHECK(check("PUT", kWs, kAsset, kNow + 3600, sig));
  CHECK(check("PUT", kWs, kAsset, kNow + 3600, sig, kNow + 3600));
}

TEST_CASE("an expired signed URL is 403 forbidden") {
  auto sig = assets::url_signature(kKey, "PUT", kWs, kAsset, kNow - 1);
  auto r = check("PUT", kWs, kAsset, kNow - 1, sig);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "forbidden");
}

TEST_CASE("a signature is not replayable across assets, workspaces, methods or expiries, nor under another key") {
  auto sig = assets::url_signature(kKey, "PUT", kWs, kAsset, kNow + 60);
  auto refused = [](const slab5::Status& st) { return !st && st.error().code == "unauthorized"; };
  CHECK(refused(check("PUT", kWs, slab5::new_id("asset"), kNow + 60, sig)));
  CHECK(refused(check("PUT", slab5::new_id("wrk"), kAsset, kNow + 60, sig)));
  CHECK(refused(check("GET", kWs, kAsset, kNow + 60, sig)));
  CHECK(refused(check("PUT", kWs, kAsset, kNow + 61, sig)));
  CHECK(refused(assets::check_url(std::string(32, 'x'), "PUT", kWs, kAsset, std::to_string(kNow + 60), sig, kNow)));
  CHECK(refused(check("PUT", kWs, kAsset, kNow + 60, "")));
  CHECK(refused(assets::check_url(kKey, "PUT", kWs, kAsset, "", sig, kNow)));
  CHECK(refused(assets::check_url(kKey, "PUT", kWs, kAsset, "12x", sig, kNow)));
  // An expired URL whose signature is also wrong says unauthorized, not expired.
  CHECK(refused(check("PUT", kWs, kAsset, kNow - 10, std::string(64, 'a'))));
}

TEST_CASE("the URL key is made once per database and kept sealed, never in clear") {
  TempDb t;
  std::string kek(32, 'e');
  auto k1 = assets::url_key(*t.db, kek);
  REQUIRE(k1);
  CHECK(k1->size() == 32);
  auto k2 = assets::url_key(*t.db, kek);
  REQUIRE(k2);
  CHECK(*k1 == *k2);
  SqliteMetaStore meta(*t.db);
  auto stored = meta.get("asset_url_key");
  REQUIRE(stored);
  REQUIRE(stored->has_value());
  CHECK(stored->value().find(*k1) == std::string::npos);
  CHECK(stored->value().rfind("v1:", 0) == 0);
}

TEST_CASE("Content-Type matches mime_type by type/subtype, without case or parameters") {
  CHECK(assets::same_media_type("text/plain", "text/plain"));
  CHECK(assets::same_media_type("Text/Plain; charset=utf-8", "text/plain"));
  CHECK_FALSE(assets::same_media_type("text/html", "text/plain"));
  CHECK_FALSE(assets::same_media_type("", "text/plain"));
}

TEST_CASE("a create over the size limit or with a malformed mime_type is refused on those fields") {
  auto errors_of = [](const slab5::Json& input) {
    std::vector<slab5::FieldError> errors;
    assets::check_create(input, 100, errors);
    return errors;
  };
  CHECK(errors_of({{"byte_size", 100}, {"mime_type", "image/png"}}).empty());
  auto big = errors_of({{"byte_size", 101}, {"mime_type", "image/png"}});
  REQUIRE(big.size() == 1);
  CHECK(big[0].field == "byte_size");
  for (const char* bad : {"png", "image/", "/png", "image/png\r\nX: 1", "ima ge/png"}) {
    CAPTURE(bad);
    auto e = errors_of({{"byte_size", 1}, {"mime_type", bad}});
    REQUIRE(e.size() == 1);
    CHECK(e[0].field == "mime_type");
  }
  CHECK(errors_of({{"byte_size", 101}, {"mime_type", "png"}}).size() == 2);  // both, at once
}

TEST_CASE("an upload hashes what it writes; one dropped before keep() leaves no file") {
  ScratchDir dir;
  AssetFiles files(dir.path + "/assets");
  {
    auto up = files.begin(kAsset);
    REQUIRE(up);
    REQUIRE((*up)->write("hello "));
    REQUIRE((*up)->write("world"));
    REQUIRE((*up)->finish());
    CHECK((*up)->sha256() == slab5::sha256_hex("hello world"));
    CHECK((*up)->size() == 11);
  }
  CHECK(std::filesystem::is_empty(files.dir()));
  auto up = files.begin(kAsset);
  REQUIRE(up);
  REQUIRE((*up)->write("abc"));
  REQUIRE((*up)->finish());
  REQUIRE(files.keep(**up, kAsset));
  up->reset();
  CHECK(files.size_of(kAsset) == 3u);
  REQUIRE(files.remove(kAsset));
  CHECK_FALSE(files.size_of(kAsset));
  CHECK(files.remove(kAsset));  // removing what is gone is no error
}
