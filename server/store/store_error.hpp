// A store failure that is not an ordinary outcome (an I/O error, a corrupt file, a database
// that stayed busy past the timeout, a broken connection), whichever backend it came from. The
// edge answers it with 503 when `busy()` (the caller may retry) and 500 otherwise, with the
// request id logged.
#pragma once
#include <stdexcept>
#include <string>

namespace slab5d {

class StoreError : public std::runtime_error {
 public:
  StoreError(const std::string& what, bool busy) : std::runtime_error(what), busy_(busy) {}
  bool busy() const { return busy_; }
  // The transaction lost a race with another (a deadlock, a serialization failure) and the
  // same work may succeed when run again from its start.
  virtual bool lost_race() const { return false; }

 private:
  bool busy_;
};

}  // namespace slab5d
