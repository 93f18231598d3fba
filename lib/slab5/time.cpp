#include "slab5/time.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cctype>
#include <charconv>
#include <mutex>

namespace slab5 {

Millis real_now_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {
// Adjustments are rare and readings constant: a mutex serialises changes, readers only load atomics.
std::mutex g_clock_mu;
std::atomic<Millis> g_offset{0};
std::atomic<bool> g_frozen{false};
std::atomic<Millis> g_frozen_at{0};
std::atomic<std::uint64_t> g_generation{0};
}  // namespace

Millis now_millis() {
  if (g_frozen.load(std::memory_order_acquire)) return g_frozen_at.load(std::memory_order_acquire);
  return real_now_millis() + g_offset.load(std::memory_order_relaxed);
}

ClockState clock_state() {
  std::lock_guard lk(g_clock_mu);
  ClockState st;
  st.now = now_millis();
  st.frozen = g_frozen.load();
  st.offset_ms = st.now - real_now_millis();
  return st;
}

void clock_advance(Millis by) {
  std::lock_guard lk(g_clock_mu);
  if (g_frozen.load()) g_frozen_at.store(g_frozen_at.load() + by);
  g_offset.store(g_offset.load() + by);
  g_generation.fetch_add(1);
}

void clock_set(Millis at) {
  std::lock_guard lk(g_clock_mu);
  if (g_frozen.load()) g_frozen_at.store(at);
  g_offset.store(at - real_now_millis());
  g_generation.fetch_add(1);
}

void clock_freeze(bool frozen) {
  std::lock_guard lk(g_clock_mu);
  if (frozen == g_frozen.load()) return;
  if (frozen) {
    g_frozen_at.store(real_now_millis() + g_offset.load());
    g_frozen.store(true, std::memory_order_release);
  } else {
    // Running again from the frozen reading, not jumping to where it would have been.
    g_offset.store(g_frozen_at.load() - real_now_millis());
    g_frozen.store(false, std::memory_order_release);
  }
  g_generation.fetch_add(1);
}

void clock_reset() {
  std::lock_guard lk(g_clock_mu);
  g_frozen.store(false, std::memory_order_release);
  g_offset.store(0);
  g_generation.fetch_add(1);
}

std::uint64_t clock_generation() { return g_generation.load(); }

namespace {
// Howard Hinnant's civil-from-days / days-from-civil.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + std::int64_t(doe) - 719468;
}
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = unsigned(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = std::int64_t(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit((unsigned char)s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}
}  // namespace

std::string format_rfc3339(Millis ms) {
  std::int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
  std::int64_t rem = ms - days * 86400000;
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  int hh = int(rem / 3600000), mm = int(rem / 60000 % 60), ss = int(rem / 1000 % 60), mss = int(rem % 1000);
  if (y < 0 || y > 9999) return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", y, m, d, hh, mm, ss, mss);
  // Written by hand: this runs several times per request (usage events, audit rows).
  char b[25] = "0000-00-00T00:00:00.000Z";
  auto put = [&b](int pos, unsigned v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) b[pos + i] = char('0' + v % 10);
  };
  put(0, unsigned(y), 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, unsigned(hh), 2);
  put(14, unsigned(mm), 2);
  put(17, unsigned(ss), 2);
  put(20, unsigned(mss), 3);
  return std::string(b, 24);
}

std::optional<Millis> parse_rfc3339(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  std::size_t pos = 19;
  Millis frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && std::isdigit((unsigned char)s[pos])) {
      if (n < 3) frac = frac * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (int k = n; k < 3; ++k) frac *= 10;
  }
  Millis offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om))
      return std::nullopt;
    offset = (Millis(oh) * 60 + om) * 60000 * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  Millis days = days_from_civil(y, unsigned(mo), unsigned(d));
  return days * 86400000 + Millis(h) * 3600000 + Millis(mi) * 60000 + Millis(se) * 1000 + frac - offset;
}

std::optional<Millis> parse_duration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || n < 0) return std::nullopt;
  std::string_view unit(p, std::size_t(s.data() + s.size() - p));
  Millis mult;
  if (unit.empty() || unit == "s")
    mult = 1000;
  else if (unit == "ms")
    mult = 1;
  else if (unit == "m")
    mult = 60000;
  else if (unit == "h")
    mult = 3600000;
  else if (unit == "d")
    mult = 86400000;
  else if (unit == "w")
    mult = 7 * 86400000LL;
  else
    return std::nullopt;
  // Bounded so that the product fits: "99999999999w" is refused, not wrapped around.
  if (n > (std::int64_t(1) << 40) / (mult / 1000 + 1)) return std::nullopt;
  return n * mult;
}

std::optional<Millis> parse_time_or_ago(std::string_view s, Millis now) {
  if (auto t = parse_rfc3339(s)) return t;
  if (auto d = parse_duration(s)) return now - *d;
  return std::nullopt;
}

std::string relative_time(Millis t, Millis now) {
  Millis diff = now - t;
  bool future = diff < 0;
  Millis a = future ? -diff : diff;
  auto unit = [&](Millis n, const char* word) {
    std::string w = fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
    return future ? "in " + w : w + " ago";
  };
  if (a < 45000) return future ? "in a few seconds" : "just now";
  if (a < 3600000) return unit(std::max<Millis>(1, a / 60000), "minute");
  if (a < 86400000) return unit(a / 3600000, "hour");
  if (a < 30LL * 86400000) return unit(a / 86400000, "day");
  if (a < 365LL * 86400000) return unit(a / (30LL * 86400000), "month");
  return unit(a / (365LL * 86400000), "year");
}

}  // namespace slab5
