#include "client/config_file.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace pier::client {

namespace fs = std::filesystem;

namespace {

constexpr mode_t kFileMode = 0600;
constexpr mode_t kFolderMode = 0700;

Error file_error(const fs::path& path, std::string_view problem) {
  return make_error(ErrorCode::kBadRequest, "config file " + path.string() + ": " + std::string(problem));
}

Error system_error(const fs::path& path, std::string_view doing) {
  return file_error(path, std::string(doing) + ": " + std::strerror(errno));
}

// The folder, made 0700 if it is new; folders above it are made as usual.
Result<void> make_folder(const fs::path& folder) {
  std::error_code ec;
  if (fs::is_directory(folder, ec)) return {};
  if (!folder.parent_path().empty()) fs::create_directories(folder.parent_path(), ec);
  if (ec) return file_error(folder, "cannot create the folder: " + ec.message());
  if (::mkdir(folder.c_str(), kFolderMode) != 0 && errno != EEXIST) return system_error(folder, "cannot create the folder");
  return {};
}

Result<void> write_all(int fd, const std::string& text, const fs::path& path) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return system_error(path, "cannot write");
    written += static_cast<std::size_t>(n);
  }
  return {};
}

// The key's value when it is there; YAML::TypedBadConversion when it is not a T.
template <class T>
void read_key(const YAML::Node& root, const char* key, T& out) {
  if (const YAML::Node value = root[key]) out = value.as<T>();
}

std::string to_yaml(const ClientConfig& config) {
  YAML::Emitter out;
  out << YAML::Comment("written by pier login; holds an API token, keep it private");
  out << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << config.server;
  out << YAML::Key << "user" << YAML::Value << config.user;
  out << YAML::Key << "token" << YAML::Value << config.token;
  out << YAML::Key << "token_id" << YAML::Value << config.token_id;
  if (!config.ca_file.empty()) out << YAML::Key << "ca_file" << YAML::Value << config.ca_file;
  if (config.insecure_skip_tls_verify) out << YAML::Key << "insecure_skip_tls_verify" << YAML::Value << true;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace

fs::path config_path(const char* xdg_config_home, const char* home) {
  if (xdg_config_home != nullptr && *xdg_config_home == '/') return fs::path(xdg_config_home) / "pier" / "config.yaml";
  return fs::path(home != nullptr ? home : "") / ".config" / "pier" / "config.yaml";
}

fs::path default_config_path() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    const passwd* entry = ::getpwuid(::getuid());
    home = entry != nullptr ? entry->pw_dir : nullptr;
  }
  return config_path(std::getenv("XDG_CONFIG_HOME"), home);
}

Result<std::optional<ClientConfig>> read_config(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<ClientConfig>();
  try {
    const YAML::Node root = YAML::LoadFile(path.string());
    if (!root.IsMap()) return file_error(path, "not a YAML mapping");
    ClientConfig config;
    read_key(root, "server", config.server);
    read_key(root, "user", config.user);
    read_key(root, "token", config.token);
    read_key(root, "token_id", config.token_id);
    read_key(root, "ca_file", config.ca_file);
    read_key(root, "insecure_skip_tls_verify", config.insecure_skip_tls_verify);
    if (config.server.empty() || config.token.empty()) return file_error(path, "server and token are required");
    return std::optional<ClientConfig>(std::move(config));
  } catch (const YAML::Exception& e) {
    return file_error(path, e.what());
  }
}

Result<void> write_config(const fs::path& path, const ClientConfig& config) {
  if (auto made = make_folder(path.parent_path()); !made) return made;
  const fs::path temporary = path.string() + ".tmp";
  if (::unlink(temporary.c_str()) != 0 && errno != ENOENT) return system_error(temporary, "cannot remove");
  // O_EXCL: a file (or link) someone else made in between is never written through.
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
  if (fd < 0) return system_error(temporary, "cannot create");
  Result<void> done = write_all(fd, to_yaml(config), temporary);
  if (done && ::fchmod(fd, kFileMode) != 0) done = system_error(temporary, "cannot set its mode");
  if (done && ::fsync(fd) != 0) done = system_error(temporary, "cannot sync");
  if (::close(fd) != 0 && done) done = system_error(temporary, "cannot close");
  if (done && ::rename(temporary.c_str(), path.c_str()) != 0) done = system_error(path, "cannot replace");
  if (!done) ::unlink(temporary.c_str());
  return done;
}

Result<void> remove_config(const fs::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return system_error(path, "cannot remove");
  return {};
}

}  // namespace pier::client
