// The WAL of a measurement split by relation and by record type, read back with pg_waldump
// (bench/README.md, "WAL per lead").  Each record is counted under the relation of its first
// block reference (heap or index; "(none)" for records without one, such as commits), with its
// length without and with full-page images (pg_waldump's "len (rec/tot)").
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "core/json_document.h"

namespace bench {

struct WalDump {
    std::string pg_waldump;  // path of the binary; empty: not available
    std::string wal_dir;     // the server's pg_wal (read as root)
};

// The split of the WAL between each pair of LSNs (a measurement in interleaved slices has
// several), for `leads` leads: {records, bytes, fpi_bytes, bytes_per_lead, by_relation[],
// by_record[]}, or {error} when pg_waldump could not read it.  `admin` names the relations.
lead_router::core::Json split_wal(const WalDump& dump, pqxx::connection& admin,
                                  const std::vector<std::pair<std::string, std::string>>& ranges, long leads);

}  // namespace bench
