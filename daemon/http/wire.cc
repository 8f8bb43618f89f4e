#include "http/wire.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <cctype>

#include "http/echo.h"
#include "rules/echo.h"

namespace approvald::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

// The host part of a Host header value ("name", "name:port", "[v6]:port"), lower-cased; empty if
// it is not of that form.
std::string host_name(std::string_view value) {
  std::string_view host = value, port;
  if (!value.empty() && value.front() == '[') {
    const auto close = value.find(']');
    if (close == std::string_view::npos) return {};
    host = value.substr(0, close + 1);
    if (close + 1 < value.size()) {
      if (value[close + 1] != ':') return {};
      port = value.substr(close + 2);
      if (port.empty()) return {};
    }
  } else if (const auto colon = value.rfind(':'); colon != std::string_view::npos) {
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
    if (port.empty()) return {};
  }
  if (host.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) return {};
  return lower(host);
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  const std::string bare =
      !host.empty() && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  boost::asio::ip::make_address(bare, ec);
  return !ec;
}

bool host_allowed(const std::string& host, const ServerOptions& o) {
  if (host == "127.0.0.1" || host == "localhost" || host == "[::1]") return true;
  if (o.allowed_hosts.count(host) != 0) return true;
  return o.any_ip_host && is_ip_literal(host);
}

std::string clean_header_value(std::string_view v) {
  std::string r;
  for (char c : v) {
    if (c != '\r' && c != '\n' && c != '\0') r.push_back(c);
  }
  return r;
}

bool unsafe_method(std::string_view m) { return m != "GET" && m != "HEAD" && m != "OPTIONS"; }

}  // namespace

Response error_response(int status, std::string_view message) {
  return {status, "application/json", error_json(message), {}};
}

RequestReader::RequestReader(const ServerOptions& options) : options_(options) {
  parser_.eager(true);
  parser_.header_limit(static_cast<std::uint32_t>(options.max_header_bytes + 4));
  parser_.body_limit(options.max_body_bytes);
}

RequestReader::State RequestReader::fail(int status, const std::string& message) {
  failure_ = error_response(status, message);
  return State::kFailed;
}

RequestReader::State RequestReader::step(std::string& buffer) {
  if (!buffer.empty()) started_ = true;
  if (!head_done_) {
    // The whole head first, so that it can be checked as sent before Beast reads it.
    const std::size_t from = scanned_ > 3 ? scanned_ - 3 : 0;
    const auto end = buffer.find("\r\n\r\n", from);
    if (end == std::string::npos) {
      scanned_ = buffer.size();
      if (buffer.size() > options_.max_header_bytes) {
        return fail(431, "request head larger than " + std::to_string(options_.max_header_bytes) +
                             " bytes");
      }
      return State::kNeedMore;
    }
    if (end + 4 > options_.max_header_bytes) {
      return fail(
          431, "request head larger than " + std::to_string(options_.max_header_bytes) + " bytes");
    }
    const std::string_view head(buffer.data(), end + 2);
    // Obsolete line folding (a header line starting with a space or tab) is read differently by
    // different parsers: refuse it (RFC 9112 §5.2).
    for (auto nl = head.find("\r\n"); nl != std::string_view::npos;
         nl = head.find("\r\n", nl + 2)) {
      if (nl + 2 < head.size() && (head[nl + 2] == ' ' || head[nl + 2] == '\t')) {
        return fail(400, "obsolete line folding in the request head");
      }
    }
    beast::error_code ec;
    const auto n = parser_.put(boost::asio::buffer(buffer.data(), end + 4), ec);
    if (ec == bhttp::error::header_limit) {
      return fail(
          431, "request head larger than " + std::to_string(options_.max_header_bytes) + " bytes");
    }
    if (ec == bhttp::error::body_limit) {  // a Content-Length over the limit
      return fail(413,
                  "request body larger than " + std::to_string(options_.max_body_bytes) + " bytes");
    }
    if (ec || !parser_.is_header_done()) {
      return fail(400, "malformed request head: " + (ec ? ec.message() : "incomplete"));
    }
    buffer.erase(0, n);
    head_done_ = true;
    if (const auto s = check_head(); s != State::kNeedMore) return s;
  }
  while (!parser_.is_done() && !buffer.empty()) {
    beast::error_code ec;
    const auto n = parser_.put(boost::asio::buffer(buffer), ec);
    buffer.erase(0, n);
    if (ec == bhttp::error::need_more) break;
    if (ec == bhttp::error::body_limit) {
      return fail(413,
                  "request body larger than " + std::to_string(options_.max_body_bytes) + " bytes");
    }
    if (ec) return fail(400, "malformed request body: " + ec.message());
    if (n == 0) break;
  }
  return parser_.is_done() ? State::kDone : State::kNeedMore;
}

RequestReader::State RequestReader::check_head() {
  const auto& req = parser_.get();
  if (req.version() != 11 && req.version() != 10) return fail(505, "only HTTP/1.0 and 1.1");
  // Request smuggling: two framings of one body are read differently by different parsers.
  const auto cl = req.count(bhttp::field::content_length);
  const auto te = req.count(bhttp::field::transfer_encoding);
  if (cl > 1) return fail(400, "Content-Length repeated");
  if (te > 1) return fail(400, "Transfer-Encoding repeated");
  if (cl > 0 && te > 0) return fail(400, "both Transfer-Encoding and Content-Length");
  if (te > 0 && (req.version() != 11 || lower(req[bhttp::field::transfer_encoding]) != "chunked")) {
    return fail(400, "Transfer-Encoding: only chunked, on HTTP/1.1");
  }
  const auto hosts = req.count(bhttp::field::host);
  if (hosts > 1) return fail(400, "Host repeated");
  if (hosts == 0 && req.version() == 11) return fail(400, "Host required on HTTP/1.1");
  if (hosts == 1) {
    const std::string host = host_name(req[bhttp::field::host]);
    if (host.empty() || !host_allowed(host, options_)) {
      return fail(403, "Host '" + rules::echo(req[bhttp::field::host]) +
                           "' is not served here (add it to http.allowed_hosts)");
    }
  }
  origin_ = std::string(req[bhttp::field::origin]);
  if (unsafe_method(req.method_string())) {
    // Writes only from the dashboard's own origin (or from no browser at all).
    if (!origin_.empty() && lower(origin_) != "http://" + lower(req[bhttp::field::host])) {
      return fail(403, "cross-origin " + rules::echo(req.method_string()) + " refused (Origin '" +
                           rules::echo(origin_) + "')");
    }
    const auto site = lower(req["Sec-Fetch-Site"]);
    if (!site.empty() && site != "same-origin" && site != "none") {
      return fail(403, "cross-site " + rules::echo(req.method_string()) + " refused");
    }
  }
  return State::kNeedMore;
}

Request RequestReader::take_request() {
  auto& req = parser_.get();
  return Request{std::string(req.method_string()),
                 std::string(req.target()),
                 std::string(req[bhttp::field::authorization]),
                 std::move(req.body()),
                 std::string(req["Last-Event-ID"]),
                 std::string(req[bhttp::field::cookie])};
}

std::string to_wire(const Response& r, unsigned version, bool keep_alive, bool head_only) {
  const auto status = static_cast<bhttp::status>(r.status);
  std::string out = version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += bhttp::obsolete_reason(status);
  out += "\r\nServer: approvald\r\nContent-Type: " + clean_header_value(r.content_type) +
         "\r\nCache-Control: no-store\r\n";
  for (const auto& [name, value] : r.headers) {
    out += clean_header_value(name) + ": " + clean_header_value(value) + "\r\n";
  }
  if (r.stream) {
    out += "Connection: close\r\n\r\n";
    return out;
  }
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (version == 10) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  if (!head_only) out += r.body;
  return out;
}

Exchange respond(const Handler& handler, const ServerOptions& options, RequestReader& reader,
                 bool ops_only) {
  const bool keep_alive = reader.keep_alive() && !ops_only;
  const unsigned version = reader.version();
  Request req = reader.take_request();
  const bool head_only = req.method == "HEAD";
  Response out;
  if (ops_only && options.ops_paths.count(req.path()) == 0) {
    out = error_response(503, "too many connections; only the operations paths are answered");
    return {to_wire(out, version, false, head_only), true, {}};
  }
  try {
    out = handler(req);
  } catch (const std::exception&) {
    out = error_response(500, "internal error");
  }
  const auto& origin = reader.origin();
  if (!origin.empty() && options.cors_origins.count(origin) != 0 && !unsafe_method(req.method)) {
    out.headers.emplace_back("Access-Control-Allow-Origin", origin);
    out.headers.emplace_back("Vary", "Origin");
  }
  if (out.stream && head_only) out.stream = nullptr;  // the headers of the stream, no body
  if (out.stream) return {to_wire(out, version, false, false), true, std::move(out.stream)};
  return {to_wire(out, version, keep_alive, head_only), !keep_alive, {}};
}

std::string serve_bytes(std::string_view raw, const Handler& handler,
                        const ServerOptions& options) {
  struct Closed final : StreamSink {
    bool write(std::string_view) override { return false; }
    bool open() const override { return false; }
    bool wait_closed(std::chrono::milliseconds) const override { return false; }
  };
  std::string buffer(raw), out;
  while (!buffer.empty()) {
    RequestReader reader(options);
    const auto state = reader.step(buffer);
    if (state == RequestReader::State::kNeedMore) break;  // the client left mid-request
    if (state == RequestReader::State::kFailed) {
      out += to_wire(reader.failure(), 11, false, false);
      break;
    }
    auto ex = respond(handler, options, reader, false);
    out += ex.bytes;
    if (ex.stream) {
      Closed sink;
      ex.stream(sink);
    }
    if (ex.close) break;
  }
  return out;
}

}  // namespace approvald::http
