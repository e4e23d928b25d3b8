// Sets up and runs the scenario of distribution_exactness_run.h.  The routing threads use no
// Catch2 macros (Catch2 v2 assertions are not thread-safe): they record every answer and
// error, and the test cases assert on the main thread.
#include "distribution_exactness_run.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

namespace lrtest::distribution {
namespace {

using Clock = std::chrono::steady_clock;

// A run that is not decided after this long is a hang, not a slow machine.
constexpr auto kDeadline = std::chrono::seconds(100);
// A lead that came back 'locked' is tried again once this long has passed.
constexpr auto kRetryAfter = std::chrono::milliseconds(2);
constexpr int kMaxErrorsPerSession = 20;

// A session of the run.  It commits without waiting for the WAL flush: what the checks are
// about (who holds which row lock, which commit another transaction sees) is the same either
// way, and durability is not under test here.
pqxx::connection session(const TestDatabase& db, const std::string& name) {
    return db.connect(name.c_str(), "-c synchronous_commit=off");
}

// The Etc/GMT zone (no DST) whose local time is closest to noon now: every cap window starts
// at a local midnight, and B's hours change only at local midnights too, so a run of a few
// minutes starting near local noon stays inside one window and one day, whatever the wall
// clock.  (Etc/GMT-k is UTC+k.)
std::string noon_zone(pqxx::connection& conn) {
    const long long utc_hour = scalar_int(conn, "SELECT extract(hour FROM pg_catalog.now() AT TIME ZONE 'UTC')::int");
    const long long k = 12 - utc_hour;  // -11 .. 12
    if (k == 0) return "Etc/GMT";
    return k > 0 ? "Etc/GMT-" + std::to_string(k) : "Etc/GMT+" + std::to_string(-k);
}

void make_fixture(Run& run) {
    Fixture& f = run.fixture;
    add_workspaces(f, 1, 3);
    run.source = f.workspaces[static_cast<std::size_t>(f.sources[0])].id;
    run.a = f.workspaces[static_cast<std::size_t>(f.partners[0])].id;
    run.b = f.workspaces[static_cast<std::size_t>(f.partners[1])].id;
    run.c = f.workspaces[static_cast<std::size_t>(f.partners[2])].id;
    f.workspaces[static_cast<std::size_t>(f.partners[0])].name = "Partner A (weight 5, 1,000 a day)";
    f.workspaces[static_cast<std::size_t>(f.partners[1])].name = "Partner B (weight 1, closed today)";
    f.workspaces[static_cast<std::size_t>(f.partners[2])].name = "Partner C (weight 1)";
    run.rule = test_uuid(0x5e1ed157u, 1);
    // Leads of people of their own (no two share an email, and none has a phone): every lead
    // is an original, so each one takes a unit of its partner's capacity.
    std::mt19937_64 rng(kSeed);
    for (int n = 0; n < kLeads; ++n) {
        GeneratedLead l;
        l.id = test_uuid(0xd1570000u, static_cast<unsigned long long>(n + 1));
        l.source = f.sources[0];
        l.identity = n;
        l.created_offset_ms = n;  // arrival order: route_pending_leads takes the oldest first
        l.inputs.email = "buyer" + std::to_string(n) + "@distribution" + std::to_string(n % 41) + ".example";
        l.inputs.company_name = "Company " + std::to_string(n);
        l.inputs.company_size = static_cast<int>(std::uniform_int_distribution<int>(1, 5000)(rng));
        f.leads.push_back(std::move(l));
    }
}

void insert_distribution(pqxx::connection& conn, Run& run) {
    run.time_zone = noon_zone(conn);
    pqxx::work tx{conn};
    insert_workspaces(tx, run.fixture);
    exec(tx, "UPDATE lead_router.workspaces SET time_zone = $1 WHERE id = ANY (ARRAY[$2, $3, $4]::uuid[])",
         run.time_zone, run.a, run.b, run.c);
    // The rule distributes over its pool: no single destination; the pool rows follow in the
    // same transaction (the check that a pool rule has members runs at commit).
    exec(tx,
         "INSERT INTO lead_router.routing_rules "
         "(id, workspace_id, name, priority, is_active, conditions, destination_workspace_id) "
         "VALUES ($1, $2, 'every lead: pool A:5 B:1 C:1', 10, true, '{}'::jsonb, NULL)",
         run.rule, run.source);
    exec(tx,
         "INSERT INTO lead_router.routing_rule_destinations (rule_id, destination_workspace_id, weight) "
         "VALUES ($1, $2, $5), ($1, $3, $6), ($1, $4, $7)",
         run.rule, run.a, run.b, run.c, kWeightA, kWeightB, kWeightC);
    exec(tx,
         "INSERT INTO lead_router.partner_caps (workspace_id, period, max_leads) "
         "VALUES ($1, 'day', $4), ($1, 'week', 1000000), ($2, 'day', 100000), ($3, 'day', 100000)",
         run.a, run.b, run.c, kCapA);
    // B accepts leads only on the weekday three days from today, in its own zone: closed all
    // day today (and tomorrow), whatever the time.
    const long long today =
        scalar_int(tx, "SELECT extract(isodow FROM pg_catalog.now() AT TIME ZONE $1)::int", run.time_zone);
    run.b_open_weekday = static_cast<int>((today + 2) % 7 + 1);
    exec(tx,
         "INSERT INTO lead_router.partner_hours (workspace_id, iso_weekday, opens, closes) "
         "VALUES ($1, $2, '09:00', '17:00')",
         run.b, run.b_open_weekday);
    insert_leads(tx, run.fixture);
    tx.commit();
}

// ---- the sessions ----

struct Session {
    std::vector<Report> reports;
    std::vector<std::string> errors;
    long calls = 0;
    long locked = 0;
    long retries = 0;
};

struct Shared {
    explicit Shared(const TestDatabase& database) : db(database) {}
    const TestDatabase& db;
    std::vector<std::string> order;  // the route_lead sessions' leads, in the order they call
    std::atomic<std::size_t> cursor{0};
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::atomic<bool> drained{false};  // a batch session found nothing due any more
    std::atomic<int> lead_sessions_done{0};
    Clock::time_point deadline{};
};

// Waits for the start signal, so that all sessions start routing together.
void start(Shared& s) {
    ++s.ready;
    while (!s.go.load()) std::this_thread::yield();
}

bool record_error(Session& w, int index, const std::string& what) {
    w.errors.push_back("session " + std::to_string(index) + ": " + what);
    return static_cast<int>(w.errors.size()) < kMaxErrorsPerSession;
}

// route_lead, lead after lead, in the order shared by the route_lead sessions (a lead a
// batch has already decided answers its recorded outcome); a lead that comes back 'locked'
// is tried again a moment later, until it is decided.  Stops when every lead was called, or
// once nothing is due any more.
void route_leads(Shared& s, int index, Session& w) {
    bool started = false;
    try {
        pqxx::connection conn = session(s.db, "lead_router_it_dist_route_lead_" + std::to_string(index));
        conn.prepare("route", "SELECT status, destination_workspace_id, error FROM lead_router.route_lead($1)");
        start(s);
        started = true;
        std::deque<std::pair<std::string, Clock::time_point>> locked;
        while (true) {
            if (Clock::now() > s.deadline) {
                record_error(w, index, std::to_string(locked.size()) + " leads still locked after the deadline");
                break;
            }
            std::string lead;
            const auto now = Clock::now();
            const bool exhausted = s.cursor.load() >= s.order.size() || s.drained.load();
            if (!locked.empty() && (exhausted || now - locked.front().second >= kRetryAfter)) {
                const auto wait = locked.front().second + kRetryAfter - now;
                if (wait > Clock::duration::zero()) std::this_thread::sleep_for(wait);
                lead = locked.front().first;
                locked.pop_front();
                ++w.retries;
            } else if (!exhausted) {
                const std::size_t k = s.cursor++;
                if (k >= s.order.size()) continue;
                lead = s.order[k];
            } else {
                break;
            }
            try {
                pqxx::nontransaction tx{conn};  // autocommit: each call its own transaction
                const pqxx::row r = tx.exec_prepared1("route", lead);
                ++w.calls;
                Report report;
                report.lead_id = lead;
                report.status = r[0].c_str();
                report.destination = nullable(r[1]);
                report.error = nullable(r[2]);
                if (report.status == "locked") {
                    ++w.locked;
                    locked.emplace_back(lead, Clock::now());
                }
                w.reports.push_back(std::move(report));
            } catch (const pqxx::sql_error& e) {
                if (!record_error(w, index, describe(e))) break;
            }
        }
    } catch (const std::exception& e) {
        if (!started) ++s.ready;  // never leave the starter waiting
        record_error(w, index, e.what());
    }
    ++s.lead_sessions_done;
}

// route_pending_leads(kBatchSize) until nothing is due and the route_lead sessions are done.
void route_batches(Shared& s, int index, Session& w) {
    bool started = false;
    try {
        pqxx::connection conn = session(s.db, "lead_router_it_dist_route_pending_" + std::to_string(index));
        conn.prepare("batch",
                     "SELECT lead_id, status, destination_workspace_id, error "
                     "FROM lead_router.route_pending_leads($1)");
        conn.prepare("due",
                     "SELECT count(*) FROM lead_router.leads "
                     "WHERE routing_status = 'pending' AND routing_due_at <= pg_catalog.now()");
        start(s);
        started = true;
        int empty_streak = 0;
        while (true) {
            if (Clock::now() > s.deadline) {
                record_error(w, index, "leads still due after the deadline");
                break;
            }
            std::size_t rows = 0;
            try {
                pqxx::nontransaction tx{conn};
                const pqxx::result r = tx.exec_prepared("batch", kBatchSize);
                ++w.calls;
                rows = r.size();
                for (const pqxx::row& row : r) {
                    Report report;
                    report.lead_id = row[0].c_str();
                    report.status = row[1].c_str();
                    report.destination = nullable(row[2]);
                    report.error = nullable(row[3]);
                    report.batch = true;
                    if (report.status == "locked") ++w.locked;
                    w.reports.push_back(std::move(report));
                }
            } catch (const pqxx::sql_error& e) {
                if (!record_error(w, index, describe(e))) break;
                continue;
            }
            if (rows > 0) {
                empty_streak = 0;
                continue;
            }
            // Nothing for us now: once nothing is due any more (a lead that came back
            // 'locked' is still due), the route_lead sessions stop calling new leads; stop
            // when they are done and nothing is due.
            if (++empty_streak >= 3) {
                pqxx::nontransaction tx{conn};
                if (tx.exec_prepared1("due")[0].as<long long>() == 0) {
                    s.drained = true;
                    if (s.lead_sessions_done.load() == kLeadSessions) break;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    } catch (const std::exception& e) {
        if (!started) ++s.ready;
        record_error(w, index, e.what());
    }
}

std::unique_ptr<Run> execute() {
    auto run = std::make_unique<Run>();
    make_fixture(*run);
    pqxx::connection setup = session(run->db, "lead_router_it_dist_setup");
    {
        const auto started = Clock::now();
        insert_distribution(setup, *run);
        exec(setup, "ANALYZE lead_router.leads");
        run->stats.insert_s = std::chrono::duration<double>(Clock::now() - started).count();
    }

    Shared shared(run->db);
    // route_lead takes the leads newest first (shuffled within blocks of kBlock), while the
    // batches take the oldest due first: both kinds route from the first moment on, so the
    // pool row is contended by both from the start (a random order would have route_lead meet
    // mostly leads a batch had already decided, as a batch routes 50 at a time), and they meet
    // in the middle, where the leads one holds come back 'locked' to the other.
    constexpr std::size_t kBlock = 100;
    for (auto l = run->fixture.leads.rbegin(); l != run->fixture.leads.rend(); ++l) {
        shared.order.push_back(l->id);
    }
    std::mt19937_64 order_rng(kSeed + 1);
    for (std::size_t at = 0; at < shared.order.size(); at += kBlock) {
        const auto first = shared.order.begin() + static_cast<std::ptrdiff_t>(at);
        const auto last =
            shared.order.begin() + static_cast<std::ptrdiff_t>(std::min(at + kBlock, shared.order.size()));
        std::shuffle(first, last, order_rng);
    }

    std::vector<Session> sessions(kLeadSessions + kBatchSessions);
    std::vector<std::thread> threads;
    for (int i = 0; i < kLeadSessions + kBatchSessions; ++i) {
        Session& w = sessions[static_cast<std::size_t>(i)];
        if (i < kLeadSessions)
            threads.emplace_back(route_leads, std::ref(shared), i, std::ref(w));
        else
            threads.emplace_back(route_batches, std::ref(shared), i, std::ref(w));
    }
    while (shared.ready.load() < kLeadSessions + kBatchSessions) std::this_thread::yield();
    run->started_at = scalar(setup, "SELECT pg_catalog.clock_timestamp()::text");
    const auto started = Clock::now();
    shared.deadline = started + kDeadline;
    shared.go = true;
    for (std::thread& t : threads) t.join();
    RunStats& st = run->stats;
    st.wall_s = std::chrono::duration<double>(Clock::now() - started).count();
    run->ended_at = scalar(setup, "SELECT pg_catalog.clock_timestamp()::text");

    for (int i = 0; i < kLeadSessions + kBatchSessions; ++i) {
        Session& w = sessions[static_cast<std::size_t>(i)];
        (i < kLeadSessions ? st.lead_calls : st.batch_calls) += w.calls;
        st.locked_answers += w.locked;
        st.locked_retries += w.retries;
        for (Report& r : w.reports) run->reports.push_back(std::move(r));
        for (std::string& e : w.errors) run->errors.push_back(std::move(e));
    }
    std::printf(
        "distribution exactness: %zu leads inserted in %.2f s (partners in %s, B open on ISO "
        "weekday %d only); %d route_lead + %d route_pending_leads(%d) sessions decided them in "
        "%.2f s (%.0f leads/s): %ld route_lead calls (%ld retries of 'locked' leads), %ld "
        "route_pending_leads calls, %ld 'locked' answers, %zu errors\n",
        run->fixture.leads.size(), st.insert_s, run->time_zone.c_str(), run->b_open_weekday, kLeadSessions,
        kBatchSessions, kBatchSize, st.wall_s, static_cast<double>(run->fixture.leads.size()) / st.wall_s,
        st.lead_calls, st.locked_retries, st.batch_calls, st.locked_answers, run->errors.size());
    std::fflush(stdout);
    return run;
}

// The run, once made; released by release_distribution_run().
struct Slot {
    std::mutex mutex;
    std::unique_ptr<Run> run;
    std::string failure;
};
Slot& slot() {
    static Slot s;
    return s;
}

}  // namespace

const Run& distribution_run() {
    Slot& s = slot();
    std::lock_guard<std::mutex> guard(s.mutex);
    if (s.run) return *s.run;
    if (!s.failure.empty()) {
        throw std::runtime_error("the distribution exactness run failed: " + s.failure);
    }
    try {
        s.run = execute();
    } catch (const pqxx::sql_error& e) {
        s.failure = describe(e);
        throw;
    } catch (const std::exception& e) {
        s.failure = e.what();
        throw;
    }
    return *s.run;
}

void release_distribution_run() {
    Slot& s = slot();
    std::lock_guard<std::mutex> guard(s.mutex);
    s.run.reset();
}

}  // namespace lrtest::distribution
