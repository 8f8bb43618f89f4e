#include "http/server.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <list>
#include <mutex>

namespace approvald::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

void send(tcp::socket& socket, const Response& r, unsigned version, bool keep_alive,
          beast::error_code& ec) {
  beast::http::response<beast::http::string_body> res{static_cast<beast::http::status>(r.status),
                                                      version};
  res.set(beast::http::field::server, "approvald");
  res.set(beast::http::field::content_type, r.content_type);
  res.set(beast::http::field::cache_control, "no-store");
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  beast::http::write(socket, res, ec);
}

// Sends a streamed response's headers, then hands the socket to its stream function. The body
// runs until the connection closes (no length, no chunking), as EventSource expects.
void stream(tcp::socket& socket, const Response& r, const std::atomic<bool>& stopping) {
  std::string head = "HTTP/1.1 " + std::to_string(r.status) +
                     " OK\r\nServer: approvald\r\nContent-Type: " + r.content_type +
                     "\r\nCache-Control: no-store\r\nConnection: close\r\n";
  for (const auto& [name, value] : r.headers) head += name + ": " + value + "\r\n";
  head += "\r\n";
  // A reader that stops reading must not hold the thread for ever.
  timeval tv{10, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct Sink final : StreamSink {
    tcp::socket& socket;
    const std::atomic<bool>& stopping;
    bool ok = true;
    Sink(tcp::socket& s, const std::atomic<bool>& st) : socket(s), stopping(st) {}
    bool write(std::string_view bytes) override {
      if (!open()) return false;
      beast::error_code ec;
      asio::write(socket, asio::buffer(bytes.data(), bytes.size()), ec);
      ok = !ec;
      return ok;
    }
    bool open() const override { return ok && !stopping; }
  } sink(socket, stopping);
  if (sink.write(head)) r.stream(sink);
}

Response error(int status, const std::string& message) {
  return {status, "application/json", R"({"error":")" + message + "\"}", {}};
}

}  // namespace

struct Server::Impl {
  struct Connection {
    tcp::socket socket;
    std::thread thread;
    std::atomic<bool> done{false};
    explicit Connection(tcp::socket s) : socket(std::move(s)) {}
  };

  asio::io_context io;
  tcp::acceptor acceptor{io};
  Handler handler;
  ServerOptions options;
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::list<std::unique_ptr<Connection>> connections;

  void serve(tcp::socket& socket) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (!stopping) {
      beast::http::request_parser<beast::http::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      beast::http::read(socket, buffer, parser, ec);
      if (ec == beast::http::error::body_limit) {
        send(socket, error(413, "request body too large"), 11, false, ec);
        break;
      }
      if (ec) break;  // closed, timed out or malformed
      auto& req = parser.get();
      Request r{std::string(req.method_string()), std::string(req.target()),
                std::string(req[beast::http::field::authorization]), std::move(req.body()),
                std::string(req["Last-Event-ID"])};
      Response out;
      try {
        out = handler(r);
      } catch (const std::exception&) {
        out = error(500, "internal error");
      }
      if (out.stream) {
        stream(socket, out, stopping);
        break;
      }
      send(socket, out, req.version(), req.keep_alive(), ec);
      if (ec || !req.keep_alive()) break;
    }
    socket.shutdown(tcp::socket::shutdown_send, ec);
  }

  // Joins the threads of connections that have finished.
  void reap() {
    std::lock_guard lock(mu);
    for (auto it = connections.begin(); it != connections.end();) {
      if ((*it)->done) {
        (*it)->thread.join();
        it = connections.erase(it);
      } else {
        ++it;
      }
    }
  }

  void run() {
    while (!stopping) {
      beast::error_code ec;
      tcp::socket socket(io);
      acceptor.accept(socket, ec);
      if (ec) {
        if (stopping) break;
        continue;
      }
      if (stopping) break;
      reap();
      // A client that goes quiet must not hold a thread for ever.
      timeval tv{options.idle_timeout_ms / 1000,
                 static_cast<suseconds_t>(options.idle_timeout_ms % 1000) * 1000};
      ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::lock_guard lock(mu);
      if (connections.size() >= options.max_connections) {
        send(socket, error(503, "too many connections"), 11, false, ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
        continue;
      }
      auto& c = *connections.emplace_back(std::make_unique<Connection>(std::move(socket)));
      c.thread = std::thread([this, &c] {
        serve(c.socket);
        c.done = true;
      });
    }
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Server>> Server::start(const std::string& listen, Handler handler,
                                              ServerOptions options) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Error{"http.listen: '" + listen + "' is not host:port"};
  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
  impl->options = options;
  beast::error_code ec;
  const auto address = asio::ip::make_address(listen.substr(0, colon), ec);
  if (ec) return Error{"http.listen: bad address in '" + listen + "': " + ec.message()};
  unsigned long port = 0;
  try {
    port = std::stoul(listen.substr(colon + 1));
  } catch (...) {
    return Error{"http.listen: bad port in '" + listen + "'"};
  }
  if (port > 65535) return Error{"http.listen: bad port in '" + listen + "'"};
  const tcp::endpoint ep(address, static_cast<unsigned short>(port));
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{"http: cannot listen on " + listen + ": " + ec.message()};
  auto* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

unsigned short Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::stop() {
  if (impl_->stopping.exchange(true)) return;
  beast::error_code ec;
  // Wake the blocking accept with a connection of our own, then close.
  tcp::socket poke(impl_->io);
  poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()), ec);
  poke.close(ec);
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->acceptor.close(ec);
  // Unblock the connection threads' reads and wait for them.
  std::lock_guard lock(impl_->mu);
  for (auto& c : impl_->connections) ::shutdown(c->socket.native_handle(), SHUT_RDWR);
  for (auto& c : impl_->connections) c->thread.join();
  impl_->connections.clear();
}

Server::~Server() { stop(); }

std::string percent_decode(std::string_view s, bool plus_is_space) {
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  std::string r;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_is_space) {
      r.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) && hex(s[i + 2])) {
      r.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      r.push_back(s[i]);
    }
  }
  return r;
}

std::map<std::string, std::string> query_params(const std::string& target) {
  std::map<std::string, std::string> out;
  const auto q = target.find('?');
  if (q == std::string::npos) return out;
  auto decode = [](std::string_view s) { return percent_decode(s, true); };
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    out[decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1));
  }
  return out;
}

}  // namespace approvald::http
