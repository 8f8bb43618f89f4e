// `approvald demo` and SIGHUP, through the real binary: the demo applies its rule files as `run`
// does instead of dying (exit 129) and leaving its temporary store behind.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>

#include "approvald_version.h"
#include "run_binary.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace {

// GET `path` from 127.0.0.1:port; the whole response, empty if the connection failed.
std::string http_get(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string req =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
        response.append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  return response;
}

}  // namespace

TEST_CASE("the demo applies edited rule files on SIGHUP and still cleans up after", "[cli]") {
  testing::TempDir tmp;
  const fs::path scratch = tmp.path / "tmp";  // the demo's temporary directory goes here
  fs::create_directories(scratch);
  testing::Approvald demo({"demo", "--http-listen", "127.0.0.1:0", "--speed", "1000"}, tmp.path,
                          {"TMPDIR=" + scratch.string()});
  std::smatch m;
  const std::regex banner(R"(dashboard at http://127\.0\.0\.1:(\d+)/[\s\S]* store (\S+)/data )");
  REQUIRE(demo.wait_for([&](const std::string& out, const std::string&) {
    return std::regex_search(out, m, banner);
  }));
  const std::string out = demo.out();
  REQUIRE(std::regex_search(out, m, banner));
  const int port = std::stoi(m[1].str());
  const fs::path dir = m[2].str();
  CHECK(dir.parent_path() == scratch);
  CHECK_THAT(out, Catch::Contains("rule files under " + dir.string() +
                                  ": edit them, then SIGHUP applies them"));

  // One version: the metric says what --version says.
  CHECK_THAT(http_get(port, "/metrics"),
             Catch::Contains(std::string("approvald_build_info{version=\"") +
                             APPROVALD_VERSION_STRING + "\"} 1"));

  // An edit to the pack, then SIGHUP: a new rule version, applied while the demo runs on.
  fs::path pack;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().filename() == "pack.yaml") pack = e.path();
  }
  REQUIRE(!pack.empty());
  std::ofstream(pack, std::ios::app) << "\n# edited while the demo runs\n";
  demo.signal(SIGHUP);
  REQUIRE(demo.wait_for([](const std::string&, const std::string& err) {
    return std::regex_search(err, std::regex(R"("msg":"rules applied"[^\n]*"source":"SIGHUP")"));
  }));
  CHECK(demo.running());
  CHECK_THAT(http_get(port, "/healthz"), Catch::StartsWith("HTTP/1.1 200"));

  demo.signal(SIGTERM);
  CHECK(demo.wait() == 0);
  INFO(demo.err());
  CHECK(fs::is_empty(scratch));  // the temporary store is gone
}
