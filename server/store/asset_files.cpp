#include "store/asset_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "slab5/encoding.hpp"

namespace slab5d {

namespace {
slab5::Error io_error(const std::string& what) {
  // The path stays in the log-free message only as "the assets directory": no client-facing
  // detail of the server's disk layout.
  return slab5::Error{"internal_error", "The asset's bytes could not be " + what + " (" + std::strerror(errno) + ")."};
}
}  // namespace

AssetUpload::AssetUpload(std::string temp_path, std::FILE* file) : temp_path_(std::move(temp_path)), file_(file) {}

AssetUpload::~AssetUpload() {
  if (file_) std::fclose(file_);
  if (!kept_) ::unlink(temp_path_.c_str());
}

slab5::Status AssetUpload::write(std::string_view bytes) {
  if (!file_ || finished_) return tl::unexpected(slab5::Error{"internal_error", "The upload is already closed."});
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
    return tl::unexpected(io_error("written"));
  hash_.update(bytes);
  size_ += bytes.size();
  return {};
}

slab5::Status AssetUpload::finish() {
  if (finished_) return {};
  finished_ = true;
  bool ok = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  std::fclose(file_);
  file_ = nullptr;
  if (!ok) return tl::unexpected(io_error("saved"));
  sha256_ = hash_.hex();
  return {};
}

slab5::Status AssetFiles::ensure_dir() const {
  std::error_code ec;
  if (std::filesystem::is_directory(dir_, ec)) return {};
  std::filesystem::create_directories(dir_, ec);
  if (ec) return tl::unexpected(slab5::Error{"internal_error", "The assets directory cannot be created."});
  ::chmod(dir_.c_str(), 0700);
  return {};
}

slab5::Result<std::unique_ptr<AssetUpload>> AssetFiles::begin(const std::string& asset_id) const {
  if (auto st = ensure_dir(); !st) return tl::unexpected(st.error());
  // A name no other upload of the same asset shares, so concurrent attempts never write
  // into one file; only the one that is kept is renamed to the asset's name.
  std::string path = dir_ + "/." + asset_id + "." + slab5::hex_encode(slab5::random_bytes(8)) + ".part";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return tl::unexpected(io_error("stored"));
  std::FILE* f = ::fdopen(fd, "wb");
  if (!f) {
    ::close(fd);
    ::unlink(path.c_str());
    return tl::unexpected(io_error("stored"));
  }
  return std::make_unique<AssetUpload>(path, f);
}

slab5::Status AssetFiles::keep(AssetUpload& upload, const std::string& asset_id) const {
  if (!upload.finished_) return tl::unexpected(slab5::Error{"internal_error", "The upload is not finished."});
  if (::rename(upload.temp_path_.c_str(), path_of(asset_id).c_str()) != 0) return tl::unexpected(io_error("kept"));
  upload.kept_ = true;
  return {};
}

std::string AssetFiles::path_of(const std::string& asset_id) const { return dir_ + "/" + asset_id; }

std::optional<std::uint64_t> AssetFiles::size_of(const std::string& asset_id) const {
  struct stat st {};
  if (::stat(path_of(asset_id).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return std::uint64_t(st.st_size);
}

slab5::Status AssetFiles::remove(const std::string& asset_id) const {
  if (::unlink(path_of(asset_id).c_str()) != 0 && errno != ENOENT) return tl::unexpected(io_error("removed"));
  return {};
}

}  // namespace slab5d
