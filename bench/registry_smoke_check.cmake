# ctest bench.registry_smoke: run `bench_registry --smoke` and check that its
# stdout holds every figure below, each line exactly "name value unit",
# none twice. Values are not judged: smoke counts are tiny and timings
# under sanitizers mean nothing (no wall-clock thresholds in tests).
# Usage: cmake -DBENCH=<path to bench_registry> -P registry_smoke_check.cmake
cmake_minimum_required(VERSION 3.25)
if(NOT BENCH)
	message(FATAL_ERROR "pass -DBENCH=<bench_registry>")
endif()
execute_process(COMMAND ${BENCH} --smoke
	OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc
	TIMEOUT 280)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "bench_registry --smoke failed (${rc}):\n${err}\n${out}")
endif()

set(names ed25519_verify_per_s
	registry_entries
	registry_build_us_per_entry
	registry_build_us_mortgage
	registry_build_us_decision
	registry_build_us_release
	sequencer_cpu_us_per_entry
	registry_entries_per_s)

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
message(STATUS "bench_registry --smoke printed ${nseen} figures")
