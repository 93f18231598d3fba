// Per-workspace token buckets (api.md §1 "Rate limits"), kept in this process's memory.
#pragma once
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace slab5d {

class RateLimiter {
 public:
  RateLimiter(bool enabled, double per_second, double burst) : enabled_(enabled), rate_(per_second), burst_(burst) {}

  struct Decision {
    bool allowed = true;
    long limit = 0;
    long remaining = 0;
    long reset_seconds = 0;  // until the bucket is full again
    long retry_after_seconds = 0;
  };
  Decision take(const std::string& workspace_id);
  bool enabled() const { return enabled_; }

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  bool enabled_;
  double rate_;
  double burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace slab5d
