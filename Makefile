# hydra: `make demo` installs, builds and runs the flow on the embedded default; `make test` runs every test.
SWIFT ?= swift
BUILD_FLAGS ?=
PREFIX ?= /usr/local
DEMO_HOME ?= $(CURDIR)/.build/demo-home
LARGE_BLOB_GIB ?= 10
# Release builds (make bench, make install-bin) link the Swift runtime and Foundation statically: a hydra command
# then starts 3-4 ms sooner (fewer libraries to load and bind), a tenth of a small pull's time.
RELEASE_FLAGS ?= -c release --static-swift-stdlib

.PHONY: all install build test demo bench fuzz clean

all: build

## install: the Debian packages hydra builds and tests with (idempotent).
install:
	scripts/install-deps.sh

## build: a debug build of every module and the hydra CLI.
build: install
	$(SWIFT) build $(BUILD_FLAGS)

## test: every test suite (unit, interop with umoci/skopeo/gzip/GNU tar, CLI end to end, replicas on PostgreSQL and
## Ceph RGW), then the registry's suites again with hydra serve on PostgreSQL (a private server on loopback,
## scripts/postgres.sh) and files, and on PostgreSQL and S3 (a single-node Ceph RADOS Gateway, scripts/ceph-rgw.sh).
test: build
	$(SWIFT) test $(BUILD_FLAGS)
	HYDRA_TEST_METADATA=postgres $(SWIFT) test $(BUILD_FLAGS) --skip-build --filter HydraRegistryServerTests
	HYDRA_TEST_METADATA=postgres HYDRA_TEST_STORAGE=s3 $(SWIFT) test $(BUILD_FLAGS) --skip-build --filter HydraRegistryServerTests

## demo: import a busybox root file system into a fresh local store, inspect, save and reload it.
demo: build
	scripts/demo.sh $(DEMO_HOME)

## bench: side-by-side benchmarks (release build): core codecs against openssl, gzip, pigz and GNU tar; the
## registry against the reference registry and nginx (and 200 concurrent uploads); the registry client against skopeo and curl; hydra build
## against buildah; hydra scan against the gzip -dc floor and the advisory import; key generate, sign and verify against
## cosign; hydra deploy and admission review latency; the registry on PostgreSQL + Ceph RGW, one replica and two behind a
## proxy, against the reference registry's S3 driver on the same RGW; authorization's cost on manifest GET and the REST
## API's repository list at 10,000 repositories / 100,000 artifacts. Results and ratios: Docs/benchmarks.md.
bench:
	scripts/install-deps.sh --bench
	HYDRA_BENCHMARKS=1 $(SWIFT) build $(RELEASE_FLAGS) --product HydraBench
	HYDRA_BENCHMARKS=1 $(SWIFT) build $(RELEASE_FLAGS) --product hydra
	HYDRA_BENCHMARKS=1 scripts/bench.sh "$$(HYDRA_BENCHMARKS=1 $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/HydraBench"
	scripts/bench-registry.sh "$$(HYDRA_BENCHMARKS=1 $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/hydra"
	scripts/bench-uploads.sh "$$(HYDRA_BENCHMARKS=1 $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/hydra"
	scripts/bench-client.sh "$$(HYDRA_BENCHMARKS=1 $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/hydra"
	scripts/bench-build.sh "$$(HYDRA_BENCHMARKS=1 $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/hydra"
	scripts/bench-scan.sh "$$(HYDRA_BENCHMARKS=1 $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/hydra"
	scripts/bench-sign.sh "$$(HYDRA_BENCHMARKS=1 $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/hydra"
	scripts/bench-deploy.sh "$$(HYDRA_BENCHMARKS=1 $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/hydra"
	scripts/bench-large-blob.sh "$$(HYDRA_BENCHMARKS=1 $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/hydra" $(LARGE_BLOB_GIB)
	scripts/bench-scaleout.sh "$$(HYDRA_BENCHMARKS=1 $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/hydra"
	scripts/bench-api.sh "$$(HYDRA_BENCHMARKS=1 $(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/hydra"

## fuzz: libFuzzer with AddressSanitizer on the Dockerfile parser, image archive loading, the advisory importers,
## manifest/index/config decoding and the registry's YAML config, FUZZ_SECONDS each (seed corpus: Fuzz/Corpus).
FUZZ_SECONDS ?= 60
fuzz: install
	scripts/fuzz.sh $(FUZZ_SECONDS)

## install-bin: copy a release build of hydra to $(PREFIX)/bin.
install-bin:
	$(SWIFT) build $(RELEASE_FLAGS) --product hydra
	install -m 0755 "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/hydra" $(PREFIX)/bin/hydra

clean:
	rm -rf .build
