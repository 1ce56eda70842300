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
  if ((_mm_getcsr() & (0x8000u | 0x0040u)) != 0) return "MXCSR flushes subnormals to zero (FTZ or DAZ set)";
#endif
  return "";
}

}  // namespace ropecert
