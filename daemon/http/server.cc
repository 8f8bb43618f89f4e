#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace approvald::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

struct Server::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  Handler handler;
  std::thread thread;
  std::atomic<bool> stopping{false};

  void serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    for (;;) {
      beast::http::request<beast::http::string_body> req;
      beast::http::read(socket, buffer, req, ec);
      if (ec) break;
      Response r;
      try {
        r = handler(std::string(req.method_string()), std::string(req.target()));
      } catch (const std::exception& e) {
        r = Response{500, "application/json", std::string(R"({"error":"internal error"})")};
      }
      beast::http::response<beast::http::string_body> res{
          static_cast<beast::http::status>(r.status), req.version()};
      res.set(beast::http::field::server, "approvald");
      res.set(beast::http::field::content_type, r.content_type);
      res.keep_alive(req.keep_alive());
      res.body() = std::move(r.body);
      res.prepare_payload();
      beast::http::write(socket, res, ec);
      if (ec || !res.keep_alive()) break;
    }
    socket.shutdown(tcp::socket::shutdown_send, ec);
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
      // Metrics scrapes and API calls are short: one connection at a time is enough here.
      serve(std::move(socket));
    }
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Server>> Server::start(const std::string& listen, Handler handler) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Error{"http.listen: '" + listen + "' is not host:port"};
  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
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
}

Server::~Server() { stop(); }

}  // namespace approvald::http
