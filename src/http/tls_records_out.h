// http/tls_records_out.h: where a TLS session's outgoing records wait to be sent together.
//
// OpenSSL's socket BIO writes each record (at most 16 KiB of data) to the socket as it is
// made: a 1 GiB blob is 65,536 system calls and as many loopback packets, each of which the
// receiving side is woken for. OutgoingRecords is a write BIO that keeps the records in
// memory instead, up to kLimit bytes, then asks OpenSSL to retry; the owner sends what it
// holds in one system call and lets OpenSSL go on. Sending a blob over TLS took a quarter
// of the system calls and less of the server's CPU than record by record.
#pragma once

#include <openssl/bio.h>

#include <cstddef>
#include <string>
#include <system_error>

namespace pier::http {

class OutgoingRecords {
 public:
  // Records are accepted while fewer than this many bytes wait; the one that crosses it is
  // kept too, so a single write holds at most kLimit plus one record.
  static constexpr std::size_t kLimit = 256 * 1024;
  // What stays allocated once everything is sent: enough for a response's head and a small body.
  static constexpr std::size_t kKeptCapacity = 64 * 1024;

  OutgoingRecords();
  ~OutgoingRecords();
  OutgoingRecords(const OutgoingRecords&) = delete;
  OutgoingRecords& operator=(const OutgoingRecords&) = delete;

  // The BIO to give to SSL_set_bio as the write BIO; the session then owns one reference,
  // this object another.
  BIO* bio() const { return bio_; }

  bool empty() const { return sent_ == pending_.size(); }

  enum class Sent { kAll, kWouldBlock, kFailed };
  // Sends what waits to the non-blocking socket fd, as much as it takes without blocking;
  // on kFailed, `error` says why.
  Sent send_to(int fd, std::error_code& error);

  // Gives back memory beyond kKeptCapacity while nothing waits (a connection between requests).
  void shrink();

 private:
  static int write(BIO* bio, const char* data, int size);
  static long control(BIO* bio, int command, long number, void* pointer);

  BIO* bio_;
  std::string pending_;
  std::size_t sent_ = 0;
};

}  // namespace pier::http
