# Shared build settings, applied per target so that third-party headers keep their own flags.
function(approvald_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast)
  if(APPROVALD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(APPROVALD_SANITIZE)
  add_compile_options(-fsanitize=${APPROVALD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${APPROVALD_SANITIZE})
endif()

# A Catch2 test binary: sources, the libraries it tests, and its tests registered under PREFIX.
function(approvald_add_test name prefix)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE approvald_test_support ${T_LIBS})
  approvald_target_defaults(${name})
  # GCC 12 flags designated initializers that rely on default member initializers.
  target_compile_options(${name} PRIVATE -Wno-missing-field-initializers)
  catch_discover_tests(${name} TEST_PREFIX "${prefix}: ")
endfunction()
