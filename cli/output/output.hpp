// Output rules (cli.md §3): results on stdout, everything else on stderr; aligned tables
// with relative times on a terminal, tab-separated columns and absolute times otherwise;
// colour unless NO_COLOR or --no-color.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace slab5cli {

struct Column {
  std::string header;
  std::string field;     // JSON pointer-ish path: "name", "created_by.id"
  bool is_time = false;  // RFC 3339 → relative on a terminal
};

class Output {
 public:
  Output();
  void configure(bool json, bool quiet, bool no_color);

  bool json() const { return json_; }
  bool quiet() const { return quiet_; }
  bool stdout_tty() const { return stdout_tty_; }
  bool stderr_tty() const { return stderr_tty_; }
  bool color() const { return color_; }

  // A JSON document on stdout (pretty on a terminal, compact otherwise).
  void print_json(const nlohmann::json& j) const;
  // One JSON document per line (NDJSON).
  void print_json_line(const nlohmann::json& j) const;
  // Rows of objects as a table (terminal; the widest free-text columns cut with "…" to fit its
  // width, never ids, prefixes, statuses, roles or times) or TSV (pipe, never cut).
  void print_table(const std::vector<Column>& cols, const nlohmann::json& rows) const;
  // An object as "key: value" lines on a terminal, "key\tvalue" otherwise.
  void print_fields(const std::vector<Column>& fields, const nlohmann::json& obj) const;
  // A line on stdout, control characters escaped (tabs and newlines kept).
  void print_line(const std::string& s) const;
  // A line already made safe by the caller, e.g. with colour of our own.
  void print_raw_line(const std::string& s) const;

  // stderr
  void info(const std::string& s) const;      // suppressed by --quiet
  void warn(const std::string& s) const;      // "warning: …"
  void error(const std::string& s) const;     // "error: …"
  void hint(const std::string& s) const;      // "hint: …"
  void detail(const std::string& s) const;    // "  …": a line under an error (never suppressed)
  void progress(const std::string& s) const;  // only when stderr is a terminal

  std::string bold(const std::string& s) const;
  std::string green(const std::string& s) const;
  std::string red(const std::string& s) const;
  std::string yellow(const std::string& s) const;

  // The text of a cell: strings with control characters escaped, null as "-", arrays
  // joined with ",".
  std::string cell(const nlohmann::json& obj, const Column& c) const;

 private:
  bool json_ = false;
  bool quiet_ = false;
  bool color_ = false;
  bool stdout_tty_ = false;
  bool stderr_tty_ = false;
};

const nlohmann::json* lookup_field(const nlohmann::json& obj, const std::string& dotted);

}  // namespace slab5cli
