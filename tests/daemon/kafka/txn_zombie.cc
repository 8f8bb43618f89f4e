// A member that dies mid-transaction, for transactional_producer_test.cc: opens a transaction
// under the given id, sends COUNT records to TOPIC and waits until they are on the broker, says
// "sent" on stdout, and then waits to be killed: it blocks reading stdin, which the test holds
// open until the kill (and whose end, should the test die first, ends this process too).
#include <cstdio>
#include <string>

#include "kafka/transactional_producer.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s BOOTSTRAP TRANSACTIONAL_ID TOPIC COUNT\n", argv[0]);
    return 2;
  }
  using approvald::kafka::GroupMetadata;
  auto made = approvald::kafka::TransactionalProducer::create(
      {.bootstrap_servers = argv[1], .transactional_id = argv[2]},
      [] { return GroupMetadata::for_group("unused"); });
  if (!made) {
    std::fprintf(stderr, "%s\n", made.error().message.c_str());
    return 1;
  }
  auto producer = made.take();
  if (!producer->begin()) return 1;
  const int count = std::stoi(argv[4]);
  for (int i = 0; i < count; ++i) {
    approvald::ports::OutboxEntry e{.seq = static_cast<std::uint64_t>(i),
                                    .topic = argv[3],
                                    .topic_partition = 0,
                                    .key = "k",
                                    .value = "zombie-" + std::to_string(i)};
    if (!producer->send(e)) return 1;
  }
  if (!producer->flush(30000)) return 1;
  std::printf("sent\n");
  std::fflush(stdout);
  char byte = 0;
  while (std::fread(&byte, 1, 1, stdin) == 1) {
  }
  return 3;
}
