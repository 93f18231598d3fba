// Online backup of a live database with SQLite's backup API.
#pragma once
#include <string>

namespace slab5d {
// Copies `from` into the new file `to`; throws std::runtime_error with a readable message.
void backup_database(const std::string& from, const std::string& to);
}  // namespace slab5d
