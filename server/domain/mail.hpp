// Outgoing mail: every message lands in the development mailbox (MailStore, read by
// GET /v1/dev/mail); with an SMTP URL it is also sent through libcurl's SMTP support. The
// token, link and body are stored sealed under the key-encryption key (domain/kek.hpp).
#pragma once
#include <functional>
#include <string>

#include "domain/actor.hpp"
#include "slab5/error.hpp"
#include "slab5/json_util.hpp"
#include "store/conn.hpp"
#include "store/identity_store.hpp"

namespace slab5d {

struct Mail {
  std::string to;
  std::string subject;
  std::string kind;   // verify_email | invitation | already_registered
  std::string token;  // the one-time token the mail carries ("" when none)
  std::string link;
  std::string body;
};

struct MailSettings {
  // Keep token, link and body (sealed) for GET /v1/dev/mail; without the dev routes nothing
  // reads them, so only the envelope is kept.
  bool keep_content = true;
  std::string smtp_url;  // "" → the dev mailbox only
  std::string from = "slab5d <no-reply@slab5.local>";
  std::string kek_path;  // the KEK that seals what the mailbox keeps ("" → process memory)
  std::string base_url;  // where links in mail point: the server's base URL
  // Runs SMTP delivery off the caller's thread (the server's blocking pool); inline when unset.
  std::function<void(std::function<void()>)> post;
};

// Stores the mail (inside the caller's transaction, if any), its token, link and body sealed
// under `kek`. Returns the mail id.
slab5::Result<std::string> store_mail(MailStore& store, const Mail& mail, const std::string& kek);
// Stores the mail and, with an SMTP URL, queues it for SMTP delivery (delivery failures are
// logged, never returned to the caller).
slab5::Result<std::string> send_mail(MailStore& store, const MailSettings& settings, const Mail& mail);

// The RFC 5322 message for a mail (CRLF line ends; header values cannot break lines).
std::string format_message(const std::string& from, const Mail& mail, const std::string& message_id);
// Sends one message through libcurl's SMTP client (smtp:// with STARTTLS when offered, or
// smtps://). Returns an error message, or "" on success.
std::string smtp_send(const std::string& smtp_url, const std::string& from, const Mail& mail);

// GET /v1/dev/mail: the dev mailbox, newest first, with token and link opened with `kek`;
// `to` filters by address when not empty.
slab5::Result<slab5::Json> dev_mailbox(Conn& db, const std::string& to, const std::string& kek);
// DELETE /v1/dev/mail
slab5::Status clear_dev_mailbox(Conn& db, const Actor& actor, const RequestMeta& meta);

}  // namespace slab5d
