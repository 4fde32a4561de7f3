# Thin front door: every target installs missing Debian packages first, then drives CMake.
#   make run    build and start `cairn serve` on 127.0.0.1:8080 with ./cairn.db
#   make test   build and run every test (unit, integration, crash)
#   make asan   ASan+UBSan build and the whole test suite under it (line tables only: -g1 builds faster)
#   make bench  build and run the benchmarks (prints figures and ratios)
#   make torture  crash torture: SIGKILL `cairn serve` TORTURE_KILLS times under order load (build-torture)
#   make tsan   ThreadSanitizer build and the whole test suite under it (build-tsan)
#   make fuzz   clang + libFuzzer targets, FUZZ_SECONDS each (build-fuzz)
JOBS ?= $(shell nproc)
BUILD ?= build
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
TORTURE_KILLS ?= 1000
FUZZ_SECONDS ?= 600
TSAN_TARGETS ?= all
TSAN_TESTS ?= .

.PHONY: deps build run test asan bench clean torture tsan fuzz

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/cli/cairn serve --listen 127.0.0.1:8080 --db ./cairn.db

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan: deps
	@$(MAKE) --no-print-directory test BUILD=build-asan CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCAIRN_SANITIZE=address,undefined -DCAIRN_BENCH=OFF"

torture: deps
	@cmake -S . -B build-torture $(CMAKE_FLAGS) >/dev/null
	@cmake --build build-torture -j $(JOBS) --target cairn_torture
	./build-torture/tools/cairn_torture --kills $(TORTURE_KILLS) $(TORTURE_ARGS)

# TSAN_TARGETS / TSAN_TESTS (a ctest regex) narrow it to a subset. -Wno-tsan: GCC 12 warns that
# Asio's atomic_thread_fence is not instrumented (TSan may then miss races through that fence).
tsan: deps
	@cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
	       -DCAIRN_SANITIZE=thread -DCAIRN_BENCH=OFF -DCMAKE_CXX_FLAGS=-Wno-tsan >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target $(TSAN_TARGETS)
	cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest --output-on-failure -j $(JOBS) -R '$(TSAN_TESTS)'

fuzz: deps
	@cmake -S fuzz -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	bash fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

bench: build
	bash bench/run_all.sh $(BUILD)

clean:
	rm -rf build build-asan build-torture build-tsan build-fuzz
