#include "generate/simulation.h"

#include <algorithm>
#include <cmath>

#include "rules/time.h"

namespace approvald::generate {
namespace {

constexpr std::int64_t kMinute = 60'000, kHour = 60 * kMinute;
// Minutes of the day as int64 so that arithmetic with milliseconds never narrows.
constexpr std::int64_t kNine = 540, kNoon = 720, kLunch = 120, kClose = 1050;  // 09:00 … 17:30
constexpr int kOffset = 480;  // the agencies' UTC offset (China Standard Time)

// Arrivals per office hour, relative: the morning peak, the lunch break, the afternoon peak and
// the half hour before closing (09:00–12:00, 14:00–17:30 with a trickle at lunch).
constexpr double kHourWeight[24] = {0,    0,   0,   0,   0,   0,   0, 0, 0, 1.0, 1.4, 1.2,
                                    0.15, 0.2, 1.1, 1.3, 1.0, 0.4, 0, 0, 0, 0,   0,   0};
constexpr double kHourWeightSum = 1.0 + 1.4 + 1.2 + 0.15 + 0.2 + 1.1 + 1.3 + 1.0 + 0.4;
// Monday's queue from the weekend, a quieter Friday; a make-up Saturday is like a Friday.
constexpr double kWeekdayFactor[7] = {1.3, 1.1, 1.0, 1.0, 0.75, 0.75, 0.75};

// Realistic-looking agency codes (统一社会信用代码 shape) and item families.
constexpr const char* kFamilies[] = {"FOOD-BIZ",       "DRUG-RETAIL",       "BUILD-PERMIT",
                                     "ROAD-TRANSPORT", "MEDICAL-INST",      "ENV-IMPACT",
                                     "SCHOOL-RUN",     "TRAVEL-AGENCY",     "WATER-DRAW",
                                     "FIRE-CHECK",     "SPECIAL-EQUIP-REG", "CERT-REPLACE-LICENCE"};
constexpr int kPromises[] = {3, 5, 5, 7, 10, 10, 15};

std::string iso(std::int64_t ms) {
  return rules::format_rfc3339(rules::Timestamp{rules::Millis{ms}}, kOffset);
}

}  // namespace

const std::map<std::string, double>& default_violation_rates() {
  static const std::map<std::string, double> rates = {
      {"late_acceptance", 1.5},       // alp-32-acceptance: accepted after 5 working days
      {"repeated_correction", 1.5},   // alp-32-one-time-notice: a second correction notice
      {"missing_reason", 1.0},        // alp-38-reason: a denial without reasons
      {"broken_promise", 5.0},        // promise-deadline: decided after the promised days
      {"late_decision", 1.5},         // alp-42-decision: decided after 20 working days
      {"abandoned", 1.0},             // alp-42-decision: accepted and never decided
      {"unapproved_extension", 1.0},  // alp-42-extension: no approver, or over 10 days
      {"late_certificate", 1.5},      // alp-44-certificate: certificate after 10 working days
      {"fee_on_free_item", 0.8},      // alp-58-fee: a fee on an item the catalogue keeps free
      {"decision_without_acceptance", 0.5},  // proc-decision-without-acceptance (体外循环)
      {"out_of_band_penalty", 15.0},         // penalty-benchmark: of tax penalty decisions
  };
  return rates;
}

std::vector<std::string> apply_violation_overrides(const std::vector<std::string>& overrides,
                                                   std::map<std::string, double>* rates) {
  std::vector<std::string> errors;
  for (const auto& o : overrides) {
    const auto eq = o.find('=');
    const std::string name = o.substr(0, eq);
    if (rates->count(name) == 0) {
      std::string known;
      for (const auto& [k, v] : *rates) known += (known.empty() ? "" : ", ") + k;
      errors.push_back("--violation " + o + ": unknown violation '" + name + "' (known: " + known +
                       ")");
      continue;
    }
    double v = -1;
    try {
      std::size_t used = 0;
      if (eq != std::string::npos) v = std::stod(o.substr(eq + 1), &used);
      if (used != o.size() - eq - 1) v = -1;
    } catch (...) {
      v = -1;
    }
    if (!(v >= 0 && v <= 100)) {
      errors.push_back("--violation " + o + ": give NAME=PERCENT with a percent from 0 to 100");
      continue;
    }
    (*rates)[name] = v;
  }
  return errors;
}

// Writes one case's events: a cursor moves forward through office hours of working days.
class Simulation::CaseWriter {
 public:
  CaseWriter(Simulation& sim, std::string case_id, const Agency& agency, const Item& item,
             const Officer& officer, std::int64_t at_ms)
      : sim_(sim),
        case_id_(std::move(case_id)),
        agency_(agency),
        item_(item),
        officer_(officer),
        at_(at_ms) {}

  // The event happens `working_days` working days after the cursor's date (0: later the same
  // day, or the next working morning once the office has closed).
  void at(int working_days, const char* type, const std::string& data = "{}") {
    move(working_days);
    emit(type, data);
  }
  void emit(const char* type, const std::string& data) {
    std::string j;
    j.reserve(440);
    j += R"({"schema":"approval.event/v1","event_id":"ev-)";
    j += std::to_string(sim_.options_.seed) + "-" + std::to_string(++sim_.event_no_);
    j += R"(","case_id":")" + case_id_ + R"(","type":")" + type + R"(","occurred_at":")" +
         iso(at_) + R"(","agency":")" + agency_.code + R"(","item":")" + item_.code +
         R"(","officer":")" + officer_.id + R"(","applicant":"h:)" + applicant_() + R"(","data":)" +
         data + "}";
    sim_.queue_.push(Pending{at_, sim_.seq_++, SimEvent{at_, case_id_, std::move(j)}});
  }
  const Officer& officer() const { return officer_; }

 private:
  std::string applicant_() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string h;
    std::uint64_t x = std::hash<std::string>{}(case_id_);
    for (int i = 0; i < 16; ++i, x >>= 4) h.push_back(kHex[x & 15]);
    return h;
  }
  void move(int working_days) {
    const auto& cal = *sim_.calendar_;
    const rules::Date today = rules::local_date(rules::Timestamp{rules::Millis{at_}}, kOffset);
    const std::int64_t midnight =
        rules::start_of_local_date(today, kOffset).time_since_epoch().count();
    std::int64_t minute_of_day = (at_ - midnight) / kMinute;
    rules::Date day = today;
    if (working_days > 0) {
      day = cal.add_working_days(today, working_days);
      // Any office minute: the three morning hours, then the afternoon's three and a half.
      minute_of_day = kNine + sim_.uniform(0, (kNoon - kNine) + (kClose - kNoon - kLunch) - 1);
      if (minute_of_day >= kNoon) minute_of_day += kLunch;  // after the lunch break
    } else {
      // Later the same day, staying a little past closing rather than moving to the next day:
      // the working-day budgets of the case's steps stay exact.
      minute_of_day = std::min(minute_of_day + sim_.uniform(5, 90), kClose + 29);
    }
    // Strictly after the previous event of the case, so that its order is never in doubt.
    at_ = std::max(at_ + 1000, rules::start_of_local_date(day, kOffset).time_since_epoch().count() +
                                   minute_of_day * kMinute + sim_.uniform(0, 59) * 1000);
  }

  Simulation& sim_;
  std::string case_id_;
  const Agency& agency_;
  const Item& item_;
  const Officer& officer_;
  std::int64_t at_;
};

Simulation::Simulation(SimulationOptions options, std::shared_ptr<const rules::Calendar> calendar)
    : options_(std::move(options)), calendar_(std::move(calendar)), rng_(options_.seed) {
  next_hour_ms_ = options_.start_ms - ((options_.start_ms % kHour) + kHour) % kHour;
  std::vector<double> volumes;
  int officer_no = 0;
  for (int a = 0; a < options_.agencies; ++a) {
    Agency ag;
    ag.code = "1144030" + std::to_string(a % 10) + "MB2C" + std::to_string(9300 + a) + "X";
    // A few busy agencies and a long tail, as in a real service centre.
    ag.volume = 0.4 + 3.0 / (1.0 + a * 0.35);
    ag.tax = a % 9 == 4;
    for (int i = 0; i < options_.items_per_agency; ++i) {
      Item item;
      const char* family = kFamilies[(a * 5 + i) % std::size(kFamilies)];
      item.code = ag.code + "-" + family + "-" + std::to_string(100 + i);
      item.promise = kPromises[uniform(0, std::size(kPromises) - 1)];
      item.chargeable = std::string(family).find("SPECIAL-EQUIP") != std::string::npos ||
                        std::string(family).find("CERT-REPLACE") != std::string::npos;
      ag.items.push_back(std::move(item));
    }
    const int officers = between(4, 12);
    for (int o = 0; o < officers; ++o) {
      Officer off;
      off.id = "E" + std::to_string(1000 + officer_no++);
      off.pace = 0.6 + static_cast<double>(uniform(0, 80)) / 100.0;
      // Most officers are careful, some average, a few careless; the mean stays near 1.
      const auto kind = uniform(1, 100);
      off.care = kind <= 65 ? 0.35 : kind <= 93 ? 1.2 : 5.0;
      ag.officers.push_back(std::move(off));
    }
    volumes.push_back(ag.volume);
    agencies_.push_back(std::move(ag));
  }
  pick_agency_ = std::discrete_distribution<std::size_t>(volumes.begin(), volumes.end());
}

bool Simulation::chance(double percent) {
  return std::uniform_real_distribution<double>(0, 100)(rng_) < percent;
}

std::int64_t Simulation::uniform(std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
}

int Simulation::between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

void Simulation::arrivals_for_hour(std::int64_t hour_ms) {
  const rules::Timestamp t{rules::Millis{hour_ms}};
  const rules::Date day = rules::local_date(t, kOffset);
  if (!calendar_->is_working_day(day)) return;
  const auto hour = static_cast<int>(
      (hour_ms - rules::start_of_local_date(day, kOffset).time_since_epoch().count()) / kHour);
  if (hour < 0 || hour > 23 || kHourWeight[hour] == 0) return;
  const double mean = options_.cases_per_working_day * kHourWeight[hour] / kHourWeightSum *
                      kWeekdayFactor[rules::weekday_of(day)];
  const int n = std::poisson_distribution<int>(mean)(rng_);
  // Before 17:30 in the last office hour.
  const std::int64_t span = hour == 17 ? 30 * kMinute : kHour;
  std::vector<std::int64_t> times;
  times.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) times.push_back(hour_ms + uniform(0, span - 1000));
  std::sort(times.begin(), times.end());
  for (auto at : times) {
    if (options_.max_cases != 0 && cases_ >= options_.max_cases) return;
    open_case(at);
  }
}

void Simulation::open_case(std::int64_t at_ms) {
  const Agency& agency = agencies_[pick_agency_(rng_)];
  const Item& item = agency.items[static_cast<std::size_t>(
      uniform(0, static_cast<std::int64_t>(agency.items.size()) - 1))];
  const Officer& officer = agency.officers[static_cast<std::size_t>(
      uniform(0, static_cast<std::int64_t>(agency.officers.size()) - 1))];
  const auto year =
      rules::civil_from_date(rules::local_date(rules::Timestamp{rules::Millis{at_ms}}, kOffset))
          .year;
  const std::string case_id =
      "440300-" + std::to_string(year) + "-" + std::to_string(100000 + cases_++);
  CaseWriter w(*this, case_id, agency, item, officer, at_ms);
  const auto& rates = options_.violations;
  // This case's share of a violation: the officer's care scales it.
  auto planted = [&](const char* name) {
    const auto it = rates.find(name);
    return it != rates.end() && chance(std::min(100.0, it->second * officer.care));
  };
  auto days = [&](int lo, int hi) {
    return static_cast<int>(std::lround(static_cast<double>(uniform(lo, hi)) * officer.pace));
  };

  // Tax agencies also decide penalties (the discretion benchmark); one event, one check.
  if (agency.tax && !options_.open_only && chance(25)) {
    const auto it = rates.find("out_of_band_penalty");
    const bool out = it != rates.end() && chance(std::min(100.0, it->second * officer.care));
    w.emit("penalty_decided",
           std::string(R"({"benchmark":"tax-benchmark-2022","violation":"征管法60-1-3",)") +
               R"("tier":"corrected_within_15_days","amount_fen":)" + (out ? "50000" : "20000") +
               R"(,"reason":"逾期10日改正"})");
    return;
  }

  w.emit("received", "{}");
  if (options_.open_only) {
    w.at(1, "accepted", R"({"promised":{"working_days":)" + std::to_string(item.promise) + "}}");
    return;
  }
  if (chance(3)) {
    w.at(days(1, 3), "acceptance_refused",
         planted("missing_reason") ? "{}" : R"({"reason":"不属于本机关职权范围"})");
    return;
  }
  const bool repeated = planted("repeated_correction");
  if (repeated || chance(12)) {
    w.at(days(1, 3), "correction_requested",
         R"({"materials":["营业执照副本","法定代表人身份证明"]})");
    w.at(between(1, 6), "correction_received", "{}");
    if (repeated) {
      w.at(between(1, 2), "correction_requested", R"({"materials":["场地平面图"]})");
      w.at(between(1, 4), "correction_received", "{}");
    }
  }
  if (planted("decision_without_acceptance")) {
    w.at(days(2, 8), "decided", R"({"outcome":"approved"})");
    w.at(days(1, 4), "certificate_issued", R"({"certificate":"XK-2026-0001"})");
    return;
  }
  w.at(planted("late_acceptance") ? between(6, 9) : std::min(4, days(0, 3)), "accepted",
       R"({"promised":{"working_days":)" + std::to_string(item.promise) + "}}");
  if (planted("abandoned")) return;  // never decided: the clocks run out with no further event

  // Working days from acceptance to decision, spent in steps below.
  int budget = std::clamp(days(std::max(1, item.promise / 3), item.promise), 1, item.promise);
  if (planted("late_decision")) {
    budget = between(21, 27);
  } else if (planted("broken_promise")) {
    budget = std::min(20, item.promise + between(1, 5));
  }
  if (chance(8)) {
    // An Art. 45 procedure: its days do not count, so the decision moves by as many.
    static constexpr const char* kProcedures[] = {"inspection", "expert_review", "hearing",
                                                  "testing"};
    const std::string proc = kProcedures[uniform(0, 3)];
    const int into = std::min(budget - 1, between(0, 2));
    w.at(into, "procedure_started",
         R"({"procedure":")" + proc + R"(","reason":"依法需要)" + proc + R"("})");
    w.at(between(2, 8), "procedure_ended", R"({"procedure":")" + proc + R"("})");
    budget -= into;
  }
  const bool bad_extension = planted("unapproved_extension");
  if (bad_extension || (budget > 15 && chance(30))) {
    const int into = std::min(budget - 1, between(3, 12));
    w.at(
        std::max(0, into), "procedure_started",
        bad_extension
            ? (chance(50)
                   ? R"({"procedure":"extension","reason":"情况复杂","declared":{"working_days":10}})"
                   : R"({"procedure":"extension","approver":"L002","reason":"情况复杂","declared":{"working_days":15}})")
            : R"({"procedure":"extension","approver":"L001","reason":"情况复杂","declared":{"working_days":10}})");
    budget -= std::max(0, into);
  }
  if (planted("fee_on_free_item") && !item.chargeable) {
    w.at(0, "fee_charged", R"({"amount_fen":1500,"fee_item":"工本费"})");
  } else if (item.chargeable && chance(40)) {
    w.at(0, "fee_charged",
         item.code.find("SPECIAL-EQUIP") != std::string::npos
             ? R"({"amount_fen":30000,"fee_item":"检验费"})"
             : R"({"amount_fen":800,"fee_item":"工本费"})");
  }
  const bool denied = chance(8);
  w.at(std::max(1, budget), "decided",
       !denied                     ? R"({"outcome":"approved"})"
       : planted("missing_reason") ? R"({"outcome":"denied"})"
                                   : R"({"outcome":"denied","reason":"材料不符合法定条件"})");
  if (!denied) {
    w.at(planted("late_certificate") ? between(11, 15) : days(1, 5), "certificate_issued",
         R"({"certificate":"XK-2026-0001"})");
  }
}

std::vector<SimEvent> Simulation::advance(std::int64_t until_ms) {
  while (!closed_ && next_hour_ms_ <= until_ms &&
         (options_.max_cases == 0 || cases_ < options_.max_cases)) {
    arrivals_for_hour(next_hour_ms_);
    next_hour_ms_ += kHour;
  }
  std::vector<SimEvent> out;
  while (!queue_.empty() && queue_.top().at_ms <= until_ms) {
    out.push_back(std::move(const_cast<Pending&>(queue_.top()).event));
    queue_.pop();
  }
  return out;
}

std::vector<SimEvent> Simulation::drain() {
  closed_ = true;
  std::vector<SimEvent> out;
  out.reserve(queue_.size());
  while (!queue_.empty()) {
    out.push_back(std::move(const_cast<Pending&>(queue_.top()).event));
    queue_.pop();
  }
  return out;
}

}  // namespace approvald::generate
