// lead_router's pg_cron jobs: their catalogue, whether pg_cron can run them here, what it
// recorded of their last runs, and the pruning of those records.
#pragma once

#include "pg/postgres_headers.h"

#include <string>
#include <vector>

#include "core/health_verdict.h"

namespace lead_router::pg::maintenance_jobs {

// The four jobs of SPEC.md "pg_cron jobs".
struct Job {
    const char* name;
    const char* schedule;
    const char* command;
};
constexpr int kJobCount = 4;
extern const Job kJobs[kJobCount];

// Whether pg_cron is installed in this database.  Requires SPI.
bool pg_cron_installed();

// Raises 55000 with the fix when pg_cron could not run a job here: it connects over TCP
// (cron.use_background_workers = off) and pg_hba.conf rejects that connection or asks for a
// password this role does not have.  Requires SPI and pg_cron installed.
void require_runnable_jobs();

// What pg_cron recorded of each of our jobs in this database (PostgreSQL phase: plain data).
struct RawRun {
    const char* name;
    const char* schedule;
    bool has_success;
    TimestampTz last_success;
    bool ever_ran;
    bool last_failed;
    const char* last_message;
};
struct JobRuns {
    int count;
    RawRun* runs;
    TimestampTz now;
};
// No rows when pg_cron is not installed or cannot be read by the caller.  Requires SPI.
JobRuns last_runs();

// C++ phase: the records the health verdict judges, and one line per job for people.
void fill_records(const JobRuns& runs, std::vector<core::JobRecord>& out);
std::string describe(const core::JobRecord& job);

// Deletes our jobs' cron.job_run_details rows older than `older_than_us`; returns how many.
// Requires SPI; does nothing without pg_cron.
int64 prune_run_details(int64 older_than_us);

}  // namespace lead_router::pg::maintenance_jobs
