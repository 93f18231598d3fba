#include "router.hpp"

#include <algorithm>
#include <stdexcept>

namespace slab5d {

void Router::bind(RouteBinding b) {
  const auto* entry = slab5::find_route_by_id(b.id);
  if (!entry) {
    problems_.push_back("a handler is bound to \"" + std::string(b.id) +
                        "\", which is not in the route table (lib/slab5/routes.cpp)");
    return;
  }
  for (const auto& r : routes_)
    if (&r.entry == entry) {
      problems_.push_back("route \"" + entry->id + "\" (" + entry->label + ") is bound twice");
      return;
    }
  routes_.emplace_back(*entry, std::move(b));
  const auto& segs = entry->segments;
  std::string_view second = segs.size() < 2 ? std::string_view() : std::string_view(segs[1]);
  if (segs.size() >= 2 && slab5::is_param_segment(segs[1])) second = "*";
  buckets_[bucket_key(segs.size(), second)].push_back(routes_.size() - 1);
}

std::string Router::bucket_key(std::size_t segments, std::string_view second) {
  std::string key(1, char(std::min<std::size_t>(segments, 255)));
  key += second;
  return key;
}

std::vector<std::string> Router::check_complete(bool dev_routes) const {
  std::vector<std::string> out = problems_;
  for (const auto& e : slab5::route_table()) {
    bool bound = std::any_of(routes_.begin(), routes_.end(), [&](const Route& r) { return &r.entry == &e; });
    if (!bound && (dev_routes || !e.dev)) out.push_back("route \"" + e.id + "\" (" + e.label + ") has no handler");
    if (bound && e.dev && !dev_routes)
      out.push_back("route \"" + e.id + "\" (" + e.label + ") is bound while the development routes are off");
  }
  return out;
}

void Router::require_complete(bool dev_routes) const {
  auto problems = check_complete(dev_routes);
  if (problems.empty()) return;
  std::string text = "the route table and the handlers disagree:";
  for (const auto& p : problems) text += "\n  " + p;
  throw std::runtime_error(text);
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch best;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto segs = slab5::split_path(path);
  int best_score = -1;
  auto consider = [&](const std::vector<std::size_t>& bucket) {
    for (std::size_t i : bucket) {
      const Route& r = routes_[i];
      // literal segments beat parameters: /v1/auth/sessions over /v1/auth/{x}
      int score = slab5::match_score(r.entry.segments, segs);
      if (score < 0) continue;
      if (r.method != method) {
        if (std::find(best.allowed.begin(), best.allowed.end(), r.method) == best.allowed.end())
          best.allowed.push_back(r.method);
        continue;
      }
      if (score > best_score) {
        best_score = score;
        best.route = &r;
      }
    }
  };
  std::string_view second = segs.size() < 2 ? std::string_view() : segs[1];
  if (auto it = buckets_.find(bucket_key(segs.size(), second)); it != buckets_.end()) consider(it->second);
  if (segs.size() >= 2)
    if (auto it = buckets_.find(bucket_key(segs.size(), "*")); it != buckets_.end()) consider(it->second);
  if (best.route) {
    const auto& pattern = best.route->entry.segments;
    for (std::size_t i = 0; i < pattern.size(); ++i)
      if (slab5::is_param_segment(pattern[i]))
        best.params.emplace(pattern[i].substr(1, pattern[i].size() - 2), std::string(segs[i]));
  }
  return best;
}

}  // namespace slab5d
