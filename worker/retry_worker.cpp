// The background worker, thin as in pg_cron: signals, connect, a loop of one transaction per
// round, sleep on the latch.  Each round calls lead_router.process_retry_queue() through SPI,
// so the worker runs exactly the code (and the C++ error boundary) of the SQL function.
#include "worker/retry_worker.h"

#include "pg/postgres_headers.h"

#include "pg/retry_queue.h"
#include "pg/settings.h"
#include "pg/spi_statement.h"

extern "C" {
#include "access/xlog.h"
#include "commands/extension.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/snapmgr.h"

PGDLLEXPORT void lead_router_worker_main(Datum);
}

namespace lead_router::worker {
namespace {

namespace settings = lead_router::settings;

pg::Statement process_stmt = {
    "SELECT processed, routed, requeued, failed FROM lead_router.process_retry_queue($1)",
    1,
    {INT4OID}};

// The seed's adaptive batch, capped by lead_router.worker_batch_size.
int32 batch_for(int64 due) {
    const int32 adaptive = due > 200 ? 200 : due > 50 ? 100 : 50;
    return Min(adaptive, settings::worker_batch_size);
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
    const pg::retry_queue::Outlook queue = pg::retry_queue::outlook(201);
    const int64 due = queue.due;
    const TimestampTz next_retry = queue.next_retry_at;
    if (due > 0) {
        const int32 batch = batch_for(due);
        pgstat_report_activity(STATE_RUNNING,
                               psprintf("lead_router worker: process_retry_queue(%d), %lld%s due",
                                        batch, static_cast<long long>(Min(due, 200)),
                                        due > 200 ? "+" : ""));
        const Datum args[] = {Int32GetDatum(batch)};
        pg::execute(process_stmt, args, nullptr, false);
        const int32 processed = pg::column_int32(0, 1);
        ereport(DEBUG1, (errmsg("lead_router worker: %d queue rows processed (%d routed, %d requeued, %d failed)",
                                processed, pg::column_int32(0, 2), pg::column_int32(0, 3),
                                pg::column_int32(0, 4))));
        // A full batch, or a deep queue: go again at once.
        if (processed >= batch || due > batch) sleep_ms = 0;
    } else if (next_retry != 0) {
        const long until_next = static_cast<long>((next_retry - GetCurrentTimestamp()) / 1000) + 1;
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

}  // namespace

void register_worker() {
    BackgroundWorker worker;
    memset(&worker, 0, sizeof(worker));
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;  // never on a standby
    worker.bgw_restart_time = 5;                                // seconds, after a crash or termination
    snprintf(worker.bgw_library_name, BGW_MAXLEN, "lead_router");
    snprintf(worker.bgw_function_name, BGW_MAXLEN, "lead_router_worker_main");
    snprintf(worker.bgw_name, BGW_MAXLEN, "lead_router worker");
    snprintf(worker.bgw_type, BGW_MAXLEN, "lead_router worker");
    RegisterBackgroundWorker(&worker);
}

}  // namespace lead_router::worker

extern "C" void lead_router_worker_main(Datum) {
    namespace settings = lead_router::settings;
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(settings::worker_database, nullptr, 0);
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
            sleep_ms = lead_router::worker::run_round_logging_errors();
            MemoryContextSwitchTo(TopMemoryContext);
            MemoryContextReset(loop_context);
        } else {
            pgstat_report_activity(STATE_IDLE, "lead_router worker: disabled (lead_router.worker_enabled = off)");
        }
        if (sleep_ms > 0) {
            (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, sleep_ms,
                            PG_WAIT_EXTENSION);
            ResetLatch(MyLatch);
        }
    }
}
