#include "pipeline/changelog.h"

#include "ports/codec.h"

namespace approvald::pipeline {

std::string changelog_key(ChangelogKind kind, std::string_view id) {
  std::string k(1, static_cast<char>(kind));
  k.append(id);
  return k;
}

std::string changelog_value(std::uint64_t epoch, std::string_view payload) {
  std::string v;
  v.reserve(8 + payload.size());
  ports::put_be64(v, epoch);
  v.append(payload);
  return v;
}

bool is_checkpoint(std::string_view key) {
  return !key.empty() && key[0] == static_cast<char>(ChangelogKind::kCheckpoint);
}

Recovered recover(std::int32_t partition, const std::vector<ChangelogRecord>& records) {
  Recovered out;
  // Records of the commit in progress, applied when its checkpoint arrives.
  std::map<std::string, std::string> cases;
  std::map<std::string, ports::AlertIndexEntry> alerts;
  auto discard_unfinished = [&] {
    out.ignored += cases.size() + alerts.size();
    cases.clear();
    alerts.clear();
  };
  for (const ChangelogRecord& r : records) {
    if (r.key.empty() || r.value.size() < 8) {
      ++out.ignored;
      continue;
    }
    const std::uint64_t epoch = ports::get_be64(r.value);
    if (epoch < out.max_epoch) {
      ++out.ignored;  // a former owner's late record
      continue;
    }
    if (epoch > out.max_epoch) {
      // A new owner started from the last checkpoint: what followed it was never finished.
      discard_unfinished();
      out.max_epoch = epoch;
    }
    const std::string_view id = std::string_view(r.key).substr(1);
    const std::string_view payload = std::string_view(r.value).substr(8);
    switch (static_cast<ChangelogKind>(r.key[0])) {
      case ChangelogKind::kCase:
        cases[std::string(id)] = std::string(payload);
        break;
      case ChangelogKind::kAlert: {
        ports::AlertIndexEntry a;
        if (!ports::decode_alert(payload, &a)) {
          ++out.ignored;
          break;
        }
        a.partition = partition;
        a.alert_id = std::string(id);
        alerts[a.alert_id] = std::move(a);
        break;
      }
      case ChangelogKind::kCheckpoint: {
        const auto m = ports::decode_mark(payload);
        if (!m) {
          ++out.ignored;
          break;
        }
        for (auto& [k, v] : cases) out.cases[k] = std::move(v);
        out.last_segment_alerts.clear();
        for (auto& [k, v] : alerts) {
          out.last_segment_alerts.push_back(k);
          out.alerts[k] = std::move(v);
        }
        cases.clear();
        alerts.clear();
        out.mark = *m;
        break;
      }
      default:
        ++out.ignored;
    }
  }
  discard_unfinished();
  return out;
}

}  // namespace approvald::pipeline
