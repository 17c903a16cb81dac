// tests/script_server.h: a server that a script in tests/ starts and stops (postgres.sh,
// s3.sh), shared by the tests of one run.
#pragma once

#include <filesystem>
#include <string>

namespace pier::testing {

class ScriptServer {
 public:
  // The folder named by the variable `folder_variable` when ctest started the server for
  // every test process; or else a server of this process's own, started now with
  // `script start DIR` and stopped with `script stop DIR` when the process exits (or soon
  // after, should it die). Throws if it does not start.
  ScriptServer(const std::string& script, const char* folder_variable, const std::string& name);
  ~ScriptServer();
  ScriptServer(const ScriptServer&) = delete;
  ScriptServer& operator=(const ScriptServer&) = delete;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::string script_;
  std::filesystem::path dir_;
  bool owned_ = false;
};

}  // namespace pier::testing
