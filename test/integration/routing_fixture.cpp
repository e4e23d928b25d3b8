// Generation and insertion of the integration tests' workspaces, rules and leads.
#include "routing_fixture.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <optional>
#include <random>

namespace lrtest {
namespace {

using namespace rules;

// Small helpers over a seeded engine, so that every run generates the same data.
class Rng {
public:
    explicit Rng(unsigned long long seed) : engine_(seed) {}
    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(engine_) < p; }
    int range(int low, int high) { return std::uniform_int_distribution<int>(low, high)(engine_); }
    double real(double low, double high) { return std::uniform_real_distribution<double>(low, high)(engine_); }
    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[static_cast<std::size_t>(range(0, static_cast<int>(v.size()) - 1))];
    }
    std::mt19937_64& engine() { return engine_; }

private:
    std::mt19937_64 engine_;
};

const std::vector<std::string> kIndustries = {"software",  "fintech",   "healthcare", "retail",      "manufacturing",
                                              "education", "logistics", "media",      "agriculture", "energy"};
const std::vector<std::string> kCountries = {"US", "CA", "GB", "DE", "FR", "NL", "ES", "AU", "JP", "BR", "NZ", "IN"};
const std::vector<std::string> kCities = {"New York",  "Newcastle", "New Delhi", "Berlin", "London",
                                          "Paris",     "Sydney",    "Toronto",   "Tokyo",  "Sao Paulo",
                                          "Amsterdam", "Madrid",    "Auckland",  "Mumbai"};
const std::vector<std::string> kTiers = {"gold", "silver", "bronze"};
const std::vector<std::string> kCompanyWords = {"Acme",  "Globex", "Initech", "Umbrella",
                                                "Stark", "Wayne",  "Hooli",   "Vandelay"};
const std::vector<std::string> kCountryCodes = {"1", "44", "49", "61"};

// The rule language's text compare is case-insensitive: lead data varies the case on purpose.
std::string vary_case(Rng& rng, const std::string& s) {
    if (!rng.chance(0.15)) return s;
    std::string out = s;
    if (rng.chance(0.5)) {
        for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else {
        out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
    }
    return out;
}

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// A phone number written in one of several equivalent international ways: +CC or 00CC
// prefix, with brackets, dashes, dots or spaces (country code + 10 national digits).  A bare
// CC prefix is not one of them: without a + or 00 it reads as a national number of the
// lead's region (README "Identity").
std::string format_phone(const std::string& cc, const std::string& national, int style) {
    const std::string a = national.substr(0, 3), b = national.substr(3, 3), c = national.substr(6);
    switch (style % 5) {
        case 0:
            return "+" + cc + " (" + a + ") " + b + "-" + c;
        case 1:
            return "00" + cc + " " + a + " " + b + " " + c;
        case 2:
            return "+" + cc + "-" + a + "-" + b + "-" + c;
        case 3:
            return "+" + cc + "." + a + "." + b + "." + c;
        default:
            return "+" + cc + a + b + c;
    }
}

// Identity parts of a lead, before any rewriting.
struct Identity {
    std::string email;
    std::optional<std::string> cc, national;  // no phone when unset
    std::string company;
    int phone_style = 0;
};

Identity make_identity(Rng& rng, unsigned long long n) {
    Identity id;
    id.email = "lead" + std::to_string(n) + "@example" + std::to_string(n % 37) + ".com";
    if (!rng.chance(0.1)) {
        id.cc = rng.pick(kCountryCodes);
        char national[16];
        // first digit 2-9: never a trunk "0" the normaliser might treat specially
        std::snprintf(national, sizeof national, "%d%09llu", rng.range(2, 9), n * 7919 % 1000000000ULL);
        id.national = national;
        id.phone_style = rng.range(0, 4);
    }
    id.company = rng.pick(kCompanyWords) + " " + rng.pick(kCompanyWords) + " " + std::to_string(n % 1500);
    return id;
}

void apply_identity(LeadInputs& in, const Identity& id) {
    in.email = id.email;
    if (id.cc) in.phone = format_phone(*id.cc, *id.national, id.phone_style);
    in.company_name = id.company;
    in.company_domain = id.email.substr(id.email.find('@') + 1);
}

// The same person written differently: case and surrounding spaces of the email, another
// phone format, case and inner spacing of the company name.  NULL phone becomes "".
void apply_rewritten_identity(Rng& rng, LeadInputs& in, const Identity& id) {
    switch (rng.range(0, 2)) {
        case 0:
            in.email = upper(id.email);
            break;
        case 1:
            in.email = "  " + id.email + " ";
            break;
        default:
            in.email = "\t" + upper(id.email.substr(0, 1)) + id.email.substr(1) + "  ";
            break;
    }
    if (id.cc) {
        in.phone = format_phone(*id.cc, *id.national, id.phone_style + rng.range(1, 4));
    } else {
        in.phone = rng.chance(0.5) ? std::optional<std::string>("") : std::nullopt;
    }
    std::string company = id.company;
    switch (rng.range(0, 2)) {
        case 0:
            company = upper(company);
            break;
        case 1: {
            std::string spaced = " ";
            for (const char c : company) spaced += (c == ' ' ? std::string("   ") : std::string(1, c));
            company = spaced + "  ";
            break;
        }
        default: {
            std::string lowered = company;
            for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            company = lowered;
        }
    }
    in.company_name = company;
    in.company_domain = id.email.substr(id.email.find('@') + 1);
}

// Routing inputs, drawn so that each rule of make_rules() matches a fair share of leads.
void random_inputs(Rng& rng, LeadInputs& in) {
    if (!rng.chance(0.03)) in.company_industry = vary_case(rng, rng.pick(kIndustries));
    if (!rng.chance(0.05)) {
        in.company_size = static_cast<int>(std::lround(std::exp(rng.real(0, std::log(6000.0)))));
    }
    if (!rng.chance(0.05)) in.country = rng.pick(kCountries);
    if (in.country && rng.chance(0.1)) {
        for (char& c : *in.country) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (!rng.chance(0.1)) in.company_location = vary_case(rng, rng.pick(kCities));
    if (rng.chance(0.4))
        in.attributes["tier"] = rng.chance(0.05) ? std::string("GOLD") : rng.pick(kTiers);
    else if (rng.chance(0.05))
        in.attributes["tier"] = nullptr;  // JSON null: missing
    if (rng.chance(0.35)) in.attributes["budget"] = rng.range(1, 200) * 1000;
    if (rng.chance(0.3)) in.attributes["partner_ok"] = rng.chance(0.6);
    if (rng.chance(0.1)) in.attributes["campaign"] = "spring-" + std::to_string(rng.range(2024, 2026));
}

Rule rule(const Fixture& f, int source, int partner, const char* name, int priority, const char* conditions_json,
          unsigned long long id_n, int created_offset_s = 0) {
    Rule r;
    r.id = test_uuid(0x5e1e0000u + static_cast<unsigned>(source), id_n);
    r.source = f.sources.at(source);
    r.destination = f.partners.at(partner);
    r.name = name;
    r.priority = priority;
    r.created_offset_s = created_offset_s;
    r.conditions = conditions(conditions_json);
    return r;
}

// Overlapping rules per source; several rules match many leads, so priority decides.
void make_rules(Fixture& f) {
    auto& R = f.rules;
    // source 0: an inactive catch-all above everything, which must be ignored
    R.push_back(rule(f, 0, 1, "s0 inactive catch-all", 1000, "{}", 1));
    R.back().active = false;
    R.push_back(rule(f, 0, 0, "s0 big tech", 100,
                     R"({"company_industry": {"in": ["software", "fintech"]},
                         "company_size": {"gte": 1000}})",
                     2));
    R.push_back(
        rule(f, 0, 1, "s0 north america gold", 90, R"({"country": ["US", "CA"], "attributes.tier": "gold"})", 3));
    R.push_back(rule(f, 0, 2, "s0 healthcare or big budget", 80,
                     R"({"any": [{"company_industry": {"eq": "healthcare"}},
                                 {"attributes.budget": {"gte": 50000}}]})",
                     4));
    R.push_back(rule(f, 0, 3, "s0 european mid-size", 70,
                     R"({"company_size": {"between": [50, 999]},
                         "country": {"in": ["GB", "DE", "FR", "NL"]}})",
                     5));
    R.push_back(rule(f, 0, 4, "s0 campaign leads", 60, R"({"attributes.campaign": {"exists": true}})", 6));
    R.push_back(
        rule(f, 0, 2, "s0 sized, not IN", 10, R"({"company_size": {"gte": 3}, "country": {"not_in": ["IN"]}})", 7));

    // source 1: equal priorities, told apart by created_at and then by id
    R.push_back(rule(f, 1, 1, "s1 industrial", 200,
                     R"({"all": [{"company_industry": ["retail", "manufacturing"]},
                                 {"any": [{"country": "DE"}, {"company_size": {"gt": 2000}}]}]})",
                     1));
    R.push_back(rule(f, 1, 2, "s1 software (older)", 150, R"({"company_industry": {"eq": "software"}})", 0x20, 0));
    R.push_back(rule(f, 1, 3, "s1 software or media (newer)", 150,
                     R"({"company_industry": {"in": ["software", "media"]}})", 0x10, 60));
    R.push_back(rule(f, 1, 0, "s1 tiered", 100,
                     R"({"attributes.tier": {"in": ["gold", "silver"]},
                         "company_size": {"gte": 100}})",
                     4));
    R.push_back(rule(f, 1, 4, "s1 US or GB (larger id)", 50, R"({"country": {"in": ["US", "GB"]}})", 0xff, 120));
    R.push_back(rule(f, 1, 0, "s1 US or JP (smaller id)", 50, R"({"country": {"in": ["US", "JP"]}})", 0x0f, 120));
    R.push_back(rule(f, 1, 3, "s1 any budget", 20, R"({"attributes.budget": {"exists": true}})", 7));
    R.push_back(rule(f, 1, 2, "s1 sized", 5, R"({"company_size": {"gte": 10, "lt": 4000}})", 8));

    // source 2
    R.push_back(rule(f, 2, 4, "s2 budget band, not retail", 30,
                     R"({"company_industry": {"neq": "retail"},
                         "attributes.budget": {"between": [10000, 100000]}})",
                     1));
    R.push_back(rule(f, 2, 1, "s2 new cities", 25, R"({"company_location": {"prefix": "new"}})", 2));
    R.push_back(rule(f, 2, 3, "s2 ANZ or small education", 20,
                     R"({"any": [{"country": ["AU", "NZ"]},
                                 {"all": [{"company_industry": "education"},
                                          {"company_size": {"lte": 500}}]}]})",
                     3));
    R.push_back(rule(f, 2, 2, "s2 small partners", 10,
                     R"({"company_size": {"between": [1, 49]}, "attributes.partner_ok": true})", 4));
    R.push_back(
        rule(f, 2, 0, "s2 large with a country", 5, R"({"country": {"exists": true}, "company_size": {"gte": 8}})", 5));
    R.push_back(rule(f, 2, 1, "s2 fin-tech", 2, R"({"company_industry": {"contains": "TECH"}})", 6));
}

// A column value for a jsonb_to_recordset row: the text, or JSON null for SQL NULL.
Json text_or_null(const std::optional<std::string>& value) { return value ? Json(*value) : Json(); }

}  // namespace

std::string test_uuid(unsigned kind, unsigned long long n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012llx", kind, n);
    return buf;
}

void add_workspaces(Fixture& f, int sources, int partners) {
    for (int i = 0; i < sources; ++i) {
        f.sources.push_back(static_cast<int>(f.workspaces.size()));
        f.workspaces.push_back(
            {test_uuid(0xa0000000u, f.workspaces.size() + 1), "Inbound " + std::to_string(i + 1), "internal"});
    }
    for (int i = 0; i < partners; ++i) {
        f.partners.push_back(static_cast<int>(f.workspaces.size()));
        f.workspaces.push_back(
            {test_uuid(0xb0000000u, f.workspaces.size() + 1), "Partner " + std::to_string(i + 1), "partner"});
    }
}

GeneratedLead random_lead(unsigned long long n, int source, unsigned seed) {
    Rng rng(seed * 1000003ULL + n);
    GeneratedLead lead;
    lead.id = test_uuid(0x1ead0000u, n);
    lead.source = source;
    lead.identity = static_cast<int>(n);
    apply_identity(lead.inputs, make_identity(rng, n));
    random_inputs(rng, lead.inputs);
    return lead;
}

Fixture make_concurrent_fixture(unsigned seed, int lead_count, double duplicate_share) {
    Fixture f;
    add_workspaces(f, 3, 5);
    make_rules(f);
    Rng rng(seed);
    const int copies = static_cast<int>(std::lround(lead_count * duplicate_share));
    const int originals = lead_count - copies;
    std::vector<Identity> identities;
    for (int n = 0; n < originals; ++n) {
        Rng lead_rng(seed * 1000003ULL + static_cast<unsigned long long>(n));
        identities.push_back(make_identity(lead_rng, static_cast<unsigned long long>(n)));
        GeneratedLead lead;
        lead.id = test_uuid(0x1ead0000u, static_cast<unsigned long long>(n));
        lead.source = f.sources[static_cast<std::size_t>(rng.range(0, 2))];
        lead.identity = n;
        apply_identity(lead.inputs, identities.back());
        random_inputs(lead_rng, lead.inputs);
        f.leads.push_back(std::move(lead));
    }
    for (int k = 0; k < copies; ++k) {
        const GeneratedLead& original = f.leads[static_cast<std::size_t>(rng.range(0, originals - 1))];
        GeneratedLead copy;
        copy.id = test_uuid(0x1ead0000u, static_cast<unsigned long long>(originals + k));
        copy.identity = original.identity;
        copy.rewritten_copy = true;
        // a third arrive in another source workspace than the lead they duplicate
        copy.source = original.source;
        if (rng.chance(1.0 / 3)) {
            copy.source = f.sources[static_cast<std::size_t>((original.source - f.sources[0] + rng.range(1, 2)) % 3)];
        }
        apply_rewritten_identity(rng, copy.inputs, identities[static_cast<std::size_t>(original.identity)]);
        random_inputs(rng, copy.inputs);
        f.leads.push_back(std::move(copy));
    }
    f.identities = originals;
    // Arrival order is shuffled, so a copy often arrives (and is routed) before its original.
    std::vector<int> order(f.leads.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::shuffle(order.begin(), order.end(), rng.engine());
    for (std::size_t i = 0; i < order.size(); ++i)
        f.leads[static_cast<std::size_t>(order[i])].created_offset_ms = static_cast<int>(i);
    return f;
}

void insert_workspaces(pqxx::transaction_base& tx, const Fixture& f) {
    Json rows = Json::array();
    for (const Workspace& w : f.workspaces) {
        rows.push_back({{"id", w.id}, {"name", w.name}, {"type", w.type}});
    }
    tx.exec_params(R"sql(
INSERT INTO lead_router.workspaces (id, name, workspace_type)
SELECT u.id, u.name, u.type
  FROM pg_catalog.jsonb_to_recordset($1::jsonb) AS u(id uuid, name text, type text))sql",
                   rows.dump());
}

void insert_rules(pqxx::transaction_base& tx, const Fixture& f) {
    if (f.rules.empty()) return;
    Json rows = Json::array();
    for (const Rule& r : f.rules) {
        const auto id_of = [&](int workspace) { return f.workspaces.at(static_cast<std::size_t>(workspace)).id; };
        rows.push_back({{"id", r.id},
                        {"source", id_of(r.source)},
                        {"name", r.name},
                        {"priority", r.priority},
                        {"active", r.active},
                        {"conditions", r.conditions},
                        {"destination", id_of(r.destination)},
                        {"offset_s", r.created_offset_s}});
    }
    tx.exec_params(R"sql(
INSERT INTO lead_router.routing_rules
       (id, workspace_id, name, priority, is_active, conditions, destination_workspace_id,
        created_at)
SELECT u.id, u.source, u.name, u.priority, u.active, u.conditions, u.destination,
       pg_catalog.now() - interval '1 day' + u.offset_s * interval '1 second'
  FROM pg_catalog.jsonb_to_recordset($1::jsonb)
       AS u(id uuid, source uuid, name text, priority int4, active bool, conditions jsonb,
            destination uuid, offset_s int4))sql",
                   rows.dump());
}

void insert_leads(pqxx::transaction_base& tx, const Fixture& f) {
    Json rows = Json::array();
    for (const GeneratedLead& l : f.leads) {
        const LeadInputs& in = l.inputs;
        rows.push_back({{"id", l.id},
                        {"email", text_or_null(in.email)},
                        {"phone", text_or_null(in.phone)},
                        {"company", text_or_null(in.company_name)},
                        {"domain", text_or_null(in.company_domain)},
                        {"industry", text_or_null(in.company_industry)},
                        {"size", in.company_size ? Json(*in.company_size) : Json()},
                        {"location", text_or_null(in.company_location)},
                        {"country", text_or_null(in.country)},
                        {"attributes", in.attributes},
                        {"source", f.workspaces.at(static_cast<std::size_t>(l.source)).id},
                        {"offset_ms", l.created_offset_ms}});
    }
    tx.exec_params(R"sql(
INSERT INTO lead_router.leads
       (id, email, phone, company_name, company_domain, company_industry, company_size,
        company_location, country, attributes, source_workspace_id, created_at)
SELECT u.id, u.email, u.phone, u.company, u.domain, u.industry, u.size, u.location, u.country,
       u.attributes, u.source,
       pg_catalog.now() - interval '1 hour' + u.offset_ms * interval '1 millisecond'
  FROM pg_catalog.jsonb_to_recordset($1::jsonb)
       AS u(id uuid, email text, phone text, company text, domain text, industry text,
            size int4, location text, country text, attributes jsonb, source uuid,
            offset_ms int4))sql",
                   rows.dump());
}

}  // namespace lrtest
