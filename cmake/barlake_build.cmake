# Build hygiene shared by every barlake target: compiler warnings (optionally errors),
# sanitizers and clang-tidy. See src/README.md ("Build checks").
#
#   -DBARLAKE_WERROR=ON                     warnings are errors (scripts/test.sh, CI)
#   -DBARLAKE_SANITIZE=address;undefined    ASan + UBSan (or: thread for TSan)
#   -DBARLAKE_CLANG_TIDY=ON                 run clang-tidy (.clang-tidy) on every source

option(BARLAKE_WERROR "Treat compiler warnings as errors" OFF)
set(BARLAKE_SANITIZE "" CACHE STRING
    "Sanitizers for the whole build: 'address;undefined' (ASan + UBSan) or 'thread' (TSan)")
option(BARLAKE_CLANG_TIDY "Run clang-tidy (.clang-tidy) while compiling" OFF)

# The warnings every barlake target compiles with. Linked PRIVATE (through
# barlake_apply_warnings) so they never reach a consumer of an installed library.
add_library(barlake_warnings INTERFACE)
target_compile_options(barlake_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough -Wcast-qual -Wformat=2
  -Wmissing-declarations -Wvla
  # Unused parameters are common in interface overrides and callbacks; designated
  # initializers of option structs leave fields at their defaults on purpose.
  -Wno-unused-parameter -Wno-missing-field-initializers
  $<$<BOOL:${BARLAKE_WERROR}>:-Werror>)

# Link barlake_warnings into every target defined in `dir` (a folder added with
# add_subdirectory). Call it at the end of that folder's CMakeLists.txt.
function(barlake_apply_warnings dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|OBJECT_LIBRARY|MODULE_LIBRARY|EXECUTABLE)$")
      target_link_libraries(${t} PRIVATE $<BUILD_INTERFACE:barlake_warnings>)
    endif()
  endforeach()
endfunction()

if(BARLAKE_SANITIZE)
  if("thread" IN_LIST BARLAKE_SANITIZE AND "address" IN_LIST BARLAKE_SANITIZE)
    message(FATAL_ERROR "BARLAKE_SANITIZE: 'thread' cannot be combined with 'address'")
  endif()
  foreach(s IN LISTS BARLAKE_SANITIZE)
    if(NOT s MATCHES "^(address|undefined|thread)$")
      message(FATAL_ERROR "BARLAKE_SANITIZE: unknown sanitizer '${s}' (address, undefined, thread)")
    endif()
  endforeach()
  list(JOIN BARLAKE_SANITIZE "," _barlake_sanitizers)
  # Everything is instrumented (libraries, tests, the binary); a report stops the program
  # so the test fails.
  add_compile_options(-fsanitize=${_barlake_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_barlake_sanitizers})
endif()

if(BARLAKE_CLANG_TIDY)
  find_program(BARLAKE_CLANG_TIDY_EXE clang-tidy REQUIRED)
  set(CMAKE_CXX_CLANG_TIDY ${BARLAKE_CLANG_TIDY_EXE})
endif()

# src/modules.txt is the module graph the layering check (scripts/check_layering.cmake)
# enforces on #includes; the libraries must link exactly the same modules. Called at the
# end of src/CMakeLists.txt: a difference stops the configure step, naming it.
function(barlake_check_module_links list_file)
  file(STRINGS "${list_file}" lines)
  set(listed "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^[ \t]*(#|$)" OR NOT line MATCHES "^[ \t]*([a-z_][a-z0-9_]*)[ \t]*:(.*)$")
      continue()
    endif()
    set(m "${CMAKE_MATCH_1}")
    string(STRIP "${CMAKE_MATCH_2}" want)
    string(REGEX REPLACE "[ \t]+" ";" want "${want}")
    # Header-only modules (include/<module>/, e.g. the public barlake/ headers) have no
    # library to link: they are include edges only.
    set(linked_want "")
    foreach(w IN LISTS want)
      if(TARGET barlake_${w})
        list(APPEND linked_want ${w})
      endif()
    endforeach()
    set(want "${linked_want}")
    list(APPEND listed barlake_${m})
    if(NOT TARGET barlake_${m})
      continue()  # a header-only folder outside src/ (include/<module>/)
    endif()
    get_target_property(type barlake_${m} TYPE)
    if(type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(links barlake_${m} INTERFACE_LINK_LIBRARIES)
    else()
      get_target_property(links barlake_${m} LINK_LIBRARIES)
    endif()
    set(have "")
    foreach(l IN LISTS links)
      if(l MATCHES "^barlake_([a-z0-9_]+)$" AND NOT l STREQUAL "barlake_warnings")
        list(APPEND have ${CMAKE_MATCH_1})
      endif()
    endforeach()
    list(SORT want)
    list(SORT have)
    if(NOT want STREQUAL have)
      message(FATAL_ERROR "barlake_${m} links modules [${have}] but src/modules.txt says [${want}]: "
                          "make them agree (the layering check reads src/modules.txt)")
    endif()
  endforeach()
  get_property(targets DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(t MATCHES "^barlake_" AND type MATCHES "LIBRARY$" AND NOT t IN_LIST listed)
      message(FATAL_ERROR "${t} has no line in src/modules.txt")
    endif()
  endforeach()
endfunction()
