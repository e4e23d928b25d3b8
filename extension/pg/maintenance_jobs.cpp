// The pg_cron side of maintenance.  Statements that name the cron schema are prepared only
// after pg_cron_installed() said it exists.
#include "pg/maintenance_jobs.h"

#include "pg/datum_convert.h"
#include "pg/spi_statement.h"

extern "C" {
#include "utils/array.h"
}

namespace lead_router::pg::maintenance_jobs {

const Job kJobs[kJobCount] = {
    {"lead_router_release_stale_locks", "*/10 * * * *", "SELECT lead_router.release_stale_routing_locks()"},
    {"lead_router_expire_leads", "0 2 * * *", "SELECT lead_router.mark_expired_leads()"},
    {"lead_router_prune_history", "30 3 * * *", "CALL lead_router.prune_routing_history()"},
    {"lead_router_health_check", "0 * * * *", "SELECT lead_router.check_routing_health()"},
};

namespace {

Statement pg_cron_installed_stmt = {
    "SELECT 1 FROM pg_catalog.pg_extension WHERE extname OPERATOR(pg_catalog.=) 'pg_cron'", 0, {}};

Statement pg_cron_settings_stmt = {
    R"sql(
SELECT coalesce(pg_catalog.current_setting('cron.use_background_workers', true), 'off') = 'on',
       coalesce(nullif(pg_catalog.current_setting('cron.host', true), ''), 'localhost'),
       pg_catalog.has_table_privilege('pg_catalog.pg_hba_file_rules', 'SELECT'))sql",
    0,
    {}};

// How pg_cron connects without background workers: over libpq to cron.host as the job's
// user, which the first matching pg_hba.conf line decides.  Lines are matched on address,
// database and user as PostgreSQL does for the common forms (all, sameuser, names,
// addresses with masks, localhost); +group and @file entries are not followed.
Statement hba_line_stmt = {
    R"sql(
SELECT r.line_number, r.auth_method,
       (SELECT a.rolpassword IS NOT NULL FROM pg_catalog.pg_authid a WHERE a.rolname = CURRENT_USER)
  FROM pg_catalog.pg_hba_file_rules r
 WHERE r.error IS NULL
   AND CASE WHEN $1 THEN r.type = 'local' ELSE r.type LIKE 'host%' END
   AND ('all' = ANY (r.database) OR pg_catalog.current_database() = ANY (r.database)
        OR ('sameuser' = ANY (r.database) AND pg_catalog.current_database() = CURRENT_USER::text))
   AND ('all' = ANY (r.user_name) OR CURRENT_USER::text = ANY (r.user_name))
   AND CASE WHEN r.type = 'local' OR r.address IN ('all', 'samehost', 'samenet') THEN true
            WHEN r.netmask IS NULL THEN r.address = 'localhost'
            WHEN pg_catalog.family(r.address::inet) = 4
                 THEN (inet '127.0.0.1' & r.netmask::inet) = (r.address::inet & r.netmask::inet)
            ELSE (inet '::1' & r.netmask::inet) = (r.address::inet & r.netmask::inet) END
 ORDER BY r.line_number
 LIMIT 1)sql",
    1,
    {BOOLOID}};

Statement last_runs_stmt = {
    R"sql(
SELECT j.jobname::text, j.schedule,
       (SELECT max(d.end_time) FROM cron.job_run_details d
         WHERE d.jobid = j.jobid AND d.status = 'succeeded'),
       last.status IS NOT NULL, last.status = 'failed', last.return_message
  FROM cron.job j
  LEFT JOIN LATERAL (SELECT d.status, d.return_message FROM cron.job_run_details d
                      WHERE d.jobid = j.jobid AND d.status IN ('succeeded', 'failed')
                      ORDER BY d.runid DESC LIMIT 1) last ON true
 WHERE j.jobname = ANY ($1) AND j.database = pg_catalog.current_database()
 ORDER BY j.jobname)sql",
    1,
    {TEXTARRAYOID}};

// Run by prune_routing_history, a procedure without a pinned search_path: every operator is
// qualified.
Statement prune_run_details_stmt = {
    R"sql(
DELETE FROM cron.job_run_details d USING cron.job j
 WHERE d.jobid OPERATOR(pg_catalog.=) j.jobid AND j.jobname OPERATOR(pg_catalog.=) ANY ($1)
   AND j.database OPERATOR(pg_catalog.=) pg_catalog.current_database()
   AND d.end_time OPERATOR(pg_catalog.<) $2)sql",
    2,
    {TEXTARRAYOID, TIMESTAMPTZOID}};

Datum job_names() {
    Datum names[kJobCount];
    for (int i = 0; i < kJobCount; ++i) names[i] = CStringGetTextDatum(kJobs[i].name);
    return make_array(names, nullptr, kJobCount, TEXTOID);
}

std::string ago(std::int64_t seconds) {
    if (seconds < 120) return std::to_string(seconds) + " s ago";
    if (seconds < 2 * 3600) return std::to_string(seconds / 60) + " min ago";
    if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + " h ago";
    return std::to_string(seconds / 86400) + " d ago";
}

}  // namespace

bool pg_cron_installed() { return execute(pg_cron_installed_stmt, nullptr, nullptr, true) == 1; }

void require_runnable_jobs() {
    execute(pg_cron_settings_stmt, nullptr, nullptr, true);
    bool isnull;
    const bool background_workers = column_bool(0, 1);
    const char* host = TextDatumGetCString(column(0, 2, &isnull));
    const bool may_read_hba = column_bool(0, 3);
    // Without the right to read pg_hba.conf's rules there is nothing to check against.
    if (background_workers || !may_read_hba) return;

    const bool unix_socket = host[0] == '/';
    const Datum args[] = {BoolGetDatum(unix_socket)};
    const char* problem = nullptr;
    if (execute(hba_line_stmt, args, nullptr, true) == 0) {
        problem = "no pg_hba.conf line accepts that connection";
    } else {
        const int line = column_int32(0, 1);
        const char* method = TextDatumGetCString(column(0, 2, &isnull));
        const bool has_password = column_bool(0, 3);
        const auto is = [&](const char* m) { return strcmp(method, m) == 0; };
        if (is("reject")) {
            problem = psprintf("pg_hba.conf line %d rejects that connection", line);
        } else if ((is("md5") || is("scram-sha-256") || is("password")) && !has_password) {
            problem = psprintf("pg_hba.conf line %d asks for a password (%s) and the role has none", line, method);
        } else if ((is("peer") || is("ident")) && !unix_socket) {
            problem = psprintf(
                "pg_hba.conf line %d asks for %s authentication, which a TCP "
                "connection cannot pass",
                line, method);
        }
    }
    if (problem == nullptr) return;
    const char* user = GetUserNameFromId(GetUserId(), false);
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("pg_cron cannot run lead_router's jobs in this server"),
                    errdetail("With cron.use_background_workers = off, pg_cron connects to cron.host "
                              "\"%s\" as \"%s\", and %s.",
                              host, user, problem),
                    errhint("Set cron.use_background_workers = on (and raise max_worker_processes) in "
                            "postgresql.conf and restart, or let that connection authenticate (trust "
                            "for localhost, or a password in ~postgres/.pgpass).")));
}

JobRuns last_runs() {
    JobRuns result{0, nullptr, GetCurrentTransactionStartTimestamp()};
    if (!pg_cron_installed()) return result;
    const Datum args[] = {job_names()};
    const uint64 rows = execute(last_runs_stmt, args, nullptr, true);
    result.runs = static_cast<RawRun*>(palloc0(sizeof(RawRun) * (rows + 1)));
    for (uint64 r = 0; r < rows; ++r) {
        RawRun& run = result.runs[result.count++];
        bool isnull;
        run.name = TextDatumGetCString(column(r, 1, &isnull));
        run.schedule = TextDatumGetCString(column(r, 2, &isnull));
        const Datum success = column(r, 3, &isnull);
        run.has_success = !isnull;
        run.last_success = isnull ? 0 : DatumGetTimestampTz(success);
        run.ever_ran = column_bool(r, 4);
        run.last_failed = column_bool(r, 5);
        const Datum message = column(r, 6, &isnull);
        run.last_message = isnull ? "" : TextDatumGetCString(message);
    }
    return result;
}

void fill_records(const JobRuns& runs, std::vector<core::JobRecord>& out) {
    for (int i = 0; i < runs.count; ++i) {
        const RawRun& run = runs.runs[i];
        core::JobRecord job;
        job.name = run.name;
        job.period_s = core::cron_period_seconds(run.schedule);
        if (run.has_success) job.since_success_s = (runs.now - run.last_success) / USECS_PER_SEC;
        job.ever_ran = run.ever_ran;
        job.last_run_failed = run.last_failed;
        job.last_error = run.last_message;
        out.push_back(std::move(job));
    }
}

std::string describe(const core::JobRecord& job) {
    std::string line = job.name + ": ";
    if (job.last_run_failed) {
        line += "last run failed";
    } else if (!job.ever_ran) {
        line += "no run yet";
    } else {
        line += "last run succeeded";
    }
    line += job.since_success_s ? ", last success " + ago(*job.since_success_s) : ", never succeeded";
    return line;
}

int64 prune_run_details(int64 older_than_us) {
    if (!pg_cron_installed()) return 0;
    const Datum args[] = {job_names(), TimestampTzGetDatum(GetCurrentTransactionStartTimestamp() - older_than_us)};
    return static_cast<int64>(execute(prune_run_details_stmt, args, nullptr, false));
}

}  // namespace lead_router::pg::maintenance_jobs
