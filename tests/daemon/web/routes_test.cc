#include "web/routes.h"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "support/fixtures.h"
#include "support/ok.h"
#include "support/temp_dir.h"

using approvald::http::Request;
using approvald::http::Response;
using approvald::web::ApiContext;
using approvald::web::route;
using testing::ok;

namespace {

// A store seeded with the shipped rules, and what the routes need around it.
struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<approvald::store::Store> store;
  std::shared_ptr<const rules::Engine> engine;
  std::unique_ptr<approvald::control::EngineHolder> engines;
  approvald::metrics::Metrics metrics{"test", "r", "c"};
  approvald::control::Health health;
  approvald::control::RuleMailbox mailbox;
  std::string token_file;

  Fixture() {
    store = approvald::store::Store::open({.dir = (dir.path / "db").string(),
                                           .block_cache_bytes = 8u << 20,
                                           .write_buffer_bytes = 4u << 20})
                .take();
    approvald::store::RuleVersion v;
    v.packs = {{"pack.yaml", testing::read_source("rules/packs/cn-admin-licensing/pack.yaml")}};
    v.calendar = {"cn-mainland.yaml", testing::read_source("config/calendars/cn-mainland.yaml")};
    v.rules_id = "cn-admin-licensing@2026.1";
    v.calendar_id = "cn-mainland@2026";
    v.source = "test";
    REQUIRE(store->apply_rules(v));
    engine = std::get<0>(approvald::control::build_engine(v, {}));
    engines = std::make_unique<approvald::control::EngineHolder>(engine);
    token_file = dir.write("token", "  s3cret-token\n").string();
  }

  ApiContext context(std::string token = "") {
    return ApiContext{*store,           *engines, metrics,
                      health,           mailbox,  [] { return std::int64_t{1'800'000'000'000}; },
                      std::move(token), {},       std::chrono::milliseconds(5000)};
  }
};

Response call(const ApiContext& ctx, std::string method, std::string target, std::string body = "",
              std::string auth = "") {
  return route(ctx,
               Request{std::move(method), std::move(target), std::move(auth), std::move(body)});
}

std::vector<std::string> errors_of(const Response& r) {
  std::vector<std::string> out;
  const auto j = boost::json::parse(r.body);
  for (const auto& e : j.at("errors").as_array()) {
    out.emplace_back(e.as_string());
  }
  return out;
}

}  // namespace

TEST_CASE("GET /api/v1/alerts filters and pages, bad parameters are all named", "[api]") {
  Fixture f;
  approvald::ports::WriteSet w;
  using S = approvald::ports::AlertIndexEntry::Status;
  w.alerts.push_back({0, "C1/alp-42-decision/red/1", S::kFiring, 2, "AG1", "alp-42-decision",
                      R"({"alert_id":"C1/alp-42-decision/red/1"})"});
  w.alerts.push_back({1, "C2/alp-32-acceptance/reminder/1", S::kResolved, 0, "AG2",
                      "alp-32-acceptance", R"({"alert_id":"C2/alp-32-acceptance/reminder/1"})"});
  REQUIRE(f.store->commit(w));
  const auto ctx = f.context();

  auto r = call(ctx, "GET", "/api/v1/alerts?level=red&status=firing");
  REQUIRE(r.status == 200);
  auto j = boost::json::parse(r.body);
  REQUIRE(j.at("alerts").as_array().size() == 1);
  CHECK(j.at("alerts").as_array()[0].at("alert_id") == "C1/alp-42-decision/red/1");
  CHECK(j.at("next").is_null());

  r = call(ctx, "GET", "/api/v1/alerts?limit=1");
  j = boost::json::parse(r.body);
  CHECK(j.at("alerts").as_array().size() == 1);
  const std::string next(j.at("next").as_string());
  r = call(ctx, "GET", "/api/v1/alerts?limit=1&cursor=" + next);
  j = boost::json::parse(r.body);
  REQUIRE(j.at("alerts").as_array().size() == 1);
  CHECK(j.at("alerts").as_array()[0].at("alert_id") == "C2/alp-32-acceptance/reminder/1");

  r = call(ctx, "GET", "/api/v1/alerts?agency=AG2");
  CHECK(boost::json::parse(r.body).at("alerts").as_array().size() == 1);

  r = call(ctx, "GET", "/api/v1/alerts?status=burning&level=purple&limit=0&colour=red&cursor=zz");
  CHECK(r.status == 400);
  const auto errors = errors_of(r);
  REQUIRE(errors.size() == 5);
  CHECK_THAT(errors[0], Catch::Contains("unknown parameter 'colour'"));
  CHECK_THAT(errors[1], Catch::Contains("cursor"));
  CHECK_THAT(errors[2], Catch::Contains("level: 'purple'"));
  CHECK_THAT(errors[3], Catch::Contains("limit: '0'"));
  CHECK_THAT(errors[4], Catch::Contains("status: 'burning' is not one of firing"));
}

TEST_CASE("unknown paths are 404, other methods 405, unknown cases 404", "[api]") {
  Fixture f;
  const auto ctx = f.context();
  CHECK(call(ctx, "GET", "/nope").status == 404);
  CHECK(call(ctx, "POST", "/metrics").status == 405);
  CHECK(call(ctx, "DELETE", "/api/v1/rules").status == 405);
  CHECK(call(ctx, "GET", "/api/v1/cases/NOPE").status == 404);
  CHECK(call(ctx, "GET", "/api/v1/cases/" + std::string(200, 'x')).status == 400);
  const auto rules = boost::json::parse(call(ctx, "GET", "/api/v1/rules").body);
  CHECK(rules.at("current").at("version") == 1);
  CHECK(rules.at("history").as_array().size() == 1);
}

TEST_CASE("PUT /api/v1/rules: disabled without a token file, 401 without the token", "[api]") {
  Fixture f;
  const std::string body = R"({"calendar":{"name":"c.yaml","yaml":"x"}})";
  CHECK(call(f.context(), "PUT", "/api/v1/rules", body, "Bearer s3cret-token").status == 403);
  const auto ctx = f.context(f.token_file);
  auto r = call(ctx, "PUT", "/api/v1/rules", body);
  CHECK(r.status == 401);
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers[0].first == "WWW-Authenticate");
  CHECK(call(ctx, "PUT", "/api/v1/rules", body, "Bearer s3cret").status == 401);
  CHECK(call(ctx, "PUT", "/api/v1/rules", body, "Bearer s3cret-token-and-more").status == 401);
  CHECK(call(ctx, "PUT", "/api/v1/rules", body, "Basic s3cret-token").status == 401);
}

TEST_CASE(
    "PUT /api/v1/rules refuses a bad body or an invalid pack with every error, and the "
    "version in force stays",
    "[api]") {
  Fixture f;
  const auto ctx = f.context(f.token_file);
  const std::string auth = "Bearer s3cret-token";
  auto r = call(ctx, "PUT", "/api/v1/rules", "{not json", auth);
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("not valid JSON"));

  r = call(ctx, "PUT", "/api/v1/rules", R"({"packs":[{"yaml":1}],"extra":true})", auth);
  CHECK(r.status == 400);
  auto errors = errors_of(r);
  REQUIRE(errors.size() == 3);
  CHECK(errors[0] == "body.extra: unknown field (known: packs, calendar)");
  CHECK_THAT(errors[1], Catch::StartsWith("body.packs[0].name: required"));
  CHECK_THAT(errors[2], Catch::StartsWith("body.packs[0].yaml: required"));

  // A pack with two mistakes: both reported with their line.
  const std::string bad_pack =
      "pack: broken\\nversion: \\\"1\\\"\\nrules:\\n  - id: x\\n    kind: clock\\n"
      "    start: nonsense_event\\n    limit: {working_days: -3}\\n";
  r = call(ctx, "PUT", "/api/v1/rules",
           R"({"packs":[{"name":"broken.yaml","yaml":")" + bad_pack + "\"}]}", auth);
  CHECK(r.status == 422);
  const auto j = boost::json::parse(r.body);
  const auto& d = j.at("diagnostics").as_array();
  std::string all;
  for (const auto& x : d) {
    CHECK(x.at("file") == "broken.yaml");
    all += std::string(x.at("text").as_string()) + "\n";
  }
  INFO(all);
  CHECK(d.size() == 5);  // title, start, stop, limit and stages
  CHECK_THAT(all, Catch::Contains("broken.yaml:6:12:") && Catch::Contains("nonsense_event"));
  CHECK_THAT(all, Catch::Contains("broken.yaml:7:") && Catch::Contains("working_days"));
  CHECK_THAT(all, Catch::Contains("rule x.stop: required"));
  CHECK(ok(f.store->current_rules())->number == 1);
}

TEST_CASE("PUT /api/v1/rules hands a valid version to the main loop and answers with it", "[api]") {
  Fixture f;
  const auto ctx = f.context(f.token_file);
  // The main loop's part: store the version it is handed (one, then no more).
  std::thread loop([&] {
    if (auto put = f.mailbox.take_within(std::chrono::seconds(10))) {
      put->version.applied_ms = 1;
      put->outcome.set_value(f.store->apply_rules(put->version));
    }
  });
  std::string calendar = testing::read_source("config/calendars/cn-mainland.yaml");
  calendar += "\n# a comment makes it a new version\n";
  boost::json::object body;
  body["calendar"] = boost::json::object{{"name", "cn-mainland.yaml"}, {"yaml", calendar}};
  const auto r =
      call(ctx, "PUT", "/api/v1/rules", boost::json::serialize(body), "Bearer s3cret-token");
  loop.join();
  REQUIRE(r.status == 200);
  const auto j = boost::json::parse(r.body);
  CHECK(j.at("version") == 2);
  CHECK(j.at("source") == "PUT /api/v1/rules");
  CHECK(j.at("rule_packs") == "cn-admin-licensing@2026.1");  // the packs in force were kept
  const auto current = ok(f.store->current_rules());
  CHECK(current->number == 2);
  CHECK(current->calendar.second == calendar);
  CHECK(current->packs.size() == 1);

  // The same sources again: nothing new is stored.
  const auto again =
      call(ctx, "PUT", "/api/v1/rules", boost::json::serialize(body), "Bearer s3cret-token");
  CHECK(again.status == 200);
  CHECK(boost::json::parse(again.body).at("unchanged") == true);
  CHECK(ok(f.store->rule_history()).size() == 2);
}

TEST_CASE("the dashboard and its assets are served at /", "[api][dashboard]") {
  Fixture f;
  const auto ctx = f.context();
  auto r = call(ctx, "GET", "/");
  REQUIRE(r.status == 200);
  CHECK_THAT(r.content_type, Catch::StartsWith("text/html"));
  CHECK_THAT(r.body, Catch::Contains(R"(<script src="/app.js">)"));
  r = call(ctx, "GET", "/app.js");
  CHECK(r.status == 200);
  CHECK_THAT(r.content_type, Catch::StartsWith("text/javascript"));
  CHECK(call(ctx, "GET", "/openapi.yaml").status == 200);
  CHECK(call(ctx, "GET", "/nothing.js").status == 404);
}

TEST_CASE("GET /api/v1/overview and /api/v1/performance read the store, bad parameters are named",
          "[api][dashboard]") {
  Fixture f;
  approvald::ports::WriteSet w;
  w.marks[0] = approvald::ports::PartitionMark{1, 0, 0, 1};
  w.tally_changes[{0, "AG1"}] = approvald::ports::CaseTally{3, 1, 1, 1, 0};
  // The fixture's clock reads 2027-01-15 (+08:00): one row today, one 40 days earlier.
  const rules::Date today = *rules::parse_date("2027-01-15");
  w.perf_changes[{0, today, "AG1", "I1"}] = approvald::ports::PerfCounts{2, 2, 2, 2, 2, 8, 0};
  w.perf_changes[{0, today - 40, "AG1", "I1"}] = approvald::ports::PerfCounts{1, 1, 0, 1, 0, 30, 2};
  REQUIRE(f.store->commit(w));
  approvald::web::AlertFeed feed;
  auto ctx = f.context();
  ctx.feed = &feed;

  auto r = call(ctx, "GET", "/api/v1/overview");
  REQUIRE(r.status == 200);
  auto j = boost::json::parse(r.body);
  CHECK(j.at("now") == "2027-01-15T16:00:00+08:00");
  CHECK(j.at("cases").at("overdue") == 1);
  CHECK(j.at("service").at("rules").at("rule_packs") == "cn-admin-licensing@2026.1");
  CHECK(j.at("agencies").as_array()[0].at("status") == "red");
  CHECK(j.at("agencies").as_array()[0].at("decided_30d") == 2);  // the old row is outside
  CHECK(j.at("alerts_by_hour").as_array().size() == 24);
  r = call(ctx, "GET", "/api/v1/overview?x=1");
  CHECK(r.status == 400);
  CHECK_THAT(errors_of(r).at(0), Catch::Contains("unknown parameter 'x' (this path takes none)"));

  r = call(ctx, "GET", "/api/v1/performance");  // the last 30 days by default
  REQUIRE(r.status == 200);
  j = boost::json::parse(r.body);
  CHECK(j.at("from") == "2026-12-17");
  CHECK(j.at("total").at("decided") == 2);
  r = call(ctx, "GET", "/api/v1/performance?from=2026-11-01&to=2027-01-15&by=item");
  j = boost::json::parse(r.body);
  CHECK(j.at("total").at("decided") == 3);
  CHECK(j.at("rows").as_array()[0].at("item") == "I1");

  r = call(ctx, "GET", "/api/v1/performance?from=2027-02-30&to=2027-01-01&by=officer&x=1");
  CHECK(r.status == 400);
  auto errors = errors_of(r);
  REQUIRE(errors.size() == 3);
  CHECK_THAT(errors[0], Catch::Contains("unknown parameter 'x'"));
  CHECK_THAT(errors[1], Catch::Contains("from: '2027-02-30' is not a date"));
  CHECK_THAT(errors[2], Catch::Contains("by: 'officer'"));
  r = call(ctx, "GET", "/api/v1/performance?from=2027-01-10&to=2027-01-01");
  CHECK_THAT(errors_of(r).at(0), Catch::Contains("from: must not be after to"));
  r = call(ctx, "GET", "/api/v1/performance?from=2020-01-01&to=2027-01-01");
  CHECK_THAT(errors_of(r).at(0), Catch::Contains("at most 367 days"));
}

TEST_CASE("GET /api/v1/feed streams committed alerts that match its filters", "[api][dashboard]") {
  Fixture f;
  approvald::web::AlertFeed feed;
  auto ctx = f.context();
  ctx.feed = &feed;
  auto r = call(ctx, "GET", "/api/v1/feed?level=orange&after=x1&colour=1");
  CHECK(r.status == 400);
  CHECK(errors_of(r).size() == 3);
  CHECK_FALSE(r.stream);

  using S = approvald::ports::AlertIndexEntry::Status;
  const std::int64_t now = 1'800'000'000'000;
  feed.publish({{0, "C1/x/red/1", S::kFiring, 2, "AG1", "alp-42-decision", R"({"n":1})"},
                {0, "C2/x/yellow/1", S::kFiring, 1, "AG2", "alp-32-one-time-notice", R"({"n":2})"}},
               now);
  r = call(ctx, "GET", "/api/v1/feed?agency=AG1");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "text/event-stream");
  REQUIRE(r.stream);
  // Once the backlog has arrived, two more alerts are committed; the client leaves when it has
  // seen the AG1 one.
  struct Sink : approvald::http::StreamSink {
    approvald::web::AlertFeed& feed;
    std::int64_t now;
    std::string got;
    explicit Sink(approvald::web::AlertFeed& f, std::int64_t n) : feed(f), now(n) {}
    bool write(std::string_view b) override {
      got.append(b);
      if (b.find("\"n\":1") != std::string_view::npos) {
        feed.publish({{0, "C3/x/red/1", S::kFiring, 2, "AG2", "alp-42-decision", R"({"n":3})"},
                      {0, "C4/x/red/1", S::kFiring, 2, "AG1", "alp-42-decision", R"({"n":4})"}},
                     now);
      }
      return true;
    }
    bool open() const override { return got.find("\"n\":4") == std::string::npos; }
    bool wait_closed(std::chrono::milliseconds) const override { return open(); }
  } sink(feed, now);
  r.stream(sink);
  // The backlog's AG1 alert, then the live one; AG2's are filtered out.
  CHECK_THAT(sink.got, Catch::StartsWith("retry: 2000\n\n"));
  CHECK_THAT(sink.got, Catch::Contains("id: 1\nevent: alert\ndata: {\"n\":1}\n\n"));
  CHECK_THAT(sink.got, Catch::Contains("id: 4\nevent: alert\ndata: {\"n\":4}\n\n"));
  CHECK(sink.got.find("\"n\":2") == std::string::npos);
  CHECK(sink.got.find("\"n\":3") == std::string::npos);
}

TEST_CASE("every path in docs/openapi.yaml is served with a documented method", "[api][docs]") {
  Fixture f;
  approvald::web::AlertFeed feed;
  feed.close();  // a feed request returns its stream at once
  auto ctx = f.context();
  ctx.feed = &feed;
  const YAML::Node spec = YAML::Load(testing::read_source("docs/openapi.yaml"));
  std::size_t checked = 0;
  for (const auto& path : spec["paths"]) {
    std::string p = path.first.as<std::string>();
    if (const auto brace = p.find("{id}"); brace != std::string::npos) p.replace(brace, 4, "C1");
    for (const auto& op : path.second) {
      std::string method = op.first.as<std::string>();
      for (auto& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      const auto r = call(ctx, method, p, "{}");
      INFO(method << " " << p << " -> " << r.status << " " << r.body);
      // C1 does not exist (404 is documented there); everything else must be routed.
      if (p != "/api/v1/cases/C1") CHECK(r.status != 404);
      CHECK(r.status != 405);
      ++checked;
    }
  }
  CHECK(checked >= 11);
}

TEST_CASE("an unknown path is 404 whatever the method, 405 names the allowed methods", "[api]") {
  Fixture f;
  const auto ctx = f.context();
  for (const char* method : {"GET", "DELETE", "POST", "PUT", "PATCH"}) {
    INFO(method);
    CHECK(call(ctx, method, "/nope").status == 404);
  }
  const auto post = call(ctx, "POST", "/api/v1/overview");
  CHECK(post.status == 405);
  CHECK(post.headers == decltype(post.headers){{"Allow", "GET, HEAD"}});
  const auto del = call(ctx, "DELETE", "/api/v1/rules");
  CHECK(del.headers == decltype(del.headers){{"Allow", "GET, HEAD, PUT"}});
  CHECK(call(ctx, "HEAD", "/api/v1/overview").status == 200);  // the server drops the body
}

TEST_CASE("what API errors repeat of the request is bounded, control characters written out",
          "[api]") {
  Fixture f;
  const auto ctx = f.context();
  const std::string name = std::string(1000, 'n') + "%1B%5B31m";
  const auto r = call(ctx, "GET", "/api/v1/overview?" + name + "=1");
  CHECK(r.status == 400);
  CHECK(r.body.size() < 500);
  const auto e = errors_of(r).at(0);
  CHECK_THAT(e, Catch::Contains("…[cut: 1005 bytes]"));
  const auto esc = call(ctx, "GET", "/api/v1/alerts?level=%1B%5B31m%0D%0A");
  CHECK_THAT(errors_of(esc).at(0), Catch::Contains("'\\x1b[31m\\r\\n'"));
  const auto nf = call(ctx, "GET", "/" + std::string(3000, 'p'));
  CHECK(nf.status == 404);
  CHECK(nf.body.size() < 400);
}

TEST_CASE("access tokens: viewers read, operators also write, health stays open, rotation works",
          "[api]") {
  Fixture f;
  auto ctx = f.context();
  const auto tokens = f.dir.write("access", "# who may look\nviewer v-123\noperator o-456\n");
  ctx.access_tokens_file = tokens.string();
  auto with = [](Request r, std::string auth, std::string cookie = "") {
    r.authorization = std::move(auth);
    r.cookie = std::move(cookie);
    return r;
  };
  const Request overview{"GET", "/api/v1/overview"};
  CHECK(route(ctx, overview).status == 401);
  CHECK(route(ctx, with(overview, "Bearer nope")).status == 401);
  CHECK(route(ctx, with(overview, "Bearer v-123")).status == 200);
  CHECK(route(ctx, with(overview, "", "a=b; approvald_token=v-123")).status == 200);
  CHECK(route(ctx, with(overview, "Bearer o-456")).status == 200);
  CHECK(route(ctx, Request{"GET", "/api/v1/feed"}).status == 401);
  CHECK(route(ctx, Request{"GET", "/api/v1/cases/C1"}).status == 401);
  // The page sends a browser to sign in; its scripts, health, readiness and metrics are open.
  const auto page = route(ctx, Request{"GET", "/"});
  CHECK(page.status == 303);
  CHECK(page.headers.at(0) == std::make_pair(std::string("Location"), std::string("/login")));
  CHECK(route(ctx, Request{"GET", "/app.js"}).status == 200);
  CHECK(route(ctx, Request{"GET", "/metrics"}).status == 200);
  CHECK(route(ctx, Request{"GET", "/healthz"}).status != 401);
  CHECK(route(ctx, Request{"GET", "/readyz"}).status != 401);
  // Signing in turns a valid token into the cookie the page and its live feed carry.
  const auto in = route(ctx, Request{"POST", "/login", "", "token=v-123"});
  CHECK(in.status == 303);
  CHECK(in.headers.at(1).second == "approvald_token=v-123; Path=/; HttpOnly; SameSite=Strict");
  CHECK(route(ctx, Request{"POST", "/login", "", "token=wrong"}).status == 401);
  // PUT /api/v1/rules: an operator's bearer token, not a viewer's, and never the cookie.
  const std::string body = R"({"packs": "x"})";
  CHECK(call(ctx, "PUT", "/api/v1/rules", body, "Bearer v-123").status == 401);
  CHECK(call(ctx, "PUT", "/api/v1/rules", body, "Bearer o-456").status == 400);
  CHECK(route(ctx, with(Request{"PUT", "/api/v1/rules", "", body}, "", "approvald_token=o-456"))
            .status == 401);
  // Read on every request: a rotated file takes effect at once; an empty one refuses everything.
  f.dir.write("access", "viewer v-789\n");
  CHECK(route(ctx, with(overview, "Bearer v-123")).status == 401);
  CHECK(route(ctx, with(overview, "Bearer v-789")).status == 200);
  f.dir.write("access", "\n");
  CHECK(route(ctx, with(overview, "Bearer v-789")).status == 503);
}

TEST_CASE("the http section: limits, deadlines, host names and token files", "[config]") {
  const auto parsed = approvald::config::parse(R"(
rules: {packs: [p], calendar: c.yaml}
http:
  listen: 0.0.0.0:9000
  access_tokens_file: access
  allowed_hosts: [approvald.internal]
  max_connections: 32
  ops_reserve: 4
  max_streams_per_client: 2
  header_timeout_ms: 500
  idle_timeout_ms: 1500
)",
                                               "a.yaml", "/etc/approvald");
  REQUIRE(std::holds_alternative<approvald::config::Config>(parsed));
  const auto& h = std::get<approvald::config::Config>(parsed).http;
  CHECK(h.access_tokens_file == "/etc/approvald/access");
  const auto o = approvald::web::server_options(h);
  CHECK(o.max_connections == 32);
  CHECK(o.ops_reserve == 4);
  CHECK(o.max_streams_per_client == 2);
  CHECK(o.header_timeout_ms == 500);
  CHECK(o.idle_timeout_ms == 1500);
  CHECK(o.body_timeout_ms == 30000);
  CHECK(o.allowed_hosts == std::set<std::string>{"approvald.internal"});
  const auto bad = approvald::config::parse(
      "rules: {packs: [p], calendar: c.yaml}\nhttp: {max_connections: 0, allowed_hosts: [[x]]}\n",
      "b.yaml", "/");
  REQUIRE(std::holds_alternative<rules::Diagnostics>(bad));
  std::string all;
  for (const auto& d : std::get<rules::Diagnostics>(bad)) all += d.str() + "\n";
  CHECK_THAT(all, Catch::Contains("http.max_connections") &&
                      Catch::Contains("http.allowed_hosts[0]: must be a non-empty string"));
}

TEST_CASE("/readyz fails, naming the reason, while a partition's outbox is stalled",
          "[web][readyz]") {
  approvald::control::Health h;
  h.broker_up = true;
  h.assigned = 6;
  const std::int64_t now = 5'000'000;
  h.loop_ms = now;
  bool ready = false;
  (void)approvald::web::readiness_json(h, now, &ready);
  CHECK(ready);
  h.stalled_partitions = 1;
  h.outbox_head_age_ms = 95'000;
  const std::string body = approvald::web::readiness_json(h, now, &ready);
  CHECK_FALSE(ready);
  CHECK_THAT(body, Catch::Contains("outbox not advancing on 1 partition(s) for 95 s"));
}
