// http/body_buffers.h: the large buffers request bodies are received into, kept for reuse.
//
// A large upload is received in chunks of kSize: fewer hand-overs to the core that hashes,
// each of which may wake it from sleep, and fewer reads. A buffer this large would be a
// fresh mapping from malloc every time, and memory written for the first time costs two to
// three times as much in a virtual machine; so the process keeps a few and reuses them.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace pier::http {

class BodyBuffers {
 public:
  static constexpr std::size_t kSize = 4 << 20;

  // Keeps at most `keep` buffers that are not in use.
  explicit BodyBuffers(std::size_t keep) : keep_(keep) {}
  BodyBuffers(const BodyBuffers&) = delete;
  BodyBuffers& operator=(const BodyBuffers&) = delete;

  // A buffer of kSize bytes, reused when one is free; its content is whatever it last held.
  std::unique_ptr<char[]> take();
  // Returns a buffer from take(); it is freed if enough are kept already.
  void give_back(std::unique_ptr<char[]> buffer);
  std::size_t kept() const;

 private:
  const std::size_t keep_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<char[]>> free_;
};

}  // namespace pier::http
