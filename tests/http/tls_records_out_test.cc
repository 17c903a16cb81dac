#include "http/tls_records_out.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

namespace pier::http {
namespace {

constexpr int kRecord = 16 * 1024 + 22;  // a full TLS 1.3 record with its header and tag

std::string record_of(char fill) { return std::string(kRecord, fill); }

// A connected pair of stream sockets; the first is non-blocking, as the server's are.
struct SocketPair {
  int fds[2] = {-1, -1};
  SocketPair() {
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    EXPECT_EQ(::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK), 0);
  }
  ~SocketPair() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }
  // Everything the second socket has received so far.
  std::string drain_peer() {
    ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    std::string received;
    char buffer[65536];
    for (ssize_t n; (n = ::read(fds[1], buffer, sizeof buffer)) > 0;) received.append(buffer, static_cast<std::size_t>(n));
    return received;
  }
};

TEST(OutgoingRecords, TakesRecordsUntilTheLimitThenAsksForARetry) {
  OutgoingRecords out;
  EXPECT_TRUE(out.empty());
  std::size_t accepted = 0;
  const std::string record = record_of('r');
  while (BIO_write(out.bio(), record.data(), kRecord) == kRecord) accepted += kRecord;
  EXPECT_TRUE(BIO_should_retry(out.bio()));
  EXPECT_TRUE(BIO_should_write(out.bio()));
  EXPECT_GE(accepted, OutgoingRecords::kLimit);
  EXPECT_LT(accepted, OutgoingRecords::kLimit + kRecord);
  EXPECT_FALSE(out.empty());
  EXPECT_EQ(BIO_flush(out.bio()), 1);
}

TEST(OutgoingRecords, SendsWhatTheSocketTakesAndTheRestLaterInOrder) {
  SocketPair sockets;
  OutgoingRecords out;
  std::string written;
  for (char fill = 'a'; BIO_write(out.bio(), record_of(fill).data(), kRecord) == kRecord; ++fill) {
    written += record_of(fill);
  }
  std::string received;
  std::error_code error;
  int would_block = 0;
  for (;;) {
    const auto sent = out.send_to(sockets.fds[0], error);
    ASSERT_NE(sent, OutgoingRecords::Sent::kFailed) << error.message();
    received += sockets.drain_peer();
    if (sent == OutgoingRecords::Sent::kAll) break;
    ++would_block;
  }
  received += sockets.drain_peer();
  EXPECT_GT(would_block, 0) << "a socket pair's buffer should not take 256 KiB at once";
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(received == written) << received.size() << " of " << written.size() << " bytes, or out of order";
  // Once sent, records are taken again.
  EXPECT_EQ(BIO_write(out.bio(), "tail", 4), 4);
  ASSERT_EQ(out.send_to(sockets.fds[0], error), OutgoingRecords::Sent::kAll);
  out.shrink();
  EXPECT_EQ(sockets.drain_peer(), "tail");
}

TEST(OutgoingRecords, ASocketWhosePeerIsGoneFails) {
  SocketPair sockets;
  ::close(sockets.fds[1]);
  sockets.fds[1] = -1;
  OutgoingRecords out;
  ASSERT_EQ(BIO_write(out.bio(), "bytes", 5), 5);
  std::error_code error;
  EXPECT_EQ(out.send_to(sockets.fds[0], error), OutgoingRecords::Sent::kFailed);
  EXPECT_EQ(error.value(), EPIPE);
}

TEST(OutgoingRecords, NothingWaitingIsSentAtOnce) {
  SocketPair sockets;
  OutgoingRecords out;
  std::error_code error;
  EXPECT_EQ(out.send_to(sockets.fds[0], error), OutgoingRecords::Sent::kAll);
  EXPECT_FALSE(error);
}

}  // namespace
}  // namespace pier::http
