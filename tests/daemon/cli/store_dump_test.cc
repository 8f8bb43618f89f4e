// `store dump` and `rules list` open the store read-only and never write.
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "cli/commands.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;
using testing::TempDir;

TEST_CASE("store dump and rules list never write: a missing directory stays missing", "[cli]") {
  TempDir tmp;
  const auto missing = tmp.path / "missing";
  for (auto what : {approvald::cli::DumpWhat::kCases, approvald::cli::DumpWhat::kMarks,
                    approvald::cli::DumpWhat::kTallies}) {
    std::ostringstream out, err;
    CHECK(approvald::cli::dump_store(missing.string(), what, out, err) == 1);
    CHECK(err.str() == missing.string() + ": no such directory; nothing was read or created\n");
    CHECK(out.str().empty());
  }
  std::ostringstream out, err;
  CHECK(approvald::cli::list_rules(missing.string(), out, err) == 1);
  CHECK_FALSE(fs::exists(missing));
}

TEST_CASE("store dump and rules list never write: an empty directory stays empty", "[cli]") {
  TempDir tmp;
  const auto empty = tmp.path / "empty";
  fs::create_directories(empty);
  std::ostringstream out, err;
  CHECK(approvald::cli::dump_store(empty.string(), approvald::cli::DumpWhat::kCases, out, err) ==
        1);
  CHECK(err.str() == empty.string() + ": holds no store (no " + (empty / "store/CURRENT").string() +
                         "); nothing was read or created\n");
  std::ostringstream out2, err2;
  CHECK(approvald::cli::list_rules(empty.string(), out2, err2) == 1);
  CHECK(fs::is_empty(empty));
  // An empty store directory (a daemon that never started there) is no store either.
  fs::create_directories(empty / "store");
  std::ostringstream out3, err3;
  CHECK(approvald::cli::dump_store(empty.string(), approvald::cli::DumpWhat::kMarks, out3, err3) ==
        1);
  CHECK(fs::is_empty(empty / "store"));
}
