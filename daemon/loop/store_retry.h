// Runs store operations until they succeed, backing off: a failed read or write moves nothing
// on (no offset, no timer, nothing overwritten), and a read that failed is never taken for
// absence. Meanwhile the loop counts as alive (/healthz) but not ready (/readyz), and each
// failure is logged and counted. A full disk or a passing I/O error heals without a restart.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "base/log.h"
#include "control/health.h"
#include "loop/clocks.h"
#include "loop/store_ports.h"
#include "metrics/metrics.h"
#include "state/case_cache.h"

namespace approvald::loop {

class StoreRetry {
 public:
  // `sleep` waits between attempts and `real_ms` stamps the loop alive meanwhile: both injected
  // so that a test of a failing store neither sleeps nor reads the system clock.
  StoreRetry(control::Health& health, metrics::Metrics& metrics, const std::atomic<bool>& stop,
             state::CaseCache& cache, Sleeper sleep, std::function<std::int64_t()> real_ms)
      : health_(health),
        metrics_(metrics),
        stop_(stop),
        cache_(cache),
        sleep_(std::move(sleep)),
        real_ms_(std::move(real_ms)) {}

  // The store is damaged (checksum mismatch, undecodable bytes): the loop stops instead of
  // retrying for ever or writing over the evidence.
  bool damaged() const { return damaged_; }

  // The value of a read; none only when the daemon stops first, or the store is damaged.
  template <typename F>
  auto read(F&& op, const char* what) {
    return retry(std::forward<F>(op), what, false, health_.store_reads_failing);
  }
  // False only when the daemon stops before the write succeeded, or the store is damaged.
  template <typename F>
  bool write(F&& op, const char* what) {
    return retry(std::forward<F>(op), what, true, health_.store_writes_failing).has_value();
  }
  // The case cache learns what a commit wrote only once the store holds it.
  bool commit(StoreWriter& store, const ports::WriteSet& w) {
    if (!write([&] { return store.commit(w); }, "store commit failed")) return false;
    cache_.apply(w);
    return true;
  }

 private:
  template <typename F>
  auto retry(F&& op, const char* what, bool write, std::atomic<bool>& failing)
      -> std::optional<std::decay_t<decltype(op().value())>> {
    int backoff_ms = 100;
    while (true) {
      auto r = op();
      if (r) {
        failing = false;
        return r.take();
      }
      failing = true;
      metrics_.store_error(write ? "write" : "read");
      if (r.error().corrupt) {
        damaged_ = true;
        log::error(std::string(what) +
                       ": the store is damaged; stopping without writing to it (restore it from "
                       "a backup or let the changelog rebuild it: docs/operations.md)",
                   {{"error", r.error().message}});
        return std::nullopt;
      }
      log::error(std::string(what) + "; retrying",
                 {{"error", r.error().message}, {"retry_in_ms", std::to_string(backoff_ms)}});
      if (stop_) return std::nullopt;
      sleep_(std::chrono::milliseconds(backoff_ms));
      health_.loop_ms = real_ms_();
      backoff_ms = std::min(backoff_ms * 2, 5000);
    }
  }

  control::Health& health_;
  metrics::Metrics& metrics_;
  const std::atomic<bool>& stop_;
  state::CaseCache& cache_;
  Sleeper sleep_;
  std::function<std::int64_t()> real_ms_;
  bool damaged_ = false;
};

}  // namespace approvald::loop
