// The PostgreSQL server the pg_tests binary runs against, and a database of its own for each
// test on it. The server is named by SLAB5_TEST_PG_URL, or by the file SLAB5_TEST_PG_URL_FILE
// names (CTest sets it to the URL file of the throwaway cluster its pg_cluster fixture starts,
// scripts/pg-cluster.sh). Only a server on this machine is accepted: the tests create and drop
// databases.
#pragma once
#include <memory>
#include <string>

#include "store/postgres/pg.hpp"

namespace slab5d::testing {

// The test server's URL; throws std::runtime_error saying what to set when there is none, or
// when it is not on the loopback interface or a unix socket.
std::string pg_test_url();

// The URL (a libpq keyword=value string) of `url` with another database.
std::string pg_url_with_database(const std::string& url, const std::string& database);

// A new, empty database on the test server, dropped (with its connections) at the end.
class PgTestDb {
 public:
  PgTestDb();
  ~PgTestDb();
  PgTestDb(const PgTestDb&) = delete;
  PgTestDb& operator=(const PgTestDb&) = delete;

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }
  // The same database as a postgres:// URL, what slab5d's --db takes.
  std::string postgres_url() const;
  std::unique_ptr<PgConn> connect() const { return PgConn::open(url_); }

 private:
  std::string server_url_;
  std::string name_;
  std::string url_;
};

}  // namespace slab5d::testing
