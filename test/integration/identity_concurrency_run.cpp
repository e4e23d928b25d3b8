// Generates the scenario of identity_concurrency_run.h and runs it with the sessions of
// router_sessions.h.
#include "identity_concurrency_run.h"

#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <utility>

namespace lrtest::identity {
namespace {

using Clock = std::chrono::steady_clock;

// Members of a group arrive within this many positions of each other.
constexpr double kGroupSpread = 25;
// The hot person's variants arrive among the first this many leads, where all 8 sessions start.
constexpr double kHotSpread = 2000;

class Rng {
public:
    explicit Rng(unsigned long long seed) : engine_(seed) {}
    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(engine_) < p; }
    int range(int low, int high) { return std::uniform_int_distribution<int>(low, high)(engine_); }
    double real(double low, double high) { return std::uniform_real_distribution<double>(low, high)(engine_); }

private:
    std::mt19937_64 engine_;
};

// ---- emails ----

std::string base_email(int person) {
    return "person" + std::to_string(person) + ".lead@mail" + std::to_string(person % 53) + ".example";
}

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// Printable ASCII as its full-width form (U+FF01..U+FF5E), which NFKC maps back.
std::string full_width(const std::string& ascii) {
    icu::UnicodeString wide;
    for (const char c : ascii) {
        wide.append(c >= '!' && c <= '~' ? static_cast<UChar32>(0xFF01 + (c - '!')) : static_cast<UChar32>(c));
    }
    std::string out;
    wide.toUTF8String(out);
    return out;
}

// The same address written another way: case, white space (ASCII, no-break, ideographic),
// full-width letters, a zero-width space.
std::string email_variant(const std::string& email, int style) {
    switch (style % 8) {
        case 0:
            return email;
        case 1:
            return upper(email);
        case 2:
            return "  " + email + " ";
        case 3: {
            std::string s = email;
            s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
            const std::size_t at = s.find('@') + 1;
            s[at] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[at])));
            return "\t" + s + "  ";
        }
        case 4:
            return full_width(email);
        case 5:
            return full_width(upper(email));
        case 6:
            return "\u00a0" + email + "\u3000";
        default:
            return email.substr(0, 1) + "\u200b" + email.substr(1);
    }
}

// ---- phones ----

struct Country {
    const char* region;
    const char* code;
    const char* trunk;        // the national prefix
    std::vector<int> groups;  // digit groups of the national significant number
};

const std::vector<Country> kCountries = {
    {"US", "1", "", {3, 3, 4}},         {"GB", "44", "0", {2, 4, 4}}, {"DE", "49", "0", {2, 4, 4}},
    {"FR", "33", "0", {1, 2, 2, 2, 2}}, {"AU", "61", "0", {1, 4, 4}},
};

// The national significant number of a phone person: one per person, in one of five countries.
std::string national_number(int person) {
    const long k = person / static_cast<long>(kCountries.size());
    char digits[16];
    switch (person % static_cast<int>(kCountries.size())) {
        case 0:  // New York: 212 + exchange 200-999 + line
            std::snprintf(digits, sizeof digits, "212%03ld%04ld", 200 + (k / 10000) % 800, k % 10000);
            break;
        case 1:  // London: 20 7xxx xxxx
            std::snprintf(digits, sizeof digits, "207%07ld", k % 10000000);
            break;
        case 2:  // Berlin: 30 1xxx xxxx
            std::snprintf(digits, sizeof digits, "301%07ld", k % 10000000);
            break;
        case 3:  // Paris: 1 4x xx xx xx
            std::snprintf(digits, sizeof digits, "14%07ld", k % 10000000);
            break;
        default:  // Sydney: 2 9xxx xxxx
            std::snprintf(digits, sizeof digits, "29%07ld", k % 10000000);
    }
    return digits;
}

std::string grouped(const std::string& digits, const std::vector<int>& groups, const char* sep) {
    std::string out;
    std::size_t at = 0;
    for (const int n : groups) {
        if (!out.empty()) out += sep;
        out += digits.substr(at, static_cast<std::size_t>(n));
        at += static_cast<std::size_t>(n);
    }
    return out;
}

struct WrittenPhone {
    std::string text;
    std::optional<std::string> country;  // the lead's country, when the form needs it
};

// The phone of `person` in `form`; `style` varies the punctuation (and the case of the
// country a national number comes with).
WrittenPhone write_phone(int person, PhoneForm form, int style) {
    const Country& c = kCountries[static_cast<std::size_t>(person) % kCountries.size()];
    const std::string nsn = national_number(person);
    static const char* const kSeparators[] = {" ", "-", "."};
    const char* sep = kSeparators[style % 3];
    WrittenPhone out;
    switch (form) {
        case PhoneForm::plus:
            if (style % 4 == 3 && *c.trunk != '\0') {  // the trunk prefix kept in brackets
                out.text = std::string("+") + c.code + " (0)" + grouped(nsn, c.groups, " ");
            } else {
                out.text = std::string("+") + c.code + sep + grouped(nsn, c.groups, sep);
            }
            if (style % 7 == 6) out.text = full_width(out.text);  // full-width digits
            break;
        case PhoneForm::double_zero:
            out.text = std::string("00") + c.code + " " + grouped(nsn, c.groups, " ");
            break;
        case PhoneForm::national: {
            const std::size_t area = static_cast<std::size_t>(c.groups[0]);
            const std::string first = c.trunk + nsn.substr(0, area);
            const std::string tail =
                grouped(nsn.substr(area), std::vector<int>(c.groups.begin() + 1, c.groups.end()), sep);
            out.text = style % 2 == 1 ? "(" + first + ") " + tail : first + sep + tail;
            // the lead's country names the region, in any case, with spaces around
            std::string region = c.region;
            if (style % 3 == 1) {
                for (char& ch : region) {
                    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                }
            } else if (style % 3 == 2) {
                region = " " + region + " ";
            }
            out.country = region;
            break;
        }
        case PhoneForm::none:
            break;
    }
    return out;
}

// ---- the fixture ----

class Builder {
public:
    explicit Builder(unsigned seed) : rng_(seed) {
        add_workspaces(f_, kSources, kPartners);
        for (int s = 0; s < kSources; ++s) {
            rules::Rule large;
            large.id = test_uuid(0x5e1e0400u, static_cast<unsigned long long>(2 * s + 1));
            large.source = f_.sources[static_cast<std::size_t>(s)];
            large.destination = f_.partners[static_cast<std::size_t>(2 * s)];
            large.name = "source " + std::to_string(s + 1) + ": large companies";
            large.priority = 20;
            large.conditions = rules::conditions(R"({"company_size": {"gte": 100}})");
            rules::Rule rest = large;
            rest.id = test_uuid(0x5e1e0400u, static_cast<unsigned long long>(2 * s + 2));
            rest.destination = f_.partners[static_cast<std::size_t>(2 * s + 1)];
            rest.name = "source " + std::to_string(s + 1) + ": unless on hold";
            rest.priority = 10;
            rest.conditions = rules::conditions(R"({"attributes.hold": {"exists": false}})");
            f_.rules.push_back(large);
            f_.rules.push_back(rest);
        }
    }

    // A lead of the current group; position: where in arrival order it should come.
    void lead(int email_person, int email_style, int phone_person, PhoneForm form, int phone_style, int source,
              double position) {
        GeneratedLead l;
        l.id = test_uuid(0x1dc00000u, f_.leads.size() + 1);
        l.source = f_.sources[static_cast<std::size_t>(source)];
        l.identity = group_id_;
        rules::LeadInputs& in = l.inputs;
        if (email_person >= 0) in.email = email_variant(base_email(email_person), email_style);
        if (phone_person >= 0) {
            const WrittenPhone phone = write_phone(phone_person, form, phone_style);
            in.phone = phone.text;
            in.country = phone.country;
        }
        if (!in.country && rng_.chance(0.6)) {
            in.country = kCountries[static_cast<std::size_t>(rng_.range(0, 4))].region;
        }
        in.company_name = "Company " + std::to_string(rng_.range(1, 3000));
        in.company_size = static_cast<int>(std::lround(std::exp(rng_.real(0, std::log(5000.0)))));
        if (group_ != Group::hot && rng_.chance(0.04)) in.attributes["hold"] = true;
        f_.leads.push_back(std::move(l));
        Planted p;
        p.group = group_;
        p.group_id = group_id_;
        p.email_person = email_person;
        p.phone_person = phone_person;
        p.phone_form = phone_person < 0 ? PhoneForm::none : form;
        planted_.push_back(p);
        positions_.push_back(position);
    }

    void start_group(Group g) {
        group_ = g;
        ++group_id_;
        base_ = rng_.real(0, kLeads);
    }
    double near() { return base_ + rng_.real(0, kGroupSpread); }
    int source() { return rng_.range(0, kSources - 1); }
    int email_style() { return rng_.range(0, 7); }
    int phone_style() { return rng_.range(0, 11); }
    PhoneForm form() {
        static const PhoneForm kForms[] = {PhoneForm::plus, PhoneForm::double_zero, PhoneForm::national};
        return kForms[rng_.range(0, 2)];
    }
    // One of the two forms other than `f`.
    PhoneForm other_form(PhoneForm f) {
        static const PhoneForm kForms[] = {PhoneForm::plus, PhoneForm::double_zero, PhoneForm::national};
        const int i = f == PhoneForm::plus ? 0 : f == PhoneForm::double_zero ? 1 : 2;
        return kForms[(i + rng_.range(1, 2)) % 3];
    }
    bool chance(double p) { return rng_.chance(p); }
    int next_email() { return ++emails_; }
    int next_phone() { return ++phones_; }
    int leads() const { return static_cast<int>(f_.leads.size()); }

    // Arrival order by position: created_at offsets in that order.
    void finish(Run& run) {
        std::vector<int> order(f_.leads.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
        std::sort(order.begin(), order.end(), [&](int a, int b) {
            return positions_[static_cast<std::size_t>(a)] < positions_[static_cast<std::size_t>(b)];
        });
        for (std::size_t rank = 0; rank < order.size(); ++rank) {
            f_.leads[static_cast<std::size_t>(order[rank])].created_offset_ms = static_cast<int>(rank);
        }
        run.fixture = std::move(f_);
        run.planted = std::move(planted_);
    }

private:
    Rng rng_;
    Fixture f_;
    std::vector<Planted> planted_;
    std::vector<double> positions_;
    Group group_ = Group::single;
    int group_id_ = 0;
    double base_ = 0;
    int emails_ = 0;
    int phones_ = 0;
};

void make_fixture(Run& run) {
    Builder b(kSeed);
    // The hot person: every email variant, every phone form, across every source workspace.
    b.start_group(Group::hot);
    {
        const int email = b.next_email(), phone = b.next_phone();
        Rng spread(kSeed + 1);
        for (int v = 0; v < kHotVariants; ++v) {
            static const PhoneForm kForms[] = {PhoneForm::plus, PhoneForm::double_zero, PhoneForm::national};
            b.lead(email, v, phone, kForms[v % 3], v / 3, v % kSources, spread.real(0, kHotSpread));
        }
    }
    // The same person two or three times.
    for (int g = 0; g < 1200; ++g) {
        b.start_group(Group::both);
        const int email = b.next_email(), phone = b.next_phone();
        const int copies = b.chance(0.5) ? 2 : 3;
        for (int k = 0; k < copies; ++k) {
            b.lead(email, b.email_style(), phone, b.form(), b.phone_style(), b.source(), b.near());
        }
    }
    // Two leads sharing only an email: each with a phone of its own, or none.
    for (int g = 0; g < 1500; ++g) {
        b.start_group(Group::email_only);
        const int email = b.next_email();
        for (int k = 0; k < 2; ++k) {
            const int phone = b.chance(0.7) ? b.next_phone() : -1;
            b.lead(email, b.email_style(), phone, b.form(), b.phone_style(), b.source(), b.near());
        }
    }
    // Two leads sharing only a phone, in two different forms: each with an email of its own,
    // or none.
    for (int g = 0; g < 1500; ++g) {
        b.start_group(Group::phone_only);
        const int phone = b.next_phone();
        const PhoneForm first = b.form();
        const PhoneForm second = b.other_form(first);
        for (const PhoneForm form : {first, second}) {
            const int email = b.chance(0.85) ? b.next_email() : -1;
            b.lead(email, b.email_style(), phone, form, b.phone_style(), b.source(), b.near());
        }
    }
    // Chains: B shares the email with A and the phone with C.
    for (int g = 0; g < 500; ++g) {
        b.start_group(Group::chain);
        const int e1 = b.next_email(), e2 = b.next_email();
        const int p1 = b.next_phone(), p2 = b.next_phone();
        b.lead(e1, b.email_style(), p1, b.form(), b.phone_style(), b.source(), b.near());
        b.lead(e1, b.email_style(), p2, b.form(), b.phone_style(), b.source(), b.near());
        b.lead(e2, b.email_style(), p2, b.form(), b.phone_style(), b.source(), b.near());
    }
    // Everyone else: a person of their own, most with a phone.
    while (b.leads() < kLeads) {
        b.start_group(Group::single);
        const int phone = b.chance(0.75) ? b.next_phone() : -1;
        b.lead(b.next_email(), b.email_style(), phone, b.form(), b.phone_style(), b.source(), b.near());
    }
    b.finish(run);
}

std::unique_ptr<Run> execute() {
    auto run = std::make_unique<Run>();
    make_fixture(*run);
    {
        pqxx::connection setup = sessions::session(run->db, "lead_router_it_setup");
        const auto started = Clock::now();
        insert_fixture(setup, run->fixture);
        exec(setup, "ANALYZE lead_router.leads");
        run->stats.insert_s = std::chrono::duration<double>(Clock::now() - started).count();
    }

    // route_lead takes the leads in a random order
    std::vector<std::string> order;
    for (const GeneratedLead& l : run->fixture.leads) order.push_back(l.id);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(kSeed + 2));

    const std::vector<sessions::Field> fields{sessions::Field::duplicate_lead, sessions::Field::duplicate_key};
    const sessions::Config config{"lead_router_it_", kLeadSessions, kBatchSessions, kBatchSize, fields};
    sessions::run_sessions(config, run->db, std::move(order), run->reports, run->errors, run->stats);
    const RunStats& st = run->stats;
    std::printf(
        "identity keys: %zu leads inserted in %.2f s; %d route_lead + %d route_pending_leads(%d) "
        "sessions decided them in %.2f s (%.0f leads/s): %ld route_lead calls (%ld retries of "
        "'locked' leads), %ld route_pending_leads calls, %ld 'locked' answers, %zu errors\n",
        run->fixture.leads.size(), st.insert_s, kLeadSessions, kBatchSessions, kBatchSize, st.wall_s,
        static_cast<double>(run->fixture.leads.size()) / st.wall_s, st.lead_calls, st.locked_retries, st.batch_calls,
        st.locked_answers, run->errors.size());
    std::fflush(stdout);
    return run;
}

// The run, once made; released by release_identity_run().
sessions::RunOnce<Run>& slot() {
    static sessions::RunOnce<Run> s;
    return s;
}

}  // namespace

const char* group_name(Group g) {
    switch (g) {
        case Group::single:
            return "single";
        case Group::both:
            return "both";
        case Group::email_only:
            return "email_only";
        case Group::phone_only:
            return "phone_only";
        case Group::chain:
            return "chain";
        case Group::hot:
            return "hot";
    }
    return "?";
}

const char* phone_form_name(PhoneForm f) {
    switch (f) {
        case PhoneForm::none:
            return "none";
        case PhoneForm::plus:
            return "+CC";
        case PhoneForm::double_zero:
            return "00CC";
        case PhoneForm::national:
            return "national";
    }
    return "?";
}

const Run& identity_run() { return slot().get("identity keys", execute); }

void release_identity_run() { slot().release(); }

}  // namespace lrtest::identity
