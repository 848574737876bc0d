# mingw-w64-x86_64.cmake: cross-compile vmdrv for 64-bit Windows with
# Debian's mingw-w64 (gcc-mingw-w64-x86-64), as ci/cross-windows.sh --full
# does:
#   cmake -S . -B build-mingw \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake \
#     -DVMDRV_MINGW_PREFIX=<where the cross-built libyaml, pcre2, jansson
#                           and libarchive are installed>
# Tests run under wine when CMAKE_CROSSCOMPILING_EMULATOR finds it.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(VMDRV_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${VMDRV_MINGW_TRIPLET}-gcc)
set(CMAKE_RC_COMPILER ${VMDRV_MINGW_TRIPLET}-windres)

# The prefix of the cross-built dependencies: a cache variable so that
# try_compile() projects see it too.
set(VMDRV_MINGW_PREFIX "$ENV{VMDRV_MINGW_PREFIX}" CACHE PATH
    "Where the mingw builds of the dependencies are installed")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES VMDRV_MINGW_PREFIX)

set(CMAKE_FIND_ROOT_PATH /usr/${VMDRV_MINGW_TRIPLET} ${VMDRV_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must see the cross-built .pc files only, never the build
# machine's (which would hand Linux libraries to the Windows link).
if(VMDRV_MINGW_PREFIX)
  set(ENV{PKG_CONFIG_LIBDIR} "${VMDRV_MINGW_PREFIX}/lib/pkgconfig")
  set(ENV{PKG_CONFIG_PATH} "")
endif()

# The dependencies are static libraries: their headers must not declare
# dllimport. -std=c11 already switches mingw to its C99 printf (%zu, %lld),
# which msvcrt.dll lacks; say it explicitly so no file can miss it.
set(CMAKE_C_FLAGS_INIT
    "-D__USE_MINGW_ANSI_STDIO=1 -DYAML_DECLARE_STATIC -DPCRE2_STATIC -DLIBARCHIVE_STATIC")

# Wine runs the test programs; the loader sits outside PATH when the
# 'wine' wrapper package is not installed.
find_program(VMDRV_WINE NAMES wine64 wine PATHS /usr/lib/wine NO_CMAKE_FIND_ROOT_PATH)
if(VMDRV_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${VMDRV_WINE})
endif()
