#include "metrics/metrics.h"

#include <catch2/catch.hpp>

TEST_CASE("conflicting duplicates are counted in their own counter", "[metrics]") {
  approvald::metrics::Metrics m{"test", "r", "c"};
  // Present from the start, so that a rate() over it is defined before the first conflict.
  CHECK_THAT(m.scrape(), Catch::Contains("approvald_events_duplicate_conflicts_total 0"));
  approvald::pipeline::Stats s;
  s.duplicates = 3;
  s.duplicate_conflicts = 2;
  m.record(s);
  m.record(s);
  const std::string text = m.scrape();
  CHECK_THAT(text, Catch::Contains("approvald_events_duplicate_conflicts_total 4"));
  CHECK_THAT(text, Catch::Contains(R"(approvald_events_total{outcome="duplicate",type="any"} 6)"));
}

TEST_CASE("committed records are counted from zero", "[metrics]") {
  approvald::metrics::Metrics m{"test", "r", "c"};
  // Zero before the first commit: a benchmark waits on it to start its clock.
  CHECK_THAT(m.scrape(), Catch::Contains("approvald_records_committed_total 0\n"));
  m.records_committed(5000);
  m.records_committed(17);
  CHECK_THAT(m.scrape(), Catch::Contains("approvald_records_committed_total 5017\n"));
}

TEST_CASE("a re-evaluation's progress is counted and its activity shown", "[metrics]") {
  approvald::metrics::Metrics m("v", "r", "c");
  CHECK_THAT(m.scrape(), Catch::Contains("approvald_reevaluation_active 0\n"));
  CHECK_THAT(m.scrape(), Catch::Contains("approvald_reevaluated_cases_total 0\n"));
  m.reevaluation(500, true);
  m.reevaluation(20, false);
  CHECK_THAT(m.scrape(), Catch::Contains("approvald_reevaluated_cases_total 520\n"));
  CHECK_THAT(m.scrape(), Catch::Contains("approvald_reevaluation_active 0\n"));
  m.reevaluation(0, true);
  CHECK_THAT(m.scrape(), Catch::Contains("approvald_reevaluation_active 1\n"));
}
