#include "http/server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <thread>

namespace {

// A plain HTTP/1.1 request over a real socket to the server's port.
std::pair<int, std::string> get(unsigned short port, const std::string& target,
                                const std::string& method = "GET") {
  namespace beast = boost::beast;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  beast::http::request<beast::http::string_body> req{beast::http::string_to_verb(method), target,
                                                     11};
  req.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(s, req);
  beast::flat_buffer buf;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(s, buf, res);
  return {static_cast<int>(res.result_int()), res.body()};
}

}  // namespace

TEST_CASE("the server answers each request with its route's response", "[http]") {
  auto started =
      approvald::http::Server::start("127.0.0.1:0", [](const approvald::http::Request& r) {
        if (r.target == "/boom") throw std::runtime_error("handler bug");
        return approvald::http::Response{r.target == "/missing" ? 404 : 200, "text/plain",
                                         r.method + " " + r.target};
      });
  REQUIRE(started.ok());
  auto& server = *started.value();
  CHECK(server.port() != 0);
  CHECK(get(server.port(), "/metrics?x=1") == std::make_pair(200, std::string("GET /metrics?x=1")));
  CHECK(get(server.port(), "/missing").first == 404);
  CHECK(get(server.port(), "/x", "POST").second == "POST /x");
  // A throwing handler is a 500, and the server keeps serving.
  CHECK(get(server.port(), "/boom").first == 500);
  CHECK(get(server.port(), "/after").first == 200);
  server.stop();
}

TEST_CASE("a bad listen address is refused with the reason", "[http]") {
  auto h = [](const approvald::http::Request&) { return approvald::http::Response{}; };
  CHECK_THAT(approvald::http::Server::start("nonsense", h).error().message,
             Catch::Contains("is not host:port"));
  CHECK_THAT(approvald::http::Server::start("999.1.1.1:80", h).error().message,
             Catch::Contains("bad address"));
  CHECK_THAT(approvald::http::Server::start("127.0.0.1:70000", h).error().message,
             Catch::Contains("bad port"));
}

TEST_CASE("a client holding a connection open does not block others", "[http]") {
  auto started =
      approvald::http::Server::start("127.0.0.1:0", [](const approvald::http::Request& r) {
        return approvald::http::Response{200, "text/plain", r.path()};
      });
  REQUIRE(started.ok());
  auto& server = *started.value();
  // A connection that sends nothing (a browser's idle keep-alive, a stuck client).
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket idle(io);
  idle.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  CHECK(get(server.port(), "/metrics?x") == std::make_pair(200, std::string("/metrics")));
  server.stop();  // returns although the idle connection is still open
}

TEST_CASE("the body and the Authorization header reach the handler; a huge body is refused",
          "[http]") {
  namespace beast = boost::beast;
  approvald::http::Request seen;
  auto started = approvald::http::Server::start(
      "127.0.0.1:0",
      [&seen](const approvald::http::Request& r) {
        seen = r;
        return approvald::http::Response{};
      },
      {.max_connections = 4, .max_body_bytes = 1024, .idle_timeout_ms = 1000});
  REQUIRE(started.ok());
  auto put = [&](const std::string& body) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket s(io);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), started.value()->port()});
    beast::http::request<beast::http::string_body> req{beast::http::verb::put, "/api/v1/rules", 11};
    req.set(beast::http::field::host, "127.0.0.1");
    req.set(beast::http::field::authorization, "Bearer s3cret");
    req.body() = body;
    req.prepare_payload();
    beast::http::write(s, req);
    beast::flat_buffer buf;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(s, buf, res);
    return static_cast<int>(res.result_int());
  };
  CHECK(put("packs: []") == 200);
  CHECK(seen.method == "PUT");
  CHECK(seen.authorization == "Bearer s3cret");
  CHECK(seen.body == "packs: []");
  CHECK(put(std::string(4096, 'x')) == 413);
}

TEST_CASE("query parameters are split and percent-decoded", "[http]") {
  const auto q =
      approvald::http::query_params("/api/v1/alerts?agency=%E5%B8%82+A&level=red&x&&y=1%2");
  CHECK(q.at("agency") == "\xE5\xB8\x82 A");
  CHECK(q.at("level") == "red");
  CHECK(q.at("x").empty());
  CHECK(q.at("y") == "1%2");
  CHECK(approvald::http::query_params("/metrics").empty());
}

TEST_CASE("a streamed response sends its headers, then what the stream writes, until stop",
          "[http]") {
  std::atomic<int> streams_done{0};
  auto started = approvald::http::Server::start(
      "127.0.0.1:0", [&streams_done](const approvald::http::Request&) {
        approvald::http::Response r;
        r.content_type = "text/event-stream";
        r.stream = [&streams_done](approvald::http::StreamSink& sink) {
          sink.write("data: one\n\n");
          // Runs until the server stops (or the client leaves).
          while (sink.open()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
          ++streams_done;
        };
        return r;
      });
  REQUIRE(started.ok());
  auto& server = *started.value();
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  const std::string req = "GET /feed HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::asio::write(s, boost::asio::buffer(req));
  std::string got;
  char buf[512];
  while (got.find("data: one\n\n") == std::string::npos) {
    const auto n = s.read_some(boost::asio::buffer(buf));
    got.append(buf, n);
  }
  CHECK_THAT(got, Catch::StartsWith("HTTP/1.1 200 OK\r\n") &&
                      Catch::Contains("Content-Type: text/event-stream\r\n") &&
                      Catch::Contains("Connection: close\r\n"));
  // Stopping the server ends the stream and closes the connection.
  server.stop();
  CHECK(streams_done == 1);
  boost::system::error_code ec;
  while (!ec) s.read_some(boost::asio::buffer(buf), ec);
  CHECK(ec == boost::asio::error::eof);
}
