// The calling thread's floating-point environment, as the binary64 routes need it.
#pragma once
#include <string>

namespace ropecert {

// Why this thread's floating-point environment breaks the rounding model of the binary64 routes ("" if it
// does not): the rounding mode is not round to nearest (fegetround, and under SSE also MXCSR's rounding
// control, bits 13-14, which glibc's fegetround does not read), or (SSE) MXCSR flushes tiny results to zero
// (FTZ, bit 15) or treats subnormal inputs as zero (DAZ, bit 6). Callers check it before computing anything
// (proofs-notes/33-fast-algorithm-binary64.md, Scope; proofs-notes/13-fast-certified-path.md, exact_product).
std::string unsupported_environment();

}  // namespace ropecert
