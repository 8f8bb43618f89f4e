#include "http/server.h"

#include <sys/resource.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>

#include "http/wire.h"

namespace approvald::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::chrono::milliseconds ms(int n) { return std::chrono::milliseconds(n); }

// Each connection runs its own io_context, so that its socket's operations can carry deadlines
// (beast::tcp_stream) while the connection's code stays sequential on its thread (ADR 0010).
// That is three descriptors a connection besides the socket: ask for the hard limit.
void raise_descriptor_limit() {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
    l.rlim_cur = l.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &l);
  }
}

}  // namespace

struct Server::Impl {
  struct Connection {
    asio::io_context io;
    std::optional<beast::tcp_stream> stream;
    std::string peer;
    bool ops_only = false;
    Clock::time_point accepted = Clock::now();
    std::thread thread;
    std::atomic<bool> done{false};
    // Waiting for a request (no byte of it yet, or its head incomplete) since when: such a
    // connection may be closed to make room (ADR 0010). Written by the connection's thread only.
    std::atomic<bool> waiting{true};
    std::atomic<Clock::rep> waiting_since{Clock::now().time_since_epoch().count()};
    std::atomic<bool> evicted{false};
    std::array<char, 16384> chunk{};

    void wait_from(Clock::time_point t) {
      waiting_since = t.time_since_epoch().count();
      waiting = true;
    }

    // Runs the operation started on this connection's context to its end.
    void run() {
      io.restart();
      io.run();
    }
    beast::error_code read_some(std::string& buffer, Clock::time_point deadline) {
      beast::error_code result;
      std::size_t got = 0;
      stream->expires_at(deadline);
      stream->async_read_some(asio::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
        result = ec;
        got = n;
      });
      run();
      buffer.append(chunk.data(), got);
      return result;
    }
    beast::error_code write(std::string_view bytes, int timeout_ms) {
      beast::error_code result;
      stream->expires_after(ms(timeout_ms));
      asio::async_write(*stream, asio::buffer(bytes.data(), bytes.size()),
                        [&](beast::error_code ec, std::size_t) { result = ec; });
      run();
      return result;
    }
    // Half-closes, then reads what the client still sends for a moment, so that the last
    // response is not lost to a reset (a refused body still on its way).
    void close() {
      beast::error_code ec;
      stream->socket().shutdown(tcp::socket::shutdown_send, ec);
      std::string sink;
      const auto until = Clock::now() + ms(500);
      while (!ec && sink.size() < (256u << 10)) {
        ec = read_some(sink, until);
      }
      stream->close();
    }
  };

  asio::io_context io;
  tcp::acceptor acceptor{io};
  Handler handler;
  ServerOptions options;
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  // Signalled, under `mu`, when a connection is accepted or ends and when the server stops.
  std::condition_variable changed;
  std::size_t open_locked() const {
    std::size_t n = 0;
    for (const auto& c : connections) n += c->done ? 0 : 1;
    return n;
  }
  std::list<std::unique_ptr<Connection>> connections;
  std::map<std::string, std::size_t> streams;  // open streamed responses per client address

  bool acquire_stream(const std::string& peer) {
    std::lock_guard lock(mu);
    auto& n = streams[peer];
    if (n >= options.max_streams_per_client) return false;
    ++n;
    return true;
  }
  void release_stream(const std::string& peer) {
    std::lock_guard lock(mu);
    if (--streams[peer] == 0) streams.erase(peer);
  }

  void serve(Connection& c) {
    std::string buffer;
    bool first = true;
    while (!stopping) {
      RequestReader reader(options);
      c.wait_from(first ? c.accepted : Clock::now());
      auto state = reader.step(buffer);
      // A connection's first request has the header deadline from the accept; a later one waits
      // at most the idle timeout for its first byte, then has the header deadline from there.
      const auto idle_until = first ? c.accepted + ms(options.header_timeout_ms)
                                    : Clock::now() + ms(options.idle_timeout_ms);
      auto head_until = first ? idle_until : Clock::now() + ms(options.header_timeout_ms);
      auto body_until = Clock::now() + ms(options.body_timeout_ms);
      while (state == RequestReader::State::kNeedMore) {
        const bool was_started = reader.started(), had_head = reader.head_done();
        const auto deadline = !was_started ? idle_until : !had_head ? head_until : body_until;
        const auto ec = c.read_some(buffer, deadline);
        // A deadline that passes closes the socket (beast::tcp_stream): no 408 can follow.
        if (ec) {
          c.close();
          return;
        }
        state = reader.step(buffer);
        if (reader.head_done()) c.waiting = false;
        if (!was_started && !first) head_until = Clock::now() + ms(options.header_timeout_ms);
        if (!had_head && reader.head_done())
          body_until = Clock::now() + ms(options.body_timeout_ms);
      }
      c.waiting = false;
      if (state == RequestReader::State::kFailed) {
        c.write(to_wire(reader.failure(), 11, false, false), options.write_timeout_ms);
        c.close();
        return;
      }
      auto ex = respond(handler, options, reader, c.ops_only);
      if (ex.stream) {
        if (!acquire_stream(c.peer)) {
          const auto r =
              error_response(429, "too many live streams from this address (at most " +
                                      std::to_string(options.max_streams_per_client) + ")");
          c.write(to_wire(r, 11, false, false), options.write_timeout_ms);
        } else {
          stream(c, ex);
          release_stream(c.peer);
        }
        c.close();
        return;
      }
      if (c.write(ex.bytes, options.write_timeout_ms) || ex.close) {
        c.close();
        return;
      }
      first = false;
    }
    c.close();
  }

  // Sends a streamed response's headers, then hands the connection to its stream function. The
  // body runs until the connection closes (no length, no chunking), as EventSource expects.
  void stream(Connection& c, const Exchange& ex) {
    struct Sink final : StreamSink {
      Connection& c;
      Impl& server;
      bool ok = true;
      Sink(Connection& conn, Impl& s) : c(conn), server(s) {}
      bool write(std::string_view bytes) override {
        if (!open()) return false;
        // A reader that stops reading must not hold the thread for ever.
        ok = !c.write(bytes, server.options.write_timeout_ms);
        return ok;
      }
      bool open() const override { return ok && !server.stopping; }
      bool wait_closed(std::chrono::milliseconds limit) const override {
        std::unique_lock lock(server.mu);
        return !server.changed.wait_for(lock, limit, [this] { return !open(); });
      }
    } sink(c, *this);
    if (sink.write(ex.bytes)) ex.stream(sink);
  }

  // Joins the threads of connections that have finished; counts those left, in full and reserved.
  std::pair<std::size_t, std::size_t> reap() {
    std::size_t full = 0, reserved = 0;
    for (auto it = connections.begin(); it != connections.end();) {
      if ((*it)->done) {
        (*it)->thread.join();
        it = connections.erase(it);
      } else {
        ++((*it)->ops_only ? reserved : full);
        ++it;
      }
    }
    return {full, reserved};
  }

  Connection* longest_waiting() {
    Connection* best = nullptr;
    for (auto& c : connections) {
      if (c->done || !c->waiting || c->evicted) continue;
      if (best == nullptr || c->waiting_since < best->waiting_since) best = c.get();
    }
    return best;
  }

  // Closes a connection through its own context, so on its own thread; if it has started on a
  // request in the meantime, it is left alone.
  static void evict(Connection& c) {
    c.evicted = true;  // not chosen twice
    asio::post(c.io, [&c] {
      if (!c.waiting) return;
      beast::error_code e;
      c.stream->socket().shutdown(tcp::socket::shutdown_both, e);
      c.stream->socket().close(e);
    });
  }

  // Past every share: one 503, written without waiting, and the connection closes.
  static void refuse(tcp::socket& socket) {
    const std::string r = to_wire(error_response(503, "too many connections"), 11, false, false);
    beast::error_code ec;
    socket.non_blocking(true, ec);
    socket.write_some(asio::buffer(r), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  void run() {
    while (!stopping) {
      auto c = std::make_unique<Connection>();
      beast::error_code ec;
      tcp::socket socket = acceptor.accept(c->io, ec);
      if (ec) {
        if (stopping) break;
        continue;
      }
      if (stopping) break;
      c->accepted = Clock::now();
      const auto peer = socket.remote_endpoint(ec);
      c->peer = ec ? std::string("?") : peer.address().to_string();
      std::lock_guard lock(mu);
      const auto [full, reserved] = reap();
      if (full >= options.max_connections) {
        if (reserved < options.ops_reserve) {
          c->ops_only = true;
        } else if (Connection* victim = longest_waiting()) {
          // Every share is taken: connections that send nothing (or their head slowly) must not
          // keep a new client out, so the one waiting longest makes room.
          c->ops_only = victim->ops_only;
          evict(*victim);
        } else {
          refuse(socket);
          continue;
        }
      }
      c->stream.emplace(std::move(socket));
      auto& conn = *connections.emplace_back(std::move(c));
      changed.notify_all();  // one more open connection
      conn.thread = std::thread([this, &conn] {
        serve(conn);
        std::lock_guard ended(mu);
        conn.done = true;
        changed.notify_all();
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
  beast::error_code ec;
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return Error{"http.listen: bad address in '" + listen + "': " + ec.message()};
  unsigned long port = 0;
  try {
    port = std::stoul(listen.substr(colon + 1));
  } catch (...) {
    return Error{"http.listen: bad port in '" + listen + "'"};
  }
  if (port > 65535) return Error{"http.listen: bad port in '" + listen + "'"};
  // The listen address is a name a request may give as its Host; on a wildcard address, so is
  // any IP literal (DNS rebinding needs a name).
  options.allowed_hosts.insert(address.is_v6() ? "[" + address.to_string() + "]"
                                               : address.to_string());
  if (address.is_unspecified()) options.any_ip_host = true;
  std::set<std::string> lowered;
  for (const auto& h : options.allowed_hosts) {
    std::string l = h;
    for (auto& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    lowered.insert(l);
  }
  options.allowed_hosts = std::move(lowered);
  impl->options = std::move(options);
  raise_descriptor_limit();
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

std::size_t Server::open_connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->open_locked();
}

bool Server::wait_open_connections(std::size_t n, std::chrono::milliseconds limit) const {
  std::unique_lock lock(impl_->mu);
  return impl_->changed.wait_for(lock, limit, [&] { return impl_->open_locked() == n; });
}

void Server::stop() {
  if (impl_->stopping.exchange(true)) return;
  {
    // Streams waiting in wait_closed() see `stopping` now.
    std::lock_guard lock(impl_->mu);
    impl_->changed.notify_all();
  }
  beast::error_code ec;
  // Wake the blocking accept with a connection of our own, then close.
  const auto local = impl_->acceptor.local_endpoint(ec);
  tcp::socket poke(impl_->io);
  const auto any = local.address().is_unspecified();
  poke.connect(tcp::endpoint(any ? (local.address().is_v6()
                                        ? asio::ip::address(asio::ip::address_v6::loopback())
                                        : asio::ip::address(asio::ip::address_v4::loopback()))
                                 : local.address(),
                             local.port()),
               ec);
  poke.close(ec);
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->acceptor.close(ec);
  // End every connection's pending read or write (on its own thread, through its context), and
  // wait for them; a stream sees stopping and returns.
  // The list is taken out first: a connection that ends takes the lock (its stream count).
  std::list<std::unique_ptr<Impl::Connection>> connections;
  {
    std::lock_guard lock(impl_->mu);
    connections.swap(impl_->connections);
  }
  for (auto& c : connections) {
    asio::post(c->io, [&conn = *c] {
      beast::error_code e;
      conn.stream->socket().shutdown(tcp::socket::shutdown_both, e);
      conn.stream->socket().close(e);
    });
  }
  for (auto& c : connections) c->thread.join();
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
