#include "flows.h"

#include <cctype>
#include <chrono>
#include <cstdio>

#include "client_rules.h"

namespace bench {
namespace {

bool is_success(const std::string& status) { return status == "routed" || status == "duplicate"; }

// Defines the statement and prepares it on the server now (libpqxx would otherwise prepare it
// on its first use, inside the timed operation).
void prepare_statement(pqxx::connection& conn, const std::string& name, const std::string& sql) {
    conn.prepare(name, sql);
    conn.prepare_now(name);
}

// One routing answer: an item, a lead unless it was 'locked', a success when it was one.
void tally_outcome(Tally& tally, const std::string& status) {
    ++tally.items;
    if (status == "locked") {
        ++tally.lock_failed;
    } else {
        ++tally.leads;
    }
    if (is_success(status)) ++tally.succeeded;
    tally.count(status);
}

// Shared bookkeeping of the single-lead flows: pick a lead, route it, count the outcome.
class SingleLeadFlow : public Flow {
public:
    explicit SingleLeadFlow(LeadPicker& picker) : picker_(picker) {}

    bool run_once(pqxx::connection& conn, Tally& tally, std::mt19937_64& rng) override {
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
    virtual std::string route(pqxx::connection& conn, const std::string& lead_id, std::mt19937_64& rng) = 0;

private:
    LeadPicker& picker_;
};

// One statement per lead, its first column the status; $1 the lead, $2 (when the statement
// has one) max_attempts.
class OneCallFlow : public SingleLeadFlow {
public:
    OneCallFlow(LeadPicker& picker, std::string sql, int max_attempts = 0)
        : SingleLeadFlow(picker), sql_(std::move(sql)), max_attempts_(max_attempts) {}
    void prepare(pqxx::connection& conn) override { prepare_statement(conn, "route", sql_); }

protected:
    std::string route(pqxx::connection& conn, const std::string& lead_id, std::mt19937_64&) override {
        pqxx::nontransaction tx{conn};
        if (max_attempts_ > 0) return tx.exec_prepared1("route", lead_id, max_attempts_)[0].c_str();
        return tx.exec_prepared1("route", lead_id)[0].c_str();
    }

private:
    std::string sql_;
    int max_attempts_;
};

std::string random_uuid(std::mt19937_64& rng) {
    const std::uint64_t a = rng(), b = rng();
    char out[37];
    std::snprintf(out, sizeof out, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                  static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                  static_cast<unsigned long long>(b & 0xffffffffffffULL));
    return out;
}

std::optional<std::string> optional_text(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return std::string(f.c_str(), f.size());
}

// The seed design's routeLead() (seed 001, "Atomic Routing Flow"), one RPC per step, each in
// its own transaction (autocommit: a nontransaction), as supabase.rpc() and supabase.from()
// run them.
class SeedFlow : public SingleLeadFlow {
public:
    using SingleLeadFlow::SingleLeadFlow;

    void prepare(pqxx::connection& conn) override {
        prepare_statement(conn, "acquire", "SELECT lead_router.acquire_routing_lock($1::uuid, $2::uuid)");
        prepare_statement(conn, "fetch_lead", "SELECT * FROM lead_router.leads WHERE id = $1::uuid");
        prepare_statement(conn, "duplicates",
                          "SELECT id, workspace_id FROM lead_router.check_cross_partner_duplicate("
                          "$1::text, $2::uuid)");
        prepare_statement(conn, "rules",
                          "SELECT id, conditions, destination_workspace_id"
                          "  FROM lead_router.routing_rules"
                          " WHERE workspace_id = $1::uuid AND is_active ORDER BY priority DESC");
        prepare_statement(conn, "complete",
                          "SELECT lead_router.complete_routing($1::uuid, $2::uuid, $3::uuid, $4::uuid)");
        prepare_statement(conn, "fail", "SELECT lead_router.fail_routing($1::uuid, $2::text, $3::uuid, 3)");
    }

protected:
    std::string route(pqxx::connection& conn, const std::string& lead_id, std::mt19937_64& rng) override {
        using client_rules::Json;
        pqxx::nontransaction tx{conn};
        const std::string owner = random_uuid(rng);  // crypto.randomUUID()
        // 1. acquire the lock
        if (!tx.exec_prepared1("acquire", lead_id, owner)[0].as<bool>()) return "locked";
        // 2. the lead
        const pqxx::row row = tx.exec_prepared1("fetch_lead", lead_id);
        const std::string source = row["source_workspace_id"].c_str();
        const std::optional<std::string> hash = optional_text(row["dedupe_hash"]);
        // 3. cross-partner duplicate: the seed marks it routed with complete_routing ("Mark as
        //    routed but flag as duplicate"); with these primitives that means completing it to
        //    the partner that already owns the person, without a rule (they cannot set
        //    duplicate_of, and complete_routing only routes to a partner)
        if (hash) {
            const pqxx::result owners = tx.exec_prepared("duplicates", *hash, source);
            if (!owners.empty()) {
                const bool done =
                    tx.exec_prepared1("complete", lead_id, owners[0][1].c_str(), nullptr, owner)[0].as<bool>();
                return done ? "duplicate" : "lost_lock";
            }
        }
        // 4. the rules, evaluated here
        const pqxx::result rules_result = tx.exec_prepared("rules", source);
        std::vector<client_rules::Rule> rules;
        rules.reserve(rules_result.size());
        for (const pqxx::row& r : rules_result) {
            rules.push_back({r[0].c_str(), r[2].c_str(), Json::parse(r[1].c_str())});
        }
        client_rules::LeadRow lead;
        for (const char* name : {"company_industry", "company_size", "company_location", "country", "email", "phone",
                                 "company_name", "company_domain"}) {
            lead.columns.emplace_back(name, optional_text(row[name]));
        }
        const pqxx::field attributes = row["attributes"];
        lead.attributes = attributes.is_null() ? Json::object() : Json::parse(attributes.c_str());
        const client_rules::Rule* match = client_rules::first_match(rules, lead);
        // 5. complete, or fail (queued for retry / failed for good)
        if (match != nullptr) {
            const bool done =
                tx.exec_prepared1("complete", lead_id, match->destination, match->id, owner)[0].as<bool>();
            return done ? "routed" : "lost_lock";
        }
        return tx.exec_prepared1("fail", lead_id, "No matching rule", owner)[0].c_str();
    }
};

class BatchFlow : public Flow {
public:
    BatchFlow(std::string sql, int batch_size) : sql_(std::move(sql)), batch_(batch_size) {}
    void prepare(pqxx::connection& conn) override { prepare_statement(conn, "batch", sql_); }

    bool run_once(pqxx::connection& conn, Tally& tally, std::mt19937_64&) override {
        try {
            pqxx::nontransaction tx{conn};
            const pqxx::result r = tx.exec_prepared("batch", batch_);
            if (r.empty()) return false;
            for (const pqxx::row& row : r) {
                const std::string status = row[0].c_str();
                tally_outcome(tally, status);
            }
        } catch (const std::exception& e) {
            tally.error(e.what());
        }
        ++tally.ops;
        return true;
    }

private:
    std::string sql_;
    int batch_;
};

class RetryFlow : public Flow {
public:
    explicit RetryFlow(int batch_size) : batch_(batch_size) {}
    void prepare(pqxx::connection& conn) override {
        prepare_statement(conn, "retry",
                          "SELECT processed, routed, requeued, failed"
                          "  FROM lead_router.process_retry_queue($1::integer)");
    }

    bool run_once(pqxx::connection& conn, Tally& tally, std::mt19937_64&) override {
        try {
            pqxx::nontransaction tx{conn};
            const pqxx::row r = tx.exec_prepared1("retry", batch_);
            const long processed = r[0].as<long>();
            if (processed == 0) return false;
            tally.items += processed;
            tally.leads += processed;
            tally.succeeded += r[1].as<long>();
            tally.count("routed", r[1].as<long>());
            tally.count("requeued", r[2].as<long>());
            tally.count("failed", r[3].as<long>());
        } catch (const std::exception& e) {
            tally.error(e.what());
        }
        ++tally.ops;
        return true;
    }

private:
    int batch_;
};

class IdentityFlow : public SingleLeadFlow {
public:
    IdentityFlow(LeadPicker& picker, AnswerLog& log) : SingleLeadFlow(picker), log_(log) {}
    void prepare(pqxx::connection& conn) override {
        // to_jsonb: duplicate_key is route_result's column from 0.6.0 on (NULL before)
        prepare_statement(conn, "route",
                          "SELECT r.status, r.duplicate_lead_id::text, to_jsonb(r) ->> 'duplicate_key'"
                          "  FROM lead_router.route_lead($1::uuid) r");
    }

protected:
    std::string route(pqxx::connection& conn, const std::string& lead_id, std::mt19937_64&) override {
        pqxx::nontransaction tx{conn};
        const pqxx::row r = tx.exec_prepared1("route", lead_id);
        RouteAnswer answer{r[0].c_str(), optional_text(r[1]), optional_text(r[2])};
        if (answer.status != "locked") log_.record(lead_id, answer);
        return answer.status;
    }

private:
    AnswerLog& log_;
};

// Deterministic values of the sustained scenario's leads (see make_sustained_flow).
std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

class SustainedFlow : public Flow {
public:
    SustainedFlow(int client, double dup_share, double nomatch_share)
        : client_(client), dup_share_(dup_share), nomatch_share_(nomatch_share) {}

    void prepare(pqxx::connection& conn) override {
        prepare_statement(conn, "arrive",
                          "INSERT INTO lead_router.leads"
                          "       (email, phone, company_name, company_domain, company_industry,"
                          "        company_size, company_location, country, attributes, source_workspace_id)"
                          " VALUES ($1, $2, $3, $4, $5, $6::integer, $7, $8, $9::jsonb, $10::uuid)"
                          " RETURNING id::text");
        prepare_statement(conn, "route", "SELECT status FROM lead_router.route_lead($1::uuid)");
    }

    bool run_once(pqxx::connection& conn, Tally& tally, std::mt19937_64&) override {
        const std::uint64_t seq = next_++;
        const std::uint64_t h = mix64((static_cast<std::uint64_t>(client_) << 40) ^ seq);
        const double r_dup = static_cast<double>(h & 0xffff) / 65536.0;
        const double r_nomatch = static_cast<double>((h >> 16) & 0xffff) / 65536.0;
        const bool nomatch = r_nomatch < nomatch_share_;
        std::string email, phone;
        if (r_dup < dup_share_ && seq > 100) {
            // a person this client sent before, the email in capitals
            const std::uint64_t earlier = seq - 1 - (h >> 32) % std::min<std::uint64_t>(seq - 1, 1000);
            email = person_email(earlier);
            for (char& c : email) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            phone = person_phone(earlier);
        } else {
            email = person_email(seq);
            phone = person_phone(seq);
        }
        static const char* const kIndustries[] = {"software",      "saas",   "healthcare", "finance",
                                                  "manufacturing", "retail", "education",  "logistics"};
        static const int kSizes[] = {5, 20, 45, 80, 150, 400, 900, 2500, 8000};
        static const char* const kCountries[] = {"US", "CA", "GB", "DE", "FR", "NL", "AT", "CH"};
        static const char* const kCities[] = {"New York", "Toronto",   "London", "Berlin",
                                              "Paris",    "Amsterdam", "Vienna", "Zurich"};
        static const int kBudgets[] = {5000, 15000, 30000, 60000, 120000};
        static const char* const kSourcesAttr[] = {"webinar", "ads", "organic", "referral"};
        static const char* const kNoMatchCountries[] = {"JP", "IN", "BR"};
        static const char* const kNoMatchCities[] = {"Tokyo", "Mumbai", "Sao Paulo"};
        static const char* const kSources[] = {
            "10000000-0000-4000-8000-000000000001", "10000000-0000-4000-8000-000000000002",
            "10000000-0000-4000-8000-000000000003", "10000000-0000-4000-8000-000000000004"};
        const std::uint64_t company = (h >> 24) % 50000;
        const int c = static_cast<int>((h >> 40) % 8);
        std::string industry, location, country, attributes;
        int size;
        if (nomatch) {
            industry = "education";
            size = 10 + static_cast<int>(seq % 30);
            country = kNoMatchCountries[seq % 3];
            location = kNoMatchCities[seq % 3];
            attributes = R"({"budget": 2000, "source": "partner_referral"})";
        } else {
            industry = kIndustries[(h >> 44) % 8];
            size = kSizes[(h >> 48) % 9] + static_cast<int>(seq % 10);
            country = kCountries[c];
            location = kCities[c];
            attributes = std::string(R"({"budget": )") + std::to_string(kBudgets[(h >> 52) % 5]) + R"(, "source": ")" +
                         kSourcesAttr[(h >> 56) % 4] + "\"" + ((h >> 58) % 5 < 2 ? R"(, "plan": "pro"})" : "}");
        }
        timed_.reset();
        try {
            pqxx::nontransaction tx{conn};
            const std::string id = tx.exec_prepared1("arrive", email, phone, "Company " + std::to_string(company),
                                                     "company" + std::to_string(company) + ".example", industry, size,
                                                     location, country, attributes, kSources[seq % 4])[0]
                                       .c_str();
            const auto t0 = std::chrono::steady_clock::now();
            const std::string status = tx.exec_prepared1("route", id)[0].c_str();
            timed_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            tally_outcome(tally, status);
        } catch (const std::exception& e) {
            tally.error(e.what());
        }
        ++tally.ops;
        return true;
    }

    std::optional<double> timed_ms() const override { return timed_; }

private:
    // A person's email and phone: unique per (client, sequence number); US numbers whose last
    // group starts with 3 (no other lead the bench generates has one there).
    std::string person_email(std::uint64_t seq) const {
        return "s" + std::to_string(client_) + "." + std::to_string(seq) + "@sustained" + std::to_string(seq % 5000) +
               ".example";
    }
    std::string person_phone(std::uint64_t seq) const {
        const std::uint64_t x = static_cast<std::uint64_t>(client_) * 100000000ULL + seq;
        char out[32];
        std::snprintf(out, sizeof out, "+1 %llu %llu 3%03llu", static_cast<unsigned long long>(200 + x % 800),
                      static_cast<unsigned long long>(200 + (x / 800) % 800),
                      static_cast<unsigned long long>((x / 640000) % 1000));
        return out;
    }

    int client_;
    double dup_share_, nomatch_share_;
    std::uint64_t next_ = 0;
    std::optional<double> timed_;
};

class OnceFlow : public Flow {
public:
    explicit OnceFlow(std::vector<std::string> statements) : statements_(std::move(statements)) {}
    void prepare(pqxx::connection& conn) override {
        for (std::size_t i = 0; i < statements_.size(); ++i) {
            prepare_statement(conn, "once_" + std::to_string(i), statements_[i]);
        }
    }

    bool run_once(pqxx::connection& conn, Tally& tally, std::mt19937_64&) override {
        if (next_ >= statements_.size()) return false;
        try {
            pqxx::nontransaction tx{conn};
            tx.exec_prepared("once_" + std::to_string(next_));
            tally.count("done");
        } catch (const std::exception& e) {
            tally.error(e.what());
        }
        ++next_;
        ++tally.ops;
        ++tally.items;
        return true;
    }

private:
    std::vector<std::string> statements_;
    std::size_t next_ = 0;
};

}  // namespace

const char* variant_name(Variant v) {
    switch (v) {
        case Variant::route_lead:
            return "route_lead";
        case Variant::plpgsql:
            return "plpgsql";
        case Variant::seed_flow:
            return "seed_flow";
    }
    return "?";
}

std::unique_ptr<Flow> make_single_lead_flow(Variant variant, LeadPicker& picker) {
    switch (variant) {
        case Variant::route_lead:
            return std::make_unique<OneCallFlow>(picker, "SELECT status FROM lead_router.route_lead($1::uuid)");
        case Variant::plpgsql:
            return std::make_unique<OneCallFlow>(picker, "SELECT status FROM bench.plpgsql_route_lead($1::uuid)");
        case Variant::seed_flow:
            return std::make_unique<SeedFlow>(picker);
    }
    return nullptr;
}

std::unique_ptr<Flow> make_route_lead_flow(LeadPicker& picker, int max_attempts) {
    return std::make_unique<OneCallFlow>(
        picker, "SELECT status FROM lead_router.route_lead($1::uuid, NULL, $2::integer)", max_attempts);
}

std::unique_ptr<Flow> make_batch_flow(int batch_size) {
    return std::make_unique<BatchFlow>("SELECT status FROM lead_router.route_pending_leads($1::integer)", batch_size);
}

std::unique_ptr<Flow> make_retry_flow(int batch_size) { return std::make_unique<RetryFlow>(batch_size); }

void AnswerLog::record(const std::string& lead, RouteAnswer answer) {
    std::lock_guard<std::mutex> lock(mutex_);
    answers_.emplace(lead, std::move(answer));  // the first decided answer stays
}

std::map<std::string, RouteAnswer> AnswerLog::answers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return answers_;
}

std::unique_ptr<Flow> make_identity_flow(LeadPicker& picker, AnswerLog& log) {
    return std::make_unique<IdentityFlow>(picker, log);
}

std::unique_ptr<Flow> make_sustained_flow(int client, double dup_share, double nomatch_share) {
    return std::make_unique<SustainedFlow>(client, dup_share, nomatch_share);
}

std::unique_ptr<Flow> make_once_flow(std::vector<std::string> statements) {
    return std::make_unique<OnceFlow>(std::move(statements));
}

}  // namespace bench
