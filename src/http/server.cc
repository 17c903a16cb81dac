#include "http/server.h"

#include <sys/sendfile.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cerrno>
#include <csignal>
#include <list>
#include <spdlog/spdlog.h>
#include <thread>

#include "http/body_buffers.h"
#include "http/error_response.h"
#include "http/host_header.h"
#include "http/request_parser.h"
#include "http/response_head.h"
#include "http/tls_stream.h"

namespace pier::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kBodyChunk = BodyBuffers::kSize;
constexpr std::uint64_t kDrainLimit = 1024 * 1024;
// A file sent over TLS is read and encrypted this much at a time: below malloc's mapping
// threshold, so the buffer is memory the process has used before.
constexpr std::size_t kFileReadChunk = 1024 * 1024;
constexpr std::size_t kBodyReadAhead = 64 * 1024 + 4096;

Method to_method(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get: return Method::kGet;
    case bhttp::verb::head: return Method::kHead;
    case bhttp::verb::post: return Method::kPost;
    case bhttp::verb::put: return Method::kPut;
    case bhttp::verb::patch: return Method::kPatch;
    case bhttp::verb::delete_: return Method::kDelete;
    default: return Method::kOther;
  }
}

// How much of a request's body is still to be read. A body of known length is counted
// here and read past Beast's parser; a chunked one is the parser's to track.
struct BodyProgress {
  std::optional<std::uint64_t> left;  // set for a body of known length

  template <class Parser>
  static BodyProgress after_headers(const Parser& parser) {
    BodyProgress progress;
    if (!parser.chunked()) progress.left = parser.content_length_remaining().value_or(0);
    return progress;
  }
  template <class Parser>
  bool done(const Parser& parser) const {
    return left ? *left == 0 : parser.is_done();
  }
};

// The chunk buffers of one request's body, used in turn. A body sink may still be reading
// the last few chunks while the next is received (see BodySink), so a body fed to a sink
// gets one more buffer than the sink may hold, declared before the sink so they outlive it;
// a body copied or dropped as it arrives needs one. Full-size buffers come from, and go
// back to, the server's BodyBuffers.
class BodyChunks {
 public:
  enum class Reader { kCopies, kSink };

  // A body of known length smaller than a chunk gets buffers of its own size.
  BodyChunks(BodyBuffers& pool, const BodyProgress& progress, Reader reader)
      : pool_(pool),
        size_(progress.left ? static_cast<std::size_t>(std::min<std::uint64_t>(*progress.left, kBodyChunk))
                            : kBodyChunk),
        count_(reader == Reader::kSink ? chunks_.size() : 1) {}
  ~BodyChunks() {
    if (size_ != BodyBuffers::kSize) return;
    for (auto& chunk : chunks_) {
      if (chunk) pool_.give_back(std::move(chunk));
    }
  }
  BodyChunks(const BodyChunks&) = delete;
  BodyChunks& operator=(const BodyChunks&) = delete;

  std::size_t size() const { return size_; }
  char* next() {
    auto& chunk = chunks_[turn_];
    turn_ = (turn_ + 1) % count_;
    if (!chunk) chunk = size_ == BodyBuffers::kSize ? pool_.take() : std::unique_ptr<char[]>(new char[size_]);
    return chunk.get();
  }

 private:
  BodyBuffers& pool_;
  const std::size_t size_;
  std::array<std::unique_ptr<char[]>, kBodySinkChunksHeld + 1> chunks_;
  const std::size_t count_;
  std::size_t turn_ = 0;
};

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// Whether the request's framing and Host are what RFC 9112 lets a server act on; the error to
// answer (and then close) if not.
std::optional<Error> framing_error(const RequestParser& parser) {
  const auto& header = parser.header();
  const auto transfer_encoding = header.count(bhttp::field::transfer_encoding);
  if (transfer_encoding > 0 && !parser.chunked()) {
    return make_error(ErrorCode::kBadRequest, "a Transfer-Encoding other than chunked is not supported");
  }
  if (transfer_encoding > 0 && header.count(bhttp::field::content_length) > 0) {
    return make_error(ErrorCode::kBadRequest, "both Transfer-Encoding and Content-Length");
  }
  const auto hosts = header.count(bhttp::field::host);
  if (hosts > 1) return make_error(ErrorCode::kBadRequest, "more than one Host header");
  if (hosts == 0 && header.version() >= 11) return make_error(ErrorCode::kBadRequest, "no Host header");
  if (hosts == 1 && !is_valid_host_header(header[bhttp::field::host])) {
    return make_error(ErrorCode::kBadRequest, "the Host header is not a valid host[:port]");
  }
  return std::nullopt;
}

// Runs `work`, a call into the request handler, turning anything it throws into a 500 for this
// request alone: a bug met by one request must not end the connection unanswered, let alone
// the process.
template <class Work>
auto guarded(spdlog::logger& log, std::string_view target, Work&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const std::exception& e) {
    log.error("{}: the handler threw: {}", target, e.what());
  } catch (...) {
    log.error("{}: the handler threw a non-standard exception", target);
  }
  return make_error(ErrorCode::kInternal, "internal error");
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Fills path segments and query parameters, percent-decoded; kBadRequest if the target is malformed.
Result<void> parse_target(std::string_view target, Request& request) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return make_error(ErrorCode::kBadRequest, "malformed request target");
  for (auto segment : url->segments()) request.path.push_back(segment);
  for (auto param : url->params()) request.query.emplace_back(param.key, param.has_value ? param.value : "");
  return {};
}

// Tracks live connections so shutdown can close the idle ones at once.
class ConnectionSet {
 public:
  struct Entry {
    std::atomic<bool> idle{true};
    bool open = true;             // touched only on the connection's thread
    std::function<void()> close;  // posts a cancel onto the connection's thread
  };
  using Handle = std::list<std::shared_ptr<Entry>>::iterator;

  Handle add(std::shared_ptr<Entry> entry) {
    std::lock_guard lock(mutex_);
    entries_.push_front(std::move(entry));
    return entries_.begin();
  }
  void remove(Handle handle) {
    std::lock_guard lock(mutex_);
    entries_.erase(handle);
  }
  bool empty() {
    std::lock_guard lock(mutex_);
    return entries_.empty();
  }
  void close_idle() {
    std::lock_guard lock(mutex_);
    for (auto& entry : entries_) {
      if (entry->idle) entry->close();
    }
  }

 private:
  std::mutex mutex_;
  std::list<std::shared_ptr<Entry>> entries_;  // guarded by mutex_
};

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, RequestHandler& h, Metrics& m, Probes p, std::shared_ptr<spdlog::logger> l,
       std::shared_ptr<spdlog::logger> a)
      : options(std::move(o)),
        handler(h),
        metrics(m),
        probes(std::move(p)),
        log(std::move(l)),
        access(std::move(a)),
        io_threads(options.io_threads ? options.io_threads : std::max(1u, std::thread::hardware_concurrency())),
        contexts(make_contexts(io_threads)),
        ioc(*contexts.front()),
        blocking(options.blocking_threads),
        acceptor(ioc),
        signals(ioc, SIGINT, SIGTERM),
        tls_context(asio::ssl::context::tls_server) {}

  ServerOptions options;
  RequestHandler& handler;
  Metrics& metrics;
  Probes probes;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<spdlog::logger> access;
  const unsigned io_threads;
  // Declared before the contexts, so that they outlive the connection coroutines they destroy.
  ConnectionSet connections;
  // Enough for one large upload per I/O thread to start without new memory.
  BodyBuffers body_buffers{(kBodySinkChunksHeld + 1) * io_threads};
  // One single-threaded io_context per I/O thread: a connection lives on one of them, so its
  // handlers never need a strand or a lock, and threads do not wake each other per request.
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  asio::io_context& ioc;  // the first context: listener, signals, timers
  std::size_t next_context = 0;  // touched only by the listener
  asio::thread_pool blocking;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::ssl::context tls_context;
  std::atomic<bool> stopping{false};
  std::vector<std::unique_ptr<asio::steady_timer>> timers;

  static std::vector<std::unique_ptr<asio::io_context>> make_contexts(unsigned count) {
    std::vector<std::unique_ptr<asio::io_context>> made;
    for (unsigned i = 0; i < count; ++i) made.push_back(std::make_unique<asio::io_context>(1));
    return made;
  }

  // Runs an I/O thread's context until it is stopped. An exception out of a handler unwinds
  // only the operation that threw (its connection is dropped); the thread logs it and goes on
  // serving every other connection.
  void run_context(asio::io_context& context) {
    for (;;) {
      try {
        context.run();
        return;
      } catch (const std::exception& e) {
        log->error("an I/O handler threw, its connection is dropped: {}", e.what());
      } catch (...) {
        log->error("an I/O handler threw a non-standard exception, its connection is dropped");
      }
    }
  }

  void stop_all() {
    for (auto& context : contexts) context->stop();
  }

  void configure_tls() {
    tls_context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                            asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                            asio::ssl::context::no_tlsv1_1);
    tls_context.use_certificate_chain_file(options.tls->certificate);
    tls_context.use_private_key_file(options.tls->key, asio::ssl::context::pem);
  }

  // Runs `job` on the blocking pool and resumes on the caller's executor when it is done.
  // The job writes its result into the caller's frame: values are not passed back through
  // co_spawn, whose result path g++ 12 miscompiles for non-trivial types.
  awaitable<void> offload(const std::function<void()>& job) {
    co_await asio::co_spawn(
        blocking, [&job]() -> awaitable<void> {
          job();
          co_return;
        },
        use_awaitable);
  }

  awaitable<Result<Reply>> handle_maybe_offloaded(Request& request, bool may_block) {
    std::optional<Result<Reply>> reply;
    const auto handle = [&] { reply.emplace(guarded(*log, request.target, [&] { return handler.handle(request); })); };
    if (may_block) {
      co_await offload(handle);
    } else {
      handle();
    }
    co_return std::move(*reply);
  }

  // Sends "100 Continue" once, before the first read of a body whose client waits for it.
  template <class Stream>
  awaitable<void> continue_if_awaited(Stream& stream, bool& awaiting_continue) {
    if (!awaiting_continue) co_return;
    awaiting_continue = false;
    beast::get_lowest_layer(stream).expires_after(options.read_timeout);
    co_await asio::async_write(stream, asio::buffer(kContinue), use_awaitable);
  }

  // Answers the operational endpoints; nullopt for everything else.
  std::optional<Response> ops(const Request& request) {
    if (request.path.size() != 1) return std::nullopt;
    const auto& p = request.path[0];
    Response response;
    response.header("Content-Type", "text/plain; charset=utf-8");
    if (p == "healthz") {
      response.body = "ok\n";
    } else if (p == "readyz") {
      const bool ready = !stopping && probes.ready();
      response.status = ready ? 200 : 503;
      response.body = ready ? "ready\n" : "not ready\n";
    } else if (p == "metrics") {
      response.header("Content-Type", "text/plain; version=0.0.4");
      response.body = metrics.render();
    } else {
      return std::nullopt;
    }
    return response;
  }

  // A region that another thread fills as it fetches it (a blob streamed from object
  // storage): read as it arrives and sent on. The filling side gives up on a stalled source,
  // which ends the pipe, so the read needs no timer of its own.
  template <class Stream>
  awaitable<void> write_sequential_region(Stream& stream, const FileRegion& region) {
    const int fd = ::dup(region.fd());
    if (fd < 0) throw std::runtime_error("cannot read a streamed blob");
    asio::posix::stream_descriptor source(beast::get_lowest_layer(stream).socket().get_executor(), fd);
    std::unique_ptr<char[]> buffer(new char[kFileReadChunk]);
    std::uint64_t remaining = region.length();
    while (remaining > 0) {
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kFileReadChunk));
      const std::size_t n = co_await source.async_read_some(asio::buffer(buffer.get(), want), use_awaitable);
      beast::get_lowest_layer(stream).expires_after(options.read_timeout);
      co_await asio::async_write(stream, asio::buffer(buffer.get(), n), use_awaitable);
      remaining -= n;
    }
  }

  template <class Stream>
  awaitable<void> write_file_region(Stream& stream, const FileRegion& region) {
    if (region.sequential()) {
      co_await write_sequential_region(stream, region);
      co_return;
    }
    auto& socket = beast::get_lowest_layer(stream).socket();
    std::uint64_t remaining = region.length();
    off_t offset = static_cast<off_t>(region.offset());
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      // Zero-copy: the kernel moves page-cache pages straight to the socket. Nagle's
      // algorithm is on while the file goes out: with TCP_NODELAY every return of sendfile
      // pushes a part-filled segment, and a client reading in small pieces (curl: 16 KiB)
      // pays for the extra segments and wake-ups (one 1 GiB pull: 2,380 against 2,620 MB/s,
      // alternating runs). TCP_CORK, nginx's choice, held segments back from a client reading
      // in large pieces (3,000 against 4,100 MB/s). Turning TCP_NODELAY back on sends the tail.
      socket.native_non_blocking(true);
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(false), ignored);
      asio::steady_timer deadline(socket.get_executor());
      while (remaining > 0) {
        const ssize_t n = ::sendfile(socket.native_handle(), region.fd(), &offset,
                                     static_cast<std::size_t>(std::min<std::uint64_t>(remaining, 1u << 30)));
        if (n > 0) {
          remaining -= static_cast<std::uint64_t>(n);
          continue;
        }
        if (n == 0) throw std::runtime_error("blob shorter than expected");
        if (errno == EINTR) continue;
        if (errno != EAGAIN) throw beast::system_error(beast::error_code(errno, beast::system_category()));
        deadline.expires_after(options.read_timeout);
        deadline.async_wait([&socket](beast::error_code ec) {
          if (!ec) socket.cancel();
        });
        co_await socket.async_wait(tcp::socket::wait_write, use_awaitable);
        deadline.cancel();
      }
      socket.set_option(tcp::no_delay(true), ignored);
    } else {
      const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kFileReadChunk));
      std::unique_ptr<char[]> buffer(new char[chunk]);
      while (remaining > 0) {
        const ssize_t n = ::pread(region.fd(), buffer.get(),
                                  static_cast<std::size_t>(std::min<std::uint64_t>(remaining, chunk)), offset);
        if (n <= 0) throw std::runtime_error("blob read failed");
        beast::get_lowest_layer(stream).expires_after(options.read_timeout);
        co_await asio::async_write(stream, asio::buffer(buffer.get(), static_cast<std::size_t>(n)), use_awaitable);
        offset += n;
        remaining -= static_cast<std::uint64_t>(n);
      }
    }
  }

  // `head` is the connection's buffer for the status line and headers, reused from one
  // response to the next.
  template <class Stream>
  awaitable<std::uint64_t> write_response(Stream& stream, const Request& request, Response& response,
                                          bool keep_alive, bool head_only, std::string& head) {
    handler.decorate(request, response);
    const std::uint64_t length = response.content_length.value_or(
        response.file ? response.file->length() : response.body.size());
    const bool send_body = !head_only && !response.omit_body;
    write_response_head(head, response, length, keep_alive);
    beast::get_lowest_layer(stream).expires_after(options.read_timeout);
    if (send_body && !response.file) {
      const std::array<asio::const_buffer, 2> head_and_body{asio::buffer(head), asio::buffer(response.body)};
      co_await asio::async_write(stream, head_and_body, use_awaitable);
      co_return length;
    }
    co_await asio::async_write(stream, asio::buffer(head), use_awaitable);
    if (!send_body) co_return 0;
    co_await write_file_region(stream, *response.file);
    co_return length;
  }

  // Reads the rest of the body in chunks, handing each to `consume`; stops early when
  // consume fails. Adds the bytes read to `received` as they arrive (so a request cut off
  // midway still reports them). A body of known length is read from the socket straight
  // into the chunk (Beast's parser would first copy it through the read buffer, in reads
  // no larger than that buffer); a chunked one goes through the parser.
  template <class Stream, class Parser, class Consume>
  awaitable<void> read_body(Stream& stream, beast::flat_buffer& buffer, Parser& parser, BodyProgress& progress,
                            BodyChunks& chunks, Consume consume, std::optional<Error>& failure,
                            std::uint64_t& received) {
    if (progress.left) {
      while (*progress.left > 0) {
        char* chunk = chunks.next();
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(*progress.left, chunks.size()));
        // Bytes that arrived with the headers first.
        std::size_t n = std::min(buffer.size(), want);
        asio::buffer_copy(asio::buffer(chunk, n), buffer.data());
        buffer.consume(n);
        // A chunk is filled before it is handed on: each hand-over may wake the core that
        // hashes, which costs more than the reads it saves on a fast connection.
        boost::system::error_code ec;
        while (n < want && !ec) {
          beast::get_lowest_layer(stream).expires_after(options.read_timeout);
          auto [read_ec, got] =
              co_await stream.async_read_some(asio::buffer(chunk + n, want - n), asio::as_tuple(use_awaitable));
          n += got;
          ec = read_ec;
        }
        *progress.left -= n;
        received += n;
        // What arrived before a failed read is kept, as if the read had stopped there.
        if (n > 0) {
          if (auto r = consume(std::string_view(chunk, n)); !r) {
            failure = r.error();
            co_return;
          }
        }
        if (ec) throw boost::system::system_error(ec);
      }
      co_return;
    }
    // Beast reads at most the read buffer's spare capacity per call; a header-sized buffer
    // would turn a large body into thousands of 4 KiB reads.
    if (!parser.is_done() && buffer.capacity() < kBodyReadAhead) buffer.reserve(kBodyReadAhead);
    while (!parser.is_done()) {
      char* chunk = chunks.next();
      parser.set_body_buffer(chunk, chunks.size());
      beast::get_lowest_layer(stream).expires_after(options.read_timeout);
      auto [ec, ignored] = co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(use_awaitable));
      const std::size_t n = chunks.size() - parser.body_space();
      received += n;
      if (ec && ec != bhttp::error::need_buffer) {
        // A malformed chunked body is the client's error, answered before the connection
        // closes; a failing socket ends the connection.
        if (ec.category() != beast::error_code(bhttp::error::header_limit).category() &&
            ec != asio::error::message_size) {
          throw beast::system_error(ec);
        }
        failure = ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow ||
                          ec == asio::error::message_size
                      ? make_error(ErrorCode::kHeadersTooLarge, "request trailers too large")
                      : make_error(ErrorCode::kBadRequest, "malformed chunked request body: " + ec.message());
        co_return;
      }
      if (n > 0) {
        if (auto r = consume(std::string_view(chunk, n)); !r) {
          failure = r.error();
          co_return;
        }
      }
    }
  }

  void account(std::string_view remote, std::string_view method, std::string_view target, std::string_view route,
               unsigned status, std::uint64_t bytes_in, std::uint64_t bytes_out, Clock::time_point started) {
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    metrics.record(route, method, status, bytes_in, bytes_out, seconds);
    if (options.access_log) {
      access->info(
          R"({{"remote":"{}","method":"{}","target":"{}","route":"{}","status":{},"bytes_in":{},"bytes_out":{},"ms":{:.3f}}})",
          remote, method, target, route, status, bytes_in, bytes_out, seconds * 1000);
    }
  }

  template <class Stream>
  awaitable<void> serve(Stream& stream, std::shared_ptr<ConnectionSet::Entry> entry, std::string remote, bool secure) {
    // Bounded, so that no request can make it grow without end (a trailer that never ends):
    // headers, trailers and the read-ahead of a chunked body all fit.
    beast::flat_buffer buffer(options.header_limit + 2 * kBodyReadAhead);
    std::string response_head;
    while (!stopping) {
      RequestParser parser(options.header_limit);
      // Idle (closed at once on shutdown) only while no byte of the next request is here.
      entry->idle = buffer.size() == 0;
      // Between requests a connection may wait idle_timeout for a first byte; from then on
      // the headers must arrive within read_timeout, so a slow sender cannot hold it open.
      beast::error_code read_ec;
      if (buffer.size() == 0) {
        beast::get_lowest_layer(stream).expires_after(options.idle_timeout);
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), asio::as_tuple(use_awaitable));
        buffer.commit(n);
        if (n > 0) entry->idle = false;
        read_ec = ec;
      }
      if (!read_ec) {
        beast::get_lowest_layer(stream).expires_after(options.read_timeout);
        auto [ec, ignored] = co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(use_awaitable));
        read_ec = ec;
      }
      if (read_ec == bhttp::error::end_of_stream || read_ec == asio::error::eof ||
          read_ec == asio::error::operation_aborted || read_ec == beast::error::timeout ||
          read_ec == asio::error::connection_reset || read_ec == asio::ssl::error::stream_truncated) {
        co_return;
      }
      entry->idle = false;
      if (stopping && read_ec) co_return;
      const auto started = Clock::now();
      Request request;
      std::string_view route = "invalid";
      // A label for metrics: a static string, never the request's own bytes.
      const std::string_view method = read_ec ? "?" : std::string_view(bhttp::to_string(parser.header().method()));
      std::uint64_t bytes_in = 0;
      bool keep_alive = false;
      BodyProgress progress;
      try {
        request.remote_address = remote;
        request.secure = secure;
        std::optional<Response> ready;
        bool awaiting_continue = false;
        if (read_ec) {
          // Malformed or oversized headers: answer once and close.
          const bool too_large = read_ec == bhttp::error::header_limit || read_ec == bhttp::error::buffer_overflow;
          ready = error_response(too_large ? make_error(ErrorCode::kHeadersTooLarge, "request headers too large")
                                           : make_error(ErrorCode::kBadRequest, "malformed HTTP request"));
        } else if (auto framing = framing_error(parser)) {
          // The body's length cannot be trusted, so neither can the next request's start.
          ready = error_response(*framing);
        } else {
          const auto& header = parser.header();
          request.method = to_method(header.method());
          request.target = std::string(header.target());
          for (const auto& field : header) request.headers.emplace_back(lowercase(field.name_string()), field.value());
          if (parser.content_length()) request.content_length = *parser.content_length();
          keep_alive = parser.keep_alive();
          progress = BodyProgress::after_headers(parser);
          awaiting_continue = !progress.done(parser) && beast::iequals(request.header("expect"), "100-continue");
        }
        if (!ready) {
          if (auto parsed = parse_target(request.target, request); !parsed) {
            ready = error_response(parsed.error());
          } else if (auto o = ops(request)) {
            ready = std::move(*o);
            route = "ops";
          }
        }
        if (!ready) {
          auto plan = guarded(*log, request.target, [&] { return handler.plan(request); });
          if (!plan) {
            ready = error_response(plan.error());
          } else {
            route = plan->route;
            std::optional<Error> failure;
            Result<Reply> reply = make_error(ErrorCode::kInternal, "no reply");
            if (plan->body == BodyMode::kBuffer) {
              if (request.content_length && *request.content_length > plan->body_limit) {
                failure = make_error(plan->too_large, "request body too large");
              } else {
                co_await continue_if_awaited(stream, awaiting_continue);
                BodyChunks chunks(body_buffers, progress, BodyChunks::Reader::kCopies);
                co_await read_body(
                    stream, buffer, parser, progress, chunks,
                    [&](std::string_view chunk) -> Result<void> {
                      if (request.body.size() + chunk.size() > plan->body_limit) {
                        return make_error(plan->too_large, "request body too large");
                      }
                      request.body.append(chunk);
                      return {};
                    },
                    failure, bytes_in);
              }
              if (!failure) reply = co_await handle_maybe_offloaded(request, plan->may_block);
            } else {
              reply = co_await handle_maybe_offloaded(request, plan->may_block);
            }
            if (failure) {
              ready = error_response(*failure);
            } else if (!reply) {
              ready = error_response(reply.error());
            } else if (auto* response = std::get_if<Response>(&*reply)) {
              ready = std::move(*response);
            } else {
              BodyChunks chunks(body_buffers, progress, BodyChunks::Reader::kSink);
              auto sink = std::move(std::get<std::unique_ptr<BodySink>>(*reply));
              co_await continue_if_awaited(stream, awaiting_continue);
              co_await read_body(
                  stream, buffer, parser, progress, chunks,
                  [&](std::string_view chunk) {
                    return guarded(*log, request.target, [&] { return sink->write(chunk); });
                  },
                  failure, bytes_in);
              if (failure) {
                sink.reset();
                ready = error_response(*failure);
              } else {
                std::optional<Result<Response>> finished;
                co_await offload(
                    [&] { finished.emplace(guarded(*log, request.target, [&] { return sink->finish(); })); });
                sink.reset();
                ready = *finished ? std::move(**finished) : error_response(finished->error());
              }
            }
          }
        }
        // An error answered before the body was read: a short body is read and dropped so the
        // client sees the answer and the connection stays usable; a long one closes it, and so
        // does one whose client still waits for "100 Continue" (it may never send the body).
        if (!progress.done(parser) && !awaiting_continue && request.content_length &&
            *request.content_length <= kDrainLimit) {
          std::optional<Error> ignored;
          BodyChunks chunks(body_buffers, progress, BodyChunks::Reader::kCopies);
          co_await read_body(
              stream, buffer, parser, progress, chunks, [](std::string_view) -> Result<void> { return {}; }, ignored,
              bytes_in);
        }
        if (!progress.done(parser) || stopping) keep_alive = false;
        if (ready->status >= 500) {
          log->error("{} {} -> {}: {}", request.target, static_cast<int>(request.method), ready->status, ready->body);
        }
        const bool head_only = request.method == Method::kHead;
        const std::uint64_t bytes_out =
            co_await write_response(stream, request, *ready, keep_alive, head_only, response_head);
        account(remote, method, request.target, route, ready->status, bytes_in, bytes_out, started);
      } catch (const std::exception&) {
        // The client went away or a deadline passed mid-request: still counted and logged,
        // with nginx's 499 ("client closed request"), before the connection ends.
        account(remote, method, request.target, route, 499, bytes_in, 0, started);
        throw;
      }
      if (!keep_alive) break;
    }
  }

  awaitable<void> session(tcp::socket socket) {
    const auto remote = [&] {
      beast::error_code ec;
      auto endpoint = socket.remote_endpoint(ec);
      return ec ? std::string("?") : endpoint.address().to_string();
    }();
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    beast::tcp_stream plain(std::move(socket));
    auto entry = std::make_shared<ConnectionSet::Entry>();
    auto executor = plain.get_executor();
    // The cancel may run after this connection has ended: it checks `open`, which is
    // cleared on the same thread before `plain` goes away.
    entry->close = [executor, weak = std::weak_ptr<ConnectionSet::Entry>(entry), &plain] {
      asio::post(executor, [weak, &plain] {
        if (auto e = weak.lock(); e && e->open && e->idle) {
          // Bytes already waiting are a request on its way, not an idle connection.
          beast::error_code ignored_error;
          if (plain.socket().available(ignored_error) == 0) plain.socket().cancel(ignored_error);
        }
      });
    };
    // Removed however this coroutine ends, even if its frame is destroyed without resuming.
    struct Registration {
      ConnectionSet& connections;
      std::shared_ptr<ConnectionSet::Entry> entry;
      ConnectionSet::Handle handle;
      ~Registration() {
        entry->open = false;
        connections.remove(handle);
      }
    } registration{connections, entry, connections.add(entry)};
    try {
      if (options.tls) {
        TlsStream tls(plain.socket(), tls_context.native_handle());
        tls.next_layer().expires_after(options.read_timeout);
        co_await tls.async_handshake(use_awaitable);
        co_await serve(tls, entry, remote, true);
        tls.next_layer().expires_after(std::chrono::seconds(5));
        auto [ec, ignored_bytes] = co_await tls.async_shutdown(asio::as_tuple(use_awaitable));
        (void)ec;
      } else {
        co_await serve(plain, entry, remote, false);
        beast::error_code ec;
        plain.socket().shutdown(tcp::socket::shutdown_send, ec);
      }
    } catch (const boost::system::system_error& e) {
      // The socket failed, the client went away or a deadline passed: nothing to fix here.
      log->debug("connection from {} ended: {}", remote, e.what());
    } catch (const std::exception& e) {
      log->error("connection from {} closed after an unexpected error: {}", remote, e.what());
    }
  }

  awaitable<void> listen() {
    while (!stopping) {
      auto& context = *contexts[next_context++ % contexts.size()];
      auto [ec, socket] = co_await acceptor.async_accept(context, asio::as_tuple(use_awaitable));
      if (ec) {
        if (stopping) co_return;
        log->warn("accept failed: {}", ec.message());
        continue;
      }
      auto executor = socket.get_executor();
      asio::co_spawn(executor, session(std::move(socket)), [this](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log->error("connection failed: {}", ex.what());
        } catch (...) {
          log->error("connection failed with a non-standard exception");
        }
      });
    }
  }
};

Server::Server(ServerOptions options, RequestHandler& handler, Metrics& metrics, Probes probes,
               std::shared_ptr<spdlog::logger> log, std::shared_ptr<spdlog::logger> access_log)
    : impl_(std::make_unique<Impl>(std::move(options), handler, metrics, std::move(probes), std::move(log),
                                   std::move(access_log))) {}

Server::~Server() = default;

void Server::bind() {
  auto& i = *impl_;
  if (i.options.tls) i.configure_tls();
  const auto address = asio::ip::make_address(i.options.host.empty() ? "0.0.0.0" : i.options.host);
  tcp::endpoint endpoint(address, i.options.port);
  i.acceptor.open(endpoint.protocol());
  i.acceptor.set_option(asio::socket_base::reuse_address(true));
  i.acceptor.bind(endpoint);
  i.acceptor.listen(asio::socket_base::max_listen_connections);
}

std::uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::every(std::chrono::seconds period, std::function<void()> task) {
  auto& i = *impl_;
  auto timer = std::make_unique<asio::steady_timer>(i.ioc);
  auto* raw = timer.get();
  i.timers.push_back(std::move(timer));
  asio::co_spawn(
      i.ioc,
      [&i, raw, period, task = std::move(task)]() -> awaitable<void> {
        while (!i.stopping) {
          raw->expires_after(period);
          auto [ec] = co_await raw->async_wait(asio::as_tuple(use_awaitable));
          if (ec || i.stopping) co_return;
          co_await i.offload(task);
        }
      },
      asio::detached);
}

void Server::run() {
  auto& i = *impl_;
  // sendfile(2) has no MSG_NOSIGNAL: a client hanging up mid-download would otherwise kill
  // the process with SIGPIPE instead of failing that one write with EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  i.signals.async_wait([&i](beast::error_code ec, int signal) {
    if (ec) return;
    i.log->info("received signal {}: finishing in-flight requests", signal);
    i.stopping = true;
    beast::error_code ignored;
    i.acceptor.close(ignored);
    for (auto& timer : i.timers) timer->cancel();
    i.connections.close_idle();
    // In-flight requests get shutdown_timeout to finish; then everything stops.
    auto deadline = std::make_shared<asio::steady_timer>(i.ioc, i.options.shutdown_timeout);
    // Poll until the last connection is gone, then let run() return. `check` holds itself
    // while it polls; whichever ends the wait, the poll or the deadline, lets it go.
    auto poll = std::make_shared<asio::steady_timer>(i.ioc);
    auto check = std::make_shared<std::function<void()>>();
    deadline->async_wait([&i, deadline, check](beast::error_code ec) {
      if (ec) return;
      i.log->warn("shutdown timeout reached: closing remaining connections");
      *check = nullptr;
      i.stop_all();
    });
    *check = [&i, poll, check, deadline] {
      poll->expires_after(std::chrono::milliseconds(20));
      poll->async_wait([&i, poll, check, deadline](beast::error_code) {
        i.connections.close_idle();
        if (i.connections.empty()) {
          deadline->cancel();
          i.stop_all();
          *check = nullptr;
          return;
        }
        if (*check) (*check)();
      });
    };
    (*check)();
  });
  asio::co_spawn(i.ioc, i.listen(), asio::detached);
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < i.contexts.size(); ++t) {
    auto& context = *i.contexts[t];
    keep_running.push_back(asio::make_work_guard(context));
    threads.emplace_back([&i, &context] { i.run_context(context); });
  }
  i.run_context(i.ioc);
  for (auto& thread : threads) thread.join();
  i.blocking.join();
}

}  // namespace pier::http
