// `store dump` and `rules list` open the store read-only and never write.
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "app/tools.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using testing::TempDir;

TEST_CASE("store dump and rules list never write: a missing directory stays missing", "[cli]") {
  TempDir tmp;
  const auto missing = tmp.path / "missing";
  for (auto what : {approvald::app::DumpWhat::kCases, approvald::app::DumpWhat::kMarks,
                    approvald::app::DumpWhat::kTallies}) {
    std::ostringstream out, err;
    CHECK(approvald::app::dump_store(missing.string(), what, out, err) == 1);
    CHECK(err.str() == missing.string() + ": no such directory; nothing was read or created\n");
    CHECK(out.str().empty());
  }
  std::ostringstream out, err;
  CHECK(approvald::app::list_rules(missing.string(), out, err) == 1);
  CHECK_FALSE(fs::exists(missing));
}

TEST_CASE("store dump and rules list never write: an empty directory stays empty", "[cli]") {
  TempDir tmp;
  const auto empty = tmp.path / "empty";
  fs::create_directories(empty);
  std::ostringstream out, err;
  CHECK(approvald::app::dump_store(empty.string(), approvald::app::DumpWhat::kCases, out, err) ==
        1);
  CHECK(err.str() == empty.string() + ": holds no store (no " + (empty / "store/CURRENT").string() +
                         "); nothing was read or created\n");
  std::ostringstream out2, err2;
  CHECK(approvald::app::list_rules(empty.string(), out2, err2) == 1);
  CHECK(fs::is_empty(empty));
  // An empty store directory (a daemon that never started there) is no store either.
  fs::create_directories(empty / "store");
  std::ostringstream out3, err3;
  CHECK(approvald::app::dump_store(empty.string(), approvald::app::DumpWhat::kMarks, out3, err3) ==
        1);
  CHECK(fs::is_empty(empty / "store"));
}
