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
//   seed-tags   --url U --repo R [--count N] [--start I] [--clients C]
//   seed-repos  --url U [--count N] [--start I] [--clients C] [--repo-prefix P]
//   list        --url U --path '/v2/R/tags/list?n=1000' [--seconds S] [--connections C]
//   rate        --url U --path P [--method GET|HEAD] [--header 'Name: value'] [--seconds S]
//               [--connections C] [--threads T]   (closed-loop request rate with p50/p99 latency,
//               epoll-driven like wrk; used for HEAD, which Debian's wrk 4.1 cannot measure: it
//               waits for a body after a HEAD response)
//   authorize   --url U --path P [--method GET|HEAD] [--header 'Name: value']   (answers the 401 challenge of one request
//               and prints the Authorization header value it then sent, for wrk -H)
//   wait-ready  --url U [--pid PID] [--since EPOCH_SECONDS] [--timeout S]
//               (polls GET /v2/ every 5 ms; prints ready_ms counted from --since; with --user,
//               a 401 counts as ready: it is the first answer an authenticating client gets)
//
// Every subcommand that talks to a registry takes:
//   --url https://...          TLS 1.2+ over OpenSSL, the server's certificate verified against
//                              --ca FILE (or the system's CAs), or not at all with --insecure
//   --user NAME --password PW  answers 401 challenges as registry clients do: to
//                              `WWW-Authenticate: Bearer realm=..,service=..,scope=..` with a GET
//                              of the realm with Basic credentials and the scope(s), the token
//                              cached per repository and action (pull, or push) and sent as
//                              `Authorization: Bearer`; to `Basic` with Basic credentials on every
//                              request from then on.

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
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
#include <cctype>
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
    if (a == "--insecure") {  // the one option without a value
      args.options["insecure"] = "1";
      continue;
    }
    if (a.rfind("--", 0) != 0 || i + 1 >= argc) die("bad argument '" + a + "'");
    args.options[a.substr(2)] = argv[++i];
  }
  return args;
}

// ---- URLs, JSON bits, digests ----

struct Url {
  std::string host;
  std::string port;
  bool tls = false;   // https://
  std::string path;   // what followed host:port, if anything
};

Url parse_url(std::string_view url) {
  Url out;
  if (url.rfind("https://", 0) == 0) {
    url.remove_prefix(8);
    out.tls = true;
  } else if (url.rfind("http://", 0) == 0) {
    url.remove_prefix(7);
  }
  if (const auto slash = url.find('/'); slash != std::string_view::npos) {
    out.path = std::string(url.substr(slash));
    url = url.substr(0, slash);
  }
  const auto colon = url.rfind(':');
  if (colon == std::string_view::npos) {
    out.host = std::string(url);
    out.port = out.tls ? "443" : "80";
  } else {
    out.host = std::string(url.substr(0, colon));
    out.port = std::string(url.substr(colon + 1));
  }
  return out;
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

// ---- TLS and credentials, shared by every connection of the process ----

struct ClientOptions {
  bool insecure = false;  // --insecure: no certificate verification
  std::string ca;         // --ca FILE: the CAs the server's certificate is verified against
  std::string user;       // --user / --password: answer 401 challenges
  std::string password;
};
ClientOptions g_client;

std::string openssl_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no OpenSSL error queued" : out;
}

// One client context for the process: TLS 1.2 or later, HTTP/1.1 offered by ALPN (the
// registries would otherwise be free to choose HTTP/2, which these clients do not speak).
SSL_CTX* tls_context() {
  static SSL_CTX* const context = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    if (!c) die("SSL_CTX_new: " + openssl_errors());
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    // A peer closing without close_notify reads as an ordinary end of stream.
    SSL_CTX_set_options(c, SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(c, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    static const unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(c, alpn, sizeof alpn);
    if (!g_client.insecure) {
      const bool loaded = g_client.ca.empty() ? SSL_CTX_set_default_verify_paths(c) == 1
                                               : SSL_CTX_load_verify_locations(c, g_client.ca.c_str(), nullptr) == 1;
      if (!loaded) die("loading the CA certificates " + g_client.ca + ": " + openssl_errors());
      SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
    }
    return c;
  }();
  return context;
}

// A TLS session on a connected socket `fd` (not owned), with the server's name or address
// checked against its certificate unless --insecure.
SSL* new_tls_session(const Url& url, int fd) {
  SSL* ssl = SSL_new(tls_context());
  if (!ssl) die("SSL_new: " + openssl_errors());
  SSL_set_fd(ssl, fd);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  const bool is_ip = X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str()) == 1;
  if (!is_ip) {
    SSL_set_tlsext_host_name(ssl, url.host.c_str());
    if (!g_client.insecure) SSL_set1_host(ssl, url.host.c_str());
  }
  return ssl;
}

// A failed handshake, with the certificate check's verdict when that was the cause.
std::string handshake_failure(SSL* ssl, const Url& url) {
  std::string why = openssl_errors();
  if (const long v = SSL_get_verify_result(ssl); v != X509_V_OK) why += " (" + std::string(X509_verify_cert_error_string(v)) + ")";
  return "TLS handshake with " + url.host + ":" + url.port + " failed: " + why;
}

// Blocking TLS over a connected socket, as a Beast/Asio synchronous stream (read_some and
// write_some). OpenSSL reads and writes the socket itself: no copy through memory BIOs.
class TlsStream {
 public:
  TlsStream(const Url& url, int fd) : url_(url), ssl_(new_tls_session(url, fd)) {
    // Reads ahead up to 256 KiB a system call: a large download is not one recv per record.
    SSL_set_read_ahead(ssl_, 1);
    SSL_set_default_read_buffer_len(ssl_, 256 << 10);
  }
  ~TlsStream() { SSL_free(ssl_); }
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  void handshake() {
    ERR_clear_error();
    if (SSL_connect(ssl_) != 1) throw std::runtime_error(handshake_failure(ssl_, url_));
  }
  // Sends close_notify without waiting for the peer's.
  void shutdown() {
    ERR_clear_error();
    SSL_shutdown(ssl_);
  }

  template <class Buffers>
  std::size_t read_some(const Buffers& buffers) {
    beast::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  template <class Buffers>
  std::size_t read_some(const Buffers& buffers, beast::error_code& ec) {
    ec = {};
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
      const asio::mutable_buffer b = *it;
      if (b.size() == 0) continue;
      std::size_t n = 0;
      ERR_clear_error();
      if (SSL_read_ex(ssl_, b.data(), b.size(), &n) == 1) return n;
      ec = failure(SSL_get_error(ssl_, 0));
      return 0;
    }
    return 0;
  }

  template <class Buffers>
  std::size_t write_some(const Buffers& buffers) {
    beast::error_code ec;
    const std::size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  // Small scattered pieces (a request's headers, a small body) go out gathered in one
  // record; a large piece goes to SSL_write as it is, which in blocking mode writes it all.
  template <class Buffers>
  std::size_t write_some(const Buffers& buffers, beast::error_code& ec) {
    ec = {};
    const std::size_t total = beast::buffer_bytes(buffers);
    if (total == 0) return 0;
    const void* data = nullptr;
    std::size_t size = 0;
    if (total <= (64u << 10)) {
      gather_.resize(total);
      asio::buffer_copy(asio::buffer(gather_), buffers);
      data = gather_.data();
      size = total;
    } else {
      for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
        const asio::const_buffer b = *it;
        if (b.size() == 0) continue;
        data = b.data();
        size = b.size();
        break;
      }
    }
    std::size_t n = 0;
    ERR_clear_error();
    if (SSL_write_ex(ssl_, data, size, &n) == 1) return n;
    ec = failure(SSL_get_error(ssl_, 0));
    return 0;
  }

 private:
  beast::error_code failure(int ssl_error) {
    if (ssl_error == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
    if (ssl_error == SSL_ERROR_SYSCALL && errno != 0) return beast::error_code(errno, boost::system::system_category());
    std::fprintf(stderr, "pier-loadgen: TLS with %s:%s: %s\n", url_.host.c_str(), url_.port.c_str(),
                 openssl_errors().c_str());
    return asio::error::connection_aborted;
  }

  Url url_;
  SSL* ssl_;
  std::string gather_;
};

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string url_encode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : in) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
      out.push_back(kHex[static_cast<unsigned char>(c) & 15]);
    }
  }
  return out;
}

// The value of query parameter `name` in a request target, if present (not decoded).
std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// What a registry client keys its tokens by: the repository a request is about and whether
// it reads (GET, HEAD: pull) or writes (push), with the source repository of a mount; or the
// catalog; or the API root.
std::string auth_key(http::verb verb, std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path.rfind("/v2/", 0) != 0) return "other";
  path.remove_prefix(4);
  if (path.empty()) return "base";
  if (path.rfind("_catalog", 0) == 0) return "catalog";
  std::size_t end = path.size();
  for (const std::string_view marker : {"/manifests/", "/blobs/", "/tags/", "/referrers/"}) {
    end = std::min(end, path.find(marker));
  }
  std::string key(path.substr(0, end));
  key += verb == http::verb::get || verb == http::verb::head ? ":pull" : ":push";
  if (const auto from = query_param(target, "from")) key += " from " + *from;
  return key;
}

// Parameters of a challenge: Bearer realm="...",service="...",scope="..."
std::map<std::string, std::string> challenge_params(std::string_view challenge) {
  std::map<std::string, std::string> out;
  const auto space = challenge.find(' ');
  if (space == std::string_view::npos) return out;
  std::string_view rest = challenge.substr(space + 1);
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) rest.remove_prefix(1);
    const auto eq = rest.find('=');
    if (eq == std::string_view::npos) break;
    std::string name(rest.substr(0, eq));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    rest.remove_prefix(eq + 1);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      rest.remove_prefix(1);
      while (!rest.empty() && rest.front() != '"') {
        if (rest.front() == '\\' && rest.size() > 1) rest.remove_prefix(1);
        value.push_back(rest.front());
        rest.remove_prefix(1);
      }
      if (!rest.empty()) rest.remove_prefix(1);
    } else {
      const auto comma = rest.find(',');
      value = std::string(rest.substr(0, comma));
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma);
    }
    out[name] = value;
  }
  return out;
}

// The credentials of --user/--password and what the server gave for them: the Basic
// header, once a server asked for Basic; bearer tokens per auth_key().
class Credentials {
 public:
  bool configured() const { return !g_client.user.empty(); }

  std::optional<std::string> authorization(const std::string& key) {
    if (!configured()) return std::nullopt;
    std::lock_guard lock(mutex_);
    if (use_basic_) return basic();
    if (auto it = tokens_.find(key); it != tokens_.end()) return it->second;
    return std::nullopt;
  }

  // Answers the challenge of a 401 to a request keyed `key` (target: the request's target);
  // true when the request may now be sent again with authorization(key).
  bool answer(const std::string& challenge, const std::string& key, std::string_view target);

  std::uint64_t token_requests() const { return token_requests_.load(); }

  std::string basic() const { return "Basic " + base64(g_client.user + ":" + g_client.password); }

 private:
  std::mutex mutex_;
  bool use_basic_ = false;
  std::map<std::string, std::string> tokens_;
  std::atomic<std::uint64_t> token_requests_{0};
};
Credentials g_credentials;

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
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool tls() const { return url_.tls; }

  // Sends [offset, offset+length) of `fd` on the open plain-HTTP connection, in the middle of
  // a request body written by stream_request(). (Over TLS the bytes go through SSL_write.)
  void send_file(int fd, off_t offset, std::size_t length) {
    if (tls_) throw std::logic_error("send_file on a TLS connection");
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
    if (url_.tls) {
      tls_ = std::make_unique<TlsStream>(url_, socket_.native_handle());
      try {
        tls_->handshake();
      } catch (...) {
        tls_.reset();
        beast::error_code ec;
        socket_.close(ec);
        throw;
      }
    }
    open_ = true;
    reused_ = false;
  }

  void close() {
    if (!open_) return;
    if (tls_) {
      tls_->shutdown();
      tls_.reset();
    }
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    open_ = false;
  }

  // A request with an in-memory body; retried once on a fresh connection when a reused
  // keep-alive connection turns out to be closed. A 401 is answered once (--user).
  Response request(http::verb verb, const std::string& target, const std::string& body = {},
                   const Headers& headers = {}) {
    const std::string key = auth_key(verb, target);
    Response r = request_as(verb, target, body, headers, key);
    if (r.result_int() == 401 && g_credentials.answer(header_of(r), key, target)) {
      r = request_as(verb, target, body, headers, key);
    }
    return r;
  }

  // The request as it is, without answering a challenge.
  Response raw_request(http::verb verb, const std::string& target, const std::string& body = {},
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
        on_stream([&](auto& s) { http::write(s, req); });
        return read_response(verb == http::verb::head);
      } catch (const boost::system::system_error&) {
        close();
        if (attempt > 0 || !was_reused) throw;
      }
    }
  }

  // A request whose body of `length` bytes is written by produce(write), where write takes
  // (const void*, size_t); the body is never held as a whole. A 401 is answered and the
  // request made again.
  template <class Produce>
  Response stream_request(http::verb verb, const std::string& target, std::uint64_t length, const Headers& headers,
                          Produce&& produce) {
    const std::string key = auth_key(verb, target);
    for (int attempt = 0;; ++attempt) {
      ensure_open();
      try {
        http::request<http::empty_body> req{verb, target, 11};
        req.set(http::field::host, url_.host + ":" + url_.port);
        req.set(http::field::user_agent, "pier-loadgen");
        for (const auto& [name, value] : headers) req.set(name, value);
        if (auto authorization = g_credentials.authorization(key)) req.set(http::field::authorization, *authorization);
        req.content_length(length);
        http::request_serializer<http::empty_body> serializer{req};
        on_stream([&](auto& s) { http::write_header(s, serializer); });
        produce([&](const void* data, std::size_t n) {
          on_stream([&](auto& s) { asio::write(s, asio::buffer(data, n)); });
        });
        Response r = read_response(false);
        if (attempt == 0 && r.result_int() == 401 && g_credentials.answer(header_of(r), key, target)) continue;
        return r;
      } catch (...) {
        close();
        throw;
      }
    }
  }

  // GET whose body is read into a fixed buffer and dropped; returns status and body length.
  std::pair<unsigned, std::uint64_t> get_discard(const std::string& target, std::vector<char>& scratch) {
    const std::string key = auth_key(http::verb::get, target);
    for (int attempt = 0;; ++attempt) {
      std::string challenge;
      auto result = get_discard_as(target, scratch, key, challenge);
      if (attempt == 0 && result.first == 401 && g_credentials.answer(challenge, key, target)) continue;
      return result;
    }
  }

 private:
  static std::string header_of(const Response& r) {
    auto it = r.find(http::field::www_authenticate);
    return it == r.end() ? std::string() : std::string(it->value());
  }

  // Runs f on the connection's stream: the TLS stream, or the socket itself.
  template <class F>
  void on_stream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(socket_);
    }
  }

  Response request_as(http::verb verb, const std::string& target, const std::string& body, const Headers& headers,
                      const std::string& key) {
    if (auto authorization = g_credentials.authorization(key)) {
      Headers with = headers;
      with.emplace_back("Authorization", *authorization);
      return raw_request(verb, target, body, with);
    }
    return raw_request(verb, target, body, headers);
  }

  std::pair<unsigned, std::uint64_t> get_discard_as(const std::string& target, std::vector<char>& scratch,
                                                    const std::string& key, std::string& challenge) {
    ensure_open();
    try {
      http::request<http::empty_body> req{http::verb::get, target, 11};
      req.set(http::field::host, url_.host + ":" + url_.port);
      req.set(http::field::user_agent, "pier-loadgen");
      if (auto authorization = g_credentials.authorization(key)) req.set(http::field::authorization, *authorization);
      http::response_parser<http::buffer_body> parser;
      parser.body_limit(boost::none);
      on_stream([&](auto& s) {
        http::write(s, req);
        http::read_header(s, buffer_, parser);
      });
      const unsigned status = parser.get().result_int();
      if (auto it = parser.get().find(http::field::www_authenticate); it != parser.get().end()) {
        challenge = std::string(it->value());
      }
      std::uint64_t received = 0;
      if (const auto length = parser.content_length(); length && !parser.chunked()) {
        // Fast path: whatever the header read over-fetched, then raw reads into scratch.
        const std::uint64_t buffered = std::min<std::uint64_t>(buffer_.size(), *length);
        buffer_.consume(buffered);
        received = buffered;
        on_stream([&](auto& s) {
          while (received < *length) {
            const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(scratch.size(), *length - received));
            received += s.read_some(asio::buffer(scratch.data(), want));
          }
        });
        if (!parser.keep_alive()) close();
      } else {
        on_stream([&](auto& s) {
          while (!parser.is_done()) {
            parser.get().body().data = scratch.data();
            parser.get().body().size = scratch.size();
            beast::error_code ec;
            http::read(s, buffer_, parser, ec);
            if (ec && ec != http::error::need_buffer) throw boost::system::system_error(ec);
            received += scratch.size() - parser.get().body().size;
          }
        });
        if (!parser.keep_alive()) close();
      }
      return {status, received};
    } catch (...) {
      close();
      throw;
    }
  }

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
    on_stream([&](auto& s) { http::read(s, buffer_, parser); });
    Response response = parser.release();
    if (!response.keep_alive()) close();
    return response;
  }

  Url url_;
  asio::io_context ioc_;
  tcp::socket socket_{ioc_};
  std::unique_ptr<TlsStream> tls_;
  beast::flat_buffer buffer_;
  bool open_ = false;
  bool reused_ = false;
};

// Fetches a token from the challenge's realm with Basic credentials and the challenge's
// scope(s), plus pull on the source repository of a mount (as docker and containerd ask).
bool Credentials::answer(const std::string& challenge, const std::string& key, std::string_view target) {
  if (!configured() || challenge.empty()) return false;
  if (challenge.size() >= 5 && beast::iequals(std::string_view(challenge).substr(0, 5), "Basic")) {
    std::lock_guard lock(mutex_);
    use_basic_ = true;
    return true;
  }
  if (challenge.size() < 6 || !beast::iequals(std::string_view(challenge).substr(0, 6), "Bearer")) return false;
  auto params = challenge_params(challenge);
  if (params["realm"].empty()) throw std::runtime_error("Bearer challenge without a realm: " + challenge);
  const Url realm = parse_url(params["realm"]);
  std::string query = realm.path.empty() ? "/" : realm.path;
  query += query.find('?') == std::string::npos ? '?' : '&';
  query += "service=" + url_encode(params["service"]);
  std::vector<std::string> scopes;
  for (std::string_view rest = params["scope"]; !rest.empty();) {  // scopes are space-separated
    const auto space = rest.find(' ');
    if (space != 0) scopes.emplace_back(rest.substr(0, space));
    rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
  }
  if (const auto from = query_param(target, "from")) scopes.push_back("repository:" + *from + ":pull");
  for (const auto& scope : scopes) query += "&scope=" + url_encode(scope);
  Connection c(realm);
  const Response r = c.raw_request(http::verb::get, query, {}, {{"Authorization", basic()}});
  ++token_requests_;
  if (r.result_int() != 200) throw HttpError(describe(http::verb::get, params["realm"] + query, r));
  std::string token;
  for (const char* field : {"\"token\"", "\"access_token\""}) {
    const auto at = r.body().find(field);
    if (at == std::string::npos) continue;
    const auto open = r.body().find('"', r.body().find(':', at) + 1);
    const auto close = r.body().find('"', open + 1);
    if (open == std::string::npos || close == std::string::npos) continue;
    token = r.body().substr(open + 1, close - open - 1);
    break;
  }
  if (token.empty()) throw std::runtime_error("no token in the answer of " + params["realm"] + ": " + r.body().substr(0, 200));
  std::lock_guard lock(mutex_);
  tokens_[key] = "Bearer " + token;
  return true;
}

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
  // Plain HTTP: the shared segment body goes out with sendfile from its memory file. TLS: every
  // byte goes through SSL_write, which encrypts it on the way.
  const int base_fd = c.tls() ? -1 : content.base_fd();
  // Sends a piece of the content: the shared segment body from its memory file, the rest as is.
  const auto send_piece = [&](auto& write, const void* piece, std::size_t n) {
    if (const auto offset = base_fd >= 0 ? content.offset_in_base(piece) : std::nullopt) {
      c.send_file(base_fd, *offset, n);
    } else {
      write(piece, n);
    }
  };
  if (g_credentials.configured()) {
    // A client signs in before it uploads: one upload started (answering the challenge) and
    // cancelled before the clock starts, so the timed push carries its token from the start.
    try {
      Response r = expect(c, http::verb::post, "/v2/" + repo + "/blobs/uploads/", 202);
      c.request(http::verb::delete_, as_target(header(r, "Location")));
    } catch (const std::exception& e) {
      die(std::string("push-blob: signing in: ") + e.what());
    }
  }
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
  if (g_credentials.configured()) {
    // Signed in before the clock starts (a client has its token from the manifest it read).
    Connection c(url);
    const Response r = c.request(http::verb::head, path);
    if (r.result_int() != 200) die("pull-blob: signing in: " + describe(http::verb::head, path, r));
  }

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
              ",\"errors\":%" PRIu64 ",\"token_requests\":%" PRIu64
              ",\"sample\":{\"repo\":\"%s\",\"tag\":\"%s\",\"manifest\":\"%s\",\"layer\":\"%s\",\"layer_size\":%zu}}\n",
              images, clients, result.seconds, (images - result.errors) / result.seconds, result.requests,
              result.errors, g_credentials.token_requests(), sample.repo.c_str(), sample.tag.c_str(), sample.manifest.digest.c_str(),
              sample.layer.digest.c_str(), sample.layer.data.size());
  return result.errors ? 1 : 0;
}

int cmd_seed_tags(const Args& a) {
  const Url url = parse_url(a.str("url"));
  const std::string repo = a.str("repo");
  const std::uint64_t count = a.num("count", 10000);
  const std::uint64_t first = a.num("start", 0);
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
    std::snprintf(tag, sizeof tag, "tag-%06" PRIu64, first + i);
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
  const std::uint64_t first = a.num("start", 0);
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
    std::snprintf(repo, sizeof repo, "%s/r%06" PRIu64, prefix.c_str(), first + i);
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
  if (g_credentials.configured()) {
    // Signed in before the clock starts; the connections share the token.
    Connection c(url);
    const Response r = c.request(http::verb::get, path);
    if (r.result_int() != 200) die("list: signing in: " + describe(http::verb::get, path, r));
  }
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
  SSL* ssl = nullptr;        // over TLS: the session on fd, non-blocking
  std::size_t sent = 0;      // bytes of the request written so far
  std::string in;            // bytes of the response read so far
  std::uint64_t body_left = 0;
  bool in_body = false;
  Clock::time_point began;
};

// Connects (blocking, TLS handshake included), then makes the socket non-blocking.
bool open_rate_connection(const Url& url, RateConnection& c) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found) != 0 || !found) return false;
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const bool connected = fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0;
  freeaddrinfo(found);
  if (!connected) {
    if (fd >= 0) ::close(fd);
    return false;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (url.tls) {
    c.ssl = new_tls_session(url, fd);
    ERR_clear_error();
    if (SSL_connect(c.ssl) != 1) {
      std::fprintf(stderr, "pier-loadgen: %s\n", handshake_failure(c.ssl, url).c_str());
      SSL_free(c.ssl);
      c.ssl = nullptr;
      ::close(fd);
      return false;
    }
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  c.fd = fd;
  return true;
}

void close_rate_connection(RateConnection& c) {
  if (c.ssl) {
    SSL_free(c.ssl);  // no close_notify: the run is over or the connection failed
    c.ssl = nullptr;
  }
  if (c.fd >= 0) ::close(c.fd);
  c.fd = -1;
}

// Non-blocking send and receive on a rate connection: > 0 bytes moved, 0 would block, < 0
// failed (or, receiving, the peer closed).
ssize_t rate_send(RateConnection& c, const char* data, std::size_t n) {
  if (!c.ssl) {
    const ssize_t w = ::send(c.fd, data, n, MSG_NOSIGNAL);
    return w < 0 && errno == EAGAIN ? 0 : w;
  }
  std::size_t done = 0;
  ERR_clear_error();
  if (SSL_write_ex(c.ssl, data, n, &done) == 1) return static_cast<ssize_t>(done);
  const int e = SSL_get_error(c.ssl, 0);
  return e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ ? 0 : -1;
}

ssize_t rate_recv(RateConnection& c, char* data, std::size_t n) {
  if (!c.ssl) {
    const ssize_t r = ::recv(c.fd, data, n, 0);
    if (r == 0) return -1;
    return r < 0 && errno == EAGAIN ? 0 : r;
  }
  std::size_t done = 0;
  ERR_clear_error();
  if (SSL_read_ex(c.ssl, data, n, &done) == 1) return static_cast<ssize_t>(done);
  const int e = SSL_get_error(c.ssl, 0);
  return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
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
  if (g_credentials.configured()) {
    // One request made as a registry client makes it, answering the challenge; every request
    // of the run then carries the Authorization it ended up with.
    const http::verb verb = method == "HEAD" ? http::verb::head : http::verb::get;
    Connection probe(url);
    const Response r = probe.request(verb, path);
    if (r.result_int() != 200) die("rate: " + describe(verb, path, r));
    if (auto authorization = g_credentials.authorization(auth_key(verb, path))) {
      request += "Authorization: " + *authorization + "\r\n";
    }
  }
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
        close_rate_connection(c);
        if (!open_rate_connection(url, c)) return false;
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
            const ssize_t w = rate_send(c, request.data() + c.sent, request.size() - c.sent);
            if (w > 0) c.sent += static_cast<std::size_t>(w);
            if (w < 0) failed = true;
            if (c.sent == request.size()) {
              epoll_event ev{EPOLLIN, {.ptr = &c}};
              ::epoll_ctl(epoll, EPOLL_CTL_MOD, c.fd, &ev);
            }
          }
          bool done = false;
          while (!failed && !done && (events[i].events & EPOLLIN)) {
            const ssize_t r = rate_recv(c, buffer, sizeof buffer);
            if (r < 0) failed = true;
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
            reopen(c);
          } else if (done) {
            measured.push_back(static_cast<std::uint32_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - c.began).count()));
            start_request(c);
          }
        }
      }
      for (auto& c : mine) close_rate_connection(c);
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
              "\"requests_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,"
              "\"tls\":%s,\"errors\":%" PRIu64 "}\n",
              method.c_str(), connections, thread_count, seconds, all.size(), all.size() / seconds, pct(0.50),
              pct(0.99), pct(0.999), all.empty() ? 0.0 : all.back() / 1000.0, url.tls ? "true" : "false",
              errors.load());
  return errors.load() ? 1 : 0;
}

// Makes one request as a registry client does (answering the 401 challenge) and prints the
// Authorization header it was sent with, for clients that cannot answer challenges (wrk -H).
int cmd_authorize(const Args& a) {
  const Url url = parse_url(a.str("url"));
  const std::string path = a.str("path", "/v2/");
  const std::string method = a.str("method", "GET");
  if (method != "GET" && method != "HEAD") die("--method must be GET or HEAD");
  if (!g_credentials.configured()) die("authorize: --user and --password are needed");
  const http::verb verb = method == "HEAD" ? http::verb::head : http::verb::get;
  Headers headers;
  if (auto it = a.options.find("header"); it != a.options.end()) {
    const auto colon = it->second.find(':');
    if (colon == std::string::npos) die("--header must be 'Name: value'");
    headers.emplace_back(it->second.substr(0, colon), it->second.substr(it->second.find_first_not_of(' ', colon + 1)));
  }
  Connection c(url);
  const Response r = c.request(verb, path, {}, headers);
  if (r.result_int() != 200) die("authorize: " + describe(verb, path, r));
  const auto authorization = g_credentials.authorization(auth_key(verb, path));
  if (!authorization) die("authorize: " + path + " answered 200 without a challenge");
  std::printf("{\"authorization\":\"%s\",\"token_requests\":%" PRIu64 "}\n", authorization->c_str(),
              g_credentials.token_requests());
  return 0;
}

// True when GET /v2/ answers 200 on a fresh connection.
bool probe_ready(const Url& url) {
  try {
    Connection c(url);
    c.connect();
    const unsigned status = c.raw_request(http::verb::get, "/v2/").result_int();
    return status == 200 || (status == 401 && g_credentials.configured());
  } catch (const std::exception&) {
    return false;
  }
}

// Polls GET /v2/ every 5 ms until it answers 200 (or 401 with --user); the clock starts at --since, bash's
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
  g_client.insecure = args.options.count("insecure") > 0;
  g_client.ca = args.str("ca", "");
  g_client.user = args.str("user", "");
  g_client.password = args.str("password", "");
  if (!g_client.user.empty() && !args.options.count("password")) die("--user needs --password");
  try {
    if (args.command == "push-blob") return cmd_push_blob(args);
    if (args.command == "pull-blob") return cmd_pull_blob(args);
    if (args.command == "small-pushes") return cmd_small_pushes(args);
    if (args.command == "seed-tags") return cmd_seed_tags(args);
    if (args.command == "seed-repos") return cmd_seed_repos(args);
    if (args.command == "list") return cmd_list(args);
    if (args.command == "rate") return cmd_rate(args);
    if (args.command == "wait-ready") return cmd_wait_ready(args);
    if (args.command == "authorize") return cmd_authorize(args);
  } catch (const std::exception& e) {
    die(args.command + ": " + e.what());
  }
  die("unknown command '" + args.command + "'");
}
