// The state changelog (docs/adr/0007): every commit of a partition also goes, through the
// outbox, to the same partition of a compacted topic — each case state written, each alert index
// entry, and last a checkpoint carrying the partition's mark. A new owner rebuilds the partition
// from the last checkpoint of the highest owner epoch, so the alert ledger travels with it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ports/write_set.h"

namespace approvald::pipeline {

// Record keys start with their kind; values start with the writer's epoch (u64 BE).
enum class ChangelogKind : char { kCase = 'c', kAlert = 'a', kCheckpoint = 'm' };

struct ChangelogRecord {
  std::string key;
  std::string value;
};

std::string changelog_key(ChangelogKind kind, std::string_view id);
std::string changelog_value(std::uint64_t epoch, std::string_view payload);
bool is_checkpoint(std::string_view key);

// What the changelog says about one partition: the last complete checkpoint of the highest epoch
// and everything committed up to it (later keys win). Records of a lower epoch after a higher one
// — a former owner's late deliveries — are ignored, and so is an unfinished commit.
struct Recovered {
  std::optional<ports::PartitionMark> mark;  // absent: no complete checkpoint
  std::uint64_t max_epoch = 0;               // the highest epoch seen, complete or not
  std::map<std::string, std::string> cases;  // case id -> state bytes
  std::map<std::string, ports::AlertIndexEntry> alerts;
  // Alerts written with the last checkpoint: the only ones that may not have reached the alert
  // topic (each checkpoint waits for the alerts before it).
  std::vector<std::string> last_segment_alerts;
  std::size_t ignored = 0;  // malformed, fenced or unfinished records
};

Recovered recover(std::int32_t partition, const std::vector<ChangelogRecord>& records);

}  // namespace approvald::pipeline
