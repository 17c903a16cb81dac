// ui/embedded_files.h: the table of the UI build compiled into the binary (embedded_assets.cc,
// generated from ui/dist by CMakeLists.txt).
#pragma once

#include <span>
#include <string_view>

namespace pier::ui {

struct EmbeddedFile {
  std::string_view path;  // "/index.html"
  const char* begin;
  const char* end;
};

// Sorted by path.
std::span<const EmbeddedFile> embedded_files();

}  // namespace pier::ui
