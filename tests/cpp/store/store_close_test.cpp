// Closing a store with writes still buffered: the destructor retries the flush, and speaks only when the
// caller has not already been told those writes failed (one error, one line).
#include <catch2/catch.hpp>

#include <iostream>
#include <sstream>

#include "store/store.hpp"
#include "store_test_util.hpp"

using namespace sv::store;
using sv::store::test::RawDb;
using sv::store::test::sample_run;
using sv::store::test::TempDir;
using Catch::Contains;

namespace {

// What `close` writes to std::cerr.
template <class F>
std::string cerr_of(F close) {
  std::ostringstream captured;
  std::streambuf* old = std::cerr.rdbuf(captured.rdbuf());
  close();
  std::cerr.rdbuf(old);
  return captured.str();
}

// A store with one buffered write that cannot be committed while `holder` keeps its write lock.
struct LockedWrite {
  TempDir dir;
  std::unique_ptr<Store> store = Store::create(dir.file("run.sqlite"), sample_run());
  RawDb holder{dir.file("run.sqlite")};
  LockedWrite() {
    holder.exec("BEGIN EXCLUSIVE");
    store->set_run_status("running");
  }
};

}  // namespace

TEST_CASE("closing after a flush whose failure the caller saw adds no second, alarming line", "[store]") {
  LockedWrite locked;
  auto& store = locked.store;
  CHECK_THROWS_WITH(store->flush(), Contains("locked by another process"));
  CHECK(cerr_of([&] { store.reset(); }) == "");
}

TEST_CASE("closing with writes no flush was asked for says they were never committed", "[store]") {
  LockedWrite locked;
  auto& store = locked.store;
  std::string said = cerr_of([&] { store.reset(); });
  CHECK_THAT(said, Contains("locked by another process") && Contains("1 buffered writes were never committed"));
}
