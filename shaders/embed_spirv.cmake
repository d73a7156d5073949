# Build-time script: turns one SPIR-V file (SPV) into a C++ source (OUT) defining <SYMBOL>_words / _word_count.
file(READ ${SPV} hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR remainder "${hex_length} % 8")
if(hex_length EQUAL 0 OR NOT remainder EQUAL 0)
  message(FATAL_ERROR "${SPV}: not a SPIR-V module (size is not a multiple of 4 bytes); rebuild the shaders")
endif()
math(EXPR word_count "${hex_length} / 8")
# SPIR-V words are little-endian: bytes b0 b1 b2 b3 become 0xb3b2b1b0.
string(REGEX REPLACE "(..)(..)(..)(..)" "0x\\4\\3\\2\\1u," words "${hex}")
string(REGEX REPLACE "(0x[0-9a-f]+u,0x[0-9a-f]+u,0x[0-9a-f]+u,0x[0-9a-f]+u,0x[0-9a-f]+u,0x[0-9a-f]+u,0x[0-9a-f]+u,0x[0-9a-f]+u,)" "\\1\n" words "${words}")
file(WRITE ${OUT} "// Generated from ${NAME} by shaders/embed_spirv.cmake; do not edit.\n#include <cstddef>\n#include <cstdint>\n"
                  "extern const std::uint32_t ${SYMBOL}_words[] = {\n${words}};\n"
                  "extern const std::size_t ${SYMBOL}_word_count = ${word_count};\n")
