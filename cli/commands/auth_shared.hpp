// Pieces shared by the sign-in commands (auth.cpp, auth_account.cpp): reading secrets from a
// terminal or stdin, storing a session response, and the stored-session refresh.
#pragma once
#include <optional>
#include <string>

#include "command_table.hpp"

namespace slab5cli {

// A secret from stdin: the first line without its line end ("" when stdin is empty).
std::string read_stdin_line();
// Prompts on stderr and reads a line with echo off (stdin must be a terminal).
std::string prompt_hidden(const std::string& prompt);
std::string prompt_visible(const std::string& prompt);

// The password: --password-stdin, else a hidden prompt on a terminal, else a usage error.
// `confirm` asks twice on a terminal (new passwords).
tl::expected<std::string, int> read_password(Context& ctx, bool from_stdin, bool confirm);

// Stores a session response (api.md §2.2) as the profile's credential and reports it.
int store_session(Context& ctx, const Json& data, const std::string& verb);
// Warns when a flag or environment token overrides the stored credential.
void warn_if_overridden(Context& ctx);

// Makes a stored session's access token current (refreshing it when it expired or expires
// within 30 s) and saves the new pair. Returns the credential, or an error.
tl::expected<StoredCredential, ApiError> fresh_session(Context& ctx, StoredCredential cred);

void add_auth_account_commands(CLI::App& auth, Context& ctx);  // register, verify-email, …, sessions

}  // namespace slab5cli
