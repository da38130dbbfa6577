# GET /metrics and the structured access log (owned with api/metrics.c,
# api/accesslog.c; docs/observability.md). Included from
# tests/integration/CMakeLists.txt. test_metrics.py starts the real
# `lienlogd --demo --access-log FILE` on 127.0.0.1 with a free port and a
# temp dir, checks counters and histograms against the requests it sent,
# rotation on SIGHUP, and one JSON line per request; always stops the
# server.
if(TARGET lienlogd)
	add_test(NAME integration.metrics
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_metrics.py
			$<TARGET_FILE:lienlogd>)
	set_tests_properties(integration.metrics PROPERTIES LABELS integration
		TIMEOUT 600)
endif()
