// Hands a validated rule version from an HTTP thread to the main loop, which stores it and
// switches between batches (the only place the engine changes), and hands the outcome back.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>

#include "base/result.h"
#include "store/store.h"

namespace approvald::control {

class RuleMailbox {
 public:
  struct Request {
    store::RuleVersion version;
    std::promise<Result<std::uint64_t>> outcome;
  };

  std::future<Result<std::uint64_t>> submit(store::RuleVersion v) {
    std::lock_guard lock(mu_);
    auto& r = pending_.emplace_back(Request{std::move(v), {}});
    arrived_.notify_all();
    return r.outcome.get_future();
  }

  // The oldest request, if any (the main loop asks once per turn).
  std::optional<Request> take() { return take_within(std::chrono::milliseconds(0)); }

  // The oldest request, waiting up to `timeout` for one.
  std::optional<Request> take_within(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    arrived_.wait_for(lock, timeout, [this] { return !pending_.empty(); });
    if (pending_.empty()) return std::nullopt;
    Request r = std::move(pending_.front());
    pending_.pop_front();
    return r;
  }

 private:
  std::mutex mu_;
  std::condition_variable arrived_;
  std::deque<Request> pending_;
};

}  // namespace approvald::control
