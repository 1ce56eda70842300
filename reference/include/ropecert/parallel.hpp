// Deterministic parallel loop: results must not depend on the thread count, so each index
// writes only its own output slot and no reduction crosses indices.
#pragma once
#include <cstddef>
#include <functional>

namespace ropecert {

// Calls body(k) once for every k in [0, count), on up to `threads` worker threads (0 = hardware
// concurrency). Each worker frees MPFR's thread-local caches before it exits. Meanwhile the
// calling thread calls tick(finished) about once a second, if tick is set. The first exception
// thrown by a body is rethrown on the calling thread after all workers stop.
void parallel_for(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& body,
                  const std::function<void(std::size_t)>& tick = {});

// The thread count actually used for `threads` (0 = hardware concurrency, at least 1).
unsigned effective_threads(unsigned threads);

}  // namespace ropecert
