// The store's codec (daemon/ports/codec.h) on corrupt stored bytes: a partition mark and an alert
// index entry either decode to values that re-encode to the very same bytes, or are refused.
// The first byte picks the decoder, so one corpus covers both.
#include <string>
#include <string_view>

#include "check.h"
#include "ports/codec.h"

namespace fz = approvald::fuzz;
namespace ports = approvald::ports;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes = fz::as_text(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    const auto m = ports::decode_mark(bytes);
    if (!m) return 0;
    const std::string again = ports::encode_mark(*m);
    // A 24-byte mark predates the epoch, which decodes as 0 and re-encodes in 32 bytes.
    fz::check(again.substr(0, bytes.size()) == bytes, "a decoded mark re-encodes to its bytes");
    fz::check(ports::decode_mark(again) == m, "a re-encoded mark decodes the same");
  } else {
    ports::AlertIndexEntry a;
    if (!ports::decode_alert(bytes, &a)) return 0;
    fz::check(a.level <= 2, "a decoded alert has a level of rules::Level");
    fz::check(ports::encode_alert(a) == bytes, "a decoded alert re-encodes to its bytes");
  }
  return 0;
}
