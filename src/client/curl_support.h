// client/curl_support.h: what every user of libcurl needs: its global set-up, done once, and
// its string list (request headers, mail recipients) freed with its owner. For .cc files that
// use libcurl; no public header includes it.
#pragma once

#include <curl/curl.h>

#include <mutex>
#include <string>

namespace pier::client {

// curl_global_init is not thread-safe and must come before the first handle.
inline void initialise_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

class CurlStringList {
 public:
  CurlStringList() = default;
  CurlStringList(const CurlStringList&) = delete;
  CurlStringList& operator=(const CurlStringList&) = delete;
  ~CurlStringList() { curl_slist_free_all(list_); }
  // False when out of memory; the list is then as it was.
  bool add(const std::string& item) {
    curl_slist* grown = curl_slist_append(list_, item.c_str());
    if (grown == nullptr) return false;
    list_ = grown;
    return true;
  }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

}  // namespace pier::client
