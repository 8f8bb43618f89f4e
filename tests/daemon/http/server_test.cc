#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

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
  auto started = approvald::http::Server::start(
      "127.0.0.1:0", [](const std::string& method, const std::string& target) {
        if (target == "/boom") throw std::runtime_error("handler bug");
        return approvald::http::Response{target == "/missing" ? 404 : 200, "text/plain",
                                         method + " " + target};
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
  auto h = [](const std::string&, const std::string&) { return approvald::http::Response{}; };
  CHECK_THAT(approvald::http::Server::start("nonsense", h).error().message,
             Catch::Contains("is not host:port"));
  CHECK_THAT(approvald::http::Server::start("999.1.1.1:80", h).error().message,
             Catch::Contains("bad address"));
  CHECK_THAT(approvald::http::Server::start("127.0.0.1:70000", h).error().message,
             Catch::Contains("bad port"));
}
