// Access to the SPIR-V of shaders/*.vert|*.frag, compiled by glslc at build time and embedded in the binary.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace rivet::shaders {

// Words of the compiled shader whose source file is `name` (e.g. "model.vert"); empty when there is none.
std::span<const std::uint32_t> spirv(std::string_view name);

}  // namespace rivet::shaders
