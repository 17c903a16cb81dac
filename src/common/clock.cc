#include "common/clock.h"

namespace pier {

namespace {
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
};
}  // namespace

Clock& Clock::system() {
  static SystemClock clock;
  return clock;
}

}  // namespace pier
