// Preloaded into every test process of the tsan preset (CMakePresets.json): C11 threads over
// pthread_create, so that ThreadSanitizer sees librdkafka's threads.
//
// librdkafka starts its threads with C11 thrd_create. glibc implements that without calling the
// pthread_create symbol, which is what GCC 12's ThreadSanitizer intercepts, so those threads ran
// with no sanitizer state and the first allocation on one crashed (a SEGV in the allocator's
// thread cache: the "crashed or hung" of issue 10). Going through pthread_create here gives each
// of them its state; detach and join go through pthread too, so that the sanitizer does not report
// detached threads as leaked. librdkafka's C11 mutexes and condition variables go through their
// pthread counterparts for the same reason: glibc's mtx_lock does not call the pthread_mutex_lock
// symbol, so the sanitizer would not see librdkafka's locking, and what it hands to approvald's
// threads under a lock would look unsynchronised. Built without instrumentation: the processes it
// is preloaded into (curl, jq, the broker's JVM) are not instrumented either, and it only forwards
// calls. glibc's mtx_t and cnd_t have the layout of pthread_mutex_t and pthread_cond_t (its own
// C11 functions cast them the same way).
#include <pthread.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

namespace {

// glibc's <threads.h> values; that header is C, so they are restated here.
constexpr int kThrdSuccess = 0;
constexpr int kThrdBusy = 1;
constexpr int kThrdError = 2;
constexpr int kThrdNomem = 3;
constexpr int kThrdTimedout = 4;
constexpr int kMtxRecursive = 1;

int result_of(int pthread_rc) {
  switch (pthread_rc) {
    case 0:
      return kThrdSuccess;
    case EBUSY:
      return kThrdBusy;
    case ETIMEDOUT:
      return kThrdTimedout;
    case ENOMEM:
      return kThrdNomem;
    default:
      return kThrdError;
  }
}

using ThrdStart = int (*)(void*);

struct Start {
  ThrdStart fn;
  void* arg;
};

void* trampoline(void* p) {
  const Start s = *static_cast<Start*>(p);
  std::free(p);
  // thrd_join reads the int result back from the pointer-sized exit value, as glibc does.
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(s.fn(s.arg)));
}

}  // namespace

extern "C" {

// thrd_t is pthread_t in glibc (unsigned long).
int thrd_create(pthread_t* thr, ThrdStart fn, void* arg) {
  auto* s = static_cast<Start*>(std::malloc(sizeof(Start)));
  if (s == nullptr) return kThrdNomem;
  *s = Start{fn, arg};
  const int rc = pthread_create(thr, nullptr, trampoline, s);
  if (rc == 0) return kThrdSuccess;
  std::free(s);
  return rc == EAGAIN ? kThrdNomem : kThrdError;
}

int thrd_detach(pthread_t thr) { return pthread_detach(thr) == 0 ? kThrdSuccess : kThrdError; }

int thrd_join(pthread_t thr, int* result) {
  void* value = nullptr;
  if (pthread_join(thr, &value) != 0) return kThrdError;
  if (result != nullptr) *result = static_cast<int>(reinterpret_cast<std::intptr_t>(value));
  return kThrdSuccess;
}

// mtx_t and cnd_t: glibc lays them out as pthread_mutex_t and pthread_cond_t.
int mtx_init(pthread_mutex_t* m, int type) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if ((type & kMtxRecursive) != 0) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  const int rc = pthread_mutex_init(m, &attr);
  pthread_mutexattr_destroy(&attr);
  return result_of(rc);
}
int mtx_lock(pthread_mutex_t* m) { return result_of(pthread_mutex_lock(m)); }
int mtx_trylock(pthread_mutex_t* m) { return result_of(pthread_mutex_trylock(m)); }
int mtx_timedlock(pthread_mutex_t* m, const struct timespec* until) {
  return result_of(pthread_mutex_timedlock(m, until));
}
int mtx_unlock(pthread_mutex_t* m) { return result_of(pthread_mutex_unlock(m)); }
void mtx_destroy(pthread_mutex_t* m) { pthread_mutex_destroy(m); }

int cnd_init(pthread_cond_t* c) { return result_of(pthread_cond_init(c, nullptr)); }
int cnd_signal(pthread_cond_t* c) { return result_of(pthread_cond_signal(c)); }
int cnd_broadcast(pthread_cond_t* c) { return result_of(pthread_cond_broadcast(c)); }
int cnd_wait(pthread_cond_t* c, pthread_mutex_t* m) { return result_of(pthread_cond_wait(c, m)); }
int cnd_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const struct timespec* until) {
  return result_of(pthread_cond_timedwait(c, m, until));
}
void cnd_destroy(pthread_cond_t* c) { pthread_cond_destroy(c); }

}  // extern "C"
