#include "domain/mail.hpp"

#include "app.hpp"
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

std::string send_mail(App& /*app*/, Db& db, const Mail& m) { return store_mail(db, m); }

slab5::Json list_mail(Db& db, const std::string& to) {
  slab5::Json out = slab5::Json::array();
  auto q = db.query("SELECT id, to_addr, subject, kind, token, link, created_at FROM mail "
                    "WHERE (? = '' OR to_addr = ?) ORDER BY id DESC",
                    to, to);
  while (q.next())
    out.push_back({{"id", q.text(0)},
                   {"to", q.text(1)},
                   {"subject", q.text(2)},
                   {"kind", q.text(3)},
                   {"token", q.text(4)},
                   {"link", q.text(5)},
                   {"created_at", q.text(6)}});
  return out;
}

void clear_mail(Db& db) { db.exec("DELETE FROM mail"); }

}  // namespace slab5d
