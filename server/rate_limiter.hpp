// Per-workspace token buckets (api.md §1 "Rate limits"): kept in this process's memory, or,
// when several instances share a PostgreSQL database, in the database (share()).
#pragma once
#include <chrono>
#include <functional>
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

  // A bucket kept elsewhere: takes one token from workspace_id's bucket (refilled at `rate`
  // per second up to `burst`); whether there was one, and the tokens left.
  struct Taken {
    bool allowed;
    double tokens;
  };
  using SharedBuckets = std::function<Taken(const std::string& workspace_id, double rate, double burst)>;
  // From now on every take goes to `buckets` instead of this process's memory.
  void share(SharedBuckets buckets) { shared_ = std::move(buckets); }

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
  SharedBuckets shared_;
};

}  // namespace slab5d
