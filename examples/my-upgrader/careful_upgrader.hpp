#pragma once
// An upgrader of our own, written against hotsim's policy API (upgrader/policy.hpp and
// upgrader/runtime.hpp), in our own namespace. Registered as "my-careful" when the library
// is loaded: by the test program that links it, or by `hotsim run --policy-lib`.
#include <memory>

#include "upgrader/policy.hpp"

namespace my_upgrader {

inline constexpr const char* kPolicyName = "my-careful";

std::unique_ptr<upgrader::Policy> make_careful_upgrader();

}  // namespace my_upgrader
