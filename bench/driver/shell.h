// Running the tools the bench drives (pg_waldump, perf, pgbench) through the shell.  Only our
// own values go into a command line: paths we chose and numbers.
#pragma once

#include <string>

namespace bench {

// `s` in single quotes, for the shell.
std::string shell_quoted(const std::string& s);

// Runs `command` with /bin/sh and returns what it printed on stdout; *status is pclose's
// status, or -1 when the command could not be started.
std::string run_command(const std::string& command, int* status);

}  // namespace bench
