#include "web/dashboard_api.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using approvald::ports::CaseTally;
using approvald::ports::PerfCounts;

TEST_CASE("an agency is red with a standing red card, yellow with a yellow one or an overdue case",
          "[dashboard]") {
  CHECK(approvald::web::board_status(CaseTally{5, 0, 1, 1, 3}) == "red");
  CHECK(approvald::web::board_status(CaseTally{5, 0, 1, 0, 0}) == "yellow");
  CHECK(approvald::web::board_status(CaseTally{5, 0, 0, 0, 2}) == "yellow");
  CHECK(approvald::web::board_status(CaseTally{5, 2, 0, 0, 0}) == "green");
}

TEST_CASE("the overview sums partitions, orders the board worst first and rates on time",
          "[dashboard]") {
  std::map<approvald::ports::TallyKey, CaseTally> tallies;
  tallies[{0, "AG-GREEN"}] = CaseTally{4, 1, 0, 0, 0};
  tallies[{0, "AG-RED"}] = CaseTally{2, 0, 1, 1, 0};
  tallies[{1, "AG-RED"}] = CaseTally{3, 0, 0, 1, 1};
  tallies[{1, "AG-YELLOW"}] = CaseTally{1, 0, 0, 0, 1};
  std::vector<approvald::store::PerfRow> perf = {
      {"AG-GREEN", "I1", PerfCounts{3, 3, 2, 3, 3, 12, 1}},
      {"AG-GREEN", "I2", PerfCounts{1, 1, 1, 1, 1, 2, 0}},
      {"AG-QUIET", "I9", PerfCounts{1, 0, 0, 1, 1, 4, 0}}};
  std::vector<approvald::web::HourCount> hours(2);
  hours[0].hour_ms = 0;
  hours[0].by_level[2] = 2;
  hours[1].hour_ms = 3'600'000;
  hours[1].by_level[0] = 5;
  approvald::web::ServiceInfo info{"1.0", "demo", 20000, std::nullopt};
  const auto j =
      boost::json::parse(approvald::web::overview_json(tallies, perf, hours, info, 0, 480));
  CHECK(j.at("cases").at("open") == 10);
  CHECK(j.at("cases").at("red") == 2);
  CHECK(j.at("alerts_last_day").at("red") == 2);
  CHECK(j.at("alerts_last_day").at("reminder") == 5);
  CHECK(j.at("alerts_by_hour").as_array()[1].at("hour") == "1970-01-01T09:00:00+08:00");
  CHECK(j.at("service").at("mode") == "demo");
  const auto& board = j.at("agencies").as_array();
  REQUIRE(board.size() == 4);  // an agency with decisions but no open case is on the board too
  CHECK(board[0].at("agency") == "AG-RED");
  CHECK(board[0].at("red") == 2);
  CHECK(board[0].at("on_time_rate").is_null());  // nothing decided
  CHECK(board[1].at("agency") == "AG-YELLOW");
  CHECK(board[2].at("status") == "green");
  const auto& green = board[2].at("agency") == "AG-GREEN" ? board[2] : board[3];
  CHECK(green.at("decided_30d") == 4);
  CHECK(green.at("on_time_rate").as_double() == Approx(0.75));
}

TEST_CASE("the performance table sums per agency or per item and rates each", "[dashboard]") {
  std::vector<approvald::store::PerfRow> rows = {{"AG1", "I1", PerfCounts{2, 2, 1, 2, 2, 9, 3}},
                                                 {"AG1", "I2", PerfCounts{2, 0, 0, 2, 1, 11, 1}},
                                                 {"AG2", "I7", PerfCounts{1, 1, 1, 1, 1, 4, 0}}};
  auto j = boost::json::parse(approvald::web::performance_json(rows, false, "", 20500, 20529));
  CHECK(j.at("from") == "2026-02-16");
  auto table = j.at("rows").as_array();
  REQUIRE(table.size() == 2);
  CHECK(table[0].at("agency") == "AG1");
  CHECK(table[0].at("decided") == 4);
  CHECK(table[0].at("promise_on_time_rate").as_double() == Approx(0.5));
  CHECK(table[0].at("statute_on_time_rate").as_double() == Approx(0.75));
  CHECK(table[0].at("avg_working_days").as_double() == Approx(5.0));
  CHECK(table[0].at("alerts_per_100_cases").as_double() == Approx(100.0));
  CHECK(j.at("total").at("decided") == 5);

  j = boost::json::parse(approvald::web::performance_json(rows, true, "AG1", 20500, 20529));
  table = j.at("rows").as_array();
  REQUIRE(table.size() == 2);
  CHECK(table[1].at("item") == "I2");
  CHECK(table[1].at("promise_on_time_rate").is_null());  // no promise clock ran
}
