// Reading one HTTP/1.1 request from bytes as they arrive, with slab5d's limits and framing
// rules. The connections in http_server.cpp feed it what they receive; parse_request() below
// drives the very same code from a string, without a socket (unit tests, fuzzing).
// Nothing here depends on Beast; the implementation uses Beast's parser for the grammar.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "http/message.hpp"

namespace slab5d {

struct HttpLimits {
  std::size_t header_limit = 16 * 1024;   // request line and header fields
  std::size_t trailer_limit = 16 * 1024;  // chunk extensions and trailer fields of one request, together
  std::size_t body_limit = 1024 * 1024;
  int read_timeout_seconds = 30;  // time allowed to receive one whole request
  int idle_timeout_seconds = 60;  // keep-alive connection waiting for its next request
};

// What a connection asks of the network at most per read.
inline constexpr std::size_t kHttpReadSize = 64 * 1024;

class RequestReader {
 public:
  enum class Status {
    NeedMore,  // the request is not complete: read more and feed again
    Done,      // a whole request was read
    Refused,   // the request is bad; answer take()'s transport_error and close the connection
  };

  explicit RequestReader(const HttpLimits& limits);
  ~RequestReader();
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // Lets `router` (which must outlive the reader) send chosen request bodies to a sink
  // instead of memory, up to the limit it names and never more than `max_stream_limit`;
  // every other body keeps HttpLimits::body_limit. Applies from the next start().
  void set_body_router(const BodyRouter* router, std::uint64_t max_stream_limit);

  // Starts reading the next request (the first one too).
  void start();

  // Parses as much of `data` — the bytes received and not used yet — as it can and returns
  // how many it used; the caller keeps the rest and hands it back, followed by more bytes,
  // on the next call. Never throws. Refuses, rather than asks for more, once the unused
  // part could only grow past the limits (see max_unused()).
  std::size_t feed(std::string_view data, Status& status);

  // The peer closed its side. Done or Refused; NeedMore when no byte of a request had
  // arrived, that is a clean close with nothing to answer.
  Status feed_eof();

  // After Done or Refused: the request. Method, target, path, query, headers (names lower-
  // cased, in order) and body; transport_error set when it was refused (then the fields
  // read so far are filled in, the body is not). remote_ip is for the caller to set.
  Request take();
  // After Done: whether the connection may stay open for another request.
  bool keep_alive() const;
  // The body limit of the request being read when the body router sent it to a sink; 0
  // while its body is kept in memory (or its head is not read yet).
  std::uint64_t stream_limit() const;
  // 10 for HTTP/1.0, 11 for HTTP/1.1 (11 until the request line is read).
  unsigned version() const;

  // The most bytes feed() leaves unused before it refuses: a connection never needs to
  // hold more than this plus one read.
  std::size_t max_unused() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The first request in `bytes`, read exactly as a slab5d connection reads it when those
// bytes arrive in reads of kHttpReadSize and the peer then closes its side.
struct ParsedRequest {
  RequestReader::Status status = RequestReader::Status::NeedMore;  // NeedMore: `bytes` was empty
  Request request;                                                 // as RequestReader::take()
  bool keep_alive = false;                                         // Done only
  unsigned version = 11;
  std::size_t used = 0;  // bytes of `bytes` that belong to this request (Done)
};
ParsedRequest parse_request(std::string_view bytes, const HttpLimits& limits = {});

}  // namespace slab5d
