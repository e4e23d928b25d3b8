#include "wal_split.h"

#include <algorithm>
#include <cstdio>
#include "shell.h"

#include <map>
#include <cstdlib>
#include <string_view>
#include <tuple>

namespace bench {
namespace {

using lead_router::core::Json;

struct Sum {
    long long records = 0, bytes = 0, fpi_bytes = 0;
    void add(long long rec, long long tot) {
        ++records;
        bytes += tot;
        fpi_bytes += tot - rec;
    }
};

Json sums_json(const Sum& s, long leads) {
    return {{"records", s.records},
            {"bytes", s.bytes},
            {"fpi_bytes", s.fpi_bytes},
            {"bytes_per_lead", leads > 0 ? Json(std::llround(static_cast<double>(s.bytes) / leads)) : Json(nullptr)},
            {"records_per_lead", leads > 0 ? Json(std::round(100.0 * s.records / leads) / 100) : Json(nullptr)}};
}

}  // namespace

Json split_wal(const WalDump& dump, pqxx::connection& admin,
               const std::vector<std::pair<std::string, std::string>>& ranges, long leads) {
    if (dump.pg_waldump.empty() || dump.wal_dir.empty()) return {{"error", "pg_waldump not available"}};
    // rmgr: Heap len (rec/tot): 79/ 79, tx: 747, lsn: 0/0155D7C8, prev 0/0155D790, desc: HOT_UPDATE ..., blkref #0: rel
    // 1663/5/16384 blk 0 (read with find and strtoll: a measurement's dump has a million lines)
    Sum total;
    std::map<std::tuple<long long, long long, long long>, Sum> by_rel;  // spc, db, filenode
    Sum no_relation;
    std::map<std::string, Sum> by_record;
    std::string error;
    for (const auto& [from, to] : ranges) {
        if (from == to) continue;
        const std::string command = shell_quoted(dump.pg_waldump) + " -p " + shell_quoted(dump.wal_dir) + " -s " +
                                    shell_quoted(from) + " -e " + shell_quoted(to) + " 2>&1";
        FILE* pipe = popen(command.c_str(), "r");
        if (pipe == nullptr) return {{"error", "cannot run pg_waldump"}};
        char buffer[16384];
        std::string last_other;
        const long long records_before = total.records;
        while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
            const std::string_view line(buffer);
            const std::size_t len_at = line.find("len (rec/tot):");
            const std::size_t desc_at = line.find("desc: ");
            if (line.rfind("rmgr: ", 0) != 0 || len_at == std::string_view::npos || desc_at == std::string_view::npos) {
                last_other = std::string(line);
                continue;
            }
            std::size_t rmgr_end = 6;
            while (rmgr_end < line.size() && line[rmgr_end] != ' ') ++rmgr_end;
            char* next = nullptr;
            const long long rec = std::strtoll(buffer + len_at + 14, &next, 10);
            const long long tot = std::strtoll(next + 1, nullptr, 10);
            std::size_t desc_end = desc_at + 6;
            while (desc_end < line.size() && line[desc_end] != ' ' && line[desc_end] != '\n' && line[desc_end] != ',') {
                ++desc_end;
            }
            total.add(rec, tot);
            std::string record(line.substr(6, rmgr_end - 6));
            record += "/";
            record += line.substr(desc_at + 6, desc_end - desc_at - 6);
            by_record[record].add(rec, tot);
            const std::size_t rel_at = line.find("blkref #0: rel ");
            if (rel_at != std::string_view::npos) {
                char* p = buffer + rel_at + 15;
                const long long spc = std::strtoll(p, &p, 10);
                const long long db = std::strtoll(p + 1, &p, 10);
                const long long node = std::strtoll(p + 1, &p, 10);
                by_rel[{spc, db, node}].add(rec, tot);
            } else {
                no_relation.add(rec, tot);
            }
        }
        const int status = pclose(pipe);
        // pg_waldump ends with an error line when the range's end is not a record boundary
        // ("error in WAL record at ..."): only a dump that read nothing is a failure.
        if (status != 0 && total.records == records_before) error = "pg_waldump failed: " + last_other;
    }
    if (!error.empty()) return {{"error", error}};

    // Names of this database's relations (pg_filenode_relation; tablespace 0 = the default).
    long long this_db = 0;
    {
        pqxx::nontransaction tx{admin};
        this_db = tx.exec1("SELECT oid::bigint FROM pg_database WHERE datname = current_database()")[0].as<long long>();
    }
    std::vector<std::pair<std::string, Sum>> relations;
    std::map<std::string, Sum> named;
    for (const auto& [key, sum] : by_rel) {
        const auto& [spc, db, node] = key;
        std::string name;
        if (db != this_db) {
            name = db == 0 ? "(shared catalogs)" : "(other databases)";
        } else {
            pqxx::nontransaction tx{admin};
            const pqxx::row r = tx.exec_params1(
                "SELECT coalesce(pg_filenode_relation(CASE WHEN $1 = (SELECT oid FROM pg_tablespace"
                " WHERE spcname = 'pg_default') THEN 0 ELSE $1 END::oid, $2::oid)::regclass::text,"
                " 'filenode ' || $2)",
                spc, node);
            name = r[0].c_str();
        }
        Sum& s = named[name];
        s.records += sum.records;
        s.bytes += sum.bytes;
        s.fpi_bytes += sum.fpi_bytes;
    }
    for (const auto& [name, sum] : named) relations.emplace_back(name, sum);
    if (no_relation.records > 0) relations.emplace_back("(none: commits and other records)", no_relation);
    std::sort(relations.begin(), relations.end(),
              [](const auto& a, const auto& b) { return a.second.bytes > b.second.bytes; });
    std::vector<std::pair<std::string, Sum>> records(by_record.begin(), by_record.end());
    std::sort(records.begin(), records.end(),
              [](const auto& a, const auto& b) { return a.second.bytes > b.second.bytes; });

    Json out = sums_json(total, leads);
    out["leads"] = leads;
    Json rel = Json::array();
    for (const auto& [name, sum] : relations) {
        Json j = sums_json(sum, leads);
        j["relation"] = name;
        rel.push_back(j);
    }
    Json rec = Json::array();
    for (const auto& [name, sum] : records) {
        Json j = sums_json(sum, leads);
        j["record"] = name;
        rec.push_back(j);
    }
    out["by_relation"] = rel;
    out["by_record"] = rec;
    return out;
}

}  // namespace bench
