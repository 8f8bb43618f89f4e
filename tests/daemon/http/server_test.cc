#include "http/server.h"

#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>

#include "http/wire.h"

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

TEST_CASE("the body and the Authorization header reach the handler, a huge body is refused",
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
          // Runs until the server stops (the bound only keeps a broken server from hanging).
          sink.wait_closed(std::chrono::seconds(60));
          ++streams_done;
        };
        return r;
      });
  REQUIRE(started.ok());
  auto& server = *started.value();
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  const std::string req = "GET /feed HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
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

// --- Hardening (issue 9): deadlines, shares, limits, smuggling, rebinding -----------------------

namespace {

using approvald::http::Request;
using approvald::http::Response;
using approvald::http::ServerOptions;
using tcp = boost::asio::ip::tcp;

Response echo_handler(const Request& r) { return {200, "text/plain", r.method + " " + r.target}; }

// Options whose deadlines are short, so that a test sees them fire; the generous client-side
// limit below only keeps a broken server from hanging the test.
ServerOptions quick() {
  ServerOptions o;
  o.header_timeout_ms = 200;
  o.body_timeout_ms = 200;
  o.idle_timeout_ms = 200;
  o.write_timeout_ms = 1000;
  return o;
}

struct Client {
  boost::asio::io_context io;
  tcp::socket s{io};
  explicit Client(unsigned short port) {
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    timeval tv{20, 0};  // a hang fails the test instead of blocking it
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void send(const std::string& bytes) { boost::asio::write(s, boost::asio::buffer(bytes)); }
  // Everything until the server closes; `ec` says how it ended.
  std::string read_all(boost::system::error_code& ec) {
    std::string got;
    char buf[4096];
    for (;;) {
      const auto n = s.read_some(boost::asio::buffer(buf), ec);
      got.append(buf, n);
      if (ec) return got;
    }
  }
  std::string read_until(const std::string& what) {
    std::string got;
    char buf[4096];
    boost::system::error_code ec;
    while (got.find(what) == std::string::npos && !ec) {
      const auto n = s.read_some(boost::asio::buffer(buf), ec);
      got.append(buf, n);
    }
    return got;
  }
};

bool closed_by_server(Client& c) {
  boost::system::error_code ec;
  c.read_all(ec);
  return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
}

std::string serve(const std::string& raw, const ServerOptions& o = {}) {
  return approvald::http::serve_bytes(raw, echo_handler, o);
}

}  // namespace

TEST_CASE("deadlines fire: silent, slow-header, slow-body and idle kept-alive connections close",
          "[http]") {
  auto started = approvald::http::Server::start("127.0.0.1:0", echo_handler, quick());
  REQUIRE(started.ok());
  const auto port = started.value()->port();
  {
    Client silent(port);  // sends nothing at all
    CHECK(closed_by_server(silent));
  }
  {
    Client slow(port);  // a request line, then nothing (slowloris)
    slow.send("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    CHECK(closed_by_server(slow));
  }
  {
    Client body(port);  // a body that never arrives in full
    body.send("PUT /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nabc");
    CHECK(closed_by_server(body));
  }
  {
    Client kept(port);  // one request answered, then the kept-alive connection idles
    kept.send("GET /one HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    boost::system::error_code ec;
    const auto got = kept.read_all(ec);
    CHECK_THAT(got, Catch::Contains("GET /one"));
    CHECK(ec == boost::asio::error::eof);
  }
}

TEST_CASE("past the connection limit, the reserved share still answers health and metrics",
          "[http]") {
  auto o = quick();
  o.header_timeout_ms = o.idle_timeout_ms = 60000;  // the held connections stay
  o.max_connections = 2;
  o.ops_reserve = 1;
  auto started = approvald::http::Server::start("127.0.0.1:0", echo_handler, o);
  REQUIRE(started.ok());
  const auto port = started.value()->port();
  auto& server = *started.value();
  // Closing connections leave the count on their own thread: wait for it before the next step.
  auto settle = [&server](std::size_t n) {
    REQUIRE(server.wait_open_connections(n, std::chrono::seconds(20)));
  };
  Client idle1(port), idle2(port);
  settle(2);
  // The full share is taken; on a reserved connection the operations paths answer, once.
  for (const char* path : {"/healthz", "/metrics", "/readyz"}) {
    Client c(port);
    c.send(std::string("GET ") + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    boost::system::error_code ec;
    const auto got = c.read_all(ec);
    CHECK_THAT(got, Catch::StartsWith("HTTP/1.1 200") && Catch::Contains("Connection: close"));
    settle(2);
  }
  {
    Client c(port);
    c.send("GET /api/v1/overview HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    boost::system::error_code ec;
    CHECK_THAT(c.read_all(ec),
               Catch::StartsWith("HTTP/1.1 503") && Catch::Contains("only the operations paths"));
    settle(2);
  }
  // With the reserve held too, a new client closes the connection waiting longest.
  Client reserved(port);
  settle(3);
  {
    Client c(port);
    c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    boost::system::error_code ec;
    CHECK_THAT(c.read_all(ec), Catch::StartsWith("HTTP/1.1 200"));
  }
  CHECK(closed_by_server(idle1));
}

TEST_CASE("when every connection is busy, a further one gets 503 at once", "[http]") {
  auto o = quick();
  o.max_connections = 1;
  o.ops_reserve = 1;
  // The handlers hold their connections until released; the test waits until both are held.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  int busy = 0;
  auto started = approvald::http::Server::start(
      "127.0.0.1:0",
      [&](const Request&) {
        std::unique_lock lock(mu);
        ++busy;  // a slow scrape: the handler holds its connection
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
        return Response{200, "text/plain", "late"};
      },
      o);
  REQUIRE(started.ok());
  const auto port = started.value()->port();
  auto held = [&](int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(20), [&] { return busy == n; });
  };
  Client a(port);
  a.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  REQUIRE(held(1));
  Client b(port);
  b.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  REQUIRE(held(2));
  Client c(port);
  boost::system::error_code ec;
  CHECK_THAT(c.read_all(ec),
             Catch::StartsWith("HTTP/1.1 503") && Catch::Contains("too many connections"));
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  CHECK_THAT(a.read_until("late"), Catch::Contains("late"));
}

TEST_CASE("live streams are capped per client address", "[http]") {
  auto o = quick();
  o.max_streams_per_client = 2;
  auto started = approvald::http::Server::start(
      "127.0.0.1:0",
      [](const Request&) {
        Response r(200, "text/event-stream", "");
        r.stream = [](approvald::http::StreamSink& sink) {
          sink.write("data: hi\n\n");
          sink.wait_closed(std::chrono::seconds(60));  // held until the server stops
        };
        return r;
      },
      o);
  REQUIRE(started.ok());
  const auto port = started.value()->port();
  const std::string req = "GET /feed HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  Client a(port), b(port), c(port);
  a.send(req);
  CHECK_THAT(a.read_until("data: hi"), Catch::Contains("data: hi"));
  b.send(req);
  CHECK_THAT(b.read_until("data: hi"), Catch::Contains("data: hi"));
  c.send(req);
  boost::system::error_code ec;
  CHECK_THAT(c.read_all(ec), Catch::StartsWith("HTTP/1.1 429"));
}

TEST_CASE("an oversized head is 431, HEAD has the headers of GET and no body", "[http]") {
  ServerOptions o;
  o.max_header_bytes = 1024;
  const auto big =
      serve("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n", o);
  CHECK_THAT(big, Catch::StartsWith("HTTP/1.1 431") && Catch::Contains("Connection: close"));
  const auto endless = serve("GET / HTTP/1.1\r\nX: " + std::string(5000, 'a'), o);
  CHECK_THAT(endless, Catch::StartsWith("HTTP/1.1 431"));
  const auto head = serve("HEAD /abc HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  CHECK_THAT(head, Catch::StartsWith("HTTP/1.1 200") && Catch::Contains("Content-Length: 9\r\n") &&
                       Catch::EndsWith("\r\n\r\n"));
}

TEST_CASE("request smuggling: folded, doubled or conflicting framing and bad Host are refused",
          "[http]") {
  // Each is 400 and closes the connection: the pipelined request after it is never answered.
  const std::string next = "GET /next HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"obs-fold", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: one\r\n two\r\n\r\n"},
      {"two Content-Length",
       "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"},
      {"two Transfer-Encoding",
       "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"TE and CL",
       "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n"
       "\r\n0\r\n\r\n"},
      {"TE not chunked",
       "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"},
      {"no Host", "GET / HTTP/1.1\r\n\r\n"},
      {"two Host", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: localhost\r\n\r\n"},
  };
  for (const auto& [name, raw] : cases) {
    INFO(name);
    const auto out = serve(raw + next);
    CHECK_THAT(out, Catch::StartsWith("HTTP/1.1 400") && Catch::Contains("Connection: close"));
    CHECK_THAT(out, !Catch::Contains("/next"));
  }
  // Well-formed framings pass, pipelined.
  const auto ok = serve(
      "POST /a HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: "
      "chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
      next);
  CHECK_THAT(ok, Catch::StartsWith("HTTP/1.1 200") && Catch::Contains("POST /a") &&
                     Catch::Contains("GET /next"));
  CHECK_THAT(serve("GET /old HTTP/1.0\r\n\r\n"), Catch::StartsWith("HTTP/1.0 200"));
}

TEST_CASE("DNS rebinding: only the configured host names, no cross-origin writes, no CORS",
          "[http]") {
  auto req = [](const std::string& method, const std::string& host, const std::string& extra = "") {
    return method + " /x HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 0\r\n" + extra + "\r\n";
  };
  ServerOptions o;
  o.allowed_hosts = {"approvald.internal"};
  for (const char* host :
       {"127.0.0.1:8080", "localhost", "LOCALHOST:1", "[::1]:8080", "approvald.internal:8080"}) {
    INFO(host);
    CHECK_THAT(serve(req("GET", host), o), Catch::StartsWith("HTTP/1.1 200"));
  }
  for (const char* host : {"evil.example", "evil.example:8080", "10.1.2.3", "localhost:x"}) {
    INFO(host);
    CHECK_THAT(serve(req("GET", host), o), Catch::StartsWith("HTTP/1.1 403"));
  }
  // A wildcard listen address lets any IP literal through, still no other name.
  o.any_ip_host = true;
  CHECK_THAT(serve(req("GET", "10.1.2.3:8080"), o), Catch::StartsWith("HTTP/1.1 200"));
  CHECK_THAT(serve(req("GET", "evil.example"), o), Catch::StartsWith("HTTP/1.1 403"));

  // Writes from another origin are refused; from the page's own origin (or no browser) they pass.
  const std::string host = "127.0.0.1:8080";
  CHECK_THAT(serve(req("PUT", host, "Origin: http://evil.example\r\n")),
             Catch::StartsWith("HTTP/1.1 403"));
  CHECK_THAT(serve(req("POST", host, "Origin: http://127.0.0.1:9999\r\n")),
             Catch::StartsWith("HTTP/1.1 403"));
  CHECK_THAT(serve(req("DELETE", host, "Sec-Fetch-Site: cross-site\r\n")),
             Catch::StartsWith("HTTP/1.1 403"));
  CHECK_THAT(
      serve(req("PUT", host, "Origin: http://127.0.0.1:8080\r\nSec-Fetch-Site: same-origin\r\n")),
      Catch::StartsWith("HTTP/1.1 200"));
  CHECK_THAT(serve(req("PUT", host)), Catch::StartsWith("HTTP/1.1 200"));
  // A cross-origin read is answered but carries no CORS header unless the origin is configured.
  const auto read = req("GET", host, "Origin: http://dash.example\r\n");
  CHECK_THAT(serve(read), !Catch::Contains("Access-Control"));
  ServerOptions cors;
  cors.cors_origins = {"http://dash.example"};
  CHECK_THAT(serve(read, cors),
             Catch::Contains("Access-Control-Allow-Origin: http://dash.example"));
}

TEST_CASE("what an error repeats of the request is bounded, control characters written out",
          "[http]") {
  const auto out = serve("GET / HTTP/1.1\r\nHost: " + std::string(5000, 'h') + "\r\n\r\n");
  const auto body = out.substr(out.find("\r\n\r\n") + 4);
  CHECK(body.size() < 400);
  const auto j = boost::json::parse(body);
  const std::string message(j.at("error").as_string());
  CHECK_THAT(message, Catch::Contains("…[cut: 5000 bytes]"));
}

TEST_CASE("serve_bytes: the request path without a socket, pipelined, for fuzzing", "[http]") {
  const auto out = serve(
      "GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /b HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Connection: close\r\n\r\nGET /c HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  CHECK_THAT(out,
             Catch::Contains("GET /a") && Catch::Contains("GET /b") && !Catch::Contains("GET /c"));
  // Garbage is a 400, never a crash; a truncated request gets no answer.
  CHECK_THAT(serve("\x01\x02 nonsense\r\n\r\n"), Catch::StartsWith("HTTP/1.1 400"));
  CHECK(serve("GET / HTTP/1.1\r\nHost: 127.0").empty());
}
