// The floating-point environment check (floating_environment.hpp).
#include "ropecert/floating_environment.hpp"

#include <cfenv>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace ropecert {

std::string unsupported_environment() {
  if (std::fegetround() != FE_TONEAREST) return "the rounding mode is not round to nearest";
#if defined(__SSE__)
  // binary64 arithmetic runs in SSE, whose rounding control (bits 13-14) is separate from the x87 control
  // word that glibc's fegetround reads on x86-64.
  if ((_mm_getcsr() & 0x6000u) != 0) return "the rounding mode is not round to nearest (MXCSR rounding control)";
  if ((_mm_getcsr() & (0x8000u | 0x0040u)) != 0) return "MXCSR flushes subnormals to zero (FTZ or DAZ set)";
#endif
  return "";
}

}  // namespace ropecert
