# The Python package `barlake` (python/, docs/python.md): a pybind11 module `_barlake` over
# the public API plus pure-Python files, built into ${CMAKE_BINARY_DIR}/python/barlake so
# that `PYTHONPATH=build/python python3 -c "import barlake"` works, and installed into the
# interpreter's dist-packages by `cmake --install`.
#
#   -DBARLAKE_PYTHON=OFF                      do not build it
#   -DPython_EXECUTABLE=/usr/bin/python3      the interpreter to build for (the default:
#                                             Debian's, where apt's numpy and pandas live)
#
# Debian's pybind11-dev and python3-dev are needed; without them the option turns itself
# off with a message and nothing else changes.
option(BARLAKE_PYTHON "Build the Python package (pybind11)" ON)

if(BARLAKE_PYTHON)
  if(NOT Python_EXECUTABLE AND EXISTS /usr/bin/python3)
    # Other Pythons may come first on PATH (pyenv); Debian's has apt's pandas and pytest.
    set(Python_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "The Python the barlake package is built for")
  endif()
  find_package(Python 3.9 QUIET COMPONENTS Interpreter Development.Module)
  if(Python_FOUND)
    set(PYBIND11_FINDPYTHON ON)
    find_package(pybind11 2.6 CONFIG QUIET)
  endif()
  if(NOT Python_FOUND OR NOT pybind11_FOUND)
    message(STATUS "barlake: Python package off (needs python3-dev and pybind11-dev: "
                   "scripts/setup.sh installs them)")
    # Off for this configure only: once the packages are installed, the next one finds them.
    set(BARLAKE_PYTHON OFF)
  endif()
endif()

if(BARLAKE_PYTHON)
  # The module is a shared object that links the static libraries of the public API, so
  # they are compiled position-independent. -fno-semantic-interposition keeps the code the
  # barlake binary gets as fast as without -fPIC (calls inside a library stay inlinable).
  set(BARLAKE_PYTHON_PIC_LIBRARIES barlake_api barlake_providers barlake_lake barlake_storage barlake_journal
    barlake_registry barlake_ingest barlake_validate barlake_derive barlake_health
    barlake_calendar barlake_env barlake_core)
  foreach(lib IN LISTS BARLAKE_PYTHON_PIC_LIBRARIES)
    get_target_property(type ${lib} TYPE)
    if(type STREQUAL "STATIC_LIBRARY")
      set_target_properties(${lib} PROPERTIES POSITION_INDEPENDENT_CODE ON)
      target_compile_options(${lib} PRIVATE -fno-semantic-interposition)
    endif()
  endforeach()

  # Where `cmake --install` puts the package, relative to the prefix: the folder the
  # interpreter searches for that prefix (Debian: lib/python3.X/dist-packages, which is on
  # sys.path for /usr/local and /usr).
  execute_process(COMMAND ${Python_EXECUTABLE} -c
    "import sys; d = 'dist-packages' if any(p.endswith('dist-packages') for p in sys.path) else 'site-packages'; print('lib/python%d.%d/%s' % (sys.version_info[0], sys.version_info[1], d))"
    OUTPUT_VARIABLE _barlake_python_dir OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(BARLAKE_PYTHON_INSTALL_DIR "${_barlake_python_dir}" CACHE STRING
      "Where cmake --install puts the barlake Python package, relative to the prefix")
  message(STATUS "barlake: Python package for ${Python_EXECUTABLE} (${Python_VERSION}), "
                 "installed into <prefix>/${BARLAKE_PYTHON_INSTALL_DIR}")
  add_subdirectory(${PROJECT_SOURCE_DIR}/python ${CMAKE_BINARY_DIR}/python-build)
endif()

# The pytest suite (tests/python), run by the interpreter the package is built for. Without
# the package it is reported as skipped, saying why.
if(BARLAKE_BUILD_TESTS)
  if(BARLAKE_PYTHON)
    add_test(NAME python_tests
      COMMAND ${Python_EXECUTABLE} -m pytest -q -p no:cacheprovider ${PROJECT_SOURCE_DIR}/tests/python)
    set_tests_properties(python_tests PROPERTIES LABELS integration TIMEOUT 300 SKIP_RETURN_CODE 77
      ENVIRONMENT "PYTHONPATH=${CMAKE_BINARY_DIR}/python;BARLAKE_BINARY=${CMAKE_BINARY_DIR}/barlake;PYTHONDONTWRITEBYTECODE=1")
  else()
    add_test(NAME python_tests COMMAND sh -c
      "echo 'python_tests skipped: the Python package is not built (BARLAKE_PYTHON is off: install pybind11-dev and python3-dev)'; exit 77")
    set_tests_properties(python_tests PROPERTIES LABELS integration SKIP_RETURN_CODE 77)
  endif()
endif()
