# Pier: `make run` serves a registry on :5000, `make test` runs every test.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
PIER := $(BUILD_DIR)/pier
PYTEST ?= /usr/bin/python3 -m pytest
# ccache keys on paths relative to the checkout, so every clone of it shares one cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: all deps test-deps ui build run test unit-test integration-test browser-test bench fuzz-deps fuzz fuzz-smoke \
  sanitize-test clean

all: build

deps:
	@scripts/install-deps.sh build

test-deps: tests/s3/node_modules/.package-lock.json
	@scripts/install-deps.sh test

# The S3 server the tests start (npm's s3rver).
tests/s3/node_modules/.package-lock.json: tests/s3/package-lock.json
	cd tests/s3 && npm ci --no-audit --no-fund

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache

# The web UI (ui/dist, embedded in the binary). npm ci only when the lock file changed.
UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/package.json ui/tsconfig.json ui/vite.config.ts

ui: ui/dist/index.html

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund

ui/dist/index.html: ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npm run build

build: deps ui $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR)

run: build
	$(PIER) serve --listen :5000 --data-dir ./var

unit-test: build test-deps
	cd $(BUILD_DIR) && ctest --output-on-failure

integration-test: build test-deps
	PIER_BINARY=$(abspath $(PIER)) $(PYTEST) -q -p no:cacheprovider tests/integration

browser-test: build test-deps
	cd ui && npm test
	PIER_BINARY=$(abspath $(PIER)) $(PYTEST) -q -p no:cacheprovider tests/browser

test: build test-deps unit-test integration-test browser-test

bench: build tests/s3/node_modules/.package-lock.json
	@scripts/install-deps.sh bench
	bench/run.sh

# libFuzzer targets (fuzz/) built with clang, ASan and UBSan in a build folder of their own;
# each runs FUZZ_SECONDS on a copy of its seeds, and any crash fails the run.
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60

fuzz-deps:
	@scripts/install-deps.sh fuzz

$(FUZZ_BUILD_DIR)/build.ninja: | fuzz-deps
	cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Fuzz -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DPIER_FUZZ=ON

fuzz: fuzz-deps $(FUZZ_BUILD_DIR)/build.ninja
	cmake --build $(FUZZ_BUILD_DIR) --target pier_fuzzers
	BUILD_DIR=$(FUZZ_BUILD_DIR) FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=10

# The unit and integration tests against a build with AddressSanitizer and
# UndefinedBehaviorSanitizer, and the unit tests of the concurrent parts with ThreadSanitizer.
ASAN_BUILD_DIR ?= build-asan
TSAN_BUILD_DIR ?= build-tsan
SANITIZER_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

$(ASAN_BUILD_DIR)/build.ninja:
	cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DPIER_SANITIZE=address,undefined \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache

$(TSAN_BUILD_DIR)/build.ninja:
	cmake -S . -B $(TSAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DPIER_SANITIZE=thread \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache

sanitize-test: deps ui test-deps $(ASAN_BUILD_DIR)/build.ninja $(TSAN_BUILD_DIR)/build.ninja
	cmake --build $(ASAN_BUILD_DIR)
	$(SANITIZER_ENV) $(ASAN_BUILD_DIR)/tests/pier_unit_tests --gtest_brief=1
	$(SANITIZER_ENV) PIER_BINARY=$(abspath $(ASAN_BUILD_DIR)/pier) $(PYTEST) -q -p no:cacheprovider tests/integration
	cmake --build $(TSAN_BUILD_DIR) --target pier_concurrency_tests
	$(SANITIZER_ENV) $(TSAN_BUILD_DIR)/tests/pier_concurrency_tests --gtest_brief=1

clean:
	rm -rf $(BUILD_DIR)
