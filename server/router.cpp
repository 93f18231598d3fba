#include "router.hpp"

#include <algorithm>

namespace slab5d {
namespace {
std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}
bool is_param(const std::string& seg) { return seg.size() > 2 && seg.front() == '{' && seg.back() == '}'; }
}  // namespace

Route& Router::add(Route r) {
  r.segments = split_path(r.pattern);
  routes_.push_back(std::move(r));
  return routes_.back();
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch best;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto segs = split_path(path);
  int best_score = -1;
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::unordered_map<std::string, std::string> params;
    int score = 0;  // literal segments beat parameters: /v1/auth/sessions over /v1/auth/{x}
    bool ok = true;
    for (std::size_t i = 0; i < segs.size(); ++i) {
      if (is_param(r.segments[i])) {
        if (segs[i].empty()) {
          ok = false;
          break;
        }
        params[r.segments[i].substr(1, r.segments[i].size() - 2)] = segs[i];
      } else if (r.segments[i] == segs[i]) {
        score += 1;
      } else {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (r.method != method) {
      if (std::find(best.allowed.begin(), best.allowed.end(), r.method) == best.allowed.end())
        best.allowed.push_back(r.method);
      continue;
    }
    if (score > best_score) {
      best_score = score;
      best.route = &r;
      best.params = std::move(params);
    }
  }
  return best;
}

}  // namespace slab5d
