# Included by the top-level CMakeLists.txt when PIER_FUZZ is on, before any library is added:
# every library is compiled with coverage for libFuzzer and with ASan and UBSan, so a defect in
# Pier's own code is seen where it happens. Undefined behaviour aborts instead of being
# reported and forgotten, so libFuzzer records it as a crash.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "PIER_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++")
endif()
add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link,address,undefined>
                    $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=undefined>
                    # clang 14 cannot emit -fsanitize=function's prologue data for coroutines
                    # ("Cannot represent a difference across sections", LLVM bug 49689).
                    $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize=function>
                    $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>)
add_link_options(-fsanitize=address,undefined)
# The build type the fuzz build uses: libFuzzer's usual optimisation, quick to compile and
# still quick to run, and without NDEBUG so that assertions in Pier's code are checked too.
set(CMAKE_CXX_FLAGS_FUZZ "-O1 -gline-tables-only")
