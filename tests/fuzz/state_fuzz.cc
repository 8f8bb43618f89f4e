// The case-state decoder (rules/include/rules/state.h) on corrupt stored bytes: a state or a
// reason, never a crash; and what decodes re-encodes to bytes that decode to the same encoding
// (the store rewrites a state it read, so the codec must be stable on whatever it accepted).
#include <string>

#include "check.h"
#include "rules/state.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string why;
  const auto state = rules::CaseState::decode(approvald::fuzz::as_text(data, size), &why);
  if (!state) {
    approvald::fuzz::check(!why.empty(), "a refused state says why");
    return 0;
  }
  const std::string once = state->encode();
  const auto again = rules::CaseState::decode(once, &why);
  approvald::fuzz::check(again.has_value(), "an encoded state decodes");
  approvald::fuzz::check(again->encode() == once, "encode(decode(encode(s))) == encode(s)");
  return 0;
}
