#include "manual.hpp"

#include <array>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "command_table.hpp"
#include "exit_codes.hpp"
#include "manual_text.hpp"
#include "resource_flags.hpp"

namespace slab5cli {

std::span<const EnvironmentVariable> environment_table() {
  static constexpr std::array kTable{
      EnvironmentVariable{"SLAB5_API_BASE_URL", "API base URL, ending in /v1 (default https://api.slab5.com/v1)."},
      EnvironmentVariable{"SLAB5_WORKSPACE_TOKEN",
                          "The token: an API key or a session access token. Wins over the "
                          "two below and over the profile's stored credential."},
      EnvironmentVariable{"SLAB5_WORKSPACE_API_KEY", "The token, when SLAB5_WORKSPACE_TOKEN is unset."},
      EnvironmentVariable{"SLAB5_API_KEY", "The token, when neither variable above is set."},
      EnvironmentVariable{"SLAB5_MCP_TOKEN",
                          "mcp: the MCP client token (slab5_mcp_...) for the gateway; also what "
                          "'mcp config' blocks tell the agent to read."},
      EnvironmentVariable{"SLAB5_WORKSPACE_ID", "Workspace sent as x-workspace-id (as --workspace)."},
      EnvironmentVariable{"SLAB5_PROFILE", "Profile of the config file to use (default: default)."},
      EnvironmentVariable{"SLAB5_CONFIG_DIR", "Config directory (default $XDG_CONFIG_HOME/slab5, ~/.config/slab5)."},
      EnvironmentVariable{"SLAB5_CORRELATION_ID", "Sent as x-correlation-id on every request."},
      EnvironmentVariable{"SLAB5_TIMEOUT", "Request timeout in seconds (default 30)."},
      EnvironmentVariable{"SLAB5_MAX_RETRIES", "Retries of safe requests (default 3; 0 disables)."},
      EnvironmentVariable{"SLAB5_DEBUG", "api: trace HTTP requests and responses to stderr, secrets redacted."},
      EnvironmentVariable{"SLAB5_CA_BUNDLE", "Extra CA bundle for TLS (as --cacert)."},
      EnvironmentVariable{"SLAB5_ALLOW_INSECURE_HTTP",
                          "1: allow plain http to a host that is not loopback "
                          "(as --allow-insecure-http); tokens then travel in clear."},
      EnvironmentVariable{"NO_COLOR", "Disables colour when set."},
      EnvironmentVariable{"HTTPS_PROXY", "Proxy for HTTPS requests (also https_proxy; HTTP_PROXY for http)."},
      EnvironmentVariable{"NO_PROXY", "Hosts reached without the proxy (also no_proxy)."},
      EnvironmentVariable{"XDG_CONFIG_HOME", "Base of the default config directory."},
  };
  return kTable;
}

namespace {

std::string value_note(const CLI::Option* o) {
  std::string note;
  if (const auto* values = choices_of(o)) {
    note = " (one of: ";
    for (std::size_t i = 0; i < values->size(); ++i) note += (i ? ", " : "") + std::string("*") + (*values)[i] + "*";
    note += ")";
  }
  if (auto kind = dynamic_values_of(o); !kind.empty()) note += " (completion offers the server's ids)";
  return note;
}

// RESOURCES: what each resource command works on, from the resource table: its fields with
// their flags, types and values, its filters, search, actions and children.
void write_resources(std::ostream& out) {
  using manual_text::escape;
  for (const auto* r : resource_commands()) {
    std::string route(r->route);
    out << "=== " << route << "\n\n"
        << escape(std::string(r->description)) << " Id prefix *" << r->id_prefix << "*; module *" << r->module
        << "*; scopes *" << r->scope << ":read* and *" << r->scope << ":write*.";
    auto aliases = resource_command_aliases(r->route);
    for (const auto& a : aliases) out << " Also *slab5 " << a << "*.";
    if (r->append_only) out << " Append-only: no *edit* or *delete*.";
    out << "\n\n";
    for (const auto& f : r->fields) {
      out << "*" << f.name << "* (" << (is_money(f) ? "amount" : std::string(slab5::api::field_type_name(f.type)))
          << (f.required ? ", required" : "") << (f.read_only ? ", read-only" : "") << ")::\n  "
          << escape(field_help(f, !f.read_only));
      if (!f.read_only) out << " Flag *--" << field_flag(f) << "*.";
      out << "\n";
    }
    out << "\n";
    if (!r->filters.empty()) {
      out << "Filters of *list*:";
      for (const auto& fl : r->filters) out << " *--" << kebab(fl.param) << "*";
      out << ".";
    }
    if (!r->text_fields.empty()) {
      out << " *--query* searches";
      for (auto t : r->text_fields) out << " _" << t << "_";
      out << ".";
    }
    out << "\n\n";
    for (const auto& a : r->actions) {
      out << "*slab5 " << route << " " << a.name << "* _ID_";
      for (const auto& f : a.input) out << " [*--" << field_flag(f) << "*]";
      out << "::\n  " << escape(std::string(a.description)) << "\n";
    }
    for (const auto* c : slab5::api::children_of(r->route)) {
      out << "*slab5 " << route << " " << c->route << "* _ID_, *slab5 " << route << " " << resource_child_verb(*r, *c)
          << "* _ID_::\n  " << escape(std::string(c->description)) << " The first lists them, the second adds one:";
      for (const auto& f : c->fields) out << " *--" << field_flag(f) << "*" << (f.required ? " (required)" : "");
      out << ".\n";
    }
    out << "\n";
  }
}

void write_fragments(CLI::App& app, const std::string& dir) {
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir + "/slab5-commands.adoc");
    manual_text::write_commands(out, app, "slab5", value_note);
  }
  {
    std::ofstream out(dir + "/slab5-resources.adoc");
    write_resources(out);
  }
  {
    std::ofstream out(dir + "/slab5-options.adoc");
    out << "These flags are accepted before or after any command.\n\n";
    manual_text::write_flag_list(out, manual_text::flags_of(app), value_note);
  }
  {
    std::ofstream out(dir + "/slab5-environment.adoc");
    for (const auto& e : environment_table())
      out << "*" << e.name << "*::\n  " << manual_text::escape(std::string(e.meaning)) << "\n";
  }
  {
    std::ofstream out(dir + "/slab5-exit-status.adoc");
    for (const auto& e : exit_code_table())
      out << "*" << e.code << "*::\n  " << manual_text::escape(std::string(e.meaning)) << "\n";
  }
}

}  // namespace

void add_manual_commands(CLI::App& app, Context& ctx) {
  auto* manual = app.add_subcommand("__manual", "Write the manual's generated AsciiDoc fragments into DIR");
  manual->group("");
  static std::string dir;
  manual->add_option("dir", dir, "Output directory")->required();
  on_run(manual, ctx, [&app] {
    write_fragments(app, dir);
    return int(kOk);
  });

  auto* commands = app.add_subcommand("__commands", "List every command and its flags, one command a line");
  commands->group("");
  on_run(commands, ctx, [&app] {
    manual_text::list_commands(std::cout, app, "slab5");
    return int(kOk);
  });
}

}  // namespace slab5cli
