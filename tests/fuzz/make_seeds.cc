// Writes the binary seed corpora: corpus/state/ (case states encoded from the sample events,
// version 2 and the older version 1) and corpus/codec/ (partition marks and alert index entries,
// each behind the selector byte codec_fuzz.cc reads). Run after a change of either encoding:
//   build/ci/tests/fuzz/fuzz_make_seeds config/samples/events.jsonl tests/fuzz/corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <variant>

#include "ports/codec.h"
#include "rules/state.h"

namespace {

void write(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// Version 1 had no status byte: it sat just before the two counts of a state without events.
std::string as_version_1(const rules::CaseState& s) {
  rules::CaseState header = s;
  header.events.clear();
  header.alerts.clear();
  const std::size_t status_at = header.encode().size() - 3;
  std::string v = s.encode();
  v[1] = 1;
  v.erase(status_at, 1);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s EVENTS.jsonl CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path out(argv[2]);
  std::map<std::string, rules::CaseState> cases;
  std::ifstream in(argv[1]);
  rules::EventDecoder decoder;
  for (std::string line; std::getline(in, line);) {
    auto r = decoder.decode(line);
    if (auto* e = std::get_if<rules::Event>(&r)) {
      auto& s = cases[e->case_id];
      if (s.case_id.empty()) {
        s.case_id = e->case_id;
        s.agency = e->agency;
        s.item = e->item;
      }
      s.events.push_back(std::move(*e));
    }
  }
  int n = 0;
  for (auto& [id, s] : cases) {
    if (n == 12) break;
    if (n % 3 == 1) {
      s.alerts.push_back({"acceptance.decide-within-5-days", rules::Level::kYellow, 1,
                          rules::AlertRecord::Status::kFiring, s.events.back().occurred_at});
      s.alerts.push_back({"decision.statutory-limit", rules::Level::kRed, 2,
                          rules::AlertRecord::Status::kRetracted, s.events.front().occurred_at});
      s.wakeup = s.events.back().occurred_at + rules::Millis{86'400'000};
      s.status = rules::kCaseOpen | rules::kCaseRed;
    }
    if (n % 3 == 2) s.events.back().agency = "another-agency";  // an event's own agency
    const std::string name = "sample-" + std::to_string(n);
    write(out / "state" / (name + ".bin"), s.encode());
    if (n < 3) write(out / "state" / (name + "-v1.bin"), as_version_1(s));
    ++n;
  }

  namespace ports = approvald::ports;
  const ports::PartitionMark marks[] = {
      {0, INT64_MIN, 0, 0}, {12345, 1772415000000, 17, 3}, {-1001, -5, UINT64_MAX, UINT64_MAX}};
  int m = 0;
  for (const auto& mark : marks) {
    const std::string v = ports::encode_mark(mark);
    write(out / "codec" / ("mark-" + std::to_string(m) + ".bin"), '\0' + v);
    write(out / "codec" / ("mark-" + std::to_string(m) + "-before-epoch.bin"),
          '\0' + v.substr(0, 24));
    ++m;
  }
  ports::AlertIndexEntry a;
  a.status = ports::AlertIndexEntry::Status::kResolved;
  a.level = 2;
  a.agency = "11440300MB2C93311X";
  a.rule_id = "decision.statutory-limit";
  a.json = R"({"alert_id":"440300-2026-000130/decision.statutory-limit/red/1","level":"red"})";
  write(out / "codec" / "alert-resolved-red.bin", '\x01' + ports::encode_alert(a));
  a = {};
  write(out / "codec" / "alert-empty.bin", '\x01' + ports::encode_alert(a));
  std::printf("wrote %d case states and %d marks under %s\n", n, m, argv[2]);
  return 0;
}
