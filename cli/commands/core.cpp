// `slab5 version` and `slab5 help [TOPIC]`: a command's help (`help keys create`) or one of
// the topics exit-codes, environment and formatting (cli.md §3).
#include <iostream>

#include "command_table.hpp"
#include "exit_codes.hpp"
#include "manual.hpp"
#include "slab5/version.hpp"
#include "suggest.hpp"

namespace slab5cli {
namespace {

const char* const kFormattingHelp =
    "How slab5 prints (cli.md §3):\n"
    "  - Results go to stdout; prompts, progress, warnings and errors to stderr.\n"
    "  - On a terminal: aligned tables with headers, relative times (\"3 minutes ago\"), colour unless\n"
    "    NO_COLOR is set or --no-color is given. Tables fit the terminal's width: the widest free-text\n"
    "    columns are cut with '…'; ids, prefixes, statuses, roles and times never are.\n"
    "  - Piped: the same columns, tab-separated, no header, no colour, absolute RFC 3339 times, never cut.\n"
    "  - --json: the response's data exactly as the server sent it (lists as one array; with --all or\n"
    "    --paginate every page merged), one JSON document.\n"
    "  - --jq EXPR: filters that JSON with jq; strings print raw, other values as compact JSON.\n"
    "  - --quiet/-q: only the essential result (e.g. a new key's secret).\n"
    "  - Text a server sent (names, emails, messages) is printed with control characters escaped\n"
    "    (ESC as \\e, others as \\xNN or \\uNNNN), so no record can clear a screen or retitle a terminal.\n"
    "  - Errors: 'error: <message> (code: <code>, request_id: <id>)' on stderr, then a 'hint:' line\n"
    "    where one helps; with --json the error envelope as JSON on stderr.\n";

std::vector<std::string> topics() { return {"exit-codes", "environment", "formatting"}; }

int print_topic(CLI::App& app, const std::vector<std::string>& words) {
  if (words.empty()) {
    std::cout << app.help();
    return kOk;
  }
  if (words.size() == 1 && words[0] == "exit-codes") {
    for (const auto& e : exit_code_table()) std::cout << e.code << "\t" << e.meaning << "\n";
    return kOk;
  }
  if (words.size() == 1 && words[0] == "environment") {
    std::cout << "Environment variables slab5 reads (a flag wins over them; they win over the profile):\n";
    for (const auto& e : environment_table()) std::cout << "  " << e.name << "\n      " << e.meaning << "\n";
    return kOk;
  }
  if (words.size() == 1 && words[0] == "formatting") {
    std::cout << kFormattingHelp;
    return kOk;
  }
  if (const CLI::App* cmd = find_command(app, words); cmd && cmd != &app) {
    // Usage names the whole path ("slab5 keys create"), as 'slab5 keys create --help' does.
    std::string parents = "slab5";
    for (std::size_t i = 0; i + 1 < words.size(); ++i)
      parents += " " + find_command(app, {words.begin(), words.begin() + long(i) + 1})->get_name();
    std::cout << cmd->help(parents);
    return kOk;
  }
  std::string topic;
  for (const auto& w : words) topic += (topic.empty() ? "" : " ") + w;
  std::cerr << "error: no help topic '" << topic << "'\n";
  // The nearest command at the depth the words stopped matching, or a topic.
  std::vector<std::string> known = topics();
  std::vector<std::string> prefix(words.begin(), words.end() - 1);
  const CLI::App* parent = find_command(app, prefix);
  if (parent)
    for (const auto& n : visible_subcommand_names(*parent)) known.push_back(n);
  auto near = similar_words(words.back(), known);
  std::string base;
  for (const auto& w : prefix) base += w + " ";
  if (!near.empty())
    std::cerr << "hint: did you mean 'slab5 help " << base << near.front() << "'?\n";
  else
    std::cerr << "hint: topics are a command (e.g. 'slab5 help keys create'), exit-codes, environment and formatting\n";
  return kUsage;
}

}  // namespace

void add_core_commands(CLI::App& app, Context& ctx) {
  auto* version = app.add_subcommand("version", "Print the version (also --version)");
  version->footer("Example:\n  slab5 version");
  on_run(version, ctx, [] {
    std::cout << "slab5 " << slab5::kVersion << " (" << slab5::kCommit << ", " << slab5::kCommitDate << ")\n";
    return int(kOk);
  });

  auto* help = app.add_subcommand("help", "Show help for a command or a topic");
  static std::vector<std::string> help_topic;
  std::vector<std::string> offered = topics();
  for (const auto& group : command_groups())
    for (const auto& name : group.names)
      if (name.rfind("__", 0) != 0) offered.push_back(name);
  with_completions(
      help->add_option("topic", help_topic, "A command (keys, keys create, …), exit-codes, environment or formatting"),
      offered);
  help->footer(
      "Examples:\n  slab5 help keys\n  slab5 help keys create\n  slab5 help exit-codes\n"
      "  slab5 help environment\n  slab5 help formatting");
  on_run(help, ctx, [&app] { return print_topic(app, help_topic); });
}

}  // namespace slab5cli
