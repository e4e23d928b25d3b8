// The background worker, thin as in pg_cron: signals, connect, a loop of one transaction per
// round, sleep on the latch.  Each round calls lead_router.process_retry_queue() through SPI,
// so the worker runs exactly the code (and the C++ error boundary) of the SQL function.
#include "worker/retry_worker.h"

#include "pg/postgres_headers.h"

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

pg::Statement process_stmt = {
    "SELECT processed, routed, requeued, failed FROM lead_router.process_retry_queue($1)",
    1,
    {INT4OID}};

pg::Statement installed_version_stmt = {
    "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'lead_router'", 0, {}};

// The work done since the last summary line.
struct Tally {
    int64 rounds, processed, routed, requeued, failed;
};

Tally tally = {};
TimestampTz tally_since = 0;

// The installed SQL version this worker last complained about (one LOG line per mismatch).
char reported_version[NAMEDATALEN] = "";

// The seed's adaptive batch, capped by lead_router.worker_batch_size.
int32 batch_for(int64 due) {
    const int32 adaptive = due > 200 ? 200 : due > 50 ? 100 : 50;
    return Min(adaptive, settings::worker_batch_size);
}

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

// One round in its own transaction.  Returns how long to sleep (ms): 0 when more rows are
// due right away, else until the next retry or the naptime, whichever comes first.
long run_round() {
    long sleep_ms = settings::worker_naptime_ms;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PushActiveSnapshot(GetTransactionSnapshot());
    // Quietly wait while the extension does not exist (yet) in this database.
    if (!OidIsValid(get_extension_oid("lead_router", true))) {
        pgstat_report_activity(STATE_IDLE, "lead_router worker: waiting for CREATE EXTENSION lead_router");
        PopActiveSnapshot();
        CommitTransactionCommand();
        return sleep_ms;
    }
    pg::connect();
    if (!installed_version_matches()) {
        pg::finish();
        PopActiveSnapshot();
        CommitTransactionCommand();
        return sleep_ms;
    }
    const pg::retry_queue::Outlook queue = pg::retry_queue::outlook(201);
    if (queue.due > 0) {
        const int32 batch = batch_for(queue.due);
        pgstat_report_activity(STATE_RUNNING,
                               psprintf("lead_router worker: process_retry_queue(%d), %lld%s due",
                                        batch, static_cast<long long>(Min(queue.due, 200)),
                                        queue.due > 200 ? "+" : ""));
        const Datum args[] = {Int32GetDatum(batch)};
        pg::execute(process_stmt, args, nullptr, false);
        const int32 processed = pg::column_int32(0, 1);
        ++tally.rounds;
        tally.processed += processed;
        tally.routed += pg::column_int32(0, 2);
        tally.requeued += pg::column_int32(0, 3);
        tally.failed += pg::column_int32(0, 4);
        // A full batch, or a deep queue: go again at once.
        if (processed >= batch || queue.due > batch) sleep_ms = 0;
    } else if (queue.next_retry_at != 0) {
        const long until_next =
            static_cast<long>((queue.next_retry_at - GetCurrentTimestamp()) / 1000) + 1;
        sleep_ms = Max(1L, Min(sleep_ms, until_next));
    }
    pg::finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_stat(false);
    pgstat_report_activity(STATE_IDLE,
                           psprintf("lead_router worker: idle, next look in %ld ms (naptime %d ms)",
                                    sleep_ms, settings::worker_naptime_ms));
    return sleep_ms;
}

// A failed round is logged and retried after the naptime: the worker does not exit into a
// restart loop because of, say, a rule that no longer compiles.
long run_round_logging_errors() {
    MemoryContext round_context = CurrentMemoryContext;
    volatile long sleep_ms = settings::worker_naptime_ms;
    PG_TRY();
    {
        sleep_ms = run_round();
    }
    PG_CATCH();
    {
        HOLD_INTERRUPTS();
        MemoryContextSwitchTo(round_context);
        EmitErrorReport();
        FlushErrorState();
        AbortCurrentTransaction();
        RESUME_INTERRUPTS();
        sleep_ms = settings::worker_naptime_ms;
    }
    PG_END_TRY();
    return sleep_ms;
}

// One LOG line per lead_router.worker_log_interval with what was done, when anything was.
void log_summary() {
    const TimestampTz now = GetCurrentTimestamp();
    if (tally_since == 0) tally_since = now;
    if (settings::worker_log_interval_s == 0 ||
        now - tally_since < int64(settings::worker_log_interval_s) * USECS_PER_SEC) {
        return;
    }
    if (tally.processed > 0) {
        ereport(LOG, (errmsg("lead_router worker: %lld retries processed in the last %lld s "
                             "(%lld routed, %lld requeued, %lld failed; %lld rounds)",
                             static_cast<long long>(tally.processed),
                             static_cast<long long>((now - tally_since) / USECS_PER_SEC),
                             static_cast<long long>(tally.routed),
                             static_cast<long long>(tally.requeued),
                             static_cast<long long>(tally.failed),
                             static_cast<long long>(tally.rounds))));
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
                        errmsg("invalid list syntax in lead_router.database: \"%s\"",
                               settings::worker_databases)));
    }
    if (list_length(databases) > pg::worker_status::kMaxWorkers) {
        ereport(FATAL, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("lead_router.database names %d databases, at most %d are served",
                               list_length(databases), pg::worker_status::kMaxWorkers)));
    }
    int slot = 0;
    ListCell* cell;
    foreach (cell, databases) {
        const char* database = static_cast<const char*>(lfirst(cell));
        BackgroundWorker worker;
        memset(&worker, 0, sizeof(worker));
        worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
        worker.bgw_start_time = BgWorkerStart_RecoveryFinished;  // never on a standby
        worker.bgw_restart_time = 5;  // seconds, after a crash or termination
        snprintf(worker.bgw_library_name, BGW_MAXLEN, "lead_router");
        snprintf(worker.bgw_function_name, BGW_MAXLEN, "lead_router_worker_main");
        snprintf(worker.bgw_name, BGW_MAXLEN, "lead_router worker for %s", database);
        snprintf(worker.bgw_type, BGW_MAXLEN, "lead_router worker");
        strlcpy(worker.bgw_extra, database, BGW_EXTRALEN);
        worker.bgw_main_arg = Int32GetDatum(slot++);
        RegisterBackgroundWorker(&worker);
    }
}

}  // namespace lead_router::worker

extern "C" void lead_router_worker_main(Datum main_arg) {
    namespace settings = lead_router::settings;
    namespace worker = lead_router::worker;
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(MyBgworkerEntry->bgw_extra, nullptr, 0);
    lead_router::pg::worker_status::attach(DatumGetInt32(main_arg), MyDatabaseId);
    // The worker runs as the bootstrap superuser: no search_path a database owner sets (ALTER
    // DATABASE ... SET search_path) may resolve anything it runs.
    SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
    pgstat_report_appname("lead_router worker");

    MemoryContext loop_context = AllocSetContextCreate(TopMemoryContext, "lead_router worker",
                                                       ALLOCSET_DEFAULT_SIZES);
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
        lead_router::pg::worker_status::stamp(settings::worker_enabled);
        worker::log_summary();
        if (sleep_ms > 0) {
            (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, sleep_ms,
                            PG_WAIT_EXTENSION);
            ResetLatch(MyLatch);
        }
    }
}
