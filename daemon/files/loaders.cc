#include "files/loaders.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ostream>

namespace approvald::files {

namespace fs = std::filesystem;

namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Closes a descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::optional<std::string> read_file(const fs::path& p, std::string* err, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the type is checked on the descriptor
  // itself, so a file swapped after a stat() cannot slip through.
  const Fd f{::open(p.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (f.fd < 0) {
    *err = "cannot open: " + std::string(std::strerror(errno));
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) {
    *err = "cannot read: " + std::string(std::strerror(errno));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    *err = std::string("not a regular file (") + kind_of(st.st_mode) + ")";
    return std::nullopt;
  }
  const std::string too_large = "larger than " + std::to_string(max_bytes) + " bytes";
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes) {
    *err = too_large;
    return std::nullopt;
  }
  // The size may change while reading: read at most one byte past the bound to know.
  std::string out(static_cast<std::size_t>(st.st_size) + 1, '\0');
  std::size_t got = 0;
  while (true) {
    if (got == out.size()) {
      if (out.size() > max_bytes) break;
      out.resize(std::min(out.size() * 2, max_bytes + 1));
    }
    const ssize_t n = ::read(f.fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *err = "cannot read: " + std::string(std::strerror(errno));
      return std::nullopt;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes) {
    *err = too_large;
    return std::nullopt;
  }
  out.resize(got);
  return out;
}

std::optional<std::string> unreadable_event_log(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "cannot open: " + std::string(std::strerror(errno));
  if (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode)) return std::nullopt;
  return std::string("not a regular file or FIFO (") + kind_of(st.st_mode) + ")";
}

bool read_line(std::istream& in, std::string& line, std::size_t max_bytes, bool* too_long) {
  line.clear();
  *too_long = false;
  std::streambuf* sb = in.rdbuf();
  bool any = false;
  while (true) {
    const auto c = sb->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return any;
    }
    any = true;
    if (c == '\n') return true;
    if (line.size() < max_bytes) {
      line.push_back(static_cast<char>(c));
    } else {
      *too_long = true;
    }
  }
}

namespace {

template <typename T, typename F>
Loaded<T> load_with(const fs::path& p, F&& parse) {
  std::string err;
  auto text = read_file(p, &err);
  if (!text) return rules::Diagnostics{rules::Diagnostic{p.string(), 0, 0, err}};
  return parse(*text, p.string());
}

}  // namespace

Loaded<rules::RulePack> load_pack(const fs::path& p) {
  std::error_code ec;
  const fs::path file = fs::is_directory(p, ec) ? p / "pack.yaml" : p;
  return load_with<rules::RulePack>(file, [](const std::string& t, std::string name) {
    return rules::RulePack::load(t, std::move(name));
  });
}

Loaded<rules::Calendar> load_calendar(const fs::path& p) {
  return load_with<rules::Calendar>(p, [](const std::string& t, std::string name) {
    return rules::Calendar::load(t, std::move(name));
  });
}

Loaded<rules::RuleSet> load_rules(const std::vector<fs::path>& paths) {
  rules::Diagnostics all;
  std::vector<std::shared_ptr<const rules::RulePack>> packs;
  for (const auto& p : paths) {
    auto loaded = load_pack(p);
    if (auto* d = std::get_if<rules::Diagnostics>(&loaded)) {
      all.insert(all.end(), d->begin(), d->end());
    } else {
      packs.push_back(std::get<0>(std::move(loaded)));
    }
  }
  if (!all.empty()) return all;
  return rules::RuleSet::combine(std::move(packs));
}

std::size_t print(const rules::Diagnostics& d, std::ostream& err) {
  for (const auto& x : d) err << x.str() << '\n';
  return rules::problem_count(d);
}

}  // namespace approvald::files
