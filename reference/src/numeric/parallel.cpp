#include "ropecert/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <mpfr.h>

namespace ropecert {

unsigned effective_threads(unsigned threads) {
  if (threads == 0) threads = std::thread::hardware_concurrency();
  return threads == 0 ? 1 : threads;
}

void parallel_for(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& body,
                  const std::function<void(std::size_t)>& tick) {
  std::atomic<std::size_t> next{0};
  std::size_t finished = 0;
  unsigned running = 0;
  std::exception_ptr failure;
  std::mutex mutex;
  std::condition_variable changed;

  auto worker = [&] {
    for (std::size_t k = next++; k < count; k = next++) {
      try {
        body(k);
        std::lock_guard<std::mutex> lock(mutex);
        ++finished;
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
        next = count;  // stop handing out work
      }
    }
    mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);  // MPFR's constant caches are thread-local
    std::lock_guard<std::mutex> lock(mutex);
    --running;
    changed.notify_all();
  };

  const unsigned used = static_cast<unsigned>(
      std::min<std::size_t>(effective_threads(threads), std::max<std::size_t>(count, 1)));
  std::vector<std::thread> pool;
  running = used;
  for (unsigned t = 0; t < used; ++t) pool.emplace_back(worker);
  {
    std::unique_lock<std::mutex> lock(mutex);
    while (!changed.wait_for(lock, std::chrono::seconds(1), [&] { return running == 0; })) {
      if (tick) {
        const std::size_t snapshot = finished;
        lock.unlock();
        tick(snapshot);
        lock.lock();
      }
    }
  }
  for (std::thread& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace ropecert
