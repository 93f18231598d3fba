// Assets (api.md §8.2): the signed upload and download URLs of a real slab5d, its refusals,
// Range and ETag, the bytes on disk, memory during a large upload, and `slab5 assets
// upload|download` end to end.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "checks.hpp"
#include "harness.hpp"
#include "slab5/crypto.hpp"

using namespace testing;

namespace {

Json make_asset(const Server& s, std::int64_t size, const std::string& mime = "application/octet-stream",
                const std::string& file_name = "blob.bin") {
  auto r = api(
      "POST", s.api_url + "/assets", s.token,
      {{"name", "Blob"}, {"asset_type", "other"}, {"file_name", file_name}, {"mime_type", mime}, {"byte_size", size}});
  INFO(r.body);
  REQUIRE(r.status == 201);
  return r.json["data"];
}

std::string random_bytes(std::size_t n, unsigned seed = 7) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = char(rng() & 0xff);
  return out;
}

Response put(const Json& asset, const std::string& body, const std::string& content_type) {
  return http("PUT", asset["upload_url"].get<std::string>(), body, {{"Content-Type", content_type}});
}

// The asset after PUT and complete.
Json upload_and_complete(const Server& s, const std::string& bytes, const std::string& mime = "text/plain") {
  auto a = make_asset(s, std::int64_t(bytes.size()), mime);
  auto p = put(a, bytes, mime);
  INFO(p.body);
  REQUIRE(p.status == 200);
  auto c = api("POST", s.api_url + "/assets/" + a["id"].get<std::string>() + "/complete", s.token, Json::object());
  INFO(c.body);
  REQUIRE(c.status == 200);
  return c.json["data"];
}

std::string assets_dir(const Server& s) { return s.assets_dir; }

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// Files in the assets directory (uploads in progress included).
int files_in(const std::string& dir) {
  auto r = run_program("/bin/sh", {"-c", "ls -A '" + dir + "' 2>/dev/null | wc -l"}, {});
  return std::stoi(r.out);
}

long vm_hwm_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::string replace_param(std::string url, const std::string& name, const std::string& value) {
  auto at = url.find(name + "=");
  REQUIRE(at != std::string::npos);
  auto end = url.find('&', at);
  return url.replace(at, (end == std::string::npos ? url.size() : end) - at, name + "=" + value);
}

}  // namespace

TEST_CASE("create answers a signed PUT URL valid for one hour, and no download URL yet") {
  Server s;
  auto a = make_asset(s, 10);
  CHECK(a["status"] == "upload_pending");
  CHECK(a["upload_method"] == "PUT");
  CHECK(a["upload_headers"]["Content-Type"] == "application/octet-stream");
  std::string url = a["upload_url"];
  CHECK(url.rfind(s.api_url + "/assets/" + a["id"].get<std::string>() + "/upload?", 0) == 0);
  CHECK(url.find("signature=") != std::string::npos);
  CHECK(a["upload_expires_at"].is_string());
  CHECK(a["download_url"].is_null());
  CHECK(a["sha256"].is_null());
}

TEST_CASE("a byte_size over --max-asset-bytes, zero, or a mime_type that is no media type is refused") {
  Server s({.args = {"--max-asset-bytes", "1000"}});
  auto big = api(
      "POST", s.api_url + "/assets", s.token,
      {{"name", "B"}, {"asset_type", "other"}, {"file_name", "b"}, {"mime_type", "text/plain"}, {"byte_size", 1001}});
  check_error(big, 422, "validation_failed");
  CHECK(big.body.find("byte_size") != std::string::npos);
  auto zero =
      api("POST", s.api_url + "/assets", s.token,
          {{"name", "B"}, {"asset_type", "other"}, {"file_name", "b"}, {"mime_type", "text/plain"}, {"byte_size", 0}});
  check_error(zero, 422, "validation_failed");
  auto mime = api(
      "POST", s.api_url + "/assets", s.token,
      {{"name", "B"}, {"asset_type", "other"}, {"file_name", "b"}, {"mime_type", "text\r\nX: y"}, {"byte_size", 10}});
  check_error(mime, 422, "validation_failed");
  CHECK(mime.body.find("mime_type") != std::string::npos);
}

TEST_CASE("PUT, complete and download: the bytes come back identical with type, length and ETag") {
  Server s;
  std::string bytes = random_bytes(300 * 1024);
  auto a = make_asset(s, std::int64_t(bytes.size()), "image/png", "../../etc/passwd");
  auto p = put(a, bytes, "image/png");
  INFO(p.body);
  REQUIRE(p.status == 200);
  CHECK(p.json["data"]["sha256"] == slab5::sha256_hex(bytes));
  CHECK(p.json["data"]["status"] == "upload_pending");
  auto c = api("POST", s.api_url + "/assets/" + a["id"].get<std::string>() + "/complete", s.token, Json::object());
  REQUIRE(c.status == 200);
  CHECK(c.json["data"]["status"] == "available");
  CHECK(c.json["data"]["upload_url"].is_null());
  REQUIRE(c.json["data"]["download_url"].is_string());
  // The file is named by the id, never by the client's file_name.
  CHECK(exists(assets_dir(s) + "/" + a["id"].get<std::string>()));
  auto d = http("GET", c.json["data"]["download_url"].get<std::string>());
  REQUIRE(d.status == 200);
  CHECK(d.body == bytes);
  CHECK(d.header("content-type") == "image/png");
  CHECK(d.header("content-length") == std::to_string(bytes.size()));
  CHECK(d.header("etag") == "\"" + slab5::sha256_hex(bytes) + "\"");
  CHECK(d.header("content-disposition") == "attachment; filename=\"passwd\"");
}

TEST_CASE("an upload of the wrong size or type is 422 and keeps nothing") {
  Server s;
  auto a = make_asset(s, 100, "text/plain");
  check_error(put(a, std::string(99, 'x'), "text/plain"), 422, "validation_failed");
  check_error(put(a, std::string(101, 'x'), "text/plain"), 422, "validation_failed");
  check_error(put(a, std::string(100, 'x'), "image/png"), 422, "validation_failed");
  // More bytes than announced, without Content-Length: cut off as soon as they exceed it.
  auto chunked = http("PUT", a["upload_url"].get<std::string>(), std::string(5000, 'x'),
                      {{"Content-Type", "text/plain"}, {"Transfer-Encoding", "chunked"}});
  check_error(chunked, 422, "validation_failed");
  CHECK(files_in(assets_dir(s)) == 0);
  auto got = api("GET", s.api_url + "/assets/" + a["id"].get<std::string>(), s.token);
  CHECK(got.json["data"]["sha256"].is_null());
  // After all that, the right bytes are still taken.
  auto ok = put(a, std::string(100, 'x'), "text/plain; charset=utf-8");
  INFO(ok.body);
  CHECK(ok.status == 200);
}

TEST_CASE("a bad, tampered, cross-asset or wrong-method signature is 401; no bearer is needed") {
  Server s;
  auto a = make_asset(s, 4, "text/plain");
  auto b = make_asset(s, 4, "text/plain");
  std::string url = a["upload_url"];
  auto bad =
      http("PUT", replace_param(url, "signature", std::string(64, '0')), "abcd", {{"Content-Type", "text/plain"}});
  check_error(bad, 401, "unauthorized");
  // The expiry is signed: pushing it later breaks the signature.
  std::string later = std::to_string(std::stoll(url.substr(url.find("expires=") + 8, 10)) + 100000);
  check_error(http("PUT", replace_param(url, "expires", later), "abcd", {{"Content-Type", "text/plain"}}), 401,
              "unauthorized");
  // a's signature on b's path
  std::string other = url;
  other.replace(other.find(a["id"].get<std::string>()), a["id"].get<std::string>().size(), b["id"].get<std::string>());
  check_error(http("PUT", other, "abcd", {{"Content-Type", "text/plain"}}), 401, "unauthorized");
  // the PUT signature does not download
  std::string as_get = url;
  as_get.replace(as_get.find("/upload?"), 8, "/download?");
  check_error(http("GET", as_get), 401, "unauthorized");
  check_error(http("PUT", url.substr(0, url.find('?')), "abcd", {{"Content-Type", "text/plain"}}), 401, "unauthorized");
  CHECK(put(a, "abcd", "text/plain").status == 200);
  CHECK(files_in(assets_dir(s)) == 1);
}

TEST_CASE("a second PUT after the bytes arrived is 409; complete before them is 409") {
  Server s;
  auto a = make_asset(s, 3, "text/plain");
  std::string id = a["id"];
  check_error(api("POST", s.api_url + "/assets/" + id + "/complete", s.token, Json::object()), 409, "conflict");
  REQUIRE(put(a, "abc", "text/plain").status == 200);
  check_error(put(a, "xyz", "text/plain"), 409, "conflict");
  REQUIRE(api("POST", s.api_url + "/assets/" + id + "/complete", s.token, Json::object()).status == 200);
  check_error(put(a, "xyz", "text/plain"), 409, "conflict");
  check_error(api("POST", s.api_url + "/assets/" + id + "/complete", s.token, Json::object()), 409, "conflict");
  auto d =
      http("GET", api("GET", s.api_url + "/assets/" + id, s.token).json["data"]["download_url"].get<std::string>());
  CHECK(d.body == "abc");
}

TEST_CASE("Range gives 206 with Content-Range; an unsatisfiable one 416; If-None-Match the ETag 304") {
  Server s;
  std::string bytes = "0123456789";
  auto a = upload_and_complete(s, bytes);
  std::string url = a["download_url"];
  auto mid = http("GET", url, "", {{"Range", "bytes=2-5"}});
  CHECK(mid.status == 206);
  CHECK(mid.body == "2345");
  CHECK(mid.header("content-range") == "bytes 2-5/10");
  auto tail = http("GET", url, "", {{"Range", "bytes=-3"}});
  CHECK(tail.status == 206);
  CHECK(tail.body == "789");
  auto open = http("GET", url, "", {{"Range", "bytes=7-"}});
  CHECK(open.body == "789");
  auto past = http("GET", url, "", {{"Range", "bytes=10-20"}});
  check_error(past, 416, "range_not_satisfiable");
  CHECK(past.header("content-range") == "bytes */10");
  auto same = http("GET", url, "", {{"If-None-Match", "\"" + slab5::sha256_hex(bytes) + "\""}});
  CHECK(same.status == 304);
  CHECK(same.body.empty());
  auto other = http("GET", url, "", {{"If-None-Match", "\"something-else\""}});
  CHECK(other.status == 200);
  CHECK(other.body == bytes);
}

TEST_CASE("a pending asset has no download; deleting an asset deletes its bytes") {
  Server s;
  auto a = upload_and_complete(s, "hello");
  std::string id = a["id"], file = assets_dir(s) + "/" + id;
  REQUIRE(exists(file));
  REQUIRE(api("DELETE", s.api_url + "/assets/" + id, s.token).status == 204);
  CHECK_FALSE(exists(file));
  check_error(http("GET", a["download_url"].get<std::string>()), 404, "resource_not_found");
}

TEST_CASE("create, upload, complete and delete are audited; complete emits asset.available") {
  Server s;
  auto a = upload_and_complete(s, "hello");
  std::string id = a["id"];
  REQUIRE(api("DELETE", s.api_url + "/assets/" + id, s.token).status == 204);
  for (std::string action : {"asset.created", "asset.uploaded", "asset.available", "asset.deleted"}) {
    auto ev = api("GET", s.api_url + "/workspace/audit-events?action=" + action, s.token);
    INFO(action << " " << ev.body);
    REQUIRE(ev.status == 200);
    CHECK(ev.json["data"].size() == 1);
  }
  auto events = api("GET", s.api_url + "/events?type=asset.*", s.token);
  REQUIRE(events.status == 200);
  std::multiset<std::string> types;
  for (const auto& e : events.json["data"]) types.insert(e["type"].get<std::string>());
  CHECK(types == std::multiset<std::string>{"asset.created", "asset.available", "asset.deleted"});
}

TEST_CASE("a 50 MiB upload is streamed to disk: slab5d's peak memory does not grow by its size") {
  Server s;
  // A warm-up request first, so the baseline includes what any request costs.
  upload_and_complete(s, "warm");
  long before = vm_hwm_kib(s.pid());
  REQUIRE(before > 0);
  std::string bytes = random_bytes(50 * 1024 * 1024, 11);
  auto a = upload_and_complete(s, bytes, "application/octet-stream");
  long after = vm_hwm_kib(s.pid());
  INFO("VmHWM before " << before << " KiB, after " << after << " KiB");
  CHECK(after - before < 16 * 1024);
  CHECK(a["sha256"] == slab5::sha256_hex(bytes));
  auto d = http("GET", a["download_url"].get<std::string>());
  CHECK(d.body.size() == bytes.size());
  CHECK(d.body == bytes);
  CHECK(vm_hwm_kib(s.pid()) - before < 16 * 1024);
}

TEST_CASE("an upload announcing more than --max-asset-bytes is refused before its body is read") {
  Server s({.args = {"--max-asset-bytes", "1000"}});
  auto a = make_asset(s, 1000, "text/plain");
  auto r = http("PUT", a["upload_url"].get<std::string>(), std::string(2 * 1024 * 1024, 'x'),
                {{"Content-Type", "text/plain"}});
  CHECK((r.status == 422 || r.status == 413));
  CHECK(files_in(assets_dir(s)) == 0);
}

TEST_CASE("slab5 assets upload and download: a multi-MiB file comes back identical, SHA-256 checked") {
  Server s;
  TempDir dir;
  std::string bytes = random_bytes(3 * 1024 * 1024 + 17, 3);
  {
    std::ofstream f(dir.file("photo.jpg"), std::ios::binary);
    f << bytes;
  }
  std::map<std::string, std::string> env = {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}};
  auto up = run_cli({"assets", "upload", dir.file("photo.jpg"), "--json"}, env);
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  auto asset = Json::parse(up.out);
  CHECK(asset["status"] == "available");
  CHECK(asset["mime_type"] == "image/jpeg");
  CHECK(asset["asset_type"] == "image");
  CHECK(asset["name"] == "photo.jpg");
  CHECK(asset["sha256"] == slab5::sha256_hex(bytes));
  CHECK(up.err.find("\r") == std::string::npos);  // no progress bar without a terminal
  std::string id = asset["id"];

  auto down = run_cli({"assets", "download", id, "-o", dir.file("copy.jpg")}, env);
  INFO(down.err);
  REQUIRE(down.exit_code == 0);
  std::ifstream in(dir.file("copy.jpg"), std::ios::binary);
  std::stringstream got;
  got << in.rdbuf();
  CHECK(got.str() == bytes);

  // An existing file is kept unless --yes.
  auto again = run_cli({"assets", "download", id, "-o", dir.file("copy.jpg")}, env);
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("already exists") != std::string::npos);
  CHECK(run_cli({"assets", "download", id, "-o", dir.file("copy.jpg"), "--yes"}, env).exit_code == 0);

  auto to_stdout = run_cli({"assets", "download", id, "-o", "-"}, env);
  CHECK(to_stdout.exit_code == 0);
  CHECK(to_stdout.out == bytes);
}

TEST_CASE("slab5 assets upload names the type with --type and --mime-type; download of a pending asset fails") {
  Server s;
  TempDir dir;
  {
    std::ofstream f(dir.file("notes"), std::ios::binary);
    f << "some notes";
  }
  std::map<std::string, std::string> env = {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}};
  auto up = run_cli({"assets", "upload", dir.file("notes"), "--name", "Notes", "--type", "document", "--mime-type",
                     "text/plain", "--json"},
                    env);
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  auto asset = Json::parse(up.out);
  CHECK(asset["name"] == "Notes");
  CHECK(asset["asset_type"] == "document");
  CHECK(asset["mime_type"] == "text/plain");
  // -q prints the new asset's id alone, as every create does.
  auto quiet = run_cli({"-q", "assets", "upload", dir.file("notes")}, env);
  INFO(quiet.err);
  REQUIRE(quiet.exit_code == 0);
  CHECK(quiet.out.rfind("asset_", 0) == 0);
  CHECK(quiet.out.find('\n') == quiet.out.size() - 1);
  auto pending = make_asset(s, 5);
  auto r = run_cli({"assets", "download", pending["id"].get<std::string>(), "-o", dir.file("x")}, env);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("not available yet") != std::string::npos);
  CHECK_FALSE(exists(dir.file("x")));
}

TEST_CASE("slab5 assets upload shows a progress bar on a terminal") {
  Server s;
  TempDir dir;
  {
    std::ofstream f(dir.file("big.bin"), std::ios::binary);
    f << random_bytes(2 * 1024 * 1024);
  }
  auto r = run_cli_on_terminal({"assets", "upload", dir.file("big.bin")},
                               {{"SLAB5_API_BASE_URL", s.api_url}, {"SLAB5_WORKSPACE_TOKEN", s.token}});
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("uploading big.bin") != std::string::npos);
  CHECK(r.out.find("100%") != std::string::npos);
  CHECK(r.out.find("SHA-256 verified") != std::string::npos);
}

TEST_CASE("signed URLs stop working while the assets module is disabled, and work again after") {
  Server s;
  std::string bytes = random_bytes(4096);
  auto done = upload_and_complete(s, bytes, "text/plain");
  auto pending = make_asset(s, 10, "text/plain");
  std::string modules = s.api_url + "/workspace/modules/assets";
  REQUIRE(api("DELETE", modules, s.token).status == 200);
  auto d = http("GET", done["download_url"].get<std::string>());
  CHECK(d.status == 403);
  CHECK(d.json["error"]["code"] == "module_not_enabled");
  CHECK(d.json["error"]["module"] == "assets");
  auto p = put(pending, "0123456789", "text/plain");
  CHECK(p.status == 403);
  CHECK(p.json["error"]["code"] == "module_not_enabled");
  CHECK(files_in(assets_dir(s)) == 1);  // the refused upload left nothing
  REQUIRE(api("PUT", modules, s.token).status == 200);
  auto again = http("GET", done["download_url"].get<std::string>());
  CHECK(again.status == 200);
  CHECK(again.body == bytes);
  CHECK(put(pending, "0123456789", "text/plain").status == 200);
}
