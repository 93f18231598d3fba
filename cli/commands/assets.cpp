// `slab5 assets upload` and `slab5 assets download` (cli.md §2, api.md §8.2): the asset byte
// protocol from the command line. upload creates the asset with the file's size and type,
// PUTs the file to the signed upload URL straight from disk (a progress bar on a terminal),
// completes it and checks that the SHA-256 the server reports is the one of the bytes sent.
// download streams the bytes from the signed download URL to a file (or stdout) and checks
// them against the asset's SHA-256. The other `assets` commands (list, show, …) come from the
// resource table; these two are added to the same `assets` command.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "command_table.hpp"
#include "exit_codes.hpp"
#include "slab5/crypto.hpp"
#include "slab5/encoding.hpp"
#include "slab5/http_client.hpp"
#include "slab5/json_util.hpp"

namespace slab5cli {
namespace {

struct UploadOptions {
  std::string file, name, type, mime_type;
};
struct DownloadOptions {
  std::string id, output;
};

// The MIME type of a file name by its extension; application/octet-stream when unknown.
std::string mime_of(const std::string& path) {
  static const std::vector<std::pair<std::string, std::string>> kTypes = {
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"svg", "image/svg+xml"},
      {"ico", "image/x-icon"},
      {"avif", "image/avif"},
      {"mp4", "video/mp4"},
      {"webm", "video/webm"},
      {"mov", "video/quicktime"},
      {"mp3", "audio/mpeg"},
      {"wav", "audio/wav"},
      {"ogg", "audio/ogg"},
      {"m4a", "audio/mp4"},
      {"flac", "audio/flac"},
      {"pdf", "application/pdf"},
      {"txt", "text/plain"},
      {"md", "text/markdown"},
      {"csv", "text/csv"},
      {"html", "text/html"},
      {"json", "application/json"},
      {"xml", "application/xml"},
      {"zip", "application/zip"},
      {"gz", "application/gzip"},
      {"tar", "application/x-tar"},
      {"doc", "application/msword"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
      {"odt", "application/vnd.oasis.opendocument.text"}};
  auto ext = std::filesystem::path(path).extension().string();
  if (!ext.empty()) ext.erase(0, 1);
  for (auto& c : ext) c = char(std::tolower((unsigned char)c));
  for (const auto& [e, t] : kTypes)
    if (e == ext) return t;
  return "application/octet-stream";
}

// asset_type from a MIME type: image/*, video/*, audio/*; text and office/PDF files are
// documents; anything else is other.
std::string asset_type_of(const std::string& mime) {
  for (const char* top : {"image", "video", "audio"})
    if (mime.rfind(std::string(top) + "/", 0) == 0) return top;
  if (mime.rfind("text/", 0) == 0 || mime == "application/pdf" || mime == "application/msword" ||
      mime.find("officedocument") != std::string::npos || mime.find("opendocument") != std::string::npos)
    return "document";
  return "other";
}

std::string human_bytes(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// A progress bar on stderr, redrawn at most every 100 ms (Output::progress: only on a
// terminal and without --quiet).
class ProgressBar {
 public:
  ProgressBar(Context& ctx, std::string label) : ctx_(ctx), label_(std::move(label)) {}
  ~ProgressBar() { clear(); }
  void update(std::uint64_t done, std::uint64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (shown_ && done != total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    shown_ = true;
    std::string line = label_ + " ";
    if (total > 0) {
      int pct = int(done * 100 / total);
      int filled = pct / 5;
      line += "[" + std::string(std::size_t(filled), '#') + std::string(std::size_t(20 - filled), '.') + "] " +
              std::to_string(pct) + "% ";
    }
    line += human_bytes(done) + (total > 0 ? " / " + human_bytes(total) : "");
    ctx_.out.progress(line);
  }
  void clear() {
    if (shown_) ctx_.out.progress("");
    shown_ = false;
  }

 private:
  Context& ctx_;
  std::string label_;
  std::chrono::steady_clock::time_point last_{};
  bool shown_ = false;
};

slab5::HttpClient& raw_client(Context& ctx) {
  static slab5::HttpClient http;
  static bool configured = false;
  if (!configured) {
    if (!ctx.ca_bundle().empty()) http.set_ca_bundle(ctx.ca_bundle());
    configured = true;
  }
  return http;
}

// A failed transfer to or from a signed URL, as cli.md §3 reports errors.
int transfer_failed(Context& ctx, const tl::expected<slab5::HttpResponse, slab5::NetworkError>& r,
                    const std::string& what) {
  if (!r) return ctx.fail(kNetwork, what + " failed: " + r.error().message);
  ApiResponse resp;
  resp.status = r->status;
  resp.headers = r->headers;
  resp.body = r->body;
  resp.json = Json::parse(r->body, nullptr, false);
  if (resp.json.is_discarded()) resp.json = nullptr;
  auto e = api_error_from(resp);
  if (e.message.empty()) e.message = what + " failed with HTTP " + std::to_string(r->status);
  return ctx.fail(e);
}

std::vector<Column> asset_fields() {
  return {{"ID", "id"},          {"Name", "name"},           {"Type", "asset_type"},
          {"File", "file_name"}, {"MIME type", "mime_type"}, {"Size", "byte_size"},
          {"Status", "status"},  {"SHA-256", "sha256"},      {"Created", "created_at", true}};
}

int upload(Context& ctx, const UploadOptions& o) {
  struct stat st {};
  if (::stat(o.file.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return ctx.fail(kUsage, "cannot read " + o.file + ": not a regular file");
  if (st.st_size == 0) return ctx.fail(kUsage, o.file + " is empty: an asset has at least 1 byte");
  std::FILE* f = std::fopen(o.file.c_str(), "rb");
  if (!f) return ctx.fail(kUsage, "cannot open " + o.file);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(f, std::fclose);
  auto size = std::uint64_t(st.st_size);
  std::string file_name = std::filesystem::path(o.file).filename().string();
  std::string mime = o.mime_type.empty() ? mime_of(o.file) : o.mime_type;
  Json body = {{"name", o.name.empty() ? file_name : o.name},
               {"asset_type", o.type.empty() ? asset_type_of(mime) : o.type},
               {"file_name", file_name},
               {"mime_type", mime},
               {"byte_size", size}};
  auto created = ctx.client().data("POST", "assets", with_idempotency_key(body), {.idempotent = true});
  if (!created) return ctx.fail(created.error());
  std::string id = slab5::string_or(*created, "id");
  if (!(*created)["upload_url"].is_string()) return ctx.fail(kFailure, "the server gave no upload URL for " + id);

  // PUT the file as it is read, hashing what is sent.
  slab5::HttpRequest put;
  put.method = slab5::string_or(*created, "upload_method", "PUT");
  put.url = (*created)["upload_url"];
  if ((*created)["upload_headers"].is_object())
    for (const auto& [k, v] : (*created)["upload_headers"].items())
      if (v.is_string()) put.headers.emplace_back(k, v.get<std::string>());
  put.timeout_ms = std::max<long>(ctx.timeout_ms(), long(size / (64 * 1024)) * 1000 + 30000);
  slab5::Sha256Stream hash;
  bool read_error = false;
  put.upload_size = size;
  put.upload = [&](char* buf, std::size_t max) -> std::size_t {
    std::size_t n = std::fread(buf, 1, max, file.get());
    if (n == 0 && std::ferror(file.get())) read_error = true;
    hash.update(std::string_view(buf, n));
    return n;
  };
  ProgressBar bar(ctx, "uploading " + file_name);
  put.on_progress = [&](std::uint64_t done, std::uint64_t) { bar.update(done, size); };
  auto sent = raw_client(ctx).perform(put);
  bar.clear();
  if (read_error)
    return ctx.fail(kFailure, "reading " + o.file + " failed during the upload; asset " + id + " is left pending");
  if (!sent || sent->status / 100 != 2) return transfer_failed(ctx, sent, "the upload of " + file_name);
  std::string local = hash.hex();

  auto done = ctx.client().data("POST", "assets/" + id + "/complete", Json::object());
  if (!done) return ctx.fail(done.error());
  std::string remote = slab5::string_or(*done, "sha256");
  if (remote != local)
    return ctx.fail(kFailure,
                    "asset " + id + ": the server's SHA-256 (" + remote + ") differs from the file's (" + local +
                        "); the bytes were changed on the way",
                    "upload the file again as a new asset, and delete this one: slab5 assets delete " + id);
  ctx.out.info("uploaded " + file_name + " (" + human_bytes(size) + ") as " + id + ", SHA-256 verified");
  if (ctx.out.quiet() && !ctx.out.json() && ctx.g.jq.empty()) {  // -q: the id alone, as other creates
    ctx.out.print_line(id);
    return kOk;
  }
  return ctx.emit(*done, [&] { ctx.out.print_fields(asset_fields(), *done); });
}

// The file name to write to when no -o is given: the asset's file name without any directory
// part (a server cannot make slab5 write outside the current directory).
std::string local_name(const Json& asset) {
  std::string name = std::filesystem::path(slab5::string_or(asset, "file_name")).filename().string();
  if (name.empty() || name == "." || name == "..") name = slab5::string_or(asset, "id", "asset");
  return name;
}

int download(Context& ctx, const DownloadOptions& o) {
  auto asset = ctx.client().data("GET", "assets/" + slab5::url_encode(o.id));
  if (!asset) return ctx.fail(asset.error());
  if (!(*asset)["download_url"].is_string())
    return ctx.fail(kFailure,
                    "asset " + o.id + " is not available yet (status " + slab5::string_or(*asset, "status", "?") + ")",
                    "upload its bytes first: slab5 assets upload FILE");
  std::string expected = slab5::string_or(*asset, "sha256");
  auto size = std::uint64_t(slab5::int_or(*asset, "byte_size", 0));
  bool to_stdout = o.output == "-";
  std::string out_path = o.output.empty() ? local_name(*asset) : o.output;
  std::string temp;
  std::FILE* out = stdout;
  if (!to_stdout) {
    std::error_code ec;
    if (std::filesystem::exists(out_path, ec) && !ctx.g.yes)
      return ctx.fail(kUsage, out_path + " already exists", "pass --yes to replace it, or -o to name another file");
    temp = out_path + ".part-" + slab5::hex_encode(slab5::random_bytes(4));
    out = std::fopen(temp.c_str(), "wb");
    if (!out) return ctx.fail(kFailure, "cannot write " + temp);
  }
  auto cleanup = [&] {
    if (!to_stdout) {
      if (out) std::fclose(out);
      out = nullptr;
      std::remove(temp.c_str());
    }
  };
  slab5::HttpRequest get;
  get.url = (*asset)["download_url"];
  get.timeout_ms = std::max<long>(ctx.timeout_ms(), long(size / (64 * 1024)) * 1000 + 30000);
  slab5::Sha256Stream hash;
  std::uint64_t received = 0;
  get.on_body = [&](std::string_view piece) {
    hash.update(piece);
    received += piece.size();
    return std::fwrite(piece.data(), 1, piece.size(), out) == piece.size();
  };
  ProgressBar bar(ctx, "downloading " + local_name(*asset));
  get.on_progress = [&](std::uint64_t done, std::uint64_t) { bar.update(done, size); };
  auto got = raw_client(ctx).perform(get);
  bar.clear();
  if (!got || got->status != 200) {
    cleanup();
    return transfer_failed(ctx, got, "the download of " + o.id);
  }
  std::string actual = hash.hex();
  if (received != size || actual != expected) {
    cleanup();
    return ctx.fail(kFailure, "asset " + o.id + ": the bytes received (" + std::to_string(received) + ", SHA-256 " +
                                  actual + ") are not the asset's (" + std::to_string(size) + ", SHA-256 " + expected +
                                  ")" + (to_stdout ? "; discard what was written" : ""));
  }
  if (to_stdout) {
    std::fflush(stdout);
    return kOk;
  }
  bool ok = std::fflush(out) == 0 && ::fsync(::fileno(out)) == 0;
  ok = std::fclose(out) == 0 && ok;
  out = nullptr;
  if (!ok || std::rename(temp.c_str(), out_path.c_str()) != 0) {
    std::remove(temp.c_str());
    return ctx.fail(kFailure, "cannot write " + out_path);
  }
  ctx.out.info("downloaded " + o.id + " to " + out_path + " (" + human_bytes(size) + "), SHA-256 verified");
  Json result = {{"id", o.id}, {"path", out_path}, {"byte_size", size}, {"sha256", actual}};
  if (ctx.out.json()) return ctx.emit(result, [] {});
  return kOk;
}

}  // namespace

void add_asset_transfer_commands(CLI::App& assets_command, Context& ctx) {
  CLI::App* assets = &assets_command;  // the resource table's `assets` command (list, show, create, …)

  auto u = std::make_shared<UploadOptions>();
  auto* up = assets->add_subcommand("upload", "Upload a file as a new asset (create, PUT, complete, verify)");
  up->add_option("file", u->file, "The file to upload")->required()->check(CLI::ExistingFile);
  up->add_option("--name", u->name, "Display name (default: the file's name)");
  with_choices(up->add_option("--type", u->type, "asset_type (default: from the MIME type)"),
               {"image", "video", "audio", "document", "other"});
  up->add_option("--mime-type", u->mime_type, "MIME type of the bytes (default: from the file's extension)");
  up->footer(
      "The file is sent straight from disk to the asset's signed upload URL, with a progress bar on a "
      "terminal;\nthe command fails (exit 1) unless the server's SHA-256 of the bytes is the file's.\n\n"
      "Examples:\n  slab5 assets upload logo.png\n  slab5 assets upload report.bin --name 'Q3 report' "
      "--type document --mime-type application/pdf");
  on_run(up, ctx, [&ctx, u] { return upload(ctx, *u); });

  auto d = std::make_shared<DownloadOptions>();
  auto* down = assets->add_subcommand("download", "Download an asset's bytes and check their SHA-256");
  with_dynamic_values(down->add_option("id", d->id, "The asset's id (asset_…)")->required(), "record:assets");
  down->add_option("-o,--output", d->output,
                   "Write to FILE (- for stdout; default: the asset's file name in the current directory)");
  down->footer(
      "An existing file is replaced only with --yes. The bytes are written to a temporary file beside it\n"
      "and renamed into place once their SHA-256 matches the asset's.\n\n"
      "Examples:\n  slab5 assets download asset_123 -o logo.png\n  slab5 assets download asset_123 -o - | wc -c");
  on_run(down, ctx, [&ctx, d] { return download(ctx, *d); });
}

}  // namespace slab5cli
