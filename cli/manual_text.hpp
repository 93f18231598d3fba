// AsciiDoc for the manual pages, written from a CLI11 command table: every command with its
// synopsis, description, flags and examples; the top-level flags; a plain listing of every
// command and flag for the test that holds the rendered pages complete. Header-only so that
// slab5d (which does not link slab5's library) generates its page the same way.
#pragma once
#include <CLI/CLI.hpp>
#include <algorithm>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace manual_text {

// AsciiDoc special characters that CLI11 help text may hold.
inline std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '{':
        out += "\\{";
        break;
      case '*':
        out += "{asterisk}";
        break;
      case '`':
        out += "{backtick}";
        break;
      case '+':
        out += "{plus}";
        break;
      case '^':
        out += "{caret}";
        break;
      case '~':
        out += "{tilde}";
        break;
      default:
        out += c;
    }
  }
  return out;
}

inline bool visible(const CLI::App* sub) { return !sub->get_name().empty() && !sub->get_group().empty(); }

inline std::vector<CLI::App*> visible_subcommands(CLI::App& app) {
  return app.get_subcommands([](CLI::App* s) { return visible(s); });
}

inline std::vector<CLI::Option*> flags_of(CLI::App& app) {
  return app.get_options([](const CLI::Option* o) { return !o->get_positional() && !o->get_group().empty(); });
}
inline std::vector<CLI::Option*> positionals_of(CLI::App& app) {
  return app.get_options([](const CLI::Option* o) { return o->get_positional(); });
}

inline std::string upper(std::string s) {
  for (auto& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

inline bool takes_value(const CLI::Option* o) { return o->get_items_expected_min() > 0 || o->get_expected_max() > 0; }

// "-X, --method METHOD"
inline std::string flag_term(const CLI::Option* o) {
  std::string t;
  for (const auto& s : o->get_snames()) t += (t.empty() ? "" : ", ") + std::string("*-") + s + "*";
  for (const auto& l : o->get_lnames()) t += (t.empty() ? "" : ", ") + std::string("*--") + l + "*";
  if (takes_value(o)) {
    std::string v = o->get_lnames().empty() ? "VALUE" : upper(o->get_lnames().front());
    for (auto& c : v)
      if (c == '-') c = '_';
    t += " _" + v + "_";
  }
  return t;
}

inline std::string synopsis(CLI::App& app, const std::string& path) {
  std::string s = "*" + path + "*";
  auto flags = flags_of(app);
  if (std::any_of(flags.begin(), flags.end(), [](CLI::Option* o) { return !o->check_lname("help"); }))
    s += " [_FLAGS_]";
  for (auto* p : positionals_of(app)) {
    std::string n = upper(p->get_name());
    bool many = p->get_items_expected_max() > 1;
    s += p->get_required() ? " _" + n + "_" + (many ? "..." : "") : " [_" + n + "_" + (many ? "..." : "") + "]";
  }
  if (!visible_subcommands(app).empty()) s += " [_SUBCOMMAND_]";
  return s;
}

inline void write_flag_list(std::ostream& out, const std::vector<CLI::Option*>& flags,
                            const std::function<std::string(const CLI::Option*)>& extra = {}) {
  for (auto* o : flags) {
    out << flag_term(o) << "::\n  " << escape(o->get_description());
    if (extra) out << extra(o);
    if (!o->get_envname().empty()) out << " (environment: *" << o->get_envname() << "*)";
    out << "\n";
  }
}

// One subsection per command (depth first), with its synopsis, flags and the examples of
// its --help footer. `extra` adds text to a flag (e.g. its fixed values).
inline void write_commands(std::ostream& out, CLI::App& app, const std::string& path,
                           const std::function<std::string(const CLI::Option*)>& extra = {}) {
  for (auto* sub : visible_subcommands(app)) {
    std::string p = path + " " + sub->get_name();
    out << "=== " << p << "\n\n" << synopsis(*sub, p) << "\n\n" << escape(sub->get_description()) << "\n\n";
    auto pos = positionals_of(*sub);
    auto flags = flags_of(*sub);
    flags.erase(std::remove_if(flags.begin(), flags.end(), [](CLI::Option* o) { return o->check_lname("help"); }),
                flags.end());
    if (!pos.empty() || !flags.empty()) {
      for (auto* o : pos) {
        out << "_" << upper(o->get_name()) << "_::\n  " << escape(o->get_description());
        if (extra) out << extra(o);
        out << "\n";
      }
      write_flag_list(out, flags, extra);
      out << "\n";
    }
    if (!sub->get_footer().empty()) out << "....\n" << sub->get_footer() << "\n....\n\n";
    write_commands(out, *sub, p, extra);
  }
}

// Every command path, then its flags, one command a line: "slab5 config set\t--json --quiet …".
// Hidden commands are left out; global flags are listed with the program alone.
inline void list_commands(std::ostream& out, CLI::App& app, const std::string& path) {
  out << path << "\t";
  std::string flags;
  auto add = [&flags](const char* dashes, const std::string& name) {
    if (!flags.empty()) flags.push_back(' ');
    flags.append(dashes).append(name);
  };
  for (auto* o : flags_of(app)) {
    for (const auto& l : o->get_lnames()) add("--", l);
    if (o->get_lnames().empty())
      for (const auto& s : o->get_snames()) add("-", s);
  }
  out << flags << "\n";
  for (auto* sub : visible_subcommands(app)) list_commands(out, *sub, path + " " + sub->get_name());
}

// Every environment variable the table's flags read, with the first flag's description.
inline void write_environment_from_flags(std::ostream& out, CLI::App& app) {
  std::vector<std::string> seen;
  std::function<void(CLI::App&)> walk = [&](CLI::App& a) {
    for (auto* o : flags_of(a)) {
      const auto& env = o->get_envname();
      if (env.empty() || std::find(seen.begin(), seen.end(), env) != seen.end()) continue;
      seen.push_back(env);
      out << "*" << env << "*::\n  As *--" << (o->get_lnames().empty() ? o->get_name() : o->get_lnames().front())
          << "*: " << escape(o->get_description()) << "\n";
    }
    for (auto* sub : visible_subcommands(a)) walk(*sub);
  };
  walk(app);
}

}  // namespace manual_text
