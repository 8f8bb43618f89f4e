// One HTTP/1.1 port (Boost.Beast), served on its own thread: the routes are plain functions
// from (method, target) to a response, so they are testable without sockets.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/result.h"

namespace approvald::http {

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using Handler = std::function<Response(const std::string& method, const std::string& target)>;

class Server {
 public:
  // Binds `listen` ("host:port"; port 0 picks a free one) and serves on a background thread.
  static Result<std::unique_ptr<Server>> start(const std::string& listen, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;
  void stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace approvald::http
