// Exactly once across identity keys (SPEC.md "Identity"), under concurrency: 20,000 leads whose
// emails and phones overlap -- some leads share only an email with another, some only a phone
// written another way (+CC, 00CC, the national form with the lead's country set), some both,
// and one hot person written 40 ways across every source workspace -- routed by 8 sessions at
// once: 4 call route_pending_leads(50), which takes the oldest due leads, and 4 call route_lead
// on the leads in a random order (retrying a lead that comes back 'locked' until it is
// decided).  Members of a group arrive close together, so that batches of different sessions
// route them at the same moment, while route_lead meets them anywhere.  The run happens once
// per test binary (identity_concurrency_run.cpp); identity_concurrency_test.cpp checks it, one
// property per test case.
#pragma once

#include <string>
#include <vector>

#include "router_sessions.h"
#include "routing_fixture.h"
#include "test_database.h"

namespace lrtest::identity {

constexpr int kLeads = 20000;
constexpr int kHotVariants = 40;
constexpr int kSources = 4;
constexpr int kPartners = 8;       // two per source: every source routes to partners of its own
constexpr int kLeadSessions = 4;   // route_lead, one lead per call
constexpr int kBatchSessions = 4;  // route_pending_leads(kBatchSize)
constexpr int kBatchSize = 50;
constexpr unsigned kSeed = 20261202;

// How a lead's identity was planted.
enum class Group {
    single,      // a person of their own
    both,        // the same person two or three times: email and phone, written differently
    email_only,  // two leads sharing only the email (other phones, or none)
    phone_only,  // two leads sharing only the phone, in different forms (other emails, or none)
    chain,       // A(e1, p1), B(e1, p2), C(e2, p2): B shares the email with A, the phone with C
    hot,         // one person, kHotVariants variants across every source workspace
};
const char* group_name(Group g);

// How the lead's phone is written.
enum class PhoneForm { none, plus, double_zero, national };
const char* phone_form_name(PhoneForm f);

// Parallel to Fixture::leads: leads with the same email_person must share email_key, leads
// with different ones must not (and the same for phones); -1 means the lead has none.
struct Planted {
    Group group = Group::single;
    int group_id = 0;
    int email_person = -1;
    int phone_person = -1;
    PhoneForm phone_form = PhoneForm::none;
};

// One answer of route_lead or one row of route_pending_leads: the run records the status,
// the destination, duplicate_lead and duplicate_key (error stays empty).
using sessions::Report;
using sessions::RunStats;

struct Run {
    TestDatabase db{"identity_keys"};
    Fixture fixture;
    std::vector<Planted> planted;
    std::vector<Report> reports;
    std::vector<std::string> errors;  // statement errors and deadline misses of the sessions
    RunStats stats;
};

// The run, executed on first use (fixture inserted, leads routed, figures printed).  Throws if
// setting it up failed; later calls rethrow without running again.
const Run& identity_run();
// Drops the run's database, at the end of the test run (catch_hooks.cpp).
void release_identity_run();

}  // namespace lrtest::identity
