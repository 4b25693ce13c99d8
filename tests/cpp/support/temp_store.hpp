// A fresh run store in a new temporary folder, for engine tests that need a real SQLite store.
#pragma once
#include <stdlib.h>

#include <memory>
#include <string>

#include "store/store.hpp"

namespace sv::test {

/// A store of a running run named "t", in a new folder /tmp/<prefix>-XXXXXX.
inline std::unique_ptr<store::Store> temp_store(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  std::string dir = mkdtemp(tmpl.data());
  store::RunInfo info;
  info.name = "t";
  info.status = "running";
  return store::Store::create(dir + "/supervisor.db", info);
}

}  // namespace sv::test
