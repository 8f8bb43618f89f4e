// The request path without a socket: bytes in, a Request (or the error to answer) out, and a
// Response back to bytes. The server feeds it what it reads; serve_bytes() runs it over a buffer,
// so tests and a fuzzer drive parser, limits, checks, router and handlers with no connection.
#pragma once

#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "http/server.h"

namespace approvald::http {

// One request of a connection, read incrementally. Refuses (with the response to send before
// closing): a head over max_header_bytes (431), a body over max_body_bytes (413), obs-folded
// header lines, a repeated Content-Length or Transfer-Encoding or both together, a
// Transfer-Encoding other than chunked, a missing or repeated Host on HTTP/1.1 (400), a Host
// not allowed (DNS rebinding) or a cross-origin write (403).
class RequestReader {
 public:
  enum class State { kNeedMore, kDone, kFailed };

  explicit RequestReader(const ServerOptions& options);

  // Takes from the front of `buffer` what belongs to this request (bytes after it stay for the
  // next one) and says where it stands.
  State step(std::string& buffer);

  bool started() const { return started_; }  // some byte of this request has arrived
  bool head_done() const { return head_done_; }
  const Response& failure() const { return failure_; }  // when kFailed
  Request take_request();                               // when kDone
  bool keep_alive() const { return parser_.get().keep_alive(); }
  unsigned version() const { return parser_.get().version(); }
  const std::string& origin() const { return origin_; }

 private:
  State fail(int status, const std::string& message);
  State check_head();

  const ServerOptions& options_;
  boost::beast::http::request_parser<boost::beast::http::string_body> parser_;
  bool started_ = false;
  bool head_done_ = false;
  std::size_t scanned_ = 0;  // head bytes already searched for the blank line
  std::string origin_;
  Response failure_;
};

// A response as bytes on the wire. `head_only` (HEAD) sends the headers a GET would, no body.
// A streamed response gets no length and Connection: close; its body is written afterwards.
std::string to_wire(const Response& r, unsigned version, bool keep_alive, bool head_only);

// What a connection sends for one request it has read.
struct Exchange {
  std::string bytes;
  bool close = false;
  std::function<void(StreamSink&)> stream;  // run after `bytes`, then close
};

// Runs the handler for a request read in full and applies the connection's policy: only the
// operations paths on a reserved connection, HEAD without a body, CORS for configured origins, a
// handler's exception as 500.
Exchange respond(const Handler& handler, const ServerOptions& options, RequestReader& reader,
                 bool ops_only);

// The fuzzing and testing entry point: every request in `raw` (pipelined), answered in order as
// the server would answer them on one connection that then closes, and the bytes it would send.
// A streamed response sends its headers only (its sink is closed).
std::string serve_bytes(std::string_view raw, const Handler& handler,
                        const ServerOptions& options = {});

// The error response of the server itself: {"error": …} with the echoed parts bounded.
Response error_response(int status, std::string_view message);

}  // namespace approvald::http
