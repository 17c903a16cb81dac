#include "auth/ldap_directory.h"

#include <ldap.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <ctime>
#include <memory>
#include <utility>

namespace pier::auth {

namespace {

// libldap writes to its sockets with write(2), so a server that has dropped the connection
// would kill the process with SIGPIPE. Blocking it in this thread for the duration of a call
// and discarding one raised meanwhile is what libpq does (pq_block_sigpipe); it keeps the
// library safe without asking the process to ignore SIGPIPE.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_mask_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlock() {
    const int saved_errno = errno;
    sigset_t pending;
    sigpending(&pending);
    // A SIGPIPE pending before we started is someone else's: leave it for them.
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec no_wait{0, 0};
      while (sigtimedwait(&pipe_, nullptr, &no_wait) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
    errno = saved_errno;
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_;
  sigset_t previous_mask_;
  bool was_pending_ = false;
};

struct LdapUnbind {
  void operator()(LDAP* ld) const { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
using LdapPtr = std::unique_ptr<LDAP, LdapUnbind>;

struct MessageFree {
  void operator()(LDAPMessage* message) const { ldap_msgfree(message); }
};
using MessagePtr = std::unique_ptr<LDAPMessage, MessageFree>;

// Whether connections will speak TLS: StartTLS, or ldaps:// for any of the URLs.
bool uses_tls(const LdapOptions& options) {
  if (options.start_tls) return true;
  std::string url = options.url;
  std::transform(url.begin(), url.end(), url.begin(), [](unsigned char c) { return std::tolower(c); });
  return url.find("ldaps://") != std::string::npos;
}

// The one conversion of libldap result codes into Pier errors. The URL says which server, the
// step what was being done, and the server's diagnostic (if any) why; none of them can hold a
// password.
Error ldap_error(const LdapOptions& options, LDAP* ld, std::string_view step, int rc) {
  std::string message = "LDAP server " + options.url + ": " + std::string(step) + ": " + ldap_err2string(rc);
  char* diagnostic = nullptr;
  if (ld != nullptr && ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic) == LDAP_OPT_SUCCESS &&
      diagnostic != nullptr) {
    // Debian's GnuTLS build of libldap says only this for every failed handshake.
    const std::string_view text = diagnostic;
    if (!text.empty() && text != "(unknown error code)") message += " (" + std::string(text) + ")";
    ldap_memfree(diagnostic);
  }
  // A refused certificate reads as "Can't contact LDAP server" or "Connect error".
  if (uses_tls(options) && (rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR)) {
    message += "; if the server is up, TLS failed: is its certificate signed by a trusted CA (tls_ca_file) and "
               "issued for the host name in the URL?";
  }
  return make_error(ErrorCode::kUnavailable, std::move(message));
}

// Result codes with which a directory refuses a user's bind: the credentials are wrong, or the
// account may not sign in (locked, expired, disabled, no password). Anything else is a failure
// of the directory, not an answer about the user.
bool is_refusal(int rc) {
  return rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH || rc == LDAP_UNWILLING_TO_PERFORM;
}

// `pattern` with each `placeholder` replaced by the escaped `value`, in one pass: text that the
// value brings in is never expanded again.
std::string expand_filter(std::string_view pattern, std::string_view placeholder, std::string_view value) {
  const std::string escaped = ldap_filter_escape(value);
  std::string out;
  std::size_t from = 0;
  for (std::size_t hit; (hit = pattern.find(placeholder, from)) != std::string_view::npos;
       from = hit + placeholder.size()) {
    out.append(pattern.substr(from, hit - from));
    out.append(escaped);
  }
  out.append(pattern.substr(from));
  return out;
}

struct Entry {
  std::string dn;
  std::vector<std::string> values;  // of the one attribute asked for
};

struct SearchResult {
  std::vector<Entry> entries;
  bool truncated = false;  // the size limit (ours or the server's) cut the result short
};

// One connection, used by one thread for one call.
class Session {
 public:
  static Result<Session> open(const LdapOptions& options) {
    LDAP* raw = nullptr;
    int rc = ldap_initialize(&raw, options.url.c_str());
    LdapPtr ld(raw);
    if (rc != LDAP_SUCCESS) return ldap_error(options, nullptr, "invalid URL", rc);

    const timeval limit{static_cast<time_t>(std::max<std::chrono::seconds::rep>(options.timeout.count(), 1)), 0};
    const int version = LDAP_VERSION3;
    // LDAP_OPT_TIMEOUT bounds the synchronous binds, which take no timeout argument. Referrals
    // are not chased: that would send the search to servers nobody configured.
    if ((rc = ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version)) != LDAP_OPT_SUCCESS ||
        (rc = ldap_set_option(ld.get(), LDAP_OPT_NETWORK_TIMEOUT, &limit)) != LDAP_OPT_SUCCESS ||
        (rc = ldap_set_option(ld.get(), LDAP_OPT_TIMEOUT, &limit)) != LDAP_OPT_SUCCESS ||
        (rc = ldap_set_option(ld.get(), LDAP_OPT_REFERRALS, LDAP_OPT_OFF)) != LDAP_OPT_SUCCESS) {
      return ldap_error(options, ld.get(), "setting options", rc);
    }
    if (uses_tls(options)) {
      // TLS_REQCERT in ldap.conf, ~/.ldaprc or $LDAPTLS_REQCERT could turn certificate checks
      // off for the whole process; this handle demands them. Settings made on a handle take
      // effect in the TLS context made for it (NEWCTX), which costs loading the CA file once
      // per connection, only for TLS.
      const int demand = LDAP_OPT_X_TLS_DEMAND;
      const int client_context = 0;
      if ((!options.tls_ca_file.empty() &&
           (rc = ldap_set_option(ld.get(), LDAP_OPT_X_TLS_CACERTFILE, options.tls_ca_file.c_str())) !=
               LDAP_OPT_SUCCESS) ||
          (rc = ldap_set_option(ld.get(), LDAP_OPT_X_TLS_REQUIRE_CERT, &demand)) != LDAP_OPT_SUCCESS ||
          (rc = ldap_set_option(ld.get(), LDAP_OPT_X_TLS_NEWCTX, &client_context)) != LDAP_OPT_SUCCESS) {
        return ldap_error(options, ld.get(), "TLS settings", rc);
      }
    }
    if (options.start_tls) {
      rc = ldap_start_tls_s(ld.get(), nullptr, nullptr);
      if (rc != LDAP_SUCCESS) return ldap_error(options, ld.get(), "StartTLS", rc);
    }
    return Session(options, std::move(ld), limit);
  }

  Error error(std::string_view step, int rc) const { return ldap_error(options_, ld_.get(), step, rc); }

  // A simple bind; the libldap result code.
  int bind(const std::string& dn, std::string_view password) {
    static char empty[] = "";
    // libldap only reads the credentials; the berval type has no const.
    berval credentials{};
    credentials.bv_len = password.size();
    credentials.bv_val = password.empty() ? empty : const_cast<char*>(password.data());
    return ldap_sasl_bind_s(ld_.get(), dn.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr, nullptr);
  }

  Result<void> bind_service() {
    // A DN with an empty password is an "unauthenticated bind", which servers answer with
    // success as anonymous: it would hide a missing password until searches find nothing.
    if (!options_.bind_dn.empty() && options_.bind_password.empty()) {
      return make_error(ErrorCode::kUnavailable,
                        "LDAP server " + options_.url + ": service bind: bind_dn is set but bind_password is empty");
    }
    const int rc = bind(options_.bind_dn, options_.bind_password);
    if (rc != LDAP_SUCCESS) return error("service bind", rc);
    return {};
  }

  // Subtree search under `base` for the entries `filter` matches, with the values of `attribute`.
  // size_limit 0: the server's limit only.
  Result<SearchResult> search(std::string_view step, const std::string& base, const std::string& filter,
                              std::string attribute, int size_limit) {
    // "1.1" asks for no attributes at all (RFC 4511 §4.5.1.8).
    if (attribute.empty()) attribute = "1.1";
    char* attributes[] = {attribute.data(), nullptr};
    timeval limit = limit_;
    LDAPMessage* raw = nullptr;
    const int rc = ldap_search_ext_s(ld_.get(), base.c_str(), LDAP_SCOPE_SUBTREE, filter.c_str(), attributes,
                                     0, nullptr, nullptr, &limit, size_limit, &raw);
    // The result is allocated even for some failures.
    MessagePtr message(raw);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) return error(step, rc);

    SearchResult result;
    result.truncated = rc == LDAP_SIZELIMIT_EXCEEDED;
    // Search references (referrals to other servers) are not entries and are skipped.
    for (LDAPMessage* e = ldap_first_entry(ld_.get(), message.get()); e != nullptr;
         e = ldap_next_entry(ld_.get(), e)) {
      Entry entry;
      if (char* dn = ldap_get_dn(ld_.get(), e)) {
        entry.dn = dn;
        ldap_memfree(dn);
      }
      if (berval** values = ldap_get_values_len(ld_.get(), e, attribute.c_str())) {
        for (berval** v = values; *v != nullptr; ++v) entry.values.emplace_back((*v)->bv_val, (*v)->bv_len);
        ldap_value_free_len(values);
      }
      result.entries.push_back(std::move(entry));
    }
    return result;
  }

 private:
  Session(const LdapOptions& options, LdapPtr ld, timeval limit)
      : options_(options), ld_(std::move(ld)), limit_(limit) {}

  const LdapOptions& options_;
  LdapPtr ld_;
  timeval limit_;
};

}  // namespace

LdapDirectory::LdapDirectory(LdapOptions options) : options_(std::move(options)) {
  // libldap sets up its global state on first use, and that first use must not race: the
  // OpenLDAP manual says to read an option of the NULL handle once, from one thread, before
  // handles are made on several. A function-local static runs exactly once.
  [[maybe_unused]] static const bool initialized = [] {
    int version = 0;
    ldap_get_option(nullptr, LDAP_OPT_PROTOCOL_VERSION, &version);
    return true;
  }();
}

Result<void> LdapDirectory::check() const {
  SigpipeBlock no_sigpipe;
  auto session = Session::open(options_);
  if (!session) return session.error();
  return session->bind_service();
}

Result<std::optional<LdapUser>> LdapDirectory::authenticate(std::string_view username,
                                                            std::string_view password) const {
  if (username.empty() || password.empty()) return std::nullopt;
  SigpipeBlock no_sigpipe;
  auto session = Session::open(options_);
  if (!session) return session.error();
  if (auto bound = session->bind_service(); !bound) return bound.error();

  // A limit of 2 is enough to tell one match from several.
  auto users = session->search("user search", options_.user_base_dn,
                               expand_filter(options_.user_filter, "{username}", username),
                               options_.email_attribute, 2);
  if (!users) return users.error();
  if (users->entries.size() != 1 || users->truncated) return std::nullopt;
  Entry& entry = users->entries.front();
  // An empty DN would make the bind anonymous, which always succeeds.
  if (entry.dn.empty()) return std::nullopt;

  const int rc = session->bind(entry.dn, password);
  if (is_refusal(rc)) return std::nullopt;
  if (rc != LDAP_SUCCESS) return session->error("user bind", rc);

  LdapUser user;
  user.dn = std::move(entry.dn);
  if (!entry.values.empty()) user.email = std::move(entry.values.front());
  if (options_.group_base_dn.empty()) return user;

  // The user may not be allowed to read groups; the service account is.
  if (auto bound = session->bind_service(); !bound) return bound.error();
  auto groups = session->search("group search", options_.group_base_dn,
                                expand_filter(options_.group_filter, "{dn}", user.dn),
                                options_.group_name_attribute, 0);
  if (!groups) return groups.error();
  // A partial list would silently drop rights (or a deny rule), so it is an error.
  if (groups->truncated) {
    return make_error(ErrorCode::kUnavailable,
                      "LDAP server " + options_.url + ": group search: more groups than the size limit");
  }
  for (Entry& group : groups->entries) {
    if (!group.values.empty()) user.groups.push_back(std::move(group.values.front()));
  }
  std::sort(user.groups.begin(), user.groups.end());
  user.groups.erase(std::unique(user.groups.begin(), user.groups.end()), user.groups.end());
  return user;
}

std::string ldap_filter_escape(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == '\0') {
      const auto byte = static_cast<unsigned char>(c);
      out += '\\';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace pier::auth
