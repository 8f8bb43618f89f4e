// What `approvald run` would refuse at start and `config check` can find without starting:
// listen addresses, the data directory and the token files. The rule files and librdkafka's
// properties need loaders from other libraries and are checked beside these (cli/config_check.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"

namespace approvald::config {

struct Problem {
  std::string key;  // the key path: "http.listen", "rules.packs[1]", "kafka.properties.acks"
  std::string message;
};

// Why `listen` ("host:port") cannot be bound as the HTTP server binds it, or std::nullopt. The
// host must be an IP address (the server does not resolve names), the port 0 to 65535. It does
// not bind: a port already in use shows only when the daemon starts.
std::optional<std::string> listen_problem(std::string_view listen);

// The configured token files, each with its key path (an empty path is not configured).
std::vector<std::pair<std::string, std::string>> token_files(const Config& c);

// Listen addresses, the data directory (a directory if it exists; `run` creates a missing one),
// and every token file readable and not empty.
std::vector<Problem> check_addresses_and_files(const Config& c);

}  // namespace approvald::config
