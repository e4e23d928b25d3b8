# lead_router — PGXS build of the extension (C++17) and its tests.
#
#   make                 build lead_router.so
#   make install         install library, control file and SQL scripts
#   make unit-test       Catch2 tests of the pure C++ core (no server)
#   make unit-test-sanitized  the same Catch2 tests under ASan + UBSan (g++)
#   make fuzz            build the libFuzzer targets (clang); test/fuzz/run_fuzzers.sh runs them
#   make integration-test  build the libpq integration tests (run_integration_tests.sh runs them)
#   make installcheck    pg_regress + isolation tests on a throw-away server
#   make test            every suite, as CI runs them (test/run_all.sh)
#   make demo            the README demo on a throw-away server (test/demo.sh)
#   make bench           the benchmark (bench/)

EXTENSION  = lead_router
MODULE_big = lead_router
PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config

CORE_SRCS = $(wildcard extension/core/*.cpp)
PG_SRCS   = $(wildcard extension/pg/*.cpp) $(wildcard extension/functions/*.cpp) $(wildcard worker/*.cpp)
OBJS      = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)

DATA = $(wildcard extension/$(EXTENSION)--*.sql)

PG_CPPFLAGS = -I$(CURDIR)/extension -I$(CURDIR)
PG_CXXFLAGS = -std=c++17 -Wextra -Wno-missing-field-initializers -fvisibility-inlines-hidden
SHLIB_LINK  = -lstdc++ -lcrypto

# The LLVM JIT bitcode step buys nothing for this extension and slows every build.
override with_llvm = no

# pg_regress: one file per feature in sql/, expected output in expected/.
REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --temp-instance=$(CURDIR)/tmp_check --temp-config=$(CURDIR)/test/temp_instance.conf
# Isolation specs live in test/isolation/specs, expected output in test/isolation/expected.
ISOLATION      = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=$(CURDIR)/test/isolation --outputdir=$(CURDIR)/test/isolation/output \
                 --temp-instance=$(CURDIR)/tmp_check_iso --temp-config=$(CURDIR)/test/temp_instance.conf

EXTRA_CLEAN = tmp_check tmp_check_iso test/isolation/output results regression.diffs regression.out \
              test/unit/run_unit_tests test/unit/*.o .deps

# Debian's PGXS tracks no header dependencies: rebuild every object when any header changes.
$(OBJS): $(wildcard extension/*/*.h worker/*.h)

# The control file lives in extension/; PGXS expects it at the top.
extension_control = extension/$(EXTENSION).control

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS installs $(EXTENSION).control from the top directory; ours is in extension/.
$(EXTENSION).control: $(extension_control)
	cp $< $@
EXTRA_CLEAN += $(EXTENSION).control

# ---- Catch2 unit tests of the pure core (no PostgreSQL headers involved) ----
UNIT_SRCS = $(wildcard test/unit/*.cpp)
UNIT_OBJS = $(UNIT_SRCS:.cpp=.o)
UNIT_CXXFLAGS = -std=c++17 -O1 -g -Wall -Wextra -I$(CURDIR)/extension $(UNIT_EXTRA_FLAGS)

test/unit/%.o: test/unit/%.cpp $(wildcard extension/core/*.h) $(wildcard test/unit/*.h)
	$(CXX) $(UNIT_CXXFLAGS) -c -o $@ $<

test/unit/run_unit_tests: $(UNIT_OBJS) $(CORE_SRCS) $(wildcard extension/core/*.h)
	$(CXX) $(UNIT_CXXFLAGS) -o $@ $(UNIT_OBJS) $(CORE_SRCS) -lCatch2WithMain -lcrypto

.PHONY: unit-test test demo bench
unit-test: test/unit/run_unit_tests
	test/unit/run_unit_tests

# ---- The same Catch2 suite under AddressSanitizer and UndefinedBehaviorSanitizer ----
# Own objects (test/unit/sanitized/) and binary, so the plain build is untouched.
# rule_matching_test.cpp replaces operator new/delete with malloc/free to count allocations;
# ASan intercepts malloc/free underneath, so it still checks every block.
SAN_CXX ?= g++
SAN_CXXFLAGS = -std=c++17 -O1 -g -Wall -Wextra -I$(CURDIR)/extension -fno-omit-frame-pointer \
               -fsanitize=address,undefined -fno-sanitize-recover=undefined
SAN_OPTIONS = ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1 \
              UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
SAN_UNIT_OBJS = $(patsubst test/unit/%.cpp,test/unit/sanitized/%.o,$(UNIT_SRCS)) \
                $(patsubst extension/core/%.cpp,test/unit/sanitized/core_%.o,$(CORE_SRCS))

test/unit/sanitized/%.o: test/unit/%.cpp $(wildcard extension/core/*.h) $(wildcard test/unit/*.h)
	@mkdir -p $(@D)
	$(SAN_CXX) $(SAN_CXXFLAGS) -c -o $@ $<

test/unit/sanitized/core_%.o: extension/core/%.cpp $(wildcard extension/core/*.h)
	@mkdir -p $(@D)
	$(SAN_CXX) $(SAN_CXXFLAGS) -c -o $@ $<

test/unit/run_unit_tests_sanitized: $(SAN_UNIT_OBJS)
	$(SAN_CXX) $(SAN_CXXFLAGS) -o $@ $(SAN_UNIT_OBJS) -lCatch2WithMain -lcrypto

.PHONY: unit-test-sanitized
unit-test-sanitized: test/unit/run_unit_tests_sanitized
	$(SAN_OPTIONS) test/unit/run_unit_tests_sanitized
EXTRA_CLEAN += test/unit/run_unit_tests_sanitized test/unit/sanitized

# ---- libFuzzer targets of the pure core: test/fuzz/fuzz_<name>.cpp -> test/fuzz/fuzz_<name> ----
# Clang only (-fsanitize=fuzzer); test/fuzz/run_fuzzers.sh builds and runs them.
FUZZ_CXX ?= clang++
FUZZ_CXXFLAGS = -std=c++17 -O1 -g -Wall -Wextra -I$(CURDIR)/extension \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS = $(patsubst %.cpp,%,$(wildcard test/fuzz/fuzz_*.cpp))

test/fuzz/fuzz_%: test/fuzz/fuzz_%.cpp $(CORE_SRCS) $(wildcard extension/core/*.h) test/unit/rule_reference.h
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -o $@ $< $(CORE_SRCS) -lcrypto

.PHONY: fuzz
fuzz: $(FUZZ_TARGETS)
EXTRA_CLEAN += $(FUZZ_TARGETS)

# ---- libpq integration tests: the client side, against a running server ----
# `make integration-test` only builds the binary; test/integration/run_integration_tests.sh
# builds it, starts a throw-away server and runs it there.
INTEGRATION_SRCS = $(wildcard test/integration/*.cpp)
INTEGRATION_CXXFLAGS = -std=c++17 -O2 -Wall -Wextra -I$(shell $(PG_CONFIG) --includedir) \
                       $(INTEGRATION_EXTRA_FLAGS)

test/integration/run_integration_tests: $(INTEGRATION_SRCS) $(wildcard test/integration/*.h)
	$(CXX) $(INTEGRATION_CXXFLAGS) -o $@ $(INTEGRATION_SRCS) -lCatch2WithMain -lpq -lpthread

.PHONY: integration-test
integration-test: test/integration/run_integration_tests
EXTRA_CLEAN += test/integration/run_integration_tests

test:
	bash test/run_all.sh

demo:
	bash test/demo.sh

bench:
	bash bench/run_bench.sh $(BENCH_ARGS)

# ---- The benchmark driver (bench/driver): a libpq client; the seed-flow comparator evaluates
# rules in the client with the core's own JSON reader, so json.cpp and utf8.cpp are linked in.
BENCH_SRCS = $(wildcard bench/driver/*.cpp) extension/core/json.cpp extension/core/utf8.cpp
BENCH_CXXFLAGS = -std=c++17 -O2 -Wall -Wextra -I$(CURDIR)/extension \
                 -I$(CURDIR)/test/integration -I$(shell $(PG_CONFIG) --includedir)

bench/driver/lead_router_bench: $(BENCH_SRCS) $(wildcard bench/driver/*.h) $(wildcard extension/core/*.h) \
                                test/integration/pg_connection.h
	$(CXX) $(BENCH_CXXFLAGS) -o $@ $(BENCH_SRCS) -lpq -lpthread

.PHONY: bench-driver
bench-driver: bench/driver/lead_router_bench
EXTRA_CLEAN += bench/driver/lead_router_bench

# The server suites separately, so that test/run_all.sh can count each.  The TAP tests
# (PostgreSQL::Test::Cluster) live in test/t/.
.PHONY: regresscheck isolationcheck tapcheck
PROVE_TESTS = test/t/*.pl
PROVE_FLAGS = --verbose
tapcheck:
	$(prove_installcheck)

regresscheck:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)

isolationcheck:
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION)
