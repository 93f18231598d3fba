#include "suggest.hpp"

#include <algorithm>

namespace slab5cli {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i)
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}

std::vector<std::string> similar_words(const std::string& word, const std::vector<std::string>& candidates) {
  std::vector<std::pair<std::size_t, std::string>> scored;
  // Short words get one edit, longer ones two (cobra's rule of thumb), or a prefix of 3+.
  std::size_t limit = word.size() <= 4 ? 1 : 2;
  for (const auto& c : candidates) {
    std::size_t dist = edit_distance(word, c);
    bool prefix = word.size() >= 3 && c.rfind(word, 0) == 0;
    if (dist <= limit || prefix) scored.emplace_back(prefix ? std::min<std::size_t>(dist, 1) : dist, c);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (auto& [_, c] : scored)
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  if (out.size() > 3) out.resize(3);
  return out;
}

std::vector<std::string> visible_subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (!sub->get_name().empty() && sub->get_name().rfind("__", 0) != 0) names.push_back(sub->get_name());
  return names;
}

const CLI::App* find_command(const CLI::App& root, const std::vector<std::string>& words) {
  const CLI::App* cur = &root;
  for (const auto& w : words) {
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : cur->get_subcommands([](const CLI::App*) { return true; }))
      if (sub->check_name(w)) next = sub;
    if (!next) return nullptr;
    cur = next;
  }
  return cur;
}

namespace {

std::string command_path(const std::vector<const CLI::App*>& chain) {
  std::string s;
  for (const auto* a : chain) s += (s.empty() ? "" : " ") + a->get_name();
  return s;
}

// The option a flag token names, looked up in the command and the ones above it (global
// flags are accepted anywhere).
const CLI::Option* find_flag(const std::vector<const CLI::App*>& chain, const std::string& name) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    if (const CLI::Option* o = (*it)->get_option_no_throw(name)) return o;
  return nullptr;
}

std::vector<std::string> flag_names(const std::vector<const CLI::App*>& chain) {
  std::vector<std::string> out;
  for (const auto* a : chain)
    for (const CLI::Option* o : a->get_options([](const CLI::Option* opt) { return opt->nonpositional(); }))
      for (const auto& l : o->get_lnames()) out.push_back("--" + l);
  return out;
}

// How many positional words a command takes (a large number for "any").
std::size_t positional_capacity(const CLI::App& app) {
  std::size_t n = 0;
  for (const CLI::Option* o : app.get_options([](const CLI::Option* opt) { return opt->get_positional(); })) {
    int max = o->get_items_expected_max();
    n += max < 0 || max > 1000 ? 100000 : std::size_t(max);
  }
  return n;
}

}  // namespace

std::optional<ArgumentDiagnosis> diagnose_arguments(const CLI::App& root, int argc, const char* const* argv,
                                                    bool subcommand_missing) {
  std::vector<const CLI::App*> chain{&root};
  std::size_t positionals = 0;
  std::string previous;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const CLI::App& cur = *chain.back();
    if (arg == "--") break;
    if (arg.size() > 1 && arg[0] == '-' && !(arg.size() > 1 && std::isdigit(static_cast<unsigned char>(arg[1])))) {
      std::string name = arg.substr(0, arg.find('='));
      bool long_flag = arg.rfind("--", 0) == 0;
      if (!long_flag) name = arg.substr(0, 2);  // -qy: the first of a cluster is enough here
      const CLI::Option* o = find_flag(chain, name);
      if (!o) {
        ArgumentDiagnosis d{"unknown flag '" + name + "' for '" + command_path(chain) + "'", ""};
        auto near = similar_words(name, flag_names(chain));
        if (!near.empty())
          d.hint = "did you mean '" + near.front() + "'?";
        else
          d.hint = "run '" + command_path(chain) + " --help' to see its flags";
        return d;
      }
      bool inline_value = arg.find('=') != std::string::npos || (!long_flag && arg.size() > 2);
      if (o->get_items_expected_min() > 0 && !inline_value) ++i;
      previous = name;
      continue;
    }
    const CLI::App* sub = nullptr;
    for (const CLI::App* s : cur.get_subcommands([](const CLI::App*) { return true; }))
      if (s->check_name(arg)) sub = s;
    if (sub) {
      chain.push_back(sub);
      positionals = 0;
      previous.clear();
      continue;
    }
    if (positionals < positional_capacity(cur)) {
      ++positionals;
      previous.clear();
      continue;
    }
    auto subs = visible_subcommand_names(cur);
    if (!subs.empty() && positionals == 0) {
      ArgumentDiagnosis d{"unknown command '" + arg + "' for '" + command_path(chain) + "'", ""};
      auto near = similar_words(arg, subs);
      if (!near.empty())
        d.hint = "did you mean '" + command_path(chain) + " " + near.front() + "'?";
      else
        d.hint = "run '" + command_path(chain) + " --help' to see its commands";
      return d;
    }
    ArgumentDiagnosis d{"unexpected argument '" + arg + "' for '" + command_path(chain) + "'", ""};
    if (previous == "-q")
      d.hint = "did you mean --jq? (-q is --quiet here: pass a jq filter as --jq '" + arg + "')";
    else
      d.hint = "run '" + command_path(chain) + " --help' for its arguments";
    return d;
  }
  // Every word placed: what is missing may be the command itself ("slab5 keys").
  const CLI::App& last = *chain.back();
  if (subcommand_missing && last.get_require_subcommand_min() > 0) {
    std::string list;
    for (const auto& n : visible_subcommand_names(last)) list += (list.empty() ? "" : ", ") + n;
    return ArgumentDiagnosis{"'" + command_path(chain) + "' needs a command: " + list,
                             "run '" + command_path(chain) + " --help' to see what each does"};
  }
  return std::nullopt;
}

}  // namespace slab5cli
