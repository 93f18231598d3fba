#include "webhooks/signal.hpp"

namespace slab5d {

WakeSignal& delivery_signal() {
  static WakeSignal s;
  return s;
}

WakeSignal& event_signal() {
  static WakeSignal s;
  return s;
}

}  // namespace slab5d
