// "did you mean …?" (cli.md §3): when the arguments do not parse, walks them through the
// command table to find the first word or flag it does not know, and names the nearest ones.
#pragma once
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace slab5cli {

// Edit distance with adjacent transpositions ("lsit" is one edit from "list").
std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidates within a small edit distance of `word` (or that start with it), nearest first.
std::vector<std::string> similar_words(const std::string& word, const std::vector<std::string>& candidates);

struct ArgumentDiagnosis {
  std::string message;  // "unknown command 'lst' for 'slab5 keys'"
  std::string hint;     // "did you mean 'slab5 keys list'?" ("" when nothing is near)
};

// The first argument the table cannot place, or — when the parser said a subcommand is
// missing — the commands to choose from; nullopt when the walk finds nothing (the parser's own
// message is then the best there is).
std::optional<ArgumentDiagnosis> diagnose_arguments(const CLI::App& root, int argc, const char* const* argv,
                                                    bool subcommand_missing = false);

// The command a path of words names ("keys list" → that subcommand), or nullptr.
const CLI::App* find_command(const CLI::App& root, const std::vector<std::string>& words);

// The names of the commands under `app` that a user may type (not the hidden "__…" ones).
std::vector<std::string> visible_subcommand_names(const CLI::App& app);

}  // namespace slab5cli
