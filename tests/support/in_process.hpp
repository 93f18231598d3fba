// An in-process client for slab5d's App: requests go to App::handle without sockets, on the
// client's own I/O thread (an io_context run by one thread, as each of the server's is), with
// the same Timers the HTTP layer gives a connection. Unit tests use it to drive the whole
// middleware — check order, idempotency, pagination — in milliseconds.
#pragma once
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "app.hpp"

namespace testing {

struct Answer {
  int status = 0;
  slab5d::HeaderPairs headers;
  std::string body;
  nlohmann::json json;  // the body parsed (null when it is not JSON)

  std::string header(std::string_view name) const;  // case-insensitive; "" when absent
  std::string code() const;                         // error.code, or "" on success
};

struct Call {
  std::string method = "GET";
  std::string target;                                        // "/v1/workspace?x=1"
  std::string token;                                         // sent as Authorization: Bearer (none when empty)
  nlohmann::json body = nullptr;                             // sent as JSON unless null
  std::vector<std::pair<std::string, std::string>> headers;  // extra, names in any case
};

class InProcess {
 public:
  // A throwaway database, development routes on, rate limit off, test password cost.
  InProcess();
  explicit InProcess(slab5d::Config cfg);
  ~InProcess();
  InProcess(const InProcess&) = delete;

  slab5d::App& app() { return *app_; }
  const slab5d::App::StartInfo& first_start() const { return info_; }
  const std::string& token() const { return info_.api_key; }  // the first-start key
  const std::string& workspace_id() const { return info_.workspace_id; }

  // Sends and waits for the answer.
  Answer request(const Call& call);
  Answer request(const std::string& method, const std::string& target, const std::string& token,
                 const nlohmann::json& body = nullptr);
  // Sends; the answer comes when App gives it (from the I/O thread or the blocking pool).
  std::future<Answer> send(const Call& call);

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
  std::unique_ptr<slab5d::App> app_;
  slab5d::App::StartInfo info_;
};

}  // namespace testing
