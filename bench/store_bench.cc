// Reads of a large store, as a re-evaluation (a partition walked in key order, 500 cases a
// slice) and a poll batch (500 cases at random) do them, with the table files written with a
// one-block index and with the partitioned one of ADR 0011, in the same run: each layout gets a
// store of its own, filled the same way, reopened with a cold block cache of the daemon's size.
//
//   store_bench DIR [CASES] [VALUE_BYTES] [READS] [ROUNDS]
//
// Prints cases read per second per layout, access pattern and round, and the ratios of the
// medians. DIR is emptied.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/store.h"

namespace {

using approvald::store::Store;
using approvald::store::StoreOptions;
using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 6;
constexpr std::size_t kSlice = 500;

std::string case_id(std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "440300-2026-%08zu", i * 2654435761u % 100000000u);
  return buf;
}

// Something like an encoded case state: field names repeat, numbers and ids do not.
std::string state_bytes(std::mt19937_64& rng, std::size_t bytes) {
  static const char* fields[] = {"received_at", "accepted_at", "clock",   "paused", "due",
                                 "agency",      "item",        "officer", "events", "finding"};
  std::string s;
  while (s.size() < bytes) {
    s += fields[rng() % std::size(fields)];
    s += '=';
    s += std::to_string(rng() % 10000000000ull);
    s += ';';
  }
  s.resize(bytes);
  return s;
}

std::unique_ptr<Store> open(const std::filesystem::path& dir, bool partitioned) {
  auto r = Store::open(StoreOptions{.dir = dir.string(),
                                    .block_cache_bytes = 128u << 20,
                                    .write_buffer_bytes = 64u << 20,
                                    .sync = false,
                                    .partitioned_index = partitioned});
  if (!r) {
    std::fprintf(stderr, "cannot open %s: %s\n", dir.c_str(), r.error().message.c_str());
    std::exit(1);
  }
  return r.take();
}

void fill(const std::filesystem::path& dir, bool partitioned, std::size_t cases,
          std::size_t value_bytes) {
  auto store = open(dir, partitioned);
  std::mt19937_64 rng(42);  // the same contents for both layouts
  std::vector<std::size_t> order(cases);
  for (std::size_t i = 0; i < cases; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);  // cases open in no key order
  for (std::size_t i = 0; i < cases; i += 1000) {
    approvald::ports::WriteSet w;
    for (std::size_t j = i; j < std::min(cases, i + 1000); ++j) {
      w.cases.push_back({static_cast<std::int32_t>(order[j] % kPartitions), case_id(order[j]),
                         state_bytes(rng, value_bytes)});
    }
    if (auto s = store->commit(w); !s) {
      std::fprintf(stderr, "commit: %s\n", s.error().message.c_str());
      std::exit(1);
    }
  }
}

// Cases per second reading `reads` cases as slices of a re-evaluation; `rewrite`: each slice's
// states are written back in one commit, as a re-evaluation does, so memtables fill, flush and
// compact under the reads.
double walk(Store& store, std::size_t reads, bool rewrite) {
  std::mt19937_64 rng(9);
  const auto t0 = Clock::now();
  std::size_t n = 0;
  for (int p = 0; p < kPartitions && n < reads; ++p) {
    std::string after;
    while (n < reads) {
      auto ids = store.case_ids(p, after, kSlice);
      if (!ids || ids.value().empty()) break;
      std::vector<std::string_view> views(ids.value().begin(), ids.value().end());
      auto states = store.get_cases(p, views);
      if (!states) std::exit(1);
      if (rewrite) {
        approvald::ports::WriteSet w;
        for (std::size_t i = 0; i < views.size(); ++i) {
          w.cases.push_back({p, ids.value()[i],
                             state_bytes(rng, states.value()[i] ? states.value()[i]->size() : 0)});
        }
        if (!store.commit(w)) std::exit(1);
      }
      n += views.size();
      after = ids.value().back();
    }
  }
  return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t0).count();
}

// Cases per second reading `reads` cases in batches of random ones.
double random_batches(Store& store, std::size_t cases, std::size_t reads) {
  std::mt19937_64 rng(7);
  const auto t0 = Clock::now();
  for (std::size_t n = 0; n < reads; n += kSlice) {
    std::vector<std::vector<std::string>> ids(kPartitions);
    for (std::size_t j = 0; j < kSlice; ++j) {
      const std::size_t i = rng() % cases;
      ids[i % kPartitions].push_back(case_id(i));
    }
    for (int p = 0; p < kPartitions; ++p) {
      std::sort(ids[p].begin(), ids[p].end());
      std::vector<std::string_view> views(ids[p].begin(), ids[p].end());
      if (!store.get_cases(p, views)) std::exit(1);
    }
  }
  return static_cast<double>(reads) / std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: store_bench DIR [CASES] [VALUE_BYTES] [READS] [ROUNDS]\n");
    return 2;
  }
  const std::filesystem::path root = argv[1];
  const std::size_t cases = argc > 2 ? std::stoul(argv[2]) : 1000000;
  const std::size_t value_bytes = argc > 3 ? std::stoul(argv[3]) : 1500;
  const std::size_t reads = argc > 4 ? std::stoul(argv[4]) : 200000;
  const int rounds = argc > 5 ? std::stoi(argv[5]) : 3;
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  const char* names[] = {"flat", "partitioned"};
  for (const bool partitioned : {false, true}) {
    const auto t0 = Clock::now();
    fill(root / names[partitioned], partitioned, cases, value_bytes);
    std::printf("%-11s filled: %zu cases of %zu bytes in %.1f s\n", names[partitioned], cases,
                value_bytes, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  // Rounds alternate the layouts, so that a machine busy with something else slows both alike;
  // the median of each is reported.
  std::vector<double> rates[2][3];  // [layout][walk, walk writing back, random batches]
  for (int round = 0; round < rounds; ++round) {
    for (const bool partitioned : {false, true}) {
      const auto dir = root / names[partitioned];
      {
        auto store = open(dir, partitioned);  // a cold block cache for each
        rates[partitioned][0].push_back(walk(*store, reads, false));
      }
      {
        auto store = open(dir, partitioned);
        rates[partitioned][2].push_back(random_batches(*store, cases, reads));
      }
      auto store = open(dir, partitioned);
      rates[partitioned][1].push_back(walk(*store, reads, true));
      const auto mem = store->memory();
      std::printf(
          "round %d %-11s walk %.0f, walk writing back %.0f, random batches %.0f cases/s; block "
          "cache %.0f MiB, files %.0f MiB\n",
          round + 1, names[partitioned], rates[partitioned][0].back(), rates[partitioned][1].back(),
          rates[partitioned][2].back(), static_cast<double>(mem.block_cache) / (1 << 20),
          static_cast<double>(store->property("rocksdb.total-sst-files-size")) / (1 << 20));
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf(
      "median, partitioned / flat: walk %.2f, walk writing back %.2f, random batches %.2f\n",
      median(rates[1][0]) / median(rates[0][0]), median(rates[1][1]) / median(rates[0][1]),
      median(rates[1][2]) / median(rates[0][2]));
  std::filesystem::remove_all(root);
  return 0;
}
