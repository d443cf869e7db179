// A shared library that loads but registers no policy (a wrong --policy-lib).
extern "C" __attribute__((visibility("default"))) int hotsim_test_not_a_policy_library() { return 0; }
