// A page of a newest-first list, as the rules see it: where to continue and how many, and
// where the next page starts. Cursors (opaque, signed, bound to a route) are the web layer's
// business (api/page_params.hpp); a rule never sees one.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace slab5d {

struct PageRequest {
  int limit = 25;                    // 1-100
  std::optional<std::string> after;  // the position of the last item of the previous page
};

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_after;  // set when another page exists: the last item's position
};

// A page from limit + 1 rows (the extra one proves another page exists); `position_of(item)`
// is the item's place in the list order.
template <class T, class PositionOf>
Page<T> make_page(std::vector<T> rows, int limit, PositionOf&& position_of) {
  Page<T> p;
  bool more = limit >= 0 && rows.size() > std::size_t(limit);
  if (more) rows.resize(std::size_t(limit));
  if (more && !rows.empty()) p.next_after = position_of(rows.back());
  p.items = std::move(rows);
  return p;
}

}  // namespace slab5d
