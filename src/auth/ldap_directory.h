// auth/ldap_directory.h: signing in against an LDAP directory (OpenLDAP, 389 DS, Active Directory).
//
// The usual search-then-bind: connect (StartTLS if asked), bind as the service account (or
// anonymously), find the one entry under user_base_dn that user_filter matches, then bind as
// that entry's DN with the presented password. The directory, not Pier, checks the password, so
// its policies (lockout, expiry, disabled accounts) apply. If group_base_dn is set, the same
// connection binds as the service account again and the groups whose group_filter matches the
// user's DN give their names. libldap's synchronous API; ldap.h is included by the .cc only.
//
// Thread-safe: the options are fixed at construction and each call opens, uses and closes its
// own connection, so any number of threads may call at once. Every call blocks on the network
// for up to `timeout` per step (a few steps per call): call off the I/O threads.
// A write to a connection the server has dropped raises no SIGPIPE, whatever the process's
// signal settings.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace pier::auth {

struct LdapOptions {
  // ldap://host:port or ldaps://host:port; several, separated by spaces, are tried in order.
  std::string url;
  // PEM file of the CAs that sign the directory's certificate. Empty: the CAs libldap is
  // configured with (Debian: TLS_CACERT in /etc/ldap/ldap.conf, the system bundle). Either way
  // the certificate and its name are always checked (a TLS_REQCERT setting cannot relax that).
  std::string tls_ca_file;
  // The service account that searches. Empty: search anonymously. A bind_dn with an empty
  // password is refused rather than sent, since servers treat it as an anonymous bind.
  std::string bind_dn;
  std::string bind_password;
  std::string user_base_dn;  // searched with subtree scope, e.g. ou=people,dc=example,dc=org
  // Each {username} becomes the RFC 4515-escaped name; the result must match one entry only.
  std::string user_filter = "(uid={username})";
  std::string email_attribute = "mail";  // its first value; the email is empty if it has none
  std::string group_base_dn;             // empty: no group lookup
  // Each {dn} becomes the user's escaped DN; each group found gives the first value of
  // group_name_attribute.
  std::string group_filter = "(member={dn})";
  std::string group_name_attribute = "cn";
  // Upgrade an ldap:// connection to TLS before anything is sent; failing that is an error,
  // never a fallback to plain text. Not for ldaps://, which is TLS already.
  bool start_tls = false;
  // Limit of each step: connecting, each bind and each search. Below 1 s counts as 1 s.
  std::chrono::seconds timeout{10};
};

struct LdapUser {
  std::string dn;
  std::string email;
  std::vector<std::string> groups;  // sorted, no duplicates; empty without group lookup
};

class LdapDirectory {
 public:
  explicit LdapDirectory(LdapOptions options);

  // The user whose entry user_filter matches and who bound with `password`.
  // nullopt, without telling why: an empty username or password (an empty password would be
  // an unauthenticated bind, which servers answer with success), no entry or several entries
  // matching, or the directory refusing the bind (wrong password, locked or disabled account).
  // kUnavailable: the directory cannot be reached, TLS fails, the service bind fails, a
  // search fails (e.g. a base DN that does not exist, a malformed filter) or a step times out.
  // Messages name the server and the step, never a password.
  Result<std::optional<LdapUser>> authenticate(std::string_view username, std::string_view password) const;

  // For startup: connect, StartTLS if set, and bind as the service account (anonymously if
  // bind_dn is empty). kUnavailable as above.
  Result<void> check() const;

 private:
  const LdapOptions options_;
};

// `value` with the characters RFC 4515 reserves in a filter's assertion value ('*', '(', ')',
// '\' and NUL) written as \2a, \28, \29, \5c and \00, so it matches only itself. Other bytes,
// UTF-8 included, are unchanged.
std::string ldap_filter_escape(std::string_view value);

}  // namespace pier::auth
