#include "s3_server.h"

#include <curl/curl.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>

namespace pier::testing {

S3Server& S3Server::shared() {
  static S3Server server;
  return server;
}

S3Server::S3Server() : server_(PIER_TESTS_DIR "/s3.sh", "TEST_S3_DIR", "s3") {
  std::ifstream(server_.dir() / "endpoint") >> endpoint_;
  if (endpoint_.empty()) throw std::runtime_error("the tests' S3 server wrote no endpoint");
}

storage::s3::S3Options S3Server::create_bucket() {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::random_device rd;
  const std::string bucket = "test-" + std::to_string(::getpid()) + "-" + std::to_string(++buckets_) + "-" +
                             std::to_string(rd() % 100000);
  // s3rver takes an unsigned CreateBucket; Pier itself never creates buckets.
  CURL* curl = curl_easy_init();
  const std::string url = endpoint_ + "/" + bucket;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, +[](char*, std::size_t size, std::size_t count, void*) {
    return size * count;
  });
  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK || status != 200) throw std::runtime_error("cannot create a test bucket at " + url);
  return {endpoint_, bucket, "us-east-1", {"S3RVER", "S3RVER"}, true, ""};
}

}  // namespace pier::testing
