#include "output/output.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "output/terminal_text.hpp"
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
void write_out(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }
void write_err(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stderr);
  std::fflush(stderr);
}
std::size_t width(const std::string& s) { return display_width(s); }

// How a column gives way when a table is wider than the terminal (cli.md §3): free text is
// cut first, then short values such as times and roles; ids, prefixes and statuses never.
enum class Give { Never, FreeText, Short };

Give give_of(const Column& c) {
  if (c.header.empty()) return Give::Never;
  auto dot = c.field.rfind('.');
  std::string last = dot == std::string::npos ? c.field : c.field.substr(dot + 1);
  if (last == "id" || last.ends_with("_id") || last == "prefix" || last == "status") return Give::Never;
  if (c.is_time || last == "role" || last == "current" || last == "enabled") return Give::Short;
  return Give::FreeText;
}

// Narrows the widest column of the first tier that can still give, one column at a time,
// until the row fits `total` (or nothing can give any more: the row then runs over).
void fit_widths(std::vector<std::size_t>& w, const std::vector<Column>& cols, std::size_t total) {
  auto row_width = [&] {
    std::size_t sum = 0;
    for (auto x : w) sum += x;
    return sum + 2 * (w.empty() ? 0 : w.size() - 1);
  };
  while (row_width() > total) {
    std::size_t widest = w.size();
    for (Give tier : {Give::FreeText, Give::Short}) {
      std::size_t floor = tier == Give::FreeText ? 6 : 4;
      for (std::size_t i = 0; i < w.size(); ++i)
        if (give_of(cols[i]) == tier && w[i] > floor && (widest == w.size() || w[i] > w[widest])) widest = i;
      if (widest != w.size()) break;
    }
    if (widest == w.size()) return;
    --w[widest];
  }
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
    // Control characters (and tabs and newlines, which would break TSV rows) are escaped.
    return escape_controls(s);
  }
  if (v->is_array()) {
    std::string out;
    for (const auto& e : *v) {
      if (!out.empty()) out += ",";
      out += e.is_string() ? e.get<std::string>() : e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return out.empty() ? "-" : escape_controls(out);
  }
  return escape_controls(v->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
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
  fit_widths(w, cols, terminal_width());
  auto render = [&](const std::vector<std::string>& line, bool header) {
    std::string s;
    for (std::size_t i = 0; i < line.size(); ++i) {
      std::string text = cut_to_width(line[i], w[i]);
      if (i + 1 < line.size()) text += std::string(w[i] - width(text) + 2, ' ');
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
  write_out(escape_controls(s, true) + "\n");
  std::fflush(stdout);
}

void Output::print_raw_line(const std::string& s) const {
  write_out(s + "\n");
  std::fflush(stdout);
}

// Messages may quote what a server sent (names, its error message): escaped like results.
void Output::info(const std::string& s) const {
  if (!quiet_) write_err(escape_controls(s, true) + "\n");
}
void Output::warn(const std::string& s) const {
  write_err((stderr_tty_ && color_ ? yellow("warning:") : "warning:") + " " + escape_controls(s, true) + "\n");
}
void Output::error(const std::string& s) const {
  write_err((stderr_tty_ && color_ ? red("error:") : "error:") + " " + escape_controls(s, true) + "\n");
}
void Output::hint(const std::string& s) const { write_err("hint: " + escape_controls(s, true) + "\n"); }
void Output::detail(const std::string& s) const { write_err("  " + escape_controls(s, true) + "\n"); }
void Output::progress(const std::string& s) const {
  if (stderr_tty_ && !quiet_) write_err("\r\033[K" + s);
}

std::string Output::bold(const std::string& s) const { return color_ ? "\033[1m" + s + "\033[0m" : s; }
std::string Output::green(const std::string& s) const { return color_ ? "\033[32m" + s + "\033[0m" : s; }
std::string Output::red(const std::string& s) const { return color_ ? "\033[31m" + s + "\033[0m" : s; }
std::string Output::yellow(const std::string& s) const { return color_ ? "\033[33m" + s + "\033[0m" : s; }

}  // namespace slab5cli
