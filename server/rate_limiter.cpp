#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace slab5d {

RateLimiter::Decision RateLimiter::take(const std::string& workspace_id) {
  Decision d;
  if (!enabled_) return d;
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(workspace_id, Bucket{burst_, now});
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
  b.last = now;
  d.limit = long(burst_);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    d.allowed = true;
  } else {
    d.allowed = false;
    d.retry_after_seconds = std::max(1L, long(std::ceil((1.0 - b.tokens) / rate_)));
  }
  d.remaining = long(std::floor(b.tokens));
  d.reset_seconds = long(std::ceil((burst_ - b.tokens) / rate_));
  return d;
}

}  // namespace slab5d
