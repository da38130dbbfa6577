# Times in JSON answers: every *_ms instant has its RFC 3339 *_at twin
# (TEAM.md), walked over the answers of every route family of a live demo.
# Included from tests/integration/CMakeLists.txt.
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.times_at
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_times_at.py
			$<TARGET_FILE:lienlogd> $<TARGET_FILE:lienlog>)
	set_tests_properties(integration.times_at PROPERTIES
		LABELS integration TIMEOUT 600)
endif()
