// Outgoing mail: every message lands in the development mailbox (the mail table, read by
// GET /v1/dev/mail); with --smtp-url it is also sent through libcurl's SMTP support. The
// token, link and body are stored sealed under the key-encryption key (domain/kek.hpp).
#pragma once
#include <string>

#include "slab5/json_util.hpp"
#include "store/db.hpp"

namespace slab5d {

class App;

struct Mail {
  std::string to;
  std::string subject;
  std::string kind;   // verify_email | invitation | already_registered
  std::string token;  // the one-time token the mail carries ("" when none)
  std::string link;
  std::string body;
};

// Stores the mail (inside the caller's transaction, if any), its token, link and body sealed
// under `kek`. Returns the mail id.
std::string store_mail(Db& db, const Mail& mail, const std::string& kek);
// Stores the mail and, when the server has an SMTP URL, queues it for SMTP delivery on the
// blocking pool (delivery failures are logged, never returned to the caller).
std::string send_mail(App& app, Db& db, const Mail& mail);

// The RFC 5322 message for a mail (CRLF line ends; header values cannot break lines).
std::string format_message(const std::string& from, const Mail& mail, const std::string& message_id);
// Sends one message through libcurl's SMTP client (smtp:// with STARTTLS when offered, or
// smtps://). Returns an error message, or "" on success.
std::string smtp_send(const std::string& smtp_url, const std::string& from, const Mail& mail);

// The dev mailbox, newest first, with token and link opened with `kek`; `to` filters by
// address when not empty.
slab5::Json list_mail(Db& db, const std::string& to, const std::string& kek);
void clear_mail(Db& db);

}  // namespace slab5d
