// Shell completion (cli.md §6): `slab5 __complete -- WORDS…` walks the same CLI11 command
// table that parses the arguments and prints the candidates for the last word, one per line
// as "value<TAB>description". The scripts that `slab5 completion bash|zsh|fish` prints are
// tiny adaptors (completions/) that forward the words to it.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "context.hpp"

namespace slab5cli {

struct Candidate {
  std::string value;
  std::string description;
};

// Fetches the values of a dynamic kind ("api_key_id", …); empty on any failure.
using DynamicFetcher = std::function<std::vector<Candidate>(const std::string& kind)>;

// Global settings typed on the partial command line (--base-url, --token, -w, -p), so that
// dynamic values come from the server the finished command would talk to.
struct LineSettings {
  std::string base_url, token, workspace, profile;
};

// The candidates for words.back(), given the words before it (words exclude the program name).
std::vector<Candidate> complete_words(CLI::App& root, const std::vector<std::string>& words,
                                      const DynamicFetcher& fetch, LineSettings* seen = nullptr);

// Server-backed values: a short timeout, no retries, silent on any failure.
std::vector<Candidate> fetch_dynamic_values(Context& ctx, const std::string& kind);
// The dynamic kinds slab5 knows how to fetch.
std::vector<std::string> dynamic_kinds();

// The adaptor script for "bash", "zsh" or "fish" ("" for another name). Embedded at build
// time from completions/.
std::string_view completion_script(std::string_view shell);

// Registers `completion`, which needs nothing else of the table (it prints a script), and the
// hidden `__complete`, which walks all of it.
void add_completion_command(CLI::App& app, Context& ctx);
void add_complete_command(CLI::App& app, Context& ctx);

}  // namespace slab5cli
