// LdapDirectory against a real OpenLDAP slapd that the suite starts on a free loopback port,
// seeded with slapadd. slapd is a test dependency (scripts/install-deps.sh test): without it
// every test here fails, naming what is missing.
#include "auth/ldap_directory.h"

#include "auth/ldap_accounts.h"
#include "auth/password_hash.h"
#include "meta/sqlite/sqlite_account_store.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_dirs.h"

namespace pier::auth {
namespace {

namespace fs = std::filesystem;

// Debian's layout (package slapd).
constexpr const char* kSlapd = "/usr/sbin/slapd";
constexpr const char* kSlapadd = "/usr/sbin/slapadd";
constexpr const char* kSlappasswd = "/usr/sbin/slappasswd";
constexpr const char* kOpenssl = "/usr/bin/openssl";
constexpr const char* kModulePath = "/usr/lib/ldap";
constexpr const char* kSchemaDir = "/etc/ldap/schema";

constexpr const char* kReaderDn = "cn=reader,dc=example,dc=org";
constexpr const char* kReaderPassword = "reader-secret";

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// A fd bound to 127.0.0.1 on a port the kernel picked; listening if `listen_too`.
int loopback_socket(bool listen_too, int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      (listen_too && listen(fd, 16) != 0) || getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *port = ntohs(address.sin_port);
  return fd;
}

// A loopback port nothing listens on (bound, then released).
int free_port() {
  int port = 0;
  const int fd = loopback_socket(false, &port);
  if (fd < 0) return -1;
  close(fd);
  return port;
}

bool accepts_connections(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

// Starts `argv` with stdout and stderr going to `log`. The child is killed if this process
// dies, so a crashed test run leaves no slapd behind. -1 if it cannot be started.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || in < 0) return -1;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out);
  close(in);
  return pid;
}

// Runs `argv` to completion; its output, or why it failed.
bool run(const std::vector<std::string>& argv, const fs::path& log, std::string* output) {
  const pid_t pid = spawn(argv, log);
  int status = 0;
  const bool ok = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  *output = read_file(log);
  return ok;
}

std::string slapd_conf(const fs::path& dir) {
  // A self-signed certificate for 127.0.0.1 only: tests trust it through tls_ca_file.
  std::string conf = "TLSCertificateFile " + (dir / "cert.pem").string() + "\n";
  conf += "TLSCertificateKeyFile " + (dir / "key.pem").string() + "\n";
  for (const char* schema : {"core", "cosine", "inetorgperson"}) {
    conf += std::string("include ") + kSchemaDir + "/" + schema + ".schema\n";
  }
  conf += std::string("modulepath ") + kModulePath + "\nmoduleload back_mdb\n";
  // Accept unauthenticated binds (a DN with no password) as anonymous, as some servers do, so
  // the tests show that an empty password never reaches the directory as a sign-in.
  conf += "allow bind_anon_dn\n";
  conf += "pidfile " + (dir / "slapd.pid").string() + "\n";
  conf += "database mdb\nmaxsize 16777216\nsuffix \"dc=example,dc=org\"\n";
  conf += "directory " + (dir / "db").string() + "\n";
  // Passwords can only be bound with. Groups are visible to the service account alone, so the
  // group lookup succeeds only if it runs bound as the service account again (not as the user,
  // who was bound last). People are also readable anonymously, for the anonymous-search test.
  conf += R"(access to attrs=userPassword
  by anonymous auth
  by * none
access to dn.subtree="ou=groups,dc=example,dc=org"
  by dn.exact="cn=reader,dc=example,dc=org" read
  by * none
access to *
  by dn.exact="cn=reader,dc=example,dc=org" read
  by anonymous read
  by * none
)";
  return conf;
}

// alice: plain password, two groups. bob: salted SHA-1 password. "b(o)b*": a name full of
// filter metacharacters. dana: a DN with an escaped comma and no mail.
std::string seed_ldif(const std::string& bob_hash) {
  return R"(dn: dc=example,dc=org
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: cn=reader,dc=example,dc=org
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: reader-secret

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: uid=alice,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: Liddell
mail: alice@example.org
userPassword: alice-pw

dn: uid=bob,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: bob
cn: Bob
sn: Builder
mail: bob@example.org
userPassword: )" + bob_hash + R"(

dn: uid=b(o)b*,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: b(o)b*
cn: Odd Bob
sn: Odd
mail: odd@example.org
userPassword: odd-pw

dn: cn=Dana\, Jr.,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: dana
cn: Dana, Jr.
sn: Jr
userPassword: dana-pw

dn: ou=groups,dc=example,dc=org
objectClass: organizationalUnit
ou: groups

dn: cn=developers,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: developers
member: uid=alice,ou=people,dc=example,dc=org
member: uid=bob,ou=people,dc=example,dc=org
member: uid=b(o)b*,ou=people,dc=example,dc=org

dn: cn=admins,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: admins
member: uid=alice,ou=people,dc=example,dc=org

dn: cn=contractors,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: contractors
member: cn=Dana\, Jr.,ou=people,dc=example,dc=org
member: uid=b(o)b*,ou=people,dc=example,dc=org
)";
}

// One slapd for the whole suite: starting it takes tens of milliseconds, and no test writes.
class Slapd {
 public:
  // Empty on success, else what went wrong.
  std::string start() {
    for (const char* tool : {kSlapd, kSlapadd, kSlappasswd, kOpenssl}) {
      if (access(tool, X_OK) != 0) {
        return std::string(tool) + " not found: install Debian's slapd and openssl (scripts/install-deps.sh test)";
      }
    }
    const fs::path dir = dir_.path();
    fs::create_directories(dir / "db");
    std::string output;
    if (!run({kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
              "-keyout", (dir / "key.pem").string(), "-out", (dir / "cert.pem").string(), "-days", "2", "-subj",
              "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
             dir / "openssl.log", &output)) {
      return "openssl could not make a certificate: " + output;
    }
    if (!run({kSlappasswd, "-h", "{SSHA}", "-s", "bob-pw"}, dir / "slappasswd.log", &output)) {
      return "slappasswd failed: " + output;
    }
    const std::string bob_hash = output.substr(0, output.find('\n'));
    write_file(dir / "slapd.conf", slapd_conf(dir));
    write_file(dir / "seed.ldif", seed_ldif(bob_hash));
    if (!run({kSlapadd, "-f", (dir / "slapd.conf").string(), "-l", (dir / "seed.ldif").string()},
             dir / "slapadd.log", &output)) {
      return "slapadd failed: " + output;
    }
    // The port is free when picked but could be taken before slapd binds it: try a few.
    std::string why;
    for (int attempt = 0; attempt < 3; ++attempt) {
      why = launch(dir);
      if (why.empty()) return {};
    }
    return why;
  }

  void stop() {
    if (pid_ > 0) {
      // Nothing to keep: the database is in a temporary directory.
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  ~Slapd() { stop(); }

  std::string url() const { return "ldap://127.0.0.1:" + std::to_string(port_); }
  std::string tls_url() const { return "ldaps://127.0.0.1:" + std::to_string(tls_port_); }
  fs::path ca_file() const { return dir_.path() / "cert.pem"; }

 private:
  std::string launch(const fs::path& dir) {
    port_ = free_port();
    tls_port_ = free_port();
    if (port_ < 0 || tls_port_ < 0 || port_ == tls_port_) return "no free loopback ports";
    // -d 0 keeps slapd in the foreground (it never daemonizes with -d) so it stays our child.
    pid_ = spawn({kSlapd, "-h", url() + "/ " + tls_url() + "/", "-f", (dir / "slapd.conf").string(), "-d", "0"},
                 dir / "slapd.log");
    if (pid_ < 0) return "cannot start slapd";
    // slapd listens once its database is open; poll until a connection is accepted.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return "slapd exited at start: " + read_file(dir / "slapd.log");
      }
      if (accepts_connections(port_) && accepts_connections(tls_port_)) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    stop();
    return "slapd did not accept connections within 10 s: " + read_file(dir / "slapd.log");
  }

  testing::TempDir dir_;
  pid_t pid_ = -1;
  int port_ = -1;
  int tls_port_ = -1;
};

class LdapDirectoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    slapd_ = new Slapd;
    startup_error_ = new std::string(slapd_->start());
  }
  static void TearDownTestSuite() {
    delete slapd_;
    delete startup_error_;
    slapd_ = nullptr;
    startup_error_ = nullptr;
  }
  // A fatal failure here fails the test and skips its body, so a missing slapd is a failure.
  void SetUp() override { ASSERT_EQ(*startup_error_, "") << "could not start slapd"; }

  static LdapOptions options() {
    LdapOptions o;
    o.url = slapd_->url();
    o.bind_dn = kReaderDn;
    o.bind_password = kReaderPassword;
    o.user_base_dn = "ou=people,dc=example,dc=org";
    o.group_base_dn = "ou=groups,dc=example,dc=org";
    o.timeout = std::chrono::seconds(2);
    return o;
  }

  // nullopt as the answer (not an error).
  static void expect_refused(LdapDirectory& directory, std::string_view username, std::string_view password) {
    auto got = directory.authenticate(username, password);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_FALSE(*got) << "signed in as " << (*got)->dn;
  }

  static Slapd* slapd_;
  static std::string* startup_error_;
};

Slapd* LdapDirectoryTest::slapd_ = nullptr;
std::string* LdapDirectoryTest::startup_error_ = nullptr;

TEST_F(LdapDirectoryTest, RightPasswordGivesTheUserWithEmailAndSortedGroups) {
  LdapDirectory directory(options());
  auto got = directory.authenticate("alice", "alice-pw");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(*got);
  EXPECT_EQ((*got)->dn, "uid=alice,ou=people,dc=example,dc=org");
  EXPECT_EQ((*got)->email, "alice@example.org");
  // Found only if the group search ran bound as the service account again (see slapd_conf).
  EXPECT_EQ((*got)->groups, (std::vector<std::string>{"admins", "developers"}));
}

TEST_F(LdapDirectoryTest, SaltedHashPasswordIsCheckedByTheDirectory) {
  LdapDirectory directory(options());
  auto got = directory.authenticate("bob", "bob-pw");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(*got);
  EXPECT_EQ((*got)->email, "bob@example.org");
  EXPECT_EQ((*got)->groups, (std::vector<std::string>{"developers"}));
}

TEST_F(LdapDirectoryTest, WithoutGroupBaseThereIsNoGroupLookup) {
  auto o = options();
  o.group_base_dn.clear();
  LdapDirectory directory(o);
  auto got = directory.authenticate("alice", "alice-pw");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(*got);
  EXPECT_TRUE((*got)->groups.empty());
}

TEST_F(LdapDirectoryTest, WrongPasswordIsRefused) {
  LdapDirectory directory(options());
  expect_refused(directory, "alice", "wrong");
  expect_refused(directory, "alice", "bob-pw");
  expect_refused(directory, "alice", "alice-pw ");
  expect_refused(directory, "alice", std::string_view("alice-pw\0", 9));
  expect_refused(directory, "bob", "alice-pw");
}

TEST_F(LdapDirectoryTest, UnknownUserIsRefused) {
  LdapDirectory directory(options());
  expect_refused(directory, "mallory", "alice-pw");
  expect_refused(directory, "alic", "alice-pw");
  expect_refused(directory, "\xff\xfe", "alice-pw");  // not UTF-8
}

TEST_F(LdapDirectoryTest, EmptyPasswordOrUsernameIsRefused) {
  LdapDirectory directory(options());
  // An empty password would be an unauthenticated bind, which slapd answers with success.
  expect_refused(directory, "alice", "");
  expect_refused(directory, "", "alice-pw");
  expect_refused(directory, "", "");
}

TEST_F(LdapDirectoryTest, FilterMetacharactersInTheUsernameMatchOnlyThemselves) {
  LdapDirectory directory(options());
  // Unescaped, "a*" would match alice alone and sign in as her.
  for (std::string_view name : {"*", "a*", "al*ce", "*lice", ")(uid=*", "alice)(uid=*", "*)(|(uid=*", "alice\\",
                                 "\\61lice", "(uid=alice)"}) {
    SCOPED_TRACE(name);
    expect_refused(directory, name, "alice-pw");
  }
  expect_refused(directory, std::string_view("alice\0", 6), "alice-pw");

  // Under a base holding alice only, an unescaped "*" would match exactly one entry: alice.
  auto o = options();
  o.user_base_dn = "uid=alice,ou=people,dc=example,dc=org";
  LdapDirectory only_alice(o);
  expect_refused(only_alice, "*", "alice-pw");
  auto alice = only_alice.authenticate("alice", "alice-pw");
  ASSERT_TRUE(alice) << alice.error().message;
  EXPECT_TRUE(*alice);
}

TEST_F(LdapDirectoryTest, UsernameWithMetacharactersSignsInAsItself) {
  LdapDirectory directory(options());
  auto got = directory.authenticate("b(o)b*", "odd-pw");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(*got);
  EXPECT_EQ((*got)->dn, "uid=b(o)b*,ou=people,dc=example,dc=org");
  EXPECT_EQ((*got)->email, "odd@example.org");
  // The DN's parentheses and '*' go into the group filter escaped.
  EXPECT_EQ((*got)->groups, (std::vector<std::string>{"contractors", "developers"}));
  expect_refused(directory, "b(o)b", "odd-pw");
  expect_refused(directory, "b(o)*", "odd-pw");
}

TEST_F(LdapDirectoryTest, DnWithABackslashFindsItsGroupsAndMissingMailIsEmpty) {
  LdapDirectory directory(options());
  auto got = directory.authenticate("dana", "dana-pw");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(*got);
  EXPECT_NE((*got)->dn.find('\\'), std::string::npos) << (*got)->dn;
  EXPECT_EQ((*got)->email, "");
  EXPECT_EQ((*got)->groups, (std::vector<std::string>{"contractors"}));
}

TEST_F(LdapDirectoryTest, SeveralMatchingEntriesAreRefused) {
  auto o = options();
  o.user_filter = "(|(uid={username})(objectClass=inetOrgPerson))";
  LdapDirectory directory(o);
  expect_refused(directory, "alice", "alice-pw");
}

TEST_F(LdapDirectoryTest, PlaceholdersAreExpandedEverywhereButOnlyOnce) {
  auto o = options();
  o.user_filter = "(&(uid={username})(|(uid={username})(cn={username})))";
  LdapDirectory directory(o);
  auto got = directory.authenticate("alice", "alice-pw");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
  // A name that looks like a placeholder is just a name.
  expect_refused(directory, "{username}", "alice-pw");
}

TEST_F(LdapDirectoryTest, AnonymousSearch) {
  auto o = options();
  o.bind_dn.clear();
  o.bind_password.clear();
  o.group_base_dn.clear();  // hidden from anonymous here: slapd would answer "No such object"
  LdapDirectory directory(o);
  EXPECT_TRUE(directory.check());
  auto got = directory.authenticate("alice", "alice-pw");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(*got);
  EXPECT_EQ((*got)->email, "alice@example.org");
  expect_refused(directory, "alice", "wrong");
}

TEST_F(LdapDirectoryTest, CheckBindsAsTheServiceAccount) {
  LdapDirectory directory(options());
  auto ok = directory.check();
  EXPECT_TRUE(ok) << ok.error().message;
}

TEST_F(LdapDirectoryTest, WrongServicePasswordIsUnavailableAndNotShown) {
  auto o = options();
  o.bind_password = "not-the-reader-secret";
  LdapDirectory directory(o);
  for (const auto& error : {directory.authenticate("alice", "alice-pw").error(), directory.check().error()}) {
    EXPECT_EQ(error.code, ErrorCode::kUnavailable);
    EXPECT_NE(error.message.find(slapd_->url()), std::string::npos) << error.message;
    EXPECT_NE(error.message.find("service bind"), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find("not-the-reader-secret"), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find("alice-pw"), std::string::npos) << error.message;
  }
}

TEST_F(LdapDirectoryTest, ServiceDnWithoutPasswordIsNotSentAsAnonymous) {
  auto o = options();
  o.bind_password.clear();
  LdapDirectory directory(o);
  auto checked = directory.check();
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().code, ErrorCode::kUnavailable);
  auto got = directory.authenticate("alice", "alice-pw");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
}

TEST_F(LdapDirectoryTest, MissingBaseDnIsAnErrorNotAnUnknownUser) {
  auto o = options();
  o.user_base_dn = "ou=nobody,dc=example,dc=org";
  auto got = LdapDirectory(o).authenticate("alice", "alice-pw");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(got.error().message.find("user search"), std::string::npos) << got.error().message;

  o = options();
  o.group_base_dn = "ou=nogroups,dc=example,dc=org";
  got = LdapDirectory(o).authenticate("alice", "alice-pw");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(got.error().message.find("group search"), std::string::npos) << got.error().message;
}

TEST_F(LdapDirectoryTest, LdapsWithTheDirectorysCa) {
  auto o = options();
  o.url = slapd_->tls_url();
  o.tls_ca_file = slapd_->ca_file();
  LdapDirectory directory(o);
  auto checked = directory.check();
  EXPECT_TRUE(checked) << checked.error().message;
  auto got = directory.authenticate("alice", "alice-pw");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(*got);
  EXPECT_EQ((*got)->groups, (std::vector<std::string>{"admins", "developers"}));
  expect_refused(directory, "alice", "wrong");
}

TEST_F(LdapDirectoryTest, StartTlsWithTheDirectorysCa) {
  auto o = options();
  o.start_tls = true;
  o.tls_ca_file = slapd_->ca_file();
  LdapDirectory directory(o);
  auto got = directory.authenticate("alice", "alice-pw");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got);
}

// Each case fails closed: StartTLS that cannot verify the server never goes on in plain text.
TEST_F(LdapDirectoryTest, UntrustedOrMisnamedCertificateIsAnError) {
  struct Case {
    std::string name;
    std::string url;
    bool start_tls;
    std::string ca_file;
  };
  const std::string localhost_tls = "ldaps://localhost:" + slapd_->tls_url().substr(slapd_->tls_url().rfind(':') + 1);
  const std::string localhost = "ldap://localhost:" + slapd_->url().substr(slapd_->url().rfind(':') + 1);
  for (const Case& c : std::vector<Case>{
           {"ldaps, system CAs", slapd_->tls_url(), false, ""},
           {"StartTLS, system CAs", slapd_->url(), true, ""},
           {"ldaps, name not in the certificate", localhost_tls, false, slapd_->ca_file()},
           {"StartTLS, name not in the certificate", localhost, true, slapd_->ca_file()},
           {"ldaps, CA file missing", slapd_->tls_url(), false, slapd_->ca_file().string() + ".missing"},
       }) {
    SCOPED_TRACE(c.name);
    auto o = options();
    o.url = c.url;
    o.start_tls = c.start_tls;
    o.tls_ca_file = c.ca_file;
    LdapDirectory directory(o);
    auto got = directory.authenticate("alice", "alice-pw");
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(got.error().message.find("TLS"), std::string::npos) << got.error().message;
    EXPECT_FALSE(directory.check());
  }
}

TEST_F(LdapDirectoryTest, ManyThreadsAtOnce) {
  LdapDirectory plain(options());
  auto o = options();
  o.url = slapd_->tls_url();
  o.tls_ca_file = slapd_->ca_file();
  LdapDirectory tls(o);
  std::atomic<int> right{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      LdapDirectory& directory = t % 4 == 0 ? tls : plain;
      for (int i = 0; i < 5; ++i) {
        const bool good = (t + i) % 2 == 0;
        auto got = directory.authenticate(good ? "alice" : "bob", "alice-pw");
        if (got && *got && (*got)->groups == std::vector<std::string>{"admins", "developers"}) ++right;
        if (got && !*got) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(right.load(), 20);
  EXPECT_EQ(wrong.load(), 20);
}

TEST(LdapDirectory, UnreachableServerIsUnavailable) {
  const int port = free_port();
  ASSERT_GT(port, 0);
  LdapOptions o;
  o.url = "ldap://127.0.0.1:" + std::to_string(port);
  o.bind_dn = kReaderDn;
  o.bind_password = kReaderPassword;
  o.user_base_dn = "ou=people,dc=example,dc=org";
  LdapDirectory directory(o);
  auto got = directory.authenticate("alice", "alice-pw");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(got.error().message.find(o.url), std::string::npos) << got.error().message;
  EXPECT_EQ(got.error().message.find(kReaderPassword), std::string::npos) << got.error().message;
  auto checked = directory.check();
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().code, ErrorCode::kUnavailable);
}

TEST(LdapDirectory, MalformedUrlIsUnavailable) {
  LdapOptions o;
  o.url = "http://127.0.0.1:1";
  auto checked = LdapDirectory(o).check();
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().code, ErrorCode::kUnavailable);
}

// A server that accepts the TCP connection (the kernel does, from the backlog) and never
// answers: each step gives up after `timeout`.
TEST(LdapDirectory, SilentServerTimesOut) {
  int port = 0;
  const int fd = loopback_socket(true, &port);
  ASSERT_GE(fd, 0);
  LdapOptions o;
  o.url = "ldap://127.0.0.1:" + std::to_string(port);
  o.bind_dn = kReaderDn;
  o.bind_password = kReaderPassword;
  o.timeout = std::chrono::seconds(1);
  const auto started = std::chrono::steady_clock::now();
  auto checked = LdapDirectory(o).check();
  const auto took = std::chrono::steady_clock::now() - started;
  close(fd);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST(LdapFilterEscape, EscapesTheFiveReservedCharacters) {
  EXPECT_EQ(ldap_filter_escape(""), "");
  EXPECT_EQ(ldap_filter_escape("alice"), "alice");
  EXPECT_EQ(ldap_filter_escape("*"), "\\2a");
  EXPECT_EQ(ldap_filter_escape("("), "\\28");
  EXPECT_EQ(ldap_filter_escape(")"), "\\29");
  EXPECT_EQ(ldap_filter_escape("\\"), "\\5c");
  EXPECT_EQ(ldap_filter_escape(std::string_view("\0", 1)), "\\00");
  // RFC 4515 §4's examples.
  EXPECT_EQ(ldap_filter_escape("Parens R Us (for all your parenthetical needs)"),
            "Parens R Us \\28for all your parenthetical needs\\29");
  EXPECT_EQ(ldap_filter_escape("C:\\MyFile"), "C:\\5cMyFile");
  EXPECT_EQ(ldap_filter_escape(std::string_view("\0\0\0\4", 4)), "\\00\\00\\00\x04");
  // A classic injection stays one literal value.
  EXPECT_EQ(ldap_filter_escape("*)(uid=*))(|(uid=*"), "\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a");
  EXPECT_EQ(ldap_filter_escape(std::string_view("a\0b", 3)), "a\\00b");
  // An already escaped value is escaped again: the function is not idempotent, by design.
  EXPECT_EQ(ldap_filter_escape("\\2a"), "\\5c2a");
}

TEST(LdapFilterEscape, LeavesOtherBytesAlone) {
  EXPECT_EQ(ldap_filter_escape("Lu\xc4\x8di\xc4\x87"), "Lu\xc4\x8di\xc4\x87");  // UTF-8 stays as is
  EXPECT_EQ(ldap_filter_escape("a=b,c&d|e!f~g>h<i{username}"), "a=b,c&d|e!f~g>h<i{username}");
  EXPECT_EQ(ldap_filter_escape("\xff"), "\xff");
}


// Directory users as Pier accounts, against the same slapd.
class LdapAccountsTest : public LdapDirectoryTest {
 protected:
  LdapAccountsTest() : accounts_(meta::open_sqlite_account_store(dir_.path() / "pier.db")), directory_(options()) {
    accounts_->create_organization("acme", 1).value();
    accounts_->create_team("acme", "builders", meta::TeamRole::kCreator).value();
    accounts_->create_team("acme", "admins", meta::TeamRole::kAdmin).value();
  }
  LdapAccounts ldap(std::vector<LdapTeamMapping> mappings = {}) {
    return LdapAccounts(directory_, *accounts_, std::move(mappings));
  }

  testing::TempDir dir_;
  std::unique_ptr<meta::AccountStore> accounts_;
  LdapDirectory directory_;
};

TEST_F(LdapAccountsTest, FirstSignInCreatesADirectoryAccount) {
  auto accounts = ldap();
  auto user = accounts.sign_in("alice", "alice-pw", 5);
  ASSERT_TRUE(user) << user.error().message;
  ASSERT_TRUE(*user);
  EXPECT_EQ((*user)->source, meta::UserSource::kLdap);
  EXPECT_EQ((*user)->email, "alice@example.org");
  EXPECT_TRUE((*user)->password_hash.empty());
  EXPECT_EQ(accounts_->get_user("alice").value().id, (*user)->id);
  // The second sign-in finds the same account.
  EXPECT_EQ(accounts.sign_in("alice", "alice-pw", 6).value()->id, (*user)->id);
  EXPECT_FALSE(accounts.sign_in("alice", "wrong", 7).value());
}

TEST_F(LdapAccountsTest, LocalAccountsAndUnusableNamesAreNotTakenOver) {
  accounts_->create_user(meta::NewUser{"bob", "", hash_password("local").value(), false, meta::UserSource::kLocal}, 1)
      .value();
  auto accounts = ldap();
  EXPECT_FALSE(accounts.sign_in("bob", "bob-pw", 5).value());
  EXPECT_FALSE(accounts.sign_in("b(o)b*", "odd-pw", 5).value());  // valid in the directory, not as a Pier name
  EXPECT_EQ(accounts_->get_user("bob").value().source, meta::UserSource::kLocal);
}

TEST_F(LdapAccountsTest, MappedGroupsBecomeTeamMembershipsBothWays) {
  auto accounts = ldap({{"developers", "acme", "builders"}, {"admins", "acme", "admins"},
                        {"developers", "acme", "missing-team"}});
  ASSERT_TRUE(accounts.sign_in("bob", "bob-pw", 5).value());  // in developers only
  EXPECT_EQ(accounts_->list_team_members("acme", "builders").value(), std::vector<std::string>{"bob"});
  EXPECT_TRUE(accounts_->list_team_members("acme", "admins").value().empty());
  // A member added by hand to a mapped team is removed when the directory says otherwise.
  accounts_->add_team_member("acme", "admins", "bob").value();
  ASSERT_TRUE(accounts.sign_in("bob", "bob-pw", 6).value());
  EXPECT_TRUE(accounts_->list_team_members("acme", "admins").value().empty());
  ASSERT_TRUE(accounts.sign_in("alice", "alice-pw", 7).value());
  EXPECT_EQ(accounts_->list_team_members("acme", "admins").value(), std::vector<std::string>{"alice"});
}

TEST_F(LdapAccountsTest, DisabledDirectoryAccountsMayNotSignIn) {
  auto accounts = ldap();
  ASSERT_TRUE(accounts.sign_in("alice", "alice-pw", 5).value());
  accounts_->set_disabled("alice", true).value();
  EXPECT_FALSE(accounts.sign_in("alice", "alice-pw", 6).value());
}

}  // namespace
}  // namespace pier::auth
