// normalize_bench: what identity normalisation costs per lead, without a server.
//
// Times the core's own functions (extension/core/, the code the leads trigger and the SQL
// functions run) over a realistic mix of lead identities, ASCII and non-ASCII: email
// (normalize_email), phone in its lead's region (phone_region + normalize_phone), company
// (normalize_company) and all three identity keys with their SHA-256 (identity_keys, what the
// trigger computes per written lead).  Each function is run over the whole mix for at least
// --seconds, after one untimed pass; --repeats such runs are made and the median is reported,
// in microseconds per lead.  Output: one JSON document on stdout (bench/run_bench.sh passes it
// to the driver, which puts it into the results and the summary).
//
//   bench/micro/normalize_bench [--seconds S] [--repeats N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/dedupe_hash.h"
#include "core/identity_normalizer.h"
#include "core/json_document.h"
#include "core/unicode_text.h"

namespace {

using lead_router::core::IdentityInput;
using lead_router::core::Json;
namespace core = lead_router::core;

struct Lead {
    std::string email, phone, company, country;
    const char* phone_form;  // how the phone is written (the timings per form)
    bool ascii;
};

bool is_ascii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// The mix: every fourth lead non-ASCII (accented names composed and decomposed, full-width
// letters, Cyrillic, Greek, CJK company names), phones in E.164, national, "00" and
// punctuated forms for US, GB, DE, FR and JP leads, some leads without a phone or an email.
std::vector<Lead> lead_mix() {
    const char* first_ascii[] = {"john", "mary", "PETER", "Anna", "li", "Omar", "sarah", "Tom"};
    const char* last_ascii[] = {"smith", "Jones", "brown", "Miller", "Wang", "Khan", "Lee", "DAVIS"};
    const char* first_utf8[] = {"José",   "Zoë",          "François",   "Łukasz",  "Søren",
                                "Jürgen", "Jose\xcc\x81", "Ｍａｒｉａ", "Дмитрий", "Ελένη"};
    const char* last_utf8[] = {"García",
                               "Müller",
                               "Dubois",
                               "Nowak",
                               "Jørgensen",
                               "Öztürk",
                               "Garci\xcc\x81"
                               "a",
                               "Ｓｍｉｔｈ",
                               "Иванов",
                               "Παπαδοπούλου"};
    const char* companies_ascii[] = {"Acme Inc",    "Acme, Inc.",    "  Globex   Corporation ",
                                     "Initech LLC", "Umbrella Corp", "Hooli"};
    const char* companies_utf8[] = {"Société Générale", "Müller GmbH",  "株式会社サンプル",
                                    "ООО Ромашка",      "Ｇｌｏｂｅｘ", "Café\xc2\xa0Noir"};
    const char* countries[] = {"US", "GB", "DE", "FR", "JP", "us ", "", "CA"};
    std::vector<Lead> out;
    for (int i = 0; i < 4000; ++i) {
        Lead l;
        const bool utf8 = i % 4 == 3;
        const std::string first = utf8 ? first_utf8[i % 10] : first_ascii[i % 8];
        const std::string last = utf8 ? last_utf8[(i / 10) % 10] : last_ascii[(i / 8) % 8];
        l.email = (i % 9 == 0 ? "  " : "") + first + "." + last + std::to_string(i) + "@" +
                  (utf8 && i % 3 == 0 ? "exämple.de"
                   : i % 2            ? "Example.COM"
                                      : "mail.example") +
                  (i % 11 == 0 ? " " : "");
        if (i % 17 == 5) l.email.clear();  // phone-only leads
        l.country = countries[i % 8];
        const int n = 1000 + i;
        char phone[64];
        const char* forms[] = {"+CC E.164", "national (US)", "+CC E.164",          "national (GB)",     "00CC",
                               "+CC E.164", "national (JP)", "+CC with extension", "local digits only", "none"};
        l.phone_form = forms[i % 10];
        switch (i % 10) {
            case 0:
                std::snprintf(phone, sizeof phone, "+1 202 555 %04d", n % 10000);
                break;
            case 1:
                std::snprintf(phone, sizeof phone, "(202) 555-%04d", n % 10000);
                break;
            case 2:
                std::snprintf(phone, sizeof phone, "+44 20 7946 %04d", n % 10000);
                break;
            case 3:
                std::snprintf(phone, sizeof phone, "020 7946 %04d", n % 10000);
                break;
            case 4:
                std::snprintf(phone, sizeof phone, "0049 30 1234%04d", n % 10000);
                break;
            case 5:
                std::snprintf(phone, sizeof phone, "+33 1 42 68 %02d %02d", n % 100, (n / 100) % 100);
                break;
            case 6:
                std::snprintf(phone, sizeof phone, "03-1234-%04d", n % 10000);
                break;
            case 7:
                std::snprintf(phone, sizeof phone, "+1 (415) 555-%04d ext. 12", n % 10000);
                break;
            case 8:
                std::snprintf(phone, sizeof phone, "555%04d", n % 10000);
                break;
            default:
                phone[0] = '\0';
                break;  // no phone
        }
        l.phone = phone;
        if (utf8 && i % 10 == 2) {
            l.phone = "+44 ２０ ７９４６ ０" + std::to_string(n % 1000);
            l.phone_form = "+CC full-width digits";
        }
        l.company = utf8 ? companies_utf8[i % 6] : companies_ascii[i % 6];
        l.ascii = is_ascii(l.email) && is_ascii(l.phone) && is_ascii(l.company);
        out.push_back(std::move(l));
    }
    return out;
}

using Clock = std::chrono::steady_clock;
volatile std::size_t sink = 0;  // keeps the results alive

// Median over `repeats` runs of the µs per lead of `one` over `leads`, each run at least
// `seconds` long.
double micros_per_lead(const std::vector<const Lead*>& leads, double seconds, int repeats,
                       const std::function<std::size_t(const Lead&)>& one) {
    if (leads.empty()) return 0;
    // warm-up: ICU's and libphonenumber's data loaded, their caches filled
    for (std::size_t i = 0; i < std::min<std::size_t>(leads.size(), 200); ++i) sink = sink + one(*leads[i]);
    std::vector<double> runs;
    for (int r = 0; r < repeats; ++r) {
        const Clock::time_point t0 = Clock::now();
        long n = 0;
        double elapsed = 0;
        do {
            for (const Lead* l : leads) sink = sink + one(*l);
            n += static_cast<long>(leads.size());
            elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
        } while (elapsed < seconds);
        runs.push_back(elapsed * 1e6 / static_cast<double>(n));
    }
    std::sort(runs.begin(), runs.end());
    return runs[runs.size() / 2];
}

std::string region_of(const Lead& l) {
    const std::optional<std::string> r = core::phone_region(l.country);
    return r ? *r : std::string();
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 0.5;
    int repeats = 5;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = std::stod(argv[++i]);
        } else if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) {
            repeats = std::max(1, std::stoi(argv[++i]));
        } else {
            std::fprintf(stderr, "usage: normalize_bench [--seconds S] [--repeats N]\n");
            return 2;
        }
    }
    const std::vector<Lead> mix = lead_mix();
    std::vector<const Lead*> all, ascii, non_ascii;
    for (const Lead& l : mix) {
        all.push_back(&l);
        (l.ascii ? ascii : non_ascii).push_back(&l);
    }
    const std::pair<const char*, std::function<std::size_t(const Lead&)>> functions[] = {
        {"normalize_email", [](const Lead& l) { return core::normalize_email(l.email).size(); }},
        {"normalize_phone", [](const Lead& l) { return core::normalize_phone(l.phone, region_of(l)).text.size(); }},
        {"normalize_company", [](const Lead& l) { return core::normalize_company(l.company).size(); }},
        {"identity_keys",
         [](const Lead& l) {
             const std::string region = region_of(l);
             IdentityInput in{l.email, l.phone, l.company, region};
             const core::IdentityKeys k = core::identity_keys(in);
             return (k.email_key ? k.email_key->size() : 0) + (k.phone_key ? k.phone_key->size() : 0) +
                    (k.combined ? k.combined->size() : 0);
         }},
    };
    Json results = Json::array();
    for (const auto& [name, fn] : functions) {
        results.push_back({{"function", name},
                           {"us_per_lead", micros_per_lead(all, seconds, repeats, fn)},
                           {"us_per_lead_ascii", micros_per_lead(ascii, seconds, repeats, fn)},
                           {"us_per_lead_non_ascii", micros_per_lead(non_ascii, seconds, repeats, fn)}});
    }
    // normalize_phone per form of writing (libphonenumber's parse is most of the cost)
    std::vector<std::string> form_names;
    for (const Lead& l : mix) {
        if (std::find(form_names.begin(), form_names.end(), l.phone_form) == form_names.end()) {
            form_names.push_back(l.phone_form);
        }
    }
    Json by_form = Json::array();
    for (const std::string& form : form_names) {
        std::vector<const Lead*> of_form;
        for (const Lead& l : mix) {
            if (form == l.phone_form) of_form.push_back(&l);
        }
        by_form.push_back({{"form", form},
                           {"leads", of_form.size()},
                           {"us_per_lead", micros_per_lead(of_form, seconds, repeats, functions[1].second)}});
    }
    const Json doc = {
        {"leads_in_mix", mix.size()},
        {"ascii_leads", ascii.size()},
        {"non_ascii_leads", non_ascii.size()},
        {"seconds_per_run", seconds},
        {"repeats", repeats},
        {"libraries", core::unicode::versions() + ", libphonenumber " + core::phonenumber_version()},
        {"functions", results},
        {"normalize_phone_by_form", by_form},
    };
    std::printf("%s\n", doc.dump(2).c_str());
    return 0;
}
