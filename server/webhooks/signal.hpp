// Wake-ups for the background readers of the outbox: the delivery worker (deliveries were
// written or became due) and the event streams (events committed). A counter under a mutex:
// a waiter that remembers the value it last saw never misses a notification that came in
// between. Process-wide, like the logger: WriteUnit signals after its commit without knowing
// who listens.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace slab5d {

class WakeSignal {
 public:
  void notify() {
    {
      std::lock_guard lock(mu_);
      ++count_;
    }
    cv_.notify_all();
  }
  // Waits until the counter differs from `seen` or `timeout` passes; updates `seen`. True when
  // woken by a notification.
  bool wait(std::uint64_t& seen, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    bool woke = cv_.wait_for(lock, timeout, [&] { return count_ != seen; });
    seen = count_;
    return woke;
  }
  std::uint64_t current() {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t count_ = 0;
};

WakeSignal& delivery_signal();  // deliveries written, retried, or an endpoint resumed
WakeSignal& event_signal();     // events committed
inline void notify_deliveries() { delivery_signal().notify(); }

}  // namespace slab5d
