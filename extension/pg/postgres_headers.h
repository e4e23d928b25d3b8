// The one place that includes PostgreSQL's C headers for C++ code, with C linkage.  The
// Makefile passes PostgreSQL's include directory with -isystem, so the warnings its headers
// raise under C++17 (`register`, sign comparisons) are not reported against our code.
// Every adapter and entry-point file includes this header first.
#pragma once

extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/elog.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}
