# ctest bench.smoke: run `bench_log --smoke` and check its stdout holds
# every figure, each line exactly "name value unit". Values are not
# judged: a smoke run's sizes are tiny and timings under sanitizers mean
# nothing. Usage: cmake -DBENCH=<path to bench_log> -P smoke_check.cmake
cmake_minimum_required(VERSION 3.25)
if(NOT BENCH)
	message(FATAL_ERROR "pass -DBENCH=<bench_log>")
endif()
execute_process(COMMAND ${BENCH} --smoke
	OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc
	TIMEOUT 280)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "bench_log --smoke failed (${rc}):\n${err}\n${out}")
endif()

set(names ed25519_verify_per_s
	append_batch1_1KiB append_batch64_1KiB append_batch1024_1KiB
	inclusion_proof_1e7_vs_1e4_median_ratio
	consistency_proof_1e7_vs_1e4_median_ratio
	audit_entries_per_s audit_MB_per_s sha256_single_core_MB_per_s
	audit_vs_sha256_ratio storage_overhead_bytes_per_entry
	storage_file_overhead_bytes_per_entry
	storage_live_pages_overhead_bytes_per_entry)
foreach(t 1 2 4 8 16)
	list(APPEND names append_threads${t}_1KiB append_threads${t}_mean_batch)
endforeach()
foreach(s 1e4 1e6 1e7)
	foreach(k inclusion consistency)
		list(APPEND names ${k}_proof_${s}_median ${k}_proof_${s}_p99)
	endforeach()
endforeach()

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
message(STATUS "bench_log --smoke printed ${nseen} figures")
