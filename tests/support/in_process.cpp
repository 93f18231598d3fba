#include <utility>  // must precede Asio with g++ 12 in C++20 mode

#include "in_process.hpp"

#include <boost/asio.hpp>
#include <cctype>
#include <thread>

#include "logger.hpp"

namespace testing {

namespace net = boost::asio;

std::string Answer::header(std::string_view name) const {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  for (const auto& [k, v] : headers)
    if (lower(k) == lower(name)) return v;
  return "";
}

std::string Answer::code() const {
  // A JSON-RPC error (the MCP gateway's) has an integer code: not an API error code.
  if (json.is_object() && json.contains("error") && json["error"].is_object())
    return slab5::string_or(json["error"], "code");
  return "";
}

// The client's I/O thread and its timers.
struct InProcess::Loop final : slab5d::Timers {
  net::io_context ioc{1};
  net::executor_work_guard<net::io_context::executor_type> guard = net::make_work_guard(ioc);
  std::thread thread{[this] { ioc.run(); }};

  void after(std::chrono::milliseconds delay, std::function<void()> job) override {
    auto timer = std::make_shared<net::steady_timer>(ioc, delay);
    timer->async_wait([timer, job = std::move(job)](boost::system::error_code) { job(); });
  }
  ~Loop() {
    guard.reset();
    ioc.stop();
    thread.join();
  }
};

namespace {
slab5d::Config test_config() {
  slab5d::Config cfg;
  cfg.db_path = ":memory:";
  cfg.dev_routes = true;
  cfg.rate_limit_enabled = false;
  cfg.password_cost = "test";
  cfg.auto_verify = true;
  return cfg;
}
}  // namespace

InProcess::InProcess() : InProcess(test_config()) {}

InProcess::InProcess(slab5d::Config cfg) : loop_(std::make_unique<Loop>()) {
  // One access-log line per request would bury a failing test's output.
  slab5d::logger().configure(false, slab5d::LogLevel::Warn);
  app_ = std::make_unique<slab5d::App>(std::move(cfg));
  info_ = app_->prepare();
  app_->set_base_url("http://127.0.0.1:1");
}

InProcess::~InProcess() {
  // Answers still in flight finish first; then the App goes, then the loop.
  if (app_) app_->shutdown();
  loop_.reset();
  app_.reset();
}

std::future<Answer> InProcess::send(const Call& call) {
  slab5d::Request req;
  req.method = call.method;
  req.target = call.target;
  auto q = call.target.find('?');
  req.path = call.target.substr(0, q);
  if (q != std::string::npos) req.query = call.target.substr(q + 1);
  if (!call.token.empty()) req.headers.emplace_back("authorization", "Bearer " + call.token);
  if (!call.body.is_null()) {
    req.body = call.body.dump();
    req.headers.emplace_back("content-type", "application/json");
  }
  for (const auto& [k, v] : call.headers) {
    std::string name = k;
    for (auto& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    req.headers.emplace_back(std::move(name), v);
  }
  req.remote_ip = "127.0.0.1";
  req.timers = loop_.get();
  auto done = std::make_shared<std::promise<Answer>>();
  auto answer = done->get_future();
  net::post(loop_->ioc, [this, req = std::move(req), done]() mutable {
    app_->handle(std::move(req), [done](slab5d::Response&& r) {
      Answer a;
      a.status = r.status;
      a.headers = std::move(r.headers);
      a.body = std::move(r.body);
      a.json = nlohmann::json::parse(a.body, nullptr, false);
      if (a.json.is_discarded()) a.json = nullptr;
      done->set_value(std::move(a));
    });
  });
  return answer;
}

Answer InProcess::request(const Call& call) { return send(call).get(); }

Answer InProcess::request(const std::string& method, const std::string& target, const std::string& token,
                          const nlohmann::json& body) {
  return request(Call{method, target, token, body, {}});
}

}  // namespace testing
