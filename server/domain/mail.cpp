#include "domain/mail.hpp"

#include "slab5/ids.hpp"
#include "slab5/time.hpp"

namespace slab5d {

std::string store_mail(Db& db, const Mail& m) {
  std::string id = slab5::new_id("msg");
  db.query("INSERT INTO mail (id, to_addr, subject, kind, token, link, body, created_at) VALUES (?,?,?,?,?,?,?,?)", id,
           m.to, m.subject, m.kind, m.token, m.link, m.body, slab5::format_rfc3339(slab5::now_millis()))
      .run();
  return id;
}

}  // namespace slab5d
