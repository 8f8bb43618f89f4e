#include "rules/event.h"

#include <array>
#include <boost/json.hpp>
#include <cstdio>

#include "rules/calendar.h"

namespace rules {
namespace {

constexpr std::array<std::string_view, kEventTypeCount> kTypeNames = {
    "received",           "correction_requested", "correction_received",
    "accepted",           "acceptance_refused",   "step_completed",
    "procedure_started",  "procedure_ended",      "decided",
    "certificate_issued", "fee_charged",          "penalty_decided",
    "withdrawn",          "terminated",
};

constexpr std::string_view kProcedures[] = {"extension",     "hearing", "tendering",  "auction",
                                            "inspection",    "testing", "quarantine", "appraisal",
                                            "expert_review", "other"};

constexpr std::size_t kMaxIdChars = 128;
constexpr int kMaxDataDepth = 8;

std::size_t utf8_chars(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string format_double(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

template <std::size_t N>
bool one_of(std::string_view s, const std::string_view (&set)[N]) {
  for (std::string_view x : set) {
    if (x == s) return true;
  }
  return false;
}

void flatten(const boost::json::value& v, std::string& prefix, int depth, std::vector<Field>& out) {
  if (v.is_object()) {
    if (depth >= kMaxDataDepth) return;
    for (const auto& kv : v.get_object()) {
      const std::size_t keep = prefix.size();
      if (!prefix.empty()) prefix += '.';
      prefix.append(kv.key().data(), kv.key().size());
      flatten(kv.value(), prefix, depth + 1, out);
      prefix.resize(keep);
    }
    return;
  }
  Value val;
  switch (v.kind()) {
    case boost::json::kind::null:
      break;
    case boost::json::kind::bool_:
      val.kind = Value::Kind::kBool;
      val.text = v.get_bool() ? "true" : "false";
      break;
    case boost::json::kind::int64:
      val.kind = Value::Kind::kInt;
      val.integer = v.get_int64();
      val.real = static_cast<double>(val.integer);
      val.text = std::to_string(val.integer);
      break;
    case boost::json::kind::uint64:
      val.kind = Value::Kind::kDouble;
      val.real = static_cast<double>(v.get_uint64());
      val.text = std::to_string(v.get_uint64());
      break;
    case boost::json::kind::double_:
      val.kind = Value::Kind::kDouble;
      val.real = v.get_double();
      val.text = format_double(val.real);
      break;
    case boost::json::kind::string:
      val.kind = Value::Kind::kString;
      val.text.assign(v.get_string().data(), v.get_string().size());
      break;
    case boost::json::kind::array: {
      val.kind = Value::Kind::kList;
      const auto& arr = v.get_array();
      val.integer = static_cast<std::int64_t>(arr.size());
      for (const auto& e : arr) {
        if (!val.text.empty()) val.text += '\n';
        if (e.is_string()) {
          val.text.append(e.get_string().data(), e.get_string().size());
        } else if (!e.is_structured()) {
          val.text += boost::json::serialize(e);
        }
      }
      break;
    }
    case boost::json::kind::object:
      break;
  }
  out.push_back(Field{prefix, std::move(val)});
}

// Reads a required or optional top-level string; returns false with the error set.
bool read_string(const boost::json::object& o, std::string_view key, bool required,
                 std::size_t max_chars, std::string* out, DecodeError* err) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (!required) return true;
    *err = DecodeError{std::string(key), "required"};
    return false;
  }
  if (!v->is_string()) {
    *err = DecodeError{std::string(key), "must be a string"};
    return false;
  }
  const auto& s = v->get_string();
  if (required && s.empty()) {
    *err = DecodeError{std::string(key), "must not be empty"};
    return false;
  }
  if (max_chars != 0 && utf8_chars(std::string_view(s.data(), s.size())) > max_chars) {
    *err =
        DecodeError{std::string(key), "longer than " + std::to_string(max_chars) + " characters"};
    return false;
  }
  out->assign(s.data(), s.size());
  return true;
}

const Value* find(const Event& e, std::string_view path) { return e.data_field(path); }

// Type-specific checks of `data` from the contract. Legal omissions (a missing reason, approver,
// or an unknown benchmark) are not decode errors: the rules report them as violations.
bool check_data(const Event& e, DecodeError* err) {
  auto fail = [err](std::string field, std::string reason) {
    *err = DecodeError{"data." + std::move(field), std::move(reason)};
    return false;
  };
  auto nonneg_int = [&](std::string_view path, bool required, std::int64_t max) {
    const Value* v = find(e, path);
    if (v == nullptr || v->kind == Value::Kind::kNull) {
      return required ? fail(std::string(path), "required") : true;
    }
    if (v->kind != Value::Kind::kInt || v->integer < 0 || v->integer > max) {
      return fail(std::string(path), "must be a whole number from 0 to " + std::to_string(max) +
                                         ", got " + (v->text.empty() ? "a non-number" : v->text));
    }
    return true;
  };
  auto optional_string = [&](std::string_view path) {
    const Value* v = find(e, path);
    if (v != nullptr && v->kind != Value::Kind::kNull && v->kind != Value::Kind::kString) {
      return fail(std::string(path), "must be a string");
    }
    return true;
  };
  auto enum_field = [&](std::string_view path, bool required, auto& set, const char* expected) {
    const Value* v = find(e, path);
    if (v == nullptr || v->kind == Value::Kind::kNull) {
      return required ? fail(std::string(path), std::string("required (") + expected + ")") : true;
    }
    if (v->kind != Value::Kind::kString || !one_of(v->text, set)) {
      return fail(std::string(path), "'" + v->text + "' is not one of " + expected);
    }
    return true;
  };
  static constexpr std::string_view kOutcomes[] = {"approved", "denied"};
  static constexpr std::string_view kActions[] = {"pass", "return", "other"};
  constexpr const char* kProcedureList =
      "extension, hearing, tendering, auction, inspection, testing, quarantine, appraisal, "
      "expert_review, other";
  constexpr std::int64_t kMaxDays = 3650;
  switch (e.type) {
    case EventType::kAccepted:
      return nonneg_int("promised.working_days", false, kMaxDays);
    case EventType::kAcceptanceRefused:
    case EventType::kWithdrawn:
    case EventType::kTerminated:
      return optional_string("reason");
    case EventType::kStepCompleted:
      return optional_string("step") &&
             enum_field("action", false, kActions, "pass, return, other");
    case EventType::kProcedureStarted:
      return enum_field("procedure", true, kProcedures, kProcedureList) &&
             nonneg_int("declared.working_days", false, kMaxDays) && optional_string("reason") &&
             optional_string("approver");
    case EventType::kProcedureEnded:
      return enum_field("procedure", true, kProcedures, kProcedureList);
    case EventType::kDecided:
      return enum_field("outcome", true, kOutcomes, "approved, denied") &&
             optional_string("reason");
    case EventType::kFeeCharged:
      return nonneg_int("amount_fen", true, INT64_MAX) && optional_string("fee_item");
    case EventType::kPenaltyDecided:
      return nonneg_int("amount_fen", true, INT64_MAX) && optional_string("violation") &&
             optional_string("tier") && optional_string("benchmark") && optional_string("reason");
    default:
      return true;
  }
}

}  // namespace

std::string_view to_string(EventType t) { return kTypeNames[static_cast<std::size_t>(t)]; }

std::optional<EventType> parse_event_type(std::string_view s) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == s) return static_cast<EventType>(i);
  }
  return std::nullopt;
}

bool Value::empty() const {
  switch (kind) {
    case Kind::kNull:
      return true;
    case Kind::kList:
      return integer == 0;
    case Kind::kString:
      return text.find_first_not_of(" \t\r\n") == std::string::npos;
    default:
      return false;
  }
}

const Value* Event::data_field(std::string_view path) const {
  for (const Field& f : data) {
    if (f.path == path) return &f.value;
  }
  return nullptr;
}

struct EventDecoder::Impl {
  // A fixed arena reused for every parse; Boost.JSON falls back to the heap past it.
  std::array<unsigned char, 16384> arena;
  boost::json::parse_options opts;
};

EventDecoder::EventDecoder() : impl_(std::make_unique<Impl>()) { impl_->opts.max_depth = 16; }
EventDecoder::~EventDecoder() = default;

std::variant<Event, DecodeError> EventDecoder::decode(std::string_view json) {
  boost::json::monotonic_resource mr(impl_->arena.data(), impl_->arena.size());
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(json, ec, &mr, impl_->opts);
  if (ec) return DecodeError{"", "not valid JSON: " + ec.message()};
  if (!doc.is_object()) return DecodeError{"", "not a JSON object"};
  const auto& o = doc.get_object();
  DecodeError err;
  std::string schema;
  if (!read_string(o, "schema", true, 0, &schema, &err)) return err;
  if (schema != "approval.event/v1" && schema.rfind("approval.event/v1.", 0) != 0) {
    return DecodeError{"schema",
                       "unsupported schema '" + schema + "' (expected approval.event/v1)"};
  }
  Event e;
  if (!read_string(o, "event_id", true, kMaxIdChars, &e.event_id, &err) ||
      !read_string(o, "case_id", true, kMaxIdChars, &e.case_id, &err)) {
    return err;
  }
  std::string type;
  if (!read_string(o, "type", true, 0, &type, &err)) return err;
  const auto t = parse_event_type(type);
  if (!t) return DecodeError{"type", "unknown event type '" + type + "'"};
  e.type = *t;
  std::string when;
  if (!read_string(o, "occurred_at", true, 0, &when, &err)) return err;
  std::string why;
  const auto parsed = parse_rfc3339(when, &why);
  if (!parsed) return DecodeError{"occurred_at", why + ": '" + when + "'"};
  const int year = civil_from_date(local_date(parsed->at, 0)).year;
  if (year < Calendar::kFirstYear || year > Calendar::kLastYear - 1) {
    return DecodeError{"occurred_at",
                       "year " + std::to_string(year) + " is outside the supported range"};
  }
  e.occurred_at = parsed->at;
  e.offset_minutes = static_cast<std::int16_t>(parsed->offset_minutes);
  if (!read_string(o, "agency", true, 256, &e.agency, &err) ||
      !read_string(o, "item", true, 256, &e.item, &err) ||
      !read_string(o, "officer", false, 256, &e.officer, &err) ||
      !read_string(o, "applicant", false, 256, &e.applicant, &err)) {
    return err;
  }
  if (const auto* d = o.if_contains("data"); d != nullptr && !d->is_null()) {
    if (!d->is_object()) return DecodeError{"data", "must be an object"};
    std::string prefix;
    flatten(*d, prefix, 0, e.data);
  }
  if (!check_data(e, &err)) return err;
  return e;
}

std::variant<Event, DecodeError> decode_event(std::string_view json) {
  EventDecoder d;
  return d.decode(json);
}

}  // namespace rules
