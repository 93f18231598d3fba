// Asynchronous HTTP/1.1 server on Boost.Beast: accepts connections, enforces header/body
// limits and timeouts, and hands each request to the app as a plain Request value.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "http/message.hpp"
#include "http/request_reader.hpp"

namespace slab5d {

struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  bool enabled() const { return !cert_file.empty(); }
};

// While one of these lives on a thread that is not an I/O thread (the write batcher's), the
// answers given on that thread are held, and handed to each I/O thread in one go when it
// ends: one wake-up of a thread per batch of answers, instead of one per answer.
class AnswerBatch {
 public:
  AnswerBatch();
  ~AnswerBatch();  // hands over what was held
  AnswerBatch(const AnswerBatch&) = delete;
  AnswerBatch& operator=(const AnswerBatch&) = delete;
  struct Held;

 private:
  std::unique_ptr<Held> held_;
  AnswerBatch* outer_;
};

class HttpServer {
 public:
  // Binds and listens; throws std::runtime_error with a readable message on failure.
  HttpServer(const std::string& host, std::uint16_t port, HttpLimits limits, TlsFiles tls, RequestHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Sends the bodies `router` picks to its sinks (asset uploads), up to `max_stream_limit`
  // bytes. Call before run(). Such a request gets `read_timeout_seconds` plus one second per
  // kMinStreamRate bytes of its limit: a slow client is still cut off, a large one is not.
  void set_body_router(BodyRouter router, std::uint64_t max_stream_limit);
  static constexpr std::uint64_t kMinStreamRate = 256 * 1024;  // bytes per second

  std::uint16_t port() const;
  std::string host() const;
  // Runs the io_context on `threads` threads (this call blocks until stop() completes).
  void run(int threads);
  // Stop accepting; let in-flight requests finish for up to `grace_seconds`; then stop.
  void shutdown(int grace_seconds);
  // Post work onto the I/O threads (used to resume a response computed elsewhere).
  std::size_t open_connections() const;

  struct Impl;  // public so the connection classes in the .cpp can reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace slab5d
