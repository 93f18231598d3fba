// slab5d's version line.
#pragma once
#include <string>

#include "slab5/version.hpp"

namespace slab5d {
inline std::string server_version() { return slab5::kVersion; }
inline std::string server_version_line() {
  return std::string("slab5d ") + slab5::kVersion + " (" + slab5::kCommit + ", " + slab5::kCommitDate + ")";
}
}  // namespace slab5d
