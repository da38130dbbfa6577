# docs/openapi.yaml against the server (tests/integration/test_openapi.py):
# the document parses (python3-yaml, duplicate keys refused) and is
# internally consistent, it covers every route of api/routes_*.c and no
# other, and every documented operation answers a live `lienlogd --demo`
# on 127.0.0.1 with a documented status and error code. Included from
# tests/integration/CMakeLists.txt.
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.openapi
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_openapi.py
			$<TARGET_FILE:lienlogd> $<TARGET_FILE:lienlog>
			${PROJECT_SOURCE_DIR})
	set_tests_properties(integration.openapi PROPERTIES LABELS integration
		TIMEOUT 600)
endif()
