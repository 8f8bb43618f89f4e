# Shared build settings, applied per target so that third-party headers keep their own flags.
function(approvald_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast)
  if(APPROVALD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# A daemon library's include root holds that library alone: <build>/daemon_include/<folder>/<folder>
# is a link to daemon/<folder>. So `#include "store/store.h"` compiles only in a target that links
# approvald::store (directly or through a PUBLIC dependency), and the compiler checks the layering
# that scripts/lint's table states (ADR 0012). A folder's own sources include its headers the same
# way, as "folder/name.h".
function(approvald_include_root target)
  get_filename_component(folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  set(root ${PROJECT_BINARY_DIR}/daemon_include/${folder})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${root}/${folder} SYMBOLIC)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE ${root})
  else()
    target_include_directories(${target} PUBLIC ${root})
  endif()
endfunction()

if(APPROVALD_SANITIZE)
  add_compile_options(-fsanitize=${APPROVALD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${APPROVALD_SANITIZE})
endif()

# A Catch2 test binary: sources, the libraries it tests, and its tests registered under PREFIX
# (with ctest LABELS if given).
function(approvald_add_test name prefix)
  cmake_parse_arguments(T "" "LABELS" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE approvald_test_support ${T_LIBS})
  approvald_target_defaults(${name})
  # GCC 12 flags designated initializers that rely on default member initializers.
  target_compile_options(${name} PRIVATE -Wno-missing-field-initializers)
  # -w NoTests: a ctest entry whose filter matches no test case fails instead of passing empty.
  # (A ';' in a test case's name split it into two entries that matched nothing: 21 cases never
  # ran under ctest until 2026-12-07; scripts/lint now refuses the character.)
  if(T_LABELS)
    catch_discover_tests(${name} TEST_PREFIX "${prefix}: " EXTRA_ARGS -w NoTests
                         PROPERTIES LABELS ${T_LABELS})
  else()
    catch_discover_tests(${name} TEST_PREFIX "${prefix}: " EXTRA_ARGS -w NoTests)
  endif()
endfunction()

# approvald_embed(TARGET NAMESPACE HEADER BASE FILES...): a static library `TARGET` whose
# generated source holds FILES (paths under BASE) as byte arrays, looked up by "/path" through
# HEADER's asset() in NAMESPACE (cmake/embed_assets.cmake). Rebuilt when a file changes.
function(approvald_embed target namespace header base)
  set(files ${ARGN})
  list(TRANSFORM files PREPEND ${base}/ OUTPUT_VARIABLE sources)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_embedded.cc)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${out} -DBASE=${base} "-DFILES=${files}" -DHEADER=${header}
            -DNAMESPACE=${namespace} -P ${PROJECT_SOURCE_DIR}/cmake/embed_assets.cmake
    DEPENDS ${sources} ${PROJECT_SOURCE_DIR}/cmake/embed_assets.cmake
    COMMENT "Embedding ${target}'s files"
    VERBATIM)
  add_library(${target} ${out})
  approvald_include_root(${target})
  approvald_target_defaults(${target})
endfunction()
