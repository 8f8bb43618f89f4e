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
