#pragma once
// AddressSanitizer has to be told when the thread moves to another stack, or it mistakes
// live frames of suspended fibers for dead ones (false use-after-return / stack overflow
// reports after exceptions). Debian's Boost.Context is built without these annotations, so
// the schedulers make them themselves around every switch they decide. No-ops without ASan.
// A context is named by any address unique to it while it lives: the real runtime's
// Boost.Fiber context, the simulator's fiber record.
#include <cstddef>

// GCC says __SANITIZE_ADDRESS__; clang 14 (the fuzz preset) only answers __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define HOTSIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOTSIM_ASAN 1
#endif
#endif

namespace support::asan {

#if defined(HOTSIM_ASAN)
inline constexpr bool kEnabled = true;

// Before a switch from `from` to `to`. `to_bottom`/`to_size` describe the target's stack
// when the caller knows it (a simulated fiber); otherwise what was learned earlier is used.
// `from_dies`: the current fiber has finished and never runs again.
void before_switch(const void* from, const void* to, const void* to_bottom, std::size_t to_size, bool from_dies);
// First thing in the context `self` that now runs (after a suspend returns, at a fiber's
// entry). Does nothing if no switch is pending.
void after_switch(const void* self);
// The same for the running Boost.Fiber context (the real runtime and its dispatcher).
void after_switch();
// The context `self` is gone (its address may name another later).
void forget(const void* self);
// Marks memory addressable again (a reused fiber stack: its last fiber's frames left
// redzones poisoned in the shadow).
void unpoison(const void* begin, std::size_t size);
#else
inline constexpr bool kEnabled = false;
// Inline no-ops: every scheduled switch passes here, and a call into a shared library costs.
inline void before_switch(const void*, const void*, const void*, std::size_t, bool) {}
inline void after_switch(const void*) {}
inline void after_switch() {}
inline void forget(const void*) {}
inline void unpoison(const void*, std::size_t) {}
#endif

}  // namespace support::asan
