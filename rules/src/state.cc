#include "rules/state.h"

#include <cstring>

namespace rules {
namespace {

// Format version 1: 'A' 0x01, then varint-framed fields. Bump on any layout change and keep a
// decoder for each older version the store may still hold.
constexpr char kMagic = 'A';
// 2 added the status byte; version 1 states decode with status 0 until their next evaluation.
constexpr std::uint8_t kVersion = 2;

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void put_signed(std::string& out, std::int64_t v) {
  put_varint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}
void put_str(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool varint(std::uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return false;
      const auto b = static_cast<std::uint8_t>(in_[pos_++]);
      *v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool sint(std::int64_t* v) {
    std::uint64_t u = 0;
    if (!varint(&u)) return false;
    *v = static_cast<std::int64_t>(u >> 1) ^ -static_cast<std::int64_t>(u & 1);
    return true;
  }
  bool str(std::string* s) {
    std::uint64_t n = 0;
    if (!varint(&n) || n > in_.size() - pos_) return false;
    s->assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool byte(std::uint8_t* b) {
    if (pos_ >= in_.size()) return false;
    *b = static_cast<std::uint8_t>(in_[pos_++]);
    return true;
  }
  bool count(std::uint64_t* n, std::uint64_t min_bytes_each) {
    return varint(n) && *n <= (in_.size() - pos_) / min_bytes_each;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

void put_value(std::string& out, const Value& v) {
  out.push_back(static_cast<char>(v.kind));
  switch (v.kind) {
    case Value::Kind::kInt:
    case Value::Kind::kList:
      put_signed(out, v.integer);
      break;
    case Value::Kind::kDouble: {
      std::uint64_t bits = 0;
      std::memcpy(&bits, &v.real, sizeof bits);
      put_varint(out, bits);
      break;
    }
    default:
      break;
  }
  if (v.kind != Value::Kind::kInt) put_str(out, v.text);
}

bool get_value(Reader& r, Value* v) {
  std::uint8_t kind = 0;
  if (!r.byte(&kind) || kind > static_cast<std::uint8_t>(Value::Kind::kList)) return false;
  v->kind = static_cast<Value::Kind>(kind);
  switch (v->kind) {
    case Value::Kind::kInt:
      if (!r.sint(&v->integer)) return false;
      v->real = static_cast<double>(v->integer);
      v->text = std::to_string(v->integer);
      return true;
    case Value::Kind::kList:
      if (!r.sint(&v->integer)) return false;
      break;
    case Value::Kind::kDouble: {
      std::uint64_t bits = 0;
      if (!r.varint(&bits)) return false;
      std::memcpy(&v->real, &bits, sizeof bits);
      break;
    }
    default:
      break;
  }
  return r.str(&v->text);
}

// Per-event flags: which optional strings follow.
enum : std::uint8_t { kHasOfficer = 1, kHasApplicant = 2, kOwnAgency = 4, kOwnItem = 8 };

}  // namespace

bool CaseState::has_event(std::string_view event_id) const {
  for (const Event& e : events) {
    if (e.event_id == event_id) return true;
  }
  return false;
}

std::string CaseState::encode() const {
  std::string out;
  out.reserve(64 + events.size() * 96);
  out.push_back(kMagic);
  out.push_back(static_cast<char>(kVersion));
  put_str(out, case_id);
  put_str(out, agency);
  put_str(out, item);
  put_signed(out, wakeup ? wakeup->time_since_epoch().count() : 0);
  out.push_back(wakeup ? 1 : 0);
  out.push_back(static_cast<char>(status));
  put_varint(out, events.size());
  for (const Event& e : events) {
    put_str(out, e.event_id);
    out.push_back(static_cast<char>(e.type));
    put_signed(out, e.occurred_at.time_since_epoch().count());
    put_signed(out, e.offset_minutes);
    std::uint8_t flags = 0;
    if (!e.officer.empty()) flags |= kHasOfficer;
    if (!e.applicant.empty()) flags |= kHasApplicant;
    if (e.agency != agency) flags |= kOwnAgency;
    if (e.item != item) flags |= kOwnItem;
    out.push_back(static_cast<char>(flags));
    if ((flags & kHasOfficer) != 0) put_str(out, e.officer);
    if ((flags & kHasApplicant) != 0) put_str(out, e.applicant);
    if ((flags & kOwnAgency) != 0) put_str(out, e.agency);
    if ((flags & kOwnItem) != 0) put_str(out, e.item);
    put_varint(out, e.data.size());
    for (const Field& f : e.data) {
      put_str(out, f.path);
      put_value(out, f.value);
    }
  }
  put_varint(out, alerts.size());
  for (const AlertRecord& a : alerts) {
    put_str(out, a.rule_id);
    out.push_back(static_cast<char>(a.level));
    put_varint(out, a.cycle);
    out.push_back(static_cast<char>(a.status));
    put_signed(out, a.fired_at.time_since_epoch().count());
  }
  return out;
}

std::optional<CaseState> CaseState::decode(std::string_view bytes, std::string* why) {
  auto fail = [why](const char* reason) -> std::optional<CaseState> {
    if (why != nullptr) *why = reason;
    return std::nullopt;
  };
  if (bytes.size() < 2 || bytes[0] != kMagic) return fail("not a case state (bad magic byte)");
  const auto version = static_cast<std::uint8_t>(bytes[1]);
  if (version != kVersion && version != 1) return fail("unknown case state version");
  Reader r(bytes.substr(2));
  CaseState s;
  std::int64_t wake = 0;
  std::uint8_t has_wake = 0;
  std::uint64_t n = 0;
  if (!r.str(&s.case_id) || !r.str(&s.agency) || !r.str(&s.item) || !r.sint(&wake) ||
      !r.byte(&has_wake) || (version >= 2 && !r.byte(&s.status)) || !r.count(&n, 5)) {
    return fail("truncated case state header");
  }
  if (has_wake != 0) s.wakeup = Timestamp{Millis{wake}};
  s.events.resize(n);
  for (Event& e : s.events) {
    std::uint8_t type = 0, flags = 0;
    std::int64_t at = 0, off = 0;
    std::uint64_t nf = 0;
    if (!r.str(&e.event_id) || !r.byte(&type) || type >= kEventTypeCount || !r.sint(&at) ||
        !r.sint(&off) || !r.byte(&flags)) {
      return fail("truncated or corrupt event");
    }
    e.case_id = s.case_id;
    e.type = static_cast<EventType>(type);
    e.occurred_at = Timestamp{Millis{at}};
    e.offset_minutes = static_cast<std::int16_t>(off);
    e.agency = s.agency;
    e.item = s.item;
    if (((flags & kHasOfficer) != 0 && !r.str(&e.officer)) ||
        ((flags & kHasApplicant) != 0 && !r.str(&e.applicant)) ||
        ((flags & kOwnAgency) != 0 && !r.str(&e.agency)) ||
        ((flags & kOwnItem) != 0 && !r.str(&e.item)) || !r.count(&nf, 2)) {
      return fail("truncated or corrupt event");
    }
    e.data.resize(nf);
    for (Field& f : e.data) {
      if (!r.str(&f.path) || !get_value(r, &f.value)) return fail("corrupt event data");
    }
  }
  if (!r.count(&n, 4)) return fail("truncated alert list");
  s.alerts.resize(n);
  for (AlertRecord& a : s.alerts) {
    std::uint8_t level = 0, status = 0;
    std::uint64_t cycle = 0;
    std::int64_t fired = 0;
    if (!r.str(&a.rule_id) || !r.byte(&level) || level > 2 || !r.varint(&cycle) ||
        cycle > UINT32_MAX || !r.byte(&status) || status > 2 || !r.sint(&fired)) {
      return fail("corrupt alert record");
    }
    a.level = static_cast<Level>(level);
    a.cycle = static_cast<std::uint32_t>(cycle);
    a.status = static_cast<AlertRecord::Status>(status);
    a.fired_at = Timestamp{Millis{fired}};
  }
  if (!r.done()) return fail("trailing bytes after case state");
  return s;
}

}  // namespace rules
