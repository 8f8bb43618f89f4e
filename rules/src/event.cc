#include "rules/event.h"

#include <array>
#include <boost/json.hpp>
#include <cstdio>

#include "rules/calendar.h"
#include "rules/echo.h"

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

// Why a string may not stand in an event, or nullptr. NUL is refused everywhere (C APIs, logs and
// terminals cut or mangle at it); the other control characters only in the envelope, whose
// strings are identifiers and codes, while free text in `data` (a reason) may hold a line break.
const char* bad_characters(std::string_view s, bool envelope) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) return "contains a NUL character";
    if (envelope && (c < 0x20 || c == 0x7F)) return "contains a control character";
    if (!envelope && c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return "contains a control character";
    }
  }
  return nullptr;
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
  if (const char* why = bad_characters(std::string_view(s.data(), s.size()), true)) {
    *err = DecodeError{std::string(key), why};
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

// The JSON value at a dotted path under `data` ("declared.working_days"), or nullptr when a part
// of the path is absent. A part that exists but is not an object is returned as is, so that the
// caller can say "must be an object" instead of reading it as absence.
const boost::json::value* at(const boost::json::object& data, std::string_view path,
                             std::string* reached) {
  const boost::json::object* o = &data;
  reached->clear();
  while (true) {
    const auto dot = path.find('.');
    const std::string_view part = path.substr(0, dot);
    if (!reached->empty()) *reached += '.';
    reached->append(part);
    const auto* v = o->if_contains(part);
    if (v == nullptr || v->is_null()) return nullptr;
    if (dot == std::string_view::npos || !v->is_object()) return v;
    o = &v->get_object();
    path.remove_prefix(dot + 1);
  }
}

const char* kind_name(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::object:
      return "an object";
    case boost::json::kind::array:
      return "a list";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::bool_:
      return "true or false";
    case boost::json::kind::null:
      return "null";
    default:
      return "a number";
  }
}

// Every string in `data`, keys included, at any depth: no NUL, no control character but white
// space. Depth is bounded by the parser (max_depth).
bool check_strings(const boost::json::value& v, std::string& where, DecodeError* err) {
  auto bad = [&](std::string_view s, const std::string& field) {
    if (const char* why = bad_characters(s, false)) {
      *err = DecodeError{field, why};
      return true;
    }
    return false;
  };
  if (v.is_string()) return !bad(std::string_view(v.get_string()), where);
  if (v.is_array()) {
    std::size_t i = 0;
    for (const auto& e : v.get_array()) {
      const std::size_t keep = where.size();
      where += '[' + std::to_string(i++) + ']';
      if (!check_strings(e, where, err)) return false;
      where.resize(keep);
    }
    return true;
  }
  if (v.is_object()) {
    for (const auto& kv : v.get_object()) {
      if (bad(std::string_view(kv.key()), where + " (a key)")) return false;
      const std::size_t keep = where.size();
      where += '.';
      where += echo(std::string_view(kv.key()), 64);
      if (!check_strings(kv.value(), where, err)) return false;
      where.resize(keep);
    }
  }
  return true;
}

// Type-specific checks of `data` from the contract, on the JSON itself so that every field's
// type is checked exactly (an object where a string is due is refused, not flattened away).
// Legal omissions (a missing reason, approver, or an unknown benchmark) are not decode errors:
// the rules report them as violations.
bool check_data(EventType type, const boost::json::object& data, DecodeError* err) {
  std::string reached;
  auto fail = [&](std::string reason) {
    *err = DecodeError{"data." + reached, std::move(reason)};
    return false;
  };
  // The value at `path` if present; fails when a parent on the way is not an object.
  auto get = [&](std::string_view path, const boost::json::value** out) {
    *out = at(data, path, &reached);
    if (*out != nullptr && reached.size() < path.size()) return fail("must be an object");
    return true;
  };
  auto whole_number = [&](std::string_view path, bool required, std::int64_t max) {
    const boost::json::value* v = nullptr;
    if (!get(path, &v)) return false;
    if (v == nullptr) return required ? fail("required") : true;
    const std::string want = "must be a whole number from 0 to " + std::to_string(max);
    if (v->is_int64()) {
      const std::int64_t n = v->get_int64();
      return (n >= 0 && n <= max) ? true : fail(want + ", got " + std::to_string(n));
    }
    if (v->is_uint64()) return fail(want + ", got " + std::to_string(v->get_uint64()));
    if (v->is_double()) return fail(want + ", got " + format_double(v->get_double()));
    return fail(want + ", got " + kind_name(*v));
  };
  auto optional_string = [&](std::string_view path) {
    const boost::json::value* v = nullptr;
    if (!get(path, &v)) return false;
    if (v != nullptr && !v->is_string())
      return fail(std::string("must be a string, got ") + kind_name(*v));
    return true;
  };
  auto optional_object = [&](std::string_view path) {
    const boost::json::value* v = nullptr;
    if (!get(path, &v)) return false;
    if (v != nullptr && !v->is_object())
      return fail(std::string("must be an object, got ") + kind_name(*v));
    return true;
  };
  auto string_list = [&](std::string_view path) {
    const boost::json::value* v = nullptr;
    if (!get(path, &v)) return false;
    if (v == nullptr) return true;
    if (!v->is_array()) return fail(std::string("must be a list of strings, got ") + kind_name(*v));
    std::size_t i = 0;
    for (const auto& e : v->get_array()) {
      if (!e.is_string()) {
        reached += '[' + std::to_string(i) + ']';
        return fail(std::string("must be a string, got ") + kind_name(e));
      }
      ++i;
    }
    return true;
  };
  auto enum_field = [&](std::string_view path, bool required, auto& set, const char* expected) {
    const boost::json::value* v = nullptr;
    if (!get(path, &v)) return false;
    if (v == nullptr) return required ? fail(std::string("required (") + expected + ")") : true;
    if (!v->is_string()) {
      return fail(std::string(kind_name(*v)) + " is not one of " + expected);
    }
    const std::string_view text(v->get_string());
    if (!one_of(text, set)) return fail(quoted(text) + " is not one of " + expected);
    return true;
  };
  static constexpr std::string_view kOutcomes[] = {"approved", "denied"};
  static constexpr std::string_view kActions[] = {"pass", "return", "other"};
  constexpr const char* kProcedureList =
      "extension, hearing, tendering, auction, inspection, testing, quarantine, appraisal, "
      "expert_review, other";
  constexpr std::int64_t kMaxDays = 3650;
  switch (type) {
    case EventType::kCorrectionRequested:
      return string_list("materials");
    case EventType::kAccepted:
      return optional_object("promised") && whole_number("promised.working_days", false, kMaxDays);
    case EventType::kAcceptanceRefused:
    case EventType::kWithdrawn:
    case EventType::kTerminated:
      return optional_string("reason");
    case EventType::kStepCompleted:
      return optional_string("step") &&
             enum_field("action", false, kActions, "pass, return, other");
    case EventType::kProcedureStarted:
      return enum_field("procedure", true, kProcedures, kProcedureList) &&
             optional_object("declared") &&
             whole_number("declared.working_days", false, kMaxDays) && optional_string("reason") &&
             optional_string("approver");
    case EventType::kProcedureEnded:
      return enum_field("procedure", true, kProcedures, kProcedureList);
    case EventType::kDecided:
      return enum_field("outcome", true, kOutcomes, "approved, denied") &&
             optional_string("reason");
    case EventType::kCertificateIssued:
      return optional_string("certificate");
    case EventType::kFeeCharged:
      return whole_number("amount_fen", true, INT64_MAX) && optional_string("fee_item");
    case EventType::kPenaltyDecided:
      return whole_number("amount_fen", true, INT64_MAX) && optional_string("violation") &&
             optional_string("tier") && optional_string("benchmark") && optional_string("reason");
    default:
      return true;
  }
}

// approval.event/v1 or a minor version approval.event/v1.N (N decimal digits).
bool supported_schema(std::string_view s) {
  constexpr std::string_view kMajor = "approval.event/v1";
  if (s == kMajor) return true;
  if (s.substr(0, kMajor.size() + 1) != "approval.event/v1.") return false;
  const std::string_view minor = s.substr(kMajor.size() + 1);
  if (minor.empty() || minor.size() > 9) return false;
  for (char c : minor) {
    if (c < '0' || c > '9') return false;
  }
  return true;
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
  if (ec) {
    // The parser refuses invalid UTF-8 (allow_invalid_utf8 stays off); say so in plain words.
    if (!valid_utf8(json)) return DecodeError{"", "not valid UTF-8"};
    return DecodeError{"", "not valid JSON: " + ec.message()};
  }
  if (!doc.is_object()) return DecodeError{"", "not a JSON object"};
  const auto& o = doc.get_object();
  DecodeError err;
  std::string schema;
  if (!read_string(o, "schema", true, 0, &schema, &err)) return err;
  if (!supported_schema(schema)) {
    return DecodeError{"schema", "unsupported schema " + quoted(schema) +
                                     " (expected approval.event/v1 or approval.event/v1.N)"};
  }
  Event e;
  if (!read_string(o, "event_id", true, kMaxIdChars, &e.event_id, &err) ||
      !read_string(o, "case_id", true, kMaxIdChars, &e.case_id, &err)) {
    return err;
  }
  std::string type;
  if (!read_string(o, "type", true, 0, &type, &err)) return err;
  const auto t = parse_event_type(type);
  if (!t) return DecodeError{"type", "unknown event type " + quoted(type)};
  e.type = *t;
  std::string when;
  if (!read_string(o, "occurred_at", true, 0, &when, &err)) return err;
  std::string why;
  const auto parsed = parse_rfc3339(when, &why);
  if (!parsed) return DecodeError{"occurred_at", why + ": " + quoted(when)};
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
  static const boost::json::object kNoData;
  const auto* d = o.if_contains("data");
  if (d != nullptr && d->is_null()) d = nullptr;
  if (d != nullptr) {
    if (!d->is_object()) {
      return DecodeError{"data", std::string("must be an object, got ") + kind_name(*d)};
    }
    std::string where = "data";
    if (!check_strings(*d, where, &err)) return err;
  }
  if (!check_data(e.type, d != nullptr ? d->get_object() : kNoData, &err)) return err;
  if (d != nullptr) {
    std::string prefix;
    flatten(*d, prefix, 0, e.data);
  }
  return e;
}

std::variant<Event, DecodeError> decode_event(std::string_view json) {
  EventDecoder d;
  return d.decode(json);
}

}  // namespace rules
