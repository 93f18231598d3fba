// The bytes of assets (api.md §8.2), one file per asset in the assets directory beside the
// database (`--assets-dir`). Files are named by the asset id alone, never by anything a
// client chose, so no request can name a path outside the directory. An upload is written
// to a temporary file in the same directory and renamed into place only once it is kept.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "slab5/crypto.hpp"
#include "slab5/error.hpp"

namespace slab5d {

// One upload on its way to disk, hashed as it is written. Destroyed before keep(), it
// removes its temporary file: a refused upload leaves nothing behind.
class AssetUpload {
 public:
  AssetUpload(std::string temp_path, std::FILE* file);
  ~AssetUpload();
  AssetUpload(const AssetUpload&) = delete;
  AssetUpload& operator=(const AssetUpload&) = delete;

  slab5::Status write(std::string_view bytes);
  slab5::Status finish();  // flushes to disk; then sha256() is final
  std::uint64_t size() const { return size_; }
  const std::string& sha256() const { return sha256_; }  // hex, after finish()
  const std::string& temp_path() const { return temp_path_; }
  bool finished() const { return finished_; }

 private:
  friend class AssetFiles;
  std::string temp_path_;
  std::FILE* file_;
  slab5::Sha256Stream hash_;
  std::uint64_t size_ = 0;
  std::string sha256_;
  bool finished_ = false;
  bool kept_ = false;
};

class AssetFiles {
 public:
  explicit AssetFiles(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }

  // Creates the directory (mode 0700) when it does not exist.
  slab5::Status ensure_dir() const;
  // A new upload for `asset_id` (an id checked by the caller: slab5::is_id).
  slab5::Result<std::unique_ptr<AssetUpload>> begin(const std::string& asset_id) const;
  // Moves a finished upload into place as the asset's file.
  slab5::Status keep(AssetUpload& upload, const std::string& asset_id) const;
  // The asset's file, whether or not it exists.
  std::string path_of(const std::string& asset_id) const;
  // The size of the asset's file; nullopt when it has none.
  std::optional<std::uint64_t> size_of(const std::string& asset_id) const;
  // Removes the asset's file (no error when there is none).
  slab5::Status remove(const std::string& asset_id) const;

 private:
  std::string dir_;
};

}  // namespace slab5d
