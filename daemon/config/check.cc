#include "config/check.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "rules/echo.h"

namespace approvald::config {

namespace {

namespace fs = std::filesystem;

std::optional<std::string> token_problem(const std::string& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return file + ": does not exist";
  if (!fs::is_regular_file(file, ec)) return file + ": not a regular file";
  std::ifstream in(file, std::ios::binary);
  if (!in) return file + ": cannot be read: " + std::strerror(errno);
  // A token is short: reading a bounded prefix is enough to tell whether one is there.
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (in.bad()) return file + ": cannot be read: " + std::strerror(errno);
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (std::all_of(head.begin(), head.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; })) {
    return file + ": is empty; every token would be refused";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> listen_problem(std::string_view listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos) return rules::quoted(listen) + " is not host:port";
  const std::string host(listen.substr(0, colon));
  const std::string_view port = listen.substr(colon + 1);
  unsigned value = 0;
  const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || p != port.data() + port.size() || value > 65535) {
    return rules::quoted(listen) + ": the port must be a number from 0 to 65535";
  }
  if (host.empty()) return rules::quoted(listen) + ": no host (give an IP address, e.g. 127.0.0.1)";
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) == 0) {
    ::freeaddrinfo(found);
    return std::nullopt;
  }
  // Names are not looked up (no DNS query from a check): the server would not resolve one either.
  return rules::quoted(listen) + ": " + rules::quoted(host) +
         " is not an IP address (the server binds an address, e.g. 127.0.0.1, and resolves no "
         "names)";
}

std::vector<std::pair<std::string, std::string>> token_files(const Config& c) {
  return {{"http.rules_token_file", c.http.rules_token_file}};
}

std::vector<Problem> check_addresses_and_files(const Config& c) {
  std::vector<Problem> problems;
  if (auto why = listen_problem(c.http.listen)) problems.push_back({"http.listen", *why});
  std::error_code ec;
  if (fs::exists(c.data_dir, ec) && !fs::is_directory(c.data_dir, ec)) {
    problems.push_back({"data_dir", c.data_dir + ": exists and is not a directory"});
  }
  for (const auto& [key, file] : token_files(c)) {
    if (file.empty()) continue;
    if (auto why = token_problem(file)) problems.push_back({key, *why});
  }
  return problems;
}

}  // namespace approvald::config
