// The background workers, thin as in pg_cron: signals, connect, a loop of rounds, sleep on
// the latch.  A round is two transactions, each calling the extension's own SQL function
// through SPI, so the worker runs exactly the code (and the C++ error boundary) a caller of
// that function runs:
//   1. lead_router.process_retry_queue(): the due retries, with their queue rows' limits;
//   2. with lead_router.route_on_arrival, lead_router.route_pending_leads(): the due pending
//      leads, the same decisions as any caller of it gets.
// Batches adapt to what is due (core::adaptive_batch).  lead_router.workers processes per
// database share the work through SKIP LOCKED.  A committing backend that wrote due pending
// leads sets a worker's latch (pg/arrival_wakeup.h); worker_naptime bounds every sleep.
// The first worker of a database also checkpoints the distribution state kept in shared memory
// (lead_router.save_distribution_state()) every lead_router.distribution_checkpoint_interval.
// Each transaction that knows of new audit rows announces them with NOTIFY
// lead_router_events, at most once (README "The outcome feed").
#include "worker/retry_worker.h"

#include "pg/postgres_headers.h"

#include "core/arrival_pacing.h"
#include "pg/distribution_memory.h"
#include "pg/event_horizon.h"
#include "pg/retry_queue.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"
#include "pg/worker_status.h"

extern "C" {
#include "access/xlog.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/snapmgr.h"
#include "utils/varlena.h"

PGDLLEXPORT void lead_router_worker_main(Datum);
}

namespace lead_router::worker {
namespace {

namespace settings = lead_router::settings;
namespace horizon = lead_router::pg::event_horizon;

pg::Statement process_stmt = {
    "SELECT processed, routed, requeued, failed FROM lead_router.process_retry_queue($1)", 1, {INT4OID}};

pg::Statement installed_version_stmt = {
    "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'lead_router'", 0, {}};

// Due pending leads, counted up to $1 (leads_due_idx, index only).
pg::Statement due_pending_stmt = {
    R"sql(
SELECT count(*) FROM (SELECT 1 FROM lead_router.leads
                       WHERE routing_status = 'pending' AND routing_due_at <= pg_catalog.now()
                       LIMIT $1) due)sql",
    1,
    {INT8OID}};

// One batch of route_pending_leads, counted by outcome.
pg::Statement route_pending_stmt = {
    R"sql(
SELECT count(*)::int4,
       count(*) FILTER (WHERE r.status = 'routed' OR r.status = 'duplicate')::int4,
       count(*) FILTER (WHERE r.status = 'queued' OR r.status = 'deferred')::int4,
       count(*) FILTER (WHERE r.status = 'failed')::int4,
       count(*) FILTER (WHERE r.status = 'locked')::int4
  FROM lead_router.route_pending_leads($1) r)sql",
    1,
    {INT4OID}};

pg::Statement save_distribution_stmt = {"SELECT lead_router.save_distribution_state()", 0, {}};

pg::Statement notify_stmt = {"SELECT pg_catalog.pg_notify('lead_router_events', $1)", 1, {TEXTOID}};

// Counting due rows stops here: above the largest adaptive batch, enough to choose it.
constexpr int64 kDueCountLimit = 201;

// The work done since the last summary line.
struct Tally {
    int64 rounds, processed, routed, requeued, failed;                               // retries
    int64 arrival_rounds, arrivals, arrival_routed, arrival_queued, arrival_failed;  // arrivals
};

Tally tally = {};
TimestampTz tally_since = 0;
int64 routed_on_arrival = 0;  // since the worker started, for pg_stat_activity

// The installed SQL version this worker last complained about (one LOG line per mismatch).
char reported_version[NAMEDATALEN] = "";

// NOTIFY lead_router_events: the last payload sent (committed), and the one queued in the
// open transaction.
int64 announced = 0;
int64 announcing = 0;

// Whether this worker checkpoints its database's distribution state, and when it last did.
bool checkpoints = false;
TimestampTz checkpointed_at = 0;
uint64 checkpointed_changes = 0;  // distribution_memory::changes() at the last checkpoint

// Delay before looking again at leads held by other sessions (0: none were held).
int held_delay_ms = 0;

// Whether the installed extension is the version this library serves.  Logs once, with the
// fix, while it is not: the library is new and ALTER EXTENSION ... UPDATE has not run yet.
bool installed_version_matches() {
    pg::execute(installed_version_stmt, nullptr, nullptr, true);
    bool isnull;
    const char* installed = TextDatumGetCString(pg::column(0, 1, &isnull));
    if (strcmp(installed, LEAD_ROUTER_VERSION) == 0) {
        reported_version[0] = '\0';
        return true;
    }
    if (strcmp(reported_version, installed) != 0) {
        ereport(LOG, (errmsg("lead_router worker: database \"%s\" has lead_router %s installed, "
                             "the library is %s; waiting",
                             get_database_name(MyDatabaseId), installed, LEAD_ROUTER_VERSION),
                      errhint("Run ALTER EXTENSION lead_router UPDATE in that database.")));
        strlcpy(reported_version, installed, sizeof reported_version);
    }
    pgstat_report_activity(STATE_IDLE, psprintf("lead_router worker: waiting for ALTER EXTENSION "
                                                "lead_router UPDATE (installed %s, library %s)",
                                                installed, LEAD_ROUTER_VERSION));
    return false;
}

void close_transaction() {
    PopActiveSnapshot();
    CommitTransactionCommand();
    if (announcing > announced) announced = announcing;
    announcing = 0;
}

// Starts a transaction of the round, connected to SPI; false (and nothing left open) when
// the database is not ready: no extension yet, or one of another version.
bool open_transaction() {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PushActiveSnapshot(GetTransactionSnapshot());
    announcing = 0;
    // Quietly wait while the extension does not exist (yet) in this database.
    if (!OidIsValid(get_extension_oid("lead_router", true))) {
        pgstat_report_activity(STATE_IDLE, "lead_router worker: waiting for CREATE EXTENSION lead_router");
        close_transaction();
        return false;
    }
    pg::connect();
    if (!installed_version_matches()) {
        pg::finish();
        close_transaction();
        return false;
    }
    return true;
}

// The ids every consumer may read now (the horizon minus one), read before this transaction
// writes anything (its own floor would hold the horizon back); 0 without the feed.
int64 readable_events() {
    if (!horizon::available()) return 0;
    const Oid routing_logs = horizon::audit_relation();
    return OidIsValid(routing_logs) ? horizon::horizon(routing_logs) - 1 : 0;
}

// Queues NOTIFY lead_router_events (sent when this transaction commits) when the
// transaction knows of audit ids above the last announcement: the ones it wrote itself, or
// (`readable`, when given) ones other transactions have made readable since.  A NOTIFY
// gives a transaction an xid, so a commit that waits for the WAL: the retry phase announces
// only its own rows while the arrival phase follows it, so that a wake-up for new leads never
// waits for that flush.
void announce_events(std::optional<int64> readable) {
    if (!horizon::available()) return;
    const bool wrote = horizon::holding_floor();
    if (!wrote && !readable) return;
    const int64 drawn = wrote ? horizon::last_drawn(horizon::audit_relation()) : 0;
    const std::optional<int64> payload = core::events_announcement(announced, wrote, drawn, readable.value_or(0));
    if (!payload) return;
    const Datum args[] = {CStringGetTextDatum(psprintf(INT64_FORMAT, *payload))};
    pg::execute(notify_stmt, args, nullptr, false);
    announcing = *payload;
}

struct Phase {
    bool ready;                 // the database has this version of the extension
    bool again;                 // go round again at once
    int64 until_next_retry_ms;  // 0: no retry scheduled
    int held;                   // leads left to other sessions' identity locks
};

// Transaction 1: the retry queue.
Phase retry_phase() {
    Phase phase{};
    if (!open_transaction()) return phase;
    phase.ready = true;
    std::optional<int64> readable;
    if (!settings::route_on_arrival) readable = readable_events();
    const pg::retry_queue::Outlook queue = pg::retry_queue::outlook(kDueCountLimit);
    if (queue.due > 0) {
        const int32 batch = core::adaptive_batch(queue.due, settings::worker_batch_size);
        pgstat_report_activity(STATE_RUNNING,
                               psprintf("lead_router worker: process_retry_queue(%d), %lld%s due", batch,
                                        static_cast<long long>(Min(queue.due, 200)), queue.due > 200 ? "+" : ""));
        const Datum args[] = {Int32GetDatum(batch)};
        pg::execute(process_stmt, args, nullptr, false);
        const int32 processed = pg::column_int32(0, 1);
        ++tally.rounds;
        tally.processed += processed;
        tally.routed += pg::column_int32(0, 2);
        tally.requeued += pg::column_int32(0, 3);
        tally.failed += pg::column_int32(0, 4);
        phase.again = core::go_again({queue.due, batch, processed, 0});
    } else if (queue.next_retry_at != 0) {
        phase.until_next_retry_ms = Max(int64{1}, (queue.next_retry_at - GetCurrentTimestamp()) / 1000 + 1);
    }
    announce_events(readable);
    pg::finish();
    close_transaction();
    return phase;
}

// Transaction 2: the due pending leads (lead_router.route_on_arrival).
Phase arrival_phase() {
    Phase phase{};
    if (!open_transaction()) return phase;
    phase.ready = true;
    const int64 readable = readable_events();
    const Datum count_args[] = {Int64GetDatum(kDueCountLimit)};
    pg::execute(due_pending_stmt, count_args, nullptr, true);
    bool isnull;
    const int64 due = DatumGetInt64(pg::column(0, 1, &isnull));
    if (due > 0) {
        const int32 batch = core::adaptive_batch(due, settings::worker_batch_size);
        pgstat_report_activity(STATE_RUNNING, psprintf("lead_router worker: route_pending_leads(%d), %lld%s due", batch,
                                                       static_cast<long long>(Min(due, 200)), due > 200 ? "+" : ""));
        const Datum args[] = {Int32GetDatum(batch)};
        pg::execute(route_pending_stmt, args, nullptr, false);
        const int32 took = pg::column_int32(0, 1);
        const int32 routed = pg::column_int32(0, 2);
        phase.held = pg::column_int32(0, 5);
        ++tally.arrival_rounds;
        tally.arrivals += took - phase.held;
        tally.arrival_routed += routed;
        tally.arrival_queued += pg::column_int32(0, 3);
        tally.arrival_failed += pg::column_int32(0, 4);
        routed_on_arrival += routed;
        phase.again = core::go_again({due, batch, took, phase.held});
    }
    announce_events(readable);
    pg::finish();
    close_transaction();
    return phase;
}

// The checkpoint, in a transaction of its own, when its interval has passed since the last one
// and something changed meanwhile (in any database: the count is server-wide).
void checkpoint_phase() {
    const TimestampTz now = GetCurrentTimestamp();
    const int64 interval = int64(settings::distribution_checkpoint_interval_s) * USECS_PER_SEC;
    if (!checkpoints || interval == 0 || now - checkpointed_at < interval) return;
    const uint64 changes = pg::distribution_memory::changes();
    if (changes == checkpointed_changes) return;
    if (!open_transaction()) return;
    pgstat_report_activity(STATE_RUNNING, "lead_router worker: save_distribution_state()");
    pg::execute(save_distribution_stmt, nullptr, nullptr, false);
    pg::finish();
    close_transaction();
    checkpointed_at = now;
    checkpointed_changes = changes;
}

// One round.  Returns how long to sleep (ms): 0 when more is due right away, else until the
// next retry, the next look at held leads, or the naptime, whichever comes first.
long run_round() {
    const Phase retries = retry_phase();
    // Not ready: pg_stat_activity says what the worker waits for; look again after the naptime.
    if (!retries.ready) return settings::worker_naptime_ms;
    Phase arrivals{};
    if (settings::route_on_arrival) {
        arrivals = arrival_phase();
        if (!arrivals.ready) return settings::worker_naptime_ms;
    }
    checkpoint_phase();
    held_delay_ms = arrivals.held > 0 ? core::next_held_delay(held_delay_ms, settings::worker_naptime_ms) : 0;
    const long sleep_ms = core::sleep_after_round(retries.again || arrivals.again, settings::worker_naptime_ms,
                                                  retries.until_next_retry_ms, held_delay_ms);
    pgstat_report_stat(false);
    pgstat_report_activity(STATE_IDLE, psprintf("lead_router worker: idle, next look in %ld ms (naptime %d ms); "
                                                "woken by %llu commits, %lld leads routed on arrival%s",
                                                sleep_ms, settings::worker_naptime_ms,
                                                static_cast<unsigned long long>(pg::worker_status::wakeups()),
                                                static_cast<long long>(routed_on_arrival),
                                                settings::route_on_arrival ? "" : " (route_on_arrival = off)"));
    return sleep_ms;
}

// A failed round is logged and retried after the naptime: the worker does not exit into a
// restart loop because of, say, a rule that no longer compiles.
long run_round_logging_errors() {
    MemoryContext round_context = CurrentMemoryContext;
    volatile long sleep_ms = settings::worker_naptime_ms;
    PG_TRY();
    { sleep_ms = run_round(); }
    PG_CATCH();
    {
        HOLD_INTERRUPTS();
        MemoryContextSwitchTo(round_context);
        EmitErrorReport();
        FlushErrorState();
        AbortCurrentTransaction();
        announcing = 0;
        RESUME_INTERRUPTS();
        sleep_ms = settings::worker_naptime_ms;
    }
    PG_END_TRY();
    return sleep_ms;
}

// One LOG line per lead_router.worker_log_interval with what was done, when anything was:
// one for the retries, one for the leads routed on arrival.
void log_summary() {
    const TimestampTz now = GetCurrentTimestamp();
    if (tally_since == 0) tally_since = now;
    if (settings::worker_log_interval_s == 0 ||
        now - tally_since < int64(settings::worker_log_interval_s) * USECS_PER_SEC) {
        return;
    }
    const long long seconds = static_cast<long long>((now - tally_since) / USECS_PER_SEC);
    if (tally.processed > 0) {
        ereport(LOG, (errmsg("lead_router worker: %lld retries processed in the last %lld s "
                             "(%lld routed, %lld requeued, %lld failed; %lld rounds)",
                             static_cast<long long>(tally.processed), seconds, static_cast<long long>(tally.routed),
                             static_cast<long long>(tally.requeued), static_cast<long long>(tally.failed),
                             static_cast<long long>(tally.rounds))));
    }
    if (tally.arrivals > 0) {
        ereport(LOG,
                (errmsg("lead_router worker: %lld new leads taken on arrival in the last %lld s "
                        "(%lld routed, %lld queued, %lld failed; %lld rounds)",
                        static_cast<long long>(tally.arrivals), seconds, static_cast<long long>(tally.arrival_routed),
                        static_cast<long long>(tally.arrival_queued), static_cast<long long>(tally.arrival_failed),
                        static_cast<long long>(tally.arrival_rounds))));
    }
    tally = {};
    tally_since = now;
}

}  // namespace

void register_workers() {
    // The list was read from the configuration before shared_preload_libraries was processed.
    char* names = pstrdup(settings::worker_databases ? settings::worker_databases : "");
    List* databases = NIL;
    if (!SplitIdentifierString(names, ',', &databases)) {
        ereport(FATAL, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("invalid list syntax in lead_router.database: \"%s\"", settings::worker_databases)));
    }
    const int per_database = settings::workers_per_database;
    if (list_length(databases) * per_database > pg::worker_status::kMaxWorkers) {
        ereport(FATAL, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("lead_router.database names %d databases with lead_router.workers = %d, "
                               "at most %d workers are served",
                               list_length(databases), per_database, pg::worker_status::kMaxWorkers)));
    }
    int slot = 0;
    ListCell* cell;
    foreach (cell, databases) {
        const char* database = static_cast<const char*>(lfirst(cell));
        for (int k = 1; k <= per_database; ++k) {
            BackgroundWorker worker;
            memset(&worker, 0, sizeof(worker));
            worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
            worker.bgw_start_time = BgWorkerStart_RecoveryFinished;  // never on a standby
            worker.bgw_restart_time = 5;                             // seconds, after a crash or termination
            snprintf(worker.bgw_library_name, BGW_MAXLEN, "lead_router");
            snprintf(worker.bgw_function_name, BGW_MAXLEN, "lead_router_worker_main");
            if (per_database == 1) {
                snprintf(worker.bgw_name, BGW_MAXLEN, "lead_router worker for %s", database);
            } else {
                snprintf(worker.bgw_name, BGW_MAXLEN, "lead_router worker %d of %d for %s", k, per_database, database);
            }
            snprintf(worker.bgw_type, BGW_MAXLEN, "lead_router worker");
            strlcpy(worker.bgw_extra, database, BGW_EXTRALEN);
            worker.bgw_main_arg = Int32GetDatum(slot++);
            RegisterBackgroundWorker(&worker);
        }
    }
}

}  // namespace lead_router::worker

extern "C" void lead_router_worker_main(Datum main_arg) {
    namespace settings = lead_router::settings;
    namespace worker = lead_router::worker;
    namespace status = lead_router::pg::worker_status;
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(MyBgworkerEntry->bgw_extra, nullptr, 0);
    status::attach(DatumGetInt32(main_arg), MyDatabaseId);
    worker::checkpoints = DatumGetInt32(main_arg) % settings::workers_per_database == 0;
    // The worker runs as the bootstrap superuser: no search_path a database owner sets (ALTER
    // DATABASE ... SET search_path) may resolve anything it runs.
    SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
    pgstat_report_appname("lead_router worker");

    MemoryContext loop_context = AllocSetContextCreate(TopMemoryContext, "lead_router worker", ALLOCSET_DEFAULT_SIZES);
    // The latch protocol: a committing backend sets the latch after its leads are visible;
    // the latch is reset before the round that looks for them, so a set is never lost.
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        long sleep_ms = settings::worker_naptime_ms;
        if (settings::worker_enabled) {
            MemoryContextSwitchTo(loop_context);
            sleep_ms = worker::run_round_logging_errors();
            MemoryContextSwitchTo(TopMemoryContext);
            MemoryContextReset(loop_context);
        } else {
            pgstat_report_activity(STATE_IDLE, "lead_router worker: disabled (lead_router.worker_enabled = off)");
        }
        status::stamp(settings::worker_enabled);
        worker::log_summary();
        if (sleep_ms > 0) {
            status::set_sleeping(true);
            (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, sleep_ms, PG_WAIT_EXTENSION);
            status::set_sleeping(false);
            ResetLatch(MyLatch);
        }
    }
}
