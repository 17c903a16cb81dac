#include "http/tls_records_out.h"

#include <sys/socket.h>

#include <cerrno>
#include <new>

namespace pier::http {
namespace {

BIO_METHOD* records_method(int (*write)(BIO*, const char*, int), long (*control)(BIO*, int, long, void*)) {
  static BIO_METHOD* const method = [&] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "pier outgoing TLS records");
    if (m == nullptr || BIO_meth_set_write(m, write) != 1 || BIO_meth_set_ctrl(m, control) != 1) throw std::bad_alloc();
    return m;
  }();
  return method;
}

}  // namespace

OutgoingRecords::OutgoingRecords() : bio_(BIO_new(records_method(&OutgoingRecords::write, &OutgoingRecords::control))) {
  if (bio_ == nullptr) throw std::bad_alloc();
  BIO_set_data(bio_, this);
  BIO_set_init(bio_, 1);
}

OutgoingRecords::~OutgoingRecords() {
  // The session may still hold its reference; it must not write here any more.
  BIO_set_data(bio_, nullptr);
  BIO_free(bio_);
}

int OutgoingRecords::write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  auto* self = static_cast<OutgoingRecords*>(BIO_get_data(bio));
  if (self == nullptr || size < 0) return -1;
  if (self->pending_.size() - self->sent_ >= kLimit) {
    BIO_set_retry_write(bio);
    return -1;
  }
  if (self->sent_ == self->pending_.size()) {
    self->pending_.clear();
    self->sent_ = 0;
  }
  self->pending_.append(data, static_cast<std::size_t>(size));
  return size;
}

long OutgoingRecords::control(BIO*, int command, long, void*) {
  // A flush succeeds: the owner sends what waits after every OpenSSL call.
  return command == BIO_CTRL_FLUSH ? 1 : 0;
}

OutgoingRecords::Sent OutgoingRecords::send_to(int fd, std::error_code& error) {
  while (sent_ < pending_.size()) {
    const ssize_t n = ::send(fd, pending_.data() + sent_, pending_.size() - sent_, MSG_NOSIGNAL);
    if (n > 0) {
      sent_ += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return Sent::kWouldBlock;
    } else {
      error = std::error_code(n < 0 ? errno : EPIPE, std::system_category());
      return Sent::kFailed;
    }
  }
  pending_.clear();
  sent_ = 0;
  return Sent::kAll;
}

void OutgoingRecords::shrink() {
  if (empty() && pending_.capacity() > kKeptCapacity) std::string().swap(pending_);
}

}  // namespace pier::http
