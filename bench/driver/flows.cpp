#include "flows.h"

#include <cstdio>

#include "client_rules.h"

namespace bench {
namespace {

bool is_success(const std::string& status) { return status == "routed" || status == "duplicate"; }

// Shared bookkeeping of the single-lead flows: pick a lead, route it, count the outcome.
class SingleLeadFlow : public Flow {
public:
    explicit SingleLeadFlow(LeadPicker& picker) : picker_(picker) {}

    bool run_once(Connection& conn, Tally& tally, std::mt19937_64& rng) override {
        const std::optional<std::size_t> lead = picker_.take(rng);
        if (!lead) return false;
        std::string status;
        try {
            status = route(conn, picker_.id(*lead), rng);
        } catch (const std::exception& e) {
            tally.error(e.what());
            status = "error";
        }
        ++tally.ops;
        ++tally.items;
        if (status == "locked") {
            ++tally.lock_failed;  // another client holds it: it stays in the window
        } else {
            const bool first = picker_.finish(*lead);
            if (status == "error") {
                // counted above; the lead leaves the window so that nobody retries it
            } else if (!first) {
                status = "replay";  // another client finished it first: idempotent answer
            } else {
                ++tally.leads;
            }
        }
        if (is_success(status) || status == "replay") ++tally.succeeded;
        tally.count(status);
        return true;
    }

protected:
    // Routes one lead; returns route_lead's status (routed, duplicate, queued, failed, locked,
    // expired).
    virtual std::string route(Connection& conn, const std::string& lead_id,
                              std::mt19937_64& rng) = 0;

private:
    LeadPicker& picker_;
};

class OneCallFlow : public SingleLeadFlow {
public:
    OneCallFlow(LeadPicker& picker, std::string sql) : SingleLeadFlow(picker), sql_(std::move(sql)) {}
    void prepare(Connection& conn) override { conn.prepare("route", sql_); }

protected:
    std::string route(Connection& conn, const std::string& lead_id, std::mt19937_64&) override {
        return conn.exec_prepared("route", {lead_id}).text(0, 0);
    }

private:
    std::string sql_;
};

std::string random_uuid(std::mt19937_64& rng) {
    const std::uint64_t a = rng(), b = rng();
    char out[37];
    std::snprintf(out, sizeof out, "%08x-%04x-4%03x-%04x-%012llx",
                  static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xffff),
                  static_cast<unsigned>(a & 0xfff),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return out;
}

// The seed design's routeLead() (seed 001, "Atomic Routing Flow"), one RPC per step, each in
// its own transaction (autocommit), as supabase.rpc() and supabase.from() run them.
class SeedFlow : public SingleLeadFlow {
public:
    using SingleLeadFlow::SingleLeadFlow;

    void prepare(Connection& conn) override {
        conn.prepare("acquire", "SELECT lead_router.acquire_routing_lock($1::uuid, $2::uuid)");
        conn.prepare("fetch_lead", "SELECT * FROM lead_router.leads WHERE id = $1::uuid");
        conn.prepare("duplicates",
                     "SELECT id, workspace_id FROM lead_router.check_cross_partner_duplicate("
                     "$1::text, $2::uuid)");
        conn.prepare("rules",
                     "SELECT id, conditions, destination_workspace_id"
                     "  FROM lead_router.routing_rules"
                     " WHERE workspace_id = $1::uuid AND is_active ORDER BY priority DESC");
        conn.prepare("complete",
                     "SELECT lead_router.complete_routing($1::uuid, $2::uuid, $3::uuid, $4::uuid)");
        conn.prepare("fail", "SELECT lead_router.fail_routing($1::uuid, $2::text, $3::uuid, 3)");
    }

protected:
    std::string route(Connection& conn, const std::string& lead_id, std::mt19937_64& rng) override {
        const std::string owner = random_uuid(rng);  // crypto.randomUUID()
        // 1. acquire the lock
        if (!conn.exec_prepared("acquire", {lead_id, owner}).boolean(0, 0)) return "locked";
        // 2. the lead
        Result row = conn.exec_prepared("fetch_lead", {lead_id});
        const std::string source = row.text(0, row.column("source_workspace_id"));
        const std::optional<std::string> hash = row.optional(0, row.column("dedupe_hash"));
        // 3. cross-partner duplicate: the seed marks it routed with complete_routing ("Mark as
        //    routed but flag as duplicate"); with these primitives that means completing it to
        //    the partner that already owns the person, without a rule (they cannot set
        //    duplicate_of, and complete_routing only routes to a partner)
        if (hash) {
            Result owners = conn.exec_prepared("duplicates", {*hash, source});
            if (owners.rows() > 0) {
                const bool done = conn.exec_prepared("complete", {lead_id, owners.text(0, 1),
                                                                  std::nullopt, owner})
                                      .boolean(0, 0);
                return done ? "duplicate" : "lost_lock";
            }
        }
        // 4. the rules, evaluated here
        Result rules_result = conn.exec_prepared("rules", {source});
        std::vector<client_rules::Rule> rules;
        rules.reserve(static_cast<std::size_t>(rules_result.rows()));
        for (int i = 0; i < rules_result.rows(); ++i) {
            rules.push_back({rules_result.text(i, 0), rules_result.text(i, 2),
                             lead_router::core::parse_json(rules_result.raw(i, 1))});
        }
        client_rules::LeadRow lead;
        for (const char* name : {"company_industry", "company_size", "company_location", "country",
                                 "email", "phone", "company_name", "company_domain"}) {
            lead.columns.emplace_back(name, row.optional(0, row.column(name)));
        }
        lead.attributes = lead_router::core::parse_json(row.raw(0, row.column("attributes")));
        const client_rules::Rule* match = client_rules::first_match(rules, lead);
        // 5. complete, or fail (queued for retry / failed for good)
        if (match != nullptr) {
            const bool done = conn.exec_prepared("complete", {lead_id, match->destination,
                                                              match->id, owner})
                                  .boolean(0, 0);
            return done ? "routed" : "lost_lock";
        }
        return conn.exec_prepared("fail", {lead_id, "No matching rule", owner}).text(0, 0);
    }
};

class BatchFlow : public Flow {
public:
    BatchFlow(std::string sql, int batch_size) : sql_(std::move(sql)), batch_(std::to_string(batch_size)) {}
    void prepare(Connection& conn) override { conn.prepare("batch", sql_); }

    bool run_once(Connection& conn, Tally& tally, std::mt19937_64&) override {
        try {
            Result r = conn.exec_prepared("batch", {batch_});
            if (r.rows() == 0) return false;
            for (int i = 0; i < r.rows(); ++i) {
                const std::string status = r.text(i, 0);
                ++tally.items;
                if (status == "locked") {
                    ++tally.lock_failed;
                } else {
                    ++tally.leads;
                }
                if (is_success(status)) ++tally.succeeded;
                tally.count(status);
            }
        } catch (const std::exception& e) {
            tally.error(e.what());
        }
        ++tally.ops;
        return true;
    }

private:
    std::string sql_;
    std::string batch_;
};

class RetryFlow : public Flow {
public:
    explicit RetryFlow(int batch_size) : batch_(std::to_string(batch_size)) {}
    void prepare(Connection& conn) override {
        conn.prepare("retry", "SELECT processed, routed, requeued, failed"
                              "  FROM lead_router.process_retry_queue($1::integer)");
    }

    bool run_once(Connection& conn, Tally& tally, std::mt19937_64&) override {
        try {
            Result r = conn.exec_prepared("retry", {batch_});
            const long processed = r.integer(0, 0);
            if (processed == 0) return false;
            tally.items += processed;
            tally.leads += processed;
            tally.succeeded += r.integer(0, 1);
            tally.count("routed", r.integer(0, 1));
            tally.count("requeued", r.integer(0, 2));
            tally.count("failed", r.integer(0, 3));
        } catch (const std::exception& e) {
            tally.error(e.what());
        }
        ++tally.ops;
        return true;
    }

private:
    std::string batch_;
};

}  // namespace

const char* variant_name(Variant v) {
    switch (v) {
        case Variant::route_lead: return "route_lead";
        case Variant::plpgsql: return "plpgsql";
        case Variant::seed_flow: return "seed_flow";
    }
    return "?";
}

std::unique_ptr<Flow> make_single_lead_flow(Variant variant, LeadPicker& picker) {
    switch (variant) {
        case Variant::route_lead:
            return std::make_unique<OneCallFlow>(
                picker, "SELECT status FROM lead_router.route_lead($1::uuid)");
        case Variant::plpgsql:
            return std::make_unique<OneCallFlow>(
                picker, "SELECT status FROM bench.plpgsql_route_lead($1::uuid)");
        case Variant::seed_flow:
            return std::make_unique<SeedFlow>(picker);
    }
    return nullptr;
}

std::unique_ptr<Flow> make_batch_flow(int batch_size) {
    return std::make_unique<BatchFlow>(
        "SELECT status FROM lead_router.route_pending_leads($1::integer)", batch_size);
}

std::unique_ptr<Flow> make_retry_flow(int batch_size) {
    return std::make_unique<RetryFlow>(batch_size);
}

}  // namespace bench
