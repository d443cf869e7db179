# The installed package: `cmake --install build/default --prefix P`, then in a user's project
# `find_package(hotsim 0.2 REQUIRED)` gives hotsim::upgrader (to write a policy),
# hotsim::scenarios (to run scenarios against it), hotsim::sim, hotsim::support and the
# imported executable hotsim::hotsim. Headers keep their folders under include/hotsim/, so
# `#include "upgrader/policy.hpp"` works the same inside and outside the tree.
include(CMakePackageConfigHelpers)

install(TARGETS hotsim_support hotsim_sim hotsim_upgrader hotsim_scenarios hotsim
        EXPORT hotsimTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(dir support sim upgrader scenarios)
  # scenarios/live/ is the hotsim command's own (`hotsim live`), not part of the package.
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hotsim/${dir}
          FILES_MATCHING PATTERN "*.hpp" PATTERN "live" EXCLUDE)
endforeach()
# The default suite and the apps it upgrades, for a user's tests (HOTSIM_SCENARIOS_DIR).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/default ${PROJECT_SOURCE_DIR}/scenarios/apps
        DESTINATION ${CMAKE_INSTALL_DATADIR}/hotsim/scenarios)

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/hotsim)
install(EXPORT hotsimTargets NAMESPACE hotsim:: DESTINATION ${config_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/hotsimConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/hotsimConfig.cmake
                              INSTALL_DESTINATION ${config_dir}
                              PATH_VARS CMAKE_INSTALL_DATADIR)
# 0.x: a minor version may break the API, so 0.2 accepts 0.2.* only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hotsimConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hotsimConfig.cmake ${PROJECT_BINARY_DIR}/hotsimConfigVersion.cmake
        DESTINATION ${config_dir})
