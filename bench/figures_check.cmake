# The bench smoke tests (ctest bench.*_smoke): run one bench program with
# --smoke and check that its stdout holds every expected figure, each line
# exactly "name value unit", none twice. Values are not judged: smoke
# sizes are tiny and timings under sanitizers mean nothing (no wall-clock
# thresholds in tests).
#
# Usage: cmake -DBENCH=<program> -DNAMES=<name>,<name>,... [-DARGS=<a>,<b>]
#   -P figures_check.cmake
# (comma-separated: a semicolon would split the ctest command line). ARGS
# go between the program and --smoke (an interpreter's script and its
# options, say).
cmake_minimum_required(VERSION 3.25)
if(NOT BENCH OR NOT NAMES)
	message(FATAL_ERROR "pass -DBENCH=<program> -DNAMES=<a,b,...>")
endif()
get_filename_component(prog ${BENCH} NAME)
string(REPLACE "," ";" names "${NAMES}")
string(REPLACE "," ";" args "${ARGS}")
execute_process(COMMAND ${BENCH} ${args} --smoke
	OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc
	TIMEOUT 280)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "${prog} --smoke failed (${rc}):\n${err}\n${out}")
endif()

string(REPLACE "\n" ";" lines "${out}")
set(seen "")
foreach(line IN LISTS lines)
	if(line STREQUAL "")
		continue()
	endif()
	if(NOT line MATCHES "^([a-z0-9_A-Z]+) (-?[0-9][0-9.e+-]*|nan) ([A-Za-z/]+)$")
		message(FATAL_ERROR "malformed figure line: '${line}'")
	endif()
	if(CMAKE_MATCH_1 IN_LIST seen)
		message(FATAL_ERROR "figure printed twice: ${CMAKE_MATCH_1}")
	endif()
	list(APPEND seen ${CMAKE_MATCH_1})
endforeach()
foreach(n IN LISTS names)
	if(NOT n IN_LIST seen)
		message(FATAL_ERROR "figure missing: ${n}\nstdout:\n${out}\nstderr:\n${err}")
	endif()
endforeach()
list(LENGTH seen nseen)
message(STATUS "${prog} --smoke printed ${nseen} figures")
