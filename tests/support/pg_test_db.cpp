#include "pg_test_db.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace slab5d::testing {

namespace {

struct ParsedConninfo {
  std::vector<std::pair<std::string, std::string>> options;  // the ones given, in libpq's order
};

ParsedConninfo parse_conninfo(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (!opts) {
    std::string why = err ? err : "out of memory";
    PQfreemem(err);
    throw std::runtime_error("the PostgreSQL test URL does not parse: " + why);
  }
  ParsedConninfo out;
  for (auto* o = opts; o->keyword; ++o)
    if (o->val && *o->val) out.options.emplace_back(o->keyword, o->val);
  PQconninfoFree(opts);
  return out;
}

bool is_loopback(const std::string& host) {
  return host.empty() || host[0] == '/' || host[0] == '@' || host == "localhost" || host == "::1" ||
         host.rfind("127.", 0) == 0;
}

std::string quoted_value(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string pg_test_url() {
  std::string url;
  if (const char* v = std::getenv("SLAB5_TEST_PG_URL"); v && *v) {
    url = v;
  } else if (const char* f = std::getenv("SLAB5_TEST_PG_URL_FILE"); f && *f) {
    std::ifstream in(f);
    if (!in || !std::getline(in, url) || url.empty())
      throw std::runtime_error(std::string("SLAB5_TEST_PG_URL_FILE names ") + f +
                               ", which holds no URL: did the pg_cluster fixture (scripts/pg-cluster.sh start) run?");
  } else {
    throw std::runtime_error(
        "no PostgreSQL server to test against: run through ctest (its pg_cluster fixture starts one), or start one "
        "with scripts/pg-cluster.sh start DIR and set SLAB5_TEST_PG_URL_FILE=DIR/url; SLAB5_TEST_PG=skip skips "
        "these tests");
  }
  for (const auto& [key, value] : parse_conninfo(url).options) {
    if (key != "host" && key != "hostaddr") continue;
    std::size_t start = 0;
    for (;;) {
      auto comma = value.find(',', start);
      auto host = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!is_loopback(host))
        throw std::runtime_error("the PostgreSQL test server must be on this machine (loopback or a unix socket): " +
                                 host);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return url;
}

std::string pg_url_with_database(const std::string& url, const std::string& database) {
  std::string out;
  for (const auto& [key, value] : parse_conninfo(url).options)
    if (key != "dbname") out += key + "=" + quoted_value(value) + " ";
  return out + "dbname=" + quoted_value(database);
}

PgTestDb::PgTestDb() : server_url_(pg_test_url()) {
  static std::atomic<int> counter{0};
  name_ = "slab5_t_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  url_ = pg_url_with_database(server_url_, name_);
  auto admin = PgConn::open(server_url_);
  admin->exec_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  admin->exec_script("CREATE DATABASE " + name_);
}

std::string PgTestDb::postgres_url() const {
  std::string user, host, port, query;
  for (const auto& [key, value] : parse_conninfo(server_url_).options) {
    if (key == "user") user = value;
    if (key == "host") host = value;
    if (key == "port") port = value;
    if (key == "password" || key == "sslmode") query += (query.empty() ? "?" : "&") + key + "=" + value;
  }
  std::string authority = user.empty() ? "" : user + "@";
  if (host.empty() || host[0] == '/') {
    if (!host.empty()) query += (query.empty() ? "?" : "&") + std::string("host=") + host;
  } else {
    authority += host;
  }
  if (!port.empty()) authority += ":" + port;
  return "postgres://" + authority + "/" + name_ + query;
}

PgTestDb::~PgTestDb() {
  try {
    PgConn::open(server_url_)->exec_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
    // Left for the cluster's removal (scripts/pg-cluster.sh stop).
  }
}

}  // namespace slab5d::testing
