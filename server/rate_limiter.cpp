#include "rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace slab5d {

RateLimiter::Decision RateLimiter::take(const std::string& workspace_id) {
  Decision d;
  if (!enabled_) return d;
  Taken t;
  if (shared_) {
    t = shared_(workspace_id, rate_, burst_);
  } else {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu_);
    auto [it, inserted] = buckets_.try_emplace(workspace_id, Bucket{burst_, now});
    Bucket& b = it->second;
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.last = now;
    t.allowed = b.tokens >= 1.0;
    if (t.allowed) b.tokens -= 1.0;
    t.tokens = b.tokens;
  }
  d.limit = long(burst_);
  d.allowed = t.allowed;
  if (!t.allowed) d.retry_after_seconds = std::max(1L, long(std::ceil((1.0 - t.tokens) / rate_)));
  d.remaining = long(std::floor(std::max(0.0, t.tokens)));
  d.reset_seconds = long(std::ceil((burst_ - t.tokens) / rate_));
  return d;
}

}  // namespace slab5d
