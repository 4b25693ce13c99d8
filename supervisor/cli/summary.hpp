// The short results table `run` prints at the end and `status` prints any time.
#pragma once
#include <string>

#include "engine/server.hpp"
#include "spec/workflow_spec.hpp"
#include "store/store.hpp"

namespace sv::cli {

void print_summary(const spec::WorkflowSpec& spec, const store::Store& store, const std::string& out_dir,
                   const engine::RunOutcome& outcome);

/// "first failure (node 1): <first line of its error>", the line that says why tasks fail.
std::string first_failure_line(const store::Store& store);

/// Top results of a store as a table on stdout.
void print_best(const store::Store& store, bool minimize, int limit);

}  // namespace sv::cli
