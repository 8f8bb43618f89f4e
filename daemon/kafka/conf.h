// librdkafka configuration from a property map: shared by the consumer, the producer and the
// changelog reader, so that every property error reads the same.
#pragma once

#include <librdkafka/rdkafka.h>

#include "base/result.h"
#include "kafka/kafka.h"

namespace approvald::kafka {

// A new configuration with every property set, or the first property librdkafka refuses.
inline Result<rd_kafka_conf_t*> make_conf(const Properties& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Error{"kafka property " + k + ": " + err};
    }
  }
  return conf;
}

}  // namespace approvald::kafka
