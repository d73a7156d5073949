// Fuzz entry-point naming: LLVMFuzzerTestOneInput under libFuzzer, a distinct name per harness in the smoke test.
#pragma once

#include <cstddef>
#include <cstdint>

#ifndef RIVET_FUZZ_ENTRY
#define RIVET_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int RIVET_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size);
