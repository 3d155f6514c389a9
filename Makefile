# Flux: the two commands a newcomer needs are `make run` and `make test`.
SWIFT ?= swift
# Debian packages the build and the tests need (the Swift toolchain itself is expected on PATH).
APT_PACKAGES = libsqlite3-dev libssl-dev libhiredis-dev libmariadb-dev pkg-config python3-aiosmtpd redis-server mariadb-server openssl \
	chromium chromium-driver python3-selenium nodejs
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)
ROLE ?= all

.PHONY: deps build release run test fuzz bench check clean

## Install the missing Debian packages (only those not installed yet).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## Install what is needed, build, and start every role in one process (Ctrl-C stops it).
run: build
	$(SWIFT) run flux --role $(ROLE)

## Run every test: unit, conformance and integration (starts redis-server and MariaDB on loopback
## unless FLUX_TEST_REDIS_URL / FLUX_TEST_MARIADB_URL name running ones).
test: deps
	FLUX_TEST_SMTP_PYTHON=$${FLUX_TEST_SMTP_PYTHON:-/usr/bin/python3} scripts/with-test-servers.sh $(SWIFT) test

## Build the libFuzzer harnesses (Tests/Fuzz) and run each for FUZZ_SECONDS; fails if an input crashes one
## (docs/fuzzing.md). FUZZ_HARNESSES picks some, e.g. make fuzz FUZZ_HARNESSES="FuzzRPC FuzzTextChat".
FUZZ_SECONDS ?= 30
FUZZ_HARNESSES ?=
fuzz: deps
	SWIFT=$(SWIFT) scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

## A short run of every benchmark scenario on a release build (figures in docs/benchmarks.md).
## BENCH_ARGS overrides the sizes, e.g. make bench BENCH_ARGS="relay --pairs 32 --duration 30".
BENCH_ARGS ?= all --duration 5 --warmup 1 --connections 5000 --login-concurrency 4
bench: release
	.build/release/flux bench $(BENCH_ARGS)

## Validate the configuration without starting.
check: build
	$(SWIFT) run flux --role $(ROLE) --check

clean:
	rm -rf .build .build-fuzz flux-data
