#include "cli/usage.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <vector>

#include "rules/echo.h"

namespace approvald::cli {

namespace {

// The command the leading words of the arguments name, and the first word that names none where
// a command was expected.
struct Where {
  const CLI::App* app;
  std::string path;
  std::optional<std::string> unknown;
};

std::vector<const CLI::App*> commands_of(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

Where locate(const CLI::App& app, const std::vector<std::string>& args) {
  Where w{&app, app.get_name(), std::nullopt};
  for (const std::string& a : args) {
    if (a.empty() || a[0] == '-') break;
    const auto subs = commands_of(*w.app);
    if (subs.empty()) break;  // a positional argument of a command
    const auto it =
        std::find_if(subs.begin(), subs.end(), [&](const CLI::App* s) { return s->check_name(a); });
    if (it == subs.end()) {
      w.unknown = a;
      break;
    }
    w.app = *it;
    w.path += ' ' + (*it)->get_name();
  }
  return w;
}

void list_commands(const CLI::App& app, std::ostream& err) {
  const auto subs = commands_of(app);
  std::size_t width = 0;
  for (const auto* s : subs) width = std::max(width, s->get_name().size());
  err << "commands:\n";
  for (const auto* s : subs) {
    err << "  " << s->get_name() << std::string(width - s->get_name().size() + 3, ' ')
        << s->get_description() << '\n';
  }
}

}  // namespace

std::string shown(std::string_view s, std::size_t max) { return rules::safe(s, max); }

std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      std::ostream& out, std::ostream& err) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
    const Where w = locate(app, args);
    if (w.unknown) {
      err << w.path << ": unknown command '" << shown(*w.unknown) << "'\n";
      list_commands(*w.app, err);
    } else if (w.app->get_require_subcommand_min() > 0 &&
               dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
      err << w.path << ": a command is required\n";
      list_commands(*w.app, err);
    } else {
      err << w.path << ": " << shown(e.what(), 400) << '\n';
      err << "Run '" << w.path << " --help' for its options.\n";
    }
    return kUsageError;
  }
}

CLI::Validator whole_number(std::uint64_t max) {
  return {[max](std::string& s) -> std::string {
            std::uint64_t v = 0;
            const char* end = s.data() + s.size();
            const auto [p, ec] = std::from_chars(s.data(), end, v);
            const bool digits = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
              return c >= '0' && c <= '9';
            });
            if (digits && ec == std::errc{} && p == end && v <= max) return {};
            return "'" + shown(s) + "' is not a whole number " +
                   (max == UINT64_MAX ? std::string("(0 or more)")
                                      : "from 0 to " + std::to_string(max));
          },
          ""};
}

CLI::Validator number_at_least(double min) {
  return {[min](std::string& s) -> std::string {
            double v = 0;
            const char* end = s.data() + s.size();
            const auto [p, ec] = std::from_chars(s.data(), end, v);
            if (!s.empty() && ec == std::errc{} && p == end && std::isfinite(v) && v >= min) {
              return {};
            }
            char bound[32];
            std::snprintf(bound, sizeof bound, "%g", min);
            return "'" + shown(s) + "' is not a number of " + bound + " or more";
          },
          ""};
}

}  // namespace approvald::cli
