// vuln/layer_stack.h: the files of interest of an image's final filesystem, from the findings
// of its layers stacked as a container runtime stacks them.
#pragma once

#include <vector>

#include "vuln/layer_reader.h"

namespace pier::vuln {

// The files of interest present once every layer is applied over those before it, sorted by
// path: each layer first removes from the layers below what its whiteouts, opaque directories
// and unread replacements remove, then adds its files, a file at a path present below
// replacing it. The pointers point into `layers_in_order` (lowest layer first).
std::vector<const LayerFile*> stacked_files(const std::vector<LayerFindings>& layers_in_order);

}  // namespace pier::vuln
