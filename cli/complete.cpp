#include "complete.hpp"

#include <iostream>

#include "command_table.hpp"
#include "exit_codes.hpp"

namespace slab5cli {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string first_line(const std::string& s) {
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

bool hidden(const CLI::App* sub) { return sub->get_group().empty() || sub->get_name().empty(); }

bool takes_value(const CLI::Option* opt) { return opt->get_items_expected_min() > 0 || opt->get_expected_max() > 0; }

// An option of `app` or of one of its parents (slab5's global flags fall through).
CLI::Option* find_option(const std::vector<CLI::App*>& chain, const std::string& name) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    for (auto* opt : (*it)->get_options()) {
      if (opt->get_positional()) continue;
      if (opt->check_name(name)) return opt;
    }
  }
  return nullptr;
}

CLI::App* find_subcommand(CLI::App* app, const std::string& name) {
  for (auto* sub : app->get_subcommands([](CLI::App*) { return true; }))
    if (!sub->get_name().empty() && sub->check_name(name)) return sub;
  return nullptr;
}

std::vector<CLI::Option*> positionals_of(CLI::App* app) {
  return app->get_options([](const CLI::Option* o) { return o->get_positional(); });
}

void add_values(std::vector<Candidate>& out, const CLI::Option* opt, const std::string& typed,
                const std::string& prefix, const DynamicFetcher& fetch) {
  if (const auto* values = choices_of(opt)) {
    for (const auto& v : *values)
      if (starts_with(prefix + v, typed)) out.push_back({prefix + v, ""});
  }
  auto kind = dynamic_values_of(opt);
  if (!kind.empty() && fetch) {
    for (auto& c : fetch(kind))
      if (starts_with(prefix + c.value, typed)) out.push_back({prefix + c.value, c.description});
  }
}

void remember_setting(LineSettings* seen, const CLI::Option* opt, const std::string& value) {
  if (!seen) return;
  if (opt->check_lname("base-url")) seen->base_url = value;
  if (opt->check_lname("token")) seen->token = value;
  if (opt->check_lname("workspace")) seen->workspace = value;
  if (opt->check_lname("profile")) seen->profile = value;
}

}  // namespace

std::vector<Candidate> complete_words(CLI::App& root, const std::vector<std::string>& words,
                                      const DynamicFetcher& fetch, LineSettings* seen) {
  std::vector<CLI::App*> chain{&root};
  std::size_t positional = 0;  // positionals already given to the innermost command
  bool only_positionals = false;
  const CLI::Option* pending = nullptr;  // an option waiting for its value
  const std::string typed = words.empty() ? "" : words.back();

  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    const std::string& w = words[i];
    if (pending) {
      remember_setting(seen, pending, w);
      pending = nullptr;
      continue;
    }
    if (!only_positionals && w == "--") {
      only_positionals = true;
      continue;
    }
    if (!only_positionals && w.size() > 1 && w[0] == '-') {
      auto eq = w.find('=');
      auto* opt = find_option(chain, w.substr(0, eq));
      if (opt && takes_value(opt)) {
        if (eq == std::string::npos)
          pending = opt;
        else
          remember_setting(seen, opt, w.substr(eq + 1));
      }
      continue;
    }
    if (!only_positionals) {
      if (auto* sub = find_subcommand(chain.back(), w)) {
        chain.push_back(sub);
        positional = 0;
        continue;
      }
    }
    ++positional;
  }

  std::vector<Candidate> out;
  CLI::App* app = chain.back();
  if (pending) {
    add_values(out, pending, typed, "", fetch);
    return out;
  }
  if (!only_positionals && starts_with(typed, "-")) {
    auto eq = typed.find('=');
    if (eq != std::string::npos) {
      if (auto* opt = find_option(chain, typed.substr(0, eq)); opt && takes_value(opt))
        add_values(out, opt, typed, typed.substr(0, eq + 1), fetch);
      return out;
    }
    // The innermost command's own flags first, then the global ones.
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      for (auto* opt : (*it)->get_options()) {
        if (opt->get_positional()) continue;
        std::string desc = first_line(opt->get_description());
        bool offered = false;
        for (const auto& l : opt->get_lnames()) {
          if (starts_with("--" + l, typed)) out.push_back({"--" + l, desc});
          offered = true;
        }
        if (!offered)
          for (const auto& s : opt->get_snames())
            if (starts_with("-" + s, typed)) out.push_back({"-" + s, desc});
      }
    }
    return out;
  }
  if (!only_positionals) {
    for (auto* sub : app->get_subcommands([](CLI::App*) { return true; })) {
      if (hidden(sub)) continue;
      if (starts_with(sub->get_name(), typed)) out.push_back({sub->get_name(), first_line(sub->get_description())});
    }
  }
  auto pos = positionals_of(app);
  const CLI::Option* next = nullptr;
  std::size_t seen_slots = 0;
  for (auto* p : pos) {
    int max = p->get_items_expected_max();
    if (max <= 0 || max >= CLI::detail::expected_max_vector_size) {  // takes every remaining word
      next = p;
      break;
    }
    if (positional < seen_slots + std::size_t(max)) {
      next = p;
      break;
    }
    seen_slots += std::size_t(max);
  }
  if (next) add_values(out, next, typed, "", fetch);
  return out;
}

namespace {
struct DynamicSource {
  const char* kind;
  const char* path;
  const char* id_field;
  const char* description_field;
};
constexpr DynamicSource kDynamicSources[] = {
    {"api_key_id", "workspace/api-keys?status=all&limit=100", "id", "name"},
    {"mcp_client_id", "workspace/mcp-clients?status=all&limit=100", "id", "name"},
    {"member_id", "workspace/members?limit=100", "user_id", "email"},
    {"invitation_id", "workspace/invitations?limit=100", "id", "email"},
    {"workspace_id", "workspaces?limit=100", "id", "name"},
    {"session_id", "auth/sessions?limit=100", "id", "user_agent"},
    {"audit_event_id", "workspace/audit-events?limit=100", "id", "action"},
};
}  // namespace

// "record:<route>": the ids of a resource's records, newest first, with their label field
// (cli/commands/resources.cpp marks every id argument and reference flag with one).
constexpr std::string_view kRecordKind = "record:";

std::vector<std::string> dynamic_kinds() {
  std::vector<std::string> out{"profile"};
  for (const auto& s : kDynamicSources) out.emplace_back(s.kind);
  for (const auto* r : resource_commands()) out.push_back(std::string(kRecordKind) + std::string(r->route));
  return out;
}

std::vector<Candidate> fetch_dynamic_values(Context& ctx, const std::string& kind) {
  if (kind == "profile") {  // local: the profiles of config.json
    try {
      auto cfg = ctx.store().load_config();
      std::vector<Candidate> out;
      if (cfg.contains("profiles") && cfg["profiles"].is_object())
        for (auto& [name, p] : cfg["profiles"].items())
          out.push_back({name, p.is_object() && p.contains("base_url") && p["base_url"].is_string()
                                   ? p["base_url"].get<std::string>()
                                   : ""});
      return out;
    } catch (...) {
      return {};
    }
  }
  const DynamicSource* src = nullptr;
  for (const auto& s : kDynamicSources)
    if (kind == s.kind) src = &s;
  // A resource's records: built here from the table, like the commands that ask for them.
  std::string record_path, record_label;
  DynamicSource record_src{};
  if (!src && kind.rfind(kRecordKind, 0) == 0) {
    const auto* r = slab5::api::find_resource(std::string_view(kind).substr(kRecordKind.size()));
    if (!r) return {};
    record_path = std::string(r->route) + "?limit=100";
    record_label = resource_label_field(*r);
    record_src = {kind.c_str(), record_path.c_str(), "id", record_label.c_str()};
    src = &record_src;
  }
  if (!src) return {};
  try {
    // A person is waiting at the prompt: one attempt, 1.5 s at most, no trace on stderr.
    ctx.g.timeout = "1.5";
    ctx.g.verbose = false;
    auto base_env = ctx.env;
    ctx.env = [base_env](const std::string& name) -> std::optional<std::string> {
      if (name == "SLAB5_MAX_RETRIES") return "0";
      if (name == "SLAB5_DEBUG" || name == "SLAB5_TIMEOUT") return std::nullopt;
      return base_env(name);
    };
    if (!ctx.require_token()) return {};
    auto data = ctx.client().data("GET", src->path);
    if (!data || !data->is_array()) return {};
    std::vector<Candidate> out;
    for (const auto& item : *data) {
      if (!item.is_object()) continue;
      auto id = item.find(src->id_field);
      if (id == item.end() || !id->is_string()) continue;
      auto desc = item.find(src->description_field);
      out.push_back({id->get<std::string>(), desc != item.end() && desc->is_string() ? desc->get<std::string>() : ""});
    }
    return out;
  } catch (...) {
    return {};
  }
}

void add_completion_command(CLI::App& app, Context& ctx) {
  auto* completion = app.add_subcommand("completion", "Print the shell completion script for bash, zsh or fish");
  static std::string shell;
  with_choices(completion->add_option("shell", shell, "Shell: bash, zsh or fish")->required(), {"bash", "zsh", "fish"});
  completion->footer(
      "Examples:\n"
      "  source <(slab5 completion bash)                     # bash, this shell only\n"
      "  mkdir -p ~/.local/share/bash-completion/completions\n"
      "  slab5 completion bash > ~/.local/share/bash-completion/completions/slab5\n"
      "  mkdir -p ~/.zfunc && slab5 completion zsh > ~/.zfunc/_slab5\n"
      "      # zsh: then fpath=(~/.zfunc $fpath) before compinit in ~/.zshrc\n"
      "  mkdir -p ~/.config/fish/completions\n"
      "  slab5 completion fish > ~/.config/fish/completions/slab5.fish");
  on_run(completion, ctx, [] {
    std::cout << completion_script(shell);
    std::cout.flush();
    return int(kOk);
  });
}

void add_complete_command(CLI::App& app, Context& ctx) {
  // The global flags whose values completion can offer.
  if (auto* ws = app.get_option_no_throw("--workspace")) with_dynamic_values(ws, "workspace_id");
  if (auto* profile = app.get_option_no_throw("--profile")) with_dynamic_values(profile, "profile");

  auto* complete = app.add_subcommand("__complete", "Print completion candidates for a partial command line");
  complete->group("");  // hidden: the adaptor scripts call it
  static std::vector<std::string> words;
  complete->add_option("words", words, "The words after 'slab5', the last one being completed")->expected(-1);
  on_run(complete, ctx, [&app, &ctx] {
    if (words.empty()) words.emplace_back();
    LineSettings seen;
    DynamicFetcher fetch = [&ctx, &seen](const std::string& kind) {
      if (!seen.base_url.empty()) ctx.g.base_url = seen.base_url;
      if (!seen.token.empty()) ctx.g.token = seen.token;
      if (!seen.workspace.empty()) ctx.g.workspace = seen.workspace;
      if (!seen.profile.empty()) ctx.g.profile = seen.profile;
      return fetch_dynamic_values(ctx, kind);
    };
    // The walk records the settings first, then asks for values: the fetcher reads them lazily.
    for (const auto& c : complete_words(app, words, fetch, &seen)) {
      std::cout << c.value;
      if (!c.description.empty()) std::cout << '\t' << c.description;
      std::cout << '\n';
    }
    std::cout.flush();
    return int(kOk);
  });
}

}  // namespace slab5cli
