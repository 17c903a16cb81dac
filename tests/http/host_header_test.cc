#include "http/host_header.h"

#include <gtest/gtest.h>

namespace pier::http {
namespace {

TEST(HostHeader, AcceptsNamesAddressesAndPorts) {
  for (const char* host : {"localhost", "localhost:5000", "registry.example.com", "registry.example.com:443",
                           "127.0.0.1", "127.0.0.1:5000", "[::1]", "[::1]:5000", "my_host.internal:65535",
                           "xn--bcher-kva.example"}) {
    EXPECT_TRUE(is_valid_host_header(host)) << host;
  }
}

TEST(HostHeader, RefusesWhatCouldBreakOutOfAUrlOrAHeader) {
  for (const char* host : {"", "evil.example\",error=\"x", "a b", "user@host", "host/path", "host?q", "host#f",
                           "host:port", "host:99999", "host:0", "host:", "%41host", "host,other", "[::1",
                           "host\r\nX: y", "ho\"st", "host;x", "host'x"}) {
    EXPECT_FALSE(is_valid_host_header(host)) << host;
  }
}

}  // namespace
}  // namespace pier::http
