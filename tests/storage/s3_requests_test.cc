// The requests the S3 store sends, as a server sees them: signed so that S3 accepts them
// (checked against the published AWS examples and Pier's own SigV4), and the multipart calls
// s3rver lacks (AbortMultipartUpload) made where they should be.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "meta/sqlite/sqlite_store.h"
#include "services/metadata_upload_journal.h"
#include "storage/layout.h"
#include "storage/s3/s3_blob_store.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/sigv4.h"
#include "test_dirs.h"

namespace pier::storage::s3 {
namespace {

const Credentials kExampleKeys{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
constexpr std::int64_t k20130524 = 1369353600;  // 2013-05-24T00:00:00Z
constexpr std::string_view kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
TEST(SigV4, PresignedUrlMatchesTheAwsExample) {
  EXPECT_EQ(presigned_get_url("https://examplebucket.s3.amazonaws.com", "examplebucket.s3.amazonaws.com", "/test.txt",
                              kExampleKeys, {"us-east-1", "s3"}, k20130524, 86400),
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

// docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "GET Object".
TEST(SigV4, HeaderSignatureMatchesTheAwsExample) {
  const Pairs headers{{"Host", "examplebucket.s3.amazonaws.com"},
                      {"Range", "bytes=0-9"},
                      {"x-amz-content-sha256", std::string(kEmptyHash)},
                      {"x-amz-date", "20130524T000000Z"}};
  const auto canonical = canonical_request("GET", "/test.txt", {}, headers, kEmptyHash);
  EXPECT_EQ(signed_header_names(headers), "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(signature(kExampleKeys, {"us-east-1", "s3"}, "20130524T000000Z", canonical),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, EncodesKeysAndQueryValues) {
  EXPECT_EQ(uri_encode("blobs/sha256/ab/c d+e~", true), "blobs/sha256/ab/c%20d%2Be~");
  EXPECT_EQ(uri_encode("a/b=c"), "a%2Fb%3Dc");
  EXPECT_EQ(amz_date(k20130524), "20130524T000000Z");
}

// An HTTP server on 127.0.0.1 that answers as S3 would and keeps every request it got.
class RecordingS3 {
 public:
  struct Seen {
    std::string method;
    std::string target;
    Pairs headers;
    std::string body;
    std::string header(std::string_view name) const {
      for (const auto& [key, value] : headers) {
        if (key.size() == name.size() &&
            std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
          return value;
        }
      }
      return {};
    }
  };

  RecordingS3() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 16), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~RecordingS3() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

  static constexpr std::string_view kUploadId = "upload/id+1";  // needs encoding in a query

 private:
  void serve() {
    while (!stopping_) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      handle(fd);
      ::close(fd);
    }
  }

  void handle(int fd) {
    std::string data;
    char buffer[65536];
    std::size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) return;
      data.append(buffer, static_cast<std::size_t>(n));
    }
    Seen request;
    std::string_view head(data.data(), head_end);
    const auto line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    request.method = std::string(line.substr(0, line.find(' ')));
    request.target = std::string(line.substr(line.find(' ') + 1, line.rfind(' ') - line.find(' ') - 1));
    head.remove_prefix(std::min(head.size(), line_end + 2));
    while (!head.empty()) {
      const auto end = head.find("\r\n");
      const auto header = head.substr(0, end);
      const auto colon = header.find(':');
      std::string value(header.substr(colon + 1));
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      request.headers.emplace_back(std::string(header.substr(0, colon)), value);
      if (end == std::string_view::npos) break;
      head.remove_prefix(end + 2);
    }
    const std::string length_text = request.header("content-length");
    const std::size_t length = length_text.empty() ? 0 : std::stoul(length_text);
    request.body = data.substr(head_end + 4);
    while (request.body.size() < length) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) return;
      request.body.append(buffer, static_cast<std::size_t>(n));
    }
    std::string status = "200 OK", extra, body;
    if (request.method == "POST" && request.target.find("?uploads") != std::string::npos) {
      body = "<InitiateMultipartUploadResult><UploadId>" + std::string(kUploadId) + "</UploadId></InitiateMultipartUploadResult>";
    } else if (request.method == "PUT" && request.target.find("partNumber=") != std::string::npos) {
      extra = "ETag: \"etag-" + std::to_string(seen().size()) + "\"\r\n";
    } else if (request.method == "DELETE") {
      status = "204 No Content";
    } else if (request.method == "HEAD" || request.method == "GET") {
      status = "404 Not Found";
    }
    {
      std::lock_guard lock(mutex_);
      seen_.push_back(std::move(request));
    }
    const std::string response = "HTTP/1.1 " + status + "\r\n" + extra + "Content-Length: " + std::to_string(body.size()) +
                                 "\r\nConnection: close\r\n\r\n" + body;
    (void)!::write(fd, response.data(), response.size());
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Seen> seen_;
};

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The signature the request should carry, computed by Pier's SigV4 from what arrived.
void expect_signed(const RecordingS3::Seen& request, const Credentials& keys) {
  const std::string authorization = request.header("authorization");
  ASSERT_TRUE(authorization.starts_with("AWS4-HMAC-SHA256 Credential=" + keys.access_key + "/")) << authorization;
  const auto field = [&](std::string_view name) {
    const auto at = authorization.find(std::string(name) + "=");
    const auto end = authorization.find(',', at);
    return authorization.substr(at + name.size() + 1, end == std::string::npos ? std::string::npos : end - at - name.size() - 1);
  };
  Pairs headers;
  const std::string names = field("SignedHeaders");
  for (std::size_t at = 0; at <= names.size();) {
    auto end = names.find(';', at);
    if (end == std::string::npos) end = names.size();
    const std::string name = names.substr(at, end - at);
    headers.emplace_back(name, request.header(name));
    at = end + 1;
  }
  EXPECT_NE(names.find("x-amz-content-sha256"), std::string::npos);
  const auto question = request.target.find('?');
  const std::string path = request.target.substr(0, question);
  Pairs query;
  if (question != std::string::npos) {
    std::string_view rest = std::string_view(request.target).substr(question + 1);
    while (!rest.empty()) {
      const auto amp = rest.find('&');
      const auto item = rest.substr(0, amp);
      const auto equals = item.find('=');
      query.emplace_back(percent_decoded(item.substr(0, equals)),
                         equals == std::string_view::npos ? "" : percent_decoded(item.substr(equals + 1)));
      if (amp == std::string_view::npos) break;
      rest.remove_prefix(amp + 1);
    }
  }
  const std::string canonical =
      canonical_request(request.method, path, query, headers, request.header("x-amz-content-sha256"));
  EXPECT_EQ(field("Signature"), signature(keys, {"eu-west-3", "s3"}, request.header("x-amz-date"), canonical))
      << request.method << " " << request.target;
}

TEST(S3Requests, EveryMultipartCallIsSignedAsS3ChecksIt) {
  RecordingS3 server;
  const Credentials keys{"PIERTESTKEY", "pier/test+secret"};
  S3Client client({server.endpoint(), "bucket", "eu-west-3", keys, true, ""});
  const auto id = client.create_multipart("uploads/u/data");
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, RecordingS3::kUploadId);
  const auto etag = client.upload_part("uploads/u/data", *id, 1, "part bytes");
  ASSERT_TRUE(etag);
  ASSERT_TRUE(client.complete_multipart("uploads/u/data", *id, {{1, *etag}}));
  ASSERT_TRUE(client.abort_multipart("uploads/u/data", *id));
  EXPECT_EQ(client.head("blobs/x").value(), std::nullopt);

  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 5u);
  for (const auto& request : seen) expect_signed(request, keys);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/bucket/uploads/u/data?uploads=");
  EXPECT_EQ(seen[1].target, "/bucket/uploads/u/data?partNumber=1&uploadId=upload%2Fid%2B1");
  EXPECT_EQ(seen[1].body, "part bytes");
  EXPECT_EQ(seen[1].header("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_EQ(seen[2].body, "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + *etag +
                              "</ETag></Part></CompleteMultipartUpload>");
  EXPECT_EQ(seen[3].method, "DELETE");
  EXPECT_EQ(seen[3].target, "/bucket/uploads/u/data?uploadId=upload%2Fid%2B1");
  EXPECT_EQ(seen[4].header("x-amz-content-sha256"), kEmptyHash);
}

TEST(S3Requests, VirtualHostAddressingPutsTheBucketInTheHost) {
  RecordingS3 server;
  S3Client client({server.endpoint(), "bucket", "eu-west-3", {"K", "S"}, false, ""});
  // "bucket.127.0.0.1" resolves nowhere; what matters is the URL built, seen in a presigned GET.
  EXPECT_TRUE(client.presigned_get("blobs/a", k20130524, 60).starts_with("http://bucket.127.0.0.1:"));
}

// Cancelling an upload that has parts aborts its multipart upload (s3rver cannot show it).
TEST(S3Requests, RemovingAnUploadAbortsItsMultipartUpload) {
  RecordingS3 server;
  pier::testing::TempDir dir;
  auto metadata = meta::open_sqlite_store(dir.path() / "pier.db");
  services::MetadataUploadJournal journal(*metadata);
  const Credentials keys{"K", "S"};
  auto store = make_s3_blob_store({{server.endpoint(), "bucket", "eu-west-3", keys, true, ""}, 5ull << 20, 0},
                                  journal, Clock::system());
  const auto id = new_upload_id();
  ASSERT_TRUE(store->create_upload(id));
  ASSERT_TRUE(store->append_upload(id).value()->append(std::string((5u << 20) + 1, 'x')));
  ASSERT_TRUE(store->remove_upload(id));
  EXPECT_FALSE(journal.load(id).value());
  const auto seen = server.seen();
  bool aborted = false;
  for (const auto& request : seen) {
    expect_signed(request, keys);
    if (request.method == "DELETE" &&
        request.target == "/bucket/uploads/" + id + "/data?uploadId=upload%2Fid%2B1") {
      aborted = true;
    }
  }
  EXPECT_TRUE(aborted);
}

}  // namespace
}  // namespace pier::storage::s3
