# lead_router: the PGXS build of the extension, and its regression, isolation and TAP suites.
#
#   make                 build lead_router.so
#   make install         install the library, the control file and the SQL scripts
#   make installcheck    pg_regress and isolation tests on a throw-away server
#   make test            every suite, as CI runs them (test/run_all.sh)
#   make demo            the README demo on a throw-away server (test/demo.sh)
#   make bench           the benchmark (bench/run_bench.sh)
#
# The Catch2, sanitizer, fuzzer and libpq client builds live in test/Makefile, the benchmark
# driver in bench/Makefile.

# lead_router_seed_compat: the original design's seven functions over lead_router (SQL only).
EXTENSION  = lead_router lead_router_seed_compat
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" extension/lead_router.control)
MODULE_big = lead_router

OBJS = \
	extension/core/accepting_hours.o \
	extension/core/arrival_pacing.o \
	extension/core/capacity_window.o \
	extension/core/dedupe_hash.o \
	extension/core/destination_rules.o \
	extension/core/distribution.o \
	extension/core/health_verdict.o \
	extension/core/identity_normalizer.o \
	extension/core/json_document.o \
	extension/core/latency_histogram.o \
	extension/core/lead_columns.o \
	extension/core/lead_state_machine.o \
	extension/core/queue_head.o \
	extension/core/retry_backoff.o \
	extension/core/routing_decision.o \
	extension/core/rule_compiler.o \
	extension/core/rule_matcher.o \
	extension/core/text_compare.o \
	extension/core/unicode_text.o \
	extension/core/weighted_pick.o \
	extension/core/zone_clock.o \
	extension/pg/access_control.o \
	extension/pg/arrival_wakeup.o \
	extension/pg/boundary.o \
	extension/pg/cache_generation.o \
	extension/pg/datum_convert.o \
	extension/pg/destinations.o \
	extension/pg/distribution_memory.o \
	extension/pg/distribution_state.o \
	extension/pg/event_horizon.o \
	extension/pg/history_pruning.o \
	extension/pg/identity_owners.o \
	extension/pg/identity_keys.o \
	extension/pg/jsonb_document.o \
	extension/pg/lead_attnums.o \
	extension/pg/lead_fields.o \
	extension/pg/lead_index.o \
	extension/pg/lead_moves.o \
	extension/pg/lead_redrive.o \
	extension/pg/lead_transitions.o \
	extension/pg/maintenance_jobs.o \
	extension/pg/module.o \
	extension/pg/partner_cache.o \
	extension/pg/retry_queue.o \
	extension/pg/route_batch.o \
	extension/pg/route_distribution.o \
	extension/pg/route_flow.o \
	extension/pg/routing_counters.o \
	extension/pg/routing_health.o \
	extension/pg/rule_cache.o \
	extension/pg/settings.o \
	extension/pg/spi_statement.o \
	extension/pg/workspace_cache.o \
	extension/pg/worker_status.o \
	extension/functions/dedupe_functions.o \
	extension/functions/distribution_functions.o \
	extension/functions/distribution_triggers.o \
	extension/functions/event_functions.o \
	extension/functions/expiry_functions.o \
	extension/functions/health_functions.o \
	extension/functions/identity_functions.o \
	extension/functions/lead_triggers.o \
	extension/functions/lock_functions.o \
	extension/functions/maintenance_functions.o \
	extension/functions/redrive_functions.o \
	extension/functions/retry_functions.o \
	extension/functions/routing_functions.o \
	extension/functions/rule_triggers.o \
	extension/functions/security_functions.o \
	extension/functions/workspace_triggers.o \
	worker/retry_worker.o

DATA = $(wildcard extension/lead_router--*.sql extension/lead_router_seed_compat--*.sql)

PG_CONFIG ?= pg_config

# The library knows the SQL version it was built for (the worker compares it with the
# installed one).  -MMD: every object depends on the headers it really includes.
# libphonenumber's metadata decides what parses: its package version is part of the identity
# version stored with every lead's keys.
PHONENUMBER_VERSION = $(shell dpkg-query -W -f='$${Version}' libphonenumber-dev 2>/dev/null || echo unknown)
PG_CPPFLAGS = -I$(CURDIR)/extension -I$(CURDIR) -DLEAD_ROUTER_VERSION='"$(EXTVERSION)"' \
              -DLEAD_ROUTER_PHONENUMBER_VERSION='"$(PHONENUMBER_VERSION)"'
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror -Wno-missing-field-initializers \
              -fvisibility-inlines-hidden -MMD -MP
SHLIB_LINK  = -lstdc++ -lcrypto -lphonenumber -licui18n -licuuc

# The LLVM JIT bitcode step buys nothing for this extension and slows every build.
override with_llvm = no

# pg_regress: one file per feature in sql/, expected output in expected/.
REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --temp-instance=$(CURDIR)/tmp_check --temp-config=$(CURDIR)/test/temp_instance.conf
# Isolation specs in test/isolation/specs, expected output in test/isolation/expected.
# The *_row_locks specs are of a server that does not preload the library, where pools and
# caps are rows locked by the routing (isolationcheck-unloaded).
ISOLATION_ALL  = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_UNLOADED = $(filter %_row_locks,$(ISOLATION_ALL))
ISOLATION      = $(filter-out %_row_locks,$(ISOLATION_ALL))
ISOLATION_OPTS = --inputdir=$(CURDIR)/test/isolation --outputdir=$(CURDIR)/test/isolation/output \
                 --temp-instance=$(CURDIR)/tmp_check_iso --temp-config=$(CURDIR)/test/temp_instance.conf

EXTRA_CLEAN = $(addsuffix .control,$(EXTENSION)) $(OBJS:.o=.d) tmp_check tmp_check_iso tmp_check_unloaded \
              tmp_check_iso_unloaded test/isolation/output test/isolation/output_unloaded results regression.diffs regression.out

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PostgreSQL's headers as system headers: their warnings are not ours to fix.
override CPPFLAGS := $(patsubst -I$(includedir_server),-isystem $(includedir_server),$(CPPFLAGS))

-include $(OBJS:.o=.d)

# PGXS installs each control file from the top directory; ours are in extension/.
%.control: extension/%.control
	cp $< $@

# The suites one by one, so that test/run_all.sh can count each.
.PHONY: regresscheck regresscheck-unloaded isolationcheck isolationcheck-unloaded tapcheck test demo bench
regresscheck:
	$(pg_regress_installcheck) $(REGRESS_OPTS) $(REGRESS)

# The same regression tests on a server that does not preload the library.
regresscheck-unloaded:
	$(pg_regress_installcheck) --temp-instance=$(CURDIR)/tmp_check_unloaded \
	    --temp-config=$(CURDIR)/test/temp_instance_unloaded.conf $(REGRESS)

isolationcheck:
	$(pg_isolation_regress_installcheck) $(ISOLATION_OPTS) $(ISOLATION)

isolationcheck-unloaded:
	$(pg_isolation_regress_installcheck) --inputdir=$(CURDIR)/test/isolation \
	    --outputdir=$(CURDIR)/test/isolation/output_unloaded --temp-instance=$(CURDIR)/tmp_check_iso_unloaded \
	    --temp-config=$(CURDIR)/test/temp_instance_unloaded.conf $(ISOLATION_UNLOADED)

# TAP tests (PostgreSQL::Test::Cluster), numbered by subject in test/t/.
PROVE_TESTS = test/t/*.pl
PROVE_FLAGS = --verbose
tapcheck:
	$(prove_installcheck)

test:
	bash test/run_all.sh

demo:
	bash test/demo.sh

bench:
	bash bench/run_bench.sh $(BENCH_ARGS)

clean: clean-subdirs
.PHONY: clean-subdirs
clean-subdirs:
	$(MAKE) -C test clean
	$(MAKE) -C bench clean

# The library is built for the version the control file names (LEAD_ROUTER_VERSION).
$(OBJS): extension/lead_router.control

# A shared library links with undefined symbols; a missing one of ours would only fail when
# the server loads the library.  test/run_all.sh runs this after the build.
.PHONY: check-library
check-library: $(shlib)
	@missing=$$(nm -D --undefined-only $(shlib) | grep ' _ZN11lead_router' || true); \
	 if [ -n "$$missing" ]; then echo "$(shlib) needs symbols it does not define:"; echo "$$missing"; exit 1; fi
