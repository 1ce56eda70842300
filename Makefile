# Quick start: `make run` (set-up, build, main job) and `make test` (set-up, build, every test).
BUILD_DIR      ?= build
ASAN_BUILD_DIR ?= build-asan
JOBS           ?= $(shell nproc)

# Debian 12 packages the project builds and tests with.
DEB_PACKAGES = build-essential cmake pkg-config libgmp-dev libmpfr-dev libmpfi-dev \
  libboost-dev libflint-dev libflint-arb-dev librapidcheck-dev catch2 libfftw3-dev \
  nlohmann-json3-dev clang-14 libclang-rt-14-dev python3 python3-numpy python3-dev pybind11-dev libssl-dev \
  libopenblas-dev

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS   ?= 60

.PHONY: deps build build-asan run test test-release test-asan fuzz clean

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	else echo "deps: all Debian packages present"; fi

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD_DIR) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROPECERT_SANITIZE=ON
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/ropecert audit

test-release: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

test-asan: build-asan
	ctest --test-dir $(ASAN_BUILD_DIR) --output-on-failure -j $(JOBS)

test: test-release test-asan

# libFuzzer (clang-14) on the file readers, FUZZ_SECONDS per target; new inputs go to build-fuzz/.
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROPECERT_SANITIZE=ON -DROPECERT_FUZZ=ON -DBUILD_TESTING=OFF
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzz_npy_reader fuzz_case_json
	for t in npy_reader:npy case_json:case_json; do \
	  mkdir -p $(FUZZ_BUILD_DIR)/corpus-$${t#*:} && \
	  ./$(FUZZ_BUILD_DIR)/fuzz_$${t%:*} -max_total_time=$(FUZZ_SECONDS) $(FUZZ_BUILD_DIR)/corpus-$${t#*:} fuzz/corpus/$${t#*:} || exit 1; \
	done

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(FUZZ_BUILD_DIR)
