// Runs the real `approvald` binary, for what lives in main.cc (argument parsing, exit codes,
// signals): to completion, or in the background while the test waits on what it prints.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace testing {

// The binary under test: the build's, or $APPROVALD (as in tests/integration) to try another.
inline std::string binary() {
  const char* e = std::getenv("APPROVALD");
  return e != nullptr && *e != '\0' ? e : APPROVALD_BINARY;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A running `approvald ARGS...` with stdout and stderr going to files in `dir`. Waits sleep on
// what they wait for, not on a timer: the process's pidfd for its end, inotify on the two files
// for what it prints.
class Approvald {
 public:
  // `env` entries ("NAME=value") are added to this process's environment.
  Approvald(const std::vector<std::string>& args, const std::filesystem::path& dir,
            const std::vector<std::string>& env = {}, const std::string& stdin_text = "")
      : out_(dir / "stdout"), err_(dir / "stderr") {
    const auto in_path = dir / "stdin";
    std::ofstream(in_path, std::ios::binary) << stdin_text;
    std::vector<std::string> argv_s{binary()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s(env);
    for (char** e = environ; *e != nullptr; ++e) env_s.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    // The files exist and are watched before the child starts, so that nothing it writes is
    // missed between a look at them and the wait.
    std::ofstream(out_, std::ios::binary).flush();
    std::ofstream(err_, std::ios::binary).flush();
    watch_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (watch_ < 0) throw std::runtime_error("inotify_init1 failed");
    for (const auto& f : {out_, err_}) {
      if (::inotify_add_watch(watch_, f.c_str(), IN_MODIFY | IN_CLOSE_WRITE) < 0)
        throw std::runtime_error("inotify_add_watch failed");
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + argv_s[0]);
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd_ < 0) throw std::runtime_error("pidfd_open failed");
  }
  ~Approvald() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    ::close(pidfd_);
    ::close(watch_);
  }
  Approvald(const Approvald&) = delete;
  Approvald& operator=(const Approvald&) = delete;

  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }
  void signal(int sig) const { ::kill(pid_, sig); }

  bool running() {
    if (exit_code_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) exit_code_ = decode(status);
    return !exit_code_;
  }

  // Waits until `done(stdout, stderr)` holds; false if the process ended first or `limit` (a
  // bound against hanging, not a verdict on speed) passed.
  bool wait_for(const std::function<bool(const std::string&, const std::string&)>& done,
                std::chrono::seconds limit = std::chrono::seconds(120)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (true) {
      if (done(out(), err())) return true;
      if (!running()) return done(out(), err());
      // Something was written, or the process ended, or the bound passed.
      pollfd fds[] = {{watch_, POLLIN, 0}, {pidfd_, POLLIN, 0}};
      if (::poll(fds, 2, remaining_ms(until)) == 0) return done(out(), err());
      drain_watch();
    }
  }

  // The exit code (128 + N for signal N, as a shell reports it). After `limit` the process is
  // killed and -1 returned: a command that should end at once must not hang the suite.
  int wait(std::chrono::seconds limit = std::chrono::seconds(120)) {
    if (exit_code_) return *exit_code_;
    pollfd fd{pidfd_, POLLIN, 0};
    const bool ended = ::poll(&fd, 1, remaining_ms(std::chrono::steady_clock::now() + limit)) > 0;
    if (!ended) ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exit_code_ = ended ? decode(status) : -1;
    return *exit_code_;
  }

 private:
  static int decode(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  static int remaining_ms(std::chrono::steady_clock::time_point until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<std::int64_t>(0, left.count()));
  }
  void drain_watch() const {
    alignas(inotify_event) char buf[4096];
    while (::read(watch_, buf, sizeof buf) > 0) {
    }
  }
  std::filesystem::path out_, err_;
  pid_t pid_ = 0;
  int pidfd_ = -1;
  int watch_ = -1;
  std::optional<int> exit_code_;
};

struct Ran {
  int exit_code;
  std::string out, err;
};

// `approvald ARGS...` to completion (killed after `limit`: exit code -1).
inline Ran run_approvald(const std::vector<std::string>& args, const std::filesystem::path& dir,
                         const std::string& stdin_text = "",
                         std::chrono::seconds limit = std::chrono::seconds(60)) {
  Approvald p(args, dir, {}, stdin_text);
  const int rc = p.wait(limit);
  return {rc, p.out(), p.err()};
}

}  // namespace testing
