// Test data: workspaces, rules (as reference_rules.h holds them) and leads, kept in C++ so
// that the assertions can compare the database with what the test generated, and written to
// the database with one parameterised INSERT per table: the rows travel as one jsonb
// parameter (an nlohmann array of objects), read back with jsonb_to_recordset.
#pragma once

#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "reference_rules.h"

namespace lrtest {

struct Workspace {
    std::string id;
    std::string name;
    std::string type;  // "internal" or "partner"
};

struct GeneratedLead {
    std::string id;
    int source = 0;  // workspace index
    rules::LeadInputs inputs;
    int identity = 0;             // equal for a lead and the duplicates written from it
    bool rewritten_copy = false;  // one of the duplicates (identity written differently)
    int created_offset_ms = 0;    // created_at = base time + this (arrival order)
};

struct Fixture {
    std::vector<Workspace> workspaces;
    std::vector<int> sources;   // indexes of internal workspaces leads arrive in
    std::vector<int> partners;  // indexes of partner workspaces rules route to
    std::vector<rules::Rule> rules;
    std::vector<GeneratedLead> leads;
    int identities = 0;  // number of distinct identity groups
};

// A uuid of our own: "<kind as 8 hex digits>-0000-4000-8000-<n as 12 hex digits>".
std::string test_uuid(unsigned kind, unsigned long long n);

// Adds `sources` internal and `partners` partner workspaces.
void add_workspaces(Fixture& f, int sources, int partners);

// The main scenario: 3 sources, 5 partners, 4-7 overlapping rules per source (plus an
// inactive one), `lead_count` leads of which `duplicate_share` are copies of another lead's
// identity written differently (case, spaces, phone prefix and punctuation), a third of
// them arriving in a different source workspace.  Deterministic for a given seed.
Fixture make_concurrent_fixture(unsigned seed, int lead_count, double duplicate_share);

// A lead with a fresh identity and random routing inputs (used by the smaller tests too).
GeneratedLead random_lead(unsigned long long n, int source, unsigned seed);

// Writes workspaces, rules and leads.  Rules get created_at = now() - 1 day + offset, leads
// created_at = now() - 1 hour + offset, so that arrival order is the generated one.
void insert_workspaces(pqxx::transaction_base& tx, const Fixture& f);
void insert_rules(pqxx::transaction_base& tx, const Fixture& f);
void insert_leads(pqxx::transaction_base& tx, const Fixture& f);
inline void insert_fixture(pqxx::transaction_base& tx, const Fixture& f) {
    insert_workspaces(tx, f);
    insert_rules(tx, f);
    insert_leads(tx, f);
}
// The same in one transaction of its own.
inline void insert_fixture(pqxx::connection& conn, const Fixture& f) {
    pqxx::work tx{conn};
    insert_fixture(tx, f);
    tx.commit();
}

}  // namespace lrtest
