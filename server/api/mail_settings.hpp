// Where the server's mail goes (domain/mail.hpp), from its settings: the routes that send mail
// hand this to the rules.
#pragma once
#include <utility>

#include "app.hpp"
#include "domain/kek.hpp"
#include "domain/mail.hpp"
#include "work_pool.hpp"

namespace slab5d {

inline MailSettings mail_settings(App& app) {
  MailSettings m;
  m.keep_content = app.config().dev_routes;
  m.smtp_url = app.config().smtp_url;
  m.from = app.config().mail_from;
  m.kek_path = app.kek_file();
  m.base_url = app.base_url();
  m.post = [&app](std::function<void()> job) { app.blocking_pool().post(std::move(job)); };
  return m;
}

}  // namespace slab5d
