// bench/loadgen.cc: pier-loadgen, the load generator behind `make bench`.
//
// Synchronous Boost.Beast HTTP/1.1 clients over keep-alive connections, one per thread;
// SHA-256 through OpenSSL EVP. Every subcommand prints one JSON object on stdout; problems go
// to stderr (the first few failing requests verbatim). Works against Pier and against CNCF
// distribution (docker-registry), whose differences it papers over: absolute Location
// headers, 202 to a POST ?digest=, tag lists without pagination.
//
//   push-blob   --url U --repo R --size BYTES [--mode monolithic|chunked] [--chunk BYTES]
//   pull-blob   --url U --path /v2/R/blobs/D [--streams N] --bytes EXPECTED
//   small-pushes --url U [--images N] [--clients C] [--repo-prefix P]
//   seed-tags   --url U --repo R [--count N] [--clients C]
//   seed-repos  --url U [--count N] [--clients C] [--repo-prefix P]
//   list        --url U --path '/v2/R/tags/list?n=1000' [--seconds S] [--connections C]
//   rate        --url U --path P [--method GET|HEAD] [--header 'Name: value'] [--seconds S]
//               [--connections C] [--threads T]   (closed-loop request rate with p50/p99 latency,
//               epoll-driven like wrk; used for HEAD, which Debian's wrk 4.1 cannot measure: it
//               waits for a body after a HEAD response)
//   wait-ready  --url U [--pid PID] [--since EPOCH_SECONDS] [--timeout S]
//               (polls GET /v2/ every 5 ms; prints ready_ms counted from --since)

#include <openssl/evp.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar+gzip";

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "pier-loadgen: %s\n", message.c_str());
  std::exit(1);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---- command line ----

struct Args {
  std::string command;
  std::map<std::string, std::string> options;

  std::string str(const std::string& key, std::optional<std::string> fallback = std::nullopt) const {
    if (auto it = options.find(key); it != options.end()) return it->second;
    if (fallback) return *fallback;
    die("missing --" + key);
  }
  std::uint64_t num(const std::string& key, std::optional<std::uint64_t> fallback = std::nullopt) const {
    auto it = options.find(key);
    if (it == options.end()) {
      if (fallback) return *fallback;
      die("missing --" + key);
    }
    try {
      std::size_t used = 0;
      const auto value = std::stoull(it->second, &used);
      if (used != it->second.size()) throw std::invalid_argument("trailing");
      return value;
    } catch (const std::exception&) {
      die("--" + key + " must be a non-negative integer, not '" + it->second + "'");
    }
  }
  double real(const std::string& key, double fallback) const {
    auto it = options.find(key);
    return it == options.end() ? fallback : std::stod(it->second);
  }
};

Args parse_args(int argc, char** argv) {
  if (argc < 2) die("usage: pier-loadgen COMMAND --option value ... (see bench/loadgen.cc)");
  Args args;
  args.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || i + 1 >= argc) die("bad argument '" + a + "'");
    args.options[a.substr(2)] = argv[++i];
  }
  return args;
}

// ---- URLs, JSON bits, digests ----

struct Url {
  std::string host;
  std::string port;
};

Url parse_url(std::string_view url) {
  if (url.rfind("http://", 0) == 0) url.remove_prefix(7);
  if (const auto slash = url.find('/'); slash != std::string_view::npos) url = url.substr(0, slash);
  const auto colon = url.rfind(':');
  if (colon == std::string_view::npos) return {std::string(url), "80"};
  return {std::string(url.substr(0, colon)), std::string(url.substr(colon + 1))};
}

// A Location or Link target as a request target: drops scheme://host when present.
std::string as_target(std::string_view location) {
  if (const auto scheme = location.find("://"); scheme != std::string_view::npos) {
    const auto path = location.find('/', scheme + 3);
    return path == std::string_view::npos ? "/" : std::string(location.substr(path));
  }
  return std::string(location);
}

std::string with_query(std::string target, std::string_view param) {
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += param;
  return target;
}

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xf]);
  }
  return out;
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) die("EVP sha256 init failed");
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t n) {
    if (EVP_DigestUpdate(ctx_, data, n) != 1) die("EVP_DigestUpdate failed");
  }
  std::string digest() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx_, out, &n) != 1) die("EVP_DigestFinal_ex failed");
    return "sha256:" + hex(out, n);
  }

 private:
  EVP_MD_CTX* ctx_;
};

std::string sha256(std::string_view data) {
  Sha256 h;
  h.update(data.data(), data.size());
  return h.digest();
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t run_nonce() {
  std::random_device rd;
  std::uint64_t seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return seed ^ static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
}

std::string nonce_hex(std::uint64_t nonce) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, nonce);
  return buf;
}

// Pseudo-random content of any size from one buffer of at most 64 MiB: segment k of the
// content is the buffer with its first 16 bytes replaced by (nonce, k), so the content,
// and its digest, are unique per run without holding the whole blob in memory.
class Content {
 public:
  static constexpr std::uint64_t kSegment = 64ull << 20;

  Content(std::uint64_t size, std::uint64_t nonce) : size_(size), nonce_(nonce), base_(std::min(size, kSegment)) {
    std::uint64_t state = nonce * 0x2545f4914f6cdd1dULL + 1;
    std::size_t i = 0;
    for (; i + 8 <= base_.size(); i += 8) {
      const std::uint64_t v = splitmix64(state);
      std::memcpy(base_.data() + i, &v, 8);
    }
    for (; i < base_.size(); ++i) base_[i] = static_cast<unsigned char>(splitmix64(state));
  }

  ~Content() {
    if (base_fd_ >= 0) ::close(base_fd_);
  }
  Content(const Content&) = delete;
  Content& operator=(const Content&) = delete;

  std::uint64_t size() const { return size_; }

  // A piece handed out by for_range() that lies in the shared segment body, as an offset in
  // base_fd(): it can then be sent with sendfile, which spares the sender a copy per byte.
  std::optional<off_t> offset_in_base(const void* piece) const {
    const auto* p = static_cast<const unsigned char*>(piece);
    if (p < base_.data() || p >= base_.data() + base_.size()) return std::nullopt;
    return static_cast<off_t>(p - base_.data());
  }
  // The segment body in a memory file, written on first use.
  int base_fd() {
    if (base_fd_ < 0) {
      base_fd_ = ::memfd_create("pier-loadgen-content", MFD_CLOEXEC);
      if (base_fd_ < 0) throw std::runtime_error("memfd_create failed");
      for (std::size_t done = 0; done < base_.size();) {
        const ssize_t n = ::write(base_fd_, base_.data() + done, base_.size() - done);
        if (n <= 0) throw std::runtime_error("writing the content file failed");
        done += static_cast<std::size_t>(n);
      }
    }
    return base_fd_;
  }

  // Calls f(const void*, size_t) for consecutive pieces of [offset, offset+length).
  template <class F>
  void for_range(std::uint64_t offset, std::uint64_t length, F&& f) const {
    const std::uint64_t prefix_len = std::min<std::uint64_t>(16, base_.size());
    while (length > 0) {
      const std::uint64_t seg = offset / kSegment;
      const std::uint64_t pos = offset % kSegment;
      std::uint64_t n = std::min(length, kSegment - pos);
      if (pos < prefix_len) {
        unsigned char prefix[16];
        std::memcpy(prefix, &nonce_, 8);
        std::memcpy(prefix + 8, &seg, 8);
        const std::uint64_t m = std::min(n, prefix_len - pos);
        f(prefix + pos, static_cast<std::size_t>(m));
        offset += m;
        length -= m;
        continue;
      }
      f(base_.data() + pos, static_cast<std::size_t>(n));
      offset += n;
      length -= n;
    }
  }

 private:
  std::uint64_t size_;
  std::uint64_t nonce_;
  std::vector<unsigned char> base_;
  int base_fd_ = -1;
};

// ---- one keep-alive HTTP/1.1 connection ----

using Headers = std::vector<std::pair<std::string, std::string>>;
using Response = http::response<http::string_body>;

struct HttpError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string describe(http::verb verb, const std::string& target, const Response& r) {
  std::string body = r.body().substr(0, 300);
  for (auto& c : body)
    if (c == '\n' || c == '\r') c = ' ';
  return std::string(http::to_string(verb)) + " " + target + " -> " + std::to_string(r.result_int()) + " " + body;
}

class Connection {
 public:
  explicit Connection(Url url) : url_(std::move(url)) {}

  // Sends [offset, offset+length) of `fd` on the open connection, in the middle of a request
  // body written by stream_request().
  void send_file(int fd, off_t offset, std::size_t length) {
    while (length > 0) {
      const ssize_t n = ::sendfile(socket_.native_handle(), fd, &offset, length);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error(std::string("sendfile: ") + std::strerror(errno));
      length -= static_cast<std::size_t>(n);
    }
  }

  void connect() {
    close();
    tcp::resolver resolver(ioc_);
    asio::connect(socket_, resolver.resolve(url_.host, url_.port));
    socket_.set_option(tcp::no_delay(true));
    buffer_.clear();
    open_ = true;
    reused_ = false;
  }

  void close() {
    if (!open_) return;
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    open_ = false;
  }

  // A request with an in-memory body; retried once on a fresh connection when a reused
  // keep-alive connection turns out to be closed.
  Response request(http::verb verb, const std::string& target, const std::string& body = {},
                   const Headers& headers = {}) {
    for (int attempt = 0;; ++attempt) {
      const bool was_reused = ensure_open();
      try {
        http::request<http::string_body> req{verb, target, 11};
        req.set(http::field::host, url_.host + ":" + url_.port);
        req.set(http::field::user_agent, "pier-loadgen");
        for (const auto& [name, value] : headers) req.set(name, value);
        req.body() = body;
        if (!body.empty() || verb == http::verb::put || verb == http::verb::post || verb == http::verb::patch) {
          req.prepare_payload();
        }
        http::write(socket_, req);
        return read_response(verb == http::verb::head);
      } catch (const boost::system::system_error&) {
        close();
        if (attempt > 0 || !was_reused) throw;
      }
    }
  }

  // A request whose body of `length` bytes is written by produce(write), where write takes
  // (const void*, size_t); the body is never held as a whole.
  template <class Produce>
  Response stream_request(http::verb verb, const std::string& target, std::uint64_t length, const Headers& headers,
                          Produce&& produce) {
    ensure_open();
    try {
      http::request<http::empty_body> req{verb, target, 11};
      req.set(http::field::host, url_.host + ":" + url_.port);
      req.set(http::field::user_agent, "pier-loadgen");
      for (const auto& [name, value] : headers) req.set(name, value);
      req.content_length(length);
      http::request_serializer<http::empty_body> serializer{req};
      http::write_header(socket_, serializer);
      produce([&](const void* data, std::size_t n) { asio::write(socket_, asio::buffer(data, n)); });
      return read_response(false);
    } catch (...) {
      close();
      throw;
    }
  }

  // GET whose body is read into a fixed buffer and dropped; returns status and body length.
  std::pair<unsigned, std::uint64_t> get_discard(const std::string& target, std::vector<char>& scratch) {
    ensure_open();
    try {
      http::request<http::empty_body> req{http::verb::get, target, 11};
      req.set(http::field::host, url_.host + ":" + url_.port);
      req.set(http::field::user_agent, "pier-loadgen");
      http::write(socket_, req);
      http::response_parser<http::buffer_body> parser;
      parser.body_limit(boost::none);
      http::read_header(socket_, buffer_, parser);
      const unsigned status = parser.get().result_int();
      std::uint64_t received = 0;
      if (const auto length = parser.content_length(); length && !parser.chunked()) {
        // Fast path: whatever the header read over-fetched, then raw reads into scratch.
        const std::uint64_t buffered = std::min<std::uint64_t>(buffer_.size(), *length);
        buffer_.consume(buffered);
        received = buffered;
        while (received < *length) {
          const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(scratch.size(), *length - received));
          received += socket_.read_some(asio::buffer(scratch.data(), want));
        }
        if (!parser.keep_alive()) close();
      } else {
        while (!parser.is_done()) {
          parser.get().body().data = scratch.data();
          parser.get().body().size = scratch.size();
          beast::error_code ec;
          http::read(socket_, buffer_, parser, ec);
          if (ec && ec != http::error::need_buffer) throw boost::system::system_error(ec);
          received += scratch.size() - parser.get().body().size;
        }
        if (!parser.keep_alive()) close();
      }
      return {status, received};
    } catch (...) {
      close();
      throw;
    }
  }

 private:
  // Returns whether an already open (reused) connection is used.
  bool ensure_open() {
    if (open_) {
      reused_ = true;
      return true;
    }
    connect();
    return false;
  }

  Response read_response(bool head) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    if (head) parser.skip(true);
    http::read(socket_, buffer_, parser);
    Response response = parser.release();
    if (!response.keep_alive()) close();
    return response;
  }

  Url url_;
  asio::io_context ioc_;
  tcp::socket socket_{ioc_};
  beast::flat_buffer buffer_;
  bool open_ = false;
  bool reused_ = false;
};

std::string header(const Response& r, std::string_view name) {
  auto it = r.find(name);
  return it == r.end() ? std::string() : std::string(it->value());
}

Response expect(Connection& c, http::verb verb, const std::string& target, unsigned status,
                const std::string& body = {}, const Headers& headers = {}) {
  Response r = c.request(verb, target, body, headers);
  if (r.result_int() != status) throw HttpError(describe(verb, target, r));
  return r;
}

// ---- shared image building blocks ----

struct Blob {
  std::string digest;
  std::string data;
};

Blob make_blob(std::string data) {
  Blob b;
  b.digest = sha256(data);
  b.data = std::move(data);
  return b;
}

Blob make_layer(std::uint64_t nonce, std::uint64_t index, std::size_t size) {
  std::string data(size, '\0');
  std::uint64_t state = nonce ^ (index * 0x9e3779b97f4a7c15ULL);
  for (std::size_t i = 0; i + 8 <= size; i += 8) {
    const std::uint64_t v = splitmix64(state);
    std::memcpy(data.data() + i, &v, 8);
  }
  std::memcpy(data.data(), &nonce, std::min<std::size_t>(8, size));
  if (size >= 16) std::memcpy(data.data() + 8, &index, 8);
  return make_blob(std::move(data));
}

Blob make_config(const std::string& layer_digest, const std::string& label) {
  return make_blob(R"({"architecture":"amd64","os":"linux","config":{"Labels":{"bench":")" + label +
                   R"("}},"rootfs":{"type":"layers","diff_ids":[")" + layer_digest + R"("]}})");
}

Blob make_manifest(const Blob& config, const Blob& layer) {
  return make_blob(std::string(R"({"schemaVersion":2,"mediaType":")") + std::string(kOciManifest) +
                   R"(","config":{"mediaType":")" + std::string(kOciConfig) + R"(","digest":")" + config.digest +
                   R"(","size":)" + std::to_string(config.data.size()) + R"(},"layers":[{"mediaType":")" +
                   std::string(kOciLayer) + R"(","digest":")" + layer.digest + R"(","size":)" +
                   std::to_string(layer.data.size()) + "}]}");
}

// Monolithic upload: POST ?digest= with the body; when the server answers 202 (it started
// a session instead, as distribution does), PUT the body to the session. Returns requests made.
int upload_blob(Connection& c, const std::string& repo, const Blob& blob) {
  const std::string start = "/v2/" + repo + "/blobs/uploads/?digest=" + blob.digest;
  const Headers octet{{"Content-Type", "application/octet-stream"}};
  Response r = c.request(http::verb::post, start, blob.data, octet);
  if (r.result_int() == 201) return 1;
  if (r.result_int() != 202) throw HttpError(describe(http::verb::post, start, r));
  const std::string put = with_query(as_target(header(r, "Location")), "digest=" + blob.digest);
  expect(c, http::verb::put, put, 201, blob.data, octet);
  return 2;
}

// Cross-repository mount, falling back to an upload when the server declines (202).
int mount_blob(Connection& c, const std::string& repo, const std::string& from, const Blob& blob) {
  const std::string target = "/v2/" + repo + "/blobs/uploads/?mount=" + blob.digest + "&from=" + from;
  Response r = c.request(http::verb::post, target);
  if (r.result_int() == 201) return 1;
  if (r.result_int() != 202) throw HttpError(describe(http::verb::post, target, r));
  const std::string put = with_query(as_target(header(r, "Location")), "digest=" + blob.digest);
  expect(c, http::verb::put, put, 201, blob.data, {{"Content-Type", "application/octet-stream"}});
  return 2;
}

void put_manifest(Connection& c, const std::string& repo, const std::string& reference, const Blob& manifest) {
  expect(c, http::verb::put, "/v2/" + repo + "/manifests/" + reference, 201, manifest.data,
         {{"Content-Type", std::string(kOciManifest)}});
}

// Runs job(connection, index) for index in [0, count) on `clients` threads, each with its own
// connection. Failures are counted (first few printed) and the connection is reopened.
struct ParallelResult {
  double seconds = 0;
  std::uint64_t errors = 0;
  std::uint64_t requests = 0;
};

ParallelResult parallel_for(const Url& url, std::uint64_t count, unsigned clients,
                            const std::function<int(Connection&, std::uint64_t)>& job) {
  std::atomic<std::uint64_t> next{0}, errors{0}, requests{0};
  std::mutex print_mutex;
  std::latch ready(clients + 1);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < clients; ++t) {
    threads.emplace_back([&] {
      Connection c(url);
      try {
        c.connect();
      } catch (const std::exception& e) {
        std::lock_guard lock(print_mutex);
        std::fprintf(stderr, "pier-loadgen: connect: %s\n", e.what());
      }
      ready.arrive_and_wait();
      for (;;) {
        const std::uint64_t i = next.fetch_add(1);
        if (i >= count) break;
        try {
          requests += job(c, i);
        } catch (const std::exception& e) {
          if (errors.fetch_add(1) < 5) {
            std::lock_guard lock(print_mutex);
            std::fprintf(stderr, "pier-loadgen: item %" PRIu64 ": %s\n", i, e.what());
          }
          c.close();
        }
      }
    });
  }
  ready.arrive_and_wait();
  const auto start = Clock::now();
  for (auto& t : threads) t.join();
  return {seconds_since(start), errors.load(), requests.load()};
}

// ---- subcommands ----

int cmd_push_blob(const Args& a) {
  const Url url = parse_url(a.str("url"));
  const std::string repo = a.str("repo");
  const std::uint64_t size = a.num("size");
  const std::string mode = a.str("mode", "monolithic");
  const std::uint64_t chunk = a.num("chunk", 16ull << 20);
  if (mode != "monolithic" && mode != "chunked") die("--mode must be monolithic or chunked");
  if (chunk == 0) die("--chunk must be positive");

  Content content(size, run_nonce());
  const auto hash_start = Clock::now();
  Sha256 h;
  content.for_range(0, size, [&](const void* p, std::size_t n) { h.update(p, n); });
  const std::string digest = h.digest();
  const double hash_seconds = seconds_since(hash_start);

  Connection c(url);
  c.connect();
  const int base_fd = content.base_fd();
  // Sends a piece of the content: the shared segment body from its memory file, the rest as is.
  const auto send_piece = [&](auto& write, const void* piece, std::size_t n) {
    if (const auto offset = content.offset_in_base(piece)) {
      c.send_file(base_fd, *offset, n);
    } else {
      write(piece, n);
    }
  };
  const auto start = Clock::now();
  unsigned requests = 0;
  const Headers octet{{"Content-Type", "application/octet-stream"}};
  try {
    Response r = expect(c, http::verb::post, "/v2/" + repo + "/blobs/uploads/", 202);
    ++requests;
    std::string location = as_target(header(r, "Location"));
    std::uint64_t final_length = 0;
    bool body_in_put = true;
    if (mode == "chunked") {
      body_in_put = false;
      for (std::uint64_t off = 0; off < size; off += chunk) {
        const std::uint64_t n = std::min(chunk, size - off);
        Headers hs = octet;
        hs.emplace_back("Content-Range", std::to_string(off) + "-" + std::to_string(off + n - 1));
        Response p = c.stream_request(http::verb::patch, location, n, hs, [&](auto&& write) {
          content.for_range(off, n, [&](const void* piece, std::size_t m) { send_piece(write, piece, m); });
        });
        ++requests;
        if (p.result_int() != 202) throw HttpError(describe(http::verb::patch, location, p));
        location = as_target(header(p, "Location"));
      }
    } else {
      final_length = size;
    }
    const std::string put = with_query(location, "digest=" + digest);
    Response done = c.stream_request(http::verb::put, put, final_length, octet, [&](auto&& write) {
      if (body_in_put) {
        content.for_range(0, size, [&](const void* piece, std::size_t m) { send_piece(write, piece, m); });
      }
    });
    ++requests;
    if (done.result_int() != 201) throw HttpError(describe(http::verb::put, put, done));
  } catch (const std::exception& e) {
    die(std::string("push-blob: ") + e.what());
  }
  const double seconds = seconds_since(start);
  std::printf(
      "{\"mode\":\"%s\",\"bytes\":%" PRIu64 ",\"chunk\":%" PRIu64
      ",\"digest\":\"%s\",\"requests\":%u,\"seconds\":%.4f,\"mb_per_s\":%.1f,\"hash_seconds\":%.4f}\n",
      mode.c_str(), size, mode == "chunked" ? chunk : size, digest.c_str(), requests, seconds,
      size / seconds / 1e6, hash_seconds);
  return 0;
}

int cmd_pull_blob(const Args& a) {
  const Url url = parse_url(a.str("url"));
  const std::string path = a.str("path");
  const unsigned streams = static_cast<unsigned>(std::max<std::uint64_t>(1, a.num("streams", 1)));
  const std::uint64_t expected = a.num("bytes");

  std::latch ready(streams + 1);
  std::atomic<std::uint64_t> total{0}, errors{0};
  std::mutex print_mutex;
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < streams; ++i) {
    threads.emplace_back([&] {
      Connection c(url);
      std::vector<char> scratch(1 << 20);
      bool connected = false;
      try {
        c.connect();
        connected = true;
      } catch (const std::exception& e) {
        std::lock_guard lock(print_mutex);
        std::fprintf(stderr, "pier-loadgen: connect: %s\n", e.what());
      }
      ready.arrive_and_wait();
      if (!connected) {
        ++errors;
        return;
      }
      try {
        auto [status, got] = c.get_discard(path, scratch);
        total += got;
        if (status != 200 || got != expected) {
          ++errors;
          std::lock_guard lock(print_mutex);
          std::fprintf(stderr, "pier-loadgen: GET %s -> %u, %" PRIu64 " bytes (expected %" PRIu64 ")\n",
                       path.c_str(), status, got, expected);
        }
      } catch (const std::exception& e) {
        ++errors;
        std::lock_guard lock(print_mutex);
        std::fprintf(stderr, "pier-loadgen: GET %s: %s\n", path.c_str(), e.what());
      }
    });
  }
  ready.arrive_and_wait();
  const auto start = Clock::now();
  for (auto& t : threads) t.join();
  const double seconds = seconds_since(start);
  std::printf("{\"streams\":%u,\"bytes\":%" PRIu64 ",\"seconds\":%.4f,\"mb_per_s\":%.1f,\"errors\":%" PRIu64 "}\n",
              streams, total.load(), seconds, total.load() / seconds / 1e6, errors.load());
  return errors.load() ? 1 : 0;
}

int cmd_small_pushes(const Args& a) {
  const Url url = parse_url(a.str("url"));
  const std::uint64_t images = a.num("images", 2000);
  const unsigned clients = static_cast<unsigned>(std::max<std::uint64_t>(1, a.num("clients", 8)));
  const std::string prefix = a.str("repo-prefix", "bench/small");
  const std::uint64_t repos = a.num("repos", 64);
  const std::uint64_t nonce = run_nonce();
  const std::string run = nonce_hex(nonce);

  // Content is made up front so only the pushes are timed.
  struct Image {
    std::string repo, tag;
    Blob config, layer, manifest;
  };
  std::vector<Image> all(images);
  for (std::uint64_t i = 0; i < images; ++i) {
    Image& im = all[i];
    im.repo = prefix + "/app" + std::to_string(i % std::max<std::uint64_t>(1, repos));
    im.tag = "t" + run.substr(0, 8) + "-" + std::to_string(i);
    im.layer = make_layer(nonce, i, 4096);
    im.config = make_config(im.layer.digest, run + "-" + std::to_string(i));
    im.manifest = make_manifest(im.config, im.layer);
  }
  const auto result = parallel_for(url, images, clients, [&](Connection& c, std::uint64_t i) {
    const Image& im = all[i];
    int requests = upload_blob(c, im.repo, im.config);
    requests += upload_blob(c, im.repo, im.layer);
    put_manifest(c, im.repo, im.tag, im.manifest);
    return requests + 1;
  });
  const Image& sample = all.empty() ? Image{} : all.back();
  std::printf("{\"images\":%" PRIu64 ",\"clients\":%u,\"seconds\":%.4f,\"images_per_s\":%.1f,\"requests\":%" PRIu64
              ",\"errors\":%" PRIu64
              ",\"sample\":{\"repo\":\"%s\",\"tag\":\"%s\",\"manifest\":\"%s\",\"layer\":\"%s\",\"layer_size\":%zu}}\n",
              images, clients, result.seconds, (images - result.errors) / result.seconds, result.requests,
              result.errors, sample.repo.c_str(), sample.tag.c_str(), sample.manifest.digest.c_str(),
              sample.layer.digest.c_str(), sample.layer.data.size());
  return result.errors ? 1 : 0;
}

int cmd_seed_tags(const Args& a) {
  const Url url = parse_url(a.str("url"));
  const std::string repo = a.str("repo");
  const std::uint64_t count = a.num("count", 10000);
  const unsigned clients = static_cast<unsigned>(std::max<std::uint64_t>(1, a.num("clients", 8)));
  const std::uint64_t nonce = run_nonce();
  const Blob layer = make_layer(nonce, 0, 4096);
  const Blob config = make_config(layer.digest, nonce_hex(nonce));
  const Blob manifest = make_manifest(config, layer);
  Connection c(url);
  try {
    upload_blob(c, repo, config);
    upload_blob(c, repo, layer);
  } catch (const std::exception& e) {
    die(std::string("seed-tags: ") + e.what());
  }
  c.close();
  const auto result = parallel_for(url, count, clients, [&](Connection& conn, std::uint64_t i) {
    char tag[32];
    std::snprintf(tag, sizeof tag, "tag-%06" PRIu64, i);
    put_manifest(conn, repo, tag, manifest);
    return 1;
  });
  std::printf("{\"repo\":\"%s\",\"tags\":%" PRIu64 ",\"seconds\":%.4f,\"per_s\":%.1f,\"errors\":%" PRIu64
              ",\"manifest\":\"%s\"}\n",
              repo.c_str(), count, result.seconds, count / result.seconds, result.errors, manifest.digest.c_str());
  return result.errors ? 1 : 0;
}

int cmd_seed_repos(const Args& a) {
  const Url url = parse_url(a.str("url"));
  const std::uint64_t count = a.num("count", 10000);
  const unsigned clients = static_cast<unsigned>(std::max<std::uint64_t>(1, a.num("clients", 8)));
  const std::string prefix = a.str("repo-prefix", "seed");
  const std::uint64_t nonce = run_nonce();
  const Blob layer = make_layer(nonce, 0, 512);
  const Blob config = make_config(layer.digest, nonce_hex(nonce));
  const Blob manifest = make_manifest(config, layer);
  const std::string source = prefix + "/source";
  Connection c(url);
  try {
    upload_blob(c, source, config);
    upload_blob(c, source, layer);
    put_manifest(c, source, "latest", manifest);
  } catch (const std::exception& e) {
    die(std::string("seed-repos: ") + e.what());
  }
  c.close();
  const auto result = parallel_for(url, count, clients, [&](Connection& conn, std::uint64_t i) {
    char repo[96];
    std::snprintf(repo, sizeof repo, "%s/r%06" PRIu64, prefix.c_str(), i);
    int requests = mount_blob(conn, repo, source, config);
    requests += mount_blob(conn, repo, source, layer);
    put_manifest(conn, repo, "latest", manifest);
    return requests + 1;
  });
  std::printf("{\"repos\":%" PRIu64 ",\"seconds\":%.4f,\"per_s\":%.1f,\"requests\":%" PRIu64 ",\"errors\":%" PRIu64
              "}\n",
              count, result.seconds, count / result.seconds, result.requests, result.errors);
  return result.errors ? 1 : 0;
}

// The target of a Link: <...>; rel="next" header, if any.
std::optional<std::string> next_link(const Response& r) {
  for (const auto& field : r.base()) {
    if (!beast::iequals(field.name_string(), "Link")) continue;
    const std::string_view v = field.value();
    if (v.find("rel=\"next\"") == std::string_view::npos && v.find("rel=next") == std::string_view::npos) continue;
    const auto open = v.find('<');
    const auto close = v.find('>', open);
    if (open == std::string_view::npos || close == std::string_view::npos) continue;
    return as_target(v.substr(open + 1, close - open - 1));
  }
  return std::nullopt;
}

int cmd_list(const Args& a) {
  const Url url = parse_url(a.str("url"));
  const std::string path = a.str("path");
  const double duration = a.real("seconds", 10);
  const unsigned connections = static_cast<unsigned>(std::max<std::uint64_t>(1, a.num("connections", 8)));
  std::atomic<std::uint64_t> requests{0}, full_lists{0}, bytes{0}, errors{0}, max_pages{0};
  std::mutex print_mutex;
  std::latch ready(connections + 1);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < connections; ++t) {
    threads.emplace_back([&] {
      Connection c(url);
      try {
        c.connect();
      } catch (...) {
      }
      ready.arrive_and_wait();
      std::string target = path;
      std::uint64_t pages = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        try {
          Response r = c.request(http::verb::get, target);
          if (r.result_int() != 200) throw HttpError(describe(http::verb::get, target, r));
          ++requests;
          ++pages;
          bytes += r.body().size();
          if (auto next = next_link(r)) {
            target = *next;
          } else {
            ++full_lists;
            std::uint64_t seen = max_pages.load();
            while (pages > seen && !max_pages.compare_exchange_weak(seen, pages)) {
            }
            pages = 0;
            target = path;
          }
        } catch (const std::exception& e) {
          if (errors.fetch_add(1) < 5) {
            std::lock_guard lock(print_mutex);
            std::fprintf(stderr, "pier-loadgen: %s\n", e.what());
          }
          c.close();
          target = path;
          pages = 0;
        }
      }
    });
  }
  ready.arrive_and_wait();
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(duration));
  stop = true;
  for (auto& t : threads) t.join();
  const double seconds = seconds_since(start);
  std::printf("{\"connections\":%u,\"seconds\":%.3f,\"requests\":%" PRIu64 ",\"requests_per_s\":%.1f,"
              "\"full_lists\":%" PRIu64 ",\"full_lists_per_s\":%.2f,\"pages_per_list\":%" PRIu64
              ",\"mb_per_s\":%.1f,\"errors\":%" PRIu64 "}\n",
              connections, seconds, requests.load(), requests.load() / seconds, full_lists.load(),
              full_lists.load() / seconds, max_pages.load(), bytes.load() / seconds / 1e6, errors.load());
  return errors.load() ? 1 : 0;
}

// One keep-alive connection of `rate`: sends the request, reads one response, again.
struct RateConnection {
  int fd = -1;
  std::size_t sent = 0;      // bytes of the request written so far
  std::string in;            // bytes of the response read so far
  std::uint64_t body_left = 0;
  bool in_body = false;
  Clock::time_point began;
};

int connect_nonblocking(const Url& url) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found) != 0 || !found) return -1;
  const int fd = ::socket(found->ai_family, SOCK_STREAM, 0);
  const bool connected = fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0;
  freeaddrinfo(found);
  if (!connected) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// Parses a complete response head: status and Content-Length (0 when absent).
bool parse_head(std::string_view head, unsigned& status, std::uint64_t& length) {
  if (head.size() < 12 || head.substr(0, 5) != "HTTP/") return false;
  status = static_cast<unsigned>(std::atoi(std::string(head.substr(9, 3)).c_str()));
  length = 0;
  for (std::size_t at = head.find("\r\n"); at != std::string_view::npos && at + 2 < head.size();) {
    const auto end = head.find("\r\n", at + 2);
    const auto line = head.substr(at + 2, end - at - 2);
    if (line.size() > 15 && beast::iequals(line.substr(0, 15), "content-length:")) {
      length = std::strtoull(std::string(line.substr(15)).c_str(), nullptr, 10);
    }
    at = end;
  }
  return true;
}

// Closed-loop request rate over event-driven connections, as wrk measures it: a few threads,
// each with an epoll loop over its share of the connections, so the client costs little of
// the CPU it shares with the server.
int cmd_rate(const Args& a) {
  const Url url = parse_url(a.str("url"));
  const std::string path = a.str("path");
  const std::string method = a.str("method", "GET");
  if (method != "GET" && method != "HEAD") die("--method must be GET or HEAD");
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + url.host + ":" + url.port + "\r\n";
  if (auto it = a.options.find("header"); it != a.options.end()) request += it->second + "\r\n";
  request += "\r\n";
  const bool head_only = method == "HEAD";
  const double duration = a.real("seconds", 10);
  const unsigned connections = static_cast<unsigned>(std::max<std::uint64_t>(1, a.num("connections", 64)));
  const unsigned threads_wanted = static_cast<unsigned>(std::max<std::uint64_t>(1, a.num("threads", 2)));
  const unsigned thread_count = std::min(threads_wanted, connections);
  std::atomic<std::uint64_t> errors{0};
  std::atomic<bool> stop{false};
  std::latch ready(thread_count + 1);
  std::vector<std::vector<std::uint32_t>> latencies(thread_count);  // microseconds
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < thread_count; ++t) {
    threads.emplace_back([&, t] {
      const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
      std::vector<RateConnection> mine(connections / thread_count + (t < connections % thread_count ? 1 : 0));
      auto& measured = latencies[t];
      measured.reserve(1 << 20);
      auto start_request = [&](RateConnection& c) {
        c.sent = 0;
        c.in.clear();
        c.in_body = false;
        c.began = Clock::now();
        epoll_event ev{EPOLLOUT | EPOLLIN, {.ptr = &c}};
        ::epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &ev);
      };
      auto reopen = [&](RateConnection& c) {
        if (c.fd >= 0) ::close(c.fd);
        c.fd = connect_nonblocking(url);
        if (c.fd < 0) return false;
        epoll_event ev{EPOLLOUT | EPOLLIN, {.ptr = &c}};
        ::epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &ev);
        start_request(c);
        return true;
      };
      for (auto& c : mine) {
        if (!reopen(c)) errors++;
      }
      ready.arrive_and_wait();
      for (auto& c : mine) c.began = Clock::now();
      epoll_event events[64];
      char buffer[16384];
      while (!stop.load(std::memory_order_relaxed)) {
        const int n = ::epoll_wait(epoll, events, 64, 100);
        for (int i = 0; i < n; ++i) {
          auto& c = *static_cast<RateConnection*>(events[i].data.ptr);
          bool failed = (events[i].events & (EPOLLERR | EPOLLHUP)) != 0;
          if (!failed && c.sent < request.size() && (events[i].events & EPOLLOUT)) {
            const ssize_t w = ::send(c.fd, request.data() + c.sent, request.size() - c.sent, MSG_NOSIGNAL);
            if (w > 0) c.sent += static_cast<std::size_t>(w);
            if (w < 0 && errno != EAGAIN) failed = true;
            if (c.sent == request.size()) {
              epoll_event ev{EPOLLIN, {.ptr = &c}};
              ::epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &ev);
            }
          }
          bool done = false;
          while (!failed && !done && (events[i].events & EPOLLIN)) {
            const ssize_t r = ::recv(c.fd, buffer, sizeof buffer, 0);
            if (r == 0 || (r < 0 && errno != EAGAIN)) failed = true;
            if (r <= 0) break;
            std::string_view got(buffer, static_cast<std::size_t>(r));
            if (!c.in_body) {
              c.in.append(got);
              const auto end = c.in.find("\r\n\r\n");
              if (end == std::string::npos) continue;
              unsigned status = 0;
              std::uint64_t length = 0;
              if (!parse_head(std::string_view(c.in).substr(0, end), status, length) || status != 200) {
                failed = true;
                break;
              }
              c.in_body = true;
              c.body_left = head_only ? 0 : length;
              const std::uint64_t extra = c.in.size() - (end + 4);
              c.body_left -= std::min(c.body_left, extra);
            } else {
              c.body_left -= std::min<std::uint64_t>(c.body_left, got.size());
            }
            if (c.body_left == 0) done = true;
          }
          if (failed) {
            errors++;
            ::epoll_ctl(epoll, EPOLL_CTL_DEL, c.fd, nullptr);
            if (!reopen(c)) c.fd = -1;
          } else if (done) {
            measured.push_back(static_cast<std::uint32_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - c.began).count()));
            start_request(c);
          }
        }
      }
      for (auto& c : mine) {
        if (c.fd >= 0) ::close(c.fd);
      }
      ::close(epoll);
    });
  }
  ready.arrive_and_wait();
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(duration));
  stop = true;
  for (auto& t : threads) t.join();
  const double seconds = seconds_since(start);
  std::vector<std::uint32_t> all;
  for (auto& v : latencies) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double q) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<std::size_t>(q * all.size()))] / 1000.0;
  };
  std::printf("{\"method\":\"%s\",\"connections\":%u,\"threads\":%u,\"seconds\":%.3f,\"requests\":%zu,"
              "\"requests_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"errors\":%" PRIu64 "}\n",
              method.c_str(), connections, thread_count, seconds, all.size(), all.size() / seconds, pct(0.50),
              pct(0.99), errors.load());
  return errors.load() ? 1 : 0;
}

// True when GET /v2/ answers 200 on a fresh connection.
bool probe_ready(const Url& url) {
  try {
    Connection c(url);
    c.connect();
    return c.request(http::verb::get, "/v2/").result_int() == 200;
  } catch (const std::exception&) {
    return false;
  }
}

// Polls GET /v2/ every 5 ms until it answers 200; the clock starts at --since, bash's
// $EPOCHREALTIME taken just before it started the server, so the time runs from exec.
int cmd_wait_ready(const Args& a) {
  const Url url = parse_url(a.str("url"));
  const double timeout = a.real("timeout", 60);
  const pid_t pid = static_cast<pid_t>(a.num("pid", 0));
  const double since = a.real("since", std::chrono::duration<double>(
                                           std::chrono::system_clock::now().time_since_epoch()).count());
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() - since;
  };
  auto alive = [&] {
    if (pid <= 0) return true;
    if (kill(pid, 0) != 0) return false;
    // An exited child of the shell stays a zombie until it is waited for.
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    FILE* f = std::fopen(path, "r");
    if (!f) return false;
    char buf[512] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    const char* close = std::strrchr(buf, ')');
    return !(n > 0 && close && close[1] == ' ' && close[2] == 'Z');
  };
  for (;;) {
    if (probe_ready(url)) break;
    if (!alive()) die("wait-ready: process " + std::to_string(pid) + " exited before " + a.str("url") + " was ready");
    if (elapsed() > timeout) die("wait-ready: " + a.str("url") + " not ready after " + std::to_string(timeout) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::printf("{\"ready_ms\":%.1f}\n", elapsed() * 1000);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  const Args args = parse_args(argc, argv);
  try {
    if (args.command == "push-blob") return cmd_push_blob(args);
    if (args.command == "pull-blob") return cmd_pull_blob(args);
    if (args.command == "small-pushes") return cmd_small_pushes(args);
    if (args.command == "seed-tags") return cmd_seed_tags(args);
    if (args.command == "seed-repos") return cmd_seed_repos(args);
    if (args.command == "list") return cmd_list(args);
    if (args.command == "rate") return cmd_rate(args);
    if (args.command == "wait-ready") return cmd_wait_ready(args);
  } catch (const std::exception& e) {
    die(args.command + ": " + e.what());
  }
  die("unknown command '" + args.command + "'");
}
