// tests/s3_server.h: the S3 server of the store tests (tests/s3.sh, npm's s3rver) on
// 127.0.0.1; each test takes a new empty bucket on it.
#pragma once

#include <string>

#include "script_server.h"
#include "storage/s3/s3_client.h"

namespace pier::testing {

class S3Server {
 public:
  // The server ctest started for every test process (TEST_S3_DIR), or one of this process's own.
  static S3Server& shared();

  const std::string& endpoint() const { return endpoint_; }
  // Options for a new empty bucket on the server.
  storage::s3::S3Options create_bucket();

  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

 private:
  S3Server();
  ScriptServer server_;
  std::string endpoint_;
  int buckets_ = 0;
};

}  // namespace pier::testing
