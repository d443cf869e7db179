#include "scenarios/engine/release_matcher.hpp"

#include "support/assert.hpp"

namespace scenarios {

bool ReleaseMatcher::match(const std::shared_ptr<const upgrader::Release>& release) {
  HOTSIM_ASSERT(release != nullptr, "an image always has a current release");
  if (release == release_) return false;
  release_ = release;
  state_ = release_state(*release, *releases_);
  return true;
}

}  // namespace scenarios
