// How the background worker paces itself (SPEC.md "Background worker", "Arrival routing"):
// the adaptive batch, whether to go round again at once, how long to sleep, which audit id
// to announce with NOTIFY lead_router_events, and which worker a committing backend wakes.
// Pure decisions over plain numbers; the worker (worker/retry_worker.cpp) and the wake-up
// (pg/worker_status.cpp) feed them what they read.
#pragma once

#include <cstdint>
#include <optional>

namespace lead_router::core {

// The original design's adaptive batch: more than 200 due -> 200, more than 50 -> 100, else
// 50; never more than `cap` (lead_router.worker_batch_size, at least 1).
int adaptive_batch(std::int64_t due, int cap);

// What one batch of the worker saw: `due` rows counted before it (counted up to a limit
// above the largest batch), the `batch` it asked for, how many leads it `took` (rows the
// routing function returned) and how many of those were `held` by another session's
// identity lock (status `locked`: still pending and due).
struct BatchSeen {
    std::int64_t due;
    int batch;
    int took;
    int held;
};

// Go round again at once: the batch was full, or more was due than one batch and this one
// made progress.  A batch that only met leads other sessions hold does not spin.
bool go_again(const BatchSeen& seen);

// While leads are held by other sessions the worker looks again after a short, growing
// delay (kFirstHeldDelayMs, doubling, at most `naptime_ms`) instead of a whole naptime:
// the holder's commit does not wake it.  `previous_ms` is 0 after a round without such leads.
inline constexpr int kFirstHeldDelayMs = 10;
int next_held_delay(int previous_ms, int naptime_ms);

// The sleep after a round, in ms: 0 to go again at once; else the naptime, shortened to
// the next retry due (`until_next_retry_ms` > 0, or 0 when none is scheduled) and to
// `held_delay_ms` (0: none).  Never below 1 ms when sleeping.
long sleep_after_round(bool again, int naptime_ms, std::int64_t until_next_retry_ms, int held_delay_ms);

// The payload of NOTIFY lead_router_events after a round, if one is due: the highest audit
// id the round knows of -- `last_drawn` (the id sequence's last value) when the round wrote
// audit rows itself, else `readable` (the events horizon minus one: every id up to it is
// final) -- when it is above what this worker announced last (`announced`).  Nothing when
// nothing new is known, so an idle server sends nothing.
std::optional<std::int64_t> events_announcement(std::int64_t announced, bool wrote_rows, std::int64_t last_drawn,
                                                std::int64_t readable);

// Which workers of a database a committing backend wakes.  `sleeping[i]` tells whether
// worker i (of `n`, n <= 64) was asleep on its latch when looked at; `start` rotates the
// choice.  One sleeping worker, the first at or after `start`, is enough: it takes the new
// leads at once.  When none sleeps, every worker is woken: a busy worker may have read its
// batch before the new leads committed and would otherwise sleep past them.  Returns a bit
// mask over the n workers.
std::uint64_t workers_to_wake(const bool* sleeping, int n, unsigned start);

}  // namespace lead_router::core
