#include "web/routes.h"

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "approvald_version.h"
#include "dashboard/assets.h"
#include "rules/echo.h"
#include "web/access.h"
#include "web/api.h"
#include "web/dashboard_api.h"

namespace approvald::web {
namespace {

namespace json = boost::json;
using rules::echo;

http::Response json_error(int status, const std::string& message) {
  json::object o;
  o["error"] = message;
  return {status, "application/json", json::serialize(o), {}};
}

// 400 with every problem found, so a client fixes them all at once.
http::Response json_errors(const std::string& message, const std::vector<std::string>& errors) {
  json::object o;
  o["error"] = message;
  json::array list;
  for (const auto& e : errors) list.emplace_back(e);
  o["errors"] = std::move(list);
  return {400, "application/json", json::serialize(o), {}};
}

// GET /api/v1/alerts?status=&agency=&level=&rule=&limit=&cursor=
http::Response list_alerts(const ApiContext& ctx, const http::Request& req) {
  static const std::set<std::string> kKnown = {"status", "agency", "level",
                                               "rule",   "limit",  "cursor"};
  store::AlertQuery q;
  std::vector<std::string> errors;
  for (const auto& [name, value] : http::query_params(req.target)) {
    if (kKnown.count(name) == 0) {
      errors.push_back("unknown parameter '" + echo(name) +
                       "' (known: status, agency, level, rule, limit, cursor)");
    } else if (name == "status") {
      using S = ports::AlertIndexEntry::Status;
      if (value == "firing") {
        q.status = S::kFiring;
      } else if (value == "resolved") {
        q.status = S::kResolved;
      } else if (value == "retracted") {
        q.status = S::kRetracted;
      } else {
        errors.push_back("status: '" + echo(value) + "' is not one of firing, resolved, retracted");
      }
    } else if (name == "level") {
      if (const auto l = rules::parse_level(value)) {
        q.level = static_cast<std::uint8_t>(*l);
      } else {
        errors.push_back("level: '" + echo(value) + "' is not one of reminder, yellow, red");
      }
    } else if (name == "limit") {
      std::size_t n = 0;
      const bool digits = !value.empty() && value.size() <= 4 &&
                          value.find_first_not_of("0123456789") == std::string::npos;
      if (digits) n = std::stoul(value);
      if (!digits || n < 1 || n > 1000) {
        errors.push_back("limit: '" + echo(value) + "' is not a whole number from 1 to 1000");
      } else {
        q.limit = n;
      }
    } else if (name == "cursor") {
      if (value.size() % 2 != 0 ||
          value.find_first_not_of("0123456789abcdef") != std::string::npos) {
        errors.push_back("cursor: not a cursor returned by this endpoint");
      }
      q.after = value;
    } else if (name == "agency") {
      q.agency = value;
    } else {
      q.rule_id = value;
    }
  }
  if (!errors.empty()) return json_errors("bad query parameters", errors);
  const auto page = ctx.store.alerts(q);
  std::string body = R"({"alerts":[)";
  for (std::size_t i = 0; i < page.alerts.size(); ++i) {
    if (i > 0) body += ',';
    body += page.alerts[i];
  }
  body += "],\"next\":";
  body += page.next.empty() ? "null" : "\"" + page.next + "\"";
  body += '}';
  return {200, "application/json", std::move(body), {}};
}

// A store read that failed: the answer is "unavailable", never "not found" or an empty list.
http::Response store_unavailable(const Error& e) {
  return json_error(503, "the store could not be read: " + e.message);
}

http::Response get_case(const ApiContext& ctx, const std::string& id) {
  if (id.empty() || id.size() > 128 || id.find('/') != std::string::npos) {
    return json_error(400, "case id: 1 to 128 characters, no '/'");
  }
  // The owning partition is not known from the id alone: ask each partition with a mark.
  const auto held = ctx.store.marks();
  if (!held) return store_unavailable(held.error());
  for (const auto& [p, m] : held.value()) {
    const auto bytes = ctx.store.get_case(p, id);
    if (!bytes) return store_unavailable(bytes.error());
    if (!bytes.value()) continue;
    std::string why;
    const auto s = rules::CaseState::decode(*bytes.value(), &why);
    if (!s) return json_error(500, "stored case state unreadable: " + why);
    return {200, "application/json", case_json(*s, *ctx.engines.get(), ctx.wall_ms()), {}};
  }
  return json_error(404, "no such case");
}

json::object version_json(const store::RuleVersion& v) {
  json::object o;
  o["version"] = v.number;
  o["rule_packs"] = v.rules_id;
  o["calendar"] = v.calendar_id;
  o["applied_ms"] = v.applied_ms;
  o["source"] = v.source;
  json::array files;
  for (const auto& p : v.packs) files.emplace_back(p.first);
  o["pack_files"] = std::move(files);
  o["calendar_file"] = v.calendar.first;
  return o;
}

http::Response list_rules(const ApiContext& ctx) {
  json::object o;
  const auto current = ctx.store.current_rules();
  if (!current) return store_unavailable(current.error());
  if (current.value()) o["current"] = version_json(*current.value());
  const auto versions = ctx.store.rule_history();
  if (!versions) return store_unavailable(versions.error());
  json::array history;
  for (const auto& v : versions.value()) history.push_back(version_json(v));
  o["history"] = std::move(history);
  return {200, "application/json", json::serialize(o), {}};
}

// One {"name": …, "yaml": …} object of the PUT body.
std::optional<std::pair<std::string, std::string>> source_file(const json::value* v,
                                                               const std::string& where,
                                                               std::vector<std::string>& errors) {
  const auto* o = v != nullptr ? v->if_object() : nullptr;
  if (o == nullptr) {
    errors.push_back(where + ": must be an object {\"name\": …, \"yaml\": …}");
    return std::nullopt;
  }
  const auto* name = o->if_contains("name");
  const auto* yaml = o->if_contains("yaml");
  if (name == nullptr || !name->is_string() || name->as_string().empty()) {
    errors.push_back(where + ".name: required, a non-empty string");
  }
  if (yaml == nullptr || !yaml->is_string()) errors.push_back(where + ".yaml: required, a string");
  if (!errors.empty()) return std::nullopt;
  return std::make_pair(std::string(name->as_string()), std::string(yaml->as_string()));
}

// PUT /api/v1/rules: {"packs": [{"name", "yaml"}…], "calendar": {"name", "yaml"}}; either may be
// left out to keep the one in force. Validated here, stored and switched by the main loop.
http::Response put_rules(const ApiContext& ctx, const http::Request& req) {
  if (ctx.rules_token_file.empty() && ctx.access_tokens_file.empty()) {
    return json_error(403, "PUT /api/v1/rules is disabled: set http.rules_token_file");
  }
  // The rules token, or an operator's access token; a bearer token only (no cookie: a write
  // is never made on a browser's behalf).
  const std::string presented = presented_token(req, false);
  bool allowed = false, any_file = false;
  if (!ctx.rules_token_file.empty()) {
    const std::string token = read_token(ctx.rules_token_file);
    any_file = any_file || !token.empty();
    allowed = !token.empty() && same_secret(presented, token);
  }
  if (!ctx.access_tokens_file.empty()) {
    const auto a = check_access(ctx.access_tokens_file, presented);
    any_file = any_file || a.readable;
    allowed = allowed || a.role == Role::kOperator;
  }
  if (!any_file) {
    return json_error(503, "the rules token file is missing or empty; refusing every token");
  }
  if (!allowed) {
    auto r = json_error(401, "a valid bearer token is required");
    r.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="approvald")");
    return r;
  }
  boost::system::error_code ec;
  const json::value body = json::parse(req.body, ec);
  if (ec) return json_error(400, "body: not valid JSON (" + ec.message() + ")");
  const auto* o = body.if_object();
  if (o == nullptr)
    return json_error(400, "body: must be a JSON object with packs and/or calendar");
  const auto in_force = ctx.store.current_rules();
  if (!in_force) return store_unavailable(in_force.error());
  if (!in_force.value()) return json_error(503, "no rule version in force yet");
  const store::RuleVersion& current = *in_force.value();
  store::RuleVersion v = current;
  std::vector<std::string> errors;
  for (const auto& [key, value] : *o) {
    if (key != "packs" && key != "calendar") {
      errors.push_back("body." + echo(key) + ": unknown field (known: packs, calendar)");
    }
  }
  if (!o->contains("packs") && !o->contains("calendar")) {
    errors.push_back("body: give packs, calendar or both");
  }
  if (const auto* packs = o->if_contains("packs")) {
    v.packs.clear();
    if (!packs->is_array() || packs->as_array().empty()) {
      errors.push_back("body.packs: must be a non-empty array");
    } else {
      for (std::size_t i = 0; i < packs->as_array().size(); ++i) {
        if (auto f = source_file(&packs->as_array()[i], "body.packs[" + std::to_string(i) + "]",
                                 errors)) {
          v.packs.push_back(std::move(*f));
        }
      }
    }
  }
  if (const auto* cal = o->if_contains("calendar")) {
    if (auto f = source_file(cal, "body.calendar", errors)) v.calendar = std::move(*f);
  }
  if (!errors.empty()) return json_errors("bad request body", errors);
  auto built = build_engine(v, ctx.engine_options);
  if (auto* d = std::get_if<rules::Diagnostics>(&built)) {
    json::object e;
    e["error"] = "the rule version is invalid; the version in force stays";
    json::array list;
    for (const auto& x : *d) {
      json::object j;
      j["file"] = x.file;
      j["line"] = x.line;
      j["column"] = x.column;
      j["message"] = x.message;
      j["text"] = x.str();
      list.push_back(std::move(j));
    }
    e["diagnostics"] = std::move(list);
    return {422, "application/json", json::serialize(e), {}};
  }
  if (same_sources(v, current)) {
    json::object r = version_json(current);
    r["unchanged"] = true;
    return {200, "application/json", json::serialize(r), {}};
  }
  const auto& engine = *std::get<0>(built);
  v.rules_id = engine.rules().id();
  v.calendar_id = engine.calendar().id();
  v.source = "PUT /api/v1/rules";
  auto outcome = ctx.mailbox.submit(std::move(v));
  if (outcome.wait_for(ctx.apply_timeout) != std::future_status::ready) {
    return json_error(503, "the daemon did not apply the version in time; see GET /api/v1/rules");
  }
  Result<std::uint64_t> n = Error{"the daemon is stopping"};
  try {
    n = outcome.get();
  } catch (const std::future_error&) {
  }
  if (!n) return json_error(503, n.error().message);
  const auto versions = ctx.store.rule_history();
  if (!versions) return store_unavailable(versions.error());
  for (const auto& h : versions.value()) {
    if (h.number == n.value())
      return {200, "application/json", json::serialize(version_json(h)), {}};
  }
  return json_error(500, "the version was applied but cannot be read back");
}

// Parameters checked against the known names; every problem is collected.
class Params {
 public:
  Params(const http::Request& req, std::set<std::string> known)
      : params_(http::query_params(req.target)), known_(std::move(known)) {
    for (const auto& [name, value] : params_) {
      if (known_.count(name) == 0) {
        std::string list;
        for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
        errors_.push_back("unknown parameter '" + echo(name) + "' (" +
                          (list.empty() ? "this path takes none" : "known: " + list) + ")");
      }
    }
  }
  std::string get(const std::string& name) const {
    const auto it = params_.find(name);
    return it == params_.end() ? std::string() : it->second;
  }
  bool has(const std::string& name) const { return params_.count(name) != 0; }
  void error(std::string e) { errors_.push_back(std::move(e)); }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::map<std::string, std::string> params_;
  std::set<std::string> known_;
  std::vector<std::string> errors_;
};

Result<ServiceInfo> service_info(const ApiContext& ctx) {
  auto current = ctx.store.current_rules();
  if (!current) return current.error();
  return ServiceInfo{APPROVALD_VERSION_STRING, ctx.mode, ctx.speed, current.take()};
}

int offset_of(const ApiContext& ctx) { return ctx.engines.get()->calendar().offset_minutes(); }

// GET /api/v1/overview
http::Response overview(const ApiContext& ctx, const http::Request& req) {
  Params params(req, {});
  if (!params.errors().empty()) return json_errors("bad query parameters", params.errors());
  const std::int64_t now = ctx.wall_ms();
  const int off = offset_of(ctx);
  const rules::Date today = rules::local_date(rules::Timestamp{rules::Millis{now}}, off);
  const auto hours = ctx.feed != nullptr ? ctx.feed->hourly(now, 24) : std::vector<HourCount>{};
  const auto info = service_info(ctx);
  if (!info) return store_unavailable(info.error());
  const auto rows = ctx.store.performance(today - 29, today);
  if (!rows) return store_unavailable(rows.error());
  return {200, "application/json",
          overview_json(ctx.store.tallies(), rows.value(), hours, info.value(), now, off)};
}

// GET /api/v1/performance?from=&to=&by=agency|item&agency=
http::Response performance(const ApiContext& ctx, const http::Request& req) {
  Params params(req, {"from", "to", "by", "agency"});
  const int off = offset_of(ctx);
  const rules::Date today = rules::local_date(rules::Timestamp{rules::Millis{ctx.wall_ms()}}, off);
  auto date = [&](const std::string& name, rules::Date fallback) {
    if (!params.has(name)) return fallback;
    const auto d = rules::parse_date(params.get(name));
    if (!d) {
      params.error(name + ": '" + echo(params.get(name)) + "' is not a date YYYY-MM-DD");
      return fallback;
    }
    return *d;
  };
  const rules::Date to = date("to", today);
  const rules::Date from = date("from", to - 29);
  if (from > to) params.error("from: must not be after to");
  if (to - from > 366) params.error("from, to: a period of at most 367 days");
  const std::string by = params.has("by") ? params.get("by") : "agency";
  if (by != "agency" && by != "item")
    params.error("by: '" + echo(by) + "' is not one of agency, item");
  if (!params.errors().empty()) return json_errors("bad query parameters", params.errors());
  const auto rows = ctx.store.performance(from, to);
  if (!rows) return store_unavailable(rows.error());
  return {200, "application/json",
          performance_json(rows.value(), by == "item", params.get("agency"), from, to)};
}

// GET /api/v1/feed?agency=&level=&rule=&after=: Server-Sent Events, one `alert` event per alert
// transition committed, after a backlog of the latest (or of those after `after`, or after the
// Last-Event-ID a reconnecting browser sends).
http::Response feed(const ApiContext& ctx, const http::Request& req) {
  Params params(req, {"agency", "level", "rule", "after"});
  std::optional<std::uint8_t> level;
  if (params.has("level")) {
    if (const auto l = rules::parse_level(params.get("level"))) {
      level = static_cast<std::uint8_t>(*l);
    } else {
      params.error("level: '" + echo(params.get("level")) +
                   "' is not one of reminder, yellow, red");
    }
  }
  std::optional<std::uint64_t> after;
  const std::string after_text = params.has("after") ? params.get("after") : req.last_event_id;
  if (!after_text.empty()) {
    if (after_text.size() > 19 || after_text.find_first_not_of("0123456789") != std::string::npos) {
      params.error("after: '" + echo(after_text) + "' is not an event id of this feed");
    } else {
      after = std::stoull(after_text);
    }
  }
  if (!params.errors().empty()) return json_errors("bad query parameters", params.errors());
  if (ctx.feed == nullptr) return json_error(503, "no live feed in this process");
  const std::string agency = params.get("agency"), rule = params.get("rule");
  http::Response r(200, "text/event-stream", "");
  r.stream = [feed = ctx.feed, agency, rule, level, after](http::StreamSink& sink) {
    auto wanted = [&](const FeedItem& i) {
      return (agency.empty() || i.agency == agency) && (rule.empty() || i.rule_id == rule) &&
             (!level || i.level == *level);
    };
    auto send = [&](const FeedItem& i) {
      return sink.write("id: " + std::to_string(i.seq) + "\nevent: alert\ndata: " + i.json +
                        "\n\n");
    };
    // Tell the browser how soon to come back, then the backlog.
    if (!sink.write("retry: 2000\n\n")) return;
    std::uint64_t seen = 0;
    if (after) {
      seen = *after;
    } else {
      std::vector<FeedItem> backlog;
      for (auto& i : feed->latest(2000)) {
        if (wanted(i)) backlog.push_back(std::move(i));
      }
      seen = feed->last_seq();
      const std::size_t skip = backlog.size() > 50 ? backlog.size() - 50 : 0;
      for (std::size_t k = skip; k < backlog.size(); ++k) {
        if (!send(backlog[k])) return;
        seen = std::max(seen, backlog[k].seq);
      }
    }
    auto quiet_since = std::chrono::steady_clock::now();
    while (sink.open()) {
      const auto items = feed->since(seen, 500, 1000);
      for (const auto& i : items) {
        seen = i.seq;
        if (wanted(i) && !send(i)) return;
        quiet_since = std::chrono::steady_clock::now();
      }
      // A comment now and then keeps proxies from closing an idle stream.
      if (std::chrono::steady_clock::now() - quiet_since > std::chrono::seconds(15)) {
        if (!sink.write(": keep-alive\n\n")) return;
        quiet_since = std::chrono::steady_clock::now();
      }
    }
  };
  return r;
}

}  // namespace

std::string readiness_json(const Health& h, std::int64_t now_ms, bool* ready) {
  json::array reasons;
  if (!h.broker_up) reasons.emplace_back("broker unreachable");
  if (h.assigned == 0) reasons.emplace_back("no partitions assigned");
  if (h.timer_lateness_s > 60) reasons.emplace_back("timers lagging");
  if (now_ms - h.loop_ms > 30000) reasons.emplace_back("main loop stalled");
  if (h.stalled_partitions > 0) {
    reasons.emplace_back("outbox not advancing on " + std::to_string(h.stalled_partitions) +
                         " partition(s) for " + std::to_string(h.outbox_head_age_ms / 1000) + " s");
  }
  if (h.store_reads_failing) reasons.emplace_back("store reads failing");
  if (h.store_writes_failing) reasons.emplace_back("store writes failing");
  *ready = reasons.empty();
  json::object o;
  o["ready"] = *ready;
  o["reasons"] = std::move(reasons);
  return json::serialize(o);
}

namespace {

const char* const kLoginPage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>approvald: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 28em; margin: 4em auto">
<h1>approvald</h1>
<p>This dashboard needs an access token (a viewer's or an operator's).</p>
<form method="post" action="/login">
<label>Token <input name="token" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>%MESSAGE%
</body></html>
)";

http::Response login_page(int status, const std::string& message) {
  std::string page = kLoginPage;
  page.replace(page.find("%MESSAGE%"), 9, message.empty() ? "" : "<p><b>" + message + "</b></p>");
  return {status, "text/html; charset=utf-8", std::move(page), {}};
}

// POST /login (a form: token=…): a valid access token becomes the dashboard's cookie, so that its
// page, scripts and live feed (EventSource sends no Authorization) carry it.
http::Response login(const ApiContext& ctx, const http::Request& req) {
  if (ctx.access_tokens_file.empty()) {
    return {303, "text/plain", "", {{"Location", "/"}}};  // nothing to sign in to
  }
  const auto form = http::query_params("?" + req.body);
  const auto it = form.find("token");
  const std::string token = it == form.end() ? std::string() : it->second;
  const auto a = check_access(ctx.access_tokens_file, token);
  if (!a.readable) return login_page(503, "The access tokens file cannot be read.");
  const bool cookie_safe = token.find_first_of(" ;,\"\\\r\n") == std::string::npos;
  if (!a.role || !cookie_safe) return login_page(401, "That token is not valid.");
  return {303,
          "text/plain",
          "",
          {{"Location", "/"},
           {"Set-Cookie",
            std::string(kTokenCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict"}}};
}

bool is_ops_path(const std::string& path) {
  return path == "/metrics" || path == "/healthz" || path == "/readyz";
}

}  // namespace

http::Response route(const ApiContext& ctx, const http::Request& req) {
  const std::string path = req.path();
  const std::string cases = "/api/v1/cases/";
  const bool index = path == "/" || path == "/index.html";
  const auto* asset = dashboard::asset(index ? "/index.html" : path);
  // An unknown path is 404 whatever the method; a known one names its methods on 405.
  const char* allow = nullptr;
  if (path == "/api/v1/rules") {
    allow = "GET, HEAD, PUT";
  } else if (path == "/login") {
    allow = "GET, HEAD, POST";
  } else if (is_ops_path(path) || asset != nullptr || path == "/api/v1/alerts" ||
             path == "/api/v1/overview" || path == "/api/v1/performance" ||
             path == "/api/v1/feed" || path.rfind(cases, 0) == 0) {
    allow = "GET, HEAD";
  } else {
    return json_error(404, "not found: " + echo(path));
  }
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool allowed = get || (req.method == "PUT" && path == "/api/v1/rules") ||
                       (req.method == "POST" && path == "/login");
  if (!allowed) {
    auto r = json_error(405, echo(req.method) + " is not served here; allowed: " + allow);
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  // Health, readiness and metrics stay open (a scraper or a probe holds no token).
  if (path == "/metrics") {
    return {200, "text/plain; version=0.0.4; charset=utf-8", ctx.metrics.scrape(), {}};
  }
  if (path == "/healthz") {
    const bool alive = real_ms() - ctx.health.loop_ms < 30000;
    return {alive ? 200 : 503,
            "application/json",
            alive ? R"({"status":"ok"})" : R"({"status":"main loop stalled"})",
            {}};
  }
  if (path == "/readyz") {
    bool ready = false;
    std::string body = readiness_json(ctx.health, real_ms(), &ready);
    return {ready ? 200 : 503, "application/json", std::move(body), {}};
  }
  if (path == "/login") return get ? login_page(200, "") : login(ctx, req);
  // The page's scripts, styles and the API description hold no data: open. The page itself, the
  // API and the feed need a viewer's token when access tokens are configured.
  if (asset != nullptr && !index) {
    return {200, std::string(asset->content_type), std::string(asset->body)};
  }
  if (path == "/api/v1/rules" && req.method == "PUT") return put_rules(ctx, req);
  if (!ctx.access_tokens_file.empty()) {
    const auto a = check_access(ctx.access_tokens_file, presented_token(req));
    if (!a.readable) {
      return json_error(503, "the access tokens file is missing or empty; refusing every token");
    }
    if (!a.role) {
      if (index) return {303, "text/plain", "", {{"Location", "/login"}}};
      auto r = json_error(401,
                          "an access token is required (Authorization: Bearer, or sign in "
                          "at /login)");
      r.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="approvald")");
      return r;
    }
  }
  if (index) return {200, std::string(asset->content_type), std::string(asset->body)};
  if (path == "/api/v1/rules") return list_rules(ctx);
  if (path == "/api/v1/alerts") return list_alerts(ctx, req);
  if (path == "/api/v1/overview") return overview(ctx, req);
  if (path == "/api/v1/performance") return performance(ctx, req);
  if (path == "/api/v1/feed") return feed(ctx, req);
  return get_case(ctx, http::percent_decode(path.substr(cases.size()), false));
}

http::ServerOptions server_options(const config::Config::Http& h) {
  http::ServerOptions o;
  o.max_connections = static_cast<std::size_t>(h.max_connections);
  o.ops_reserve = static_cast<std::size_t>(h.ops_reserve);
  o.max_streams_per_client = static_cast<std::size_t>(h.max_streams_per_client);
  o.header_timeout_ms = h.header_timeout_ms;
  o.body_timeout_ms = h.body_timeout_ms;
  o.idle_timeout_ms = h.idle_timeout_ms;
  o.allowed_hosts.insert(h.allowed_hosts.begin(), h.allowed_hosts.end());
  o.cors_origins.insert(h.cors_origins.begin(), h.cors_origins.end());
  return o;
}

}  // namespace approvald::web
