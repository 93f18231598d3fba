// A migrated SQLite database in a directory of its own (mkdtemp), removed afterwards: for
// unit tests that call domain rules and stores without a server. Concurrent runs never
// share a file.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "store/sqlite/db.hpp"
#include "store/sqlite/migrations.hpp"

namespace slab5d::testing {

// A private temporary directory (mkdtemp), removed with everything in it.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "slab5-unit-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
};

struct TempDb {
  ScratchDir scratch;
  std::filesystem::path dir{scratch.path};
  std::string path;  // the database file
  std::unique_ptr<Db> db;

  TempDb() {
    path = (dir / "slab5.db").string();
    db = Db::open(path, true);
    migrate(*db);
  }
  ~TempDb() { db.reset(); }  // closed before `scratch` removes the directory
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;

  std::int64_t count(const std::string& sql) {
    auto q = db->query(sql);
    q.next();
    return q.integer(0);
  }
};

}  // namespace slab5d::testing
