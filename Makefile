# Thin front door: every target installs missing Debian packages first, then drives CMake.
#   make run    build and start `cairn serve` on 127.0.0.1:8080 with ./cairn.db
#   make test   build and run every test (unit, integration, crash)
#   make asan   ASan+UBSan build and the whole test suite under it
#   make bench  build and run the benchmarks (prints figures and ratios)
JOBS ?= $(shell nproc)
BUILD ?= build
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: deps build run test asan bench clean

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
	@$(MAKE) --no-print-directory test BUILD=build-asan CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DCAIRN_SANITIZE=address,undefined"

bench: build
	bash bench/run_all.sh $(BUILD)

clean:
	rm -rf build build-asan
