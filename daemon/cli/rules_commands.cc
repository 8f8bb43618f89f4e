// `approvald rules check` and `approvald rules test`.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>

#include "cli/commands.h"
#include "files/loaders.h"
#include "rules/rule_test.h"

namespace approvald::cli {

using files::load_calendar;
using files::load_pack;
using files::load_rules;
using files::print;
using files::read_file;

namespace fs = std::filesystem;

namespace {

enum class FileKind { kPack, kCalendar, kRuleTest, kUnknown };

// The first top-level key tells what a YAML file is.
FileKind kind_of(const std::string& text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    const std::string line =
        text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (line.empty() || line[0] == '#' || line[0] == ' ' || line == "---") continue;
    if (line.rfind("pack:", 0) == 0) return FileKind::kPack;
    if (line.rfind("calendar:", 0) == 0) return FileKind::kCalendar;
    if (line.rfind("rule_packs:", 0) == 0 || line.rfind("tests:", 0) == 0)
      return FileKind::kRuleTest;
  }
  return FileKind::kUnknown;
}

std::vector<fs::path> yaml_files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() &&
        (e.path().extension() == ".yaml" || e.path().extension() == ".yml")) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int rules_check(const std::vector<std::string>& paths, std::ostream& out, std::ostream& err) {
  std::size_t errors = 0;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      auto pack = load_pack(p);
      if (auto* d = std::get_if<rules::Diagnostics>(&pack)) {
        errors += print(*d, err);
      } else {
        const auto& pk = *std::get<0>(pack);
        out << "ok    " << p << ": pack " << pk.id() << ", " << pk.rules.size() << " rules\n";
      }
      continue;
    }
    std::string why;
    const auto text = read_file(p, &why);
    if (!text) {
      err << p << ": " << why << '\n';
      ++errors;
      continue;
    }
    switch (kind_of(*text)) {
      case FileKind::kPack: {
        auto pack = rules::RulePack::load(*text, p);
        if (auto* d = std::get_if<rules::Diagnostics>(&pack)) {
          errors += print(*d, err);
        } else {
          out << "ok    " << p << ": pack " << std::get<0>(pack)->id() << '\n';
        }
        break;
      }
      case FileKind::kCalendar: {
        auto cal = rules::Calendar::load(*text, p);
        if (auto* d = std::get_if<rules::Diagnostics>(&cal)) {
          errors += print(*d, err);
        } else {
          const auto& c = *std::get<0>(cal);
          out << "ok    " << p << ": calendar " << c.id() << ", " << c.years().size()
              << " published years\n";
        }
        break;
      }
      case FileKind::kRuleTest: {
        auto t = rules::RuleTestFile::parse(*text, p);
        if (auto* d = std::get_if<rules::Diagnostics>(&t)) {
          errors += print(*d, err);
        } else {
          out << "ok    " << p << ": " << std::get<0>(t).tests.size() << " rule tests\n";
        }
        break;
      }
      case FileKind::kUnknown:
        err << p
            << ": not a rule pack (pack:), calendar (calendar:) or rule test file (rule_packs:)\n";
        ++errors;
        break;
    }
  }
  if (errors > 0) err << errors << (errors == 1 ? " error\n" : " errors\n");
  return errors == 0 ? 0 : 1;
}

int rules_test(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::vector<fs::path> files;
  std::size_t passed = 0, failed = 0, broken = 0;
  for (const std::string& a : args) {
    std::error_code ec;
    if (!fs::is_directory(a, ec)) {
      files.emplace_back(a);
      continue;
    }
    // A pack keeps its tests in tests/; pack.yaml itself is not a test file.
    const bool pack = fs::exists(fs::path(a) / "pack.yaml", ec);
    const fs::path dir = pack ? fs::path(a) / "tests" : fs::path(a);
    const auto in_dir = yaml_files_in(dir);
    if (in_dir.empty()) {
      err << a
          << (pack ? ": a pack without tests (no tests/*.yaml)\n" : ": no *.yaml test files\n");
      ++broken;
    }
    files.insert(files.end(), in_dir.begin(), in_dir.end());
  }
  for (const fs::path& f : files) {
    std::string why;
    const auto text = read_file(f, &why);
    if (!text) {
      err << f.string() << ": " << why << '\n';
      ++broken;
      continue;
    }
    if (const auto kind = kind_of(*text); kind == FileKind::kPack || kind == FileKind::kCalendar) {
      err << f.string() << ": a " << (kind == FileKind::kPack ? "rule pack" : "calendar")
          << ", not a rule test file (rules test PACKDIR runs the pack's tests/)\n";
      ++broken;
      continue;
    }
    auto parsed = rules::RuleTestFile::parse(*text, f.string());
    if (auto* d = std::get_if<rules::Diagnostics>(&parsed)) {
      broken += print(*d, err) > 0;
      continue;
    }
    const auto& tf = std::get<rules::RuleTestFile>(parsed);
    const fs::path base = f.parent_path();
    std::vector<fs::path> pack_paths;
    for (const auto& p : tf.pack_paths) pack_paths.push_back(base / p);
    auto rs = load_rules(pack_paths);
    auto cal = load_calendar(base / tf.calendar_path);
    if (auto* d = std::get_if<rules::Diagnostics>(&rs)) {
      print(*d, err);
      ++broken;
      continue;
    }
    if (auto* d = std::get_if<rules::Diagnostics>(&cal)) {
      print(*d, err);
      ++broken;
      continue;
    }
    const auto failures = rules::run_rule_tests(tf, std::get<0>(rs), std::get<0>(cal));
    std::size_t file_failed = 0;
    for (const auto& t : tf.tests) {
      bool ok = true;
      for (const auto& fl : failures) {
        if (fl.test != t.name) continue;
        if (ok) out << "FAIL  " << f.string() << ": " << t.name << '\n';
        ok = false;
        out << "  " << fl.message;
        if (fl.message.back() != '\n') out << '\n';
      }
      ok ? ++passed : (++failed, ++file_failed);
    }
    if (file_failed == 0) out << "ok    " << f.string() << ": " << tf.tests.size() << " tests\n";
  }
  out << passed << " passed, " << failed << " failed";
  if (broken > 0) out << ", " << broken << " files could not be run";
  out << '\n';
  return failed == 0 && broken == 0 && passed > 0 ? 0 : 1;
}

}  // namespace approvald::cli
