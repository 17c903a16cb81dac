// api/paging.h: the paging and filter parameters of list routes.
//
// ?after=<the last name of the previous page>&limit=N (1 to 1000, 100 when absent); the
// answer's "next" is the `after` of the next page, or null on the last one. ?q= filters by a
// substring of the name. Checked before any store call, kBadRequest naming the parameter.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "common/error.h"
#include "common/message.h"

namespace pier::api {

struct Page {
  std::string after;
  std::size_t limit = 100;
};

Result<Page> page_of(const Request& request);
// The ?q= substring; empty when absent.
Result<std::string> substring_of(const Request& request);

// "next" for a page read with one item more than `limit`: drops the extra item and names the
// last one kept, or null when there was no extra item.
template <class Item, class Name>
boost::json::value next_after(std::vector<Item>& items, std::size_t limit, Name&& name_of) {
  if (items.size() <= limit) return nullptr;
  items.resize(limit);
  return boost::json::value(name_of(items.back()));
}

}  // namespace pier::api
