// One HTTP/1.1 port (Boost.Beast). Each connection is served on its own thread, up to a limit,
// with deadlines that fire (header, body, idle keep-alive, writes: docs/adr/0010), so a browser's
// keep-alive connection or a slow client never blocks a Prometheus scrape; a reserved share of
// connections answers only the operations paths when the rest is taken. The routes are plain
// functions from a Request to a Response, testable without sockets, and the whole request path
// (bytes in, bytes out) is too: serve_bytes() in wire.h.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/result.h"

namespace approvald::http {

struct Request {
  std::string method;
  std::string target;         // path and query, as sent
  std::string authorization;  // the Authorization header, if any
  std::string body;
  std::string last_event_id;  // the Last-Event-ID header of a reconnecting EventSource
  std::string cookie;         // the Cookie header, if any

  std::string path() const { return target.substr(0, target.find('?')); }
};

// Where a streamed response (Server-Sent Events) writes. write() fails once the client has gone
// or the server is stopping; a stream function returns then.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual bool write(std::string_view bytes) = 0;
  virtual bool open() const = 0;
  // Blocks until the stream closes (the server stops, or a write failed) or `limit` passes;
  // whether it is still open. A handler with nothing to send waits here rather than polling.
  virtual bool wait_closed(std::chrono::milliseconds limit) const = 0;
};

struct Response {
  Response() = default;
  Response(int s, std::string type, std::string b,
           std::vector<std::pair<std::string, std::string>> h = {})
      : status(s), content_type(std::move(type)), body(std::move(b)), headers(std::move(h)) {}

  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones
  // When set, the body is not sent: the headers go out, then this runs on the connection's thread
  // until it returns, and the connection closes.
  std::function<void(StreamSink&)> stream;
};

using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  // Connections served in full; past them, `ops_reserve` more are accepted but answer only the
  // `ops_paths` (one request each), and any further one gets 503 at once.
  std::size_t max_connections = 256;
  std::size_t ops_reserve = 16;
  std::set<std::string> ops_paths = {"/healthz", "/readyz", "/metrics"};
  std::size_t max_streams_per_client = 8;    // streamed responses per client address; then 429
  std::size_t max_body_bytes = 8u << 20;     // larger requests get 413
  std::size_t max_header_bytes = 16u << 10;  // request line and headers; larger get 431
  // Deadlines, each from where its phase starts: a request's head from its first byte (or from
  // the accept, for a connection's first request), its body from the end of the head, the next
  // request of a kept-alive connection from the end of the last response, a write from its start.
  int header_timeout_ms = 10000;
  int body_timeout_ms = 30000;
  int idle_timeout_ms = 30000;
  int write_timeout_ms = 10000;
  // Host names a request may name (DNS rebinding): besides these, 127.0.0.1, localhost, [::1] and
  // the listen address; any IP literal when listening on 0.0.0.0 or ::. Filled in by start().
  std::set<std::string> allowed_hosts;
  bool any_ip_host = false;  // set by start() for a wildcard listen address
  // Origins (scheme://host:port) given Access-Control-Allow-Origin on reads; none by default.
  std::set<std::string> cors_origins;
};

class Server {
 public:
  // Binds `listen` ("host:port"; port 0 picks a free one) and serves on background threads.
  static Result<std::unique_ptr<Server>> start(const std::string& listen, Handler handler,
                                               ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;
  std::size_t open_connections() const;  // accepted and not yet closed
  // Blocks until open_connections() == n or `limit` passes; whether it got there. A connection
  // ends on its own thread, so a caller that closed one waits here for the count.
  bool wait_open_connections(std::size_t n, std::chrono::milliseconds limit) const;
  void stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Percent-decodes a URL component ('+' is a space when `plus_is_space`).
std::string percent_decode(std::string_view s, bool plus_is_space);

// The query parameters of a target, percent-decoded ('+' is a space). A repeated name keeps the
// last value.
std::map<std::string, std::string> query_params(const std::string& target);

}  // namespace approvald::http
