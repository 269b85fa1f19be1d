# cmake --install: the public headers (include/barlake), the static libraries of the public
# API and of the modules it is built on, DuckDB's shared library, the `barlake` binary, and
# the CMake package barlake (find_package(barlake) -> barlake::barlake). See docs/library.md.
#
# The package carries no include path into src/: barlake::barlake's users see include/
# only, and the internal modules are link-only dependencies of it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(BARLAKE_INSTALLED_LIBRARIES barlake_api barlake_providers barlake_lake barlake_storage barlake_journal
  barlake_registry barlake_ingest barlake_validate barlake_derive barlake_health barlake_calendar
  barlake_env barlake_core)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/barlake DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ${BARLAKE_INSTALLED_LIBRARIES} EXPORT barlakeTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS barlake RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# DuckDB is a prebuilt shared library (deps/duckdb); the package points at its copy.
install(FILES ${DUCKDB_LIBRARY} DESTINATION ${CMAKE_INSTALL_LIBDIR})
get_filename_component(BARLAKE_DUCKDB_FILE_NAME "${DUCKDB_LIBRARY}" NAME)

install(EXPORT barlakeTargets NAMESPACE barlake:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/barlake)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/barlakeConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/barlakeConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/barlake
  PATH_VARS CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/barlakeConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/barlakeConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/barlakeConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/barlake)
