// Errors: the exception hierarchy every component throws. A message a user sees names the input, the place
// and the next step; the CLI prints `what()` on one line and exits non-zero.
#pragma once
#include <stdexcept>
#include <string>

namespace sv::core {

/// Base of every error Supervisor raises on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad workflow/site input: YAML, keys, types, ranges, files it names.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// The SQLite store: cannot open, locked, corrupted, newer schema.
class StoreError : public Error {
 public:
  using Error::Error;
};

/// Model code or configuration that cannot be loaded or run.
class ModelError : public Error {
 public:
  using Error::Error;
};

/// Command-line misuse: wrong arguments, a path that is not a run directory.
class UsageError : public Error {
 public:
  using Error::Error;
};

/// MPI or message-encoding failures: a peer sent something malformed, an MPI call failed.
class CommError : public Error {
 public:
  using Error::Error;
};

}  // namespace sv::core
