# Northstar — build, run and test.  `make run` and `make test` are the two
# commands a new user needs; both install what is missing first.

SERVICES  = revenue users marketing product alerts forecast
CC       ?= cc
# cairo, pangocairo: the reports' PDF and PNG (services/alerts/render.c);
# pangoft2, fontconfig: its own font configuration (DejaVu only).
PKGS      = fcgi libpq libcjson libjwt libcurl libcrypto cairo pangocairo pangoft2 fontconfig
WARN      = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Werror
CFLAGS   ?= -O2 -g
# Hardening (checked by tests/integration/t-platform.sh with readelf): stack
# canaries, fortified libc calls, position-independent executables, and a
# read-only GOT resolved at start (full RELRO).  test-asan drops FORTIFY.
HARDEN   ?= -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
HARDEN_LD = -pie -Wl,-z,relro,-z,now
override CFLAGS += -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(HARDEN) -Icommon -MMD -MP
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS    = $(PKG_LIBS) -lcrypt -lm -pthread $(HARDEN_LD)
B         = build

COMMON_SRC = $(wildcard common/*.c)
COMMON_OBJ = $(COMMON_SRC:%.c=$(B)/%.o)
FORECAST_CORE = services/forecast/ets.c services/forecast/logreg.c services/forecast/linalg.c
UNIT_SRC  = $(wildcard tests/unit/test-*.c)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(B)/%)

.PHONY: all deps web run stop test test-asan bench bench-scale bench-shards clean cppcheck fuzz soak
all: $(SERVICES:%=$(B)/%) $(B)/forecast-cli $(B)/northstar-admin $(B)/northstar-import $(B)/northstar-simulate $(B)/alerts-report

deps:
	@scripts/deps.sh

# The single-page app (npm ci + esbuild into web/dist).
web:
	@if [ -x scripts/web-build.sh ]; then scripts/web-build.sh; fi

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(B)/libnorthstar.a: $(COMMON_OBJ)
	@ar rcs $@ $^

# The charts' colours have one source, web/src/charts/palette.json (core.js
# imports it); the report renderer reads them from this header: each
# "name": "#rrggbb" line becomes NS_COLOR_NAME 0xrrggbb, each "name": [...]
# line a static array ns_palette_name.
$(B)/gen/palette.h: web/src/charts/palette.json
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@awk 'BEGIN { print "/* palette.h: generated from web/src/charts/palette.json by the Makefile; do not edit. */" } \
	  match($$0, /"[a-z0-9_]+"[ \t]*:/) { \
	    k = substr($$0, RSTART + 1, RLENGTH - 1); sub(/"[ \t]*:$$/, "", k); rest = substr($$0, RSTART + RLENGTH); n = 0; v = ""; \
	    while (match(rest, /#[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]/)) { \
	      v = v (n++ ? ", " : "") "0x" substr(rest, RSTART + 1, 6); rest = substr(rest, RSTART + RLENGTH) } \
	    if (n == 0) next; \
	    if ($$0 ~ /\[/) printf "static const unsigned int ns_palette_%s[%d] = { %s };\n", k, n, v; \
	    else printf "#define NS_COLOR_%s %s\n", toupper(k), v }' $< >$@.tmp && mv $@.tmp $@
$(B)/services/alerts/render.o: $(B)/gen/palette.h
$(B)/services/alerts/render.o: override CFLAGS += -I$(B)/gen
# The renderer's unit test draws with it.
$(B)/test-render: $(B)/services/alerts/render.o

# A service is every .c in its folder except command-line programs (*_cli.c).
define service_rule
$(B)/$(1): $(patsubst %.c,$(B)/%.o,$(filter-out %_cli.c,$(wildcard services/$(1)/*.c)) $($(1)_EXTRA)) $(B)/libnorthstar.a
	@echo "  LD      $$@"
	@$$(CC) $$(CFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
# ... and the sources of other folders its <service>_EXTRA names: the board
# pack's forecast is fitted by the forecast service's own code
# (services/alerts/report.c calls series.c), so the alerts service and
# alerts-report link it.
REPORT_FC    = services/forecast/series.c $(FORECAST_CORE)
alerts_EXTRA = $(REPORT_FC)
$(B)/services/alerts/%.o: override CFLAGS += -Iservices/forecast
$(foreach s,$(SERVICES),$(eval $(call service_rule,$(s))))

$(B)/forecast-cli: $(patsubst %.c,$(B)/%.o,services/forecast/forecast_cli.c $(FORECAST_CORE))
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/alerts-report: $(patsubst %.c,$(B)/%.o,services/alerts/report_cli.c services/alerts/report.c \
    services/alerts/render.c $(REPORT_FC)) $(B)/libnorthstar.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/northstar-admin: $(B)/scripts/northstar-admin.o $(B)/libnorthstar.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The importer of vendor exports (docs/ingest.md "Importers"); its CSV reader is common/csvread.c.
$(B)/northstar-import: $(B)/scripts/northstar-import.o $(B)/libnorthstar.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The demo company's simulator (docs/live.md "The simulator"): a client of the ingestion API.
$(B)/northstar-simulate: $(B)/scripts/northstar-simulate.o $(B)/libnorthstar.a
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests link the common library, and the forecast core for its own tests.
$(B)/test-%: tests/unit/test-%.c $(B)/libnorthstar.a $(FORECAST_CORE:%.c=$(B)/%.o)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# Install first, then build in a fresh make: pkg-config's answers are only
# right once the -dev packages are there.  DEMO=0 make run (or make run
# DEMO=0) starts an empty company instead of the demo (scripts/run.sh).
run:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all web
	@scripts/run.sh

stop:
	@scripts/stack.sh stop var

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory all $(UNIT_BIN) web
	@tests/run.sh

bench:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory all web
	@scripts/bench.sh
	@scripts/bench-lighthouse.sh
	@scripts/bench-shards.sh

# One server, SHARDS=2 and SHARDS=4 side by side (BENCH_SHARDS, BENCH_SHARD_SCALE): also in make bench.
bench-shards:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory all web
	@scripts/bench-shards.sh

# Every endpoint's cost at SCALE 0.1, 1 and 10 side by side (BENCH_SCALES); SCALE=10 loads for long.
bench-scale:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory all
	@scripts/bench-scale.sh

# Every suite again with AddressSanitizer and UndefinedBehaviorSanitizer.
ASAN_CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
test-asan:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory B=build/asan CFLAGS="$(ASAN_CFLAGS)" HARDEN="-fstack-protector-strong -fPIE" all \
	  $(UNIT_SRC:tests/unit/%.c=build/asan/%)
	@NS_BUILD=build/asan T_SANITIZER=1 FUZZ_SECONDS=5 tests/run.sh

# libFuzzer harnesses (tests/fuzz), FUZZ_SECONDS each; make test runs 7 s.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/deps.sh test
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

cppcheck:
	cppcheck --quiet --enable=warning,style,performance --error-exitcode=1 \
	  --inline-suppr --suppress=missingIncludeSystem -Icommon common services

clean:
	rm -rf $(B)

# Header dependencies written by -MMD.
-include $(shell find $(B) -name '*.d' 2>/dev/null)

# The long soak (5 minutes) on its own stack; make test runs a 20 s one.
soak:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory all
	@SOAK_SECONDS=$${SOAK_SECONDS:-300} T_ONLY=t-soak.sh tests/integration/run.sh
