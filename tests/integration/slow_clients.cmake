# Idle and trickling connections against lienlogd's own listener, and
# lienlog load with more keep-alive connections than workers (issue 11
# class 6; docs/deployment.md). Included from tests/integration/CMakeLists.txt.
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.slow_clients
		COMMAND /usr/bin/python3
			${CMAKE_CURRENT_LIST_DIR}/test_slow_clients.py
			$<TARGET_FILE:lienlogd> $<TARGET_FILE:lienlog>)
	set_tests_properties(integration.slow_clients PROPERTIES
		LABELS integration TIMEOUT 900)
endif()
