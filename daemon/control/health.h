// What /healthz and /readyz report: written by the main loop, read by the HTTP threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace approvald::control {

// Real (system) time in milliseconds. Health is judged in real time even when supervision time
// is simulated (`approvald demo`).
inline std::int64_t real_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Health {
  std::atomic<std::int64_t> loop_ms{0};  // the last turn of the main loop, real time
  std::atomic<bool> broker_up{false};
  std::atomic<std::size_t> assigned{0};
  std::atomic<double> timer_lateness_s{0};  // real seconds
  // Partitions whose outbox head has waited longer than outbox.stall_seconds (real time): the
  // broker refuses, or a barrier waits — alerts are not reaching the topic.
  std::atomic<std::size_t> stalled_partitions{0};
  std::atomic<std::int64_t> outbox_head_age_ms{0};  // the longest wait among them
  // The store refuses reads or writes (I/O error, corruption, a full disk): the loop retries
  // and moves nothing on meanwhile.
  std::atomic<bool> store_reads_failing{false};
  std::atomic<bool> store_writes_failing{false};
};

}  // namespace approvald::control
