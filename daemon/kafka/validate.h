// librdkafka's own verdict on configured properties, without creating a client: what
// `config check` reports and `run` would refuse at start.
#pragma once

#include <string>
#include <vector>

#include "kafka/kafka.h"

namespace approvald::kafka {

struct PropertyProblem {
  std::string name;
  std::string message;  // librdkafka's errstr
};

// Sets each property on a fresh configuration (so that one bad property does not hide another)
// and returns every one librdkafka refuses: unknown names, invalid values, values out of range.
std::vector<PropertyProblem> validate_properties(const Properties& props);

}  // namespace approvald::kafka
