#include "domain/mail.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "domain/kek.hpp"
#include "domain/write.hpp"
#include "logger.hpp"
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

slab5::Result<std::string> store_mail(MailStore& store, const Mail& m, const std::string& kek) {
  StoredMail row;
  row.id = slab5::new_id("msg");
  row.to = m.to;
  row.subject = m.subject;
  row.kind = m.kind;
  row.token = seal_field(kek, row.id, "token", m.token);
  row.link = seal_field(kek, row.id, "link", m.link);
  row.body = seal_field(kek, row.id, "body", m.body);
  row.created_at = slab5::format_rfc3339(slab5::now_millis());
  if (auto st = store.insert(row); !st) return tl::unexpected(st.error());
  return row.id;
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
  // The server clock (api.md §9.1): a mail sent after the clock moved is dated when it says.
  std::time_t t = std::time_t(slab5::now_millis() / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  std::string msg = "From: " + header_value(from) + "\r\n" + "To: " + angle_address(header_value(m.to)) + "\r\n" +
                    "Subject: " + header_value(m.subject) + "\r\n" + "Date: " + date + "\r\n" + "Message-ID: <" +
                    message_id + "@slab5.local>\r\n" + "MIME-Version: 1.0\r\n" +
                    "Content-Type: text/plain; charset=utf-8\r\n" + "Content-Transfer-Encoding: 8bit\r\n\r\n";
  // Body lines end in CRLF; libcurl dot-stuffs lines that start with '.'.
  for (char c : m.body) {
    if (c == '\n')
      msg += "\r\n";
    else if (c != '\r')
      msg.push_back(c);
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

slab5::Result<std::string> send_mail(MailStore& store, const MailSettings& settings, const Mail& m) {
  // The dev mailbox is the one place a one-time token is kept recoverable, because
  // GET /v1/dev/mail must show it; it is stored sealed under the KEK, never in clear.
  // Without the dev routes nothing can read it, so only the envelope (recipient, subject,
  // kind) is kept and the token never reaches the database at all.
  Mail kept = m;
  if (!settings.keep_content) {
    kept.token.clear();
    kept.link.clear();
    kept.body.clear();
  }
  auto id = store_mail(store, kept, key_encryption_key(settings.kek_path));
  if (!id) return id;
  if (!settings.smtp_url.empty()) {
    // Delivered off the request path; a failure is logged (without the body or token).
    auto job = [url = settings.smtp_url, from = settings.from, m, id = *id] {
      std::string err = smtp_send(url, from, m);
      if (err.empty())
        logger().log(LogLevel::Info, "mail sent", {{"mail_id", id}, {"kind", m.kind}});
      else
        logger().log(LogLevel::Warn, "mail not sent", {{"mail_id", id}, {"kind", m.kind}, {"error", err}});
    };
    if (settings.post)
      settings.post(std::move(job));
    else
      job();
  }
  return id;
}

slab5::Result<slab5::Json> dev_mailbox(Conn& db, const std::string& to, const std::string& kek) {
  auto rows = db.identity().mail->list(to);
  if (!rows) return tl::unexpected(rows.error());
  slab5::Json out = slab5::Json::array();
  for (const auto& r : *rows)
    out.push_back({{"id", r.id},
                   {"to", r.to},
                   {"subject", r.subject},
                   {"kind", r.kind},
                   {"token", open_field(kek, r.id, "token", r.token)},
                   {"link", open_field(kek, r.id, "link", r.link)},
                   {"created_at", r.created_at}});
  return out;
}

slab5::Status clear_dev_mailbox(Conn& db, const Actor& actor, const RequestMeta& meta) {
  // Not audited (a development route): the unit is the transaction only.
  WriteUnit unit(db, actor, meta);
  if (auto st = db.identity().mail->clear(); !st) return st;
  return unit.commit();
}

}  // namespace slab5d
