// One outbox entry handed to librdkafka: shared by the outbox producer and the transactional
// one, so that both send exactly the same record (topic, partition or key, headers).
#pragma once

#include <librdkafka/rdkafka.h>

#include <array>
#include <string>

#include "kafka/kafka.h"
#include "ports/write_set.h"

namespace approvald::kafka {

// Queues `e` with `opaque` as the message's delivery-report pointer; on failure the error is
// returned classified (nothing was queued, and `opaque` is still the caller's), and librdkafka's
// code in `*code` if asked.
inline Produced produce_entry(rd_kafka_t* rk, const ports::OutboxEntry& e, void* opaque,
                              rd_kafka_resp_err_t* code = nullptr) {
  rd_kafka_headers_t* hdrs = rd_kafka_headers_new(e.headers.size());
  for (const auto& [name, value] : e.headers) {
    rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  }
  // rd_kafka_produceva with a plain array: the RD_KAFKA_V_* macros are GNU statement expressions.
  std::array<rd_kafka_vu_t, 7> vu{};
  vu[0].vtype = RD_KAFKA_VTYPE_TOPIC;
  vu[0].u.cstr = e.topic.c_str();
  vu[1].vtype = RD_KAFKA_VTYPE_KEY;
  vu[1].u.mem = {const_cast<char*>(e.key.data()), e.key.size()};
  vu[2].vtype = RD_KAFKA_VTYPE_VALUE;
  vu[2].u.mem = {const_cast<char*>(e.value.data()), e.value.size()};
  vu[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vu[3].u.i = RD_KAFKA_MSG_F_COPY;
  vu[4].vtype = RD_KAFKA_VTYPE_HEADERS;
  vu[4].u.headers = hdrs;
  vu[5].vtype = RD_KAFKA_VTYPE_OPAQUE;
  vu[5].u.ptr = opaque;
  vu[6].vtype = RD_KAFKA_VTYPE_PARTITION;
  vu[6].u.i32 = e.topic_partition >= 0 ? e.topic_partition : RD_KAFKA_PARTITION_UA;
  if (rd_kafka_error_t* err = rd_kafka_produceva(rk, vu.data(), vu.size())) {
    if (code != nullptr) *code = rd_kafka_error_code(err);
    Produced why = classify_error(rd_kafka_error_code(err));
    why.message = std::string("producing to ") + e.topic + ": " + rd_kafka_error_string(err);
    rd_kafka_error_destroy(err);
    rd_kafka_headers_destroy(hdrs);  // not taken over on failure
    return why;
  }
  return {};
}

// Destroys a producer without waiting: what is still queued or in flight is purged (each gets a
// delivery report, which frees what its opaque points at) instead of delivered.
inline void destroy_producer(rd_kafka_t* rk) {
  if (rk == nullptr) return;
  rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk, 0);
  rd_kafka_destroy(rk);
}

}  // namespace approvald::kafka
