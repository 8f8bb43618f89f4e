// Hands a validated rule version from an HTTP thread to the main loop, which stores it and
// switches between batches (the only place the engine changes), and hands the outcome back.
#pragma once

#include <chrono>
#include <deque>
#include <future>
#include <mutex>
#include <optional>

#include "base/result.h"
#include "store/store.h"

namespace approvald::app {

class RuleMailbox {
 public:
  struct Request {
    store::RuleVersion version;
    std::promise<Result<std::uint64_t>> outcome;
  };

  std::future<Result<std::uint64_t>> submit(store::RuleVersion v) {
    std::lock_guard lock(mu_);
    auto& r = pending_.emplace_back(Request{std::move(v), {}});
    return r.outcome.get_future();
  }

  std::optional<Request> take() {
    std::lock_guard lock(mu_);
    if (pending_.empty()) return std::nullopt;
    Request r = std::move(pending_.front());
    pending_.pop_front();
    return r;
  }

 private:
  std::mutex mu_;
  std::deque<Request> pending_;
};

}  // namespace approvald::app
