# SPDX-License-Identifier: GPL-2.0-only
# Writes version.h at build time (not configure time), so build_info and
# --version name the commit actually built. configure_file() leaves the file
# alone when nothing changed, so an unchanged tree rebuilds nothing.
execute_process(COMMAND git describe --always --dirty
  WORKING_DIRECTORY ${SRC} OUTPUT_VARIABLE DROPMON_REVISION
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT DROPMON_REVISION)
  set(DROPMON_REVISION unknown)
endif()
configure_file(${IN} ${OUT} @ONLY)
