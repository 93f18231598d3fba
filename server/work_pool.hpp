// A small fixed pool of threads for work that must not run on the I/O threads
// (password hashing, outbound HTTP).
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace slab5d {

class WorkPool {
 public:
  explicit WorkPool(int threads);
  ~WorkPool();
  void post(std::function<void()> job);
  void stop();  // finishes queued jobs, then joins

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
};

}  // namespace slab5d
