// The event decoder (rules/include/rules/event.h) on arbitrary bytes: never throws, never crashes,
// and a decoder reused after any input (it keeps buffers between calls) decodes like a fresh one.
#include <string>
#include <variant>

#include "check.h"
#include "rules/event.h"

namespace {

std::string summary(const std::variant<rules::Event, rules::DecodeError>& r) {
  if (const auto* e = std::get_if<rules::DecodeError>(&r)) return "error " + e->str();
  const auto& ev = std::get<rules::Event>(r);
  return "event " + ev.event_id + ' ' + ev.case_id + ' ' + std::string(rules::to_string(ev.type)) +
         ' ' + std::to_string(ev.data.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static rules::EventDecoder reused;  // carries whatever the previous inputs left in its buffers
  const auto text = approvald::fuzz::as_text(data, size);
  const auto first = reused.decode(text);
  if (const auto* ev = std::get_if<rules::Event>(&first)) {
    approvald::fuzz::check(!ev->event_id.empty() && !ev->case_id.empty(),
                           "a decoded event has an event_id and a case_id");
  }
  approvald::fuzz::check(summary(first) == summary(rules::decode_event(text)),
                         "a reused decoder decodes like a fresh one");
  return 0;
}
