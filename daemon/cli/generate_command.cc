#include <chrono>
#include <ostream>
#include <thread>

#include "cli/commands.h"
#include "generate/simulation.h"
#include "generate/workload.h"
#include "kafka/kafka.h"

namespace approvald::cli {

namespace {

// The case id of a generated line (the generator writes it as a plain JSON string).
std::string case_id_of(const std::string& line) {
  const auto p = line.find("\"case_id\":\"");
  const auto q = line.find('"', p + 11);
  return line.substr(p + 11, q - p - 11);
}

// Produces the workload to o.topic (key = case id) at o.rate, with a summary on `err`.
int produce_generated(const GenerateOptions& o, const bench::Workload& w, std::ostream& err) {
  const auto& topic = o.topic;
  const double rate = o.rate;
  const std::size_t cases = o.cases;
  auto producer = kafka::Producer::create(o.bootstrap_servers, {{"linger.ms", "5"}});
  if (!producer) {
    err << producer.error().message << '\n';
    return 1;
  }
  auto& p = *producer.value();
  if (auto s = p.warm_up(topic, 10000); !s) {
    err << s.error().message << '\n';
    return 1;
  }
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  std::uint64_t seq = 0;
  for (const auto& line : w.lines) {
    if (rate > 0) {
      // Event i is due at start + i / rate: a steady rate, not bursts.
      const auto due = start + std::chrono::duration_cast<clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(seq) / rate));
      if (due > clock::now()) std::this_thread::sleep_until(due);
    }
    const ports::OutboxEntry e{0, seq++, topic, -1, case_id_of(line), line, {}};
    while (!p.produce(e)) p.poll(10);  // the local queue is full: let deliveries drain it
    p.poll(0);
    (void)p.take_delivered();
  }
  if (!p.flush(30000)) {
    err << "not every event was acknowledged within 30 s after the last one\n";
    return 1;
  }
  const double secs = std::chrono::duration<double>(clock::now() - start).count();
  const auto failed = p.take_failed();
  err << "produced " << (w.lines.size() - failed.size()) << " events of " << cases << " cases to "
      << topic << " in " << secs << " s ("
      << static_cast<long>(static_cast<double>(w.lines.size()) / secs) << " events/s)\n";
  return failed.empty() ? 0 : 1;
}

}  // namespace

int generate(const GenerateOptions& o, std::ostream& out, std::ostream& err) {
  auto rates = generate::default_violation_rates();
  const auto errors = generate::apply_violation_overrides(o.violations, &rates);
  if (!errors.empty()) {
    for (const auto& e : errors) err << "generate: " << e << '\n';
    return 2;
  }
  const auto w = bench::make_workload(o.cases, o.seed, o.open_only, &rates);
  if (!o.bootstrap_servers.empty()) return produce_generated(o, w, err);
  for (const auto& line : w.lines) {
    if (o.keyed) out << case_id_of(line) << '\t';
    out << line << '\n';
  }
  return 0;
}

}  // namespace approvald::cli
