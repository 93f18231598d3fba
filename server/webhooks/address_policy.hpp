// Where slab5d may deliver webhooks (api.md §8.3): anywhere by default (a development server
// delivers to loopback and private addresses); with --webhook-deny-private, never to a
// loopback, private, link-local or otherwise non-public address, checked on the address the
// connection is made to, not only on the name in the URL.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slab5/error.hpp"

namespace slab5d {

// An IPv4 or IPv6 literal (brackets allowed) in a loopback, private, link-local, CGNAT,
// unspecified or unique-local range, or an IPv4-mapped one of those. Not a literal: false.
bool is_private_ip(std::string_view ip);
// A URL host that is known to be non-public without a lookup: a private literal or a
// "localhost" name.
bool is_private_host_literal(std::string_view host);

// Resolves `host` and returns CURLOPT_RESOLVE entries that pin the connection to its public
// addresses; an error when the name does not resolve or any address is not public.
slab5::Result<std::vector<std::string>> resolve_public(const std::string& host, int port);

}  // namespace slab5d
