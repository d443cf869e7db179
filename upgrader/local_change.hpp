#pragma once
// Local changes: methods typed into the running image (a hot fix made in a browser on the
// production server and never committed to a package). They belong to no package, so
// nothing staged can bring them back once an upgrade replaces them; the post assumes there
// are none ("your production image is basically read only").
#include <string>
#include <vector>

#include "upgrader/image.hpp"
#include "upgrader/package.hpp"
#include "upgrader/release.hpp"

namespace upgrader {

// Publishes the current release with `hotfix`'s methods typed in: each replaces (or adds)
// Class>>selector, attributed to no package. `hotfix` is a package file only as a way to
// write methods down: it may define no class and no initializer. Throws LoadError (with the
// file and line) when it does, or when a method's class is not in the image.
void type_in_methods(Image& image, const Package& hotfix);

// "Class>>selector" of every method typed into `current` (no package) that `next` replaces
// with other code or removes: the local changes publishing `next` would overwrite.
std::vector<std::string> overwritten_local_changes(const Release& current, const Release& next);

}  // namespace upgrader
