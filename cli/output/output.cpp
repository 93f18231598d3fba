#include "output/output.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "slab5/time.hpp"

namespace slab5cli {

Output::Output() {
  stdout_tty_ = isatty(1);
  stderr_tty_ = isatty(2);
}

void Output::configure(bool json, bool quiet, bool no_color) {
  json_ = json;
  quiet_ = quiet;
  const char* nc = std::getenv("NO_COLOR");
  color_ = !no_color && !(nc && *nc) && stdout_tty_;
}

namespace {
void write_out(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
}
void write_err(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stderr);
  std::fflush(stderr);
}
// Display width of a UTF-8 string (code points; good enough for tables).
std::size_t width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}
}  // namespace

const nlohmann::json* lookup_field(const nlohmann::json& obj, const std::string& dotted) {
  const nlohmann::json* cur = &obj;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    auto dot = dotted.find('.', start);
    std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(key)) return nullptr;
    cur = &(*cur)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

std::string Output::cell(const nlohmann::json& obj, const Column& c) const {
  const nlohmann::json* v = lookup_field(obj, c.field);
  if (!v || v->is_null()) return "-";
  if (v->is_string()) {
    std::string s = v->get<std::string>();
    if (c.is_time && stdout_tty_) {
      if (auto t = slab5::parse_rfc3339(s)) return slab5::relative_time(*t, slab5::now_millis());
    }
    // Tabs and newlines would break TSV rows.
    std::replace(s.begin(), s.end(), '\t', ' ');
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
  }
  if (v->is_array()) {
    std::string out;
    for (const auto& e : *v) {
      if (!out.empty()) out += ",";
      out += e.is_string() ? e.get<std::string>() : e.dump();
    }
    return out.empty() ? "-" : out;
  }
  return v->dump();
}

void Output::print_json(const nlohmann::json& j) const {
  write_out(j.dump(stdout_tty_ ? 2 : -1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  std::fflush(stdout);
}

void Output::print_json_line(const nlohmann::json& j) const {
  write_out(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  std::fflush(stdout);
}

void Output::print_table(const std::vector<Column>& cols, const nlohmann::json& rows) const {
  std::vector<std::vector<std::string>> cells;
  if (rows.is_array())
    for (const auto& r : rows) {
      std::vector<std::string> line;
      for (const auto& c : cols) line.push_back(cell(r, c));
      cells.push_back(std::move(line));
    }
  if (!stdout_tty_) {
    for (const auto& line : cells) {
      std::string s;
      for (std::size_t i = 0; i < line.size(); ++i) s += (i ? "\t" : "") + line[i];
      write_out(s + "\n");
    }
    std::fflush(stdout);
    return;
  }
  std::vector<std::size_t> w(cols.size());
  for (std::size_t i = 0; i < cols.size(); ++i) w[i] = width(cols[i].header);
  for (const auto& line : cells)
    for (std::size_t i = 0; i < line.size(); ++i) w[i] = std::max(w[i], width(line[i]));
  auto render = [&](const std::vector<std::string>& line, bool header) {
    std::string s;
    for (std::size_t i = 0; i < line.size(); ++i) {
      std::string text = line[i];
      if (i + 1 < line.size()) text += std::string(w[i] - width(line[i]) + 2, ' ');
      s += header ? bold(text) : text;
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    write_out(s + "\n");
  };
  std::vector<std::string> header;
  for (const auto& c : cols) header.push_back(c.header);
  render(header, true);
  for (const auto& line : cells) render(line, false);
  if (cells.empty()) write_err("(none)\n");
  std::fflush(stdout);
}

void Output::print_fields(const std::vector<Column>& fields, const nlohmann::json& obj) const {
  std::size_t w = 0;
  for (const auto& f : fields) w = std::max(w, width(f.header));
  for (const auto& f : fields) {
    std::string v = cell(obj, f);
    if (stdout_tty_)
      write_out(bold(f.header + ":") + std::string(w - width(f.header) + 1, ' ') + v + "\n");
    else
      write_out(f.header + "\t" + v + "\n");
  }
  std::fflush(stdout);
}

void Output::print_line(const std::string& s) const {
  write_out(s + "\n");
  std::fflush(stdout);
}

void Output::info(const std::string& s) const {
  if (!quiet_) write_err(s + "\n");
}
void Output::warn(const std::string& s) const { write_err((stderr_tty_ && color_ ? yellow("warning:") : "warning:") + " " + s + "\n"); }
void Output::error(const std::string& s) const { write_err((stderr_tty_ && color_ ? red("error:") : "error:") + " " + s + "\n"); }
void Output::hint(const std::string& s) const { write_err("hint: " + s + "\n"); }
void Output::progress(const std::string& s) const {
  if (stderr_tty_ && !quiet_) write_err("\r\033[K" + s);
}

std::string Output::bold(const std::string& s) const { return color_ ? "\033[1m" + s + "\033[0m" : s; }
std::string Output::green(const std::string& s) const { return color_ ? "\033[32m" + s + "\033[0m" : s; }
std::string Output::red(const std::string& s) const { return color_ ? "\033[31m" + s + "\033[0m" : s; }
std::string Output::yellow(const std::string& s) const { return color_ ? "\033[33m" + s + "\033[0m" : s; }

}  // namespace slab5cli
