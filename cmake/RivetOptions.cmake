# Compiler warnings (errors on our code) and sanitizer flags, applied per target through rivet_target_defaults().
if(RIVET_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(rivet_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual -Werror)
endfunction()

# rivet_module(NAME SOURCES... DEPS ...): a static library app/NAME exporting include/ as rivet/NAME/...
function(rivet_module name)
  cmake_parse_arguments(M "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(rivet_${name} STATIC ${M_SOURCES})
  add_library(rivet::${name} ALIAS rivet_${name})
  target_include_directories(rivet_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                           PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(rivet_${name} PUBLIC ${M_PUBLIC_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  rivet_target_defaults(rivet_${name})
endfunction()
