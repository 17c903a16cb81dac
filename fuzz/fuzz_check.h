// fuzz/fuzz_check.h: property checks for the fuzz targets.
//
// assert() is compiled out in the optimised builds the fuzzers run in, and a failed property
// must end the run the way libFuzzer records a crash (abort, with the input saved).
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                    \
  do {                                                                                           \
    if (!(condition)) {                                                                          \
      std::fprintf(stderr, "%s:%d: property does not hold: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (false)
