#include "generate/workload.h"

#include <algorithm>
#include <random>

#include "rules/time.h"

namespace bench {
namespace {

struct Pending {
  std::int64_t at_ms;
  std::string json;
};

std::string iso(std::int64_t ms) {
  return rules::format_rfc3339(rules::Timestamp{rules::Millis{ms}}, 480);
}

}  // namespace

Workload make_workload(std::size_t cases, std::uint64_t seed, bool open_only) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  auto chance = [&](int percent) { return uniform(1, 100) <= percent; };
  std::string why;
  const std::int64_t t0 =
      rules::parse_rfc3339("2026-03-02T09:00:00+08:00", &why)->at.time_since_epoch().count();
  constexpr std::int64_t kHour = 3'600'000, kDay = 24 * kHour;
  std::vector<Pending> all;
  all.reserve(cases * 7);
  std::uint64_t event_no = 0;
  for (std::size_t c = 0; c < cases; ++c) {
    const std::string case_id = "440300-2026-" + std::to_string(100000 + c);
    const std::string agency = "11440300MB2C9" + std::to_string(3300 + c % 40) + "X";
    const std::string item = agency + "-ITEM-" + std::to_string(c % 300);
    const std::string officer = "E" + std::to_string(1000 + c % 500);
    auto add = [&](std::int64_t at, const char* type, const std::string& data) {
      std::string j;
      j.reserve(420);
      j += R"({"schema":"approval.event/v1","event_id":"ev-)" + std::to_string(++event_no) +
           R"(-7d2b-4c55-9a61","case_id":")" + case_id + R"(","type":")" + type +
           R"(","occurred_at":")" + iso(at) + R"(","agency":")" + agency + R"(","item":")" + item +
           R"(","officer":")" + officer + R"(","applicant":"h:9f86d081884c7d65","data":)" + data +
           "}";
      all.push_back(Pending{at, std::move(j)});
    };
    std::int64_t t = t0 + uniform(0, 13) * kDay + uniform(0, 8) * kHour;
    add(t, "received", "{}");
    if (chance(15)) {
      t += uniform(1, 3) * kDay;
      add(t, "correction_requested", R"({"materials":["营业执照副本","法定代表人身份证明"]})");
      t += uniform(1, 6) * kDay;
      add(t, "correction_received", "{}");
    }
    t += uniform(0, 4) * kDay + kHour;
    const std::int64_t promised = uniform(3, 15);
    add(t, "accepted", R"({"promised":{"working_days":)" + std::to_string(promised) + "}}");
    if (open_only) continue;
    // The cases supervision exists for: about 3 in 100 are never decided (they stay open and go
    // overdue), and 1 in 100 waits in an inspection that never ends (open and paused).
    if (chance(3)) continue;
    if (chance(1)) {
      add(t + kDay, "procedure_started", R"({"procedure":"inspection","reason":"现场核查"})");
      continue;
    }
    if (chance(10)) {
      const char* proc = chance(50) ? "inspection" : "expert_review";
      t += uniform(1, 5) * kDay;
      add(t, "procedure_started",
          std::string(R"({"procedure":")") + proc + R"(","reason":"现场核查"})");
      t += uniform(1, 10) * kDay;
      add(t, "procedure_ended", std::string(R"({"procedure":")") + proc + R"("})");
    }
    if (chance(3)) {
      t += kDay;
      add(t, "procedure_started",
          R"({"procedure":"extension","approver":"L001","reason":"情况复杂","declared":{"working_days":10}})");
    }
    if (chance(5)) add(t + kHour, "fee_charged", R"({"amount_fen":1500,"fee_item":"工本费"})");
    // Most cases are decided well within the promise (calendar days here, so even more so in
    // working days); about one in eight runs late, a few past the statutory 20 working days.
    t += (chance(88) ? uniform(1, promised) : uniform(promised + 2, 40)) * kDay;
    const bool approved = chance(85);
    add(t, "decided",
        approved ? R"({"outcome":"approved"})"
                 : R"({"outcome":"denied","reason":"材料不符合法定条件"})");
    if (approved)
      add(t + (chance(95) ? uniform(1, 7) : uniform(12, 20)) * kDay, "certificate_issued",
          R"({"certificate":"JY-2026-0001"})");
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Pending& a, const Pending& b) { return a.at_ms < b.at_ms; });
  Workload w;
  w.cases = cases;
  w.lines.reserve(all.size());
  for (auto& p : all) {
    w.bytes += p.json.size();
    w.lines.push_back(std::move(p.json));
  }
  return w;
}

}  // namespace bench
