#include "webhooks/address_policy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstring>

namespace slab5d {

namespace {

bool private_v4(const unsigned char* a) {
  return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 169 && a[1] == 254) ||
         (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64) ||
         a[0] >= 224;
}

bool private_v6(const unsigned char* a) {
  static const unsigned char zero[16] = {};
  if (std::memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1)) return true;  // :: and ::1
  if ((a[0] & 0xfe) == 0xfc) return true;                                        // fc00::/7
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return true;                        // fe80::/10
  if (a[0] == 0xff) return true;                                                 // multicast
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a, mapped, 12) == 0) return private_v4(a + 12);
  return false;
}

}  // namespace

bool is_private_ip(std::string_view ip) {
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  std::string s(ip);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return private_v4(buf);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return private_v6(buf);
  return false;
}

bool is_private_host_literal(std::string_view host) {
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host == "localhost" || (host.size() > 10 && host.substr(host.size() - 10) == ".localhost")) return true;
  return is_private_ip(host);
}

slab5::Result<std::vector<std::string>> resolve_public(const std::string& host, int port) {
  if (is_private_host_literal(host))
    return slab5::fail("forbidden", "The endpoint's address is not public (slab5d runs with --webhook-deny-private).");
  std::string bare = host;
  if (bare.size() >= 2 && bare.front() == '[') bare = bare.substr(1, bare.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(bare.c_str(), nullptr, &hints, &res) != 0 || !res)
    return slab5::fail("service_unavailable", "The endpoint's host name does not resolve.");
  std::vector<std::string> addrs;
  bool refused = false;
  for (auto* p = res; p; p = p->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (p->ai_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(p->ai_addr);
      inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
      if (private_v4(reinterpret_cast<const unsigned char*>(&a->sin_addr))) refused = true;
      addrs.emplace_back(text);
    } else if (p->ai_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(p->ai_addr);
      inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
      if (private_v6(reinterpret_cast<const unsigned char*>(&a->sin6_addr))) refused = true;
      addrs.push_back("[" + std::string(text) + "]");
    }
  }
  freeaddrinfo(res);
  if (refused || addrs.empty())
    return slab5::fail("forbidden", "The endpoint's address is not public (slab5d runs with --webhook-deny-private).");
  std::string entry = bare + ":" + std::to_string(port) + ":";
  for (std::size_t i = 0; i < addrs.size(); ++i) entry += (i ? "," : "") + addrs[i];
  return std::vector<std::string>{entry};
}

}  // namespace slab5d
