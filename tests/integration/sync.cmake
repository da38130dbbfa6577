# lienlog sync / monitor integration tests (owned with tools/cli_sync.c,
# cli_monitor.c, tlog/verifier.c; docs/sync.md, docs/monitor.md).
# Included from tests/integration/CMakeLists.txt. test_sync.py drives the
# real lienlog against the real lienlogd --demo (file and http sinks, kill
# -9) and against malicious_log.py (fork, rollback, tampered bundle/tile,
# bad signature, split view, witness quorum); test_monitor.py checks split
# views across vantage points.
if(TARGET lienlog AND TARGET lienlogd)
	add_test(NAME integration.sync
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_sync.py
			$<TARGET_FILE:lienlog> $<TARGET_FILE:lienlogd>)
	add_test(NAME integration.monitor
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_monitor.py
			$<TARGET_FILE:lienlog> $<TARGET_FILE:lienlogd>)
	set_tests_properties(integration.sync integration.monitor PROPERTIES
		LABELS integration TIMEOUT 900)
endif()
# bench_sync --smoke: the program runs end to end and prints its figures
# (values are never judged in the suite).
if(TARGET bench_sync)
	add_test(NAME bench.sync_smoke COMMAND bench_sync --smoke)
	set_tests_properties(bench.sync_smoke PROPERTIES LABELS unit TIMEOUT 300
		PASS_REGULAR_EXPRESSION "sync_entries_per_s [0-9.e+]+ entries/s\nsync_MB_per_s [0-9.e+]+ MB/s\nsha256_single_core_MB_per_s [0-9.e+]+ MB/s")
endif()
