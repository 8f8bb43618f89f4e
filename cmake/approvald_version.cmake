# The one version of approvald, shown by `--version`, the `approvald_build_info` metric, the
# dashboard and the package: the project's version, plus the git revision when built from a
# checkout ("0.1.0+1a2b3c4", "0.1.0+1a2b3c4.dirty"; SemVer build metadata, also a valid Debian
# version). The revision is read when CMake configures, into a generated header that is rewritten
# only when it changes: a commit does not rebuild anything until the next configure, which then
# rebuilds only the few files that include it. -DAPPROVALD_REVISION=... sets it by hand (a build
# from a tarball has none).
if(NOT DEFINED APPROVALD_REVISION)
  set(APPROVALD_REVISION "")
  find_package(Git QUIET)
  if(EXISTS "${PROJECT_SOURCE_DIR}/.git" AND GIT_FOUND)
    execute_process(COMMAND "${GIT_EXECUTABLE}" describe --always --dirty
                    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
                    OUTPUT_VARIABLE APPROVALD_REVISION
                    OUTPUT_STRIP_TRAILING_WHITESPACE
                    ERROR_QUIET
                    RESULT_VARIABLE _approvald_git_rc)
    if(NOT _approvald_git_rc EQUAL 0)
      set(APPROVALD_REVISION "")
    endif()
  endif()
endif()

if(APPROVALD_REVISION STREQUAL "")
  set(APPROVALD_VERSION_FULL "${PROJECT_VERSION}")
else()
  # Build metadata allows only [0-9A-Za-z-] separated by dots; a Debian version reads '-' as the
  # start of the Debian revision. "v1.0-3-g1a2b3c4-dirty" becomes "v1.0.3.g1a2b3c4.dirty".
  string(REGEX REPLACE "[^0-9A-Za-z]+" "." _approvald_rev "${APPROVALD_REVISION}")
  set(APPROVALD_VERSION_FULL "${PROJECT_VERSION}+${_approvald_rev}")
endif()
message(STATUS "approvald version ${APPROVALD_VERSION_FULL}")

configure_file("${CMAKE_CURRENT_LIST_DIR}/approvald_version.h.in"
               "${PROJECT_BINARY_DIR}/generated/approvald_version.h" @ONLY)
add_library(approvald_version INTERFACE)
add_library(approvald::version ALIAS approvald_version)
target_include_directories(approvald_version INTERFACE "${PROJECT_BINARY_DIR}/generated")
