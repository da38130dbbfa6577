# `lienlog witness` integration test (owned with witness/witness.c,
# witness/server.c and tools/cli_witness.c; docs/witness.md). Included
# from tests/integration/CMakeLists.txt. test_witness.py runs the real
# `lienlog witness serve` against a real `lienlogd --demo` on 127.0.0.1,
# grows the log with crash_appender, and verifies every cosignature with
# Python `cryptography`.
if(TARGET lienlogd AND TARGET lienlog)
	# A generator expression resolves at generate time, whatever the
	# order in which crash.cmake and this file are included.
	set(lien_witness_appender $<TARGET_FILE:crash_appender>)
	add_test(NAME integration.witness
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_witness.py
			$<TARGET_FILE:lienlogd> $<TARGET_FILE:lienlog>
			${lien_witness_appender})
	set_tests_properties(integration.witness PROPERTIES LABELS integration
		TIMEOUT 600)
endif()
# Smoke run of bench/bench_witness.c: tiny counts, checks only that every
# request is answered 200 end to end (in-process and over HTTP) and the
# program exits 0. It never judges a time.
if(TARGET bench_witness)
	add_test(NAME bench.witness_smoke
		COMMAND $<TARGET_FILE:bench_witness> --smoke
			--dir ${CMAKE_CURRENT_BINARY_DIR})
	set_tests_properties(bench.witness_smoke PROPERTIES LABELS unit
		TIMEOUT 300)
endif()
