#include "domain/mail.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "app.hpp"
#include "domain/kek.hpp"
#include "logger.hpp"
#include "work_pool.hpp"
#include "slab5/ids.hpp"
#include "slab5/time.hpp"

namespace slab5d {

namespace {
constexpr std::string_view kMailPurpose = "dev mailbox";

// Token, link and body all carry the one-time token: each is sealed under the KEK, bound to
// the message id and the column, so a value cannot be moved to another row or column.
std::string seal_field(const std::string& kek, const std::string& id, std::string_view column, const std::string& v) {
  if (v.empty()) return v;
  return seal_with_kek(kek, kMailPurpose, id + "\n" + std::string(column), v);
}
std::string open_field(const std::string& kek, const std::string& id, std::string_view column, const std::string& v) {
  if (v.empty()) return v;
  // A value this process cannot open (the .kek file was replaced) shows as empty.
  return open_with_kek(kek, kMailPurpose, id + "\n" + std::string(column), v).value_or("");
}
}  // namespace

std::string store_mail(Db& db, const Mail& m, const std::string& kek) {
  std::string id = slab5::new_id("msg");
  db.query("INSERT INTO mail (id, to_addr, subject, kind, token, link, body, created_at) VALUES (?,?,?,?,?,?,?,?)", id,
           m.to, m.subject, m.kind, seal_field(kek, id, "token", m.token), seal_field(kek, id, "link", m.link),
           seal_field(kek, id, "body", m.body), slab5::format_rfc3339(slab5::now_millis()))
      .run();
  return id;
}

namespace {
// Header values: no CR, LF or other control characters (no header injection).
std::string header_value(std::string v) {
  for (auto& c : v)
    if ((unsigned char)c < 0x20 || c == 0x7f) c = ' ';
  return v;
}

// "Name <addr>" or "addr" → "<addr>".
std::string angle_address(const std::string& a) {
  auto lt = a.find('<');
  auto gt = a.find('>', lt == std::string::npos ? 0 : lt);
  if (lt != std::string::npos && gt != std::string::npos) return a.substr(lt, gt - lt + 1);
  return "<" + a + ">";
}

struct Upload {
  std::string data;
  std::size_t pos = 0;
};
size_t read_upload(char* buf, size_t size, size_t nmemb, void* userdata) {
  auto* u = static_cast<Upload*>(userdata);
  std::size_t n = std::min(size * nmemb, u->data.size() - u->pos);
  std::memcpy(buf, u->data.data() + u->pos, n);
  u->pos += n;
  return n;
}
}  // namespace

std::string format_message(const std::string& from, const Mail& m, const std::string& message_id) {
  char date[64];
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  std::string msg = "From: " + header_value(from) + "\r\n" + "To: " + angle_address(header_value(m.to)) + "\r\n" +
                    "Subject: " + header_value(m.subject) + "\r\n" + "Date: " + date + "\r\n" +
                    "Message-ID: <" + message_id + "@slab5.local>\r\n" + "MIME-Version: 1.0\r\n" +
                    "Content-Type: text/plain; charset=utf-8\r\n" + "Content-Transfer-Encoding: 8bit\r\n\r\n";
  // Body lines end in CRLF; libcurl dot-stuffs lines that start with '.'.
  for (char c : m.body) {
    if (c == '\n') msg += "\r\n";
    else if (c != '\r') msg.push_back(c);
  }
  if (msg.size() < 2 || msg.substr(msg.size() - 2) != "\r\n") msg += "\r\n";
  return msg;
}

std::string smtp_send(const std::string& smtp_url, const std::string& from, const Mail& m) {
  CURL* c = curl_easy_init();
  if (!c) return "libcurl could not be initialised";
  Upload up{format_message(from, m, slab5::new_ulid(slab5::now_millis())), 0};
  std::string mail_from = angle_address(from);
  std::string rcpt_to = angle_address(header_value(m.to));
  curl_slist* rcpt = curl_slist_append(nullptr, rcpt_to.c_str());
  curl_easy_setopt(c, CURLOPT_URL, smtp_url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(c, CURLOPT_READDATA, &up);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_USE_SSL, long(CURLUSESSL_TRY));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(c);
  return rc == CURLE_OK ? std::string() : std::string(curl_easy_strerror(rc));
}

std::string send_mail(App& app, Db& db, const Mail& m) {
  const auto& cfg = app.config();
  // The dev mailbox is the one place a one-time token is kept recoverable, because
  // GET /v1/dev/mail must show it; it is stored sealed under the KEK, never in clear.
  // Without the dev routes nothing can read it, so only the envelope (recipient, subject,
  // kind) is kept and the token never reaches the database at all.
  Mail kept = m;
  if (!cfg.dev_routes) {
    kept.token.clear();
    kept.link.clear();
    kept.body.clear();
  }
  std::string id = store_mail(db, kept, key_encryption_key(kek_path(app)));
  if (!cfg.smtp_url.empty()) {
    // Delivered off the request path; a failure is logged (without the body or token).
    app.blocking_pool().post([url = cfg.smtp_url, from = cfg.mail_from, m, id] {
      std::string err = smtp_send(url, from, m);
      if (err.empty())
        logger().log(LogLevel::Info, "mail sent", {{"mail_id", id}, {"kind", m.kind}});
      else
        logger().log(LogLevel::Warn, "mail not sent", {{"mail_id", id}, {"kind", m.kind}, {"error", err}});
    });
  }
  return id;
}

slab5::Json list_mail(Db& db, const std::string& to, const std::string& kek) {
  slab5::Json out = slab5::Json::array();
  auto q = db.query("SELECT id, to_addr, subject, kind, token, link, created_at FROM mail "
                    "WHERE (? = '' OR to_addr = ?) ORDER BY id DESC",
                    to, to);
  while (q.next()) {
    std::string id = q.text(0);
    out.push_back({{"id", id},
                   {"to", q.text(1)},
                   {"subject", q.text(2)},
                   {"kind", q.text(3)},
                   {"token", open_field(kek, id, "token", q.text(4))},
                   {"link", open_field(kek, id, "link", q.text(5))},
                   {"created_at", q.text(6)}});
  }
  return out;
}

void clear_mail(Db& db) { db.exec("DELETE FROM mail"); }

}  // namespace slab5d
