#include "kafka/validate.h"

#include <librdkafka/rdkafka.h>

#include <memory>

namespace approvald::kafka {

std::vector<PropertyProblem> validate_properties(const Properties& props) {
  std::vector<PropertyProblem> problems;
  for (const auto& [name, value] : props) {
    const std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(
        rd_kafka_conf_new(), &rd_kafka_conf_destroy);
    char err[512] = {};
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), err, sizeof err) !=
        RD_KAFKA_CONF_OK) {
      std::string message = err;
      while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
      problems.push_back({name, std::move(message)});
    }
  }
  return problems;
}

}  // namespace approvald::kafka
