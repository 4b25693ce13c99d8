// Schema of a run store and its version. The version lives in `meta` (key 'schema_version'), which is
// also how a file is recognised as ours, and is mirrored in `PRAGMA user_version` for generic tools.
#pragma once
#include <string>

struct sqlite3;

namespace sv::store::detail {

/// Creates every table and index of version kSchemaVersion and records the version, in one transaction.
void create_schema(sqlite3* db, const std::string& path);

/// The version recorded in the store. Throws StoreError "PATH: not a Supervisor run store (...)" when the
/// file is not an SQLite database or carries no Supervisor version.
int read_schema_version(sqlite3* db, const std::string& path);

/// Throws StoreError unless this build can read and write a store of `version`: any version up to
/// kSchemaVersion (older ones are read as they are and migrated by the writer).
void check_schema_version(int version, const std::string& path);

/// Upgrades a store of an older `version` to kSchemaVersion in one transaction (nothing when current).
/// Only the writer calls this; readers of an older store ask has_column instead.
void migrate_schema(sqlite3* db, const std::string& path, int version);

/// True when `table` has `column` (a store of an older version may lack a newer column).
bool has_column(sqlite3* db, const std::string& path, const char* table, const char* column);

/// True when the store has `table` (or view): the tables made by their first write (gpu_samples, workers)
/// and those a store of an older version may lack (submissions).
bool has_table(sqlite3* db, const std::string& path, const char* table);

}  // namespace sv::store::detail
