// Beast connection handling, after the Boost.Beast advanced_server_flex example: one
// object per connection, an async read → handle → write loop on the connection's strand,
// tcp_stream timeouts, and request_parser header/body limits.
#include <utility>  // must precede Asio with g++ 12 in C++20 mode

#include "http/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "slab5/ids.hpp"

namespace {
// The Date header value (IMF-fixdate), formatted once per second per thread.
std::string http_date_now() {
  thread_local std::time_t last = 0;
  thread_local std::string text;
  std::time_t now = std::time(nullptr);
  if (now != last) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text = buf;
    last = now;
  }
  return text;
}
}  // namespace

namespace slab5d {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

struct AnswerBatch::Held {
  std::vector<std::pair<net::any_io_executor, std::function<void()>>> answers;
};

namespace {
thread_local AnswerBatch* t_answer_batch = nullptr;
thread_local AnswerBatch::Held* t_held = nullptr;

// Whether an answer for `executor` given now is held: this thread has an AnswerBatch, and the
// answer is for another thread (an I/O thread's own answers are written at once).
bool holding_answers(const net::any_io_executor& executor) {
  const auto* target = executor.target<net::io_context::executor_type>();
  return t_held && target && !target->running_in_this_thread();
}

void hold_answer(const net::any_io_executor& executor, std::function<void()> write) {
  t_held->answers.emplace_back(executor, std::move(write));
}
}  // namespace

AnswerBatch::AnswerBatch() : held_(std::make_unique<Held>()), outer_(t_answer_batch) {
  t_answer_batch = this;
  t_held = held_.get();
}

AnswerBatch::~AnswerBatch() {
  t_answer_batch = outer_;
  t_held = outer_ ? outer_->held_.get() : nullptr;
  auto& answers = held_->answers;
  // One post per I/O thread, with that thread's answers in the order they were given.
  std::vector<bool> sent(answers.size(), false);
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (sent[i]) continue;
    std::vector<std::function<void()>> writes;
    for (std::size_t j = i; j < answers.size(); ++j)
      if (!sent[j] && answers[j].first == answers[i].first) {
        writes.push_back(std::move(answers[j].second));
        sent[j] = true;
      }
    net::post(answers[i].first, [writes = std::move(writes)] {
      for (const auto& w : writes) w();
    });
  }
}

// One io_context per I/O thread, each run by exactly that thread (concurrency hint 1), the
// way nginx runs one worker per core: a connection lives on one thread for its whole life,
// so its handlers need no strand and threads do not wake each other up for every handler.
// The acceptor lives on the first context and deals new connections round robin.
struct HttpServer::Impl {
  std::optional<net::ssl::context> ssl_ctx;
  HttpLimits limits;
  RequestHandler handler;
  BodyRouter body_router;
  std::uint64_t max_stream_limit = 0;
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> stopping{false};
  // Members are destroyed last to first, and these four must go in that order: the acceptor;
  // then the first context, whose pending accept (when the server stopped before the acceptor's
  // close ran) holds a socket of one of the other contexts; then those. Every connection a
  // context still holds refers to the members above, which outlive them all.
  std::vector<std::unique_ptr<net::io_context>> more;  // contexts 2…N, made by run()
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::size_t next = 0;  // the context the next connection goes to (used on ioc's thread)
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};

  void do_accept();
};

namespace {

template <class Derived>
class Connection {
 public:
  Connection(HttpServer::Impl& srv, beast::flat_buffer buffer)
      : srv_(srv), buffer_(std::move(buffer)), reader_(srv.limits) {
    // Room for what the reader may leave unused plus one read: a chunk-size line or a
    // trailer section that never ends is refused, not buffered.
    buffer_.max_size(reader_.max_unused() + kHttpReadSize);
    reader_.set_body_router(&srv.body_router, srv.max_stream_limit);
    srv_.connections++;
  }
  ~Connection() {
    close_file();
    srv_.connections--;
  }

  Derived& derived() { return static_cast<Derived&>(*this); }

  // The read loop of Beast's http::async_read, with RequestReader in place of the parser:
  // bytes already buffered (a pipelined request) are parsed first, then each read is fed
  // until the request is complete or refused.
  void do_read() {
    reader_.start();
    stream_deadline_set_ = false;
    beast::get_lowest_layer(derived().stream()).expires_after(std::chrono::seconds(srv_.limits.read_timeout_seconds));
    if (buffer_.size() > 0) return parse_buffered();
    read_more();
  }

  void read_more() {
    std::size_t room = buffer_.max_size() - buffer_.size();
    if (room == 0) return derived().do_close(true);  // cannot happen: the reader refuses first
    derived().stream().async_read_some(
        buffer_.prepare(std::min(kHttpReadSize, room)),
        beast::bind_front_handler(&Connection::on_read_some, derived().shared_from_this()));
  }

  void on_read_some(beast::error_code ec, std::size_t n) {
    buffer_.commit(n);
    if (ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
      auto status = reader_.feed_eof();
      if (status == RequestReader::Status::NeedMore) return derived().do_close(false);
      return on_request(status);
    }
    if (ec) return derived().do_close(false);  // timeout, reset, shutdown
    parse_buffered();
  }

  void parse_buffered() {
    auto data = buffer_.data();
    RequestReader::Status status;
    std::size_t used = reader_.feed({static_cast<const char*>(data.data()), data.size()}, status);
    buffer_.consume(used);
    if (status == RequestReader::Status::NeedMore) {
      if (!stream_deadline_set_ && reader_.stream_limit() > 0) {
        // A streamed body may be large: its deadline grows with its limit, from now.
        stream_deadline_set_ = true;
        auto extra = reader_.stream_limit() / HttpServer::kMinStreamRate;
        beast::get_lowest_layer(derived().stream())
            .expires_after(std::chrono::seconds(srv_.limits.read_timeout_seconds + std::int64_t(extra)));
      }
      return read_more();
    }
    on_request(status);
  }

  void on_request(RequestReader::Status status) {
    Request req = reader_.take();
    req.remote_ip = remote_ip();
    if (!timers_.set) {
      timers_.executor = derived().stream().get_executor();
      timers_.set = true;
    }
    req.timers = &timers_;
    version_ = reader_.version();
    if (status == RequestReader::Status::Refused) {
      // The rest of the stream cannot be framed: answer once, then close.
      close_after_ = true;
      linger_ = true;
    } else {
      close_after_ = !reader_.keep_alive();
    }
    if (srv_.stopping) close_after_ = true;
    beast::get_lowest_layer(derived().stream()).expires_never();
    srv_.in_flight++;
    auto self = derived().shared_from_this();
    auto executor = derived().stream().get_executor();
    // A response computed on this connection's thread (the usual case) is written at once;
    // one finished on another thread (the blocking pool) is handed back to it.
    responded_ = false;
    try {
      srv_.handler(std::move(req), [self, executor](Response&& resp) {
        if (holding_answers(executor)) {
          hold_answer(executor,
                      [self, resp = std::make_shared<Response>(std::move(resp))] { self->do_write(std::move(*resp)); });
          return;
        }
        net::dispatch(executor, [self, resp = std::move(resp)]() mutable { self->do_write(std::move(resp)); });
      });
    } catch (const std::exception&) {
      // The app answers its own failures; should anything still escape it, this
      // connection ends (unless its answer is already on the way) and the server goes on.
      if (!responded_) {
        responded_ = true;
        srv_.in_flight--;
        derived().do_close(true);
      }
    }
  }

  // The response head is serialised by hand into a buffer the connection keeps, so a
  // response costs no allocation beyond its body. What it writes is what Beast's
  // keep_alive() + prepare_payload() would: the app's headers in order, then Connection
  // when needed, then Content-Length.
  void do_write(Response&& r) {
    if (responded_) return;  // the connection was given up (see on_request)
    responded_ = true;
    // A streamed body has no length: the connection's end is the body's end.
    bool close = close_after_ || r.close || r.stream != nullptr;
    head_.clear();
    head_ += version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    append_number(head_, std::uint64_t(r.status));
    head_.push_back(' ');
    auto reason = http::obsolete_reason(http::int_to_status(unsigned(r.status)));
    head_.append(reason.data(), reason.size());
    head_ += "\r\nDate: ";  // RFC 9110 §6.6.1; `slab5 doctor` reads it for clock skew
    head_ += http_date_now();
    head_ += "\r\n";
    for (const auto& [k, v] : r.headers) {
      head_ += k;
      head_ += ": ";
      head_ += v;
      head_ += "\r\n";
    }
    if (version_ == 10 && !close) head_ += "Connection: keep-alive\r\n";
    if (version_ != 10 && close) head_ += "Connection: close\r\n";
    std::optional<FileSlice> file = std::move(r.file);
    if (file) {
      file_ = std::fopen(file->path.c_str(), "rb");
      if (!file_ || fseeko(file_, off_t(file->offset), SEEK_SET) != 0) {
        // Gone between the handler and here (deleted meanwhile): nothing true can be sent.
        close_file();
        srv_.in_flight--;
        return derived().do_close(false);
      }
      file_left_ = file->length;
    }
    body_source_ = std::move(r.stream);
    if (!body_source_) {
      head_ += "Content-Length: ";
      append_number(head_, file ? file->length : r.body.size());
      head_ += "\r\n";
    }
    head_ += "\r\n";
    body_ = file ? std::string() : std::move(r.body);
    srv_.in_flight--;
    beast::get_lowest_layer(derived().stream()).expires_after(std::chrono::seconds(srv_.limits.read_timeout_seconds));
    std::array<net::const_buffer, 2> bufs{net::buffer(head_), net::buffer(body_)};
    net::async_write(derived().stream(), bufs,
                     [self = derived().shared_from_this(), close](beast::error_code ec, std::size_t) {
                       self->after_write(ec, close);
                     });
  }

  // After the head (and a string body), or after a piece of a file body: the next piece,
  // or the next request.
  void after_write(beast::error_code ec, bool close) {
    if (ec) {
      close_file();
      body_source_.reset();
      return derived().do_close(false);
    }
    if (body_source_) return pull_stream();
    if (file_ && file_left_ > 0) {
      body_.resize(std::size_t(std::min<std::uint64_t>(file_left_, kHttpReadSize)));
      std::size_t n = std::fread(body_.data(), 1, body_.size(), file_);
      if (n == 0) {  // the file shrank under us: the promised length cannot be kept
        close_file();
        return derived().do_close(false);
      }
      body_.resize(n);
      file_left_ -= n;
      beast::get_lowest_layer(derived().stream()).expires_after(std::chrono::seconds(srv_.limits.read_timeout_seconds));
      net::async_write(derived().stream(), net::buffer(body_),
                       [self = derived().shared_from_this(), close](beast::error_code e, std::size_t) {
                         self->after_write(e, close);
                       });
      return;
    }
    close_file();
    if (close) return derived().do_close(linger_);
    do_read();
  }

  // The next piece of a streamed body, written when its source has it. No deadline while
  // waiting (the source sends heartbeats); each write has one, so a reader that stops reading
  // is disconnected instead of making the server hold what it has not taken.
  void pull_stream() {
    beast::get_lowest_layer(derived().stream()).expires_never();
    auto self = derived().shared_from_this();
    auto executor = derived().stream().get_executor();
    body_source_->next([self, executor](std::optional<std::string> piece) {
      net::dispatch(executor, [self, piece = std::move(piece)]() mutable {
        if (!self->body_source_) return;
        if (!piece || self->srv_.stopping) {
          self->body_source_.reset();
          return self->derived().do_close(false);
        }
        self->body_ = std::move(*piece);
        beast::get_lowest_layer(self->derived().stream())
            .expires_after(std::chrono::seconds(self->srv_.limits.read_timeout_seconds));
        net::async_write(self->derived().stream(), net::buffer(self->body_),
                         [self](beast::error_code e, std::size_t) { self->after_write(e, true); });
      });
    });
  }

  void close_file() {
    if (file_) std::fclose(file_);
    file_ = nullptr;
    file_left_ = 0;
  }

 protected:
  HttpServer::Impl& srv_;
  beast::flat_buffer buffer_;

 private:
  // The peer address does not change over a connection's life: looked up once.
  const std::string& remote_ip() {
    if (!remote_known_) {
      beast::error_code ec;
      auto ep = beast::get_lowest_layer(derived().stream()).socket().remote_endpoint(ec);
      if (!ec) remote_ = ep.address().to_string();
      remote_known_ = !ec;
    }
    return remote_;
  }

  // Timers on this connection's io_context. The app holds the connection (through the
  // response callback) for as long as a request waits on one.
  struct ConnectionTimers final : Timers {
    void after(std::chrono::milliseconds delay, std::function<void()> job) override {
      auto timer = std::make_shared<net::steady_timer>(executor, delay);
      timer->async_wait([timer, job = std::move(job)](beast::error_code) { job(); });
    }
    net::any_io_executor executor;
    bool set = false;
  };

  RequestReader reader_;
  ConnectionTimers timers_;  // its executor is set with the first request
  bool close_after_ = false;
  bool linger_ = false;     // the peer may still be sending the rest of a refused request
  bool responded_ = false;  // do_write ran (or the connection was given up) for this request
  unsigned version_ = 11;
  std::string remote_;
  bool remote_known_ = false;
  std::string head_;  // the response being written: head and body
  std::string body_;
  std::FILE* file_ = nullptr;                // a file body being sent, piece by piece
  std::shared_ptr<BodySource> body_source_;  // a streamed body being sent, piece by piece
  std::uint64_t file_left_ = 0;
  bool stream_deadline_set_ = false;

  static void append_number(std::string& out, std::uint64_t v) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
  }
};

class PlainConnection : public Connection<PlainConnection>, public std::enable_shared_from_this<PlainConnection> {
 public:
  PlainConnection(HttpServer::Impl& srv, tcp::socket&& s, beast::flat_buffer buf)
      : Connection(srv, std::move(buf)), stream_(std::move(s)) {}
  beast::tcp_stream& stream() { return stream_; }
  void run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&PlainConnection::do_read, shared_from_this()));
  }
  // After the answer to a refused request the peer may still be sending; closing with
  // unread bytes would reset the connection and could destroy the answer before the peer
  // reads it. So the sending side is shut first and what still arrives is read and dropped,
  // for at most 2 seconds and a body's worth of bytes.
  void do_close(bool linger) {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (!linger || ec) {
      stream_.socket().close(ec);
      return;
    }
    stream_.expires_after(std::chrono::seconds(2));
    drain(0);
  }

 private:
  void drain(std::size_t so_far) {
    buffer_.clear();
    std::size_t size = std::min(kHttpReadSize, buffer_.max_size());
    stream_.async_read_some(buffer_.prepare(size),
                            [self = shared_from_this(), so_far](beast::error_code ec, std::size_t n) {
                              if (ec || so_far + n > self->srv_.limits.body_limit + kHttpReadSize) {
                                beast::error_code ignored;
                                self->stream_.socket().close(ignored);
                                return;
                              }
                              self->drain(so_far + n);
                            });
  }

  beast::tcp_stream stream_;
};

class TlsConnection : public Connection<TlsConnection>, public std::enable_shared_from_this<TlsConnection> {
 public:
  TlsConnection(HttpServer::Impl& srv, tcp::socket&& s, net::ssl::context& ctx, beast::flat_buffer buf)
      : Connection(srv, std::move(buf)), stream_(std::move(s), ctx) {}
  beast::ssl_stream<beast::tcp_stream>& stream() { return stream_; }
  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      beast::get_lowest_layer(self->stream_)
          .expires_after(std::chrono::seconds(self->srv_.limits.read_timeout_seconds));
      self->stream_.async_handshake(net::ssl::stream_base::server, self->buffer_.data(),
                                    [self](beast::error_code ec, std::size_t used) {
                                      if (ec) return self->close_socket();
                                      self->buffer_.consume(used);
                                      self->do_read();
                                    });
    });
  }
  void do_close(bool) {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close_socket(); });
  }

 private:
  void close_socket() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }
  beast::ssl_stream<beast::tcp_stream> stream_;
};

}  // namespace

void HttpServer::Impl::do_accept() {
  std::size_t pick = next++ % (more.size() + 1);
  net::io_context& target = pick == 0 ? ioc : *more[pick - 1];
  acceptor.async_accept(target, [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || stopping) return;
      // Out of file descriptors and similar: keep serving what we have, try again shortly.
      auto timer = std::make_shared<net::steady_timer>(ioc, std::chrono::milliseconds(50));
      timer->async_wait([this, timer](beast::error_code) {
        if (!stopping) do_accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (ssl_ctx) {
      std::make_shared<TlsConnection>(*this, std::move(socket), *ssl_ctx, beast::flat_buffer{})->run();
    } else {
      std::make_shared<PlainConnection>(*this, std::move(socket), beast::flat_buffer{})->run();
    }
    do_accept();
  });
}

HttpServer::HttpServer(const std::string& host, std::uint16_t port, HttpLimits limits, TlsFiles tls,
                       RequestHandler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
  impl_->handler = std::move(handler);
  if (tls.enabled()) {
    impl_->ssl_ctx.emplace(net::ssl::context::tls_server);
    beast::error_code ec;
    impl_->ssl_ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                                net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                                net::ssl::context::no_tlsv1_1);
    impl_->ssl_ctx->use_certificate_chain_file(tls.cert_file, ec);
    if (ec) throw std::runtime_error("cannot read TLS certificate " + tls.cert_file + ": " + ec.message());
    impl_->ssl_ctx->use_private_key_file(tls.key_file, net::ssl::context::pem, ec);
    if (ec) throw std::runtime_error("cannot read TLS key " + tls.key_file + ": " + ec.message());
  }
  beast::error_code ec;
  auto addr = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) throw std::runtime_error("invalid listen address '" + host + "'");
  tcp::endpoint ep(addr, port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  impl_->do_accept();
}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}
std::string HttpServer::host() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).address().to_string();
}

void HttpServer::set_body_router(BodyRouter router, std::uint64_t max_stream_limit) {
  impl_->body_router = std::move(router);
  impl_->max_stream_limit = max_stream_limit;
}

std::size_t HttpServer::open_connections() const { return impl_->connections; }

void HttpServer::run(int threads) {
  for (int i = 1; i < threads; ++i) {
    impl_->more.push_back(std::make_unique<net::io_context>(1));
    impl_->guards.push_back(net::make_work_guard(*impl_->more.back()));
  }
  std::vector<std::thread> pool;
  // A handler that throws unwinds out of run(); the connection it belonged to is gone with
  // it, and the thread goes back to serving the others rather than ending the process.
  auto serve = [](net::io_context& ctx) {
    for (;;) {
      try {
        ctx.run();
        return;
      } catch (const std::exception&) {
      }
    }
  };
  for (auto& ctx : impl_->more) pool.emplace_back([c = ctx.get(), serve] { serve(*c); });
  serve(impl_->ioc);
  for (auto& t : pool) t.join();
}

void HttpServer::shutdown(int grace_seconds) {
  impl_->stopping = true;
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_seconds);
  while (impl_->in_flight > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Give the last responses a moment to leave the socket buffers.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  impl_->ioc.stop();
  for (auto& ctx : impl_->more) ctx->stop();
}

}  // namespace slab5d
